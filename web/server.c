/* server.c - the console's HTTP server: libmicrohttpd on its own thread
 * pool, each thread with its own SQLite connections, so evaluation, the
 * writer and the daemon's loop never wait on a request. Reads the request
 * (limits on headers, body and time), routes it (web_routes[], login and
 * logout), checks the session, the CSRF token and the role, and answers
 * with the security headers. Never lets a malformed request reach a page. */
#include "i18n.h"
#include "log.h"
#include "server_internal.h"
#include "store_user.h"
#include "web_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BODY_MAX (64 * 1024)
#define HEADER_MEMORY (32 * 1024)
#define CONNECTION_TIMEOUT_S 30

static const char csp[] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
                          "data:; form-action 'self'; frame-ancestors 'none'";

/* ---- this thread's connections ---- */

struct thread_stores {
    struct store *ro, *rw;
};

static void free_stores(void *p)
{
    struct thread_stores *t = p;
    store_close(t->ro);
    store_close(t->rw);
    free(t);
}

static struct thread_stores *thread_stores(struct web_server *s)
{
    struct thread_stores *t = pthread_getspecific(s->stores_key);
    if (!t && (t = calloc(1, sizeof *t)) != NULL && pthread_setspecific(s->stores_key, t) != 0) {
        free(t);
        t = NULL;
    }
    return t;
}

struct store *web_thread_ro(struct web_server *s, struct err *e)
{
    struct thread_stores *t = thread_stores(s);
    if (!t) {
        err_set(e, ERR_FAIL, "out of memory");
        return NULL;
    }
    if (!t->ro && store_open(s->cfg->database, STORE_READ, &t->ro, e) != 0)
        t->ro = NULL;
    int left = t->ro ? store_read_fresh(t->ro) : 0;
    if (left)
        log_event(LOG_WARN, "web.read_left_open",
                  "%d read(s) left open by an earlier request, ended", left);
    return t->ro;
}

struct store *web_thread_rw(struct web_server *s, struct err *e)
{
    struct thread_stores *t = thread_stores(s);
    if (!t) {
        err_set(e, ERR_FAIL, "out of memory");
        return NULL;
    }
    if (!t->rw && store_open(s->cfg->database, STORE_WRITE, &t->rw, e) != 0)
        t->rw = NULL;
    return t->rw;
}

/* ---- what web.h gives pages ---- */

static struct web_conn *conn_of(const struct web_req *r)
{
    return (struct web_conn *)r->server;
}

const char *web_param(const struct web_req *r, const char *name)
{
    struct web_conn *c = conn_of(r);
    const char *v = strcmp(r->method, "POST") == 0 ? form_get(&c->form, name) : NULL;
    return v ? v : form_get(&c->query, name);
}

int web_write_store(const struct web_req *r, struct store **out, struct err *e)
{
    return store_open(conn_of(r)->server->cfg->database, STORE_WRITE, out, e);
}

void web_audit(const struct web_req *r, const char *action, const char *subject, const char *detail)
{
    struct web_conn *c = conn_of(r);
    struct err e = {{0}};
    struct store *rw = web_thread_rw(c->server, &e);
    struct store_audit a = {
        .user_id = r->user ? r->user->id : 0,
        .user_name = r->user ? r->user->name : NULL,
        .action = action,
        .subject = subject,
        .remote = r->remote,
        .detail = detail,
    };
    if (!rw || store_audit_add(rw, &a, &c->server->stop, &e) != 0)
        log_event(LOG_ERROR, "web.audit_failed", "cannot write the audit log (%s): %s", action,
                  e.msg);
}

void web_set_cookie(struct web_conn *c, const char *name, const char *value, const char *path,
                    int max_age)
{
    size_t slot = c->cookies[0] ? 1 : 0;
    if (c->cookies[slot])
        return;
    char line[512];
    snprintf(line, sizeof line, "%s=%s; Path=%s; Max-Age=%d; HttpOnly; SameSite=Strict%s", name,
             value ? value : "", path, value ? max_age : 0,
             c->server->secure_cookies ? "; Secure" : "");
    c->cookies[slot] = strdup(line);
}

/* ---- answering ---- */

static enum MHD_Result send_resp(struct MHD_Connection *mc, struct web_conn *c,
                                 struct web_resp *out)
{
    if (out->body.bad) {
        html_free(&out->body);
        out->body.bad = 0;
        web_error(out, 500, _("The server ran out of memory."));
    }
    int status = out->status ? out->status : 200;
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        out->body.len, out->body.data ? out->body.data : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            out->content_type ? out->content_type : "text/html; charset=utf-8");
    MHD_add_response_header(resp, "Content-Security-Policy", csp);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
    if (out->location)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, out->location);
    if (out->filename) {
        /* The ASCII fallback for old clients, and the UTF-8 name. */
        struct html d = {0};
        html_raw(&d, "attachment; filename=\"");
        for (const char *p = out->filename; *p; p++)
            html_rawn(&d, (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? p : "_", 1);
        html_raw(&d, "\"; filename*=UTF-8''");
        html_url(&d, out->filename);
        if (!d.bad)
            MHD_add_response_header(resp, "Content-Disposition", d.data);
        html_free(&d);
    }
    for (int i = 0; c && i < 2; i++)
        if (c->cookies[i])
            MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, c->cookies[i]);
    enum MHD_Result rc = MHD_queue_response(mc, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void resp_free(struct web_resp *out)
{
    html_free(&out->body);
    free(out->location);
    free(out->filename);
}

static enum MHD_Result answer_error(struct MHD_Connection *mc, struct web_conn *c, int status,
                                    const char *msg)
{
    struct web_resp out = {0};
    web_error(&out, status, msg);
    enum MHD_Result rc = send_resp(mc, c, &out);
    resp_free(&out);
    return rc;
}

/* ---- routing ---- */

static const struct web_route *find_route(const char *method, const char *path, int *path_known)
{
    *path_known = 0;
    for (const struct web_route *rt = web_routes; rt->path; rt++) {
        size_t n = strlen(rt->path);
        int match = n > 1 && rt->path[n - 1] == '/' ? strncmp(path, rt->path, n) == 0
                                                    : strcmp(path, rt->path) == 0;
        if (!match)
            continue;
        *path_known = 1;
        if (strcmp(rt->method, method) == 0)
            return rt;
    }
    return NULL;
}

/* Everything after the request was read: inputs, session, route, page. */
static void handle(struct MHD_Connection *mc, struct web_conn *c, const char *method,
                   struct web_resp *out)
{
    struct web_server *s = c->server;
    int64_t now = (int64_t)time(NULL);
    const char *raw = c->uri ? c->uri : "/";
    const char *q = strchr(raw, '?');
    size_t plen = q ? (size_t)(q - raw) : strlen(raw);
    if (form_decode_path(raw, plen, c->path, sizeof c->path) != 0) {
        web_error(out, 400, _("The address of the page is malformed."));
        return;
    }
    if (q && form_parse(q + 1, strlen(q + 1), &c->query) != 0) {
        web_error(out, 400, _("A parameter in the address is malformed."));
        return;
    }
    int is_post = strcmp(method, "POST") == 0;
    if (is_post) {
        const char *ct =
            MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (c->body_len && (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0)) {
            web_error(out, 400, _("The form was sent in a format the console does not read."));
            return;
        }
        if (form_parse(c->body ? c->body : "", c->body_len, &c->form) != 0) {
            web_error(out, 400, _("A field of the form is malformed."));
            return;
        }
    }
    struct err e = {{0}};
    c->req = (struct web_req){
        .method = is_post ? "POST" : "GET",
        .path = c->path,
        .remote = c->remote,
        .cfg = s->cfg,
        .server = c,
    };
    if (!(c->req.ro = web_thread_ro(s, &e))) {
        log_event(LOG_ERROR, "web.store_failed", "cannot open the database: %s", e.msg);
        web_error(out, 500, _("The database cannot be opened; try again later."));
        return;
    }
    const char *cookie = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    web_session_find(c, cookie, now);
    if (c->session_hash[0]) {
        c->req.user = &c->user;
        c->req.csrf = c->csrf;
    }

    if (strcmp(c->path, "/login") == 0) {
        if (is_post)
            web_login(c, out, cookie, now);
        else if (c->req.user)
            web_redirect(out, "/");
        else
            web_login_page(c, out, cookie);
        return;
    }
    /* A POST without the session's token is refused before anything else
     * looks at it, whoever sent it. */
    if (is_post && (!c->req.user || !auth_equal(web_param(&c->req, "csrf"), c->csrf))) {
        if (c->req.user)
            web_audit(&c->req, "csrf_refused", c->path, NULL);
        web_error(out, 403,
                  _("The form has expired or did not come from this console. Open the "
                    "page again and repeat."));
        return;
    }
    if (strcmp(c->path, "/logout") == 0) {
        if (is_post)
            web_logout(c, out, now);
        else
            web_error(out, 405, _("This address only takes a form."));
        return;
    }
    /* The accounts are the server's, like login and logout. */
    if (strcmp(c->path, "/users") == 0 && !is_post && c->req.user) {
        if (c->user.role != WEB_ROLE_ADMIN) {
            web_audit(&c->req, "forbidden", c->path, NULL);
            web_error(out, 403, _("Your role may not open this page."));
        } else if (web_users_page(&c->req, out, &e) != 0) {
            log_event(LOG_ERROR, "web.page_failed", "GET /users: %s", e.msg);
            web_error(out, 500, _("The page could not be made; the error is in the server's log."));
        }
        return;
    }
    int known;
    const struct web_route *rt = find_route(c->req.method, c->path, &known);
    if (!c->req.user && !(rt && rt->roles == WEB_PUBLIC)) {
        web_redirect(out, "/login");
        return;
    }
    if (!rt) {
        if (known)
            web_error(out, 405, _("This address does not take this kind of request."));
        else
            web_error(out, 404, _("There is no such page."));
        return;
    }
    if (rt->roles != WEB_PUBLIC && !(rt->roles & WEB_ROLE_BIT(c->user.role))) {
        web_audit(&c->req, "forbidden", c->path, NULL);
        web_error(out, 403, _("Your role may not open this page."));
        return;
    }
    int rc = rt->fn(&c->req, out, &e);
    if (rc) {
        log_event(LOG_ERROR, "web.page_failed", "%s %s: %s", c->req.method, c->path, e.msg);
        web_error(out, 500, _("The page could not be made; the error is in the server's log."));
    }
}

static void remote_of(struct MHD_Connection *mc, char *buf, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, size, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)size);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct web_server *s = cls;
    struct web_conn *c = *con_cls;
    if (!c)
        return MHD_NO; /* the URI callback could not allocate it */
    int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int is_post = strcmp(method, "POST") == 0;
    if (!c->started) {
        c->started = 1;
        c->server = s;
        remote_of(mc, c->remote, sizeof c->remote);
        /* Behind a trusted reverse proxy (http.trusted_proxies) the
         * visitor is the entry that proxy appended; anything but an
         * address there leaves the proxy's own. */
        if (config_addr_in(s->cfg->http_trusted_proxies, c->remote))
            form_forwarded_for(MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Forwarded-For"),
                               c->remote, sizeof c->remote);
        if (!is_get && !is_post)
            return answer_error(mc, c, 405, _("This address does not take this kind of request."));
        const char *len =
            MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (len && strtoull(len, NULL, 10) > BODY_MAX)
            return answer_error(mc, c, 413, _("The form is too large."));
        if (is_post)
            return MHD_YES; /* the body follows */
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (!is_post || c->too_big || c->body_len + n > BODY_MAX) {
            c->too_big = 1;
            return MHD_YES;
        }
        char *b = realloc(c->body, c->body_len + n + 1);
        if (!b)
            return MHD_NO;
        memcpy(b + c->body_len, upload_data, n);
        c->body = b;
        c->body_len += n;
        c->body[c->body_len] = 0;
        return MHD_YES;
    }
    if (c->too_big)
        return answer_error(mc, c, 413, _("The form is too large."));
    struct web_resp out = {0};
    handle(mc, c, method, &out);
    enum MHD_Result rc = send_resp(mc, c, &out);
    resp_free(&out);
    return rc;
}

/* libmicrohttpd hands the raw request target here first: the server
 * decodes it itself, so a malformed % is refused instead of guessed at. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
    struct web_conn *c = calloc(1, sizeof *c);
    if (c && !(c->uri = strdup(uri ? uri : "/"))) {
        free(c);
        c = NULL;
    }
    return c;
}

static void on_done(void *cls, struct MHD_Connection *mc, void **con_cls,
                    enum MHD_RequestTerminationCode why)
{
    struct web_conn *c = *con_cls;
    if (!c)
        return;
    free(c->uri);
    free(c->body);
    form_free(&c->query);
    form_free(&c->form);
    free(c->cookies[0]);
    free(c->cookies[1]);
    free(c);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct web_server *s = cls;
    char msg[sizeof s->mhd_error];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = 0;
    log_event(LOG_DEBUG, "web.http_error", "%s", msg);
    /* Kept for the start-up's message; any server thread may complain. */
    pthread_mutex_lock(&s->mu);
    memcpy(s->mhd_error, msg, n + 1);
    pthread_mutex_unlock(&s->mu);
}

/* ---- start and stop ---- */

static int read_file(const char *path, char **out, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_INVALID, _("%s: cannot read it"), path);
    char *buf = malloc(1024 * 1024 + 1);
    size_t n = buf ? fread(buf, 1, 1024 * 1024, f) : 0;
    fclose(f);
    if (!buf)
        return err_set(e, ERR_FAIL, _("out of memory"));
    if (n == 0 || n == 1024 * 1024) {
        free(buf);
        return err_set(e, ERR_INVALID, _("%s: not a PEM file"), path);
    }
    buf[n] = 0;
    *out = buf;
    return 0;
}

int web_server_start(const char *config_path, struct web_server **out, struct err *e)
{
    *out = NULL;
    struct web_server *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, ERR_FAIL, _("out of memory"));
    pthread_mutex_init(&s->mu, NULL);
    int rc = config_load(config_path, &s->cfg, e);
    if (rc || !s->cfg->http_listen) {
        config_free(s->cfg);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return rc;
    }
    const struct config *cfg = s->cfg;
    char host[64];
    int port;
    if ((rc = config_listen_parse(cfg->http_listen, host, sizeof host, &port, e)) != 0 ||
        (rc = auth_init(e)) != 0)
        goto fail;
    snprintf(s->listen, sizeof s->listen, "%s", cfg->http_listen);
    if (cfg->http_tls_cert) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
            rc = err_set(e, ERR_INVALID,
                         _("http.tls_cert: this libmicrohttpd has no TLS; use a reverse proxy"));
            goto fail;
        }
        if ((rc = read_file(cfg->http_tls_cert, &s->tls_cert, e)) != 0 ||
            (rc = read_file(cfg->http_tls_key, &s->tls_key, e)) != 0)
            goto fail;
        s->tls = 1;
    }
    s->secure_cookies =
        s->tls || (cfg->http_secure_cookies && strcmp(cfg->http_secure_cookies, "true") == 0);
    if (pthread_key_create(&s->stores_key, free_stores) != 0) {
        rc = err_set(e, ERR_FAIL, _("out of memory"));
        goto fail;
    }

    struct sockaddr_storage ss = {0};
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (strchr(host, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, host, &a->sin6_addr);
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, host, &a->sin_addr);
    }
    if (s->tls)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    s->mhd = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->http_max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        /* behind a proxy every connection is the proxy's: it limits them */
        (unsigned)(cfg->http_trusted_proxies && cfg->http_trusted_proxies[0] ? 0
                                                                             : cfg->http_per_ip),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEMORY, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
        s, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!s->mhd) {
        rc = err_set(e, ERR_FAIL, _("the web console cannot listen on %s: %s"), s->listen,
                     s->mhd_error[0] ? s->mhd_error : _("address in use or not available"));
        pthread_key_delete(s->stores_key);
        goto fail;
    }
    log_event(LOG_INFO, "web.started", "web console on %s://%s (%d threads)",
              s->tls ? "https" : "http", s->listen, cfg->http_threads);
    *out = s;
    return 0;

fail:
    free(s->tls_cert);
    free(s->tls_key);
    config_free(s->cfg);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return rc;
}

void web_server_stop(struct web_server *s)
{
    if (!s)
        return;
    stop_request(&s->stop);
    /* Joins the server's threads: their connections close as they end. */
    MHD_stop_daemon(s->mhd);
    pthread_key_delete(s->stores_key);
    log_event(LOG_INFO, "web.stopped", "web console on %s stopped", s->listen);
    free(s->tls_cert);
    free(s->tls_key);
    config_free(s->cfg);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
