/* store_tally.c - the difference of a reload counted as rows are written:
 * an open-addressing map from finding id to its first and last state. */
#include "store_tally.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

struct pair {
    char *policy, *measure;
};

struct slot {
    int64_t id; /* 0: empty (finding ids start at 1) */
    size_t pair;
    struct tally_row before, after;
};

struct store_tally {
    char *policies; /* ",a,b," */
    struct pair *pairs;
    size_t n_pairs, cap_pairs;
    struct slot *slots;
    size_t n, cap; /* cap a power of two */
    int lost;      /* a row could not be kept */
};

int store_tally_new(const char *policies, struct store_tally **out, struct err *e)
{
    *out = NULL;
    struct store_tally *t = calloc(1, sizeof *t);
    size_t len = strlen(policies);
    if (!t || !(t->policies = malloc(len + 3))) {
        free(t);
        return err_set(e, ERR_FAIL, _("out of memory"));
    }
    t->policies[0] = ',';
    memcpy(t->policies + 1, policies, len);
    memcpy(t->policies + 1 + len, ",", 2);
    *out = t;
    return 0;
}

void store_tally_free(struct store_tally *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_pairs; i++) {
        free(t->pairs[i].policy);
        free(t->pairs[i].measure);
    }
    free(t->pairs);
    free(t->slots);
    free(t->policies);
    free(t);
}

int store_tally_wants(const struct store_tally *t, const char *policy)
{
    if (!t || !policy || !*policy)
        return 0;
    size_t len = strlen(policy);
    for (const char *p = strstr(t->policies, policy); p; p = strstr(p + 1, policy))
        if (p[-1] == ',' && p[len] == ',')
            return 1;
    return 0;
}

uint64_t store_tally_reason(const char *reason)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a: a reason is a few hundred bytes */
    for (const unsigned char *p = (const unsigned char *)(reason ? reason : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return reason ? h : 0;
}

static size_t hash_id(int64_t id, size_t cap)
{
    uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 17) & (cap - 1);
}

static int grow(struct store_tally *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    struct slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].id)
            continue;
        size_t k = hash_id(t->slots[i].id, ncap);
        while (ns[k].id)
            k = (k + 1) & (ncap - 1);
        ns[k] = t->slots[i];
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return 0;
}

static long pair_of(struct store_tally *t, const char *policy, const char *measure)
{
    for (size_t i = t->n_pairs; i-- > 0;)
        if (strcmp(t->pairs[i].policy, policy) == 0 && strcmp(t->pairs[i].measure, measure) == 0)
            return (long)i;
    if (t->n_pairs == t->cap_pairs) {
        size_t ncap = t->cap_pairs ? t->cap_pairs * 2 : 16;
        struct pair *np = realloc(t->pairs, ncap * sizeof *np);
        if (!np)
            return -1;
        t->pairs = np;
        t->cap_pairs = ncap;
    }
    struct pair *p = &t->pairs[t->n_pairs];
    p->policy = strdup(policy);
    p->measure = strdup(measure);
    if (!p->policy || !p->measure) {
        free(p->policy);
        free(p->measure);
        return -1;
    }
    return (long)t->n_pairs++;
}

int store_tally_row(struct store_tally *t, int64_t id, const char *policy, const char *measure,
                    const struct tally_row *before, const struct tally_row *after)
{
    if (!t || id <= 0)
        return 0;
    if ((t->n + 1) * 2 > t->cap && grow(t) != 0) {
        t->lost = 1;
        return ERR_FAIL;
    }
    size_t k = hash_id(id, t->cap);
    while (t->slots[k].id && t->slots[k].id != id)
        k = (k + 1) & (t->cap - 1);
    struct slot *s = &t->slots[k];
    if (!s->id) {
        long pair = pair_of(t, policy ? policy : "", measure ? measure : "");
        if (pair < 0) {
            t->lost = 1;
            return ERR_FAIL;
        }
        s->id = id;
        s->pair = (size_t)pair;
        s->before = *before;
        t->n++;
    }
    s->after = *after;
    return 0;
}

static int differ(const struct tally_row *a, const struct tally_row *b)
{
    if (a->has_amount != b->has_amount || (a->has_amount && a->amount != b->amount))
        return 1;
    return a->reason != b->reason;
}

int store_tally_diffs(const struct store_tally *t, struct rule_diff **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    if (t->lost)
        return err_set(e, ERR_FAIL, _("out of memory while counting the difference"));
    struct rule_diff *d = calloc(t->n_pairs ? t->n_pairs : 1, sizeof *d);
    if (!d)
        return err_set(e, ERR_FAIL, _("out of memory"));
    for (size_t i = 0; i < t->cap; i++) {
        const struct slot *s = &t->slots[i];
        if (!s->id)
            continue;
        const struct tally_row *b = &s->before, *a = &s->after;
        int bl = b->exists && b->live, al = a->exists && a->live;
        struct rule_diff *x = &d[s->pair];
        int touched = 1;
        if (al && !bl)
            x->added++;
        else if (bl && !al)
            x->withdrawn++;
        else if (al && bl && differ(a, b))
            x->changed++;
        else
            touched = 0;
        if (touched && b->exists && b->counted && b->has_amount)
            x->amount_before += b->amount;
        if (touched && a->exists && a->counted && a->has_amount)
            x->amount_after += a->amount;
    }
    /* Only the measures something happened to, by policy and measure. */
    size_t m = 0;
    for (size_t i = 0; i < t->n_pairs; i++) {
        if (!d[i].added && !d[i].withdrawn && !d[i].changed)
            continue;
        d[m] = d[i];
        d[m].policy = strdup(t->pairs[i].policy);
        d[m].measure = strdup(t->pairs[i].measure);
        m++;
        if (!d[m - 1].policy || !d[m - 1].measure) {
            rule_diffs_free(d, m);
            return err_set(e, ERR_FAIL, _("out of memory"));
        }
    }
    for (size_t i = 0; i + 1 < m; i++) /* few: insertion sort */
        for (size_t j = i + 1; j > 0; j--) {
            int c = strcmp(d[j - 1].policy, d[j].policy);
            if (c < 0 || (c == 0 && strcmp(d[j - 1].measure, d[j].measure) <= 0))
                break;
            struct rule_diff tmp = d[j - 1];
            d[j - 1] = d[j];
            d[j] = tmp;
        }
    *out = d;
    *n = m;
    return 0;
}
