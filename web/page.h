/* page.h - what the console's pages (web/page_*.c) share: parsing the
 * request's ids and filters, the region check every page makes before it
 * shows or changes anything, labels, tables and downloads. Private to web/. */
#ifndef FUPIN_PAGE_H
#define FUPIN_PAGE_H

#include "export.h"
#include "store_console.h"
#include "web.h"

#include <stdint.h>

/* ---- the pages (routed in pages.c) ---- */
int page_overview(struct web_req *r, struct web_resp *out, struct err *e);
int page_household(struct web_req *r, struct web_resp *out, struct err *e);
int page_finding_action(struct web_req *r, struct web_resp *out, struct err *e);
int page_worklist(struct web_req *r, struct web_resp *out, struct err *e);
int page_alerts(struct web_req *r, struct web_resp *out, struct err *e);
int page_alert_ack(struct web_req *r, struct web_resp *out, struct err *e);
int page_changes(struct web_req *r, struct web_resp *out, struct err *e);
int page_change_action(struct web_req *r, struct web_resp *out, struct err *e);

/* The "why and why not" section of household id (page_why.c): the
 * household evaluated now, written to h; nothing is stored. */
int page_why(struct web_req *r, struct html *h, int64_t id, const char *today, struct err *e);

/* ---- helpers (pages.c) ---- */

/* A positive decimal id of at most 18 digits into *id: 0, else -1. */
int page_parse_id(const char *s, int64_t *id);
/* "/finding/12/accept" with prefix "/finding/": *id = 12 and *verb =
 * "accept" ("" when the path ends after the id). 0, else -1. */
int page_path_id(const char *path, const char *prefix, int64_t *id, const char **verb);
/* A YYYY-MM-DD date that exists. */
int page_is_date(const char *s);
/* Printable text of at most max bytes on one line (names, notes). */
int page_is_clean(const char *s, size_t max);

/* Fills out with a 400 page whose message is fmt (already translated). */
int page_bad(struct web_resp *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The region check for one region code: 1 when the user may see it; 0 when
 * not, with out filled as 403 (outside the user's region); negative on a
 * store error (e set). code "" or NULL is refused too. */
int page_allow(struct web_req *r, struct web_resp *out, const char *code, struct err *e);
/* The region a page starts from: the user's own, or for a user without one
 * (policy staff, admins) the top of the region tree. "" when there is none. */
int page_home_region(struct web_req *r, char *buf, size_t size, struct err *e);

/* Now as "YYYY-MM-DD HH:MM:SS" (UTC, as the engine writes it). */
void page_now(char out[20]);
/* A stored time (UTC) on the clock of the config's schedule.timezone, as
 * people read it; what is no stored time is returned as it is (tz_show). */
const char *page_time(const struct web_req *r, const char *utc, char buf[20]);
/* The label a person reads for a finding's, task's or alert's code (state,
 * kind, severity, level); the code itself when there is none. */
const char *page_label(const char *code);
const char *page_alert_label(const char *code);
const char *page_alert_kind(const char *kind);
const char *page_status_label(const char *code);

/* html_page_begin with the pages' own few style rules after it (headers
 * that do not wrap, the rule source small, the why list, overdue rows). */
void page_begin(struct html *h, const struct web_req *r, const char *title);

/* Table helpers: <table><tr><th>... from NULL-terminated translated
 * headers; a cell of text (escaped) or a number right-aligned. */
void page_table_begin(struct html *h, const char *const *headers);
void page_td(struct html *h, const char *text);
void page_td_num(struct html *h, long v);
/* A link <a href="prefix<id>">text</a> in a cell. */
void page_td_link(struct html *h, const char *prefix, const char *id, const char *text);

/* A filter's <select name=name> with an "any" option labelled any_label,
 * then one option per code (label from label_of), value preselected. */
void page_select(struct html *h, const char *name, const char *label, const char *any_label,
                 const char *const *codes, const char *value,
                 const char *(*label_of)(const char *));
/* "&amp;key=value" (value percent-encoded) for a link's query; nothing
 * when v is NULL. */
void page_query(struct html *h, const char *key, const char *v);

/* A list download: "csv" or "xlsx" (anything else 400, said by the caller). */
struct page_download {
    struct export *x;
    FILE *f;
    char *buf;
    size_t len;
    enum export_format format;
};
/* Starts an export into memory with the columns given, its times on the
 * clock of r's config. */
int page_download_open(struct page_download *d, const struct web_req *r, enum export_format f,
                       const char *sheet, const struct export_column *cols, size_t n,
                       struct err *e);
/* Finishes it into out as an attachment named base.csv / base.xlsx (base is
 * ASCII letters, digits, '-' and '_'; anything else becomes '_'); on error
 * (rc != 0 from the rows) it frees everything and returns rc. */
int page_download_close(struct page_download *d, int rc, const char *base, struct web_resp *out,
                        struct err *e);

#endif
