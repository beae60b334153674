/* store_console.h - what the web console's pages read: a region's overview
 * counts and its child regions, one household's record and history, open
 * tasks by region or cadre, and the rule version history. Read-only: every
 * write the console makes goes through the CLI's own functions
 * (store_finding_decide, store_alert_ack_by, store_change_decide). */
#ifndef FUPIN_STORE_CONSOLE_H
#define FUPIN_STORE_CONSOLE_H

#include "err.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

struct console_region {
    char code[32], name[128], level[12], parent[32];
    int poor_village;
};

/* Region code into *out; ERR_NOTFOUND when there is none. */
int store_console_region(struct store *st, const char *code, struct console_region *out,
                         struct err *e);

/* The top of the region tree (a region without parent; the smallest code
 * when there are several) into buf; "" when there are no regions. */
int store_console_top(struct store *st, char *buf, size_t size, struct err *e);

/* The regions above code, from the top down (city first, code's parent
 * last), into out (at most max); *n how many. */
int store_console_ancestors(struct store *st, const char *code, struct console_region *out, int max,
                            int *n, struct err *e);

/* Overdue open tasks by how long they are overdue (days past due). */
enum console_overdue { OVERDUE_7, OVERDUE_30, OVERDUE_90, OVERDUE_MORE, OVERDUE_BUCKETS };
/* Live alerts by the level they are routed to now. */
enum console_level { LEVEL_VILLAGE, LEVEL_TOWN, LEVEL_COUNTY, LEVEL_CITY, LEVELS };

struct console_overview {
    long households, people;          /* every household under the region (建档立卡) */
    long scattered, scattered_people; /* of them outside the poor villages (分散) */
    long active;                      /* not exited: the ones cadre coverage counts */
    long paired;                      /* active households with a paired cadre */
    long exit_proposed, exited;       /* open or accepted exit_ready; status exited */
    long visits, visited;             /* visits since the since day; households visited */
    long overdue[OVERDUE_BUCKETS];    /* open tasks past due, by age */
    long alerts_open[LEVELS];         /* state open, by level */
    long alerts_acked[LEVELS];        /* state acked (still live), by level */
};

/* The counts of region code (and everything below it) as of today
 * (YYYY-MM-DD); visits count from since on. Run in one read transaction
 * (store_begin_read) for one consistent moment. */
int store_console_overview(struct store *st, const char *code, const char *today, const char *since,
                           struct console_overview *out, struct err *e);

/* One row of a query: n cells, NULL for an SQL NULL; strings live during
 * the call only. */
typedef int (*store_console_row_fn)(void *ctx, int n, const char *const *cells, struct err *e);

/* The read queries with their cells, in this order. Arguments come from
 * struct console_args; each query names the ones it uses. */
enum console_query {
    /* region: measure, state, count — live findings (not withdrawn) */
    CONSOLE_FINDINGS_BY_MEASURE,
    /* region, today: code, name, level, poor_village, households, people,
     * active, paired, open findings, overdue tasks — one row per child */
    CONSOLE_CHILDREN,
    /* region (a village), today: id, head_name, status, people, cadre name,
     * open findings, overdue tasks, cadre id */
    CONSOLE_VILLAGE_HOUSEHOLDS,
    /* id: id, village, village name, town name, county name, head_name,
     * status, poverty_cause, housing_grade, housing_renovated, tap_water,
     * dibao, has_land, registered_at, exited_at, cadre id, cadre name,
     * cadre phone, poor_village — at most one row */
    CONSOLE_HOUSEHOLD,
    /* id: id, name, id_number, relation, birth_date, labor, health,
     * school_stage, medical_insured, pension_insured, employed */
    CONSOLE_MEMBERS,
    /* id: year, wage, production, property, transfer, per-capita total */
    CONSOLE_INCOME,
    /* id: id, member name, policy, measure, kind, amount, reason, state,
     * source, decided_by, decided_at, decision_note, task_id, created_at,
     * facts changed (0/1) — every finding of the household but withdrawn
     * ones first, then the withdrawn */
    CONSOLE_HH_FINDINGS,
    /* id: id, measure, title, due, status, cadre name, done_at */
    CONSOLE_HH_TASKS,
    /* id: date, cadre name, note — newest first */
    CONSOLE_HH_VISITS,
    /* id: id, kind, severity, level, state, message, opened_at, acked_by,
     * ack_note, acked_at — newest first */
    CONSOLE_HH_ALERTS,
    /* region (may be NULL), cadre (0: any), today: id, household_id,
     * head_name, village name, measure, title, due, cadre name, days
     * overdue (0 when not yet due), town name, and the policy and kind of
     * the finding whose acceptance made the task — open tasks, most
     * overdue first */
    CONSOLE_OPEN_TASKS,
    /* none: id, kind, name, source, hash, activated_by, activated_at,
     * preview_summary — newest first */
    CONSOLE_RULE_VERSIONS,
    /* id (a rule change): preview_summary — the JSON kept at activation */
    CONSOLE_CHANGE_SUMMARY,
    CONSOLE_QUERIES
};

struct console_args {
    const char *region;
    int64_t id;    /* a household */
    int64_t cadre; /* 0: any */
    const char *today;
    int limit; /* rows at most; 0: no limit */
};

/* Runs query q with a, calling fn for each row. */
int store_console_rows(struct store *st, enum console_query q, const struct console_args *a,
                       store_console_row_fn fn, void *ctx, struct err *e);

/* Where a thing of the console lies, for the region check: the village of
 * household id (CONSOLE_OF_HOUSEHOLD), of the household of finding id
 * (CONSOLE_OF_FINDING), the region of cadre id (CONSOLE_OF_CADRE). For an
 * alert (CONSOLE_OF_ALERT) the regions that see it: where it is routed now
 * (a), its origin (b) and its household's village (c), each "" when none;
 * household: the household it is about (0: none).
 * ERR_NOTFOUND when there is no such thing. */
enum console_of { CONSOLE_OF_HOUSEHOLD, CONSOLE_OF_FINDING, CONSOLE_OF_CADRE, CONSOLE_OF_ALERT };
struct console_where {
    char a[32], b[32], c[32];
    int64_t household; /* the household it is about; 0: none */
};
int store_console_where(struct store *st, enum console_of what, int64_t id,
                        struct console_where *out, struct err *e);

#endif
