/* page_changes.c - staged rule changes, `/changes`: every change with its
 * state and, once activated, the preview kept with it; a pending change's
 * preview on request (`?preview=ID`, the report of `fupin change show`);
 * activate/discard for policy staff (`POST /change/ID/activate|discard`)
 * through change_decide, the CLI's own path; and the rule version history.
 * City supervisors read it; only policy staff and admins decide. */
#include "change.h"
#include "i18n.h"
#include "page.h"
#include "policy.h"
#include "scrub.h"
#include "store_rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION_ROWS 200

static int may_decide(const struct web_req *r)
{
    return r->user->role == WEB_ROLE_POLICY || r->user->role == WEB_ROLE_ADMIN;
}

/* A number of the preview JSON's "totals" object, found by key: the JSON is
 * our own (preview_json), flat within totals. -1 when it is not there. */
static double total(const char *json, const char *key)
{
    const char *t = json ? strstr(json, "\"totals\":{") : NULL;
    if (!t)
        return -1;
    const char *end = strchr(t, '}');
    char k[48];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(t, k);
    if (!p || (end && p > end))
        return -1;
    return strtod(p + strlen(k), NULL);
}

static void totals_row(struct html *h, long added, long withdrawn, long changed, double before,
                       double after)
{
    html_rawf(h,
              "<td class=\"num\">%ld</td><td class=\"num\">%ld</td><td class=\"num\">%ld</td>"
              "<td class=\"num\">%.2f</td><td class=\"num\">%.2f</td>",
              added, withdrawn, changed, before, after);
}

static const char *const *totals_headers(void)
{
    static const char *h[7];
    h[0] = _("policy");
    h[1] = _("added");
    h[2] = _("withdrawn");
    h[3] = _("changed");
    h[4] = _("amount before (yuan)");
    h[5] = _("amount after (yuan)");
    h[6] = NULL;
    return h;
}

static int summary_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct html *h = ctx;
    const char *json = n ? c[0] : NULL;
    if (!json) {
        html_text(h, _("no preview kept"));
        return 0;
    }
    html_rawf(h, "%.0f / %.0f / %.0f · %.2f → %.2f", total(json, "added"), total(json, "withdrawn"),
              total(json, "changed"), total(json, "amount_before"), total(json, "amount_after"));
    html_raw(h, "<details><summary>JSON</summary><pre>");
    html_text(h, json);
    html_raw(h, "</pre></details>");
    return 0;
}

static void action_form(struct html *h, struct web_req *r, int64_t id, const char *verb,
                        const char *label)
{
    char action[64];
    snprintf(action, sizeof action, "/change/%" PRId64 "/%s", id, verb);
    html_form_begin(h, r, action);
    html_raw(h, strcmp(verb, "activate") == 0 ? "<button class=\"primary\" type=\"submit\">"
                                              : "<button type=\"submit\">");
    html_text(h, label);
    html_raw(h, "</button></form>");
}

static const char *change_state(const char *s)
{
    if (strcmp(s, "pending") == 0)
        return _("pending");
    if (strcmp(s, "active") == 0)
        return _("activated");
    if (strcmp(s, "discarded") == 0)
        return _("discarded");
    if (strcmp(s, "stale") == 0)
        return _("stale");
    return s;
}

/* The preview of pending change id against the live set, as a table. */
static int preview_section(struct web_req *r, struct html *h, int64_t id, struct err *e)
{
    struct rule_change c;
    int rc = store_change_get(r->ro, id, &c, e);
    if (rc)
        return rc;
    struct preview p;
    preview_init(&p);
    html_raw(h, "<div class=\"card\" id=\"preview\"><h2>");
    html_rawf(h, _("Preview of change %lld"), (long long)id);
    html_raw(h, "</h2>");
    struct err pe = {{0}};
    if (strcmp(c.state, "pending") != 0) {
        html_raw(h, "<p>");
        html_text(h, _("Only a pending change is previewed; see the preview kept with it."));
        html_raw(h, "</p>");
    } else if (change_preview(r->ro, r->cfg, &c, &p, &pe) != 0) {
        html_raw(h, "<p class=\"error\">");
        html_text(h, pe.msg);
        html_raw(h, "</p>");
    } else {
        html_raw(h, "<p>");
        html_rawf(h, _("%ld households evaluated."), p.households);
        html_raw(h, "</p>");
        page_table_begin(h, totals_headers());
        html_raw(h, "<tr><th>");
        html_text(h, _("total"));
        html_raw(h, "</th>");
        totals_row(h, p.totals.n[PREVIEW_ADDED], p.totals.n[PREVIEW_WITHDRAWN],
                   p.totals.n[PREVIEW_CHANGED], p.totals.before, p.totals.after);
        html_raw(h, "</tr>");
        for (size_t i = 0; i < p.n_policies; i++) {
            const struct preview_group *g = &p.policies[i];
            html_raw(h, "<tr>");
            page_td(h, g->b && *g->b ? policy_measure_label(g->b) : g->a);
            totals_row(h, g->c.n[PREVIEW_ADDED], g->c.n[PREVIEW_WITHDRAWN], g->c.n[PREVIEW_CHANGED],
                       g->c.before, g->c.after);
            html_raw(h, "</tr>");
        }
        html_raw(h, "</tbody></table>");
    }
    html_raw(h, "</div>");
    preview_free(&p);
    rule_change_clear(&c);
    return 0;
}

struct versions_ctx {
    const struct web_req *r;
    struct html *h;
};

static int version_row(void *ctx, int n, const char *const *c, struct err *e)
{
    const struct versions_ctx *vc = ctx;
    struct html *h = vc->h;
    char at[20];
    html_raw(h, "<tr>");
    page_td(h, c[0]);
    page_td(h, page_label(c[1]));
    page_td(h, c[2]);
    page_td(h, c[3]);
    page_td(h, c[5]);
    page_td(h, page_time(vc->r, c[6], at));
    html_raw(h, "</tr>\n");
    return 0;
}

int page_changes(struct web_req *r, struct web_resp *out, struct err *e)
{
    const char *preview = web_param(r, "preview");
    int64_t preview_id = 0;
    if (preview && page_parse_id(preview, &preview_id) != 0)
        return page_bad(out, _("\"%s\" is not a change ID."), preview);
    struct rule_change *list = NULL;
    size_t n = 0;
    int rc = store_change_list(r->ro, &list, &n, e);
    if (rc)
        return rc;
    if (preview_id) {
        size_t i = 0;
        while (i < n && list[i].id != preview_id)
            i++;
        if (i == n) {
            rc = web_error(out, 404, _("No such change."));
            goto done;
        }
    }
    struct html *h = &out->body;
    page_begin(h, r, _("Rule changes"));
    html_raw(h, "<h1>");
    html_text(h, _("Rule changes"));
    html_raw(h, "</h1>");
    if (preview_id && (rc = preview_section(r, h, preview_id, e)) != 0)
        goto done;
    const char *headers[] = {_("ID"),
                             _("state"),
                             _("files"),
                             _("policies"),
                             _("staged at"),
                             _("decided by"),
                             _("preview: added / withdrawn / changed · amount before → after"),
                             _("actions"),
                             NULL};
    page_table_begin(h, headers);
    for (size_t i = 0; i < n; i++) {
        const struct rule_change *c = &list[i];
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, c->id);
        html_raw(h, "<tr id=\"change-");
        html_attr(h, id);
        html_raw(h, "\" data-state=\"");
        html_attr(h, c->state);
        html_raw(h, "\">");
        page_td(h, id);
        page_td(h, change_state(c->state));
        page_td(h, c->files);
        page_td(h, c->policies);
        char at[20];
        page_td(h, page_time(r, c->created_at, at));
        html_raw(h, "<td>");
        if (c->decided_by) {
            html_text(h, c->decided_by);
            html_raw(h, " · ");
            html_text(h, page_time(r, c->decided_at, at));
        }
        html_raw(h, "</td><td>");
        struct console_args a = {.id = c->id};
        if ((rc = store_console_rows(r->ro, CONSOLE_CHANGE_SUMMARY, &a, summary_row, h, e)) != 0)
            goto done;
        html_raw(h, "</td><td>");
        if (strcmp(c->state, "pending") == 0) {
            html_raw(h, "<a href=\"/changes?preview=");
            html_raw(h, id);
            html_raw(h, "#preview\">");
            html_text(h, _("Preview"));
            html_raw(h, "</a>");
            if (may_decide(r)) {
                action_form(h, r, c->id, "activate", _("Activate"));
                action_form(h, r, c->id, "discard", _("Discard"));
            }
        }
        html_raw(h, "</td></tr>\n");
    }
    html_raw(h, "</tbody></table><h2>");
    html_text(h, _("Rule version history"));
    html_raw(h, "</h2>");
    const char *vh[] = {_("ID"),           _("kind"),         _("name"), _("source"),
                        _("activated by"), _("activated at"), NULL};
    page_table_begin(h, vh);
    struct console_args a = {.limit = VERSION_ROWS};
    struct versions_ctx vc = {r, h};
    if ((rc = store_console_rows(r->ro, CONSOLE_RULE_VERSIONS, &a, version_row, &vc, e)) != 0)
        goto done;
    html_raw(h, "</tbody></table>");
    html_page_end(h);
done:
    for (size_t i = 0; i < n; i++)
        rule_change_clear(&list[i]);
    free(list);
    return rc;
}

int page_change_action(struct web_req *r, struct web_resp *out, struct err *e)
{
    int64_t id;
    const char *verb;
    if (page_path_id(r->path, "/change/", &id, &verb) != 0)
        return page_bad(out, _("Not a change ID."));
    int activate = strcmp(verb, "activate") == 0;
    if (!activate && strcmp(verb, "discard") != 0)
        return web_error(out, 404, _("No such page."));
    char by[128];
    snprintf(by, sizeof by, "%s", r->user->name);
    scrub_ids(by);
    struct store *st;
    int rc = web_write_store(r, &st, e);
    if (rc)
        return rc;
    rc = change_decide(st, r->cfg, id, activate, by, e);
    store_close(st);
    char subject[40];
    snprintf(subject, sizeof subject, "change:%" PRId64, id);
    if (rc == ERR_NOTFOUND)
        return web_error(out, 404, _("No such change."));
    if (rc == ERR_INVALID) {
        web_audit(r, activate ? "change.activate" : "change.discard", subject, "refused");
        return web_error(out, 400, e->msg);
    }
    if (rc)
        return rc;
    web_audit(r, activate ? "change.activate" : "change.discard", subject, "done");
    char to[48];
    snprintf(to, sizeof to, "/changes#change-%" PRId64, id);
    return web_redirect(out, to);
}
