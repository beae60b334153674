/* cmd_check.c - `fupin check`: validates the config, every Lua policy and
 * every plugin the config names, one line each, without touching the
 * database or evaluating any household. Exit 0 when all is good, 2 if not. */
#include "cli.h"
#include "lua_runtime.h"
#include "plugin_loader.h"
#include "policy.h"

#include <dirent.h>
#include <stdio.h>
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
        fprintf(stderr, "fupin check: %s: cannot open the policy folder\n", cfg->policies_dir);
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
    struct lua_policy **ok = calloc(n + 1, sizeof *ok);
    size_t n_ok = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", cfg->policies_dir, names[i]);
        struct lua_policy *p;
        struct err e;
        if (lua_policy_load(path, cfg, &p, &e) != 0) {
            fprintf(stderr, "fupin check: %s\n", e.msg);
            problems++;
            continue;
        }
        const char *dup = NULL;
        for (size_t j = 0; j < n_ok; j++)
            if (!strcmp(lua_policy_name(ok[j]), lua_policy_name(p)))
                dup = lua_policy_source(ok[j]);
        if (dup) {
            fprintf(stderr, "fupin check: %s: the area \"%s\" is already taken by %s\n",
                    lua_policy_source(p), lua_policy_name(p), dup);
            problems++;
            lua_policy_free(p);
            continue;
        }
        const char *src = lua_policy_source(p), *at = strrchr(src, '@');
        printf("ok   %.*s (%s) %s\n", at ? (int)(at - src - 4) : (int)strlen(src + 4), src + 4,
               lua_policy_name(p), src);
        if (ok)
            ok[n_ok++] = p;
        else
            lua_policy_free(p);
    }
    if (n_ok) {
        /* The policies together in one worker, as the daemon will run them
         * (this also compiles the fp library). */
        struct lua_worker *w;
        struct err e;
        if (lua_worker_new(ok, n_ok, cfg, &w, &e) != 0) {
            fprintf(stderr, "fupin check: %s\n", e.msg);
            problems++;
        } else {
            lua_worker_free(w);
        }
    }
    for (size_t i = 0; i < n_ok; i++)
        lua_policy_free(ok[i]);
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
            fprintf(stderr, "fupin check: %s\n", e.msg);
            problems++;
            continue;
        }
        if (plugin_check_params(pl, cfg, &e) != 0) {
            fprintf(stderr, "fupin check: %s: %s\n", plugin_source(pl), e.msg);
            problems++;
        } else {
            printf("ok   %s (%s)\n", plugin_source(pl), plugin_descriptor(pl)->name);
        }
        plugin_unload(pl);
    }
    return problems;
}

int cmd_check(struct cli *cli)
{
    static const char usage[] =
        "usage: fupin check\n"
        "Validates the config, every Lua policy (syntax, required fields, runs in the\n"
        "sandbox) and every plugin the config loads (ABI, required parameters).\n"
        "Prints one line per policy; exit status 0 when all are good, 2 otherwise.\n";
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc > 1)
        return cli_usage_error(cli, usage, "unexpected argument %s", cli->argv[1]);
    struct config *cfg;
    int rc = cli_load_config(cli, &cfg);
    if (rc)
        return rc;
    printf("ok   %s (config)\n", cfg->path ? cfg->path : cli->config_path);
    int problems = check_lua(cfg) + check_plugins(cfg);
    config_free(cfg);
    if (problems) {
        printf("%d problem%s found\n", problems, problems == 1 ? "" : "s");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}
