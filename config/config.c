/* config.c - loads the YAML config into struct config: reads the file (at
 * most 1 MiB), builds the marked tree (config_yaml.c), checks every key and
 * type and fills in defaults. Never touches the database; never half-loads:
 * on any error the caller gets nothing but the message. */
#include "config_internal.h"
#include "date.h"
#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
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
    return err_set(c->e, ERR_FAIL, "%s: out of memory", c->path);
}

const char *config_describe(const struct ynode *n, char *buf, size_t size)
{
    if (n->kind == YNODE_MAP)
        return "a mapping";
    if (n->kind == YNODE_SEQ)
        return "a list";
    if (n->is_plain && !n->value[0])
        return "nothing";
    snprintf(buf, size, "\"%.40s%s\"", n->value, strlen(n->value) > 40 ? "..." : "");
    return buf;
}

/* "a/./b/../c" -> "a/c", lexically: the directory part is already absolute
 * and canonical (realpath), so ".." never crosses a symlink we did not see. */
static char *path_normalize(const char *in)
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

/* rel resolved against base (unless absolute), normalized; malloc'd. */
static char *path_join(const char *base, const char *rel)
{
    if (rel[0] == '/')
        return path_normalize(rel);
    size_t n = strlen(base) + strlen(rel) + 2;
    char *tmp = malloc(n);
    if (!tmp)
        return NULL;
    snprintf(tmp, n, "%s/%s", base, rel);
    char *out = path_normalize(tmp);
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

/* ---- typed accessors: each names the dotted key in its message ---- */

static int check_keys(struct config_load_ctx *c, const struct ynode *map, const char *where,
                      const char *const *allowed)
{
    for (const struct ynode *v = map->child; v; v = v->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, v->key->value) == 0;
        if (ok)
            continue;
        char list[160];
        size_t o = 0;
        list[0] = '\0';
        for (const char *const *a = allowed; *a && o < sizeof list; a++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", a == allowed ? "" : ", ", *a);
        if (where[0])
            return config_fail(c, v->key, "unknown key \"%s\" in %s (allowed: %s)", v->key->value,
                               where, list);
        return config_fail(c, v->key, "unknown top-level key \"%s\" (allowed: %s)", v->key->value,
                           list);
    }
    return 0;
}

/* A section: a mapping, or nothing at all (every key commented out). Sets
 * *map NULL for "nothing". */
static int get_section(struct config_load_ctx *c, const struct ynode *n, const char *name,
                       const struct ynode **map)
{
    *map = NULL;
    if (!n || (n->kind == YNODE_SCALAR && n->is_plain && !n->value[0]))
        return 0;
    if (n->kind != YNODE_MAP) {
        char got[80];
        return config_fail(c, n, "%s: expected a mapping, got %s", name,
                           config_describe(n, got, sizeof got));
    }
    *map = n;
    return 0;
}

static int get_long(struct config_load_ctx *c, const struct ynode *map, const char *section,
                    const char *key, long min, long max, long *out)
{
    const struct ynode *n = config_yaml_get(map, key);
    if (!n)
        return 0;
    char got[80];
    long v = 0;
    int ok = n->kind == YNODE_SCALAR && n->is_plain && n->value[0];
    if (ok) {
        char *end;
        errno = 0;
        v = strtol(n->value, &end, 10);
        ok = !*end && errno != ERANGE && !isspace((unsigned char)n->value[0]);
    }
    if (!ok)
        return config_fail(c, n, "%s.%s: expected an integer, got %s", section, key,
                           config_describe(n, got, sizeof got));
    if (v < min || v > max)
        return config_fail(c, n, "%s.%s: %ld is out of range (%ld..%ld)", section, key, v, min,
                           max);
    *out = v;
    return 0;
}

static int get_int(struct config_load_ctx *c, const struct ynode *map, const char *section,
                   const char *key, int min, int max, int *out)
{
    long v = *out;
    int rc = get_long(c, map, section, key, min, max, &v);
    *out = (int)v;
    return rc;
}

/* A text value; *out is replaced (the old value freed) only when present. */
static int get_str(struct config_load_ctx *c, const struct ynode *map, const char *section,
                   const char *key, int may_be_empty, char **out)
{
    const struct ynode *n = config_yaml_get(map, key);
    if (!n)
        return 0;
    char got[80];
    if (n->kind != YNODE_SCALAR || (!may_be_empty && !n->value[0]))
        return config_fail(c, n, "%s%s%s: expected text, got %s", section, section[0] ? "." : "",
                           key, config_describe(n, got, sizeof got));
    char *s = strdup(n->value);
    if (!s)
        return config_oom(c);
    free(*out);
    *out = s;
    return 0;
}

/* A path, resolved against the config's directory. */
static int get_path(struct config_load_ctx *c, const struct ynode *map, const char *section,
                    const char *key, char **out)
{
    char *raw = NULL;
    int rc = get_str(c, map, section, key, 0, &raw);
    if (rc || !raw)
        return rc;
    char *abs = path_join(c->cfg->dir, raw);
    free(raw);
    if (!abs)
        return config_oom(c);
    free(*out);
    *out = abs;
    return 0;
}

static int set_default_path(struct config_load_ctx *c, char **slot, const char *base,
                            const char *rel)
{
    if (*slot)
        return 0;
    if (!(*slot = path_join(base, rel)))
        return config_oom(c);
    return 0;
}

/* ---- sections ---- */

static int load_plugins(struct config_load_ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"dir", "load", NULL};
    const struct ynode *map;
    int rc;
    if ((rc = get_section(c, n, "plugins", &map)) || !map)
        return rc;
    if ((rc = check_keys(c, map, "plugins", keys)) ||
        (rc = get_path(c, map, "plugins", "dir", &c->cfg->plugin_dir)))
        return rc;
    const struct ynode *load = config_yaml_get(map, "load");
    if (!load || (load->kind == YNODE_SCALAR && load->is_plain && !load->value[0]))
        return 0;
    char got[80];
    if (load->kind != YNODE_SEQ)
        return config_fail(c, load, "plugins.load: expected a list of plugin names, got %s",
                           config_describe(load, got, sizeof got));
    c->cfg->plugins = calloc(load->n_children ? load->n_children : 1, sizeof *c->cfg->plugins);
    if (!c->cfg->plugins)
        return config_oom(c);
    for (const struct ynode *v = load->child; v; v = v->next) {
        int ok = v->kind == YNODE_SCALAR && v->value[0];
        /* Names become file names: letters, digits and _ only. */
        for (const char *s = ok ? v->value : ""; *s && ok; s++)
            ok = isalnum((unsigned char)*s) || *s == '_';
        if (!ok)
            return config_fail(c, v,
                               "plugins.load: expected a plugin name (letters, digits, _), "
                               "got %s",
                               config_describe(v, got, sizeof got));
        for (size_t i = 0; i < c->cfg->n_plugins; i++) {
            if (strcmp(c->cfg->plugins[i], v->value) == 0)
                return config_fail(c, v, "plugins.load: \"%s\" is listed twice", v->value);
        }
        if (!(c->cfg->plugins[c->cfg->n_plugins] = strdup(v->value)))
            return config_oom(c);
        c->cfg->n_plugins++;
    }
    return 0;
}

static int load_schedule(struct config_load_ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"nightly_at", "timezone", NULL};
    const struct ynode *map;
    int rc;
    if ((rc = get_section(c, n, "schedule", &map)) || !map)
        return rc;
    if ((rc = check_keys(c, map, "schedule", keys)) ||
        (rc = get_str(c, map, "schedule", "timezone", 0, &c->cfg->timezone)))
        return rc;
    const struct ynode *zone = config_yaml_get(map, "timezone");
    int offset_s;
    struct err ze;
    if (zone && tz_offset(c->cfg->timezone, &offset_s, &ze) != 0)
        return config_fail(c, zone, "%s", ze.msg);
    const struct ynode *at = config_yaml_get(map, "nightly_at");
    if (!at)
        return 0;
    const char *s = at->kind == YNODE_SCALAR ? at->value : "";
    int ok = strlen(s) == 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
             s[2] == ':' && isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]) &&
             atoi(s) < 24 && atoi(s + 3) < 60;
    if (!ok) {
        char got[80];
        return config_fail(c, at,
                           "schedule.nightly_at: expected a time \"HH:MM\" (00:00-23:59), "
                           "got %s",
                           config_describe(at, got, sizeof got));
    }
    memcpy(c->cfg->nightly_at, s, 6);
    return 0;
}

static int load_escalation(struct config_load_ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"county_days", "city_days", NULL};
    const struct ynode *map;
    int rc;
    if ((rc = get_section(c, n, "escalation", &map)) || !map)
        return rc;
    struct config *cfg = c->cfg;
    if ((rc = check_keys(c, map, "escalation", keys)) ||
        (rc =
             get_int(c, map, "escalation", "county_days", 0, 3650, &cfg->escalation_county_days)) ||
        (rc = get_int(c, map, "escalation", "city_days", 0, 3650, &cfg->escalation_city_days)))
        return rc;
    if (cfg->escalation_city_days < cfg->escalation_county_days) {
        const struct ynode *at = config_yaml_get(map, "city_days");
        return config_fail(c, at ? at : map,
                           "escalation.city_days (%d) must not be less than county_days (%d)",
                           cfg->escalation_city_days, cfg->escalation_county_days);
    }
    return 0;
}

static int load_channel(struct config_load_ctx *c, const struct ynode *n, const char *name)
{
    static const char *const file_keys[] = {"dir", NULL};
    static const char *const webhook_keys[] = {"url", "timeout_s", NULL};
    static const char *const email_keys[] = {"url",      "from",      "username",
                                             "password", "timeout_s", NULL};
    char where[32];
    snprintf(where, sizeof where, "channels.%s", name);
    const struct ynode *map;
    int rc;
    if ((rc = get_section(c, n, where, &map)))
        return rc;
    struct config *cfg = c->cfg;
    struct config_channel *ch = &cfg->channels[cfg->n_channels++];
    if (!(ch->name = strdup(name)))
        return config_oom(c);
    int is_file = strcmp(name, "file") == 0, is_email = strcmp(name, "email") == 0;
    ch->timeout_s = is_email ? 30 : 10;
    if (map) {
        const char *const *keys = is_file ? file_keys : is_email ? email_keys : webhook_keys;
        if ((rc = check_keys(c, map, where, keys)))
            return rc;
        if (is_file) {
            rc = get_path(c, map, where, "dir", &ch->dir);
        } else {
            if (!(rc = get_str(c, map, where, "url", 0, &ch->url)))
                rc = get_int(c, map, where, "timeout_s", 1, 3600, &ch->timeout_s);
            if (!rc && is_email && !(rc = get_str(c, map, where, "from", 0, &ch->from)) &&
                !(rc = get_str(c, map, where, "username", 1, &ch->username)))
                rc = get_str(c, map, where, "password", 1, &ch->password);
        }
        if (rc)
            return rc;
    }
    if (is_file)
        return set_default_path(c, &ch->dir, cfg->dir, "../var/spool");
    const char *missing = !ch->url ? "url" : is_email && !ch->from ? "from" : NULL;
    if (missing)
        return config_fail(c, map ? map : n, "%s: missing required key \"%s\"", where, missing);
    return 0;
}

static int load_channels(struct config_load_ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"file", "webhook", "email", NULL};
    struct config *cfg = c->cfg;
    cfg->channels = calloc(3, sizeof *cfg->channels);
    if (!cfg->channels)
        return config_oom(c);
    if (!n) /* no channels: section at all: the file spool still works */
        return load_channel(c, NULL, "file");
    const struct ynode *map;
    int rc;
    if ((rc = get_section(c, n, "channels", &map)) || !map)
        return rc;
    if ((rc = check_keys(c, map, "channels", keys)))
        return rc;
    for (const struct ynode *v = map->child; v; v = v->next) {
        if ((rc = load_channel(c, v, v->key->value)))
            return rc;
    }
    return 0;
}

static int load_small_sections(struct config_load_ctx *c, const struct ynode *root)
{
    static const char *const delivery_keys[] = {"max_attempts", "backoff_s", NULL};
    static const char *const log_keys[] = {"level", NULL};
    static const char *const engine_keys[] = {"workers", "poll_ms", "batch_size", "as_of", NULL};
    static const char *const limit_keys[] = {"instructions", "memory_kb", "wall_ms", NULL};
    struct config *cfg = c->cfg;
    const struct ynode *map;
    int rc;

    if ((rc = get_section(c, config_yaml_get(root, "delivery"), "delivery", &map)))
        return rc;
    if (map &&
        ((rc = check_keys(c, map, "delivery", delivery_keys)) ||
         (rc = get_int(c, map, "delivery", "max_attempts", 1, 1000, &cfg->delivery_max_attempts)) ||
         (rc = get_int(c, map, "delivery", "backoff_s", 0, 86400, &cfg->delivery_backoff_s))))
        return rc;

    if ((rc = get_section(c, config_yaml_get(root, "log"), "log", &map)))
        return rc;
    if (map && ((rc = check_keys(c, map, "log", log_keys)) ||
                (rc = get_str(c, map, "log", "level", 0, &cfg->log_level))))
        return rc;
    if (strcmp(cfg->log_level, "debug") && strcmp(cfg->log_level, "info") &&
        strcmp(cfg->log_level, "warn") && strcmp(cfg->log_level, "error"))
        return config_fail(c, config_yaml_get(map, "level"),
                           "log.level: expected debug, info, warn or error, got \"%.40s\"",
                           cfg->log_level);

    if ((rc = get_section(c, config_yaml_get(root, "engine"), "engine", &map)))
        return rc;
    if (map && ((rc = check_keys(c, map, "engine", engine_keys)) ||
                (rc = get_int(c, map, "engine", "workers", 1, 64, &cfg->workers)) ||
                (rc = get_int(c, map, "engine", "poll_ms", 10, 3600000, &cfg->poll_ms)) ||
                (rc = get_int(c, map, "engine", "batch_size", 1, 1000000, &cfg->batch_size))))
        return rc;
    const struct ynode *as_of = config_yaml_get(map, "as_of");
    if (as_of) {
        char got[80];
        if (as_of->kind != YNODE_SCALAR || (as_of->value[0] && !date_is_valid(as_of->value)))
            return config_fail(c, as_of, "engine.as_of: expected \"\" or a date YYYY-MM-DD, got %s",
                               config_describe(as_of, got, sizeof got));
        snprintf(cfg->as_of, sizeof cfg->as_of, "%s", as_of->value);
    }

    if ((rc = get_section(c, config_yaml_get(root, "limits"), "limits", &map)))
        return rc;
    if (map && ((rc = check_keys(c, map, "limits", limit_keys)) ||
                (rc = get_long(c, map, "limits", "instructions", 1000, 1000000000L,
                               &cfg->lua_instructions)) ||
                (rc = get_long(c, map, "limits", "memory_kb", 64, 16L * 1024 * 1024,
                               &cfg->lua_memory_kb)) ||
                (rc = get_int(c, map, "limits", "wall_ms", 1, 3600000, &cfg->lua_wall_ms))))
        return rc;
    return 0;
}

static int set_defaults(struct config_load_ctx *c)
{
    struct config *cfg = c->cfg;
    memcpy(cfg->nightly_at, "02:00", 6);
    cfg->escalation_county_days = 7;
    cfg->escalation_city_days = 30;
    cfg->delivery_max_attempts = 12;
    cfg->delivery_backoff_s = 30;
    cfg->workers = 2;
    cfg->poll_ms = 500;
    cfg->batch_size = 256;
    cfg->lua_instructions = 1000000;
    cfg->lua_memory_kb = 16384;
    cfg->lua_wall_ms = 500;
    if (!(cfg->timezone = strdup("Asia/Shanghai")) || !(cfg->log_level = strdup("info")))
        return config_oom(c);
    return 0;
}

static int load_tree(struct config_load_ctx *c, const struct ynode *root)
{
    static const char *const keys[] = {
        "database",   "policies", "lua",      "policy_tests", "plugins", "params", "schedule",
        "escalation", "channels", "delivery", "log",          "engine",  "limits", NULL};
    struct config *cfg = c->cfg;
    int rc;
    if (root && root->kind != YNODE_MAP) {
        char got[80];
        return config_fail(c, root, "expected a mapping of settings at the top, got %s",
                           config_describe(root, got, sizeof got));
    }
    if (root && (rc = check_keys(c, root, "", keys)))
        return rc;
    if (!root || !config_yaml_get(root, "database"))
        return config_fail(c, root, "missing required key \"database\" (the database file)");
    if (!config_yaml_get(root, "policies"))
        return config_fail(c, root, "missing required key \"policies\" (the policy folder)");
    if ((rc = set_defaults(c)) || (rc = get_path(c, root, "", "database", &cfg->database)) ||
        (rc = get_path(c, root, "", "policies", &cfg->policies_dir)) ||
        (rc = get_path(c, root, "", "lua", &cfg->lua_dir)) ||
        (rc = get_path(c, root, "", "policy_tests", &cfg->policy_tests_dir)) ||
        (rc = load_plugins(c, config_yaml_get(root, "plugins"))) ||
        (rc = config_load_params(c, config_yaml_get(root, "params"))) ||
        (rc = load_schedule(c, config_yaml_get(root, "schedule"))) ||
        (rc = load_escalation(c, config_yaml_get(root, "escalation"))) ||
        (rc = load_channels(c, config_yaml_get(root, "channels"))) ||
        (rc = load_small_sections(c, root)))
        return rc;
    if ((rc = set_default_path(c, &cfg->lua_dir, cfg->policies_dir, "../lua")) ||
        (rc = set_default_path(c, &cfg->policy_tests_dir, cfg->policies_dir, "../tests/policies")))
        return rc;
    /* Tests and packagers point at a build tree without editing the file. */
    const char *env = getenv("FUPIN_PLUGIN_DIR");
    if (env && env[0]) {
        char *dir = path_normalize(env);
        if (!dir)
            return config_oom(c);
        free(cfg->plugin_dir);
        cfg->plugin_dir = dir;
    }
    return set_default_path(c, &cfg->plugin_dir, cfg->dir, "../build/plugins");
}

/* Reads the whole file into a malloc'd buffer, refusing more than 1 MiB
 * before reading it. */
static int read_file(const char *path, char **text, size_t *len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_FAIL, "%s: cannot read: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    char *buf = NULL;
    if (fstat(fileno(f), &st) != 0) {
        rc = err_set(e, ERR_FAIL, "%s: cannot read: %s", path, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = err_set(e, ERR_FAIL, "%s: cannot read: %s", path, strerror(EISDIR));
        goto fail;
    }
    if (st.st_size > CONFIG_MAX_BYTES) {
        rc = err_set(e, ERR_INVALID, "%s:1:1: file is %lld bytes, over the 1 MiB limit", path,
                     (long long)st.st_size);
        goto fail;
    }
    /* Read one byte past the limit: a file that grew since fstat is caught. */
    buf = malloc(CONFIG_MAX_BYTES + 2);
    if (!buf) {
        rc = err_set(e, ERR_FAIL, "%s: out of memory", path);
        goto fail;
    }
    size_t n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
    if (ferror(f)) {
        rc = err_set(e, ERR_FAIL, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
        goto fail;
    }
    if (n > CONFIG_MAX_BYTES) {
        rc = err_set(e, ERR_INVALID, "%s:1:1: file is over the 1 MiB limit", path);
        goto fail;
    }
    buf[n] = '\0';
    fclose(f);
    *text = buf;
    *len = n;
    return 0;
fail:
    free(buf);
    fclose(f);
    return rc;
}

int config_load(const char *path, struct config **out, struct err *e)
{
    struct arena arena = {0};
    struct config *cfg = NULL;
    char *text = NULL;
    size_t len = 0;
    struct ynode *root;
    *out = NULL;
    int rc = read_file(path, &text, &len, e);
    if (rc)
        return rc;
    if ((rc = config_yaml_parse(path, text, len, &arena, &root, e)))
        goto fail;
    cfg = calloc(1, sizeof *cfg);
    struct config_load_ctx c = {.path = path, .cfg = cfg, .e = e};
    if (!cfg || !(cfg->path = strdup(path))) {
        rc = err_set(e, ERR_FAIL, "%s: out of memory", path);
        goto fail;
    }
    if (!(cfg->dir = config_dir_of(path))) {
        rc = err_set(e, ERR_FAIL, "%s: cannot resolve its directory: %s", path, strerror(errno));
        goto fail;
    }
    if ((rc = load_tree(&c, root)))
        goto fail;
    arena_free(&arena);
    free(text);
    *out = cfg;
    return 0;
fail:
    config_free(cfg);
    arena_free(&arena);
    free(text);
    return rc;
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->dir);
    free(cfg->database);
    free(cfg->policies_dir);
    free(cfg->lua_dir);
    free(cfg->policy_tests_dir);
    free(cfg->plugin_dir);
    for (size_t i = 0; i < cfg->n_plugins; i++)
        free(cfg->plugins[i]);
    free(cfg->plugins);
    for (size_t i = 0; i < cfg->n_params; i++) {
        free(cfg->params[i].key);
        free(cfg->params[i].string);
        free(cfg->params[i].years);
        free(cfg->params[i].values);
    }
    free(cfg->params);
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
