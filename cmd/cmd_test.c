/* cmd_test.c - `fupin test [PATH...]`: runs policy test cases (YAML) through
 * the real policy set, one line per case and a total. Never touches the
 * database. Exit 0 all passed, 1 some failed, 2 bad usage, config, policy or
 * case file. */
#include "casefile.h"
#include "cli.h"
#include "i18n.h"
#include "policy_lua.h"
#include "policy_set.h"
#include "term.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The path to show (and open) for an absolute path under the current
 * directory: relative to it, as policy staff typed it; anything else as
 * given. The config resolves policy_tests to an absolute path, and
 * "ok   /srv/.../tests/policies/industry.yaml" buries the file name. */
static const char *shown_path(const char *path, char *buf, size_t size)
{
    char cwd[PATH_MAX], *real = NULL;
    if (path[0] != '/' || !getcwd(cwd, sizeof cwd) || !(real = realpath(path, NULL)))
        return path;
    size_t n = strlen(cwd);
    const char *rest = NULL;
    /* Running from / shows absolute paths: "work/..." would read as relative. */
    if (strncmp(real, cwd, n) == 0 && (real[n] == '/' || real[n] == 0))
        rest = real[n] ? real + n + 1 : ".";
    int fits = rest && snprintf(buf, size, "%s", *rest ? rest : ".") < (int)size;
    free(real);
    return fits ? buf : path;
}

int cmd_test(struct cli *cli)
{
    const char *usage =
        _("usage: fupin test [PATH...]\n"
          "Runs the policy test cases in each PATH (a YAML case file or a folder of them;\n"
          "default: the config's policy_tests folder) and prints one line per case, then\n"
          "\"N passed, N failed\". Exit status: 0 all passed, 1 a case failed, 2 a bad\n"
          "config, policy or case file.\n");
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    for (int i = 1; i < cli->argc; i++)
        if (cli->argv[i][0] == '-' && cli->argv[i][1])
            return cli_usage_error(cli, usage, _("unknown option %s"), cli->argv[i]);
    /* Here a runaway rule must fail the same way on every machine: count
     * instructions (limits.instructions) as well as the clock. */
    policy_lua_use_instruction_budget(1);
    struct config *cfg;
    int rc = cli_load_config(cli, &cfg);
    if (rc)
        return rc;
    struct policy_set *set = NULL;
    struct err e;
    if (policy_set_load(cfg, 1, &set, &e) != 0) {
        fprintf(stderr, "fupin test: %s\n", term_str(e.msg));
        config_free(cfg);
        return EXIT_USAGE;
    }
    struct casefile_totals totals = {0, 0};
    int bad = 0;
    if (cli->argc < 2 && !cfg->policy_tests_dir) {
        fputs(_("fupin test: no PATH given and the config has no policy_tests\n"), stderr);
        bad = 1;
    }
    for (int i = 1; i < cli->argc || (i == 1 && cli->argc < 2 && cfg->policy_tests_dir); i++) {
        char rel[PATH_MAX];
        const char *path =
            shown_path(cli->argc < 2 ? cfg->policy_tests_dir : cli->argv[i], rel, sizeof rel);
        if (casefile_run_path(path, set, NULL, stdout, &totals, &e) != 0) {
            fflush(stdout);
            fprintf(stderr, "fupin test: %s\n", term_str(e.msg));
            bad = 1;
        }
    }
    printf(_("%d passed, %d failed\n"), totals.passed, totals.failed);
    fflush(stdout);
    policy_set_free(set);
    config_free(cfg);
    return bad ? EXIT_USAGE : totals.failed ? EXIT_RUNTIME : EXIT_OK;
}
