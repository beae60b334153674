/* config_params.c - the params: section: nested mappings flattened to dotted
 * keys, numbers, strings and per-year tables, and the lookups policies use.
 * Values are never interpreted beyond number/string/year table here (what a
 * key must hold is config_decl.c's business), except that a number which is
 * not finite is refused for every key. */
#include "config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_is_nonfinite(const struct ynode *n)
{
    if (n->kind != YNODE_SCALAR || !n->is_plain || !n->value[0])
        return 0;
    const char *s = n->value;
    if (*s == '+' || *s == '-')
        s++;
    /* YAML 1.1 and 1.2 spell them .inf/.Inf/.INF and .nan/.NaN/.NAN. */
    static const char *const yaml[] = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"};
    for (size_t i = 0; i < sizeof yaml / sizeof yaml[0]; i++)
        if (strcmp(s, yaml[i]) == 0)
            return 1;
    char *end;
    double v = strtod(n->value, &end);
    return !*end && !isspace((unsigned char)n->value[0]) && !isfinite(v);
}

/* A plain scalar that strtod consumes fully (and is finite) is a number;
 * quoted text stays a string, so "2018-12-31" or "0.5" in quotes are text. */
static int scalar_number(const struct ynode *n, double *out)
{
    if (n->kind != YNODE_SCALAR || !n->is_plain || !n->value[0])
        return 0;
    char *end;
    errno = 0;
    double v = strtod(n->value, &end);
    if (*end || errno == ERANGE || !isfinite(v) || isspace((unsigned char)n->value[0]))
        return 0;
    *out = v;
    return 1;
}

static int is_year_key(const char *s)
{
    if (strlen(s) != 4)
        return 0;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

static int all_year_keys(const struct ynode *map)
{
    if (!map->child)
        return 0;
    for (const struct ynode *v = map->child; v; v = v->next) {
        if (!is_year_key(v->key->value))
            return 0;
    }
    return 1;
}

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int param_cmp(const void *a, const void *b)
{
    return strcmp(((const struct config_param *)a)->key, ((const struct config_param *)b)->key);
}

static struct config_param *param_add(struct config_load_ctx *c, const char *key,
                                      const struct ynode *at)
{
    struct config *cfg = c->cfg;
    struct config_param *grown = realloc(cfg->params, (cfg->n_params + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    cfg->params = grown;
    struct config_param *p = &grown[cfg->n_params];
    memset(p, 0, sizeof *p);
    p->key = strdup(key);
    if (!p->key)
        return NULL;
    p->line = at->line;
    p->col = at->col;
    cfg->n_params++;
    return p;
}

static int by_year(struct config_load_ctx *c, const char *key, const struct ynode *map)
{
    struct config_param *p = param_add(c, key, map);
    if (!p)
        return config_oom(c);
    p->type = PARAM_BY_YEAR;
    p->years = calloc(map->n_children, sizeof *p->years);
    p->values = calloc(map->n_children, sizeof *p->values);
    p->year_line = calloc(map->n_children, sizeof *p->year_line);
    p->year_col = calloc(map->n_children, sizeof *p->year_col);
    if (!p->years || !p->values || !p->year_line || !p->year_col)
        return config_oom(c);
    /* Sort (year, value, where) records by year. */
    struct yv {
        int year;
        double value;
        int line, col;
    } *tmp = calloc(map->n_children, sizeof *tmp);
    if (!tmp)
        return config_oom(c);
    size_t i = 0;
    for (const struct ynode *v = map->child; v; v = v->next, i++) {
        char got[80];
        if (config_is_nonfinite(v)) {
            free(tmp);
            return config_fail(c, v, _("params.%s.%s: %s is out of range: not a finite number"),
                               key, v->key->value, config_describe(v, got, sizeof got));
        }
        tmp[i].line = v->line;
        tmp[i].col = v->col;
        if (!scalar_number(v, &tmp[i].value)) {
            free(tmp);
            return config_fail(c, v, _("params.%s.%s: expected a number, got %s"), key,
                               v->key->value, config_describe(v, got, sizeof got));
        }
        tmp[i].year = atoi(v->key->value);
    }
    qsort(tmp, map->n_children, sizeof *tmp, int_cmp); /* year is the first member */
    for (i = 0; i < map->n_children; i++) {
        p->years[i] = tmp[i].year;
        p->values[i] = tmp[i].value;
        p->year_line[i] = tmp[i].line;
        p->year_col[i] = tmp[i].col;
    }
    p->n_years = map->n_children;
    free(tmp);
    return 0;
}

static int flatten(struct config_load_ctx *c, const char *prefix, const struct ynode *map)
{
    for (const struct ynode *v = map->child; v; v = v->next) {
        const char *name = v->key->value;
        if (!name[0] || strchr(name, '.') || strchr(name, ' '))
            return config_fail(c, v->key, _("params: key \"%s\" must be a word without dots"),
                               name);
        char key[256];
        int len = prefix[0] ? snprintf(key, sizeof key, "%s.%s", prefix, name)
                            : snprintf(key, sizeof key, "%s", name);
        if (len < 0 || (size_t)len >= sizeof key)
            return config_fail(c, v->key, _("params: key \"%s\" is too long"), name);
        int rc;
        if (v->kind == YNODE_SEQ)
            return config_fail(c, v, _("params.%s: lists are not allowed in params"), key);
        if (v->kind == YNODE_MAP) {
            rc = all_year_keys(v) ? by_year(c, key, v) : flatten(c, key, v);
            if (rc)
                return rc;
            continue;
        }
        if (v->is_plain && !v->value[0])
            return config_fail(c, v, _("params.%s: no value"), key);
        if (config_is_nonfinite(v)) {
            char got[80];
            return config_fail(c, v, _("params.%s: %s is out of range: not a finite number"), key,
                               config_describe(v, got, sizeof got));
        }
        struct config_param *p = param_add(c, key, v);
        if (!p)
            return config_oom(c);
        if (scalar_number(v, &p->number)) {
            p->type = PARAM_NUMBER;
        } else {
            p->type = PARAM_STRING;
            if (!(p->string = strdup(v->value)))
                return config_oom(c);
        }
    }
    return 0;
}

int config_load_params(struct config_load_ctx *c, const struct ynode *n)
{
    if (!n || (n->kind == YNODE_SCALAR && n->is_plain && !n->value[0]))
        return 0;
    if (n->kind != YNODE_MAP) {
        char got[80];
        return config_fail(c, n, _("params: expected a mapping, got %s"),
                           config_describe(n, got, sizeof got));
    }
    int rc = flatten(c, "", n);
    if (rc)
        return rc;
    qsort(c->cfg->params, c->cfg->n_params, sizeof *c->cfg->params, param_cmp);
    return 0;
}

const struct config_param *config_param_find(const struct config *cfg, const char *key)
{
    if (!cfg || !key || !cfg->n_params)
        return NULL;
    struct config_param probe = {.key = (char *)key};
    return bsearch(&probe, cfg->params, cfg->n_params, sizeof *cfg->params, param_cmp);
}

int config_param_number(const struct config *cfg, const char *key, int year, double *value)
{
    return config_param_value(config_param_find(cfg, key), year, value);
}

int config_param_value(const struct config_param *p, int year, double *value)
{
    if (!p)
        return ERR_INVALID;
    if (p->type == PARAM_NUMBER) {
        *value = p->number;
        return 0;
    }
    if (p->type != PARAM_BY_YEAR)
        return ERR_INVALID;
    for (size_t i = p->n_years; i-- > 0;) {
        if (p->years[i] <= year) {
            *value = p->values[i];
            return 0;
        }
    }
    return ERR_INVALID;
}

const struct config_param *config_param_scoped(const struct config *cfg, const char *area,
                                               const char *key)
{
    if (area && area[0]) {
        /* Per household and plugin call: no snprintf. */
        char full[256];
        size_t a = strlen(area), k = strlen(key);
        if (a + 1 + k < sizeof full) {
            memcpy(full, area, a);
            full[a] = '.';
            memcpy(full + a + 1, key, k + 1);
            const struct config_param *p = config_param_find(cfg, full);
            if (p)
                return p;
        }
    }
    return config_param_find(cfg, key);
}
