/* html.c - the HTML buffer and the console's page frame. Text that is not
 * the page's own markup is escaped and has its resident IDs masked here, so
 * a page cannot forget either; never writes a byte that names an outside
 * resource (the console works offline). */
#include "html.h"
#include "i18n.h"
#include "scrub.h"
#include "store_user.h"
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_free(struct html *h)
{
    free(h->data);
    h->data = NULL;
    h->len = h->cap = 0;
}

/* Room for n more bytes and the terminating NUL. */
static int grow(struct html *h, size_t n)
{
    if (h->bad)
        return -1;
    if (h->len + n + 1 <= h->cap)
        return 0;
    size_t cap = h->cap ? h->cap : 4096;
    while (cap < h->len + n + 1) {
        if (cap > ((size_t)1 << 40)) {
            h->bad = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(h->data, cap);
    if (!p) {
        h->bad = 1;
        return -1;
    }
    h->data = p;
    h->cap = cap;
    return 0;
}

void html_rawn(struct html *h, const char *s, size_t n)
{
    if (!s || grow(h, n))
        return;
    memcpy(h->data + h->len, s, n);
    h->len += n;
    h->data[h->len] = 0;
}

void html_raw(struct html *h, const char *s)
{
    if (s)
        html_rawn(h, s, strlen(s));
}

void html_rawf(struct html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        h->bad = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        html_rawn(h, small, (size_t)n);
        return;
    }
    if (grow(h, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(h->data + h->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    h->len += (size_t)n;
}

/* Escapes s after masking a copy: the mask must see the whole text, since
 * an ID split by escaping would no longer look like one. */
static void escaped(struct html *h, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    char stack[512];
    char *copy = n < sizeof stack ? stack : malloc(n + 1);
    if (!copy) {
        h->bad = 1;
        return;
    }
    memcpy(copy, s, n + 1);
    scrub_ids(copy);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (copy[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        html_rawn(h, copy + from, i - from);
        html_raw(h, rep);
        from = i + 1;
    }
    html_rawn(h, copy + from, n - from);
    if (copy != stack)
        free(copy);
}

void html_text(struct html *h, const char *s)
{
    escaped(h, s);
}

void html_attr(struct html *h, const char *s)
{
    escaped(h, s);
}

void html_url(struct html *h, const char *s)
{
    if (!s)
        return;
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            html_rawn(h, (const char *)p, 1);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            html_rawn(h, enc, 3);
        }
    }
}

/* One stylesheet for every page, embedded: no file, font or script is
 * fetched, so a town office without internet sees the same page. */
static const char style[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:15px/1.6 \"Noto Sans CJK SC\",\"WenQuanYi Zen Hei\",\"Microsoft YaHei\","
    "\"PingFang SC\",sans-serif;color:#1f2933;background:#f4f6f8}"
    "header.top{display:flex;align-items:center;gap:20px;padding:0 24px;height:52px;"
    "background:#9b1c1c;color:#fff}"
    "header.top .brand{font-size:18px;font-weight:bold;letter-spacing:2px;color:#fff;"
    "text-decoration:none}"
    "header.top nav{display:flex;gap:4px;flex:1}"
    "header.top nav a{color:#fde8e8;text-decoration:none;padding:6px 12px;border-radius:4px}"
    "header.top nav a:hover,header.top nav a.here{background:rgba(255,255,255,.18);color:#fff}"
    "header.top .who{font-size:13px;color:#fde8e8;white-space:nowrap}"
    "header.top form{margin:0}"
    "header.top button{background:transparent;border:1px solid #fde8e8;color:#fff;"
    "padding:3px 10px;border-radius:4px;cursor:pointer}"
    "main{max-width:1180px;margin:24px auto;padding:0 24px}"
    "h1{font-size:22px;margin:0 0 16px}h2{font-size:18px;margin:24px 0 10px}"
    "a{color:#1d4ed8}"
    "table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 16px}"
    "th,td{border:1px solid #d9dee3;padding:6px 10px;text-align:left;vertical-align:top}"
    "th{background:#eef1f4;font-weight:600}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".card{background:#fff;border:1px solid #d9dee3;border-radius:6px;padding:16px 20px;"
    "margin:0 0 16px}"
    ".error{border-left:4px solid #b91c1c;background:#fef2f2}"
    ".muted{color:#6b7280;font-size:13px}"
    "label{display:block;margin:10px 0 4px}"
    "input,select,textarea{font:inherit;padding:6px 8px;border:1px solid #b8c0c8;border-radius:4px}"
    "button.primary,input[type=submit]{background:#9b1c1c;color:#fff;border:0;padding:7px 18px;"
    "border-radius:4px;cursor:pointer;font:inherit}"
    ".login{max-width:380px;margin:80px auto}"
    ".login input{width:100%}"
    ".login h1{text-align:center;color:#9b1c1c;letter-spacing:4px}";

struct nav_item {
    const char *path;
    const char *label;
    unsigned roles;
};

/* The pages' own paths (web/pages.c routes them). */
static const struct nav_item nav[] = {
    {"/", N_("Overview"), WEB_ROLES_ALL},
    {"/worklist", N_("Worklists"), WEB_ROLES_ALL},
    {"/alerts", N_("Alerts"), WEB_ROLES_ALL},
    {"/changes", N_("Rule changes"), WEB_ROLE_BIT(WEB_ROLE_POLICY) | WEB_ROLE_BIT(WEB_ROLE_ADMIN)},
    {"/users", N_("Users"), WEB_ROLE_BIT(WEB_ROLE_ADMIN)},
};

static const char *role_label(enum web_role role)
{
    switch (role) {
    case WEB_ROLE_CADRE:
        return _("cadre");
    case WEB_ROLE_TOWN:
        return _("town supervisor");
    case WEB_ROLE_COUNTY:
        return _("county supervisor");
    case WEB_ROLE_CITY:
        return _("city supervisor");
    case WEB_ROLE_POLICY:
        return _("policy staff");
    case WEB_ROLE_ADMIN:
        return _("administrator");
    }
    return "?";
}

static int is_here(const char *path, const char *item)
{
    if (!path)
        return 0;
    if (strcmp(item, "/") == 0)
        return strcmp(path, "/") == 0 || strncmp(path, "/region", 7) == 0;
    size_t n = strlen(item);
    return strncmp(path, item, n) == 0 && (path[n] == 0 || path[n] == '/');
}

void html_page_begin(struct html *h, const struct web_req *r, const char *title)
{
    html_raw(h, "<!DOCTYPE html>\n<html lang=\"");
    html_raw(h, strcmp(i18n_language(), "en") == 0 ? "en" : "zh-CN");
    html_raw(h, "\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>");
    html_text(h, title);
    html_raw(h, " - ");
    html_text(h, _("Poverty Alleviation Console"));
    html_raw(h, "</title><style>");
    html_raw(h, style);
    html_raw(h, "</style></head><body>\n<header class=\"top\"><a class=\"brand\" href=\"/\">");
    html_text(h, _("Poverty Alleviation Console"));
    html_raw(h, "</a>");
    const struct web_user *u = r ? r->user : NULL;
    if (u) {
        html_raw(h, "<nav>");
        for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
            if (!(nav[i].roles & WEB_ROLE_BIT(u->role)))
                continue;
            html_raw(h, "<a href=\"");
            html_attr(h, nav[i].path);
            html_raw(h, is_here(r->path, nav[i].path) ? "\" class=\"here\">" : "\">");
            html_text(h, _(nav[i].label));
            html_raw(h, "</a>");
        }
        html_raw(h, "</nav><span class=\"who\">");
        html_text(h, u->name);
        html_raw(h, " · ");
        html_text(h, role_label(u->role));
        html_raw(h, " · ");
        char region[128] = "";
        struct err e;
        if (u->region[0] && r->ro &&
            store_region_get(r->ro, u->region, region, sizeof region, NULL, 0, &e) != 0)
            region[0] = 0;
        html_text(h, region[0] ? region : u->region[0] ? u->region : _("all regions"));
        html_raw(h, "</span>");
        html_form_begin(h, r, "/logout");
        html_raw(h, "<button type=\"submit\">");
        html_text(h, _("Log out"));
        html_raw(h, "</button></form>");
    }
    html_raw(h, "</header>\n<main>\n");
}

void html_page_end(struct html *h)
{
    html_raw(h, "\n</main></body></html>\n");
}

void html_form_begin(struct html *h, const struct web_req *r, const char *action)
{
    html_raw(h, "<form method=\"post\" action=\"");
    html_attr(h, action);
    html_raw(h, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
    html_attr(h, r && r->csrf ? r->csrf : "");
    html_raw(h, "\">");
}
