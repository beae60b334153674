/* casefile.c - policy test cases: reads case files (YAML), evaluates each
 * household through the real policy set and compares findings and alerts
 * with what the case expects. Never touches the database; never changes the
 * shared config (parameter overrides go into a private copy). */
#include "casefile.h"
#include "casefile_internal.h"
#include "date.h"
#include "i18n.h"
#include "log.h"
#include "term.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *casefile_ok_tag(void)
{
    /* Padded to FAIL's width in English so the names line up; the Chinese
     * words are both two characters wide. */
    return _("ok  ");
}

const char *casefile_fail_tag(void)
{
    return _("FAIL");
}

/* ---- the config copy with the file's params: overrides ---- */

struct overrides {
    struct config cfg;
    struct config_param *params;
    struct arena arena;
};

static int cmp_param(const void *a, const void *b)
{
    return strcmp(((const struct config_param *)a)->key, ((const struct config_param *)b)->key);
}

/* YAML's spellings of NaN and infinity, which strtod does not read. */
static int is_yaml_nonfinite(const char *s)
{
    static const char *const words[] = {".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf",  ".INF",
                                        "-.inf", "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(s, words[i]))
            return 1;
    return 0;
}

/* v replaces the config's parameter was; a number stays a number (finite,
 * never "0,45" read as text), as the config loader insists. */
static int parse_override(struct cf_file *f, const struct ynode *v, const struct config_param *was,
                          struct config_param *p, struct arena *a)
{
    if (v->kind == YNODE_SCALAR) {
        double x;
        char *end;
        const char *s = v->value;
        x = strtod(s, &end);
        int numeric = *s && !*end && v->is_plain;
        if ((numeric && !isfinite(x)) || (v->is_plain && is_yaml_nonfinite(s)))
            return cf_error(f, v, _("%s must be a number, not \"%.40s\" (not finite)"), p->key, s);
        if (numeric) {
            p->type = PARAM_NUMBER;
            p->number = x;
        } else if (was->type != PARAM_STRING) {
            return cf_error(f, v, _("%s must be a number, not \"%.40s\""), p->key, term_str(s));
        } else {
            p->type = PARAM_STRING;
            p->string = (char *)s;
        }
        return 0;
    }
    if (v->kind != YNODE_MAP)
        return cf_error(f, v, _("%s: a parameter is a number, a text or {year: value}"), p->key);
    size_t n = v->n_children;
    p->type = PARAM_BY_YEAR;
    p->n_years = n;
    p->years = arena_alloc(a, (n + 1) * sizeof *p->years);
    p->values = arena_alloc(a, (n + 1) * sizeof *p->values);
    if (!p->years || !p->values)
        return err_set(f->e, ERR_FAIL, _("out of memory"));
    size_t i = 0;
    for (const struct ynode *y = v->child; y; y = y->next, i++) {
        int64_t year;
        int rc = cf_integer(f, y->key, "year", &year);
        if (!rc && (year < 1900 || year > 2100))
            rc = cf_error(f, y->key, _("year %lld is out of range (1900..2100)"), (long long)year);
        if (!rc)
            rc = cf_number(f, y, p->key, &p->values[i]);
        if (rc)
            return rc;
        if (i > 0 && year <= p->years[i - 1])
            return cf_error(f, y->key, _("years must be in ascending order"));
        p->years[i] = (int)year;
    }
    return 0;
}

static int build_overrides(struct cf_file *f, const struct ynode *map, const struct config *base,
                           struct overrides *o)
{
    o->cfg = *base;
    if (!map)
        return 0;
    if (map->kind != YNODE_MAP)
        return cf_error(f, map, _("params must be a mapping of dotted keys to values"));
    size_t n = map->n_children;
    o->params = calloc(base->n_params + n + 1, sizeof *o->params);
    if (!o->params)
        return err_set(f->e, ERR_FAIL, _("out of memory"));
    if (base->n_params)
        memcpy(o->params, base->params, base->n_params * sizeof *o->params);
    size_t count = base->n_params;
    for (const struct ynode *v = map->child; v; v = v->next) {
        const struct ynode *k = v->key;
        const char *key = cf_scalar(k);
        if (!key || !*key)
            return cf_error(f, k, _("a parameter key must be a dotted name"));
        struct config_param *p = NULL;
        for (size_t j = 0; j < count && !p; j++)
            if (!strcmp(o->params[j].key, key))
                p = &o->params[j];
        if (!p)
            return cf_error(f, k, _("params: \"%.60s\" is not a parameter of the config"), key);
        struct config_param np = {.key = p->key, .line = p->line};
        int rc = parse_override(f, v, p, &np, &o->arena);
        if (rc)
            return rc;
        *p = np;
    }
    qsort(o->params, count, sizeof *o->params, cmp_param);
    o->cfg.params = o->params;
    o->cfg.n_params = count;
    return 0;
}

/* ---- comparing ---- */

static int finding_matches(const struct cf_expect *x, const struct finding *fd)
{
    if (strcmp(x->measure, fd->measure) != 0)
        return 0;
    if (x->kind && strcmp(x->kind, finding_kind_name(fd->kind)) != 0)
        return 0;
    if (x->has_member && x->member != fd->member_id)
        return 0;
    if (x->has_amount && (!fd->has_amount || fabs(fd->amount - x->amount) > 0.005))
        return 0;
    if (x->reason_contains && !strstr(fd->reason, x->reason_contains))
        return 0;
    return 1;
}

static int alert_matches(const struct cf_expect *x, const struct policy_alert *al)
{
    return !strcmp(x->alert, al->kind) &&
           (!x->severity || !strcmp(x->severity, severity_name(al->severity))) &&
           (!x->message_contains || strstr(al->message, x->message_contains));
}

static int expect_met(const struct cf_expect *x, const struct eval_result *res)
{
    if (x->measure) {
        for (size_t i = 0; i < res->n_findings; i++)
            if (finding_matches(x, &res->findings[i]))
                return 1;
        return 0;
    }
    for (size_t i = 0; i < res->n_alerts; i++)
        if (alert_matches(x, &res->alerts[i]))
            return 1;
    return 0;
}

static void describe_expect(const struct cf_expect *x, char *buf, size_t size)
{
    size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__))
    if (x->measure)
        ADD("{measure: %s", x->measure);
    else
        ADD("{alert: %s", x->alert);
    if (x->kind)
        ADD(", kind: %s", x->kind);
    if (x->has_member)
        ADD(", member: %lld", (long long)x->member);
    if (x->has_amount)
        ADD(", amount: %g", x->amount);
    if (x->reason_contains)
        ADD(", reason_contains: \"%s\"", x->reason_contains);
    if (x->severity)
        ADD(", severity: %s", x->severity);
    if (x->message_contains)
        ADD(", message_contains: \"%s\"", x->message_contains);
    ADD("}");
}

static void describe_result(const struct eval_result *res, char *buf, size_t size)
{
    size_t n = 0;
    ADD("[");
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct finding *fd = &res->findings[i];
        ADD("%s%s", i ? ", " : "", fd->measure);
        if (fd->kind == FINDING_FLAG)
            ADD(" (flag)");
        if (fd->member_id)
            ADD("(%lld)", (long long)fd->member_id);
        if (fd->has_amount)
            ADD("=%g", fd->amount);
    }
    for (size_t i = 0; i < res->n_alerts; i++)
        ADD("%salert:%s", i || res->n_findings ? ", " : "", res->alerts[i].kind);
    ADD("]");
#undef ADD
}

/* ---- running one file ---- */

static int check_keys(struct cf_file *f, const struct ynode *map, const char *const *allowed,
                      const char *what)
{
    for (const struct ynode *v = map->child; v; v = v->next) {
        const struct ynode *k = v->key;
        const char *name = cf_scalar(k);
        int ok = 0;
        for (const char *const *a = allowed; *a && name; a++)
            ok |= !strcmp(*a, name);
        if (!ok)
            return cf_error(f, k, _("unknown %s key \"%.40s\""), what, name ? name : "?");
    }
    return 0;
}

struct cf_run {
    struct cf_file *f;
    const char *file_as_of;
    struct policy_runner *runner; /* NULL: only check the cases */
    FILE *report;
    struct casefile_totals *totals;
    struct arena arena;
};

static int expect_list(struct cf_file *f, const struct ynode *seq, const char *what,
                       struct cf_expect **out, size_t *n, struct arena *a)
{
    *out = NULL;
    *n = 0;
    if (!seq || cf_is_null(seq))
        return 0;
    if (seq->kind != YNODE_SEQ)
        return cf_error(f, seq, _("%s must be a list"), what);
    *n = seq->n_children;
    *out = arena_alloc(a, (*n + 1) * sizeof **out);
    if (!*out)
        return err_set(f->e, ERR_FAIL, _("out of memory"));
    size_t i = 0;
    for (const struct ynode *x = seq->child; x; x = x->next, i++) {
        int rc = cf_parse_expect(f, x, &(*out)[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static int run_case(struct cf_run *r, const struct ynode *c)
{
    static const char *const keys[] = {"name", "as_of", "household", "expect", "expect_not", NULL};
    struct cf_file *f = r->f;
    if (c->kind != YNODE_MAP)
        return cf_error(f, c, _("a case must be a mapping with name, household and expect"));
    int rc = check_keys(f, c, keys, _("case"));
    if (rc)
        return rc;
    const char *name = cf_scalar(config_yaml_get(c, "name"));
    if (!name || !*name)
        return cf_error(f, c, _("a case needs a name"));
    const char *today = r->file_as_of;
    const struct ynode *n = config_yaml_get(c, "as_of");
    if (n && (rc = cf_date(f, n, "as_of", &today)))
        return rc;
    arena_reset(&r->arena);
    struct household hh;
    const struct ynode *hnode = config_yaml_get(c, "household");
    if (hnode && cf_is_null(hnode))
        hnode = NULL;
    if ((rc = cf_parse_household(f, hnode, today, &r->arena, &hh)))
        return rc;
    struct cf_expect *yes, *no;
    size_t n_yes, n_no;
    if ((rc = expect_list(f, config_yaml_get(c, "expect"), "expect", &yes, &n_yes, &r->arena)) ||
        (rc =
             expect_list(f, config_yaml_get(c, "expect_not"), "expect_not", &no, &n_no, &r->arena)))
        return rc;
    if (!r->runner)
        return 0;

    struct eval_result res = {0};
    policy_runner_eval(r->runner, &hh, &res);
    char why[1024] = "", a[256], b[700];
    if (res.n_errors) {
        snprintf(why, sizeof why, _("policy %s failed: %s"), res.errors[0].policy,
                 res.errors[0].msg);
    }
    for (size_t i = 0; !why[0] && i < n_yes; i++) {
        if (!expect_met(&yes[i], &res)) {
            describe_expect(&yes[i], a, sizeof a);
            describe_result(&res, b, sizeof b);
            snprintf(why, sizeof why, _("expected %s but got %s"), a, b);
        }
    }
    for (size_t i = 0; !why[0] && i < n_no; i++) {
        if (expect_met(&no[i], &res)) {
            describe_expect(&no[i], a, sizeof a);
            describe_result(&res, b, sizeof b);
            snprintf(why, sizeof why, _("did not expect %s but got %s"), a, b);
        }
    }
    eval_result_free(&res);
    if (why[0]) {
        r->totals->failed++;
        if (r->report)
            fprintf(r->report, "%s %s: %s: %s\n", casefile_fail_tag(), term_str(f->path),
                    term_str(name), term_str(why));
    } else {
        r->totals->passed++;
        if (r->report)
            /* A case name with CR, LF or ESC must not print a forged line. */
            fprintf(r->report, "%s %s: %s\n", casefile_ok_tag(), term_str(f->path), term_str(name));
    }
    return 0;
}

static int run_doc(struct cf_file *f, const struct policy_set *set, const char *only_policy,
                   FILE *report, struct casefile_totals *totals)
{
    static const char *const keys[] = {"policy", "as_of", "params", "cases", NULL};
    const struct ynode *root = f->root;
    if (!root)
        return err_set(f->e, ERR_INVALID, _("%s: the file is empty: it needs `cases:`"), f->path);
    if (root->kind != YNODE_MAP)
        return cf_error(f, root, _("a case file is a mapping with `cases:`"));
    int rc = check_keys(f, root, keys, _("top-level"));
    if (rc)
        return rc;
    const struct ynode *pn = config_yaml_get(root, "policy");
    const char *policy = pn ? cf_scalar(pn) : NULL;
    if (pn && !policy)
        return cf_error(f, pn, _("policy must be a policy name"));
    if (only_policy && (!policy || strcmp(policy, only_policy) != 0))
        return 0;
    const struct policy *only = NULL;
    if (policy && !(only = policy_set_find(set, policy)))
        return cf_error(f, pn, _("no policy named \"%.40s\" is loaded"), policy);
    char today[11];
    config_today(set->cfg, today);
    const char *as_of = today;
    const struct ynode *an = config_yaml_get(root, "as_of");
    if (an && (rc = cf_date(f, an, "as_of", &as_of)))
        return rc;
    const struct ynode *cases = config_yaml_get(root, "cases");
    if (!cases || cases->kind != YNODE_SEQ || !cases->child)
        return cf_error(f, cases ? cases : root, _("`cases:` must be a non-empty list of cases"));

    struct overrides o = {0};
    struct cf_run run = {.f = f, .file_as_of = as_of, .report = report, .totals = totals};
    struct policy_set view;
    if ((rc = build_overrides(f, config_yaml_get(root, "params"), set->cfg, &o)))
        goto done;
    /* Check every case before running any, so a bad file prints no results. */
    for (const struct ynode *c = cases->child; c; c = c->next)
        if ((rc = run_case(&run, c)))
            goto done;
    view = *set;
    view.cfg = &o.cfg;
    if (only) {
        view.policies = (struct policy *)only;
        view.n_policies = 1;
    }
    if ((rc = policy_runner_new(&view, &run.runner, f->e)))
        goto done;
    for (const struct ynode *c = cases->child; c; c = c->next)
        if ((rc = run_case(&run, c)))
            goto done;
done:
    policy_runner_free(run.runner);
    arena_free(&run.arena);
    arena_free(&o.arena);
    free(o.params);
    return rc;
}

static int run_file(const char *path, const struct policy_set *set, const char *only_policy,
                    FILE *report, struct casefile_totals *totals, struct err *e)
{
    struct cf_file f = {.path = path, .e = e};
    int rc = config_yaml_load_file(path, &f.arena, &f.root, e);
    if (rc == 0)
        rc = run_doc(&f, set, only_policy, report, totals);
    arena_free(&f.arena);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_case_file(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' &&
           ((n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml")));
}

int casefile_run_path(const char *path, const struct policy_set *set, const char *only_policy,
                      FILE *report, struct casefile_totals *totals, struct err *e)
{
    struct stat st;
    /* Anything but a directory is one case file: run_file says what is
     * wrong with a path that is none (missing, a FIFO, a symlink loop). */
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return run_file(path, set, only_policy, report, totals, e);
    DIR *d = opendir(path);
    if (!d)
        return err_set(e, ERR_INVALID, _("%s: cannot open the directory"), path);
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (!is_case_file(de->d_name))
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn || !(nn[n] = strdup(de->d_name))) {
            names = nn ? nn : names;
            rc = err_set(e, ERR_FAIL, _("out of memory"));
            break;
        }
        names = nn;
        n++;
    }
    closedir(d);
    if (!rc)
        qsort(names, n, sizeof *names, cmp_str);
    int oom = rc;
    for (size_t i = 0; !oom && i < n; i++) {
        char full[1024];
        snprintf(full, sizeof full, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
                 names[i]);
        struct err fe;
        int frc = run_file(full, set, only_policy, report, totals, &fe);
        if (frc) {
            /* Keep going: one bad file should not hide the others' results. */
            log_event(LOG_ERROR, "cases.file_refused", "%s", term_str(fe.msg));
            if (!rc)
                rc = err_set(e, frc, "%s", fe.msg);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
