/* nightly_prefetch.c - reads the nightly job's independent checks ahead on
 * a second, read-only connection in one thread, keeping the rows for the
 * job to replay. The three checks were a third of the job at 1M households
 * and need nothing the job writes. Never writes the database. */
#include "nightly_prefetch.h"
#include "arena.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing array of fixed-size rows. */
struct rows {
    char *v;
    size_t n, cap, size;
};

struct nightly_prefetch {
    struct store *rd;
    char date[16];
    long no_visit_days;
    int towns;
    pthread_t thread;
    int running;
    int rc; /* the thread's result, with e */
    struct err e;
    struct arena strings;
    struct rows households, cadres, town_rows;
};

/* Appends row; ok 0 (a string of it could not be kept) fails the same way
 * as running out of room. */
static int push(struct rows *r, const void *row, int ok, struct err *e)
{
    if (!ok)
        return err_set(e, ERR_FAIL, "out of memory reading the nightly checks");
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        char *v = realloc(r->v, cap * r->size);
        if (!v)
            return err_set(e, ERR_FAIL, "out of memory reading the nightly checks");
        r->v = v;
        r->cap = cap;
    }
    memcpy(r->v + r->n++ * r->size, row, r->size);
    return 0;
}

/* Copies s into the arena; *ok turns 0 when out of memory. */
static const char *keep(struct nightly_prefetch *p, const char *s, int *ok)
{
    const char *c = arena_strdup(&p->strings, s);
    if (s && !c)
        *ok = 0;
    return c;
}

static int keep_household(void *ctx, const struct nightly_household *h, struct err *e)
{
    struct nightly_prefetch *p = ctx;
    int ok = 1;
    struct nightly_household c = {
        .household_id = h->household_id,
        .village = keep(p, h->village, &ok),
        .village_name = keep(p, h->village_name, &ok),
    };
    return push(&p->households, &c, ok, e);
}

static int keep_cadre(void *ctx, const struct nightly_cadre *cd, struct err *e)
{
    struct nightly_prefetch *p = ctx;
    int ok = 1;
    struct nightly_cadre c = {
        .cadre_id = cd->cadre_id,
        .name = keep(p, cd->name, &ok),
        .town = keep(p, cd->town, &ok),
        .last = keep(p, cd->last, &ok),
        .days = cd->days,
    };
    return push(&p->cadres, &c, ok, e);
}

static int keep_town(void *ctx, const struct nightly_town *t, struct err *e)
{
    struct nightly_prefetch *p = ctx;
    int ok = 1;
    struct nightly_town c = {
        .town = keep(p, t->town, &ok),
        .name = keep(p, t->name, &ok),
        .county = keep(p, t->county, &ok),
        .base = t->base,
        .exited = t->exited,
    };
    return push(&p->town_rows, &c, ok, e);
}

static void *run(void *arg)
{
    struct nightly_prefetch *p = arg;
    /* One read transaction: the three checks see one snapshot, as they do
     * inside the job's own transaction. */
    int rc = store_begin_read(p->rd, &p->e);
    if (rc == 0)
        rc = store_nightly_unpaired(p->rd, keep_household, p, &p->e);
    if (rc == 0)
        rc = store_nightly_idle_cadres(p->rd, p->date, p->no_visit_days, keep_cadre, p, &p->e);
    if (rc == 0 && p->towns)
        rc = store_nightly_towns(p->rd, p->date, keep_town, p, &p->e);
    store_rollback(p->rd);
    p->rc = rc;
    return NULL;
}

int nightly_prefetch_start(struct store *st, const char *date, long no_visit_days, int towns,
                           struct nightly_prefetch **out, struct err *e)
{
    *out = NULL;
    struct nightly_prefetch *p = calloc(1, sizeof *p);
    if (!p)
        return err_set(e, ERR_FAIL, "out of memory");
    snprintf(p->date, sizeof p->date, "%s", date);
    p->no_visit_days = no_visit_days;
    p->towns = towns;
    p->households.size = sizeof(struct nightly_household);
    p->cadres.size = sizeof(struct nightly_cadre);
    p->town_rows.size = sizeof(struct nightly_town);
    int rc = store_open(store_path(st), STORE_READ, &p->rd, e);
    if (rc == 0 && pthread_create(&p->thread, NULL, run, p) != 0)
        rc = err_set(e, ERR_FAIL, "cannot start the nightly read-ahead thread");
    if (rc) {
        nightly_prefetch_free(p);
        return rc;
    }
    p->running = 1;
    *out = p;
    return 0;
}

static int wait_rows(struct nightly_prefetch *p, struct err *e)
{
    if (p->running) {
        pthread_join(p->thread, NULL);
        p->running = 0;
        store_close(p->rd);
        p->rd = NULL;
    }
    if (p->rc && e)
        *e = p->e;
    return p->rc;
}

int nightly_prefetch_unpaired(struct nightly_prefetch *p, store_nightly_household_fn fn, void *ctx,
                              struct err *e)
{
    int rc = wait_rows(p, e);
    const struct nightly_household *h = (const void *)p->households.v;
    for (size_t i = 0; rc == 0 && i < p->households.n; i++)
        rc = fn(ctx, &h[i], e);
    return rc;
}

int nightly_prefetch_idle_cadres(struct nightly_prefetch *p, store_nightly_cadre_fn fn, void *ctx,
                                 struct err *e)
{
    int rc = wait_rows(p, e);
    const struct nightly_cadre *c = (const void *)p->cadres.v;
    for (size_t i = 0; rc == 0 && i < p->cadres.n; i++)
        rc = fn(ctx, &c[i], e);
    return rc;
}

int nightly_prefetch_towns(struct nightly_prefetch *p, store_nightly_town_fn fn, void *ctx,
                           struct err *e)
{
    int rc = wait_rows(p, e);
    const struct nightly_town *t = (const void *)p->town_rows.v;
    for (size_t i = 0; rc == 0 && i < p->town_rows.n; i++)
        rc = fn(ctx, &t[i], e);
    return rc;
}

void nightly_prefetch_free(struct nightly_prefetch *p)
{
    if (!p)
        return;
    wait_rows(p, NULL);
    store_close(p->rd);
    arena_free(&p->strings);
    free(p->households.v);
    free(p->cadres.v);
    free(p->town_rows.v);
    free(p);
}
