/* cmd_alert.c - `fupin alert list|ack`: the supervisors' staff work the
 * alert list. Acknowledging never resolves: an acked alert stays live and is
 * notified again only when it climbs a level. It records who and why, and
 * is never taken back by acknowledging again. */
#include "cli.h"
#include "cmd_list.h"
#include "engine.h"
#include "export.h"
#include "i18n.h"
#include "nightly.h"
#include "nightly_digest.h"
#include "scrub.h"
#include "store.h"
#include "store_alert.h"
#include "store_worklist.h"
#include "term.h"
#include "tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    N_("usage: fupin alert list [--level village|town|county|city] [--open] [--kind K]\n"
       "                        [--region CODE] [--cadre ID] [--since YYYY-MM-DD]\n"
       "                        [--format table|json|csv|xlsx] [--output FILE] [--json]\n"
       "       fupin alert ack ID --by NAME [--note TEXT]\n"
       "list: alerts, newest first (--open: only open or acked ones; --region: the region\n"
       "      and everything below it; --since: opened on or after the date; --json is\n"
       "      --format json).\n"
       "ack:  acknowledge alert ID, saying who and why; it is not notified again until it\n"
       "      escalates.\n");

/* The JSON keys are those `alert list --json` always had, then the new ones. */
enum {
    A_ID,
    A_STATE,
    A_SEVERITY,
    A_LEVEL,
    A_KIND,
    A_REGION,
    A_SUBJECT,
    A_SUPERVISOR_ID,
    A_SUPERVISOR,
    A_HOUSEHOLD,
    A_TASK,
    A_ESCALATIONS,
    A_OPENED,
    A_LAST_SEEN,
    A_ACKED_AT,
    A_ACKED_BY,
    A_ACK_NOTE,
    A_RESOLVED,
    A_MESSAGE,
    A_COUNT
};
static const struct {
    const char *key, *header;
    enum export_kind kind;
    int brief;
} alert_cols[A_COUNT] = {
    [A_ID] = {"id", N_("ID"), EXPORT_NUMBER, 1},
    [A_STATE] = {"state", N_("state"), EXPORT_TEXT, 1},
    [A_SEVERITY] = {"severity", N_("severity"), EXPORT_TEXT, 1},
    [A_LEVEL] = {"level", N_("level"), EXPORT_TEXT, 1},
    [A_KIND] = {"kind", N_("kind"), EXPORT_TEXT, 1},
    [A_REGION] = {"region", N_("region"), EXPORT_TEXT, 0},
    [A_SUBJECT] = {"subject", N_("subject"), EXPORT_TEXT, 1},
    [A_SUPERVISOR_ID] = {"supervisor_id", N_("supervisor ID"), EXPORT_NUMBER, 0},
    [A_SUPERVISOR] = {"supervisor", N_("supervisor"), EXPORT_TEXT, 0},
    [A_HOUSEHOLD] = {"household_id", N_("household ID"), EXPORT_NUMBER, 0},
    [A_TASK] = {"task_id", N_("task ID"), EXPORT_NUMBER, 0},
    [A_ESCALATIONS] = {"escalations", N_("escalations"), EXPORT_NUMBER, 0},
    [A_OPENED] = {"opened_at", N_("opened at"), EXPORT_TIME, 0},
    [A_LAST_SEEN] = {"last_seen_at", N_("last seen at"), EXPORT_TIME, 0},
    [A_ACKED_AT] = {"acked_at", N_("acknowledged at"), EXPORT_TIME, 0},
    [A_ACKED_BY] = {"acked_by", N_("acknowledged by"), EXPORT_TEXT, 0},
    [A_ACK_NOTE] = {"ack_note", N_("acknowledgement note"), EXPORT_TEXT, 0},
    [A_RESOLVED] = {"resolved_at", N_("resolved at"), EXPORT_TIME, 0},
    [A_MESSAGE] = {"message", N_("message"), EXPORT_TEXT, 1},
};

/* What a person reads for an alert's state, severity or level; JSON keeps
 * the code. */
static const char *alert_label(const char *code)
{
    static const char *const codes[] = {"open",     "acked",   "resolved", "info",   "warning",
                                        "critical", "village", "town",     "county", "city"};
    /* An alert's "open" is 未处理, a finding's 待处理: two msgids. */
    const char *labels[] = {_("unhandled"), _("acknowledged"), _("resolved"), _("info"),
                            _("warning"),   _("critical"),     _("village"),  _("town"),
                            _("county"),    _("city")};
    for (size_t i = 0; code && i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0)
            return labels[i];
    return code;
}

struct lister {
    struct export *x;
    int json, brief;
};

static int list_row(void *ctx, const struct alert_row *a, struct err *e)
{
    struct lister *l = ctx;
    char id[24], sup[24], hh[24], task[24], esc[16];
    snprintf(id, sizeof id, "%" PRId64, a->id);
    snprintf(sup, sizeof sup, "%" PRId64, a->supervisor_id);
    snprintf(hh, sizeof hh, "%" PRId64, a->household_id);
    snprintf(task, sizeof task, "%" PRId64, a->task_id);
    snprintf(esc, sizeof esc, "%d", a->escalations);
    /* JSON keeps the 0 it always wrote for "none"; people read a blank. */
    const char *all[A_COUNT] = {
        [A_ID] = id,
        [A_STATE] = l->json ? a->state : alert_label(a->state),
        [A_SEVERITY] = l->json ? a->severity : alert_label(a->severity),
        [A_LEVEL] = l->json ? a->level : alert_label(a->level),
        [A_KIND] = l->json ? a->kind : nightly_kind_label(a->kind),
        [A_REGION] = a->region,
        [A_SUBJECT] = a->subject,
        [A_SUPERVISOR_ID] = l->json || a->supervisor_id ? sup : NULL,
        [A_SUPERVISOR] = a->supervisor_name,
        [A_HOUSEHOLD] = l->json || a->household_id ? hh : NULL,
        [A_TASK] = l->json || a->task_id ? task : NULL,
        [A_ESCALATIONS] = esc,
        [A_OPENED] = a->opened_at,
        [A_LAST_SEEN] = a->last_seen_at,
        [A_ACKED_AT] = a->acked_at,
        [A_ACKED_BY] = a->acked_by,
        [A_ACK_NOTE] = a->ack_note,
        [A_RESOLVED] = a->resolved_at,
        [A_MESSAGE] = a->message,
    };
    const char *cells[A_COUNT];
    size_t n = 0;
    for (size_t c = 0; c < A_COUNT; c++)
        if (!l->brief || alert_cols[c].brief)
            cells[n++] = all[c];
    return export_row(l->x, cells, e);
}

static int is_level(const char *s)
{
    return nightly_level_rank(s) >= 0;
}

static int list(struct cli *cli, const struct config *cfg, struct store *st)
{
    const char *usage = _(usage_text);
    struct alert_filter f = {0};
    struct list_output o = {.format = EXPORT_TABLE};
    int rc = EXIT_OK;
    for (int i = 2; i < cli->argc && rc == EXIT_OK; i++) {
        const char *a = cli->argv[i];
        const char *v = i + 1 < cli->argc ? cli->argv[i + 1] : NULL;
        if (cmd_list_option(cli, usage, &i, &o, &rc))
            continue;
        if (strcmp(a, "--open") == 0) {
            f.live_only = 1;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o.format = EXPORT_JSON;
            continue;
        }
        int takes_value = strcmp(a, "--level") == 0 || strcmp(a, "--kind") == 0 ||
                          strcmp(a, "--region") == 0 || strcmp(a, "--cadre") == 0 ||
                          strcmp(a, "--since") == 0;
        if (!takes_value)
            return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), term_str(a));
        if (!v)
            return cli_usage_error(cli, usage, _("%s needs a value"), a);
        i++;
        if (strcmp(a, "--level") == 0) {
            if (!is_level(v))
                return cli_usage_error(cli, usage,
                                       _("--level \"%s\": expected village, town, county or city"),
                                       term_str(v));
            f.level = v;
        } else if (strcmp(a, "--kind") == 0) {
            f.kind = v;
        } else if (strcmp(a, "--region") == 0) {
            f.region = v;
        } else if (strcmp(a, "--cadre") == 0) {
            if (cli_parse_id(v, &f.cadre_id) != 0)
                return cli_usage_error(cli, usage, _("--cadre \"%s\" is not a cadre ID"),
                                       term_str(v));
        } else {
            if (!cli_is_date(v))
                return cli_usage_error(cli, usage, _("--since \"%s\" is not a date (YYYY-MM-DD)"),
                                       term_str(v));
            f.since = v;
        }
    }
    if (rc)
        return rc;
    /* --since names a day on the offices' calendar; times are stored in UTC. */
    char since[20];
    if (f.since)
        f.since = tz_day_start(f.since, config_offset_s(cfg), since);
    if ((rc = cmd_list_check_filters(cli, st, f.region, f.cadre_id)) != 0)
        return rc;
    if (f.kind && !nightly_kind_known(f.kind)) {
        /* A kind only a policy raises is known once one was raised. */
        struct err e;
        int seen = store_value_seen(st, SEEN_ALERT_KIND, f.kind, &e);
        if (seen == ERR_NOTFOUND) {
            fprintf(stderr,
                    _("fupin %s: unknown alert kind \"%s\": fupin raises no such alert and "
                      "none is stored\n"),
                    cli->argv[0], cmd_list_shown(f.kind).s);
            fputs(_("the kinds fupin raises:"), stderr);
            const char *const *kinds = nightly_kind_codes();
            for (const char *const *k = kinds; *k; k++) {
                fputs(k == kinds ? "" : _(", "), stderr);
                fprintf(stderr, _("%s (%s)"), *k, nightly_kind_label(*k));
            }
            fputc('\n', stderr);
            return EXIT_USAGE;
        }
        if (seen) {
            fprintf(stderr, "fupin alert: %s\n", term_str(e.msg));
            return EXIT_RUNTIME;
        }
    }

    struct lister l = {.json = o.format == EXPORT_JSON, .brief = o.format == EXPORT_TABLE};
    struct export_column cols[A_COUNT];
    size_t ncols = 0;
    for (size_t c = 0; c < A_COUNT; c++)
        if (!l.brief || alert_cols[c].brief)
            cols[ncols++] = (struct export_column){alert_cols[c].key, _(alert_cols[c].header),
                                                   alert_cols[c].kind};
    if ((rc = cmd_list_open(cli, cfg, &o, _("alerts"), cols, ncols, &l.x)) != 0)
        return rc;
    struct err e, ce;
    int src = store_alert_list(st, &f, list_row, &l, &e);
    int crc = export_close(l.x, &ce);
    if (src || crc) {
        fprintf(stderr, "fupin alert: %s\n", term_str(src ? e.msg : ce.msg));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

static int ack(struct cli *cli, struct store *st)
{
    const char *usage = _(usage_text);
    if (cli->argc < 3)
        return cli_usage_error(cli, usage, _("ack takes one alert ID"));
    int64_t id;
    if (cli_parse_id(cli->argv[2], &id) != 0)
        return cli_usage_error(cli, usage, _("\"%s\" is not an alert ID"), term_str(cli->argv[2]));
    const char *by = NULL, *note = NULL;
    for (int i = 3; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        if (strcmp(a, "--by") != 0 && strcmp(a, "--note") != 0)
            return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), term_str(a));
        if (i + 1 >= cli->argc)
            return cli_usage_error(cli, usage, _("%s needs a value"), a);
        if (strcmp(a, "--by") == 0)
            by = cli->argv[++i];
        else
            note = cli->argv[++i];
    }
    if (!by)
        return cli_usage_error(cli, usage, _("--by NAME is required: who acknowledges"));
    if (!*by || strlen(by) > 120 || !term_is_clean(by))
        return cli_usage_error(cli, usage, _("--by \"%s\": a name of at most 120 bytes, one line"),
                               term_str(by));
    if (note && (strlen(note) > 2000 || !term_is_clean(note)))
        return cli_usage_error(cli, usage, _("--note: at most 2000 bytes, one line"));
    /* Shown to others later: a resident ID in the name or note is masked now. */
    char *by_copy = strdup(by), *note_copy = note ? strdup(note) : NULL;
    if (!by_copy || (note && !note_copy)) {
        free(by_copy);
        free(note_copy);
        fprintf(stderr, "fupin alert ack: out of memory\n");
        return EXIT_RUNTIME;
    }
    scrub_ids(by_copy);
    scrub_ids(note_copy);
    char now[20];
    engine_now(now);
    struct err e;
    struct alert_acked r;
    long long lid = id;
    int rc = store_alert_ack_by(st, id, by_copy, note_copy, now, &r, &e);
    free(by_copy);
    free(note_copy);
    if (rc == ERR_NOTFOUND) {
        fprintf(stderr, _("fupin alert ack: no alert with ID %lld\n"), lid);
        return EXIT_USAGE;
    }
    if (rc) {
        fprintf(stderr, "fupin alert ack: %s\n", term_str(e.msg));
        return cli_exit_code(rc);
    }
    scrub_ids(r.by); /* stored scrubbed; masked again in case another program wrote it */
    switch (r.outcome) {
    case ALERT_RESOLVED:
        fprintf(stderr, _("fupin alert ack: alert %lld is already resolved\n"), lid);
        return EXIT_USAGE;
    case ALERT_ALREADY_ACKED:
        if (r.by[0])
            printf(_("alert %lld was already acknowledged by %s at %s\n"), lid, term_str(r.by),
                   r.at);
        else
            printf(_("alert %lld was already acknowledged at %s\n"), lid, r.at);
        return EXIT_OK;
    default:
        printf(_("alert %lld acknowledged\n"), lid);
        return EXIT_OK;
    }
}

int cmd_alert(struct cli *cli)
{
    const char *usage = _(usage_text);
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc < 2)
        return cli_usage_error(cli, usage, _("expected list or ack"));
    const char *sub = cli->argv[1];
    int is_list = strcmp(sub, "list") == 0, is_ack = strcmp(sub, "ack") == 0;
    if (!is_list && !is_ack)
        return cli_usage_error(cli, usage, _("unknown subcommand \"%s\""), term_str(sub));
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
    rc = is_list ? list(cli, cfg, st) : ack(cli, st);
    store_close(st);
    config_free(cfg);
    return rc;
}
