/* cmd_nightly.c - `fupin nightly [--date YYYY-MM-DD]`: the nightly job by
 * hand, then one delivery pass. Retries not yet due are left for the daemon;
 * this command never waits on a backoff. */
#include "cli.h"
#include "i18n.h"
#include "deliver.h"
#include "nightly.h"
#include "store.h"
#include "term.h"

#include <stdio.h>
#include <string.h>

int cmd_nightly(struct cli *cli)
{
    const char *usage =
        _("usage: fupin nightly [--date YYYY-MM-DD] [--no-deliver]\n"
          "Runs the nightly supervision job as of the date (default: today in\n"
          "schedule.timezone, or engine.as_of when set): overdue tasks escalated\n"
          "town -> county -> city, households without a cadre, cadres without visits,\n"
          "towns behind their reduction target; one digest per supervisor into the\n"
          "outbox. Then delivers the messages that are due, once.\n"
          "Running it twice for the same date adds nothing.\n");
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    const char *date = NULL;
    int deliver = 1;
    for (int i = 1; i < cli->argc; i++) {
        if (strcmp(cli->argv[i], "--date") == 0 && i + 1 < cli->argc)
            date = cli->argv[++i];
        else if (strncmp(cli->argv[i], "--date=", 7) == 0)
            date = cli->argv[i] + 7;
        else if (strcmp(cli->argv[i], "--no-deliver") == 0)
            deliver = 0;
        else
            return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), cli->argv[i]);
    }
    if (date && !cli_is_date(date))
        return cli_usage_error(cli, usage, _("--date \"%s\" is not a calendar date (YYYY-MM-DD)"),
                               date);
    struct config *cfg;
    int rc = cli_load_config(cli, &cfg);
    if (rc)
        return rc;
    char today[11];
    if (!date) {
        config_today(cfg, today);
        date = today;
    }
    struct store *st = NULL;
    struct err e;
    struct nightly_report r;
    int code = EXIT_OK;
    if ((rc = store_open(cfg->database, STORE_WRITE, &st, &e)) != 0 ||
        (rc = nightly_run(cfg, st, date, NULL, &r, &e)) != 0) {
        fprintf(stderr, "fupin nightly: %s\n", term_str(e.msg));
        code = cli_exit_code(rc);
        goto done;
    }
    printf(_("nightly %s: %d raised, %d seen again, %d escalated, %d resolved, %d digests\n"), date,
           r.raised, r.refreshed, r.escalated, r.resolved, r.digests);
    if (deliver) {
        struct deliver_stats ds;
        if (deliver_pending(cfg, st, NULL, &ds, &e) != 0) {
            fprintf(stderr, _("fupin nightly: delivery: %s\n"), term_str(e.msg));
            code = EXIT_RUNTIME;
            goto done;
        }
        printf(_("delivery: %d sent, %d failed (retry planned), %d given up\n"), ds.sent, ds.failed,
               ds.gave_up);
    }
done:
    store_close(st);
    config_free(cfg);
    return code;
}
