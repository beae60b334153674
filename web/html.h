/* html.h - a growable byte buffer that builds HTML safely. Text from the
 * database or the user goes only through html_text/html_attr, which escape it
 * and mask resident IDs; html_raw is for the page's own literal markup. */
#ifndef FUPIN_HTML_H
#define FUPIN_HTML_H

#include <stdarg.h>
#include <stddef.h>

struct html {
    char *data;
    size_t len, cap;
    int bad; /* out of memory: the server answers 500 */
};

void html_free(struct html *h);
/* Literal markup written by the page itself (never data). */
void html_raw(struct html *h, const char *s);
void html_rawn(struct html *h, const char *s, size_t n);
/* printf into the buffer, unescaped: only for numbers and the page's own
 * literals; every %s argument must already be safe markup. */
void html_rawf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text content: & < > " ' escaped, resident IDs masked. NULL writes nothing. */
void html_text(struct html *h, const char *s);
/* Same for an attribute value (also inside href query values, after
 * html_url_encode when it is part of a URL). */
void html_attr(struct html *h, const char *s);
/* Percent-encodes s for a query value. */
void html_url(struct html *h, const char *s);

/* The console's page frame: doctype, <head> with the embedded stylesheet (no
 * external resources: it works offline), the top bar with the user's name,
 * role, region and a logout form, then <main>. user_name may be NULL (login
 * page). page_end closes it. title is plain text (escaped). */
struct web_req;
void html_page_begin(struct html *h, const struct web_req *r, const char *title);
void html_page_end(struct html *h);
/* <form method=post action=...> with the hidden CSRF field; close with
 * html_raw(h, "</form>"). */
void html_form_begin(struct html *h, const struct web_req *r, const char *action);

#endif
