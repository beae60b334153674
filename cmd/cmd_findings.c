/* cmd_findings.c - `fupin findings list` (the worklist: what each town,
 * village or cadre has to do, as a table, JSON, CSV or xlsx) and `fupin
 * finding accept|reject` (a person's decision, recorded with who, when and
 * why; accepting makes a help task). Also what the list commands share
 * (cmd_list.h). Never changes a decision already taken. */
#include "cli.h"
#include "cmd_list.h"
#include "engine.h"
#include "export.h"
#include "i18n.h"
#include "policy_set.h"
#include "scrub.h"
#include "store.h"
#include "store_worklist.h"
#include "task_due.h"
#include "term.h"
#include "tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- what the list commands share ---- */

int cmd_list_option(const struct cli *cli, const char *usage, int *i, struct list_output *o,
                    int *rc)
{
    const char *a = cli->argv[*i];
    int is_format = strcmp(a, "--format") == 0, is_output = strcmp(a, "--output") == 0;
    if (!is_format && !is_output)
        return 0;
    if (*i + 1 >= cli->argc) {
        *rc = cli_usage_error(cli, usage, _("%s needs a value"), a);
        return 1;
    }
    const char *v = cli->argv[++*i];
    if (is_format && export_format_parse(v, &o->format) != 0)
        *rc = cli_usage_error(cli, usage, _("--format \"%s\": expected table, json, csv or xlsx"),
                              term_str(v));
    else if (is_output && !*v)
        *rc = cli_usage_error(cli, usage, _("--output needs a file name"));
    else if (is_output)
        o->path = v;
    return 1;
}

struct cmd_shown cmd_list_shown(const char *typed)
{
    struct cmd_shown out;
    char raw[sizeof out.s];
    snprintf(raw, sizeof raw, "%s", typed ? typed : "");
    scrub_ids(raw); /* whatever was typed, an ID is never echoed */
    snprintf(out.s, sizeof out.s, "%s", term_str(raw));
    return out;
}

int cmd_list_check_filters(const struct cli *cli, struct store *st, const char *region,
                           int64_t cadre_id)
{
    struct err e;
    int rc = 0;
    if (region && (rc = store_region_exists(st, region, &e)) == ERR_NOTFOUND) {
        fprintf(stderr, _("fupin %s: unknown region %s\n"), cli->argv[0], cmd_list_shown(region).s);
        return EXIT_USAGE;
    }
    if (!rc && cadre_id && (rc = store_cadre_exists(st, cadre_id, &e)) == ERR_NOTFOUND) {
        fprintf(stderr, _("fupin %s: unknown cadre %lld\n"), cli->argv[0], (long long)cadre_id);
        return EXIT_USAGE;
    }
    if (rc) {
        fprintf(stderr, "fupin %s: %s\n", cli->argv[0], term_str(e.msg));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

int cmd_list_open(const struct cli *cli, const struct config *cfg, const struct list_output *o,
                  const char *sheet, const struct export_column *cols, size_t ncols,
                  struct export **x)
{
    /* A workbook's bytes would garble the terminal; a pipe or a file is fine. */
    if (!o->path && export_format_is_binary(o->format) && isatty(STDOUT_FILENO)) {
        fprintf(stderr,
                _("fupin %s: xlsx is not for a terminal: give --output FILE or redirect the "
                  "output\n"),
                cli->argv[0]);
        return EXIT_USAGE;
    }
    struct err e;
    int rc = export_open(x, o->format, o->path, o->path ? NULL : stdout, sheet, cols, ncols, &e);
    if (rc) {
        fprintf(stderr, "fupin %s: %s\n", cli->argv[0], term_str(e.msg));
        return cli_exit_code(rc);
    }
    export_set_zone(*x, config_offset_s(cfg));
    return EXIT_OK;
}

/* ---- fupin findings list ---- */

static const char list_usage[] = N_(
    "usage: fupin findings list [--region CODE] [--cadre ID] [--policy P] [--measure M]\n"
    "                           [--state open|accepted|rejected|withdrawn] [--since YYYY-MM-DD]\n"
    "                           [--format table|json|csv|xlsx] [--output FILE]\n"
    "The findings to act on, by town, village and household. --region takes in everything\n"
    "below the region; without --state every finding but the withdrawn ones. xlsx goes to\n"
    "--output FILE or to a pipe, never to a terminal.\n");

/* The columns: keys are the JSON members, stable; the terminal's table
 * shows the ones marked brief. */
enum {
    C_ID,
    C_HOUSEHOLD,
    C_HEAD,
    C_TOWN,
    C_VILLAGE,
    C_CADRE_ID,
    C_CADRE,
    C_POLICY,
    C_MEASURE,
    C_KIND,
    C_MEMBER,
    C_AMOUNT,
    C_STATE,
    C_FACTS,
    C_BY,
    C_AT,
    C_NOTE,
    C_TASK,
    C_DUE,
    C_UPDATED,
    C_REASON,
    C_COUNT
};
static const struct {
    const char *key, *header;
    enum export_kind kind;
    int brief;
} finding_cols[C_COUNT] = {
    [C_ID] = {"id", N_("ID"), EXPORT_NUMBER, 1},
    [C_HOUSEHOLD] = {"household_id", N_("household ID"), EXPORT_NUMBER, 1},
    [C_HEAD] = {"head_name", N_("head of household"), EXPORT_TEXT, 1},
    [C_TOWN] = {"town", N_("town"), EXPORT_TEXT, 0},
    [C_VILLAGE] = {"village", N_("village"), EXPORT_TEXT, 1},
    [C_CADRE_ID] = {"cadre_id", N_("cadre ID"), EXPORT_NUMBER, 0},
    [C_CADRE] = {"cadre", N_("responsible cadre"), EXPORT_TEXT, 1},
    [C_POLICY] = {"policy", N_("policy"), EXPORT_TEXT, 0},
    [C_MEASURE] = {"measure", N_("measure"), EXPORT_TEXT, 1},
    [C_KIND] = {"kind", N_("kind"), EXPORT_TEXT, 0},
    [C_MEMBER] = {"member_id", N_("member ID"), EXPORT_NUMBER, 0},
    [C_AMOUNT] = {"amount", N_("amount (yuan)"), EXPORT_NUMBER, 0},
    [C_STATE] = {"state", N_("state"), EXPORT_TEXT, 1},
    [C_FACTS] = {"facts_changed", N_("facts changed"), EXPORT_NUMBER, 0},
    [C_BY] = {"decided_by", N_("decided by"), EXPORT_TEXT, 0},
    [C_AT] = {"decided_at", N_("decided at"), EXPORT_TIME, 0},
    [C_NOTE] = {"decision_note", N_("decision note"), EXPORT_TEXT, 0},
    [C_TASK] = {"task_id", N_("task ID"), EXPORT_NUMBER, 0},
    [C_DUE] = {"due", N_("due"), EXPORT_TEXT, 1},
    [C_UPDATED] = {"updated_at", N_("updated at"), EXPORT_TIME, 0},
    [C_REASON] = {"reason", N_("reason"), EXPORT_TEXT, 1},
};

static const char *const finding_states[] = {"open", "accepted", "rejected", "withdrawn", NULL};

/* What a person reads for a state or kind code; JSON keeps the code. */
static const char *finding_label(const char *code)
{
    if (!code)
        return NULL;
    if (strcmp(code, "open") == 0)
        return _("open");
    if (strcmp(code, "accepted") == 0)
        return _("accepted");
    if (strcmp(code, "rejected") == 0)
        return _("rejected");
    if (strcmp(code, "withdrawn") == 0)
        return _("withdrawn");
    if (strcmp(code, "recommend") == 0)
        return _("recommendation");
    if (strcmp(code, "flag") == 0)
        return _("flag");
    return code;
}

struct finding_lister {
    struct export *x;
    int json, brief;
    long n;
};

static const char *id_text(char *buf, size_t size, int64_t v)
{
    if (!v)
        return NULL;
    snprintf(buf, size, "%" PRId64, v);
    return buf;
}

static int list_row(void *ctx, const struct worklist_finding *w, struct err *e)
{
    struct finding_lister *l = ctx;
    char id[24], hh[24], cadre[24], member[24], task[24], amount[40];
    const char *all[C_COUNT] = {
        [C_ID] = id_text(id, sizeof id, w->id),
        [C_HOUSEHOLD] = id_text(hh, sizeof hh, w->household_id),
        [C_HEAD] = w->head_name,
        [C_TOWN] = w->town_name,
        [C_VILLAGE] = w->village_name ? w->village_name : w->village,
        [C_CADRE_ID] = id_text(cadre, sizeof cadre, w->cadre_id),
        [C_CADRE] = w->cadre_name,
        [C_POLICY] = w->policy,
        [C_MEASURE] = l->json ? w->measure : policy_measure_label(w->measure),
        [C_KIND] = l->json ? w->kind : finding_label(w->kind),
        [C_MEMBER] = id_text(member, sizeof member, w->member_id),
        [C_STATE] = l->json ? w->state : finding_label(w->state),
        [C_BY] = w->decided_by,
        [C_AT] = w->decided_at,
        [C_NOTE] = w->decision_note,
        [C_TASK] = id_text(task, sizeof task, w->task_id),
        [C_DUE] = w->task_due,
        [C_UPDATED] = w->updated_at,
        [C_REASON] = w->reason,
    };
    if (w->has_amount) {
        snprintf(amount, sizeof amount, "%.15g", w->amount);
        all[C_AMOUNT] = amount;
    }
    if (l->json)
        all[C_FACTS] = w->facts_changed ? "1" : "0";
    else if (w->facts_changed)
        all[C_FACTS] = strcmp(w->state, "accepted") == 0 ? _("facts changed since accepted")
                                                         : _("facts changed since rejected");
    if (l->brief && w->facts_changed)
        all[C_STATE] = all[C_FACTS]; /* the table has no room for both */
    const char *cells[C_COUNT];
    size_t n = 0;
    for (size_t c = 0; c < C_COUNT; c++)
        if (!l->brief || finding_cols[c].brief)
            cells[n++] = all[c];
    l->n++;
    return export_row(l->x, cells, e);
}

/* Whether a loaded policy (or one that failed to load) may write measure. */
static int measure_known(const struct policy_set *set, const char *measure)
{
    for (size_t i = 0; i < set->n_policies; i++)
        for (const char *const *m = set->policies[i].measures; m && *m; m++)
            if (strcmp(*m, measure) == 0)
                return 1;
    for (size_t i = 0; i < set->n_missing; i++)
        for (const char *const *m = policy_catalogue(set->missing[i].name); m && *m; m++)
            if (strcmp(*m, measure) == 0)
                return 1;
    return 0;
}

/* A --policy or --measure that no finding has and no policy may write can
 * only list nothing: a typo, said as one (exit 2). The stored findings are
 * asked first (cheap; they also know a removed policy's), the policies
 * only for what none has yet (a measure of a policy's own catalogue). */
static int check_rule_filters(const struct cli *cli, const struct config *cfg, struct store *st,
                              const char *policy, const char *measure)
{
    struct err e;
    int rc = 0, ask_policy = 0, ask_measure = 0;
    if (policy && (rc = store_value_seen(st, SEEN_FINDING_POLICY, policy, &e)) == ERR_NOTFOUND)
        ask_policy = 1, rc = 0;
    if (!rc && measure &&
        (rc = store_value_seen(st, SEEN_FINDING_MEASURE, measure, &e)) == ERR_NOTFOUND)
        ask_measure = 1, rc = 0;
    if (rc) {
        fprintf(stderr, "fupin %s: %s\n", cli->argv[0], term_str(e.msg));
        return EXIT_RUNTIME;
    }
    if (!ask_policy && !ask_measure)
        return EXIT_OK;
    /* Not strict: a policy that fails to load still names its area. When
     * the params fail the load, only the stored findings could tell. */
    struct policy_set *set = NULL;
    if (policy_set_load(cfg, 0, &set, &e) != 0)
        set = NULL;
    int code = EXIT_OK;
    if (ask_policy) {
        int known = 0;
        for (size_t i = 0; set && i < set->n_missing && !known; i++)
            known = strcmp(set->missing[i].name, policy) == 0;
        if (!known && !(set && policy_set_find(set, policy))) {
            fprintf(stderr,
                    _("fupin %s: unknown policy \"%s\": no policy of the config has this name "
                      "and no finding names it\n"),
                    cli->argv[0], cmd_list_shown(policy).s);
            code = EXIT_USAGE;
        }
    }
    if (ask_measure && !(set && measure_known(set, measure))) {
        fprintf(stderr,
                _("fupin %s: unknown measure \"%s\": no policy of the config writes it and no "
                  "finding has it\n"),
                cli->argv[0], cmd_list_shown(measure).s);
        code = EXIT_USAGE;
    }
    policy_set_free(set);
    return code;
}

static int is_finding_state(const char *s)
{
    for (const char *const *p = finding_states; *p; p++)
        if (strcmp(*p, s) == 0)
            return 1;
    return 0;
}

static int findings_list(struct cli *cli)
{
    const char *usage = _(list_usage);
    struct worklist_filter f = {0};
    struct list_output o = {.format = EXPORT_TABLE};
    int rc = EXIT_OK;
    for (int i = 2; i < cli->argc && rc == EXIT_OK; i++) {
        const char *a = cli->argv[i];
        const char *v = i + 1 < cli->argc ? cli->argv[i + 1] : NULL;
        if (cmd_list_option(cli, usage, &i, &o, &rc))
            continue;
        int takes_value = strcmp(a, "--region") == 0 || strcmp(a, "--cadre") == 0 ||
                          strcmp(a, "--policy") == 0 || strcmp(a, "--measure") == 0 ||
                          strcmp(a, "--state") == 0 || strcmp(a, "--since") == 0;
        if (!takes_value)
            return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), term_str(a));
        if (!v)
            return cli_usage_error(cli, usage, _("%s needs a value"), a);
        i++;
        if (strcmp(a, "--region") == 0) {
            f.region = v;
        } else if (strcmp(a, "--cadre") == 0) {
            if (cli_parse_id(v, &f.cadre_id) != 0)
                return cli_usage_error(cli, usage, _("--cadre \"%s\" is not a cadre ID"),
                                       term_str(v));
        } else if (strcmp(a, "--policy") == 0) {
            f.policy = v;
        } else if (strcmp(a, "--measure") == 0) {
            f.measure = v;
        } else if (strcmp(a, "--state") == 0) {
            if (!is_finding_state(v))
                return cli_usage_error(
                    cli, usage, _("--state \"%s\": expected open, accepted, rejected or withdrawn"),
                    term_str(v));
            f.state = v;
        } else {
            if (!cli_is_date(v))
                return cli_usage_error(cli, usage, _("--since \"%s\" is not a date (YYYY-MM-DD)"),
                                       term_str(v));
            f.since = v;
        }
    }
    if (rc)
        return rc;

    struct config *cfg;
    if ((rc = cli_load_config(cli, &cfg)) != 0)
        return rc;
    struct store *st;
    struct err e;
    if (store_open(cfg->database, STORE_READ, &st, &e) != 0) {
        fprintf(stderr, "fupin findings: %s\n", term_str(e.msg));
        config_free(cfg);
        return EXIT_RUNTIME;
    }
    /* --since names a day on the offices' calendar; times are stored in UTC. */
    char since[20];
    if (f.since)
        f.since = tz_day_start(f.since, config_offset_s(cfg), since);
    struct finding_lister l = {.json = o.format == EXPORT_JSON, .brief = o.format == EXPORT_TABLE};
    struct export_column cols[C_COUNT];
    size_t ncols = 0;
    for (size_t c = 0; c < C_COUNT; c++) {
        if (l.brief && !finding_cols[c].brief)
            continue;
        cols[ncols++] = (struct export_column){finding_cols[c].key, _(finding_cols[c].header),
                                               finding_cols[c].kind};
    }
    /* One read transaction: the list is one moment of the database. */
    rc = cmd_list_check_filters(cli, st, f.region, f.cadre_id);
    if (!rc)
        rc = check_rule_filters(cli, cfg, st, f.policy, f.measure);
    if (!rc && store_begin_read(st, &e) != 0) {
        fprintf(stderr, "fupin findings: %s\n", term_str(e.msg));
        rc = EXIT_RUNTIME;
    }
    if (!rc)
        rc = cmd_list_open(cli, cfg, &o, _("findings"), cols, ncols, &l.x);
    if (!rc) {
        int src = store_worklist_findings(st, &f, list_row, &l, &e);
        struct err ce;
        int crc = export_close(l.x, &ce);
        if (src || crc) {
            fprintf(stderr, "fupin findings: %s\n", term_str(src ? e.msg : ce.msg));
            rc = EXIT_RUNTIME;
        }
    }
    store_close(st);
    config_free(cfg);
    return rc;
}

int cmd_findings(struct cli *cli)
{
    const char *usage = _(list_usage);
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc < 2 || strcmp(cli->argv[1], "list") != 0)
        return cli_usage_error(cli, usage, _("expected list"));
    return findings_list(cli);
}

/* ---- fupin finding accept|reject ---- */

static const char decide_usage[] =
    N_("usage: fupin finding accept ID --by NAME [--due YYYY-MM-DD] [--note TEXT]\n"
       "       fupin finding reject ID --by NAME --note TEXT\n"
       "accept: turn a recommendation into a help task for the household's cadre, due on\n"
       "        --due (default: today and the days of params.tasks for its measure).\n"
       "reject: decline it, saying why. Both are recorded with who and when and stay\n"
       "        through every later evaluation.\n");

/* Names and notes are kept and shown to others: printable, one line,
 * bounded. A resident ID in them is masked before it is stored. */
static int is_clean_text(const char *s, size_t max)
{
    return s && *s && strlen(s) <= max && term_is_clean(s);
}

/* Names come from the database, stored scrubbed; masked again here in case
 * another program wrote them. */
static const char *shown_name(const char *by)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "%s", by[0] ? by : "-");
    scrub_ids(buf);
    return term_str(buf);
}

static void print_outcome(const struct finding_decision *d, const struct finding_decided *r)
{
    switch (r->outcome) {
    case DECIDE_DONE:
        if (!d->accept)
            printf(_("finding %lld rejected\n"), (long long)d->finding_id);
        else if (r->cadre_id)
            printf(_("finding %lld accepted: task %lld for cadre %lld, due %s\n"),
                   (long long)d->finding_id, (long long)r->task_id, (long long)r->cadre_id, r->due);
        else
            printf(_("finding %lld accepted: task %lld"
                     ", due %s, unassigned (the household has no cadre)\n"),
                   (long long)d->finding_id, (long long)r->task_id, r->due);
        break;
    case DECIDE_ALREADY:
        printf(d->accept ? _("finding %lld was already accepted by %s at %s\n")
                         : _("finding %lld was already rejected by %s at %s\n"),
               (long long)d->finding_id, shown_name(r->by), r->at);
        break;
    default:
        break;
    }
}

/* The outcomes that are bad input: the message, and EXIT_USAGE. */
static int refusal(const struct finding_decision *d, const struct finding_decided *r)
{
    switch (r->outcome) {
    case DECIDE_OTHER:
        fprintf(stderr,
                strcmp(r->state, "accepted") == 0
                    ? _("fupin finding: finding %lld"
                        " was accepted by %s at %s; a decision is not changed\n")
                    : _("fupin finding: finding %lld"
                        " was rejected by %s at %s; a decision is not changed\n"),
                (long long)d->finding_id, shown_name(r->by), r->at);
        return EXIT_USAGE;
    case DECIDE_WITHDRAWN:
        fprintf(stderr,
                _("fupin finding: finding %lld"
                  " is withdrawn: it no longer applies, there is nothing to decide\n"),
                (long long)d->finding_id);
        return EXIT_USAGE;
    case DECIDE_FLAG:
        fprintf(stderr,
                _("fupin finding: finding %lld"
                  " is a flag, not a recommendation: only recommendations are accepted or "
                  "rejected\n"),
                (long long)d->finding_id);
        return EXIT_USAGE;
    default:
        return EXIT_OK;
    }
}

int cmd_finding(struct cli *cli)
{
    const char *usage = _(decide_usage);
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc < 2)
        return cli_usage_error(cli, usage, _("expected accept or reject"));
    const char *sub = cli->argv[1];
    struct finding_decision d = {0};
    if (strcmp(sub, "accept") == 0)
        d.accept = 1;
    else if (strcmp(sub, "reject") != 0)
        return cli_usage_error(cli, usage, _("unknown subcommand \"%s\""), term_str(sub));
    if (cli->argc < 3)
        return cli_usage_error(cli, usage, _("%s takes a finding ID"), sub);
    if (cli_parse_id(cli->argv[2], &d.finding_id) != 0)
        return cli_usage_error(cli, usage, _("\"%s\" is not a finding ID"), term_str(cli->argv[2]));
    const char *due = NULL;
    for (int i = 3; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        int known = strcmp(a, "--by") == 0 || strcmp(a, "--note") == 0 ||
                    (d.accept && strcmp(a, "--due") == 0);
        if (!known)
            return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), term_str(a));
        if (i + 1 >= cli->argc)
            return cli_usage_error(cli, usage, _("%s needs a value"), a);
        const char *v = cli->argv[++i];
        if (strcmp(a, "--by") == 0)
            d.by = v;
        else if (strcmp(a, "--note") == 0)
            d.note = v;
        else
            due = v;
    }
    if (!d.by)
        return cli_usage_error(cli, usage, _("--by NAME is required: who decides"));
    if (!is_clean_text(d.by, 120))
        return cli_usage_error(cli, usage, _("--by \"%s\": a name of at most 120 bytes, one line"),
                               term_str(d.by));
    if (!d.accept && (!d.note || !*d.note))
        return cli_usage_error(cli, usage, _("reject needs --note TEXT: the reason"));
    if (d.note && !is_clean_text(d.note, 2000))
        return cli_usage_error(cli, usage, _("--note: at most 2000 bytes, one line"));
    if (due && !cli_is_date(due))
        return cli_usage_error(cli, usage, _("--due \"%s\" is not a date (YYYY-MM-DD)"),
                               term_str(due));

    struct config *cfg;
    int rc = cli_load_config(cli, &cfg);
    if (rc)
        return rc;
    char today[11], due_buf[11], now[20];
    config_today(cfg, today);
    if (due && strcmp(due, today) < 0) {
        config_free(cfg);
        return cli_usage_error(cli, usage, _("--due %s is before today (%s)"), due, today);
    }
    struct store *st;
    struct err e;
    if (store_open(cfg->database, STORE_WRITE, &st, &e) != 0) {
        fprintf(stderr, "fupin finding: %s\n", term_str(e.msg));
        config_free(cfg);
        return EXIT_RUNTIME;
    }
    if (d.accept && !due) {
        if (task_due_default(st, cfg, d.finding_id, today, due_buf, &e) != 0) {
            fprintf(stderr, "fupin finding: %s\n", term_str(e.msg));
            store_close(st);
            config_free(cfg);
            return EXIT_RUNTIME;
        }
        due = due_buf;
    }
    /* A name or note is shown to others later: an ID in it is masked now. */
    char *by = strdup(d.by), *note = d.note ? strdup(d.note) : NULL;
    if (!by || (d.note && !note)) {
        free(by);
        free(note);
        store_close(st);
        config_free(cfg);
        fprintf(stderr, "fupin finding: out of memory\n");
        return EXIT_RUNTIME;
    }
    scrub_ids(by);
    scrub_ids(note);
    d.by = by;
    d.note = note;
    d.due = due;
    engine_now(now);
    d.now = now;
    struct finding_decided r;
    rc = store_finding_decide(st, &d, &r, &e);
    if (rc == ERR_NOTFOUND) {
        fprintf(stderr, _("fupin finding: no finding with ID %lld\n"), (long long)d.finding_id);
        rc = EXIT_USAGE;
    } else if (rc) {
        fprintf(stderr, "fupin finding: %s\n", term_str(e.msg));
        rc = cli_exit_code(rc);
    } else if ((rc = refusal(&d, &r)) == EXIT_OK) {
        print_outcome(&d, &r);
    }
    free(by);
    free(note);
    store_close(st);
    config_free(cfg);
    return rc;
}
