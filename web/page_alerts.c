/* page_alerts.c - the alert list, `/alerts` with filters (level, kind,
 * state, region; default the user's region) and its CSV/xlsx download, and
 * the acknowledgement with a note, `POST /alert/ID/ack`, through
 * store_alert_ack_by as `fupin alert ack` does. An alert is the region's
 * when it is routed there or its household lives there (store_alert.c). */
#include "i18n.h"
#include "nightly_digest.h"
#include "page.h"
#include "scrub.h"
#include "store_alert.h"
#include "store_worklist.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_ROWS 500

enum {
    A_ID,
    A_STATE,
    A_SEVERITY,
    A_LEVEL,
    A_KIND,
    A_REGION,
    A_HOUSEHOLD,
    A_OPENED,
    A_BY,
    A_NOTE,
    A_MESSAGE,
    A_COUNT
};
/* The keys and headers of `fupin alert list`. */
static const struct export_column columns[A_COUNT] = {
    [A_ID] = {"id", N_("ID"), EXPORT_NUMBER},
    [A_STATE] = {"state", N_("state"), EXPORT_TEXT},
    [A_SEVERITY] = {"severity", N_("severity"), EXPORT_TEXT},
    [A_LEVEL] = {"level", N_("level"), EXPORT_TEXT},
    [A_KIND] = {"kind", N_("kind"), EXPORT_TEXT},
    [A_REGION] = {"region", N_("region"), EXPORT_TEXT},
    [A_HOUSEHOLD] = {"household_id", N_("household ID"), EXPORT_NUMBER},
    [A_OPENED] = {"opened_at", N_("opened at"), EXPORT_TIME},
    [A_BY] = {"acked_by", N_("acknowledged by"), EXPORT_TEXT},
    [A_NOTE] = {"ack_note", N_("acknowledgement note"), EXPORT_TEXT},
    [A_MESSAGE] = {"message", N_("message"), EXPORT_TEXT},
};

static const char *const levels[] = {"village", "town", "county", "city", NULL};
static const char *const alert_states[] = {"open", "acked", "resolved", NULL};

struct lister {
    struct web_req *r;
    struct html *h;
    struct export *x;
    const char *state;
    int may_ack;
    long n;
};

static int alert_row(void *ctx, const struct alert_row *a, struct err *e)
{
    struct lister *l = ctx;
    if (l->state && strcmp(a->state, l->state) != 0)
        return 0;
    l->n++;
    char id[24], hh[24];
    snprintf(id, sizeof id, "%" PRId64, a->id);
    snprintf(hh, sizeof hh, "%" PRId64, a->household_id);
    if (l->x) {
        const char *cells[A_COUNT] = {
            [A_ID] = id,
            [A_STATE] = page_alert_label(a->state),
            [A_SEVERITY] = page_alert_label(a->severity),
            [A_LEVEL] = page_alert_label(a->level),
            [A_KIND] = page_alert_kind(a->kind),
            [A_REGION] = a->region,
            [A_HOUSEHOLD] = a->household_id ? hh : NULL,
            [A_OPENED] = a->opened_at,
            [A_BY] = a->acked_by,
            [A_NOTE] = a->ack_note,
            [A_MESSAGE] = a->message,
        };
        return export_row(l->x, cells, e);
    }
    if (l->n > PAGE_ROWS)
        return 0;
    struct html *h = l->h;
    html_raw(h, "<tr id=\"alert-");
    html_attr(h, id);
    html_raw(h, "\" class=\"alert\" data-state=\"");
    html_attr(h, a->state);
    html_raw(h, "\">");
    page_td(h, id);
    page_td(h, page_alert_kind(a->kind));
    page_td(h, page_alert_label(a->severity));
    page_td(h, page_alert_label(a->level));
    if (a->household_id)
        page_td_link(h, "/household/", hh, hh);
    else
        page_td(h, a->region);
    page_td(h, a->message);
    char opened[20], acked[20];
    page_td(h, page_time(l->r, a->opened_at, opened));
    html_raw(h, "<td class=\"state\">");
    html_text(h, page_alert_label(a->state));
    if (a->acked_by || a->acked_at) {
        html_raw(h, "<br><span class=\"muted\">");
        html_text(h, a->acked_by);
        html_raw(h, " · ");
        html_text(h, page_time(l->r, a->acked_at, acked));
        html_raw(h, "<br>");
        html_text(h, a->ack_note);
        html_raw(h, "</span>");
    }
    if (l->may_ack && strcmp(a->state, "open") == 0) {
        char action[48];
        snprintf(action, sizeof action, "/alert/%s/ack", id);
        html_form_begin(h, l->r, action);
        html_raw(h, "<input type=\"text\" name=\"note\" maxlength=\"2000\" placeholder=\"");
        html_attr(h, _("note"));
        html_raw(h, "\"> <button type=\"submit\">");
        html_text(h, _("Acknowledge"));
        html_raw(h, "</button></form>");
    }
    html_raw(h, "</td></tr>\n");
    return 0;
}

static int one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

static const char *nonempty(const char *v)
{
    return v && *v ? v : NULL;
}

int page_alerts(struct web_req *r, struct web_resp *out, struct err *e)
{
    const char *level = nonempty(web_param(r, "level")), *kind = nonempty(web_param(r, "kind")),
               *state = nonempty(web_param(r, "state")), *region = nonempty(web_param(r, "region")),
               *format = web_param(r, "format");
    if (level && !one_of(level, levels))
        return page_bad(out, _("Level \"%s\": expected village, town, county or city."), level);
    if (state && !one_of(state, alert_states))
        return page_bad(out, _("State \"%s\": expected open, acked or resolved."), state);
    if (kind && !page_is_clean(kind, 64))
        return page_bad(out, _("A filter must be one line of at most 64 bytes."));
    enum export_format fmt = EXPORT_TABLE;
    if (format &&
        (export_format_parse(format, &fmt) != 0 || (fmt != EXPORT_CSV && fmt != EXPORT_XLSX)))
        return page_bad(out, _("Format \"%s\": expected csv or xlsx."), format);
    char code[32];
    int rc;
    if (region && strlen(region) >= sizeof code)
        return page_bad(out, _("\"%s\" is not a region code."), region);
    if (region)
        snprintf(code, sizeof code, "%s", region);
    else if ((rc = page_home_region(r, code, sizeof code, e)) != 0)
        return rc;
    struct console_region reg;
    rc = store_console_region(r->ro, code, &reg, e);
    if (rc == ERR_NOTFOUND)
        return web_error(out, 404, _("No such region."));
    if (rc || (rc = page_allow(r, out, code, e)) <= 0)
        return rc;
    if (kind && (rc = store_value_seen(r->ro, SEEN_ALERT_KIND, kind, e)) != 0)
        return rc == ERR_NOTFOUND ? page_bad(out, _("No alert is of the kind \"%s\"."), kind) : rc;

    struct alert_filter f = {.level = level, .kind = kind, .region = code};
    f.live_only = state && strcmp(state, "resolved") != 0;
    struct lister l = {.r = r, .h = &out->body, .state = state};
    l.may_ack = r->user->role != WEB_ROLE_CADRE && r->user->role != WEB_ROLE_POLICY;
    if ((rc = store_begin_read(r->ro, e)) != 0)
        return rc;
    if (fmt != EXPORT_TABLE) {
        struct page_download d;
        struct export_column cols[A_COUNT];
        for (size_t i = 0; i < A_COUNT; i++)
            cols[i] = (struct export_column){columns[i].key, _(columns[i].header), columns[i].kind};
        if ((rc = page_download_open(&d, r, fmt, _("alerts"), cols, A_COUNT, e)) == 0) {
            l.x = d.x;
            rc = store_alert_list(r->ro, &f, alert_row, &l, e);
            char base[48];
            snprintf(base, sizeof base, "alerts-%s", code);
            rc = page_download_close(&d, rc, base, out, e);
            if (!rc)
                web_audit(r, "alerts.export", code, format);
        }
        store_rollback(r->ro);
        return rc;
    }
    struct html *h = &out->body;
    char title[200];
    snprintf(title, sizeof title, _("Alerts of %s"), reg.name);
    page_begin(h, r, title);
    html_raw(h, "<h1>");
    html_text(h, title);
    html_raw(h, "</h1><form method=\"get\" action=\"/alerts\" class=\"filters\">"
                "<input type=\"hidden\" name=\"region\" value=\"");
    html_attr(h, code);
    html_raw(h, "\">");
    page_select(h, "level", _("level"), _("any"), levels, level, page_alert_label);
    page_select(h, "state", _("state"), _("any"), alert_states, state, page_alert_label);
    if (!kind || nightly_kind_known(kind)) {
        page_select(h, "kind", _("kind"), _("any"), nightly_kind_codes(), kind, page_alert_kind);
    } else {
        /* A policy's own kind, typed into the address: shown as it is. */
        html_raw(h, "<label>");
        html_text(h, _("kind"));
        html_raw(h, "</label><input type=\"text\" name=\"kind\" value=\"");
        html_attr(h, kind);
        html_raw(h, "\">");
    }
    html_raw(h, " <button class=\"primary\" type=\"submit\">");
    html_text(h, _("Filter"));
    html_raw(h, "</button></form><p>");
    for (int i = 0; i < 2; i++) {
        html_raw(h, i ? " · <a class=\"export\" href=\"/alerts?format=xlsx"
                      : "<a class=\"export\" href=\"/alerts?format=csv");
        page_query(h, "region", code);
        page_query(h, "level", level);
        page_query(h, "kind", kind);
        page_query(h, "state", state);
        html_raw(h, "\">");
        html_text(h, i ? _("Download as Excel (xlsx)") : _("Download as CSV"));
        html_raw(h, "</a>");
    }
    html_raw(h, "</p>");
    const char *headers[] = {_("ID"),      _("kind"),      _("severity"), _("level"), _("subject"),
                             _("message"), _("opened at"), _("state"),    NULL};
    page_table_begin(h, headers);
    if ((rc = store_alert_list(r->ro, &f, alert_row, &l, e)) == 0) {
        html_raw(h, "</tbody></table><p class=\"muted\" id=\"alerts-count\">");
        html_rawf(h, _("%ld alerts"), l.n);
        if (l.n > PAGE_ROWS) {
            html_raw(h, " · ");
            html_rawf(h, _("the first %d are shown; the download has them all"), PAGE_ROWS);
        }
        html_raw(h, "</p>");
        html_page_end(h);
    }
    store_rollback(r->ro);
    return rc;
}

/* ---- POST /alert/ID/ack ---- */

static int alert_visible(struct web_req *r, const struct console_where *w, struct err *e)
{
    const char *codes[] = {w->a, w->b, w->c};
    for (int i = 0; i < 3; i++) {
        if (!codes[i][0])
            continue;
        int ok = web_region_allowed(r, codes[i], e);
        if (ok != 0)
            return ok;
    }
    return 0;
}

int page_alert_ack(struct web_req *r, struct web_resp *out, struct err *e)
{
    int64_t id;
    const char *verb;
    if (page_path_id(r->path, "/alert/", &id, &verb) != 0)
        return page_bad(out, _("Not an alert ID."));
    if (strcmp(verb, "ack") != 0)
        return web_error(out, 404, _("No such page."));
    struct console_where w;
    int rc = store_console_where(r->ro, CONSOLE_OF_ALERT, id, &w, e);
    if (rc == ERR_NOTFOUND)
        return web_error(out, 404, _("No such alert."));
    if (rc)
        return rc;
    if ((rc = alert_visible(r, &w, e)) < 0)
        return rc;
    if (!rc)
        return web_error(out, 403, _("This is outside your region."));
    const char *note = nonempty(web_param(r, "note"));
    if (note && !page_is_clean(note, 2000))
        return page_bad(out, _("The note must be one line of at most 2000 bytes."));

    char by[128], now[20], *note_copy = note ? strdup(note) : NULL;
    if (note && !note_copy)
        return err_set(e, ERR_FAIL, "out of memory");
    snprintf(by, sizeof by, "%s", r->user->name);
    scrub_ids(by);
    scrub_ids(note_copy);
    page_now(now);
    struct store *st;
    if ((rc = web_write_store(r, &st, e)) != 0) {
        free(note_copy);
        return rc;
    }
    struct alert_acked res;
    rc = store_alert_ack_by(st, id, by, note_copy, now, &res, e);
    store_close(st);
    if (rc == ERR_NOTFOUND) {
        rc = web_error(out, 404, _("No such alert."));
    } else if (!rc) {
        char subject[40];
        snprintf(subject, sizeof subject, "alert:%" PRId64, id);
        web_audit(r, "alert.ack", subject, note_copy ? note_copy : "");
        if (res.outcome == ALERT_RESOLVED) {
            rc = page_bad(out, _("Alert %lld is already resolved."), (long long)id);
        } else {
            char to[64];
            snprintf(to, sizeof to, "/alerts?region=%s#alert-%" PRId64,
                     r->user->region[0] ? r->user->region : w.a, id);
            /* A region code is plain ASCII from the database; keep the URL so. */
            for (char *p = to; *p; p++)
                if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
                    *p = '_';
            web_redirect(out, to);
        }
    }
    free(note_copy);
    return rc;
}
