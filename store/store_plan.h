/* store_plan.h - the queries of the nightly plan checks (nightly_plan.c):
 * the yearly reduction targets with the exits that count against them, and
 * the town teams' six items (六有). Reads only; strings handed to callbacks
 * live only during the call. */
#ifndef FUPIN_STORE_PLAN_H
#define FUPIN_STORE_PLAN_H

#include "err.h"
#include "store.h"

/* One reduction_target row with what it is measured against. */
struct store_plan_target {
    const char *region, *name, *level; /* the county or town */
    const char *above, *above_level;   /* its parent region; NULL at the top */
    long target;                       /* households to exit in the year */
    long exited; /* households of the region with status exited and exited_at in [from, to] */
};
typedef int (*store_plan_target_fn)(void *ctx, const struct store_plan_target *t, struct err *e);
/* Every target of year, its exits counted over the dates from..to
 * ("YYYY-MM-DD", inclusive), in region order. fn's error stops the walk and
 * is returned. */
int store_plan_targets(struct store *st, int year, const char *from, const char *to,
                       store_plan_target_fn fn, void *ctx, struct err *e);

/* The six items of 三(二)2 in the plan's order, as town_team's columns. */
#define STORE_PLAN_TOWN_ITEMS 6
struct store_plan_town {
    const char *town, *name, *county;
    int recorded;                        /* 0: no town_team row */
    int has[STORE_PLAN_TOWN_ITEMS];      /* office, staff, wall_chart, battle_map,
                                            case_files, publicity_board */
    const char *checked_at, *checked_by; /* may be NULL */
};
typedef int (*store_plan_town_fn)(void *ctx, const struct store_plan_town *t, struct err *e);
/* Every town with a registered or returned household whose six items are
 * not all recorded as present, in town order. */
int store_plan_incomplete_towns(struct store *st, store_plan_town_fn fn, void *ctx, struct err *e);

#endif
