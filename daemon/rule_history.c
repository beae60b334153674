/* rule_history.c - the rule versions of a policy set into rule_version:
 * a Lua policy with its file's text (the hash in its source is the key),
 * a plugin by name and version, the params: as sorted key = value lines
 * under their own hash. Only adds; reads the policy files, writes nothing
 * but the history. */
#include "rule_history.h"
#include "engine.h"
#include "preview_run.h"
#include "store.h"
#include "store_rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The policy file of a Lua source "lua:<dir>/<file>.lua@<hash>", read from
 * the set's policy folder; NULL when unreadable or no longer that version
 * (edited since it loaded: then the text is filled in by a later run). */
static char *lua_text(const struct policy_set *set, const char *source)
{
    const char *slash = strrchr(source, '/'), *at = strrchr(source, '@');
    if (!slash || !at || at < slash)
        return NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/%.*s", set->cfg->policies_dir, (int)(at - slash - 1),
             slash + 1);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[8192];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* The params the policies see (defaults included), one "key = value" line
 * each in key order: the text of the params version. */
static char *params_text(const struct config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    for (size_t i = 0; i < cfg->n_params; i++) {
        const struct config_param *p = &cfg->params[i];
        fprintf(m, "%s = ", p->key);
        if (p->type == PARAM_NUMBER)
            fprintf(m, "%.17g\n", p->number);
        else if (p->type == PARAM_STRING)
            fprintf(m, "\"%s\"\n", p->string ? p->string : "");
        else {
            fputc('{', m);
            for (size_t y = 0; y < p->n_years; y++)
                fprintf(m, "%s%d: %.17g", y ? ", " : "", p->years[y], p->values[y]);
            fputs("}\n", m);
        }
    }
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

int rule_history_record(const struct policy_set *set, const char *by, struct err *e)
{
    struct store *st;
    int rc = store_open(set->cfg->database, STORE_WRITE, &st, e);
    if (rc)
        return rc;
    char now[20];
    engine_now(now);
    for (size_t i = 0; i < set->n_policies && !rc; i++) {
        const struct policy *p = &set->policies[i];
        const char *at = strrchr(p->source, '@');
        char *text = p->kind == POLICY_LUA ? lua_text(set, p->source) : NULL;
        struct rule_version v = {
            .kind = p->kind == POLICY_LUA ? RULE_POLICY : RULE_PLUGIN,
            .name = p->name,
            .source = p->source,
            .hash = at ? at + 1 : "",
            .text = text,
            .by = by,
            .now = now,
        };
        rc = store_rule_version_record(st, &v, NULL, e);
        free(text);
    }
    char *text = rc ? NULL : params_text(set->cfg);
    if (text) {
        char hash[17], source[32];
        snprintf(hash, sizeof hash, "%016" PRIx64, fnv1a(text));
        snprintf(source, sizeof source, "params@%s", hash);
        struct rule_version v = {.kind = RULE_PARAMS,
                                 .name = "params",
                                 .source = source,
                                 .hash = hash,
                                 .text = text,
                                 .by = by,
                                 .now = now};
        rc = store_rule_version_record(st, &v, NULL, e);
        if (!rc)
            rc = store_params_live(st, source, e);
        free(text);
    }
    store_close(st);
    return rc;
}

int rule_history_summarize_change(const struct config *cfg, int64_t id, const char *since,
                                  struct err *e)
{
    struct store *st;
    char *json = NULL;
    int rc = store_open(cfg->database, STORE_WRITE, &st, e);
    if (rc)
        return rc;
    rc = store_change_summary(st, id, &json, e);
    if (!rc && json)
        rc = store_rule_version_summarize(st, since, json, e);
    free(json);
    /* The daemon loaded the versions; the person who activated the change
     * put them live, and the history names them. */
    struct rule_change c;
    int got = rc || id <= 0 ? ERR_NOTFOUND : store_change_get(st, id, &c, e);
    if (got == 0) {
        if (c.decided_by && *c.decided_by)
            rc = store_rule_version_activated_by(st, since, c.decided_by, e);
        rule_change_clear(&c);
    } else if (got != ERR_NOTFOUND) {
        rc = got;
    }
    store_close(st);
    return rc;
}

int rule_history_auto_begin(const struct config *cfg, const char *what, const char *policies,
                            const char *now, struct store **keep, int64_t *id, struct err *e)
{
    struct store *st;
    *keep = NULL;
    int rc = store_open(cfg->database, STORE_WRITE, &st, e);
    if (rc)
        return rc;
    rc = store_change_record_auto(st, what, policies, now, id, e);
    if (rc) {
        store_close(st);
        return rc;
    }
    *keep = st;
    return 0;
}

int rule_history_auto_finish(struct store *st, int64_t id, const char *since,
                             const struct store_tally *tally, struct err *e)
{
    struct rule_diff *d = NULL;
    size_t n = 0;
    char *json = NULL;
    struct preview p;
    preview_init(&p);
    int rc = store_tally_diffs(tally, &d, &n, e);
    for (size_t i = 0; !rc && i < n; i++) {
        struct preview_counts c = {
            .n = {[PREVIEW_ADDED] = d[i].added,
                  [PREVIEW_WITHDRAWN] = d[i].withdrawn,
                  [PREVIEW_CHANGED] = d[i].changed},
            .before = d[i].amount_before,
            .after = d[i].amount_after,
        };
        rc = preview_add_counts(&p, d[i].policy, d[i].measure, &c);
    }
    if (!rc) {
        preview_finish(&p);
        rc = preview_json(&p, &json, e);
    }
    if (!rc)
        rc = store_change_set_summary(st, id, json, e);
    if (!rc)
        rc = store_rule_version_summarize(st, since, json, e);
    free(json);
    preview_free(&p);
    rule_diffs_free(d, n);
    store_close(st);
    return rc;
}
