/* session.c - signing in and out: the login page, the password check with
 * its rate limits, new sessions (a new id at every login, only its hash
 * stored), and finding the session of a request. Never writes a password
 * or a session id anywhere, never tells a wrong name from a wrong password. */
#include "i18n.h"
#include "log.h"
#include "server_internal.h"
#include "store_user.h"

#include <stdio.h>
#include <string.h>

/* A session's last_seen is written at most this often: a page view is a
 * read, not a write, for most requests. */
#define TOUCH_EVERY_S 60

void web_session_find(struct web_conn *c, const char *cookie_header, int64_t now)
{
    struct web_server *s = c->server;
    char token[AUTH_TOKEN_SIZE];
    c->session_hash[0] = 0;
    if (!cookie_header || form_cookie(cookie_header, SESSION_COOKIE, token, sizeof token) != 0 ||
        strlen(token) != AUTH_TOKEN_SIZE - 1)
        return;
    char hash[AUTH_TOKEN_SIZE];
    auth_token_hash(token, hash);
    struct store_session row;
    struct err e = {{0}};
    int rc =
        store_session_get(c->req.ro, hash, now, (int64_t)s->cfg->http_idle_minutes * 60, &row, &e);
    if (rc) {
        if (rc != ERR_NOTFOUND)
            log_event(LOG_ERROR, "web.store_failed", "cannot read the session: %s", e.msg);
        return;
    }
    int role = web_role_parse(row.user.role);
    if (role < 0)
        return;
    c->user.id = row.user.id;
    snprintf(c->user.name, sizeof c->user.name, "%s", row.user.name);
    c->user.role = (enum web_role)role;
    snprintf(c->user.region, sizeof c->user.region, "%s", row.user.region);
    snprintf(c->csrf, sizeof c->csrf, "%.64s", row.csrf);
    memcpy(c->session_hash, hash, sizeof hash);
    if (now - row.last_seen >= TOUCH_EVERY_S) {
        struct store *rw = web_thread_rw(s, &e);
        if (!rw || store_session_touch(rw, hash, now, &s->stop, &e) != 0)
            log_event(LOG_WARN, "web.store_failed", "cannot note the session's use: %s", e.msg);
    }
}

/* The login form. token: the login CSRF token (double-submitted: cookie and
 * hidden field), message: a line above the form or NULL. */
static void login_form(struct web_conn *c, struct web_resp *out, int status, const char *token,
                       const char *name, const char *message)
{
    struct html *h = &out->body;
    html_free(h);
    out->status = status;
    html_page_begin(h, NULL, _("Log in"));
    html_raw(h, "<div class=\"login card\"><h1>");
    html_text(h, _("Poverty Alleviation Console"));
    html_raw(h, "</h1>");
    if (message) {
        html_raw(h, "<p class=\"card error\" role=\"alert\">");
        html_text(h, message);
        html_raw(h, "</p>");
    }
    html_raw(h, "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" "
                "value=\"");
    html_attr(h, token);
    html_raw(h, "\"><label for=\"name\">");
    html_text(h, _("User name"));
    html_raw(h, "</label><input id=\"name\" name=\"name\" autocomplete=\"username\" required "
                "maxlength=\"63\" value=\"");
    html_attr(h, name ? name : "");
    html_raw(h, "\"><label for=\"password\">");
    html_text(h, _("Password"));
    html_raw(h, "</label><input id=\"password\" name=\"password\" type=\"password\" "
                "autocomplete=\"current-password\" required><p><button class=\"primary\" "
                "type=\"submit\">");
    html_text(h, _("Log in"));
    html_raw(h, "</button></p></form></div>");
    html_page_end(h);
    web_set_cookie(c, LOGIN_COOKIE, token, "/login", 3600);
}

int web_login_page(struct web_conn *c, struct web_resp *out, const char *cookie_header)
{
    /* A second login page (another tab, a reload) keeps the form token the
     * browser already holds, so the first form still signs in. Only a token
     * of our own shape is kept; anything else gets a fresh one. */
    char token[AUTH_TOKEN_SIZE] = "";
    if (!cookie_header || form_cookie(cookie_header, LOGIN_COOKIE, token, sizeof token) != 0 ||
        strlen(token) != AUTH_TOKEN_SIZE - 1 ||
        strspn(token, "0123456789abcdef") != AUTH_TOKEN_SIZE - 1)
        auth_token(token);
    login_form(c, out, 200, token, NULL, NULL);
    return 0;
}

static void audit(struct web_conn *c, const char *action, const char *subject, const char *detail)
{
    web_audit(&c->req, action, subject, detail);
}

int web_login(struct web_conn *c, struct web_resp *out, const char *cookie_header, int64_t now)
{
    struct web_server *s = c->server;
    const struct config *cfg = s->cfg;
    char expected[AUTH_TOKEN_SIZE] = "";
    if (cookie_header)
        form_cookie(cookie_header, LOGIN_COOKIE, expected, sizeof expected);
    const char *name = form_get(&c->form, "name");
    const char *password = form_get(&c->form, "password");
    char fresh[AUTH_TOKEN_SIZE];
    auth_token(fresh);
    if (!auth_equal(form_get(&c->form, "csrf"), expected)) {
        login_form(c, out, 403, fresh, NULL, _("The login form has expired. Please log in again."));
        return 0;
    }
    if (!name || !name[0] || !password || !password[0]) {
        login_form(c, out, 400, fresh, name, _("Enter your user name and password."));
        return 0;
    }
    if (strlen(name) >= sizeof c->user.name || strlen(password) > AUTH_PASSWORD_MAX) {
        login_form(c, out, 400, fresh, NULL, _("The user name or the password is too long."));
        return 0;
    }
    struct err e = {{0}};
    struct store *rw = web_thread_rw(s, &e);
    int by_name = 0, by_remote = 0;
    int64_t window = (int64_t)cfg->http_login_window_min * 60;
    if (!rw || store_login_failures(c->req.ro, name, c->remote, now - window, &by_name, &by_remote,
                                    &e) != 0) {
        log_event(LOG_ERROR, "web.store_failed", "cannot check the login attempts: %s", e.msg);
        web_error(out, 500, _("The database cannot be opened; try again later."));
        return 0;
    }
    if (by_name >= cfg->http_login_failures || by_remote >= cfg->http_login_failures_per_address) {
        log_event(LOG_WARN, "web.login_refused",
                  "login refused for a while: %d failures for the name, %d from %s", by_name,
                  by_remote, c->remote);
        audit(c, "login_refused", name, by_name >= cfg->http_login_failures ? "user" : "address");
        char msg[256];
        snprintf(msg, sizeof msg,
                 _("Too many failed logins. Try again in %d minutes, or ask an administrator."),
                 cfg->http_login_window_min);
        login_form(c, out, 429, fresh, name, msg);
        return 0;
    }
    struct store_user u;
    int rc = store_user_get(c->req.ro, name, &u, &e);
    if (rc && rc != ERR_NOTFOUND) {
        log_event(LOG_ERROR, "web.store_failed", "cannot read the user: %s", e.msg);
        web_error(out, 500, _("The database cannot be opened; try again later."));
        return 0;
    }
    int found = rc == 0 && !u.disabled && web_role_parse(u.role) >= 0;
    /* Verified also for nobody (against a decoy): the answer takes as long. */
    int ok = auth_verify_password(found ? u.hash : NULL, password) && found;
    if (store_login_record(rw, name, c->remote, now, ok, now - 86400, &s->stop, &e) != 0)
        log_event(LOG_ERROR, "web.store_failed", "cannot record the login attempt: %s", e.msg);
    if (!ok) {
        audit(c, "login_failed", name, rc == ERR_NOTFOUND ? "unknown user" : NULL);
        login_form(c, out, 401, fresh, name, _("The user name or the password is wrong."));
        return 0;
    }
    /* A session id the browser held before the login is never reused: a
     * planted id (session fixation) signs nobody in. */
    if (c->session_hash[0])
        store_session_end(rw, c->session_hash, now, &s->stop, &e);
    char token[AUTH_TOKEN_SIZE], hash[AUTH_TOKEN_SIZE], csrf[AUTH_TOKEN_SIZE];
    auth_token(token);
    auth_token(csrf);
    auth_token_hash(token, hash);
    int64_t life = (int64_t)cfg->http_session_minutes * 60;
    if (store_session_add(rw, hash, u.id, csrf, now, now + life, c->remote, &s->stop, &e) != 0) {
        log_event(LOG_ERROR, "web.store_failed", "cannot record the session: %s", e.msg);
        web_error(out, 500, _("The database cannot be opened; try again later."));
        return 0;
    }
    c->user.id = u.id;
    snprintf(c->user.name, sizeof c->user.name, "%s", u.name);
    c->user.role = (enum web_role)web_role_parse(u.role);
    snprintf(c->user.region, sizeof c->user.region, "%s", u.region);
    c->req.user = &c->user;
    audit(c, "login", u.name, NULL);
    web_set_cookie(c, SESSION_COOKIE, token, "/", (int)life);
    web_set_cookie(c, LOGIN_COOKIE, NULL, "/login", 0);
    web_redirect(out, "/");
    return 0;
}

int web_logout(struct web_conn *c, struct web_resp *out, int64_t now)
{
    struct web_server *s = c->server;
    struct err e = {{0}};
    struct store *rw = web_thread_rw(s, &e);
    if (!rw || store_session_end(rw, c->session_hash, now, &s->stop, &e) != 0) {
        log_event(LOG_ERROR, "web.store_failed", "cannot end the session: %s", e.msg);
        web_error(out, 500, _("The database cannot be opened; try again later."));
        return 0;
    }
    audit(c, "logout", c->user.name, NULL);
    web_set_cookie(c, SESSION_COOKIE, NULL, "/", 0);
    web_redirect(out, "/login");
    return 0;
}
