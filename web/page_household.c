/* page_household.c - one household, `/household/ID`: its facts, members
 * (resident IDs masked), income, findings with their reasons and
 * decisions, help tasks, visits and alerts; and the decisions on a finding,
 * `POST /finding/ID/accept|reject`, through store_finding_decide as `fupin
 * finding accept|reject` does. Never shows or decides anything outside the
 * user's region. */
#include "household.h"
#include "i18n.h"
#include "page.h"
#include "policy.h"
#include "scrub.h"
#include "store_worklist.h"
#include "task_due.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the page needs of the household row (CONSOLE_HOUSEHOLD). */
enum {
    H_ID,
    H_VILLAGE,
    H_VILLAGE_NAME,
    H_TOWN,
    H_COUNTY,
    H_HEAD,
    H_STATUS,
    H_CAUSE,
    H_GRADE,
    H_RENOVATED,
    H_TAP,
    H_DIBAO,
    H_LAND,
    H_REGISTERED,
    H_EXITED,
    H_CADRE_ID,
    H_CADRE,
    H_PHONE,
    H_POOR,
    H_COUNT
};

struct facts {
    int found;
    char *c[H_COUNT];
};

static int facts_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct facts *f = ctx;
    f->found = 1;
    for (int i = 0; i < n && i < H_COUNT; i++)
        if (c[i] && !(f->c[i] = strdup(c[i])))
            return err_set(e, ERR_FAIL, "out of memory");
    return 0;
}

static void facts_free(struct facts *f)
{
    for (int i = 0; i < H_COUNT; i++)
        free(f->c[i]);
}

static const char *yes_no(const char *v)
{
    return v && strcmp(v, "1") == 0 ? _("yes") : _("no");
}

static const char *enum_label(const struct household_enum *map, const char *code)
{
    int v;
    if (household_enum_parse(map, code, &v) == 0)
        return household_enum_label(map, v);
    return code;
}

static void fact(struct html *h, const char *label, const char *value)
{
    html_raw(h, "<tr><th>");
    html_text(h, label);
    html_raw(h, "</th><td>");
    html_text(h, value && *value ? value : "-");
    html_raw(h, "</td></tr>");
}

static void facts_table(struct html *h, const struct facts *f)
{
    html_raw(h, "<table class=\"facts\"><tbody>");
    fact(h, _("head of household"), f->c[H_HEAD]);
    fact(h, _("status"), page_status_label(f->c[H_STATUS]));
    fact(h, _("poverty cause"), f->c[H_CAUSE]);
    fact(h, _("housing grade"), enum_label(&household_enum_grade, f->c[H_GRADE]));
    fact(h, _("house renovated"), yes_no(f->c[H_RENOVATED]));
    fact(h, _("tap water"), yes_no(f->c[H_TAP]));
    fact(h, _("in dibao"), yes_no(f->c[H_DIBAO]));
    fact(h, _("has land"), yes_no(f->c[H_LAND]));
    fact(h, _("registered at"), f->c[H_REGISTERED]);
    fact(h, _("exited at"), f->c[H_EXITED]);
    fact(h, _("poor village"), yes_no(f->c[H_POOR]));
    fact(h, _("responsible cadre"), f->c[H_CADRE] ? f->c[H_CADRE] : _("none"));
    fact(h, _("cadre phone"), f->c[H_PHONE]);
    html_raw(h, "</tbody></table>\n");
}

static int member_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct html *h = ctx;
    html_raw(h, "<tr>");
    page_td(h, c[1]);
    page_td(h, c[2]); /* html_text masks the resident ID */
    page_td(h, c[3]);
    page_td(h, c[4]);
    page_td(h, enum_label(&household_enum_labor, c[5]));
    page_td(h, enum_label(&household_enum_health, c[6]));
    page_td(h, enum_label(&household_enum_school, c[7]));
    page_td(h, yes_no(c[8]));
    page_td(h, yes_no(c[9]));
    page_td(h, yes_no(c[10]));
    html_raw(h, "</tr>\n");
    return 0;
}

static int income_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct html *h = ctx;
    html_raw(h, "<tr>");
    for (int i = 0; i < n && i < 6; i++)
        page_td(h, c[i]);
    html_raw(h, "</tr>\n");
    return 0;
}

struct hh_ctx {
    struct web_req *r;
    struct html *h;
    const char *today;
    int may_decide;
};

static void decide_forms(struct hh_ctx *fc, const char *id, const char *measure)
{
    struct html *h = fc->h;
    char action[64], due[11];
    task_due_date(fc->r->cfg, measure, fc->today, due);
    snprintf(action, sizeof action, "/finding/%s/accept", id);
    html_raw(h, "<details class=\"decide\"><summary>");
    html_text(h, _("Decide"));
    html_raw(h, "</summary>");
    html_form_begin(h, fc->r, action);
    html_raw(h, "<label>");
    html_text(h, _("due date"));
    html_raw(h, "</label><input type=\"date\" name=\"due\" value=\"");
    html_attr(h, due);
    html_raw(h, "\" min=\"");
    html_attr(h, fc->today);
    html_raw(h, "\"><label>");
    html_text(h, _("note"));
    html_raw(h, "</label><input type=\"text\" name=\"note\" maxlength=\"2000\">"
                " <button class=\"primary\" type=\"submit\" name=\"do\" value=\"accept\">");
    html_text(h, _("Accept"));
    html_raw(h, "</button></form>");
    snprintf(action, sizeof action, "/finding/%s/reject", id);
    html_form_begin(h, fc->r, action);
    html_raw(h, "<label>");
    html_text(h, _("reason for rejecting"));
    html_raw(h, "</label><input type=\"text\" name=\"note\" maxlength=\"2000\" required>"
                " <button type=\"submit\" name=\"do\" value=\"reject\">");
    html_text(h, _("Reject"));
    html_raw(h, "</button></form></details>");
}

/* CONSOLE_HH_FINDINGS: id, member, policy, measure, kind, amount, reason,
 * state, source, decided_by, decided_at, decision_note, task_id,
 * created_at, facts changed. */
static int finding_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct hh_ctx *fc = ctx;
    struct html *h = fc->h;
    if (n < 15)
        return 0;
    html_raw(h, "<tr id=\"finding-");
    html_attr(h, c[0]);
    html_raw(h, "\" class=\"finding\" data-state=\"");
    html_attr(h, c[7]);
    html_raw(h, "\">");
    page_td(h, c[0]);
    page_td(h, c[1] ? c[1] : _("whole household"));
    page_td(h, policy_measure_label(c[3]));
    page_td(h, page_label(c[4]));
    page_td(h, c[5]);
    page_td(h, c[6]);
    html_raw(h, "<td class=\"state\">");
    html_text(h, page_label(c[7]));
    if (c[14] && strcmp(c[14], "1") == 0) {
        html_raw(h, "<br><span class=\"muted\">");
        html_text(h, strcmp(c[7], "accepted") == 0 ? _("facts changed since accepted")
                                                   : _("facts changed since rejected"));
        html_raw(h, "</span>");
    }
    html_raw(h, "</td><td>");
    if (c[9]) {
        char at[20];
        html_text(h, c[9]);
        html_raw(h, " · ");
        html_text(h, page_time(fc->r, c[10], at));
        if (c[11]) {
            html_raw(h, "<br>");
            html_text(h, c[11]);
        }
    }
    if (fc->may_decide && strcmp(c[7], "open") == 0 && strcmp(c[4], "recommend") == 0)
        decide_forms(fc, c[0], c[3]);
    html_raw(h, "</td><td class=\"src\">");
    html_text(h, c[8]);
    html_raw(h, "</td></tr>\n");
    return 0;
}

static int task_row(void *ctx, int n, const char *const *c, struct err *e)
{
    const struct hh_ctx *hc = ctx;
    struct html *h = hc->h;
    char done[20];
    html_raw(h, "<tr>");
    page_td(h, c[0]);
    page_td(h, policy_measure_label(c[1]));
    page_td(h, c[2]);
    page_td(h, c[3]);
    page_td(h, enum_label(&household_enum_task_status, c[4]));
    page_td(h, c[5] ? c[5] : _("unassigned"));
    page_td(h, page_time(hc->r, c[6], done));
    html_raw(h, "</tr>\n");
    return 0;
}

static int visit_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct html *h = ctx;
    html_raw(h, "<tr>");
    page_td(h, c[0]);
    page_td(h, c[1]);
    page_td(h, c[2]);
    html_raw(h, "</tr>\n");
    return 0;
}

static int alert_row(void *ctx, int n, const char *const *c, struct err *e)
{
    const struct hh_ctx *hc = ctx;
    struct html *h = hc->h;
    char opened[20], acked[20];
    html_raw(h, "<tr>");
    page_td(h, c[0]);
    page_td(h, page_alert_kind(c[1]));
    page_td(h, page_alert_label(c[2]));
    page_td(h, page_alert_label(c[3]));
    page_td(h, page_alert_label(c[4]));
    page_td(h, c[5]);
    page_td(h, page_time(hc->r, c[6], opened));
    html_raw(h, "<td>");
    if (c[7] || c[9]) {
        html_text(h, c[7]);
        html_raw(h, " · ");
        html_text(h, page_time(hc->r, c[9], acked));
        html_raw(h, "<br>");
        html_text(h, c[8]);
    }
    html_raw(h, "</td></tr>\n");
    return 0;
}

static void section(struct html *h, const char *id, const char *title, const char *const *headers)
{
    html_raw(h, "<h2 id=\"");
    html_attr(h, id);
    html_raw(h, "\">");
    html_text(h, title);
    html_raw(h, "</h2>");
    page_table_begin(h, headers);
}

static int is_decider(const struct web_user *u)
{
    return u && u->role != WEB_ROLE_CADRE && u->role != WEB_ROLE_POLICY;
}

int page_household(struct web_req *r, struct web_resp *out, struct err *e)
{
    int64_t id;
    const char *rest;
    if (page_path_id(r->path, "/household/", &id, &rest) != 0 || *rest)
        return page_bad(out, _("\"%s\" is not a household ID."), r->path + 11);
    struct console_where w;
    int rc = store_console_where(r->ro, CONSOLE_OF_HOUSEHOLD, id, &w, e);
    if (rc == ERR_NOTFOUND)
        return web_error(out, 404, _("No such household."));
    if (rc || (rc = page_allow(r, out, w.a, e)) <= 0)
        return rc;

    char today[11];
    config_today(r->cfg, today);
    if ((rc = store_begin_read(r->ro, e)) != 0)
        return rc;
    struct facts f = {0};
    struct console_args a = {.id = id, .today = today};
    struct html *h = &out->body;
    if ((rc = store_console_rows(r->ro, CONSOLE_HOUSEHOLD, &a, facts_row, &f, e)) != 0)
        goto done;
    if (!f.found) {
        rc = web_error(out, 404, _("No such household."));
        goto done;
    }
    char title[160];
    snprintf(title, sizeof title, _("Household %lld"), (long long)id);
    page_begin(h, r, title);
    html_raw(h, "<p class=\"crumbs\">");
    html_text(h, f.c[H_COUNTY]);
    html_raw(h, " › ");
    html_text(h, f.c[H_TOWN]);
    html_raw(h, " › <a href=\"/region/");
    html_url(h, f.c[H_VILLAGE]);
    html_raw(h, "\">");
    html_text(h, f.c[H_VILLAGE_NAME]);
    html_raw(h, "</a></p><h1>");
    html_text(h, title);
    html_raw(h, " · ");
    html_text(h, f.c[H_HEAD]);
    html_raw(h, "</h1>\n");
    facts_table(h, &f);

    const char *members[] = {_("name"),
                             _("resident ID"),
                             _("relation"),
                             _("birth date"),
                             _("labour ability"),
                             _("health"),
                             _("school stage"),
                             _("medical insured"),
                             _("pension insured"),
                             _("employed"),
                             NULL};
    section(h, "members", _("Members"), members);
    if ((rc = store_console_rows(r->ro, CONSOLE_MEMBERS, &a, member_row, h, e)) != 0)
        goto done;
    html_raw(h, "</tbody></table>\n");

    const char *income[] = {
        _("year"), _("wage"), _("production"), _("property"), _("transfer"), _("per capita"), NULL};
    section(h, "income", _("Income (yuan)"), income);
    if ((rc = store_console_rows(r->ro, CONSOLE_INCOME, &a, income_row, h, e)) != 0)
        goto done;
    html_raw(h, "</tbody></table>\n");

    const char *findings[] = {_("ID"),     _("who"),   _("measure"),  _("kind"), _("amount (yuan)"),
                              _("reason"), _("state"), _("decision"), _("rule"), NULL};
    section(h, "findings", _("Findings"), findings);
    struct hh_ctx fc = {r, h, today, is_decider(r->user)};
    if ((rc = store_console_rows(r->ro, CONSOLE_HH_FINDINGS, &a, finding_row, &fc, e)) != 0)
        goto done;
    html_raw(h, "</tbody></table>\n");

    const char *tasks[] = {_("ID"),    _("measure"),           _("title"),   _("due"),
                           _("state"), _("responsible cadre"), _("done at"), NULL};
    section(h, "tasks", _("Help tasks"), tasks);
    if ((rc = store_console_rows(r->ro, CONSOLE_HH_TASKS, &a, task_row, &fc, e)) != 0)
        goto done;
    html_raw(h, "</tbody></table>\n");

    const char *visits[] = {_("date"), _("responsible cadre"), _("note"), NULL};
    section(h, "visits", _("Visits"), visits);
    a.limit = 50;
    if ((rc = store_console_rows(r->ro, CONSOLE_HH_VISITS, &a, visit_row, h, e)) != 0)
        goto done;
    html_raw(h, "</tbody></table>\n");
    a.limit = 0;

    const char *alerts[] = {_("ID"),    _("kind"),    _("severity"),  _("level"),
                            _("state"), _("message"), _("opened at"), _("acknowledged by"),
                            NULL};
    section(h, "alerts", _("Alerts"), alerts);
    if ((rc = store_console_rows(r->ro, CONSOLE_HH_ALERTS, &a, alert_row, &fc, e)) != 0)
        goto done;
    html_raw(h, "</tbody></table>\n");
    const char *why = web_param(r, "why");
    if (why && strcmp(why, "1") != 0) {
        rc = page_bad(out, _("why: expected 1."));
        goto done;
    }
    if (why) {
        if ((rc = page_why(r, h, id, today, e)) != 0)
            goto done;
    } else {
        html_rawf(h, "<p><a href=\"/household/%" PRId64 "?why=1#why\">", id);
        html_text(h, _("Show why and why not (evaluates the household now)"));
        html_raw(h, "</a></p>");
    }
    html_page_end(h);
done:
    store_rollback(r->ro);
    facts_free(&f);
    return rc;
}

/* ---- POST /finding/ID/accept|reject ---- */

static int refused(struct web_resp *out, int64_t id, const struct finding_decided *d)
{
    switch (d->outcome) {
    case DECIDE_OTHER:
        return page_bad(
            out,
            strcmp(d->state, "accepted") == 0
                ? _("Finding %lld was accepted by %s at %s; a decision is not changed.")
                : _("Finding %lld was rejected by %s at %s; a decision is not changed."),
            (long long)id, d->by, d->at);
    case DECIDE_WITHDRAWN:
        return page_bad(out, _("Finding %lld is withdrawn: there is nothing to decide."),
                        (long long)id);
    case DECIDE_FLAG:
        return page_bad(out,
                        _("Finding %lld is a flag: only recommendations are accepted or rejected."),
                        (long long)id);
    default:
        return 1;
    }
}

int page_finding_action(struct web_req *r, struct web_resp *out, struct err *e)
{
    int64_t id;
    const char *verb;
    if (page_path_id(r->path, "/finding/", &id, &verb) != 0)
        return page_bad(out, _("Not a finding ID."));
    int accept = strcmp(verb, "accept") == 0;
    if (!accept && strcmp(verb, "reject") != 0)
        return web_error(out, 404, _("No such page."));
    struct console_where w;
    int rc = store_console_where(r->ro, CONSOLE_OF_FINDING, id, &w, e);
    if (rc == ERR_NOTFOUND)
        return web_error(out, 404, _("No such finding."));
    if (rc || (rc = page_allow(r, out, w.a, e)) <= 0)
        return rc;

    const char *note = web_param(r, "note"), *due = web_param(r, "due");
    if (note && !*note)
        note = NULL;
    if (due && !*due)
        due = NULL;
    if (!accept && !note)
        return page_bad(out, _("Rejecting needs a reason: fill in the note."));
    if (note && !page_is_clean(note, 2000))
        return page_bad(out, _("The note must be one line of at most 2000 bytes."));
    char today[11], due_buf[11], now[20];
    config_today(r->cfg, today);
    if (accept && due && !page_is_date(due))
        return page_bad(out, _("The due date \"%s\" is not a date (YYYY-MM-DD)."), due);
    if (accept && due && strcmp(due, today) < 0)
        return page_bad(out, _("The due date %s is before today (%s)."), due, today);

    struct store *st;
    if ((rc = web_write_store(r, &st, e)) != 0)
        return rc;
    if (accept && !due) {
        if (task_due_default(st, r->cfg, id, today, due_buf, e) != 0) {
            store_close(st);
            return ERR_FAIL;
        }
        due = due_buf;
    }
    /* What is stored is shown to others later: an ID in it is masked now. */
    char by[128], *note_copy = note ? strdup(note) : NULL;
    if (note && !note_copy) {
        store_close(st);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    snprintf(by, sizeof by, "%s", r->user->name);
    scrub_ids(by);
    scrub_ids(note_copy);
    page_now(now);
    struct finding_decision d = {
        .finding_id = id, .accept = accept, .by = by, .note = note_copy, .due = due, .now = now};
    struct finding_decided res;
    rc = store_finding_decide(st, &d, &res, e);
    store_close(st);
    if (rc == ERR_NOTFOUND) {
        free(note_copy);
        return web_error(out, 404, _("No such finding."));
    }
    if (!rc) {
        char subject[40], detail[2200];
        snprintf(subject, sizeof subject, "finding:%" PRId64, id);
        snprintf(detail, sizeof detail, "outcome=%d due=%s task=%" PRId64 " note=%s",
                 (int)res.outcome, accept ? due : "-", res.task_id, note_copy ? note_copy : "");
        web_audit(r, accept ? "finding.accept" : "finding.reject", subject, detail);
        if (refused(out, id, &res) == 1) {
            char to[64];
            snprintf(to, sizeof to, "/household/%" PRId64 "#finding-%" PRId64, w.household, id);
            web_redirect(out, to);
        }
    }
    free(note_copy);
    return rc;
}
