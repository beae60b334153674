/* store_digest.c - the findings digest: hashing an evaluation per policy,
 * the blob's layout, and the comparisons reconciliation makes with it. */
#include "store_digest.h"

#include <string.h>

static int same_name(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Two 64-bit lanes over every byte reconciliation reads from res, fields
 * NUL- or length-delimited. Not cryptographic: a false match needs two
 * different evaluations of one policy on one household to agree in 64
 * bits. */
struct digest {
    uint64_t a, b;
};

#define DIGEST_INIT                                                                                \
    {                                                                                              \
        0xcbf29ce484222325ull, 0x6a09e667f3bcc908ull                                               \
    }

static void dig_word(uint64_t *a, uint64_t *b, uint64_t w)
{
    *a = (*a ^ w) * 0x100000001b3ull;
    *a ^= *a >> 32;
    *b = (*b + w) * 0x9e3779b97f4a7c15ull;
    *b = *b << 31 | *b >> 33;
}

/* Eight bytes a step: the reasons are most of what is hashed. */
static void dig_bytes(struct digest *d, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t a = d->a, b = d->b, w;
    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8);
        dig_word(&a, &b, w);
    }
    w = 0;
    memcpy(&w, p, len);
    dig_word(&a, &b, w ^ (uint64_t)len << 59); /* the tail and its length */
    d->a = a;
    d->b = b;
}

static void dig_str(struct digest *d, const char *s)
{
    dig_bytes(d, s ? s : "", s ? strlen(s) + 1 : 1);
}

static void dig_int(struct digest *d, int64_t v)
{
    dig_bytes(d, &v, sizeof v);
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t dig_end(const struct digest *d)
{
    return mix(d->a ^ mix(d->b + 0x9e3779b97f4a7c15ull));
}

uint64_t store_digest_policy(const char *name)
{
    struct digest d = DIGEST_INIT;
    dig_str(&d, name);
    return dig_end(&d);
}

const struct pdigest *store_digest_entry(const struct hdigest *h, uint64_t policy)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->e[i].policy == policy)
            return &h->e[i];
    return NULL;
}

static int has_hash(const uint64_t *list, size_t n, uint64_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return 1;
    return 0;
}

static void entry_add(struct hdigest *h, const struct pdigest *p)
{
    size_t i = h->n++;
    for (; i > 0 && h->e[i - 1].policy > p->policy; i--)
        h->e[i] = h->e[i - 1];
    h->e[i] = *p;
}

int store_digest_result(const struct eval_result *res, struct hdigest *out, uint64_t *errs)
{
    struct acc {
        const char *name;
        struct digest c, s;
        int64_t n;
    } acc[DIGEST_MAX];
    size_t n = 0;
    if (res->n_errors > DIGEST_MAX)
        return -1;
    for (size_t i = 0; i < res->n_errors; i++)
        errs[i] = store_digest_policy(res->errors[i].policy);
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct finding *f = &res->findings[i];
        /* A policy's findings come together: the last one is the likely one. */
        size_t k = n;
        if (n && same_name(acc[n - 1].name, f->policy))
            k = n - 1;
        for (size_t j = 0; k == n && j < n; j++)
            if (same_name(acc[j].name, f->policy))
                k = j;
        if (k == n) {
            if (has_hash(errs, res->n_errors, store_digest_policy(f->policy)))
                continue; /* failed or out of the pass */
            if (n == DIGEST_MAX)
                return -1;
            acc[n] = (struct acc){.name = f->policy, .c = DIGEST_INIT, .s = DIGEST_INIT};
            n++;
        }
        struct acc *a = &acc[k];
        a->n++;
        dig_int(&a->c, f->member_id);
        dig_str(&a->c, f->measure);
        dig_int(&a->c, (int64_t)f->kind);
        dig_int(&a->c, f->has_amount ? 1 : 0);
        if (f->has_amount)
            dig_bytes(&a->c, &f->amount, sizeof f->amount);
        dig_str(&a->c, f->reason);
        dig_str(&a->s, f->source);
    }
    out->valid = 1;
    out->n = out->n_unknown = 0;
    for (size_t k = 0; k < n; k++) {
        dig_int(&acc[k].c, acc[k].n);
        struct pdigest p = {store_digest_policy(acc[k].name), dig_end(&acc[k].c),
                            dig_end(&acc[k].s)};
        entry_add(out, &p);
    }
    return 0;
}

size_t store_digest_encode(const struct hdigest *h, unsigned char *buf)
{
    buf[0] = DIGEST_VERSION;
    buf[1] = (unsigned char)h->n;
    buf[2] = (unsigned char)h->n_unknown;
    memcpy(buf + 3, h->e, h->n * sizeof h->e[0]);
    memcpy(buf + 3 + h->n * sizeof h->e[0], h->unknown, h->n_unknown * sizeof h->unknown[0]);
    return 3 + h->n * sizeof h->e[0] + h->n_unknown * sizeof h->unknown[0];
}

void store_digest_decode(const void *blob, size_t len, struct hdigest *h)
{
    const unsigned char *b = blob;
    h->valid = 0;
    h->n = h->n_unknown = 0;
    if (!b || len < 3 || b[0] != DIGEST_VERSION || b[1] > DIGEST_MAX || b[2] > DIGEST_MAX ||
        len != 3 + b[1] * sizeof h->e[0] + b[2] * sizeof h->unknown[0])
        return;
    h->n = b[1];
    h->n_unknown = b[2];
    memcpy(h->e, b + 3, h->n * sizeof h->e[0]);
    memcpy(h->unknown, b + 3 + h->n * sizeof h->e[0], h->n_unknown * sizeof h->unknown[0]);
    /* As encode writes it: entries by ascending policy, each policy once,
     * known or unknown. */
    int ok = 1;
    for (size_t i = 1; ok && i < h->n; i++)
        ok = h->e[i - 1].policy < h->e[i].policy;
    for (size_t i = 0; ok && i < h->n_unknown; i++)
        ok = !has_hash(h->unknown, i, h->unknown[i]) && !store_digest_entry(h, h->unknown[i]);
    if (!ok)
        h->n = h->n_unknown = 0;
    h->valid = ok;
}

int store_digest_same(const struct hdigest *now, const struct hdigest *stored, const uint64_t *errs,
                      size_t n_errs)
{
    if (!stored->valid)
        return 0;
    for (size_t i = 0; i < now->n; i++) {
        const struct pdigest *p = store_digest_entry(stored, now->e[i].policy);
        if (!p || p->content != now->e[i].content)
            return 0;
    }
    for (size_t i = 0; i < stored->n; i++)
        if (!store_digest_entry(now, stored->e[i].policy) &&
            !has_hash(errs, n_errs, stored->e[i].policy))
            return 0;
    for (size_t i = 0; i < stored->n_unknown; i++)
        if (!has_hash(errs, n_errs, stored->unknown[i]))
            return 0;
    return 1;
}

int store_digest_merge(struct hdigest *now, const struct hdigest *stored, const uint64_t *errs,
                       size_t n_errs)
{
    for (size_t i = 0; i < n_errs; i++) {
        if (has_hash(errs, i, errs[i]) || store_digest_entry(now, errs[i]))
            continue; /* named twice */
        const struct pdigest *p = stored->valid ? store_digest_entry(stored, errs[i]) : NULL;
        if (p && now->n == DIGEST_MAX)
            return -1;
        if (p)
            entry_add(now, p);
        else if (!stored->valid || has_hash(stored->unknown, stored->n_unknown, errs[i]))
            now->unknown[now->n_unknown++] = errs[i];
    }
    return 0;
}
