/* demo_measures.c - the demo city's facts for the measures of issue #18:
 * land taken by transfer and family farms (二(一)), the wish to start a
 * business (二(二)), pension contribution years (二(三)) and the villages'
 * 信用村 rating (二(七)). Pure, and drawn from streams of their own (the
 * household's id, the village's index) so the rest of the city stays
 * exactly as it was drawn before these facts existed. */
#include "date.h"
#include "demo.h"
#include "demo_city.h"

#include <string.h>

static struct demo_rng stream(uint64_t key, uint64_t salt)
{
    struct demo_rng r = {.state = key * 0xD1B54A32D192ED03ull ^ salt};
    demo_rng_next(&r);
    return r;
}

/* Heyuan began rating credit villages in 2016: by mid-2018 a small share
 * are rated, more were assessed without reaching the mark, the rest wait. */
int demo_village_credit(int v)
{
    struct demo_rng r = stream((uint64_t)v + 1, 0x6372656469747669ull);
    double u = demo_rng_unit(&r);
    return u < 0.08 ? 1 : u < 0.55 ? 0 : -1;
}

static int is_worker(const struct demo_member *m, int age)
{
    return age >= 16 && age <= 60 && m->labor && strcmp(m->labor, "none") != 0 && !m->school_stage;
}

/* Years paid into the residents' pension (城乡居民养老保险, in Guangdong
 * since 2009-2012): at most the years since then. Most members near the
 * pension age have already settled the lump sum (趸缴) and stand at the
 * 15-year minimum; the rest are what pension_lump_sum finds. */
static int pension_years(struct demo_rng *r, const struct demo_member *m, int age)
{
    if (!m->pension_insured || age < 16 || demo_rng_chance(r, 0.1))
        return -1; /* not recorded */
    int paid = (int)demo_rng_range(r, 0, age - 16 < 8 ? age - 16 : 8);
    if (age >= 55 && age <= 60 && demo_rng_chance(r, 0.8))
        paid = 15;
    return paid;
}

void demo_measures_make(struct demo_household *h)
{
    struct demo_rng r = stream((uint64_t)h->id, 0x6d65617375726573ull);
    int workers = 0;
    for (int i = 0; i < h->n_members; i++) {
        struct demo_member *m = &h->members[i];
        int age = date_age(m->birth_date, DEMO_AS_OF);
        int worker = is_worker(m, age);
        workers += worker;
        /* 创办电商、维修服务: young adults more often than the rest. */
        m->wants_business = worker && demo_rng_chance(&r, age <= 40 ? 0.06 : 0.02);
        m->business_trained = m->wants_business && demo_rng_chance(&r, 0.3);
        m->pension_years = pension_years(&r, m, age);
    }
    if (workers == 0)
        return;
    /* 承接流转土地: wished by some households wanting to farm, done by a few,
     * and a family farm or joint operation grown from about a third of those. */
    h->wants_land_transfer = h->wants_industry && demo_rng_chance(&r, 0.1);
    h->land_transferred_in = !h->wants_land_transfer && demo_rng_chance(&r, 0.05);
    h->family_farm = h->land_transferred_in && workers >= 2 && demo_rng_chance(&r, 0.35);
}
