/* cmd_check.c - `fupin check`: validates the config, every Lua policy and
 * every plugin the config names, one line each, then the params: against
 * what the loaded policies declare, and runs the policies' own test cases
 * only to catch a policy reading a param it does not declare. Never touches
 * the database. Exit 0 when all is good, 2 if not. */
#include "casefile.h"
#include "cli.h"
#include "i18n.h"
#include "policy_lua.h"
#include "plugin_loader.h"
#include "policy.h"
#include "policy_set.h"
#include "store.h"
#include "term.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks every *.lua of the policy folder; returns the number of problems. */
static int check_lua(const struct config *cfg)
{
    DIR *d = opendir(cfg->policies_dir);
    if (!d) {
        fprintf(stderr, _("fupin check: %s: cannot open the policy folder\n"), cfg->policies_dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || de->d_name[0] == '.' || strcmp(de->d_name + len - 4, ".lua") != 0)
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn)
            break;
        names = nn;
        if ((names[n] = strdup(de->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int problems = 0;
    struct policy_lua **ok = calloc(n + 1, sizeof *ok);
    size_t n_ok = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", cfg->policies_dir, names[i]);
        struct policy_lua *p;
        struct err e;
        if (policy_lua_load(path, cfg, &p, &e) != 0) {
            fprintf(stderr, "fupin check: %s\n", term_str(e.msg));
            problems++;
            continue;
        }
        const char *dup = NULL;
        for (size_t j = 0; j < n_ok; j++)
            if (!strcmp(policy_lua_name(ok[j]), policy_lua_name(p)))
                dup = policy_lua_source(ok[j]);
        if (dup) {
            fprintf(stderr, _("fupin check: %s: the area \"%s\" is already taken by %s\n"),
                    term_str(policy_lua_source(p)), term_str(policy_lua_name(p)), term_str(dup));
            problems++;
            policy_lua_free(p);
            continue;
        }
        const char *src = policy_lua_source(p), *at = strrchr(src, '@');
        char file[1024];
        snprintf(file, sizeof file, "%.*s", at ? (int)(at - src - 4) : (int)strlen(src + 4),
                 src + 4);
        printf(_("ok   %s (%s) %s\n"), term_str(file), term_str(policy_lua_name(p)), term_str(src));
        if (ok)
            ok[n_ok++] = p;
        else
            policy_lua_free(p);
    }
    if (n_ok) {
        /* The policies together in one worker, as the daemon will run them
         * (this also compiles the fp library). */
        struct policy_lua_worker *w;
        struct err e;
        if (policy_lua_worker_new(ok, n_ok, cfg, &w, &e) != 0) {
            fprintf(stderr, "fupin check: %s\n", term_str(e.msg));
            problems++;
        } else {
            policy_lua_worker_free(w);
        }
    }
    for (size_t i = 0; i < n_ok; i++)
        policy_lua_free(ok[i]);
    free(ok);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return problems;
}

static int check_plugins(const struct config *cfg)
{
    int problems = 0;
    for (size_t i = 0; i < cfg->n_plugins; i++) {
        struct plugin *pl;
        struct err e;
        if (plugin_load(cfg->plugin_dir, cfg->plugins[i], cfg, &pl, &e) != 0) {
            fprintf(stderr, "fupin check: %s\n", term_str(e.msg));
            problems++;
            continue;
        }
        /* Its params are held to its declarations with every policy's, by
         * the config layer (check_params): the loader has refused a
         * required one without a default already. */
        printf(_("ok   %s (%s)\n"), term_str(plugin_source(pl)),
               term_str(plugin_descriptor(pl)->name));
        plugin_unload(pl);
    }
    return problems;
}

/* The policies' own cases, run only for one kind of mistake: a policy that
 * reads a param it does not declare fails there, and nowhere before a
 * household reaches it. Whether the cases pass is `fupin test`'s business. */
static int check_reads(const struct policy_set *set)
{
    const char *dir = set->cfg->policy_tests_dir;
    struct stat st;
    if (!dir || stat(dir, &st) != 0)
        return 0;
    char *report = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&report, &len);
    if (!f)
        return 0;
    struct casefile_totals totals = {0};
    struct err e = {{0}};
    casefile_run_path(dir, set, NULL, f, &totals, &e); /* unreadable cases: fupin test says so */
    fclose(f);
    int problems = 0;
    for (char *line = report; line && *line;) {
        size_t n = strcspn(line, "\n");
        char *hit = strstr(line, LUA_UNDECLARED_PARAM);
        if (hit && hit < line + n) {
            fprintf(stderr, _("fupin check: a policy reads a param it does not declare: %.*s\n"),
                    (int)n, line);
            problems++;
        }
        line += n + (line[n] == '\n');
    }
    free(report);
    return problems;
}

/* The params: against every declaration, as `fupin run` will hold them. */
static int check_params(const struct config *cfg, int keys)
{
    struct policy_set *set;
    struct err e = {{0}};
    /* Not strict: the files that fail were reported above; the rest of the
     * params is still worth checking (leniently, see policy_set_load). */
    if (policy_set_load(cfg, 0, &set, &e) != 0) {
        fprintf(stderr, "fupin check: %s\n", term_str(e.msg));
        return 1;
    }
    if (keys) {
        config_print_keys(stdout);
        policy_set_print_params(set, stdout);
        policy_set_free(set);
        return 0;
    }
    printf(_("ok   params (%zu set, %zu declared)\n"), cfg->n_params, set->n_decls);
    int problems = check_reads(set);
    policy_set_free(set);
    return problems;
}

int cmd_check(struct cli *cli)
{
    const char *usage =
        _("usage: fupin check [--keys]\n"
          "Validates the config, every Lua policy (syntax, required fields, runs in the\n"
          "sandbox), every plugin the config loads (ABI, required parameters) and the\n"
          "params: against what the policies declare (every key declared, of its type,\n"
          "in its range), and runs the policies' test cases to catch a policy reading a\n"
          "param it does not declare. Prints one line per policy; exit status 0 when all\n"
          "are good, 2 otherwise.\n"
          "--keys prints every config key and every declared param instead: type, range,\n"
          "default, who reads it.\n");
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    int keys = cli->argc == 2 && strcmp(cli->argv[1], "--keys") == 0;
    if (cli->argc > 1 && !keys)
        return cli_usage_error(cli, usage, _("unexpected argument %s"), cli->argv[1]);
    /* Here a runaway rule must fail the same way on every machine: count
     * instructions (limits.instructions) as well as the clock. */
    policy_lua_use_instruction_budget(1);
    struct config *cfg;
    int rc = cli_load_config(cli, &cfg);
    if (rc)
        return rc;
    if (keys) {
        int problems = check_params(cfg, 1);
        config_free(cfg);
        return problems ? EXIT_USAGE : EXIT_OK;
    }
    printf(_("ok   %s (config)\n"), term_str(cfg->path ? cfg->path : cli->config_path));
    /* A warning, not a problem: the file is the operator's to fix, and the
     * daemon runs (and warns) all the same. */
    struct err why;
    if (cfg->database && store_check_mode(cfg->database, &why))
        printf(_("warn %s\n"), term_str(why.msg));
    fflush(stdout);
    int problems = check_lua(cfg) + check_plugins(cfg);
    problems += check_params(cfg, 0);
    config_free(cfg);
    if (problems) {
        printf(ngettext("%d problem found\n", "%d problems found\n", (unsigned long)problems),
               problems);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}
