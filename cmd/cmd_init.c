/* cmd_init.c - `fupin init [--demo] [--households N] [--seed N]`: creates
 * the database named in the config (schema, triggers, private file) and
 * optionally fills it with the demo city. Never fills a database that
 * already holds households. */
#include "cli.h"
#include "i18n.h"
#include "store_demo.h"
#include "store.h"
#include "term.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const init_usage =
    N_("usage: fupin init [--demo] [--households N] [--seed N]\n"
       "\n"
       "Creates the database named in the config (`database:`): schema, triggers,\n"
       "a private file (mode 0600) in a private folder created if missing. An\n"
       "existing database is kept and upgraded to this version's schema.\n"
       "\n"
       "  --demo          also fill it with the demo city: a synthetic Heyuan City\n"
       "                  shaped like the plan (45,700 households, 125,900 people,\n"
       "                  255 poor villages, 29,800 scattered households / 74,600\n"
       "                  people). Refused if the database already has households.\n"
       "  --households N  size of the demo city (default 45700, 100..5000000);\n"
       "                  every count scales with it\n"
       "  --seed N        seed of the demo city (default 20160601): the same seed\n"
       "                  gives the same city\n");

/* A positive decimal integer, whole string, no sign. */
static int parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

/* mkdir -p of the folder holding path, new folders private. */
static int make_parent_dirs(const char *path)
{
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return -1;
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = 0;
    for (char *p = dir + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                return -1;
            if (c == 0)
                break;
            *p = c;
        }
    }
    struct stat sb;
    return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}

/* 45700 -> "45,700" */
static const char *thousands(long v, char buf[32])
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%ld", v < 0 ? -v : v), k = 0;
    if (v < 0)
        buf[k++] = '-';
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = 0;
    return buf;
}

static void print_counts(const char *path, const struct demo_options *opt,
                         const struct demo_counts *c, double seconds)
{
    char a[32], b[32], d[32], f[32];
    printf(_("filled %s with the demo city (seed %llu) in %.2f s\n"), path,
           (unsigned long long)opt->seed, seconds);
    printf(_("  households            %s (people %s)\n"), thousands(c->households, a),
           thousands(c->members, b));
    printf(_("  poor villages         %s (households %s, people %s)\n"),
           thousands(c->poor_villages, a), thousands(c->poor_village_households, b),
           thousands(c->poor_village_members, d));
    printf(_("  scattered households  %s (people %s)\n"), thousands(c->scattered_households, a),
           thousands(c->scattered_members, b));
    printf(_("  regions               %s villages (%s paired with city units), %s towns, %s "
             "counties\n"),
           thousands(c->villages, a), thousands(c->city_unit_villages, b), thousands(c->towns, d),
           thousands(c->counties, f));
    printf(_("  cadres                %s (pairings %s, visits %s)\n"), thousands(c->cadres, a),
           thousands(c->pairings, b), thousands(c->visits, d));
    printf(_("  supervisors           %s\n"), thousands(c->supervisors, a));
    printf(_("  tasks                 %s (overdue as of %s: %s)\n"), thousands(c->tasks, a),
           DEMO_AS_OF, thousands(c->overdue_tasks, b));
    printf(_("  fund applications     %s\n"), thousands(c->funds, a));
    printf(_("  loans                 %s\n"), thousands(c->loans, a));
}

int cmd_init(struct cli *cli)
{
    const char *usage = _(init_usage);
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    int demo = 0, sized = 0;
    struct demo_options opt = {.seed = DEMO_DEFAULT_SEED, .households = DEMO_DEFAULT_HOUSEHOLDS};
    for (int i = 1; i < cli->argc; i++) {
        const char *arg = cli->argv[i];
        unsigned long long v;
        if (strcmp(arg, "--demo") == 0) {
            demo = 1;
        } else if (strcmp(arg, "--households") == 0 || strcmp(arg, "--seed") == 0) {
            int is_seed = arg[2] == 's';
            if (i + 1 >= cli->argc)
                return cli_usage_error(cli, usage, _("%s needs a number"), arg);
            const char *val = cli->argv[++i];
            if (parse_count(val, is_seed ? UINT64_MAX : (unsigned long long)DEMO_MAX_HOUSEHOLDS,
                            &v) != 0 ||
                (!is_seed && v < (unsigned long long)DEMO_MIN_HOUSEHOLDS)) {
                if (is_seed)
                    return cli_usage_error(cli, usage,
                                           _("--seed: \"%s\" is not a positive integer"), val);
                return cli_usage_error(cli, usage,
                                       _("--households: \"%s\" is not a number from %ld to %ld"),
                                       val, DEMO_MIN_HOUSEHOLDS, DEMO_MAX_HOUSEHOLDS);
            }
            if (is_seed)
                opt.seed = (uint64_t)v;
            else
                opt.households = (long)v;
            sized = 1;
        } else {
            return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), arg);
        }
    }
    if (sized && !demo)
        return cli_usage_error(cli, usage, _("--households and --seed only apply with --demo"));

    struct config *cfg;
    int rc = cli_load_config(cli, &cfg);
    if (rc)
        return rc;
    int code = EXIT_OK;
    struct store *st = NULL;
    struct err e = {{0}};
    if (make_parent_dirs(cfg->database) != 0) {
        fprintf(stderr, _("fupin init: %s: cannot create its folder: %s\n"), cfg->database,
                strerror(errno));
        code = EXIT_RUNTIME;
        goto done;
    }
    if ((rc = store_open(cfg->database, STORE_CREATE, &st, &e)) != 0) {
        fprintf(stderr, "fupin init: %s\n", term_str(e.msg));
        code = cli_exit_code(rc);
        goto done;
    }
    if (!demo) {
        printf(_("database %s is ready (schema version %d)\n"), cfg->database,
               store_schema_version(st));
        goto done;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct demo_counts counts;
    if ((rc = demo_fill(st, &opt, &counts, &e)) != 0) {
        fprintf(stderr, "fupin init: %s\n", term_str(e.msg));
        code = cli_exit_code(rc);
        goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    print_counts(cfg->database, &opt, &counts,
                 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    /* Only the demo gets users: a real database starts with none. */
    if ((rc = cli_demo_users(st, stdout, &e)) != 0) {
        fprintf(stderr, "fupin init: %s\n", term_str(e.msg));
        code = cli_exit_code(rc);
    }

done:
    store_close(st);
    config_free(cfg);
    return code;
}
