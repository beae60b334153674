/* demo_city.h - the demo city's generator, shared by demo_city.c (what the
 * city looks like) and store_demo.c (writing it out). Pure computation from
 * a seed: no database, no clock, no global state. */
#ifndef FUPIN_DEMO_CITY_H
#define FUPIN_DEMO_CITY_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define DEMO_COUNTIES 6
#define DEMO_MAX_MEMBERS 7
#define DEMO_MAX_VISITS 6
#define DEMO_MAX_TASKS 3

struct demo_rng {
    uint64_t state;
};

struct demo_county {
    const char *code, *name;
    int base_towns; /* towns at the plan's 45,700 households */
};
extern const struct demo_county demo_counties[DEMO_COUNTIES];

struct demo_town {
    char code[10];
    char name[32];
    int county;
};

struct demo_village {
    char code[13];
    char name[32];
    int town;
    unsigned char poor, livable;
    int city_unit; /* index of the paired city-level unit, or -1 */
    long households;
};

/* The whole city's skeleton (regions and how many households each village
 * holds) plus the running state the household generator needs. Its size
 * grows with villages, not with households. */
struct demo_plan {
    struct demo_rng rng;
    long households, members, poor_households, poor_members;
    int n_towns, n_villages, n_poor_villages, n_city_units;
    struct demo_town *towns;
    struct demo_village *villages;
    long left_households[2], left_members[2]; /* indexed by poor (0/1) */
    uint16_t *id_seq;                         /* per county, birth day and sex: next ID sequence */
    long next_member_id;
    long n_compulsory, n_overdue, n_approved, n_loans; /* for the guaranteed rare cases */
    long day_as_of, day_1900;
};

struct demo_member {
    long id;
    char name[16];
    char id_number[19];
    const char *relation;
    char birth_date[11];
    /* labor NULL: not recorded (the cadre has yet to); school_stage NULL:
     * not in school */
    const char *labor, *health, *school_stage;
    int medical_insured, critical_insured, pension_insured, employed, wants_job, skills;
    /* demo_measures.c: 创业 wish and training; pension years paid, -1 not recorded */
    int wants_business, business_trained, pension_years;
};

struct demo_income {
    int year;
    double wage, production, property, transfer;
};

struct demo_task {
    const char *measure, *title, *status;
    char due[11], done_at[11]; /* done_at "" = NULL */
};

struct demo_fund {
    const char *project, *status;
    double amount, expected_return;
    char notice_from[11], notice_to[11], approved_at[11]; /* "" = NULL */
    int objections;
};

struct demo_loan {
    double amount;
    int term_months;
    char start_date[11];
    int collateral, guarantor, interest_subsidised;
};

/* What befell a household (三(六) 因灾、因病返贫). */
struct demo_shock {
    const char *kind;
    char date[11];
    double loss;
};

struct demo_household {
    long id;
    char head_name[16];
    const char *status, *poverty_cause, *housing_grade, *credit_rating; /* rating may be NULL */
    int housing_renovated, tap_water, wants_relocation, wants_industry, has_project;
    int dibao, has_land;
    int food_secure, clothing_secure;      /* 两不愁 as recorded: 1, 0, -1 not recorded */
    char registered_at[11], exited_at[11]; /* exited_at "" = NULL */
    int n_members;
    struct demo_member members[DEMO_MAX_MEMBERS];
    struct demo_income income[3]; /* 2015, 2016, 2017 */
    long cadre_id;                /* 0: not paired */
    char paired_since[11];
    int n_visits;
    char visits[DEMO_MAX_VISITS][11];
    const char *visit_notes[DEMO_MAX_VISITS];
    int n_tasks;
    struct demo_task tasks[DEMO_MAX_TASKS];
    int n_funds, n_loans, n_links, n_shares; /* 0 or 1 each */
    struct demo_fund fund;
    struct demo_loan loan;
    const char *link_kind;
    char link_name[96];
    const char *share_project;
    double share_amount;
    char share_since[11];
    int n_shocks; /* 0 or 1 */
    struct demo_shock shock;
    /* demo_measures.c: 承接流转土地、家庭农场 */
    int wants_land_transfer, land_transferred_in, family_farm;
};

struct demo_cadre {
    char name[16];
    char unit[96];
    char phone[12];
};

/* splitmix64: small, fast, and the same stream on every platform. */
static inline uint64_t demo_rng_next(struct demo_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* Uniform in [0, 1). */
static inline double demo_rng_unit(struct demo_rng *r)
{
    return (double)(demo_rng_next(r) >> 11) * 0x1.0p-53;
}
/* Uniform integer in [lo, hi]. */
static inline long demo_rng_range(struct demo_rng *r, long lo, long hi)
{
    return lo + (long)(demo_rng_next(r) % (uint64_t)(hi - lo + 1));
}
static inline int demo_rng_chance(struct demo_rng *r, double p)
{
    return demo_rng_unit(r) < p;
}

/* Lays out the city for `households` households. Returns 0, or ERR_INVALID
 * for an out-of-range size / ERR_FAIL when out of memory. */
int demo_plan_init(struct demo_plan *p, uint64_t seed, long households, struct err *e);
void demo_plan_free(struct demo_plan *p);

/* Name of city-level unit i (i < p->n_city_units), into buf. */
void demo_city_unit_name(int i, char *buf, size_t size);
/* A random person's name (surname + given name), into out[16]. */
void demo_person_name(struct demo_rng *r, int male, char out[16]);
/* Cadres working in village v: how many, and cadre k of them. */
int demo_village_cadres(const struct demo_plan *p, int v);
void demo_cadre_make(struct demo_plan *p, int v, struct demo_cadre *c);
/* Whether a cadre stopped visiting (no handbook entry in the last months). */
int demo_cadre_is_lazy(long cadre_id);

/* The 信用村 rating of village v: 1 rated, 0 assessed and not rated, -1
 * never assessed. Drawn from v alone, not from the plan's stream. */
int demo_village_credit(int v);
/* The facts of issue #18's measures for household h (its members made):
 * drawn from a stream of h's own id, so adding them changed no other draw
 * of the city. */
void demo_measures_make(struct demo_household *h);

/* Household number `index` of village v, with id `id`, paired (or not) with
 * one of the village's cadres first_cadre .. first_cadre + n_cadres - 1. */
void demo_household_make(struct demo_plan *p, int v, long index, long id, long first_cadre,
                         int n_cadres, struct demo_household *h);

#endif
