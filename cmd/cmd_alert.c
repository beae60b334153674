/* cmd_alert.c - `fupin alert list|ack`: the supervisors' staff work the
 * alert list. Acknowledging never resolves: an acked alert stays live and is
 * notified again only when it climbs a level. */
#include "cli.h"
#include "json.h"
#include "nightly.h"
#include "scrub.h"
#include "store.h"
#include "store_alert.h"
#include "term.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: fupin alert list [--level village|town|county|city] [--open] [--kind K] [--json]\n"
    "       fupin alert ack ID\n"
    "list: alerts, newest first (--open: only open or acked ones).\n"
    "ack:  acknowledge alert ID; it is not notified again until it escalates.\n";

struct lister {
    int json, n;
};

static int print_row(void *ctx, const struct alert_row *a, struct err *e)
{
    struct lister *l = ctx;
    char *row = NULL;
    size_t len = 0;
    /* Each row passes the ID scrubber on its way out: an alert message may
     * hold a resident ID a policy or a cadre pasted in. */
    FILE *o = open_memstream(&row, &len);
    if (!o)
        return err_set(e, ERR_FAIL, "out of memory");
    if (l->json) {
        fprintf(o, "%s\n  {\"id\":%" PRId64 ",\"kind\":", l->n ? "," : "", a->id);
        json_string(o, a->kind);
        fprintf(o, ",\"severity\":");
        json_string(o, a->severity);
        fprintf(o, ",\"state\":");
        json_string(o, a->state);
        fprintf(o, ",\"level\":");
        json_string(o, a->level);
        fprintf(o, ",\"region\":");
        json_string(o, a->region);
        fprintf(o, ",\"subject\":");
        json_string(o, a->subject);
        fprintf(o, ",\"supervisor_id\":%" PRId64 ",\"supervisor\":", a->supervisor_id);
        json_string(o, a->supervisor_name);
        fprintf(o, ",\"household_id\":%" PRId64 ",\"task_id\":%" PRId64 ",\"escalations\":%d",
                a->household_id, a->task_id, a->escalations);
        fprintf(o, ",\"message\":");
        json_string(o, a->message);
        fprintf(o, ",\"opened_at\":");
        json_string(o, a->opened_at);
        fprintf(o, ",\"last_seen_at\":");
        json_string(o, a->last_seen_at);
        fprintf(o, ",\"acked_at\":");
        json_string(o, a->acked_at);
        fprintf(o, ",\"resolved_at\":");
        json_string(o, a->resolved_at);
        fputc('}', o);
    } else {
        /* kind, subject and message may come from a policy or the database. */
        fprintf(o, "%-6" PRId64 " %-8s %-8s %-6s %-16s %-18s %s\n", a->id, a->state, a->severity,
                a->level ? a->level : "-", term_str(a->kind), term_str(a->subject),
                term_str(a->message));
    }
    fclose(o);
    scrub_ids_n(row, len);
    fwrite(row, 1, len, stdout);
    free(row);
    l->n++;
    return 0;
}

static int is_level(const char *s)
{
    return nightly_level_rank(s) >= 0;
}

static int list(struct cli *cli, struct store *st)
{
    struct alert_filter f = {0};
    struct lister l = {0};
    for (int i = 2; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        if (strcmp(a, "--level") == 0 && i + 1 < cli->argc) {
            f.level = cli->argv[++i];
            if (!is_level(f.level))
                return cli_usage_error(
                    cli, usage, "--level \"%s\": expected village, town, county or city", f.level);
        } else if (strcmp(a, "--kind") == 0 && i + 1 < cli->argc) {
            f.kind = cli->argv[++i];
        } else if (strcmp(a, "--open") == 0) {
            f.live_only = 1;
        } else if (strcmp(a, "--json") == 0) {
            l.json = 1;
        } else {
            return cli_usage_error(cli, usage, "unexpected argument \"%s\"", a);
        }
    }
    struct err e;
    if (l.json)
        fputs("[", stdout);
    else
        printf("%-6s %-8s %-8s %-6s %-16s %-18s %s\n", "id", "state", "severity", "level", "kind",
               "subject", "message");
    if (store_alert_list(st, &f, print_row, &l, &e) != 0) {
        fprintf(stderr, "fupin alert: %s\n", term_str(e.msg));
        return EXIT_RUNTIME;
    }
    if (l.json)
        fputs(l.n ? "\n]\n" : "]\n", stdout);
    return EXIT_OK;
}

static int ack(struct cli *cli, struct store *st)
{
    if (cli->argc != 3)
        return cli_usage_error(cli, usage, "ack takes one alert ID");
    int64_t id;
    if (cli_parse_id(cli->argv[2], &id) != 0)
        return cli_usage_error(cli, usage, "\"%s\" is not an alert id", cli->argv[2]);
    char now[24];
    nightly_utc_now(now);
    struct err e;
    int rc = store_begin(st, NULL, &e);
    if (!rc && (rc = store_alert_ack(st, id, now, &e)) != 0)
        store_rollback(st);
    else if (!rc)
        rc = store_commit(st, &e);
    if (rc) {
        fprintf(stderr, "fupin alert ack: %s\n", term_str(e.msg));
        return cli_exit_code(rc);
    }
    printf("alert %" PRId64 " acknowledged\n", id);
    return EXIT_OK;
}

int cmd_alert(struct cli *cli)
{
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc < 2)
        return cli_usage_error(cli, usage, "expected list or ack");
    const char *sub = cli->argv[1];
    int is_list = strcmp(sub, "list") == 0, is_ack = strcmp(sub, "ack") == 0;
    if (!is_list && !is_ack)
        return cli_usage_error(cli, usage, "unknown subcommand \"%s\"", sub);
    struct config *cfg;
    int rc = cli_load_config(cli, &cfg);
    if (rc)
        return rc;
    struct store *st;
    struct err e;
    if (store_open(cfg->database, is_list ? STORE_READ : STORE_WRITE, &st, &e) != 0) {
        fprintf(stderr, "fupin alert: %s\n", term_str(e.msg));
        config_free(cfg);
        return EXIT_RUNTIME;
    }
    rc = is_list ? list(cli, st) : ack(cli, st);
    store_close(st);
    config_free(cfg);
    return rc;
}
