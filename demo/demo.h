/* demo.h - the demo city: a deterministic synthetic Heyuan City (Guangdong,
 * 2016-2018) shaped like the numbers of the plan, written into an empty
 * database for demos, tests and benchmarks. The generator is pure; writing
 * it is store_demo.h's job. */
#ifndef FUPIN_DEMO_H
#define FUPIN_DEMO_H

#include "err.h"

#include <stdint.h>

#define DEMO_DEFAULT_SEED 20160601u
#define DEMO_DEFAULT_HOUSEHOLDS 45700L
/* Bounds for households: below the minimum the city's shape (six counties,
 * poor and city-paired villages) cannot be kept. */
#define DEMO_MIN_HOUSEHOLDS 100L
#define DEMO_MAX_HOUSEHOLDS 5000000L
/* The date the demo city is "as of": overdue tasks and missing visits are
 * counted against it (configs/fupin.yaml evaluates as of the same date). */
#define DEMO_AS_OF "2018-06-30"

struct demo_options {
    uint64_t seed;   /* same seed, same database; 0 means DEMO_DEFAULT_SEED */
    long households; /* 0 means DEMO_DEFAULT_HOUSEHOLDS; every count scales with it */
};

/* What demo_fill wrote. Members are people; "scattered" are households in
 * villages that are not designated poor villages. */
struct demo_counts {
    long households, members;
    long poor_villages, poor_village_households, poor_village_members;
    long scattered_households, scattered_members;
    long villages, towns, counties;
    long city_unit_villages; /* non-poor villages paired with a city-level unit */
    long cadres, pairings, visits, supervisors;
    long tasks, overdue_tasks; /* overdue: open and due before DEMO_AS_OF */
    long funds, loans;
};

#endif
