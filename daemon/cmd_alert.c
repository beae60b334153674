/* cmd_alert.c - `fupin alert list|ack`: the supervisors' staff work the
 * alert list. Acknowledging never resolves: an acked alert stays live and is
 * notified again only when it climbs a level. */
#include "cli.h"
#include "nightly.h"
#include "store.h"
#include "store_alert.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: fupin alert list [--level village|town|county|city] [--open] [--kind K] [--json]\n"
    "       fupin alert ack ID\n"
    "list: alerts, newest first (--open: only open or acked ones).\n"
    "ack:  acknowledge alert ID; it is not notified again until it escalates.\n";

/* JSON string; a static helper until the shared json.h lands. */
static void jstr(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    putc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            putc(*p, f);
    }
    putc('"', f);
}

struct lister {
    int json, n;
};

static int print_row(void *ctx, const struct alert_row *a, struct err *e)
{
    struct lister *l = ctx;
    (void)e;
    if (l->json) {
        printf("%s\n  {\"id\":%" PRId64 ",\"kind\":", l->n ? "," : "", a->id);
        jstr(stdout, a->kind);
        printf(",\"severity\":");
        jstr(stdout, a->severity);
        printf(",\"state\":");
        jstr(stdout, a->state);
        printf(",\"level\":");
        jstr(stdout, a->level);
        printf(",\"region\":");
        jstr(stdout, a->region);
        printf(",\"subject\":");
        jstr(stdout, a->subject);
        printf(",\"supervisor_id\":%" PRId64 ",\"supervisor\":", a->supervisor_id);
        jstr(stdout, a->supervisor_name);
        printf(",\"household_id\":%" PRId64 ",\"task_id\":%" PRId64 ",\"escalations\":%d",
               a->household_id, a->task_id, a->escalations);
        printf(",\"message\":");
        jstr(stdout, a->message);
        printf(",\"opened_at\":");
        jstr(stdout, a->opened_at);
        printf(",\"last_seen_at\":");
        jstr(stdout, a->last_seen_at);
        printf(",\"acked_at\":");
        jstr(stdout, a->acked_at);
        printf(",\"resolved_at\":");
        jstr(stdout, a->resolved_at);
        putchar('}');
    } else {
        printf("%-6" PRId64 " %-8s %-8s %-6s %-16s %-18s %s\n", a->id, a->state, a->severity,
               a->level ? a->level : "-", a->kind, a->subject, a->message);
    }
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
        fprintf(stderr, "fupin alert: %s\n", e.msg);
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
    char *end;
    errno = 0;
    long long id = strtoll(cli->argv[2], &end, 10);
    if (errno || *end || end == cli->argv[2] || id <= 0)
        return cli_usage_error(cli, usage, "\"%s\" is not an alert id", cli->argv[2]);
    char now[24];
    nightly_utc_now(now);
    struct err e;
    int rc = store_begin(st, NULL, &e);
    if (!rc && (rc = store_alert_ack(st, (int64_t)id, now, &e)) != 0)
        store_rollback(st);
    else if (!rc)
        rc = store_commit(st, &e);
    if (rc) {
        fprintf(stderr, "fupin alert ack: %s\n", e.msg);
        return rc == ERR_INVALID ? EXIT_USAGE : EXIT_RUNTIME;
    }
    printf("alert %lld acknowledged\n", id);
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
        fprintf(stderr, "fupin alert: %s\n", e.msg);
        config_free(cfg);
        return EXIT_RUNTIME;
    }
    rc = is_list ? list(cli, st) : ack(cli, st);
    store_close(st);
    config_free(cfg);
    return rc;
}
