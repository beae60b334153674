/* server_internal.h - what server.c (sockets, requests, responses) and
 * session.c (login, logout, sessions, CSRF) share; nobody else includes it. */
#ifndef FUPIN_SERVER_INTERNAL_H
#define FUPIN_SERVER_INTERNAL_H

#include "auth.h"
#include "config.h"
#include "form.h"
#include "stop.h"
#include "store.h"
#include "web.h"

#include <pthread.h>
#include <stdint.h>

#define SESSION_COOKIE "fupin_session"
#define LOGIN_COOKIE "fupin_login"

struct web_server {
    struct config *cfg; /* the server's own copy, never reloaded */
    struct MHD_Daemon *mhd;
    atomic_int stop; /* stops a write waiting for the lock at shutdown */
    pthread_key_t stores_key;
    int tls;            /* HTTPS by libmicrohttpd */
    int secure_cookies; /* Secure on cookies (TLS here or at a proxy) */
    char *tls_cert, *tls_key;
    char listen[80];
    pthread_mutex_t mu;  /* guards mhd_error */
    char mhd_error[256]; /* the last complaint of libmicrohttpd, for start-up */
};

/* Per request: the raw target, the body read so far, the parsed inputs. */
struct web_conn {
    char *uri;
    char *body;
    size_t body_len;
    int started, too_big;
    struct form query, form;
    char path[1024];
    char remote[64];
    struct web_user user;
    char session_hash[AUTH_TOKEN_SIZE]; /* "" when no session */
    char csrf[AUTH_TOKEN_SIZE];
    int64_t last_seen;
    /* Set-Cookie lines of the answer (owned). */
    char *cookies[2];
    struct web_req req;
    struct web_server *server;
};

/* This thread's connections (opened on first use, closed when the server's
 * thread ends): ro for reads, rw for the sessions and the audit log. NULL
 * with e set when the database cannot be opened. */
struct store *web_thread_ro(struct web_server *s, struct err *e);
struct store *web_thread_rw(struct web_server *s, struct err *e);

/* Adds a Set-Cookie line for the answer; value NULL clears the cookie. */
void web_set_cookie(struct web_conn *c, const char *name, const char *value, const char *path,
                    int max_age);

/* Fills c->user, c->csrf and c->session_hash from the Cookie header when it
 * names a live session (and moves its last_seen); leaves them empty when
 * not. A store error is logged and treated as no session. */
void web_session_find(struct web_conn *c, const char *cookie_header, int64_t now);
/* GET /login, POST /login, POST /logout. */
int web_login_page(struct web_conn *c, struct web_resp *out, const char *cookie_header);
int web_login(struct web_conn *c, struct web_resp *out, const char *cookie_header, int64_t now);
int web_logout(struct web_conn *c, struct web_resp *out, int64_t now);
/* GET /users: the console's users, for administrators (users_page.c). */
int web_users_page(struct web_req *r, struct web_resp *out, struct err *e);

#endif
