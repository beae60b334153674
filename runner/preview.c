/* preview.c - what a candidate rule set would change, by the rules of
 * reconciliation (store_findings.c): a finding is keyed by household,
 * member, policy and measure; a policy that fails keeps what it said;
 * accepted and rejected findings are never withdrawn or rewritten, so a
 * change to one is reported apart, as a decision the change touches. */
#include "preview.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

void preview_init(struct preview *p)
{
    memset(p, 0, sizeof *p);
}

static void example_free(struct preview_example *x)
{
    free(x->policy);
    free(x->measure);
    free(x->county);
    free(x->town);
    free(x->village);
    free(x->head_name);
    free(x->reason_before);
    free(x->reason_after);
}

static void groups_free(struct preview_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(g[i].a);
        free(g[i].b);
        free(g[i].label);
        free(g[i].error);
    }
    free(g);
}

void preview_free(struct preview *p)
{
    groups_free(p->policies, p->n_policies);
    groups_free(p->regions, p->n_regions);
    for (int k = 0; k < PREVIEW_N_CHANGES; k++)
        for (size_t i = 0; i < p->n_examples[k]; i++)
            example_free(&p->examples[k][i]);
    for (size_t i = 0; i < p->n_decided; i++)
        example_free(&p->decided[i]);
    free(p->decided);
    memset(p, 0, sizeof *p);
}

const char *preview_change_name(enum preview_change c)
{
    static const char *const names[] = {"added", "withdrawn", "changed"};
    return (unsigned)c < PREVIEW_N_CHANGES ? names[c] : "?";
}

const char *preview_state_name(enum preview_state s)
{
    return s == PREVIEW_ACCEPTED ? "accepted" : s == PREVIEW_REJECTED ? "rejected" : "open";
}

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* The group (a, b), created empty when new; NULL when out of memory. */
static struct preview_group *group(struct preview_group **g, size_t *n, size_t *cap, const char *a,
                                   const char *b)
{
    a = a ? a : "";
    for (size_t i = *n; i-- > 0;)
        if (strcmp((*g)[i].a, a) == 0 && strcmp((*g)[i].b, b) == 0)
            return &(*g)[i];
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 32;
        struct preview_group *ng = realloc(*g, ncap * sizeof *ng);
        if (!ng)
            return NULL;
        *g = ng;
        *cap = ncap;
    }
    struct preview_group *x = &(*g)[*n];
    memset(x, 0, sizeof *x);
    x->a = strdup(a);
    x->b = strdup(b);
    if (!x->a || !x->b) {
        free(x->a);
        free(x->b);
        return NULL;
    }
    (*n)++;
    return x;
}

/* Where one finding's figures go: totals, its policy, its policy and
 * measure, its county, its county and town. */
struct sinks {
    struct preview_counts *c[5];
};

static int sinks_for(struct preview *p, const struct household *hh, const char *policy,
                     const char *measure, struct sinks *s)
{
    struct preview_group *g[4] = {
        group(&p->policies, &p->n_policies, &p->cap_policies, policy, ""),
        group(&p->policies, &p->n_policies, &p->cap_policies, policy, measure),
        group(&p->regions, &p->n_regions, &p->cap_regions, hh->county, ""),
        group(&p->regions, &p->n_regions, &p->cap_regions, hh->county,
              hh->town && hh->town[0] ? hh->town : "?"),
    };
    s->c[0] = &p->totals;
    for (int i = 0; i < 4; i++) {
        if (!g[i])
            return ERR_FAIL;
        s->c[i + 1] = &g[i]->c;
    }
    return 0;
}

static void count(struct sinks *s, int change, int has_before, double before, int has_after,
                  double after)
{
    for (int i = 0; i < 5; i++) {
        if (change >= 0)
            s->c[i]->n[change]++;
        if (has_before)
            s->c[i]->before += before;
        if (has_after)
            s->c[i]->after += after;
    }
}

static int fill_example(struct preview_example *x, enum preview_change change,
                        const struct household *hh, const struct preview_stored *b,
                        const struct finding *a)
{
    const struct finding *f = a ? a : &b->f;
    memset(x, 0, sizeof *x);
    x->change = change;
    x->household_id = hh->id;
    x->member_id = f->member_id;
    x->state = b ? b->state : PREVIEW_OPEN;
    x->policy = dup_or_empty(f->policy);
    x->measure = dup_or_empty(f->measure);
    x->county = dup_or_empty(hh->county);
    x->town = dup_or_empty(hh->town);
    x->village = dup_or_empty(hh->village_name ? hh->village_name : hh->village);
    x->head_name = dup_or_empty(hh->head_name);
    int ok = x->policy && x->measure && x->county && x->town && x->village && x->head_name;
    if (b) {
        x->has_before = b->f.has_amount;
        x->before = b->f.amount;
        ok = ok && (x->reason_before = dup_or_empty(b->f.reason));
    }
    if (a) {
        x->has_after = a->has_amount;
        x->after = a->amount;
        ok = ok && (x->reason_after = dup_or_empty(a->reason));
    }
    if (!ok) {
        example_free(x);
        return ERR_FAIL;
    }
    return 0;
}

static int example(struct preview *p, enum preview_change change, const struct household *hh,
                   const struct preview_stored *b, const struct finding *a)
{
    if (p->n_examples[change] >= PREVIEW_EXAMPLES)
        return 0;
    /* One example per household and kind: a handful of households, not one
     * household's many findings. */
    for (size_t i = 0; i < p->n_examples[change]; i++)
        if (p->examples[change][i].household_id == hh->id)
            return 0;
    int rc = fill_example(&p->examples[change][p->n_examples[change]], change, hh, b, a);
    if (rc == 0)
        p->n_examples[change]++;
    return rc;
}

static int decided(struct preview *p, enum preview_change change, const struct household *hh,
                   const struct preview_stored *b, const struct finding *a)
{
    p->decided_total++;
    if (p->n_decided >= PREVIEW_DECIDED_MAX)
        return 0;
    if (p->n_decided == p->cap_decided) {
        size_t ncap = p->cap_decided ? p->cap_decided * 2 : 16;
        struct preview_example *nd = realloc(p->decided, ncap * sizeof *nd);
        if (!nd)
            return ERR_FAIL;
        p->decided = nd;
        p->cap_decided = ncap;
    }
    int rc = fill_example(&p->decided[p->n_decided], change, hh, b, a);
    if (rc == 0)
        p->n_decided++;
    return rc;
}

static int policy_failed(const struct eval_result *res, const char *policy)
{
    for (size_t i = 0; i < res->n_errors; i++)
        if (str_eq(res->errors[i].policy, policy))
            return 1;
    return 0;
}

static int same_key(const struct finding *x, const struct finding *y)
{
    return x->member_id == y->member_id && str_eq(x->policy, y->policy) &&
           strcmp(x->measure, y->measure) == 0;
}

static int differs(const struct finding *x, const struct finding *y)
{
    return x->kind != y->kind || (x->has_amount != 0) != (y->has_amount != 0) ||
           (x->has_amount && x->amount != y->amount) || !str_eq(x->reason, y->reason);
}

static int is_flag(const struct finding *f, const char *measure)
{
    return str_eq(f->policy, "exit") && strcmp(f->measure, measure) == 0;
}

/* Whether the household carries the flag before and after. */
static void flag_moves(const struct preview_stored *before, size_t n_before,
                       const struct eval_result *after, const char *measure, long *added,
                       long *removed)
{
    int had = 0, has = 0;
    for (size_t i = 0; i < n_before; i++)
        had |= is_flag(&before[i].f, measure);
    if (policy_failed(after, "exit"))
        has = had;
    else
        for (size_t i = 0; i < after->n_findings; i++)
            has |= is_flag(&after->findings[i], measure);
    *added += has && !had;
    *removed += had && !has;
}

int preview_add(struct preview *p, const struct household *hh, const struct preview_stored *before,
                size_t n_before, const struct eval_result *after)
{
    int rc = 0;
    struct sinks s;
    p->households++;
    p->errors += (long)after->n_errors;
    for (size_t i = 0; i < after->n_errors && !rc; i++) {
        /* A failing candidate policy is what its author must see first. */
        const char *name = after->errors[i].policy ? after->errors[i].policy : "";
        struct preview_group *g = group(&p->policies, &p->n_policies, &p->cap_policies, name, "");
        if (!g) {
            rc = ERR_FAIL;
            break;
        }
        g->c.errors++;
        if (!g->error && !(g->error = strdup(after->errors[i].msg)))
            rc = ERR_FAIL;
    }
    for (size_t i = 0; i < after->n_findings && !rc; i++) {
        const struct finding *f = &after->findings[i];
        if (policy_failed(after, f->policy))
            continue;
        int repeated = 0; /* the policy said it twice: the first one stands */
        for (size_t j = 0; j < i && !repeated; j++)
            repeated = same_key(&after->findings[j], f);
        if (repeated)
            continue;
        const struct preview_stored *b = NULL;
        for (size_t j = 0; j < n_before && !b; j++)
            if (same_key(&before[j].f, f))
                b = &before[j];
        if ((rc = sinks_for(p, hh, f->policy, f->measure, &s)) != 0)
            break;
        if (!b) {
            count(&s, PREVIEW_ADDED, 0, 0, f->has_amount, f->amount);
            rc = example(p, PREVIEW_ADDED, hh, NULL, f);
            continue;
        }
        int rejected = b->state == PREVIEW_REJECTED;
        int change = differs(&b->f, f) ? PREVIEW_CHANGED : -1;
        count(&s, b->state == PREVIEW_OPEN ? change : -1, !rejected && b->f.has_amount, b->f.amount,
              !rejected && f->has_amount, f->amount);
        if (change < 0)
            continue;
        rc = b->state == PREVIEW_OPEN ? example(p, PREVIEW_CHANGED, hh, b, f)
                                      : decided(p, PREVIEW_CHANGED, hh, b, f);
    }
    for (size_t j = 0; j < n_before && !rc; j++) {
        const struct preview_stored *b = &before[j];
        int seen = 0;
        for (size_t i = 0; i < after->n_findings && !seen; i++)
            seen = same_key(&b->f, &after->findings[i]) &&
                   !policy_failed(after, after->findings[i].policy);
        if (seen)
            continue;
        if ((rc = sinks_for(p, hh, b->f.policy, b->f.measure, &s)) != 0)
            break;
        int amount = b->state != PREVIEW_REJECTED && b->f.has_amount;
        if (policy_failed(after, b->f.policy)) {
            count(&s, -1, amount, b->f.amount, amount, b->f.amount);
            continue;
        }
        count(&s, b->state == PREVIEW_OPEN ? PREVIEW_WITHDRAWN : -1, amount, b->f.amount, 0, 0);
        rc = b->state == PREVIEW_OPEN ? example(p, PREVIEW_WITHDRAWN, hh, b, NULL)
                                      : decided(p, PREVIEW_WITHDRAWN, hh, b, NULL);
    }
    flag_moves(before, n_before, after, "exit_ready", &p->exit_ready_added, &p->exit_ready_removed);
    flag_moves(before, n_before, after, "return_risk", &p->return_risk_added,
               &p->return_risk_removed);
    if (rc)
        p->failed = 1;
    return rc;
}

int preview_set_label(struct preview *p, size_t i, const char *name)
{
    if (i >= p->n_regions)
        return ERR_INVALID;
    free(p->regions[i].label);
    p->regions[i].label = name && *name ? strdup(name) : NULL;
    return name && *name && !p->regions[i].label ? ERR_FAIL : 0;
}

static void counts_add(struct preview_counts *to, const struct preview_counts *from);

int preview_add_counts(struct preview *p, const char *policy, const char *measure,
                       const struct preview_counts *c)
{
    struct preview_group *g = group(&p->policies, &p->n_policies, &p->cap_policies, policy, "");
    if (g)
        counts_add(&g->c, c);
    struct preview_group *m =
        g ? group(&p->policies, &p->n_policies, &p->cap_policies, policy, measure) : NULL;
    if (!m) {
        p->failed = 1;
        return ERR_FAIL;
    }
    counts_add(&m->c, c);
    counts_add(&p->totals, c);
    return 0;
}

void preview_add_malformed(struct preview *p)
{
    p->households++;
    p->malformed++;
}

static void counts_add(struct preview_counts *to, const struct preview_counts *from)
{
    for (int k = 0; k < PREVIEW_N_CHANGES; k++)
        to->n[k] += from->n[k];
    to->before += from->before;
    to->after += from->after;
    to->errors += from->errors;
}

static int example_cmp(const void *x, const void *y)
{
    const struct preview_example *a = x, *b = y;
    return a->household_id < b->household_id ? -1 : a->household_id > b->household_id;
}

/* The n examples of a and the m of b, moved: the lowest households (first
 * their own order within one household), at most max kept in to (*n_to). */
static int keep_lowest(struct preview_example *all, size_t n, size_t max,
                       struct preview_example *to, size_t *n_to, int one_per_household)
{
    qsort(all, n, sizeof *all, example_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int keep = k < max &&
                   (!one_per_household || k == 0 || to[k - 1].household_id != all[i].household_id);
        if (keep)
            to[k++] = all[i];
        else
            example_free(&all[i]);
    }
    *n_to = k;
    return 0;
}

int preview_merge(struct preview *dst, struct preview *src)
{
    int rc = 0;
    dst->households += src->households;
    dst->malformed += src->malformed;
    dst->errors += src->errors;
    dst->failed |= src->failed;
    counts_add(&dst->totals, &src->totals);
    for (size_t i = 0; i < src->n_policies && !rc; i++) {
        struct preview_group *g = group(&dst->policies, &dst->n_policies, &dst->cap_policies,
                                        src->policies[i].a, src->policies[i].b);
        if (!g) {
            rc = ERR_FAIL;
            break;
        }
        counts_add(&g->c, &src->policies[i].c);
        if (!g->error && src->policies[i].error) {
            g->error = src->policies[i].error; /* moved */
            src->policies[i].error = NULL;
        }
    }
    for (size_t i = 0; i < src->n_regions && !rc; i++) {
        struct preview_group *g = group(&dst->regions, &dst->n_regions, &dst->cap_regions,
                                        src->regions[i].a, src->regions[i].b);
        if (g)
            counts_add(&g->c, &src->regions[i].c);
        else
            rc = ERR_FAIL;
    }
    dst->exit_ready_added += src->exit_ready_added;
    dst->exit_ready_removed += src->exit_ready_removed;
    dst->return_risk_added += src->return_risk_added;
    dst->return_risk_removed += src->return_risk_removed;
    for (int k = 0; k < PREVIEW_N_CHANGES; k++) {
        struct preview_example all[2 * PREVIEW_EXAMPLES];
        size_t n = 0;
        for (size_t i = 0; i < dst->n_examples[k]; i++)
            all[n++] = dst->examples[k][i];
        for (size_t i = 0; i < src->n_examples[k]; i++)
            all[n++] = src->examples[k][i];
        src->n_examples[k] = 0;
        keep_lowest(all, n, PREVIEW_EXAMPLES, dst->examples[k], &dst->n_examples[k], 1);
    }
    dst->decided_total += src->decided_total;
    size_t n = dst->n_decided + src->n_decided;
    if (n > dst->cap_decided) {
        struct preview_example *nd = realloc(dst->decided, n * sizeof *nd);
        if (!nd) {
            rc = ERR_FAIL;
            n = dst->n_decided; /* src's are freed with src */
        } else {
            dst->decided = nd;
            dst->cap_decided = n;
        }
    }
    if (n > dst->n_decided) {
        memcpy(dst->decided + dst->n_decided, src->decided, src->n_decided * sizeof *src->decided);
        src->n_decided = 0;
        /* Several findings of one household may be decided: keep them all. */
        keep_lowest(dst->decided, n, PREVIEW_DECIDED_MAX, dst->decided, &dst->n_decided, 0);
    }
    if (rc)
        dst->failed = 1;
    preview_free(src);
    return rc;
}

static int group_cmp(const void *x, const void *y)
{
    const struct preview_group *a = x, *b = y;
    int c = strcmp(a->a, b->a);
    return c ? c : strcmp(a->b, b->b);
}

void preview_finish(struct preview *p)
{
    /* qsort wants an array even for none: a measured difference has no regions. */
    if (p->n_policies)
        qsort(p->policies, p->n_policies, sizeof *p->policies, group_cmp);
    if (p->n_regions)
        qsort(p->regions, p->n_regions, sizeof *p->regions, group_cmp);
}
