/* config_table.c - every config key as one row {section, key, type, member,
 * bounds, default, doc} (redis config.c style), and the loader that walks
 * the YAML tree by it: the allowed keys of each section, the defaults, the
 * range checks and `fupin check --keys` all come from the rows below, so a
 * new key is one row. Never accepts a key the table does not name. */
#include "config_internal.h"
#include "date.h"
#include "tz.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN_CFG(m) offsetof(struct config, m)
#define IN_CH(m) offsetof(struct config_channel, m)

/* Sections appear in the order of their first row: that is the order of the
 * "allowed:" lists and of loading. */
const struct config_key config_keys[] = {
    {"", "database", CK_PATH, IN_CFG(database), .flags = CKF_REQUIRED,
     .doc = N_("the database file")},
    {"", "policies", CK_PATH, IN_CFG(policies_dir), .flags = CKF_REQUIRED,
     .doc = N_("the policy folder")},
    {"", "language", CK_CHOICE, IN_CFG(language), .dflt_text = "zh-CN", .choices = "zh-CN|en",
     .doc = N_("what people read; LANGUAGE, LC_ALL or LC_MESSAGES override it")},
    {"", "reload", CK_CHOICE, IN_CFG(reload), .dflt_text = "auto", .choices = "auto|review",
     .doc = N_("auto: an edited policy goes live once it checks; review: it waits for "
               "fupin change activate")},
    {"", "lua", CK_PATH, IN_CFG(lua_dir), .dflt_text = "../lua", .flags = CKF_FROM_POLICIES,
     .doc = N_("the Lua library policies use (fp.lua)")},
    {"", "policy_tests", CK_PATH, IN_CFG(policy_tests_dir), .dflt_text = "../tests/policies",
     .flags = CKF_FROM_POLICIES, .doc = N_("the policy test cases (fupin test)")},
    {"plugins", "dir", CK_PATH, IN_CFG(plugin_dir), .dflt_text = "../build/plugins",
     .doc = N_("the plugin .so files (FUPIN_PLUGIN_DIR overrides it)")},
    {"plugins", "load", CK_NAMES, IN_CFG(plugins), .doc = N_("the plugins to run")},
    {"", "params", CK_PARAMS, IN_CFG(params),
     .doc = N_("the figures policies read; each is declared by the policy that reads it")},
    {"schedule", "nightly_at", CK_TIME, IN_CFG(nightly_at), .dflt_text = "02:00",
     .doc = N_("when the nightly supervision job runs")},
    {"schedule", "timezone", CK_ZONE, IN_CFG(timezone), .dflt_text = "Asia/Shanghai",
     .doc = N_("the zone of nightly_at and of today's date")},
    {"escalation", "county_days", CK_INT, IN_CFG(escalation_county_days), 0, 3650, 7,
     .doc = N_("days overdue before the county is alerted")},
    {"escalation", "city_days", CK_INT, IN_CFG(escalation_city_days), 0, 3650, 30,
     .doc = N_("days overdue before the city is alerted (>= county_days)")},
    {"channels.file", "dir", CK_PATH, IN_CH(dir), .dflt_text = "../var/spool",
     .flags = CKF_IN_CHANNEL, .doc = N_("spool folder: one JSON line per message")},
    {"channels.webhook", "url", CK_TEXT, IN_CH(url), .flags = CKF_IN_CHANNEL | CKF_REQUIRED,
     .doc = N_("HTTP POST target")},
    {"channels.webhook", "timeout_s", CK_INT, IN_CH(timeout_s), 1, 3600, 10,
     .flags = CKF_IN_CHANNEL, .doc = N_("seconds before a POST is given up")},
    {"channels.email", "url", CK_TEXT, IN_CH(url), .flags = CKF_IN_CHANNEL | CKF_REQUIRED,
     .doc = N_("SMTP server, smtp://host:port")},
    {"channels.email", "from", CK_TEXT, IN_CH(from), .flags = CKF_IN_CHANNEL | CKF_REQUIRED,
     .doc = N_("sender address")},
    {"channels.email", "username", CK_TEXT, IN_CH(username), .flags = CKF_IN_CHANNEL | CKF_EMPTY_OK,
     .doc = N_("SMTP login (optional)")},
    {"channels.email", "password", CK_TEXT, IN_CH(password), .flags = CKF_IN_CHANNEL | CKF_EMPTY_OK,
     .doc = N_("SMTP password (optional)")},
    {"channels.email", "timeout_s", CK_INT, IN_CH(timeout_s), 1, 3600, 30, .flags = CKF_IN_CHANNEL,
     .doc = N_("seconds before a send is given up")},
    {"delivery", "max_attempts", CK_INT, IN_CFG(delivery_max_attempts), 1, 1000, 12,
     .doc = N_("deliveries tried before a message is given up")},
    {"delivery", "backoff_s", CK_INT, IN_CFG(delivery_backoff_s), 0, 86400, 30,
     .doc = N_("first retry delay, doubled each time")},
    {"log", "level", CK_CHOICE, IN_CFG(log_level), .dflt_text = "info",
     .choices = "debug|info|warn|error", .doc = N_("lines below this level are dropped")},
    {"engine", "workers", CK_INT, IN_CFG(workers), 1, 64, 2,
     .doc = N_("evaluation worker processes (fupin run, fupin eval)")},
    {"engine", "worker_deadline_factor", CK_INT, IN_CFG(worker_deadline_factor), 2, 1000, 4,
     .doc = N_("a policy call running this many times limits.wall_ms gets its worker killed")},
    {"engine", "poll_ms", CK_INT, IN_CFG(poll_ms), 10, 3600000, 500,
     .doc = N_("fallback check for changes when file events are missed")},
    {"engine", "batch_size", CK_INT, IN_CFG(batch_size), 1, 1000000, 256,
     .doc = N_("households written per transaction")},
    {"engine", "as_of", CK_DAY, IN_CFG(as_of), .dflt_text = "",
     .doc = N_("evaluate as of this date; empty: today")},
    {"http", "listen", CK_LISTEN, IN_CFG(http_listen),
     .doc = N_("the web console's address, e.g. 127.0.0.1:8080; absent: no console")},
    {"http", "session_minutes", CK_INT, IN_CFG(http_session_minutes), 1, 10080, 480,
     .doc = N_("a console session ends this many minutes after login")},
    {"http", "idle_minutes", CK_INT, IN_CFG(http_idle_minutes), 1, 10080, 60,
     .doc = N_("a console session unused this many minutes ends")},
    {"http", "threads", CK_INT, IN_CFG(http_threads), 1, 16, 2,
     .doc = N_("threads answering console requests")},
    {"http", "max_connections", CK_INT, IN_CFG(http_max_connections), 1, 10000, 64,
     .doc = N_("open console connections at once")},
    {"http", "per_ip", CK_INT, IN_CFG(http_per_ip), 1, 10000, 16,
     .doc = N_("open console connections from one address")},
    {"http", "login_failures", CK_INT, IN_CFG(http_login_failures), 1, 1000, 5,
     .doc = N_("failed logins of one user before that user's logins are refused for a while")},
    {"http", "login_failures_per_address", CK_INT, IN_CFG(http_login_failures_per_address), 1,
     100000, 20,
     .doc = N_("failed logins from one address before its logins are refused for a while")},
    {"http", "login_window_minutes", CK_INT, IN_CFG(http_login_window_min), 1, 1440, 15,
     .doc = N_("the while of login_failures, in minutes")},
    {"http", "tls_cert", CK_PATH, IN_CFG(http_tls_cert),
     .doc = N_("PEM certificate: the console speaks HTTPS (with tls_key)")},
    {"http", "tls_key", CK_PATH, IN_CFG(http_tls_key), .doc = N_("PEM private key of tls_cert")},
    {"http", "trusted_proxies", CK_ADDRS, IN_CFG(http_trusted_proxies),
     .doc = N_("addresses of reverse proxies whose X-Forwarded-For names the visitor")},
    {"http", "secure_cookies", CK_CHOICE, IN_CFG(http_secure_cookies), .dflt_text = "false",
     .choices = "false|true",
     .doc = N_("true: Secure cookies although the console speaks HTTP (behind a TLS proxy)")},
    {"limits", "instructions", CK_LONG, IN_CFG(lua_instructions), 1000, 1000000000L, 1000000,
     .doc = N_("Lua instructions per policy and household (fupin test and check)")},
    {"limits", "memory_kb", CK_LONG, IN_CFG(lua_memory_kb), 64, 16L * 1024 * 1024, 16384,
     .doc = N_("memory of one Lua state")},
    {"limits", "wall_ms", CK_INT, IN_CFG(lua_wall_ms), 1, 3600000, 500,
     .doc = N_("wall-clock time per policy and household")},
};
const size_t config_n_keys = sizeof config_keys / sizeof config_keys[0];

#define CHANNELS "channels"
#define N_CHANNELS 3 /* the channels.* sections above */

static void *slot_of(const struct config_key *k, void *target)
{
    return (char *)target + k->offset;
}

static void label_of(const struct config_key *k, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s", k->section, k->section[0] ? "." : "", k->name);
}

/* ---- one value of each type ---- */

/* A text value; *out is replaced (the old value freed). */
static int get_text(struct config_load_ctx *c, const struct ynode *n, const char *label,
                    int may_be_empty, char **out)
{
    char got[80];
    if (n->kind != YNODE_SCALAR || (!may_be_empty && !n->value[0]))
        return config_fail(c, n, _("%s: expected text, got %s"), label,
                           config_describe(n, got, sizeof got));
    char *s = strdup(n->value);
    if (!s)
        return config_oom(c);
    free(*out);
    *out = s;
    return 0;
}

static int get_long(struct config_load_ctx *c, const struct ynode *n, const struct config_key *k,
                    const char *label, long *out)
{
    char got[80];
    if (n->kind == YNODE_SCALAR && n->is_plain && config_is_nonfinite(n))
        return config_fail(c, n, _("%s: %s is out of range (%ld..%ld): not a finite number"), label,
                           config_describe(n, got, sizeof got), k->min, k->max);
    long v = 0;
    int ok = n->kind == YNODE_SCALAR && n->is_plain && n->value[0] &&
             !isspace((unsigned char)n->value[0]);
    if (ok) {
        char *end;
        errno = 0;
        v = strtol(n->value, &end, 10);
        ok = !*end;
        if (ok && errno == ERANGE)
            return config_fail(c, n, _("%s: %s is out of range (%ld..%ld)"), label,
                               config_describe(n, got, sizeof got), k->min, k->max);
    }
    if (!ok)
        return config_fail(c, n, _("%s: expected an integer, got %s"), label,
                           config_describe(n, got, sizeof got));
    if (v < k->min || v > k->max)
        return config_fail(c, n, _("%s: %ld is out of range (%ld..%ld)"), label, v, k->min, k->max);
    *out = v;
    return 0;
}

static int get_choice(struct config_load_ctx *c, const struct ynode *n, const struct config_key *k,
                      const char *label, char **out)
{
    int rc = get_text(c, n, label, 0, out);
    if (rc)
        return rc;
    size_t len = strlen(*out);
    for (const char *s = k->choices; *s;) {
        size_t w = strcspn(s, "|");
        if (w == len && strncmp(s, *out, w) == 0)
            return 0;
        s += w + (s[w] == '|');
    }
    /* "debug|info|warn|error" -> "debug, info, warn or error" */
    char words[120];
    size_t o = 0, count = 0;
    for (const char *s = k->choices; *s; s++)
        count += *s == '|';
    for (const char *s = k->choices; *s && o < sizeof words - 1; s++) {
        if (*s != '|') {
            words[o++] = *s;
            continue;
        }
        const char *sep = --count ? _(", ") : _(" or ");
        o += (size_t)snprintf(words + o, sizeof words - o, "%s", sep);
    }
    words[o < sizeof words ? o : sizeof words - 1] = '\0';
    return config_fail(c, n, _("%s: expected %s, got \"%.40s\""), label, words, *out);
}

static int get_time(struct config_load_ctx *c, const struct ynode *n, const char *label, char *out)
{
    const char *s = n->kind == YNODE_SCALAR ? n->value : "";
    int ok = strlen(s) == 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
             s[2] == ':' && isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]) &&
             atoi(s) < 24 && atoi(s + 3) < 60;
    if (!ok) {
        char got[80];
        return config_fail(c, n, _("%s: expected a time \"HH:MM\" (00:00-23:59), got %s"), label,
                           config_describe(n, got, sizeof got));
    }
    memcpy(out, s, 6);
    return 0;
}

static int get_zone(struct config_load_ctx *c, const struct ynode *n, const char *label, char **out)
{
    int rc = get_text(c, n, label, 0, out);
    if (rc)
        return rc;
    int offset_s;
    struct err ze;
    if (tz_offset(*out, &offset_s, &ze) != 0)
        return config_fail(c, n, "%s", ze.msg);
    return 0;
}

static int get_day(struct config_load_ctx *c, const struct ynode *n, const char *label, char *out)
{
    char got[80];
    if (n->kind != YNODE_SCALAR || (n->value[0] && !date_is_valid(n->value)))
        return config_fail(c, n, _("%s: expected \"\" or a date YYYY-MM-DD, got %s"), label,
                           config_describe(n, got, sizeof got));
    snprintf(out, 11, "%s", n->value);
    return 0;
}

static int get_names(struct config_load_ctx *c, const struct ynode *n, const char *label)
{
    struct config *cfg = c->cfg;
    if (n->kind == YNODE_SCALAR && n->is_plain && !n->value[0])
        return 0;
    char got[80];
    if (n->kind != YNODE_SEQ)
        return config_fail(c, n, _("%s: expected a list of plugin names, got %s"), label,
                           config_describe(n, got, sizeof got));
    cfg->plugins = calloc(n->n_children ? n->n_children : 1, sizeof *cfg->plugins);
    if (!cfg->plugins)
        return config_oom(c);
    for (const struct ynode *v = n->child; v; v = v->next) {
        int ok = v->kind == YNODE_SCALAR && v->value[0];
        /* Names become file names: letters, digits and _ only. */
        for (const char *s = ok ? v->value : ""; *s && ok; s++)
            ok = isalnum((unsigned char)*s) || *s == '_';
        if (!ok)
            return config_fail(c, v, _("%s: expected a plugin name (letters, digits, _), got %s"),
                               label, config_describe(v, got, sizeof got));
        for (size_t i = 0; i < cfg->n_plugins; i++) {
            if (strcmp(cfg->plugins[i], v->value) == 0)
                return config_fail(c, v, _("%s: \"%s\" is listed twice"), label, v->value);
        }
        if (!(cfg->plugins[cfg->n_plugins] = strdup(v->value)))
            return config_oom(c);
        cfg->n_plugins++;
    }
    return 0;
}

static int load_value(struct config_load_ctx *c, const struct config_key *k, const struct ynode *n,
                      void *target)
{
    char label[64];
    label_of(k, label, sizeof label);
    void *slot = slot_of(k, target);
    long v;
    int rc;
    switch (k->type) {
    case CK_PATH: {
        char *raw = NULL;
        if ((rc = get_text(c, n, label, 0, &raw)))
            return rc;
        char *abs = config_path_join(c->cfg->dir, raw);
        free(raw);
        if (!abs)
            return config_oom(c);
        free(*(char **)slot);
        *(char **)slot = abs;
        return 0;
    }
    case CK_TEXT:
        return get_text(c, n, label, (k->flags & CKF_EMPTY_OK) != 0, slot);
    case CK_INT:
        if ((rc = get_long(c, n, k, label, &v)))
            return rc;
        *(int *)slot = (int)v;
        return 0;
    case CK_LONG:
        return get_long(c, n, k, label, slot);
    case CK_CHOICE:
        return get_choice(c, n, k, label, slot);
    case CK_TIME:
        return get_time(c, n, label, slot);
    case CK_ZONE:
        return get_zone(c, n, label, slot);
    case CK_DAY:
        return get_day(c, n, label, slot);
    case CK_NAMES:
        return get_names(c, n, label);
    case CK_LISTEN: {
        if ((rc = get_text(c, n, label, 0, slot)))
            return rc;
        char host[64];
        int port;
        struct err le;
        if (config_listen_parse(*(char **)slot, host, sizeof host, &port, &le) != 0)
            return config_fail(c, n, "%s: %s", label, le.msg);
        return 0;
    }
    case CK_ADDRS: {
        if ((rc = get_text(c, n, label, 0, slot)))
            return rc;
        struct err le;
        if (config_addrs_check(*(char **)slot, &le) != 0)
            return config_fail(c, n, "%s: %s", label, le.msg);
        return 0;
    }
    case CK_PARAMS:
        if (n->key) {
            c->cfg->params_line = n->key->line;
            c->cfg->params_col = n->key->col;
        }
        return config_load_params(c, n);
    }
    return 0;
}

/* ---- defaults ---- */

static int set_default(struct config_load_ctx *c, const struct config_key *k, void *target)
{
    void *slot = slot_of(k, target);
    switch (k->type) {
    case CK_INT:
        *(int *)slot = (int)k->dflt;
        return 0;
    case CK_LONG:
        *(long *)slot = k->dflt;
        return 0;
    case CK_TEXT:
    case CK_CHOICE:
    case CK_ZONE:
        if (k->dflt_text && !(*(char **)slot = strdup(k->dflt_text)))
            return config_oom(c);
        return 0;
    case CK_TIME:
        snprintf(slot, 6, "%s", k->dflt_text);
        return 0;
    case CK_DAY:
        snprintf(slot, 11, "%s", k->dflt_text);
        return 0;
    default: /* paths are resolved once the folders are known (set_default_paths) */
        return 0;
    }
}

static int set_default_path(struct config_load_ctx *c, const struct config_key *k, void *target)
{
    char **slot = slot_of(k, target);
    if (k->type != CK_PATH || !k->dflt_text || *slot)
        return 0;
    const char *base = k->flags & CKF_FROM_POLICIES ? c->cfg->policies_dir : c->cfg->dir;
    if (!(*slot = config_path_join(base, k->dflt_text)))
        return config_oom(c);
    return 0;
}

/* ---- sections ---- */

/* The name of the next section level under section for row k: "engine" for
 * ("", engine.workers), "file" for ("channels", channels.file.dir); NULL when
 * k lies elsewhere or directly in section. */
static const char *child_section(const char *section, const struct config_key *k, size_t *len)
{
    size_t sl = strlen(section);
    const char *rest;
    if (sl == 0)
        rest = k->section;
    else if (strncmp(k->section, section, sl) == 0 && k->section[sl] == '.')
        rest = k->section + sl + 1;
    else
        return NULL;
    if (!rest[0])
        return NULL;
    *len = strcspn(rest, ".");
    return rest;
}

/* The keys allowed in section, in table order: its own rows and the names
 * of the sections under it. Returns how many (at most max). */
static size_t allowed_keys(const char *section, const char **names, size_t *lens, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < config_n_keys && n < max; i++) {
        const struct config_key *k = &config_keys[i];
        const char *name = NULL;
        size_t len = 0;
        if (strcmp(k->section, section) == 0) {
            name = k->name;
            len = strlen(name);
        } else {
            name = child_section(section, k, &len);
        }
        if (!name)
            continue;
        int seen = 0;
        for (size_t j = 0; j < n && !seen; j++)
            seen = lens[j] == len && strncmp(names[j], name, len) == 0;
        if (!seen) {
            names[n] = name;
            lens[n++] = len;
        }
    }
    return n;
}

static int check_keys(struct config_load_ctx *c, const struct ynode *map, const char *section,
                      const char **names, const size_t *lens, size_t n)
{
    for (const struct ynode *v = map->child; v; v = v->next) {
        size_t len = strlen(v->key->value);
        int ok = 0;
        for (size_t i = 0; i < n && !ok; i++)
            ok = lens[i] == len && strncmp(names[i], v->key->value, len) == 0;
        if (ok)
            continue;
        char list[200];
        size_t o = 0;
        list[0] = '\0';
        for (size_t i = 0; i < n && o < sizeof list; i++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%.*s", i ? ", " : "", (int)lens[i],
                                  names[i]);
        if (section[0])
            return config_fail(c, v->key, _("unknown key \"%s\" in %s (allowed: %s)"),
                               v->key->value, section, list);
        return config_fail(c, v->key, _("unknown top-level key \"%s\" (allowed: %s)"),
                           v->key->value, list);
    }
    return 0;
}

/* A section is a mapping, or nothing at all (every key commented out):
 * *map is NULL for nothing. */
static int get_section(struct config_load_ctx *c, const struct ynode *n, const char *name,
                       const struct ynode **map)
{
    *map = NULL;
    if (!n || (n->kind == YNODE_SCALAR && n->is_plain && !n->value[0]))
        return 0;
    if (n->kind != YNODE_MAP) {
        char got[80];
        return config_fail(c, n, _("%s: expected a mapping, got %s"), name,
                           config_describe(n, got, sizeof got));
    }
    *map = n;
    return 0;
}

static int load_section(struct config_load_ctx *c, const struct ynode *map,
                        const struct ynode *blame, const char *section, void *target);

/* channels.<name>: a channel of its own, with its rows' defaults. */
static int load_channel(struct config_load_ctx *c, const struct ynode *n, const char *section)
{
    struct config *cfg = c->cfg;
    const struct ynode *map;
    int rc;
    if ((rc = get_section(c, n, section, &map)))
        return rc;
    struct config_channel *ch = &cfg->channels[cfg->n_channels++];
    if (!(ch->name = strdup(section + sizeof CHANNELS)))
        return config_oom(c);
    for (size_t i = 0; i < config_n_keys; i++)
        if (strcmp(config_keys[i].section, section) == 0 &&
            (rc = set_default(c, &config_keys[i], ch)))
            return rc;
    if ((rc = load_section(c, map, map ? map : n, section, ch)))
        return rc;
    for (size_t i = 0; i < config_n_keys; i++)
        if (strcmp(config_keys[i].section, section) == 0 &&
            (rc = set_default_path(c, &config_keys[i], ch)))
            return rc;
    return 0;
}

/* Loads the rows of section found in map (NULL: none given) into target and
 * recurses into the sections under it. blame is where a missing required
 * key is reported. */
static int load_section(struct config_load_ctx *c, const struct ynode *map,
                        const struct ynode *blame, const char *section, void *target)
{
    const char *names[32];
    size_t lens[32];
    size_t n = allowed_keys(section, names, lens, 32);
    int rc;
    if (map && (rc = check_keys(c, map, section, names, lens, n)))
        return rc;
    int is_channels = strcmp(section, CHANNELS) == 0;
    if (is_channels) {
        c->cfg->channels = calloc(N_CHANNELS, sizeof *c->cfg->channels);
        if (!c->cfg->channels)
            return config_oom(c);
    }
    for (size_t i = 0; i < n; i++) {
        char name[48];
        snprintf(name, sizeof name, "%.*s", (int)lens[i], names[i]);
        const struct ynode *v = config_yaml_get(map, name);
        const struct config_key *row = NULL;
        for (size_t j = 0; j < config_n_keys && !row; j++)
            if (strcmp(config_keys[j].section, section) == 0 &&
                strcmp(config_keys[j].name, name) == 0)
                row = &config_keys[j];
        char sub[64];
        snprintf(sub, sizeof sub, "%s%s%s", section, section[0] ? "." : "", name);
        if (row) {
            if (v)
                rc = load_value(c, row, v, target);
            else if (!(row->flags & CKF_REQUIRED))
                rc = 0;
            else if (section[0])
                rc = config_fail(c, blame, _("%s: missing required key \"%s\""), section, name);
            else
                rc =
                    config_fail(c, blame, _("missing required key \"%s\" (%s)"), name, _(row->doc));
        } else if (is_channels) {
            rc = v ? load_channel(c, v, sub) : 0;
        } else if (strcmp(sub, CHANNELS) == 0 && !v) {
            /* No channels: section at all: the file spool still works. */
            c->cfg->channels = calloc(N_CHANNELS, sizeof *c->cfg->channels);
            rc = c->cfg->channels ? load_channel(c, NULL, CHANNELS ".file") : config_oom(c);
        } else {
            const struct ynode *inner;
            if (!(rc = get_section(c, v, sub, &inner)))
                rc = load_section(c, inner, inner ? inner : blame, sub, target);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- checks across keys, and the whole load ---- */

static int check_escalation(struct config_load_ctx *c, const struct ynode *root)
{
    struct config *cfg = c->cfg;
    if (cfg->escalation_city_days >= cfg->escalation_county_days)
        return 0;
    const struct ynode *map = config_yaml_get(root, "escalation");
    const struct ynode *at = config_yaml_get(map, "city_days");
    return config_fail(c,
                       at    ? at
                       : map ? map
                             : root,
                       _("escalation.city_days (%d) must not be less than county_days (%d)"),
                       cfg->escalation_city_days, cfg->escalation_county_days);
}

/* A certificate without its key (or the reverse) cannot serve HTTPS. */
static int check_tls(struct config_load_ctx *c, const struct ynode *root)
{
    struct config *cfg = c->cfg;
    if (!cfg->http_tls_cert == !cfg->http_tls_key)
        return 0;
    const struct ynode *map = config_yaml_get(root, "http");
    const struct ynode *at = config_yaml_get(map, cfg->http_tls_cert ? "tls_cert" : "tls_key");
    return config_fail(c,
                       at    ? at
                       : map ? map
                             : root,
                       _("http.tls_cert and http.tls_key go together: give both or neither"));
}

int config_load_table(struct config_load_ctx *c, const struct ynode *root)
{
    struct config *cfg = c->cfg;
    int rc;
    if (root && root->kind != YNODE_MAP) {
        char got[80];
        return config_fail(c, root, _("expected a mapping of settings at the top, got %s"),
                           config_describe(root, got, sizeof got));
    }
    cfg->params_line = cfg->params_col = 1;
    for (size_t i = 0; i < config_n_keys; i++)
        if (!(config_keys[i].flags & CKF_IN_CHANNEL) && (rc = set_default(c, &config_keys[i], cfg)))
            return rc;
    if ((rc = load_section(c, root, root, "", cfg)) || (rc = check_escalation(c, root)) ||
        (rc = check_tls(c, root)))
        return rc;
    /* Tests and packagers point at a build tree without editing the file. */
    const char *env = getenv("FUPIN_PLUGIN_DIR");
    if (env && env[0]) {
        char *dir = config_path_normalize(env);
        if (!dir)
            return config_oom(c);
        free(cfg->plugin_dir);
        cfg->plugin_dir = dir;
    }
    for (size_t i = 0; i < config_n_keys; i++)
        if (!(config_keys[i].flags & CKF_IN_CHANNEL) &&
            (rc = set_default_path(c, &config_keys[i], cfg)))
            return rc;
    return 0;
}

/* ---- the table as documentation ---- */

static const char *type_words(const struct config_key *k)
{
    switch (k->type) {
    case CK_PATH:
        return _("path");
    case CK_TEXT:
        return _("text");
    case CK_INT:
    case CK_LONG:
        return _("integer");
    case CK_CHOICE:
        return _("one of");
    case CK_TIME:
        return _("time HH:MM");
    case CK_ZONE:
        return _("time zone");
    case CK_DAY:
        return _("date YYYY-MM-DD or \"\"");
    case CK_NAMES:
        return _("list of names");
    case CK_PARAMS:
        return _("mapping");
    case CK_LISTEN:
        return _("address HOST:PORT");
    case CK_ADDRS:
        return _("IP addresses, separated by commas");
    }
    return "?";
}

/* Columns on a terminal: a CJK or full-width character takes two, and
 * printf's %-28s counts bytes (three per Chinese character). */
static int display_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp = *p;
        int n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        if (n > 1) {
            cp &= 0x3F >> (n - 1);
            for (int i = 1; i < n && (p[i] & 0xC0) == 0x80; i++)
                cp = cp << 6 | (p[i] & 0x3F);
        }
        w += cp >= 0x2E80 && cp <= 0xFFEF ? 2 : 1;
        for (int i = 0; i < n && *p; i++)
            p++;
    }
    return w;
}

static void print_padded(FILE *out, const char *s, int width)
{
    int pad = width - display_width(s);
    fprintf(out, "%s%*s ", s, pad > 0 ? pad : 0, "");
}

void config_print_keys(FILE *out)
{
    for (size_t i = 0; i < config_n_keys; i++) {
        const struct config_key *k = &config_keys[i];
        char label[64], what[96], dflt[64];
        label_of(k, label, sizeof label);
        if (k->type == CK_INT || k->type == CK_LONG)
            snprintf(what, sizeof what, _("integer %ld..%ld"), k->min, k->max);
        else if (k->type == CK_CHOICE)
            snprintf(what, sizeof what, _("one of %s"), k->choices);
        else
            snprintf(what, sizeof what, "%s", type_words(k));
        if (k->flags & CKF_REQUIRED)
            snprintf(dflt, sizeof dflt, "%s", _("required"));
        else if (k->type == CK_INT || k->type == CK_LONG)
            snprintf(dflt, sizeof dflt, _("default %ld"), k->dflt);
        else if (k->dflt_text)
            snprintf(dflt, sizeof dflt, _("default \"%s\"%s"), k->dflt_text,
                     k->type != CK_PATH             ? ""
                     : k->flags & CKF_FROM_POLICIES ? _(" (from policies)")
                                                    : _(" (from this file)"));
        else
            snprintf(dflt, sizeof dflt, "%s", _("optional"));
        print_padded(out, label, 26);
        print_padded(out, what, 28);
        print_padded(out, dflt, 34);
        fprintf(out, "%s\n", _(k->doc));
    }
}
