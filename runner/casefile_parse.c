/* casefile_parse.c - turns the YAML of one test case into a struct
 * household and its expectations, with the schema defaults; the fields and
 * their types are those of household.h. Strict: an unknown field, a bad date
 * or a wrong type is an error naming file:line:column. Never evaluates
 * anything. */
#include "casefile_internal.h"
#include "date.h"
#include "i18n.h"
#include "term.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cf_error(struct cf_file *f, const struct ynode *n, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_set(f->e, ERR_INVALID, "%s:%d:%d: %s", f->path, n ? n->line : 1, n ? n->col : 1,
                   what);
}

const char *cf_scalar(const struct ynode *n)
{
    return n && n->kind == YNODE_SCALAR ? n->value : NULL;
}

int cf_is_null(const struct ynode *n)
{
    const char *s = cf_scalar(n);
    return s && n->is_plain &&
           (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
            !strcmp(s, "NULL"));
}

int cf_number(struct cf_file *f, const struct ynode *n, const char *what, double *out)
{
    const char *s = cf_scalar(n);
    char *end;
    if (!s || !*s)
        return cf_error(f, n, _("%s must be a number"), what);
    double x = strtod(s, &end);
    if (*end || !isfinite(x))
        return cf_error(f, n, _("%s must be a number, not \"%.40s\""), what, term_str(s));
    *out = x;
    return 0;
}

/* A yuan figure: beyond a billion it is a typo, and sums of a few such
 * figures (income per person) could overflow to infinity. */
static int cf_money(struct cf_file *f, const struct ynode *n, const char *what, double *out)
{
    int rc = cf_number(f, n, what, out);
    if (!rc && fabs(*out) > HOUSEHOLD_MONEY_MAX)
        return cf_error(f, n, _("%s is out of range (-%.0f..%.0f yuan)"), what, HOUSEHOLD_MONEY_MAX,
                        HOUSEHOLD_MONEY_MAX);
    return rc;
}

int cf_integer(struct cf_file *f, const struct ynode *n, const char *what, int64_t *out)
{
    const char *s = cf_scalar(n);
    char *end;
    if (!s || !*s)
        return cf_error(f, n, _("%s must be an integer"), what);
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*end || end == s)
        return cf_error(f, n, _("%s must be an integer, not \"%.40s\""), what, term_str(s));
    if (errno == ERANGE)
        return cf_error(f, n, _("%s is out of range, not \"%.40s\""), what, s);
    *out = x;
    return 0;
}

int cf_date(struct cf_file *f, const struct ynode *n, const char *what, const char **out)
{
    const char *s = cf_scalar(n);
    if (!s || !date_is_valid(s))
        return cf_error(f, n, _("%s must be a date YYYY-MM-DD, not \"%.40s\""), what,
                        s ? s : _("(not a scalar)"));
    *out = s;
    return 0;
}

/* ---- records, by the description ---- */

/* A field a case file may set: one read from a column. */
static int is_settable(const struct household_field *fd)
{
    return fd->kind != HOUSEHOLD_AS_OF_DATE && fd->kind != HOUSEHOLD_AS_OF_YEAR &&
           fd->kind != HOUSEHOLD_AGE && fd->kind != HOUSEHOLD_FACT;
}

static int set_int(struct cf_file *f, const struct household_field *fd, const struct ynode *v,
                   int *at)
{
    int64_t i;
    int rc = cf_integer(f, v, fd->name, &i);
    if (rc)
        return rc;
    if (i < fd->a || i > fd->b)
        return cf_error(f, v, _("%s is out of range (%lld..%lld)"), fd->name, (long long)fd->a,
                        (long long)fd->b);
    *at = (int)i;
    return 0;
}

static int set_field(struct cf_file *f, const struct household_field *fd, const struct ynode *v,
                     void *rec)
{
    char *at = (char *)rec + fd->offset;
    if (v->kind != YNODE_SCALAR)
        return cf_error(f, v, _("%s must be a single value"), fd->name);
    int null = cf_is_null(v);
    const char *s = v->value;
    switch (fd->kind) {
    case HOUSEHOLD_ID:
    case HOUSEHOLD_INT64:
    case HOUSEHOLD_REF: {
        /* Member ids are derived as 100 x the household id: the bound keeps
         * that, and any id arithmetic, far from overflow. */
        int64_t id;
        int rc = cf_integer(f, v, fd->name, &id);
        if (rc)
            return rc;
        if (id < 1 || id > HOUSEHOLD_ID_MAX)
            return cf_error(f, v, _("%s is out of range (1..%lld)"), fd->name, HOUSEHOLD_ID_MAX);
        *(int64_t *)at = id;
        return 0;
    }
    case HOUSEHOLD_INT_OR_NULL:
        if (null) {
            *(int *)at = HOUSEHOLD_NULL_INT;
            return 0;
        }
        return set_int(f, fd, v, (int *)at);
    case HOUSEHOLD_INT:
        return set_int(f, fd, v, (int *)at);
    case HOUSEHOLD_BOOL:
        if (!strcmp(s, "0") || !strcmp(s, "false"))
            *(int *)at = 0;
        else if (!strcmp(s, "1") || !strcmp(s, "true"))
            *(int *)at = 1;
        else
            return cf_error(f, v, _("%s must be 0 or 1, not \"%.40s\""), fd->name, s);
        return 0;
    case HOUSEHOLD_TEXT:
        *(const char **)at = null ? NULL : s;
        return 0;
    case HOUSEHOLD_DATE:
    case HOUSEHOLD_REQUIRED_DATE:
        if (null) {
            *(const char **)at = NULL;
            return 0;
        }
        return cf_date(f, v, fd->name, (const char **)at);
    case HOUSEHOLD_REAL_OR_NULL:
        if (null) {
            *(double *)at = NAN;
            return 0;
        }
        return cf_money(f, v, fd->name, (double *)at);
    case HOUSEHOLD_REAL:
        return cf_money(f, v, fd->name, (double *)at);
    case HOUSEHOLD_ENUM:
        if (household_enum_parse(fd->map, null ? NULL : s, (int *)at) != 0)
            return cf_error(f, v, _("%s: \"%.40s\" is not one of its values"), fd->name, s);
        return 0;
    case HOUSEHOLD_AS_OF_DATE:
    case HOUSEHOLD_AS_OF_YEAR:
    case HOUSEHOLD_AGE:
    case HOUSEHOLD_FACT:
    case HOUSEHOLD_LIST:
        break;
    }
    return 0;
}

/* The description's defaults for a field left out (the others are 0/NULL). */
static void set_defaults(enum household_rec r, void *rec)
{
    const struct household_record *hr = &household_records[r];
    for (size_t i = 0; i < hr->n_fields; i++) {
        const struct household_field *fd = &hr->fields[i];
        char *at = (char *)rec + fd->offset;
        if (fd->kind == HOUSEHOLD_BOOL)
            *(int *)at = (int)fd->a;
        else if (fd->kind == HOUSEHOLD_INT_OR_NULL)
            *(int *)at = HOUSEHOLD_NULL_INT;
        else if (fd->kind == HOUSEHOLD_REAL_OR_NULL)
            *(double *)at = NAN;
    }
}

/* The computed fields, and what a stored row could never lack. */
static int finish_record(struct cf_file *f, const struct ynode *map, enum household_rec r,
                         void *rec, const char *today)
{
    const struct household_record *hr = &household_records[r];
    for (size_t i = 0; i < hr->n_fields; i++) {
        const struct household_field *fd = &hr->fields[i];
        char *at = (char *)rec + fd->offset;
        if (fd->kind == HOUSEHOLD_AGE) {
            const char *born = *(const char **)((char *)rec + fd->aux_offset);
            *(int *)at = born ? date_age(born, today) : -1;
        } else if (fd->kind == HOUSEHOLD_REQUIRED_DATE && !*(const char **)at) {
            return cf_error(f, map, _("%s: %s is missing"), hr->list ? hr->list : hr->name,
                            fd->name);
        }
    }
    return 0;
}

/* Fills rec (of record r) from a mapping of fields; the household's lists
 * are left to the caller. what names the record in messages. */
static int parse_record(struct cf_file *f, const struct ynode *map, enum household_rec r,
                        const char *what, void *rec)
{
    if (map->kind != YNODE_MAP)
        return cf_error(f, map, _("a %s must be a mapping of fields"), what);
    for (const struct ynode *v = map->child; v; v = v->next) {
        const struct household_field *fd = household_field_find(r, v->key->value);
        if (fd && fd->kind == HOUSEHOLD_LIST)
            continue;
        if (!fd || !is_settable(fd))
            return cf_error(f, v->key, _("unknown %s field \"%.40s\""), what, v->key->value);
        int rc = set_field(f, fd, v, rec);
        if (rc)
            return rc;
    }
    return 0;
}

/* The list field fd of the household from its YAML sequence seq. Members
 * get ids and a birth date by default, so a case needs to state neither. */
static int parse_list(struct cf_file *f, const struct ynode *seq, const struct household_field *fd,
                      const char *today, struct arena *a, struct household *hh)
{
    const struct household_record *er = &household_records[fd->elem];
    if (seq->kind != YNODE_SEQ)
        return cf_error(f, seq, _("%s must be a list"), fd->name);
    size_t n = seq->n_children;
    char *items = arena_alloc(a, n * er->size + 1);
    if (!items)
        return err_set(f->e, ERR_FAIL, _("out of memory"));
    size_t i = 0;
    for (const struct ynode *item = seq->child; item; item = item->next, i++) {
        void *rec = items + i * er->size;
        set_defaults(fd->elem, rec);
        if (fd->elem == HOUSEHOLD_REC_MEMBER) {
            struct household_member *m = rec;
            m->id = 100 * hh->id + (int64_t)i + 1;
            m->birth_date = "1980-01-01";
        }
        int rc = parse_record(f, item, fd->elem, fd->name, rec);
        if (!rc)
            rc = finish_record(f, item, fd->elem, rec, today);
        if (rc)
            return rc;
    }
    *(void **)((char *)hh + fd->offset) = items;
    *(size_t *)((char *)hh + fd->aux_offset) = n;
    return 0;
}

static int cmp_income(const void *a, const void *b)
{
    int x = ((const struct household_income *)a)->year,
        y = ((const struct household_income *)b)->year;
    return (x > y) - (x < y);
}

static int cmp_visit(const void *a, const void *b)
{
    const char *x = ((const struct household_visit *)a)->date,
               *y = ((const struct household_visit *)b)->date;
    return strcmp(x ? x : "", y ? y : "");
}

int cf_parse_household(struct cf_file *f, const struct ynode *map, const char *today,
                       struct arena *a, struct household *hh)
{
    memset(hh, 0, sizeof *hh);
    set_defaults(HOUSEHOLD_REC_HOUSEHOLD, hh);
    hh->id = 1;
    hh->village = "441602001001";
    hh->today = today;
    hh->year = atoi(today);
    if (map) {
        int rc = parse_record(f, map, HOUSEHOLD_REC_HOUSEHOLD, "household", hh);
        if (rc)
            return rc;
    }
    if (!hh->town && hh->village)
        hh->town = arena_strndup(a, hh->village, strlen(hh->village) < 9 ? strlen(hh->village) : 9);
    if (!hh->county && hh->village)
        hh->county =
            arena_strndup(a, hh->village, strlen(hh->village) < 6 ? strlen(hh->village) : 6);
    /* Lists after the household's own fields, in the description's order,
     * so member ids follow the household id wherever the case puts it. */
    const struct household_record *hr = &household_records[HOUSEHOLD_REC_HOUSEHOLD];
    for (size_t i = 0; map && i < hr->n_fields; i++) {
        const struct household_field *fd = &hr->fields[i];
        if (fd->kind != HOUSEHOLD_LIST)
            continue;
        const struct ynode *seq = config_yaml_get(map, fd->name);
        if (!seq || cf_is_null(seq))
            continue;
        int rc = parse_list(f, seq, fd, today, a, hh);
        if (rc)
            return rc;
    }
    if (hh->n_income)
        qsort((void *)hh->income, hh->n_income, sizeof *hh->income, cmp_income);
    if (hh->n_visits)
        qsort((void *)hh->visits, hh->n_visits, sizeof *hh->visits, cmp_visit);
    return 0;
}

int cf_parse_expect(struct cf_file *f, const struct ynode *map, struct cf_expect *x)
{
    memset(x, 0, sizeof *x);
    x->node = map;
    if (map->kind != YNODE_MAP)
        return cf_error(f, map, _("an expectation must be a mapping such as {measure: project}"));
    for (const struct ynode *v = map->child; v; v = v->next) {
        const struct ynode *k = v->key;
        const char *name = cf_scalar(k), *s = cf_scalar(v);
        int rc = 0;
        if (!s)
            return cf_error(f, v, _("%s must be a single value"), name ? name : "?");
        if (!name)
            return cf_error(f, k, _("expectation keys must be words"));
        if (!strcmp(name, "measure"))
            x->measure = s;
        else if (!strcmp(name, "alert"))
            x->alert = s;
        else if (!strcmp(name, "kind")) {
            if (strcmp(s, "recommend") && strcmp(s, "flag"))
                return cf_error(f, v, _("kind must be recommend or flag"));
            x->kind = s;
        } else if (!strcmp(name, "member")) {
            x->has_member = 1;
            rc = cf_is_null(v) ? 0 : cf_integer(f, v, "member", &x->member);
            if (!rc && !cf_is_null(v) && (x->member < 0 || x->member > 100 * HOUSEHOLD_ID_MAX))
                rc = cf_error(f, v, _("member is out of range"));
        } else if (!strcmp(name, "amount")) {
            x->has_amount = 1;
            rc = cf_money(f, v, "amount", &x->amount);
        } else if (!strcmp(name, "reason_contains"))
            x->reason_contains = s;
        else if (!strcmp(name, "severity")) {
            if (severity_parse(s) < 0)
                return cf_error(f, v, _("severity must be info, warning or critical"));
            x->severity = s;
        } else if (!strcmp(name, "message_contains"))
            x->message_contains = s;
        else
            return cf_error(f, k, _("unknown expectation field \"%.40s\""), name);
        if (rc)
            return rc;
    }
    if (!x->measure == !x->alert)
        return cf_error(f, map, _("an expectation names either a measure or an alert"));
    if (x->alert && (x->kind || x->has_member || x->has_amount || x->reason_contains))
        return cf_error(f, map, _("an alert expectation takes only severity and message_contains"));
    if (x->measure && (x->severity || x->message_contains))
        return cf_error(f, map, _("severity and message_contains are for alerts"));
    return 0;
}
