/* pages.c - the console's routes (web.h web_routes[]) and what the pages
 * share (page.h): ids, the region check, labels, tables and downloads. A
 * page never shows a household, region, list or export outside the user's
 * region: each one asks page_allow first. */
#include "config.h"
#include "household.h"
#include "i18n.h"
#include "nightly_digest.h"
#include "page.h"
#include "term.h"
#include "tz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STAFF_ALL WEB_ROLES_ALL
#define POLICY_ROLES (WEB_ROLE_BIT(WEB_ROLE_POLICY) | WEB_ROLE_BIT(WEB_ROLE_ADMIN))
/* Supervisors decide findings and acknowledge alerts; a cadre reads. */
#define DECIDERS                                                                                   \
    (WEB_ROLE_BIT(WEB_ROLE_TOWN) | WEB_ROLE_BIT(WEB_ROLE_COUNTY) | WEB_ROLE_BIT(WEB_ROLE_CITY) |   \
     WEB_ROLE_BIT(WEB_ROLE_ADMIN))

/* Every browser asks for /favicon.ico, with or without a session: answered
 * here, publicly, it is never redirected to the login page, whose fresh
 * form token would replace the one of the form the user is filling in. */
static int page_favicon(struct web_req *r, struct web_resp *out, struct err *e)
{
    out->content_type = "image/svg+xml";
    html_raw(&out->body, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
                         "<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#9b1c1c\"/></svg>");
    return 0;
}

/* "/" is an exact path (a one-character path is never a prefix); it comes
 * last all the same, so no reading of the table can let it shadow others. */
const struct web_route web_routes[] = {
    {"GET", "/region/", STAFF_ALL, page_overview},
    {"GET", "/household/", STAFF_ALL, page_household},
    {"POST", "/finding/", DECIDERS, page_finding_action},
    {"GET", "/worklist", STAFF_ALL, page_worklist},
    {"GET", "/alerts", STAFF_ALL, page_alerts},
    {"POST", "/alert/", DECIDERS, page_alert_ack},
    {"GET", "/changes", POLICY_ROLES | WEB_ROLE_BIT(WEB_ROLE_CITY), page_changes},
    {"POST", "/change/", POLICY_ROLES, page_change_action},
    {"GET", "/favicon.ico", WEB_PUBLIC, page_favicon},
    {"GET", "/", STAFF_ALL, page_overview},
    {0},
};

int page_parse_id(const char *s, int64_t *id)
{
    if (!s || !*s || strlen(s) > 18)
        return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0)
        return -1;
    *id = v;
    return 0;
}

int page_path_id(const char *path, const char *prefix, int64_t *id, const char **verb)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return -1;
    const char *p = path + n, *slash = strchr(p, '/');
    char digits[24];
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0 || len >= sizeof digits)
        return -1;
    memcpy(digits, p, len);
    digits[len] = 0;
    if (page_parse_id(digits, id) != 0)
        return -1;
    *verb = slash ? slash + 1 : "";
    return 0;
}

int page_is_date(const char *s)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    if (s[4] != '-' || s[7] != '-' || y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1)
        return 0;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d > days[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

int page_is_clean(const char *s, size_t max)
{
    return s && *s && strlen(s) <= max && term_is_clean(s);
}

int page_bad(struct web_resp *out, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return web_error(out, 400, msg);
}

int page_allow(struct web_req *r, struct web_resp *out, const char *code, struct err *e)
{
    int ok = code && *code ? web_region_allowed(r, code, e) : 0;
    if (ok < 0)
        return ok;
    if (!ok)
        web_error(out, 403, _("This is outside your region."));
    return ok;
}

int page_home_region(struct web_req *r, char *buf, size_t size, struct err *e)
{
    if (r->user && r->user->region[0]) {
        snprintf(buf, size, "%s", r->user->region);
        return 0;
    }
    return store_console_top(r->ro, buf, size, e);
}

void page_now(char out[20])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

const char *page_time(const struct web_req *r, const char *utc, char buf[20])
{
    return tz_show(utc, config_offset_s(r->cfg), buf);
}

const char *page_label(const char *code)
{
    static const char *const codes[] = {"open",   "accepted", "rejected",  "withdrawn", "recommend",
                                        "flag",   "done",     "cancelled", "policy",    "plugin",
                                        "params", "pending",  "active",    "discarded", "stale"};
    const char *labels[] = {_("open"),           _("accepted"),  _("rejected"), _("withdrawn"),
                            _("recommendation"), _("flag"),      _("done"),     _("cancelled"),
                            _("policy"),         _("plugin"),    _("params"),   _("pending"),
                            _("active"),         _("discarded"), _("stale")};
    for (size_t i = 0; code && i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0)
            return labels[i];
    return code;
}

const char *page_alert_label(const char *code)
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

const char *page_alert_kind(const char *kind)
{
    /* The digest's words for each kind; an unknown kind shows its code. */
    return kind ? nightly_kind_label(kind) : kind;
}

const char *page_status_label(const char *code)
{
    int v;
    if (household_enum_parse(&household_enum_status, code, &v) == 0)
        return household_enum_label(&household_enum_status, v);
    return code;
}

void page_begin(struct html *h, const struct web_req *r, const char *title)
{
    html_page_begin(h, r, title);
    /* In the body: the frame's stylesheet (html.c) is shared with the login
     * page; these rules only concern the tables and charts of the pages. */
    html_raw(h, "<style>th{white-space:nowrap}td.src{font-size:11px;color:#6b7280;"
                "word-break:break-all;max-width:180px}tr.overdue td{background:#fff7ed}"
                "ul.why{list-style:none;padding-left:0}ul.why li.no{color:#6b7280}"
                "details.decide form{margin:4px 0}p.crumbs{margin:0 0 6px;color:#6b7280}"
                "form.filters label{display:inline-block;margin:0 6px 0 12px}"
                "svg.chart{max-width:100%;height:auto}</style>");
}

void page_table_begin(struct html *h, const char *const *headers)
{
    html_raw(h, "<table><thead><tr>");
    for (const char *const *p = headers; *p; p++) {
        html_raw(h, "<th>");
        html_text(h, *p);
        html_raw(h, "</th>");
    }
    html_raw(h, "</tr></thead><tbody>\n");
}

void page_td(struct html *h, const char *text)
{
    html_raw(h, "<td>");
    html_text(h, text);
    html_raw(h, "</td>");
}

void page_td_num(struct html *h, long v)
{
    html_rawf(h, "<td class=\"num\">%ld</td>", v);
}

void page_td_link(struct html *h, const char *prefix, const char *id, const char *text)
{
    html_raw(h, "<td><a href=\"");
    html_attr(h, prefix);
    html_url(h, id);
    html_raw(h, "\">");
    html_text(h, text && *text ? text : id);
    html_raw(h, "</a></td>");
}

int page_download_open(struct page_download *d, const struct web_req *r, enum export_format f,
                       const char *sheet, const struct export_column *cols, size_t n, struct err *e)
{
    memset(d, 0, sizeof *d);
    d->format = f;
    d->f = open_memstream(&d->buf, &d->len);
    if (!d->f)
        return err_set(e, ERR_FAIL, "open_memstream failed");
    int rc = export_open(&d->x, f, NULL, d->f, sheet, cols, n, e);
    if (rc) {
        fclose(d->f);
        free(d->buf);
        d->f = NULL;
        d->buf = NULL;
    } else {
        export_set_zone(d->x, config_offset_s(r->cfg));
    }
    return rc;
}

int page_download_close(struct page_download *d, int rc, const char *base, struct web_resp *out,
                        struct err *e)
{
    struct err ce;
    int crc = export_close(d->x, &ce);
    if (!rc && crc) {
        rc = crc;
        *e = ce;
    }
    fclose(d->f);
    if (!rc) {
        html_rawn(&out->body, d->buf, d->len);
        out->content_type =
            d->format == EXPORT_XLSX
                ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                : "text/csv; charset=utf-8";
        char name[96];
        size_t i = 0;
        for (const char *p = base; *p && i < 80; p++, i++)
            name[i] = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                       (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')
                          ? *p
                          : '_';
        snprintf(name + i, sizeof name - i, "%s", d->format == EXPORT_XLSX ? ".xlsx" : ".csv");
        out->filename = strdup(name);
        if (!out->filename)
            rc = err_set(e, ERR_FAIL, "out of memory");
    }
    free(d->buf);
    d->buf = NULL;
    return rc;
}

void page_select(struct html *h, const char *name, const char *label, const char *any_label,
                 const char *const *codes, const char *value, const char *(*label_of)(const char *))
{
    html_raw(h, "<label>");
    html_text(h, label);
    html_raw(h, "</label><select name=\"");
    html_raw(h, name);
    html_raw(h, "\"><option value=\"\">");
    html_text(h, any_label);
    html_raw(h, "</option>");
    for (; *codes; codes++) {
        html_raw(h, "<option value=\"");
        html_attr(h, *codes);
        html_raw(h, value && strcmp(value, *codes) == 0 ? "\" selected>" : "\">");
        html_text(h, label_of(*codes));
        html_raw(h, "</option>");
    }
    html_raw(h, "</select>");
}

void page_query(struct html *h, const char *key, const char *v)
{
    if (!v)
        return;
    html_raw(h, "&amp;");
    html_raw(h, key);
    html_raw(h, "=");
    html_url(h, v);
}
