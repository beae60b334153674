/* config_decl.c - holds the params: of a loaded config to what the loaded
 * policies declare they read: every key declared, of its declared type,
 * within its range, by year only where declared; declarations of one key
 * agree; required keys present or defaulted. Never changes the config it
 * checks: the defaults go into a copy. */
#include "config_internal.h"
#include "date.h"
#include "log.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 128

static const char *const type_names[] = {NULL, "number", "integer", "text", "date"};
/* The kinds as officers read them in messages; type_names are the words of
 * a declaration and stay as written. */
static const char *const type_words[] = {NULL, N_("number"), N_("integer"), N_("text"), N_("date")};

const char *config_decl_type_name(enum config_decl_type t)
{
    return t >= CONFIG_DECL_NUMBER && t <= CONFIG_DECL_DATE ? type_names[t] : NULL;
}

enum config_decl_type config_decl_type_parse(const char *name)
{
    for (int t = CONFIG_DECL_NUMBER; name && t <= CONFIG_DECL_DATE; t++)
        if (strcmp(type_names[t], name) == 0)
            return (enum config_decl_type)t;
    return 0;
}

static int is_numeric(const struct config_param_decl *d)
{
    return d->type == CONFIG_DECL_NUMBER || d->type == CONFIG_DECL_INTEGER;
}

/* "params.industry.project_grant", or "params.education.premium (or
 * params.premium)" for a key found by the plugin rule. */
static void decl_label(const struct config_param_decl *d, char *buf, size_t size)
{
    if (d->area)
        snprintf(buf, size, _("params.%s.%s (or params.%s)"), d->area, d->key, d->key);
    else
        snprintf(buf, size, "params.%s", d->key);
}

/* "integer 0..120 years, by year" */
static void decl_desc(const struct config_param_decl *d, char *buf, size_t size)
{
    const char *kind =
        d->type >= CONFIG_DECL_NUMBER && d->type <= CONFIG_DECL_DATE ? _(type_words[d->type]) : "?";
    size_t o = (size_t)snprintf(buf, size, "%s", kind);
    if (is_numeric(d) && (d->min > -DBL_MAX || d->max < DBL_MAX) && o < size)
        o += (size_t)snprintf(buf + o, size - o, " %g..%g", d->min, d->max);
    if (d->unit && o < size)
        o += (size_t)snprintf(buf + o, size - o, " %s", d->unit);
    if (d->by_year && o < size)
        snprintf(buf + o, size - o, "%s", _(", by year"));
}

static int key_is_valid(const char *key)
{
    size_t len = key ? strlen(key) : 0;
    if (len == 0 || len >= KEY_MAX || key[0] == '.' || key[len - 1] == '.')
        return 0;
    for (const char *s = key; *s; s++) {
        int word = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                   (*s >= '0' && *s <= '9') || *s == '_';
        if (!word && !(*s == '.' && s[1] != '.'))
            return 0;
    }
    return 1;
}

int config_decl_validate(const struct config_param_decl *d, struct err *e)
{
    const char *owner = d->owner ? d->owner : _("a policy");
    if (!key_is_valid(d->key) || (d->area && !key_is_valid(d->area)))
        return err_set(e, ERR_INVALID,
                       _("%s: params: \"%.60s\" is not a key (words of letters, digits and _, "
                         "joined by dots)"),
                       owner, d->key ? d->key : "");
    char label[200];
    decl_label(d, label, sizeof label);
    if (!config_decl_type_name(d->type))
        return err_set(e, ERR_INVALID, _("%s: %s: type must be number, integer, text or date"),
                       owner, label);
    if (is_numeric(d)) {
        if (isnan(d->min) || isnan(d->max) || d->min > d->max)
            return err_set(e, ERR_INVALID, _("%s: %s: min (%g) must not be more than max (%g)"),
                           owner, label, d->min, d->max);
    } else if (d->by_year) {
        return err_set(e, ERR_INVALID, _("%s: %s: only numbers can be given by year"), owner,
                       label);
    }
    if (!d->has_default)
        return 0;
    if (is_numeric(d)) {
        double v = d->default_number;
        if (!isfinite(v) || v < d->min || v > d->max)
            return err_set(e, ERR_INVALID, _("%s: %s: the default %g is out of range (%g..%g)"),
                           owner, label, v, d->min, d->max);
        if (d->type == CONFIG_DECL_INTEGER && v != floor(v))
            return err_set(e, ERR_INVALID, _("%s: %s: the default %g is not a whole number"), owner,
                           label, v);
        return 0;
    }
    if (!d->default_text)
        return err_set(e, ERR_INVALID, _("%s: %s: the default must be text"), owner, label);
    if (d->type == CONFIG_DECL_DATE && !date_is_valid(d->default_text))
        return err_set(e, ERR_INVALID, _("%s: %s: the default \"%.20s\" is not a date YYYY-MM-DD"),
                       owner, label, d->default_text);
    return 0;
}

/* ---- resolving and agreeing ---- */

/* Where d's value lives in cfg: its key, or for the plugin rule
 * "<area>.<key>" when the config has it, else "<key>" when the config has
 * that, else "<area>.<key>" (where its default goes). */
static void resolve(const struct config *cfg, const struct config_param_decl *d, char *out)
{
    if (!d->area) {
        snprintf(out, KEY_MAX, "%s", d->key);
        return;
    }
    snprintf(out, KEY_MAX, "%s.%s", d->area, d->key);
    if (!config_param_find(cfg, out) && config_param_find(cfg, d->key))
        snprintf(out, KEY_MAX, "%s", d->key);
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int agree(const struct config_param_decl *a, const struct config_param_decl *b)
{
    if (a->type != b->type || !same_text(a->unit, b->unit) || !a->by_year != !b->by_year)
        return 0;
    if (is_numeric(a) && (a->min != b->min || a->max != b->max))
        return 0;
    /* Two defaults that differ would make the deployment order matter. */
    if (a->has_default && b->has_default)
        return is_numeric(a) ? a->default_number == b->default_number
                             : same_text(a->default_text, b->default_text);
    return 1;
}

static int where(const struct config *cfg, char *buf, size_t size, int line, int col)
{
    return snprintf(buf, size, "%s:%d:%d", cfg->path ? cfg->path : "config", line, col);
}

/* ---- checking one value ---- */

static int value_error(const struct config *cfg, int line, int col, struct err *e, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));

static int value_error(const struct config *cfg, int line, int col, struct err *e, const char *fmt,
                       ...)
{
    char at[160], what[200];
    where(cfg, at, sizeof at, line, col);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_set(e, ERR_INVALID, "%s: %s", at, what);
}

static int check_number(const struct config *cfg, const struct config_param_decl *d,
                        const char *label, double v, int line, int col, struct err *e)
{
    char desc[96];
    decl_desc(d, desc, sizeof desc);
    if (d->type == CONFIG_DECL_INTEGER && v != floor(v))
        return value_error(cfg, line, col, e, _("%s: expected a whole number, got %g (%s, %s)"),
                           label, v, desc, d->owner);
    if (v < d->min || v > d->max)
        return value_error(cfg, line, col, e, _("%s: %g is out of range (%s, %s)"), label, v, desc,
                           d->owner);
    return 0;
}

static int check_value(const struct config *cfg, const struct config_param *p,
                       const struct config_param_decl *d, struct err *e)
{
    char label[KEY_MAX + 16], desc[96];
    snprintf(label, sizeof label, "params.%s", p->key);
    decl_desc(d, desc, sizeof desc);
    if (p->type == PARAM_BY_YEAR && !d->by_year)
        return value_error(cfg, p->line, p->col, e,
                           _("%s: a table by year is not allowed here: %s declares one value (%s)"),
                           label, d->owner, desc);
    if (is_numeric(d)) {
        if (p->type == PARAM_STRING)
            return value_error(cfg, p->line, p->col, e,
                               _("%s: expected a number, got \"%.40s\" (%s, %s)"), label, p->string,
                               desc, d->owner);
        if (p->type == PARAM_NUMBER)
            return check_number(cfg, d, label, p->number, p->line, p->col, e);
        for (size_t i = 0; i < p->n_years; i++) {
            char year_label[KEY_MAX + 24];
            snprintf(year_label, sizeof year_label, "%s.%d", label, p->years[i]);
            int rc = check_number(cfg, d, year_label, p->values[i],
                                  p->year_line ? p->year_line[i] : p->line,
                                  p->year_col ? p->year_col[i] : p->col, e);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (p->type != PARAM_STRING) {
        int is_date = d->type == CONFIG_DECL_DATE, is_number = p->type == PARAM_NUMBER;
        const char *fmt =
            is_date && is_number
                ? _("%s: expected a date \"YYYY-MM-DD\" in quotes, got a number (%s; %s)")
            : is_date   ? _("%s: expected a date \"YYYY-MM-DD\", got a table by year (%s; %s)")
            : is_number ? _("%s: expected text in quotes, got a number (%s; %s)")
                        : _("%s: expected text, got a table by year (%s; %s)");
        return value_error(cfg, p->line, p->col, e, fmt, label, desc, d->owner);
    }
    if (d->type == CONFIG_DECL_DATE && !date_is_valid(p->string))
        return value_error(cfg, p->line, p->col, e,
                           _("%s: expected a date \"YYYY-MM-DD\", got \"%.40s\" (%s)"), label,
                           p->string, d->owner);
    return 0;
}

/* ---- undeclared keys ---- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la >= KEY_MAX || lb >= KEY_MAX)
        return (size_t)-1;
    size_t row[KEY_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The area a key belongs to: its first word, or "" for a top-level key. */
static size_t area_len(const char *key)
{
    const char *dot = strchr(key, '.');
    return dot ? (size_t)(dot - key) : 0;
}

static int quiet_index(const struct config_params_scope *scope, const char *key)
{
    size_t len = area_len(key);
    for (int i = 0; len && scope && scope->quiet_areas && scope->quiet_areas[i]; i++)
        if (strlen(scope->quiet_areas[i]) == len && strncmp(scope->quiet_areas[i], key, len) == 0)
            return i;
    return -1;
}

static void warn(const struct config_params_scope *scope, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(const struct config_params_scope *scope, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (scope && scope->warn)
        scope->warn(scope->arg, msg);
    else
        log_event(LOG_WARN, "config.params_unchecked", "%s", msg);
}

static int undeclared(const struct config *cfg, const struct config_param *p,
                      char (*resolved)[KEY_MAX], size_t n, struct err *e)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t dist = edit_distance(p->key, resolved[i]);
        if (dist < best_d) {
            best_d = dist;
            best = resolved[i];
        }
    }
    size_t len = strlen(p->key);
    if (best && best_d <= (len < 8 ? 1 : len < 16 ? 2 : 3))
        return value_error(cfg, p->line, p->col, e,
                           _("params.%s: no loaded policy declares this parameter (did you mean "
                             "%s?)"),
                           p->key, best);
    return value_error(cfg, p->line, p->col, e,
                       _("params.%s: no loaded policy declares this parameter (misspelt? a policy "
                         "must declare every param it reads)"),
                       p->key);
}

/* One warning per quiet area (and one for a lenient check) rather than one
 * per key: an office that parks a plugin keeps a whole section. */
static void warn_unchecked(const struct config *cfg, const struct config_params_scope *scope,
                           const unsigned char *unchecked)
{
    size_t n_quiet = 0;
    while (scope && scope->quiet_areas && scope->quiet_areas[n_quiet])
        n_quiet++;
    for (size_t a = 0; a <= n_quiet; a++) {
        char keys[240];
        size_t o = 0, count = 0;
        keys[0] = '\0';
        for (size_t i = 0; i < cfg->n_params; i++) {
            if (!unchecked[i])
                continue;
            int q = quiet_index(scope, cfg->params[i].key);
            if ((a < n_quiet && q != (int)a) || (a == n_quiet && q >= 0))
                continue;
            if (o < sizeof keys)
                o += (size_t)snprintf(keys + o, sizeof keys - o, "%s%s", count ? ", " : "",
                                      cfg->params[i].key);
            count++;
        }
        if (!count)
            continue;
        if (o >= sizeof keys)
            snprintf(keys + sizeof keys - 5, 5, "...");
        if (a < n_quiet)
            warn(scope, _("%s: params.%s: not checked (%s): %s"), cfg->path ? cfg->path : "config",
                 scope->quiet_areas[a],
                 scope->quiet_reasons && scope->quiet_reasons[a] ? scope->quiet_reasons[a]
                                                                 : _("no loaded policy reads it"),
                 keys);
        else
            warn(scope,
                 _("%s: params not checked because a policy could not be loaded (what it "
                   "declares is unknown): %s"),
                 cfg->path ? cfg->path : "config", keys);
    }
}

/* ---- the copy with defaults ---- */

static int param_dup(struct config_param *to, const struct config_param *from)
{
    *to = *from;
    to->key = strdup(from->key);
    to->string = from->string ? strdup(from->string) : NULL;
    to->years = NULL;
    to->values = NULL;
    to->year_line = to->year_col = NULL;
    if (!to->key || (from->string && !to->string))
        return ERR_FAIL;
    if (from->type != PARAM_BY_YEAR || !from->n_years)
        return 0;
    size_t n = from->n_years;
    to->years = malloc(n * sizeof *to->years);
    to->values = malloc(n * sizeof *to->values);
    to->year_line = calloc(n, sizeof *to->year_line);
    to->year_col = calloc(n, sizeof *to->year_col);
    if (!to->years || !to->values || !to->year_line || !to->year_col)
        return ERR_FAIL;
    memcpy(to->years, from->years, n * sizeof *to->years);
    memcpy(to->values, from->values, n * sizeof *to->values);
    if (from->year_line)
        memcpy(to->year_line, from->year_line, n * sizeof *to->year_line);
    if (from->year_col)
        memcpy(to->year_col, from->year_col, n * sizeof *to->year_col);
    return 0;
}

static int param_cmp(const void *a, const void *b)
{
    return strcmp(((const struct config_param *)a)->key, ((const struct config_param *)b)->key);
}

static int make_copy(const struct config *cfg, const struct config_param_decl *decls,
                     char (*resolved)[KEY_MAX], size_t n, struct config **out, struct err *e)
{
    struct config *copy = calloc(1, sizeof *copy);
    if (!copy)
        return err_set(e, ERR_FAIL, _("out of memory"));
    *copy = *cfg;
    copy->base = cfg->base ? cfg->base : cfg;
    copy->params = calloc(cfg->n_params + n + 1, sizeof *copy->params);
    copy->n_params = 0;
    if (!copy->params)
        goto oom;
    for (size_t i = 0; i < cfg->n_params; i++) {
        int rc = param_dup(&copy->params[copy->n_params++], &cfg->params[i]);
        if (rc)
            goto oom;
    }
    for (size_t i = 0; i < n; i++) {
        const struct config_param_decl *d = &decls[i];
        if (!d->has_default || config_param_find(cfg, resolved[i]))
            continue;
        int dup = 0;
        for (size_t j = cfg->n_params; j < copy->n_params && !dup; j++)
            dup = strcmp(copy->params[j].key, resolved[i]) == 0;
        if (dup) /* declared twice with the same default (they agree) */
            continue;
        struct config_param *p = &copy->params[copy->n_params++];
        p->line = cfg->params_line;
        p->col = cfg->params_col;
        if (!(p->key = strdup(resolved[i])))
            goto oom;
        if (is_numeric(d)) {
            p->type = PARAM_NUMBER;
            p->number = d->default_number;
        } else {
            p->type = PARAM_STRING;
            if (!(p->string = strdup(d->default_text)))
                goto oom;
        }
    }
    qsort(copy->params, copy->n_params, sizeof *copy->params, param_cmp);
    *out = copy;
    return 0;
oom:
    config_free(copy);
    return err_set(e, ERR_FAIL, _("out of memory"));
}

/* ---- the whole check ---- */

static int by_position(const void *a, const void *b)
{
    const struct config_param *x = *(const struct config_param *const *)a;
    const struct config_param *y = *(const struct config_param *const *)b;
    if (x->line != y->line)
        return (x->line > y->line) - (x->line < y->line);
    return (x->col > y->col) - (x->col < y->col);
}

static int check_agreement(const struct config *cfg, const struct config_param_decl *decls,
                           char (*resolved)[KEY_MAX], size_t n, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(resolved[i], resolved[j]) != 0 || agree(&decls[i], &decls[j]))
                continue;
            char a[96], b[96];
            decl_desc(&decls[j], a, sizeof a);
            decl_desc(&decls[i], b, sizeof b);
            const struct config_param *p = config_param_find(cfg, resolved[i]);
            char at[180];
            if (p)
                where(cfg, at, sizeof at, p->line, p->col);
            else
                snprintf(at, sizeof at, "%s", decls[i].owner ? decls[i].owner : _("a policy"));
            return err_set(e, ERR_INVALID,
                           _("%s: params.%s: declared differently by %s (%s) and %s (%s): they "
                             "must agree on type, unit, range, by_year and default"),
                           at, resolved[i], decls[j].owner, a, decls[i].owner, b);
        }
    }
    return 0;
}

static int check_params(const struct config *cfg, const struct config_param_decl *decls,
                        char (*resolved)[KEY_MAX], size_t n,
                        const struct config_params_scope *scope, unsigned char *unchecked,
                        struct err *e)
{
    const struct config_param **order = calloc(cfg->n_params + 1, sizeof *order);
    if (!order)
        return err_set(e, ERR_FAIL, _("out of memory"));
    for (size_t i = 0; i < cfg->n_params; i++)
        order[i] = &cfg->params[i];
    /* The first mistake in the file is the one reported. */
    qsort(order, cfg->n_params, sizeof *order, by_position);
    int rc = 0;
    for (size_t i = 0; i < cfg->n_params && !rc; i++) {
        const struct config_param *p = order[i];
        const struct config_param_decl *d = NULL;
        for (size_t j = 0; j < n && !d; j++)
            if (strcmp(resolved[j], p->key) == 0)
                d = &decls[j];
        if (d)
            rc = check_value(cfg, p, d, e);
        else if ((scope && scope->lenient) || quiet_index(scope, p->key) >= 0)
            unchecked[p - cfg->params] = 1;
        else
            rc = undeclared(cfg, p, resolved, n, e);
    }
    free(order);
    return rc;
}

static int check_required(const struct config *cfg, const struct config_param_decl *decls,
                          char (*resolved)[KEY_MAX], size_t n, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        const struct config_param_decl *d = &decls[i];
        if (!d->required || d->has_default || config_param_find(cfg, resolved[i]))
            continue;
        char label[200], desc[96];
        decl_label(d, label, sizeof label);
        decl_desc(d, desc, sizeof desc);
        return value_error(
            cfg, cfg->params_line ? cfg->params_line : 1, cfg->params_col ? cfg->params_col : 1, e,
            _("%s: missing: %s reads it and gives no default (%s)"), label, d->owner, desc);
    }
    return 0;
}

int config_params_check(const struct config *cfg, const struct config_param_decl *decls,
                        size_t n_decls, const struct config_params_scope *scope,
                        struct config **out, struct err *e)
{
    *out = NULL;
    for (size_t i = 0; i < n_decls; i++) {
        int rc = config_decl_validate(&decls[i], e);
        if (rc)
            return rc;
    }
    char(*resolved)[KEY_MAX] = calloc(n_decls + 1, sizeof *resolved);
    unsigned char *unchecked = calloc(cfg->n_params + 1, 1);
    int rc = 0;
    if (!resolved || !unchecked) {
        rc = err_set(e, ERR_FAIL, _("out of memory"));
        goto done;
    }
    for (size_t i = 0; i < n_decls; i++)
        resolve(cfg, &decls[i], resolved[i]);
    if ((rc = check_agreement(cfg, decls, resolved, n_decls, e)) ||
        (rc = check_params(cfg, decls, resolved, n_decls, scope, unchecked, e)) ||
        (rc = check_required(cfg, decls, resolved, n_decls, e)))
        goto done;
    warn_unchecked(cfg, scope, unchecked);
    rc = make_copy(cfg, decls, resolved, n_decls, out, e);
done:
    free(resolved);
    free(unchecked);
    return rc;
}
