/* web.h - the console's contract between the HTTP server (web/server.c) and
 * its pages (web/page_*.c). The server owns sockets, sessions, CSRF and the
 * audit log; a page only reads its request, checks the region scope and
 * fills a response. A page never writes the database except through the same
 * store functions the CLI calls, and never blocks the daemon's loop: every
 * request runs on the server's own threads with its own SQLite connections. */
#ifndef FUPIN_WEB_H
#define FUPIN_WEB_H

#include "err.h"
#include "html.h"

#include <stddef.h>
#include <stdint.h>

struct store;
struct config;

/* Roles, from the least to the most trusted. A role's region limits what the
 * user sees: its region and everything below it. policy staff see rules and
 * previews; only admins manage users. */
enum web_role {
    WEB_ROLE_CADRE,
    WEB_ROLE_TOWN,
    WEB_ROLE_COUNTY,
    WEB_ROLE_CITY,
    WEB_ROLE_POLICY,
    WEB_ROLE_ADMIN,
};
#define WEB_ROLE_BIT(r) (1u << (r))
#define WEB_ROLES_ALL 0x3fu

/* "cadre"... "admin" <-> enum; -1 / NULL for anything else. */
int web_role_parse(const char *s);
const char *web_role_name(enum web_role r);

/* The signed-in user of a request (copied from the session row). */
struct web_user {
    int64_t id;
    char name[64];
    enum web_role role;
    char region[32]; /* region code; the user sees it and everything below */
};

struct web_req {
    const char *method;          /* "GET" or "POST" */
    const char *path;            /* decoded path without the query: "/household/42" */
    const char *remote;          /* client address, for the audit log */
    const struct web_user *user; /* NULL only on pages routed with WEB_PUBLIC */
    const char *csrf;            /* the session's CSRF token, for forms (html_form_begin) */
    const struct config *cfg;
    struct store *ro; /* this thread's read-only connection */
    void *server;     /* the server's own state (web_write_store, params) */
};

/* A query-string or (POST) form value, NULL when absent. The server has
 * already refused bodies, headers and values over its limits. */
const char *web_param(const struct web_req *r, const char *name);

/* Opens a write connection for an action (accept, reject, ack, activate);
 * the caller closes it with store_close. Actions call the CLI's functions. */
int web_write_store(const struct web_req *r, struct store **out, struct err *e);

/* Appends a line to the audit log: who (r->user), when, what, from where. */
void web_audit(const struct web_req *r, const char *action, const char *subject,
               const char *detail);

/* 1 when the user may see region code (it is the user's region or lies below
 * it, following region.parent), 0 when not, negative on a store error. */
int web_region_allowed(const struct web_req *r, const char *code, struct err *e);

struct web_resp {
    int status;               /* 200 unless set */
    const char *content_type; /* default "text/html; charset=utf-8" */
    struct html body;         /* the page or the download's bytes */
    char *location;           /* for 303: owned, freed by the server */
    char *filename;           /* for downloads: Content-Disposition; owned */
};

/* Fills out as an error page: status 400/403/404/500 with msg (already in
 * the user's language, plain text; escaped here). Returns 0. */
int web_error(struct web_resp *out, int status, const char *msg);
/* 303 to location (copied). Returns 0. */
int web_redirect(struct web_resp *out, const char *location);

/* A page: returns 0 with out filled, or a negative ERR_* with e set (the
 * server answers 500 and logs e; e must not contain resident IDs). */
typedef int (*web_page_fn)(struct web_req *r, struct web_resp *out, struct err *e);

#define WEB_PUBLIC 0u /* roles == 0: no session needed (login page only) */

struct web_route {
    const char *method;
    const char *path; /* exact, or a prefix when it ends in '/' */
    unsigned roles;   /* WEB_ROLE_BIT(...) | ...; WEB_PUBLIC for none */
    web_page_fn fn;
};

/* The pages' routes, terminated by {0}; defined in web/pages.c. The server
 * answers 404 for a path no route matches and 403 for a role not listed. */
extern const struct web_route web_routes[];

#endif
