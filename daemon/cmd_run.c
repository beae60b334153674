/* cmd_run.c - `fupin run`, the daemon in the foreground. Reading downwards:
 * load the config and the policies (strictly), open the engine, mark every
 * household when policies or params changed since the last run, then hand
 * over to the loop in daemon.c until SIGTERM/SIGINT. */
#include "cli.h"
#include "daemon.h"
#include "engine.h"
#include "log.h"

#include <stdio.h>

static const char usage[] =
    "usage: fupin run\n"
    "The daemon, in the foreground: evaluates whatever changed since it last ran,\n"
    "then watches the database and the policies folder. SIGHUP reloads the config;\n"
    "SIGTERM or SIGINT finish the batch in flight and stop (exit 0).\n";

int cmd_run(struct cli *cli)
{
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc > 1)
        return cli_usage_error(cli, usage, "unexpected argument \"%s\"", cli->argv[1]);
    struct config *cfg;
    int code = cli_load_config(cli, &cfg);
    if (code)
        return code;

    struct err e = {{0}};
    struct policy_set *set;
    struct engine *en = NULL;
    /* Strict at start: with no running version to fall back on, a broken
     * policy must stop us rather than withdraw its findings everywhere. */
    int rc = policy_set_load(cfg, 1, &set, &e);
    if (rc == 0)
        rc = engine_open(cfg, set, &en, &e);
    if (rc) {
        log_error("%s", e.msg);
        config_free(cfg);
        return rc == ERR_INVALID ? EXIT_USAGE : EXIT_RUNTIME;
    }
    int marked = 0;
    if (engine_mark_if_changed(en, NULL, &marked, &e) != 0)
        log_error("cannot compare the policy fingerprint: %s", e.msg);
    else if (marked)
        log_info("policies or params changed since the last run: re-evaluating every household");

    rc = daemon_run(cli->config_path, &cfg, en, &e);
    if (rc)
        log_error("%s", e.msg);
    engine_close(en);
    config_free(cfg);
    return rc ? EXIT_RUNTIME : EXIT_OK;
}
