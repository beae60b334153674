/* cmd_run.c - `fupin run`, the daemon in the foreground. Reading downwards:
 * load the config and the policies, open the engine, take the one-daemon
 * lock on the database, mark every household for the policies whose rules
 * or params changed since the last run, then hand over to the loop in
 * daemon.c until SIGTERM/SIGINT. */
#include "cli.h"
#include "i18n.h"
#include "daemon.h"
#include "engine.h"
#include "log.h"
#include "rule_history.h"
#include "runlock.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char *const run_usage =
    N_("usage: fupin run\n"
       "The daemon, in the foreground: evaluates whatever changed since it last ran,\n"
       "then watches the database and the policies folder. SIGHUP reloads the config;\n"
       "SIGTERM or SIGINT finish the batch in flight and stop (exit 0). One daemon\n"
       "per database: a second one exits 1 at once, naming the running one's pid.\n");

/* Marks what the policies that changed since the last run must re-run.
 * Named before marking: the marking records the new fingerprints. Only the
 * policies named are re-run; a start with nothing changed says nothing (the
 * journal alone says what is evaluated then). */
static void mark_changed_at_start(struct engine *en)
{
    struct err e = {{0}};
    char changed[1024] = "";
    int marked = 0;
    if (engine_changed_policies(en, changed, sizeof changed, &e) != 0 ||
        engine_mark_if_changed(en, NULL, &marked, &e) != 0)
        log_event(LOG_ERROR, "daemon.mark_failed", "cannot compare the policy fingerprints: %s",
                  e.msg);
    else if (marked && strcmp(changed, "*") == 0)
        log_event(LOG_INFO, "daemon.marked_all",
                  "start-up: every household marked for re-evaluation by every policy");
    else if (marked)
        log_event(LOG_INFO, "daemon.marked_all",
                  "start-up: every household marked for re-evaluation by %s", changed);
}

int cmd_run(struct cli *cli)
{
    const char *usage = _(run_usage);
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc > 1)
        return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), cli->argv[1]);
    /* Until the daemon's loop takes SIGHUP over (daemon.c, setup) its
     * default would kill us: a reload asked for during start-up (review
     * mode first loads the live set, which takes a while) is moot, as the
     * config is being read now anyway. Workers get the default back. */
    signal(SIGHUP, SIG_IGN);
    struct config *cfg;
    int code = cli_load_config(cli, &cfg);
    if (code)
        return code;

    struct err e = {{0}};
    struct engine *en;
    /* Not strict: a broken policy or a refused plugin is logged, alerted
     * and reported as failed on every household (so its stored findings
     * stay as they were); the other policies keep running. */
    int rc = cli_open_engine(cfg, 0, &en, &e);
    if (rc) {
        log_event(LOG_ERROR, "daemon.fatal", "%s", e.msg);
        config_free(cfg);
        return cli_exit_code(rc);
    }
    struct runlock *lock = NULL;
    if ((rc = runlock_take(cfg->database, &lock, &e)) != 0) {
        log_event(LOG_ERROR, "daemon.lock_refused", "%s", e.msg);
        engine_close(en);
        config_free(cfg);
        return EXIT_RUNTIME;
    }
    /* From here on no policy or plugin code runs in this process. */
    if ((rc = engine_spawn_workers(en, "/proc/self/exe", &e)) != 0) {
        log_event(LOG_ERROR, "worker.start_failed", "%s", e.msg);
        engine_close(en);
        runlock_release(lock);
        config_free(cfg);
        return EXIT_RUNTIME;
    }
    daemon_alert_missing(en);
    /* In review mode the set loaded here is the folder people edit, which
     * the daemon replaces by the live set before anything runs: the
     * history gets that one (daemon.c, start_review), never a pending
     * version that did not run. */
    int review = cfg->reload && strcmp(cfg->reload, "review") == 0;
    if (!review && rule_history_record(engine_policies(en), "daemon", &e) != 0)
        log_event(LOG_WARN, "rules.record_failed", "cannot record the rule versions: %s", e.msg);
    /* In review mode the live set is compared instead, once it is loaded
     * (daemon.c): the folder's pending edits must be neither marked nor
     * recorded. */
    if (!review)
        mark_changed_at_start(en);

    rc = daemon_run(cli->config_path, &cfg, en, &e);
    if (rc)
        log_event(LOG_ERROR, "daemon.fatal", "%s", e.msg);
    engine_close(en);
    runlock_release(lock);
    config_free(cfg);
    return rc ? EXIT_RUNTIME : EXIT_OK;
}
