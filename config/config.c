/* config.c - loads the YAML config into struct config: reads the file (at
 * most 1 MiB), builds the marked tree (config_yaml.c) and hands it to the
 * key table (config_table.c), which checks every key and type and fills in
 * defaults. Never touches the database; never half-loads: on any error the
 * caller gets nothing but the message. */
#include "config_internal.h"
#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES (1024 * 1024)

int config_fail(struct config_load_ctx *c, const struct ynode *n, const char *fmt, ...)
{
    char what[220];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_set(c->e, ERR_INVALID, "%s:%d:%d: %s", c->path, n ? n->line : 1, n ? n->col : 1,
                   what);
}

int config_oom(struct config_load_ctx *c)
{
    return err_set(c->e, ERR_FAIL, _("%s: out of memory"), c->path);
}

const char *config_describe(const struct ynode *n, char *buf, size_t size)
{
    if (n->kind == YNODE_MAP)
        return _("a mapping");
    if (n->kind == YNODE_SEQ)
        return _("a list");
    if (n->is_plain && !n->value[0])
        return _("nothing");
    snprintf(buf, size, _("\"%.40s%s\""), n->value, strlen(n->value) > 40 ? "..." : "");
    return buf;
}

/* "a/./b/../c" -> "a/c", lexically: the directory part is already absolute
 * and canonical (realpath), so ".." never crosses a symlink we did not see. */
char *config_path_normalize(const char *in)
{
    size_t len = strlen(in);
    char *out = malloc(len + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    int absolute = in[0] == '/';
    if (absolute)
        out[o++] = '/';
    size_t base = o; /* ".." never climbs above this */
    for (const char *s = in; *s;) {
        while (*s == '/')
            s++;
        const char *seg = s;
        while (*s && *s != '/')
            s++;
        size_t n = (size_t)(s - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            size_t back = o;
            while (back > base && out[back - 1] == '/')
                back--;
            size_t start = back;
            while (start > base && out[start - 1] != '/')
                start--;
            int prev_dotdot = back - start == 2 && out[start] == '.' && out[start + 1] == '.';
            if (back > base && !prev_dotdot) {
                o = start;
                continue;
            }
            if (absolute)
                continue;
        }
        if (o > base && out[o - 1] != '/')
            out[o++] = '/';
        memcpy(out + o, seg, n);
        o += n;
    }
    if (o == 0)
        out[o++] = '.';
    out[o] = '\0';
    return out;
}

char *config_path_join(const char *base, const char *rel)
{
    if (rel[0] == '/')
        return config_path_normalize(rel);
    size_t n = strlen(base) + strlen(rel) + 2;
    char *tmp = malloc(n);
    if (!tmp)
        return NULL;
    snprintf(tmp, n, "%s/%s", base, rel);
    char *out = config_path_normalize(tmp);
    free(tmp);
    return out;
}

/* The directory of path, absolute. */
static char *config_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *slash = strrchr(copy, '/');
    const char *dir = ".";
    if (slash == copy)
        dir = "/";
    else if (slash) {
        *slash = '\0';
        dir = copy;
    }
    char *real = realpath(dir, NULL);
    free(copy);
    return real;
}

int config_mail_address_ok(const char *s)
{
    /* RFC 5321's dot-atom on both sides, nothing quoted, no display name:
     * what a supervisor's mailbox needs, and nothing that can end a line,
     * close the <...> or start a second address in an SMTP command. */
    static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
    if (!s)
        return 0;
    const char *at = strchr(s, '@');
    size_t len = strlen(s);
    if (!at || at == s || len > 254 || (size_t)(at - s) > 64 || !at[1])
        return 0;
    for (const char *p = s; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        int dot_ok = *p == '.' && p > s && p + 1 < at && p[1] != '.';
        if (!((c < 0x80 && isalnum(c)) || (c && strchr(atext, c)) || dot_ok))
            return 0;
    }
    for (const char *p = at + 1; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int dot_ok = *p == '.' && p > at + 1 && p[1] && p[1] != '.';
        if (!((c < 0x80 && isalnum(c)) || c == '-' || dot_ok))
            return 0;
    }
    return 1;
}

/* The node of channels.email.<key>, for a message's line and column. */
static const struct ynode *email_node(const struct ynode *root, const char *key)
{
    const struct ynode *n = config_yaml_get(config_yaml_get(root, "channels"), "email");
    const struct ynode *v = config_yaml_get(n, key);
    return v ? v : n;
}

/* A byte that could end or split a protocol line: the C0 controls and DEL. */
static int has_control(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* The email channel's values go into SMTP commands and mail headers as
 * they are: refuse any that could inject a line (CR/LF) or a second
 * address, before a message is ever sent. */
static int check_email_channel(struct config_load_ctx *c, const struct ynode *root)
{
    const struct config_channel *ch = config_channel_find(c->cfg, "email");
    if (!ch)
        return 0;
    if (ch->from && !config_mail_address_ok(ch->from))
        return config_fail(c, email_node(root, "from"),
                           _("channels.email.from: 发件地址无效 (not a plain mail address such as "
                             "fupin@example.gov.cn: no name, <>, spaces or line breaks)"));
    if (ch->url && (has_control(ch->url) || strchr(ch->url, ' ')))
        return config_fail(c, email_node(root, "url"),
                           _("channels.email.url: a URL without spaces or control characters"));
    if (has_control(ch->username))
        return config_fail(c, email_node(root, "username"),
                           _("channels.email.username: control characters are not allowed"));
    if (has_control(ch->password))
        return config_fail(c, email_node(root, "password"),
                           _("channels.email.password: control characters are not allowed"));
    return 0;
}

/* Parses text (len bytes, taken over: freed here on failure, kept as
 * cfg->text on success) as the config named path; relative paths resolve
 * against dir, or against path's own folder when dir is NULL. */
static int load_text(const char *path, char *text, size_t len, const char *dir, struct config **out,
                     struct err *e)
{
    struct arena arena = {0};
    struct config *cfg = NULL;
    struct ynode *root;
    int rc = config_yaml_parse(path, text, len, &arena, &root, e);
    if (rc)
        goto fail;
    cfg = calloc(1, sizeof *cfg);
    struct config_load_ctx c = {.path = path, .cfg = cfg, .e = e};
    if (!cfg || !(cfg->path = strdup(path))) {
        rc = err_set(e, ERR_FAIL, _("%s: out of memory"), path);
        goto fail;
    }
    if (!(cfg->dir = dir ? strdup(dir) : config_dir_of(path))) {
        rc = err_set(e, ERR_FAIL, _("%s: cannot resolve its directory: %s"), path, strerror(errno));
        goto fail;
    }
    if ((rc = config_load_table(&c, root)) || (rc = check_email_channel(&c, root)))
        goto fail;
    arena_free(&arena);
    cfg->text = text;
    cfg->text_len = len;
    *out = cfg;
    return 0;
fail:
    config_free(cfg);
    arena_free(&arena);
    free(text);
    return rc;
}

int config_load(const char *path, struct config **out, struct err *e)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    /* Only a regular file is read, never blocking on a FIFO: a missing
     * file, a directory or a symlink loop is bad input (exit 2). */
    int rc = config_yaml_read_file(path, CONFIG_MAX_BYTES, &text, &len, e);
    if (rc)
        return rc;
    return load_text(path, text, len, NULL, out, e);
}

int config_load_copy(const char *copy, const char *path, const char *dir, struct config **out,
                     struct err *e)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (!dir || dir[0] != '/')
        return err_set(e, ERR_INVALID, _("%s: the base folder must be absolute"), path);
    int rc = config_yaml_read_file(copy, CONFIG_MAX_BYTES, &text, &len, e);
    if (rc)
        return rc;
    return load_text(path, text, len, dir, out, e);
}

static void free_params(struct config_param *params, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(params[i].key);
        free(params[i].string);
        free(params[i].years);
        free(params[i].values);
        free(params[i].year_line);
        free(params[i].year_col);
    }
    free(params);
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    free_params(cfg->params, cfg->n_params);
    if (cfg->base) { /* a copy from config_params_check: the rest is borrowed */
        free(cfg);
        return;
    }
    free(cfg->path);
    free(cfg->dir);
    free(cfg->text);
    free(cfg->database);
    free(cfg->policies_dir);
    free(cfg->lua_dir);
    free(cfg->policy_tests_dir);
    free(cfg->plugin_dir);
    for (size_t i = 0; i < cfg->n_plugins; i++)
        free(cfg->plugins[i]);
    free(cfg->plugins);
    free(cfg->timezone);
    for (size_t i = 0; i < cfg->n_channels; i++) {
        struct config_channel *ch = &cfg->channels[i];
        free(ch->name);
        free(ch->dir);
        free(ch->url);
        free(ch->from);
        free(ch->username);
        free(ch->password);
    }
    free(cfg->channels);
    free(cfg->log_level);
    free(cfg->language);
    free(cfg->reload);
    free(cfg->http_listen);
    free(cfg->http_tls_cert);
    free(cfg->http_tls_key);
    free(cfg->http_secure_cookies);
    free(cfg->http_trusted_proxies);
    free(cfg);
}

const struct config_channel *config_channel_find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; cfg && i < cfg->n_channels; i++) {
        if (strcmp(cfg->channels[i].name, name) == 0)
            return &cfg->channels[i];
    }
    return NULL;
}

void config_today(const struct config *cfg, char out[11])
{
    if (cfg && cfg->as_of[0]) {
        memcpy(out, cfg->as_of, 11);
        return;
    }
    /* config_load has checked the zone; a config built by hand with an
     * unknown one gets Beijing time, the offices' zone. */
    tz_today(cfg ? cfg->timezone : NULL, out);
}

int config_offset_s(const struct config *cfg)
{
    int offset_s = 0;
    if (tz_offset(cfg ? cfg->timezone : NULL, &offset_s, NULL) != 0)
        tz_offset(TZ_DEFAULT, &offset_s, NULL);
    return offset_s;
}
