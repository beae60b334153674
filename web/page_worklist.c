/* page_worklist.c - the worklists, `/worklist?cadre=ID`,
 * `/worklist?village=CODE` or `?region=CODE` (default: the user's region):
 * open findings and open or overdue help tasks, filtered like `fupin
 * findings list` (policy, measure, state), and the same list as CSV or xlsx
 * (`&format=csv|xlsx`, its open tasks as rows of item 帮扶任务) through
 * export/, as the CLI writes it. Never lists a
 * household outside the user's region. */
#include "i18n.h"
#include "page.h"
#include "policy.h"
#include "store_worklist.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows shown on the page; the download has them all. */
#define PAGE_ROWS 500

/* The download's columns: the keys and headers of `fupin findings list`,
 * after an item column (a finding or an open help task: the download holds
 * both lists of the page) and before the days a task is overdue. */
enum {
    C_ITEM,
    C_ID,
    C_HOUSEHOLD,
    C_HEAD,
    C_TOWN,
    C_VILLAGE,
    C_CADRE,
    C_POLICY,
    C_MEASURE,
    C_KIND,
    C_AMOUNT,
    C_STATE,
    C_BY,
    C_AT,
    C_NOTE,
    C_TASK,
    C_DUE,
    C_REASON,
    C_OVERDUE,
    C_COUNT
};
static const struct export_column columns[C_COUNT] = {
    [C_ITEM] = {"item", N_("item"), EXPORT_TEXT},
    [C_ID] = {"id", N_("ID"), EXPORT_NUMBER},
    [C_HOUSEHOLD] = {"household_id", N_("household ID"), EXPORT_NUMBER},
    [C_HEAD] = {"head_name", N_("head of household"), EXPORT_TEXT},
    [C_TOWN] = {"town", N_("town"), EXPORT_TEXT},
    [C_VILLAGE] = {"village", N_("village"), EXPORT_TEXT},
    [C_CADRE] = {"cadre", N_("responsible cadre"), EXPORT_TEXT},
    [C_POLICY] = {"policy", N_("policy"), EXPORT_TEXT},
    [C_MEASURE] = {"measure", N_("measure"), EXPORT_TEXT},
    [C_KIND] = {"kind", N_("kind"), EXPORT_TEXT},
    [C_AMOUNT] = {"amount", N_("amount (yuan)"), EXPORT_NUMBER},
    [C_STATE] = {"state", N_("state"), EXPORT_TEXT},
    [C_BY] = {"decided_by", N_("decided by"), EXPORT_TEXT},
    [C_AT] = {"decided_at", N_("decided at"), EXPORT_TIME},
    [C_NOTE] = {"decision_note", N_("decision note"), EXPORT_TEXT},
    [C_TASK] = {"task_id", N_("task ID"), EXPORT_NUMBER},
    [C_DUE] = {"due", N_("due"), EXPORT_TEXT},
    [C_REASON] = {"reason", N_("reason"), EXPORT_TEXT},
    [C_OVERDUE] = {"days_overdue", N_("days overdue"), EXPORT_NUMBER},
};

struct lister {
    struct html *h;
    struct export *x;
    long n;
};

static const char *id_text(char *buf, size_t size, int64_t v)
{
    if (!v)
        return NULL;
    snprintf(buf, size, "%" PRId64, v);
    return buf;
}

static int finding_row(void *ctx, const struct worklist_finding *w, struct err *e)
{
    struct lister *l = ctx;
    l->n++;
    if (l->x) {
        char id[24], hh[24], task[24], amount[40];
        const char *cells[C_COUNT] = {
            [C_ITEM] = _("finding"),
            [C_ID] = id_text(id, sizeof id, w->id),
            [C_HOUSEHOLD] = id_text(hh, sizeof hh, w->household_id),
            [C_HEAD] = w->head_name,
            [C_TOWN] = w->town_name,
            [C_VILLAGE] = w->village_name ? w->village_name : w->village,
            [C_CADRE] = w->cadre_name,
            [C_POLICY] = w->policy,
            [C_MEASURE] = policy_measure_label(w->measure),
            [C_KIND] = page_label(w->kind),
            [C_STATE] = page_label(w->state),
            [C_BY] = w->decided_by,
            [C_AT] = w->decided_at,
            [C_NOTE] = w->decision_note,
            [C_TASK] = id_text(task, sizeof task, w->task_id),
            [C_DUE] = w->task_due,
            [C_REASON] = w->reason,
        };
        if (w->has_amount) {
            snprintf(amount, sizeof amount, "%.15g", w->amount);
            cells[C_AMOUNT] = amount;
        }
        return export_row(l->x, cells, e);
    }
    if (l->n > PAGE_ROWS)
        return 0;
    struct html *h = l->h;
    char hh[24];
    snprintf(hh, sizeof hh, "%" PRId64, w->household_id);
    html_raw(h, "<tr>");
    html_rawf(h, "<td>%" PRId64 "</td>", w->id);
    page_td_link(h, "/household/", hh, hh);
    page_td(h, w->head_name);
    page_td(h, w->village_name ? w->village_name : w->village);
    page_td(h, w->cadre_name ? w->cadre_name : _("none"));
    page_td(h, policy_measure_label(w->measure));
    page_td(h, page_label(w->state));
    page_td(h, w->task_due);
    page_td(h, w->reason);
    html_raw(h, "</tr>\n");
    return 0;
}

struct tasks {
    struct html *h;
    struct export *x; /* non-NULL: a download */
    long n;
};

/* CONSOLE_OPEN_TASKS: id, household_id, head, village, measure, title,
 * due, cadre, days overdue, town, and the policy and kind of the finding
 * that made the task (NULL for a task entered by hand). */
static int task_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct tasks *t = ctx;
    if (n < 12)
        return 0;
    if (t->x) {
        t->n++;
        const char *cells[C_COUNT] = {
            [C_ITEM] = _("help task"),
            [C_HOUSEHOLD] = c[1],
            [C_HEAD] = c[2],
            [C_TOWN] = c[9],
            [C_VILLAGE] = c[3],
            [C_CADRE] = c[7],
            [C_POLICY] = c[10],
            [C_KIND] = c[11] ? page_label(c[11]) : NULL,
            [C_MEASURE] = policy_measure_label(c[4]),
            [C_STATE] = _("not done"),
            [C_TASK] = c[0],
            [C_DUE] = c[6],
            [C_REASON] = c[5],
            [C_OVERDUE] = c[8],
        };
        return export_row(t->x, cells, e);
    }
    if (++t->n > PAGE_ROWS)
        return 0;
    struct html *h = t->h;
    int overdue = c[8] && strcmp(c[8], "0") != 0;
    html_raw(h, overdue ? "<tr class=\"overdue\">" : "<tr>");
    page_td(h, c[0]);
    page_td_link(h, "/household/", c[1], c[1]);
    page_td(h, c[2]);
    page_td(h, c[3]);
    page_td(h, policy_measure_label(c[4]));
    page_td(h, c[5]);
    page_td(h, c[6]);
    page_td(h, c[7] ? c[7] : _("unassigned"));
    page_td(h, overdue ? c[8] : "");
    html_raw(h, "</tr>\n");
    return 0;
}

static const char *const states[] = {"open", "accepted", "rejected", "withdrawn", NULL};

/* A filter value: bounded, printable; anything else is a 400. */
static int filter_ok(const char *v)
{
    return !v || page_is_clean(v, 64);
}

static void select_state(struct html *h, const char *state)
{
    page_select(h, "state", _("state"), _("every state but withdrawn"), states, state, page_label);
}

int page_worklist(struct web_req *r, struct web_resp *out, struct err *e)
{
    const char *cadre_s = web_param(r, "cadre"), *village = web_param(r, "village"),
               *region = web_param(r, "region"), *format = web_param(r, "format");
    struct worklist_filter f = {
        .policy = web_param(r, "policy"),
        .measure = web_param(r, "measure"),
        .state = web_param(r, "state"),
    };
    if (f.policy && !*f.policy)
        f.policy = NULL;
    if (f.measure && !*f.measure)
        f.measure = NULL;
    if (f.state && !*f.state)
        f.state = NULL;
    if (!filter_ok(f.policy) || !filter_ok(f.measure))
        return page_bad(out, _("A filter must be one line of at most 64 bytes."));
    if (f.state) {
        const char *const *s = states;
        while (*s && strcmp(*s, f.state) != 0)
            s++;
        if (!*s)
            return page_bad(out, _("State \"%s\": expected open, accepted, rejected or withdrawn."),
                            f.state);
    }
    enum export_format fmt = EXPORT_TABLE;
    if (format &&
        (export_format_parse(format, &fmt) != 0 || (fmt != EXPORT_CSV && fmt != EXPORT_XLSX)))
        return page_bad(out, _("Format \"%s\": expected csv or xlsx."), format);
    if ((cadre_s != NULL) + (village != NULL) + (region != NULL) > 1)
        return page_bad(out, _("Give one of cadre, village or region."));
    if (cadre_s && page_parse_id(cadre_s, &f.cadre_id) != 0)
        return page_bad(out, _("\"%s\" is not a cadre ID."), cadre_s);

    char code[32] = "", title[200];
    int rc;
    if (f.cadre_id) {
        struct console_where w;
        rc = store_console_where(r->ro, CONSOLE_OF_CADRE, f.cadre_id, &w, e);
        if (rc == ERR_NOTFOUND)
            return web_error(out, 404, _("No such cadre."));
        if (rc || (rc = page_allow(r, out, w.a, e)) <= 0)
            return rc;
        /* Only the user's own region even of a cadre they may see. */
        if ((rc = page_home_region(r, code, sizeof code, e)) != 0)
            return rc;
        snprintf(title, sizeof title, _("Worklist of cadre %lld"), (long long)f.cadre_id);
    } else {
        const char *c = village ? village : region;
        if (c && (!*c || strlen(c) >= sizeof code))
            return page_bad(out, _("\"%s\" is not a region code."), c);
        if (c)
            snprintf(code, sizeof code, "%s", c);
        else if ((rc = page_home_region(r, code, sizeof code, e)) != 0)
            return rc;
        struct console_region reg;
        rc = store_console_region(r->ro, code, &reg, e);
        if (rc == ERR_NOTFOUND)
            return web_error(out, 404, _("No such region."));
        if (rc || (rc = page_allow(r, out, code, e)) <= 0)
            return rc;
        if (village && strcmp(reg.level, "village") != 0)
            return page_bad(out, _("\"%s\" is not a village."), village);
        snprintf(title, sizeof title, _("Worklist of %s"), reg.name);
    }
    f.region = code[0] ? code : NULL;
    if (f.policy && (rc = store_value_seen(r->ro, SEEN_FINDING_POLICY, f.policy, e)) != 0)
        return rc == ERR_NOTFOUND
                   ? page_bad(out, _("No finding names the policy \"%s\"."), f.policy)
                   : rc;
    if (f.measure && (rc = store_value_seen(r->ro, SEEN_FINDING_MEASURE, f.measure, e)) != 0)
        return rc == ERR_NOTFOUND
                   ? page_bad(out, _("No finding has the measure \"%s\"."), f.measure)
                   : rc;

    char today[11];
    config_today(r->cfg, today);
    if ((rc = store_begin_read(r->ro, e)) != 0)
        return rc;
    struct lister l = {.h = &out->body};
    if (fmt != EXPORT_TABLE) {
        struct page_download d;
        struct export_column cols[C_COUNT];
        for (size_t i = 0; i < C_COUNT; i++)
            cols[i] = (struct export_column){columns[i].key, _(columns[i].header), columns[i].kind};
        if ((rc = page_download_open(&d, r, fmt, _("worklist"), cols, C_COUNT, e)) == 0) {
            l.x = d.x;
            rc = store_worklist_findings(r->ro, &f, finding_row, &l, e);
            struct tasks t = {.x = d.x};
            struct console_args a = {.region = f.region, .cadre = f.cadre_id, .today = today};
            if (!rc)
                rc = store_console_rows(r->ro, CONSOLE_OPEN_TASKS, &a, task_row, &t, e);
            char base[64];
            if (f.cadre_id)
                snprintf(base, sizeof base, "worklist-cadre-%" PRId64, f.cadre_id);
            else
                snprintf(base, sizeof base, "worklist-%.31s", code);
            rc = page_download_close(&d, rc, base, out, e);
            if (!rc)
                web_audit(r, "worklist.export", f.region ? f.region : "-", format);
        }
        store_rollback(r->ro);
        return rc;
    }

    struct html *h = &out->body;
    page_begin(h, r, title);
    html_raw(h, "<h1>");
    html_text(h, title);
    html_raw(h, "</h1><form method=\"get\" action=\"/worklist\" class=\"filters\">");
    const char *keys[] = {"cadre", "village", "region"}, *vals[] = {cadre_s, village, region};
    for (int i = 0; i < 3; i++)
        if (vals[i]) {
            html_raw(h, "<input type=\"hidden\" name=\"");
            html_raw(h, keys[i]);
            html_raw(h, "\" value=\"");
            html_attr(h, vals[i]);
            html_raw(h, "\">");
        }
    html_raw(h, "<label>");
    html_text(h, _("policy"));
    html_raw(h, "</label><input type=\"text\" name=\"policy\" value=\"");
    html_attr(h, f.policy);
    html_raw(h, "\"><label>");
    html_text(h, _("measure"));
    html_raw(h, "</label><input type=\"text\" name=\"measure\" value=\"");
    html_attr(h, f.measure);
    html_raw(h, "\">");
    select_state(h, f.state);
    html_raw(h, " <button class=\"primary\" type=\"submit\">");
    html_text(h, _("Filter"));
    html_raw(h, "</button></form><p>");
    for (int i = 0; i < 2; i++) {
        html_raw(h, i ? " · <a class=\"export\" href=\"/worklist?format=xlsx"
                      : "<a class=\"export\" href=\"/worklist?format=csv");
        for (int k = 0; k < 3; k++)
            page_query(h, keys[k], vals[k]);
        page_query(h, "policy", f.policy);
        page_query(h, "measure", f.measure);
        page_query(h, "state", f.state);
        html_raw(h, "\">");
        html_text(h, i ? _("Download as Excel (xlsx)") : _("Download as CSV"));
        html_raw(h, "</a>");
    }
    html_raw(h, "</p><h2>");
    html_text(h, _("Findings"));
    html_raw(h, "</h2>");
    const char *fh[] = {_("ID"),
                        _("household ID"),
                        _("head of household"),
                        _("village"),
                        _("responsible cadre"),
                        _("measure"),
                        _("state"),
                        _("due"),
                        _("reason"),
                        NULL};
    page_table_begin(h, fh);
    if ((rc = store_worklist_findings(r->ro, &f, finding_row, &l, e)) != 0)
        goto done;
    html_raw(h, "</tbody></table>");
    html_raw(h, "<p class=\"muted\" id=\"findings-count\">");
    html_rawf(h, _("%ld findings"), l.n);
    if (l.n > PAGE_ROWS) {
        html_raw(h, " · ");
        html_rawf(h, _("the first %d are shown; the download has them all"), PAGE_ROWS);
    }
    html_raw(h, "</p><h2>");
    html_text(h, _("Open help tasks"));
    html_raw(h, "</h2>");
    const char *th[] = {
        _("task ID"), _("household ID"), _("head of household"), _("village"),      _("measure"),
        _("title"),   _("due"),          _("responsible cadre"), _("days overdue"), NULL};
    page_table_begin(h, th);
    struct tasks t = {.h = h};
    struct console_args a = {.region = f.region, .cadre = f.cadre_id, .today = today};
    if ((rc = store_console_rows(r->ro, CONSOLE_OPEN_TASKS, &a, task_row, &t, e)) != 0)
        goto done;
    html_raw(h, "</tbody></table><p class=\"muted\">");
    html_rawf(h, _("%ld open help tasks"), t.n);
    html_raw(h, "</p>");
    html_page_end(h);
done:
    store_rollback(r->ro);
    return rc;
}
