/* preview.h - the comparison model of `fupin preview`: what a candidate
 * rule set would change against the stored findings, household by
 * household, summed per policy and measure and per county and town. Pure:
 * it reads nothing and writes nothing; the caller feeds it. */
#ifndef FUPIN_PREVIEW_H
#define FUPIN_PREVIEW_H

#include "household.h"
#include "policy.h"

#include <stddef.h>
#include <stdint.h>

enum preview_state { PREVIEW_OPEN, PREVIEW_ACCEPTED, PREVIEW_REJECTED };
enum preview_change { PREVIEW_ADDED, PREVIEW_WITHDRAWN, PREVIEW_CHANGED, PREVIEW_N_CHANGES };

/* A live stored finding as the comparison sees it. */
struct preview_stored {
    struct finding f;
    enum preview_state state;
};

/* Findings added, withdrawn and changed, and the money per year: the sum
 * of the amounts of the findings that are not rejected, before (stored)
 * and after (what the candidate says). */
struct preview_counts {
    long n[PREVIEW_N_CHANGES];
    double before, after;
    long errors; /* households the policy failed on (its findings kept there) */
};

struct preview_group {
    char *a, *b; /* policy and measure, or county and town ("" for the policy's or
                    county's own line) */
    struct preview_counts c;
    char *error; /* a policy's own line: its first error message, NULL when none */
    char *label; /* regions: the name of b (or of a on the county's line), set by
                    preview_set_label; NULL: only the code is known */
};

/* One example household, or one decided finding the change touches. */
struct preview_example {
    enum preview_change change;
    int64_t household_id, member_id;
    char *policy, *measure, *county, *town, *village, *head_name;
    enum preview_state state; /* decided findings: accepted or rejected */
    int has_before, has_after;
    double before, after;
    char *reason_before, *reason_after; /* NULL when there is none */
};

#define PREVIEW_EXAMPLES 5       /* per kind of change */
#define PREVIEW_DECIDED_MAX 1000 /* decided findings listed; all are counted */

struct preview {
    long households, malformed, errors; /* errors: policy failures (findings kept) */
    struct preview_counts totals;
    struct preview_group *policies; /* sorted by preview_finish */
    size_t n_policies, cap_policies;
    struct preview_group *regions;
    size_t n_regions, cap_regions;
    /* Households newly flagged (exit_ready / return_risk) and no longer. */
    long exit_ready_added, exit_ready_removed, return_risk_added, return_risk_removed;
    struct preview_example examples[PREVIEW_N_CHANGES][PREVIEW_EXAMPLES];
    size_t n_examples[PREVIEW_N_CHANGES];
    struct preview_example *decided;
    size_t n_decided, cap_decided;
    long decided_total;
    int failed; /* out of memory once: the figures are incomplete */
};

void preview_init(struct preview *p);
void preview_free(struct preview *p);
/* Compares one household: before its live stored findings, after the
 * candidate's evaluation (a policy in after->errors keeps its findings, as
 * reconciliation does). The county and town of hh place it. Returns 0, or
 * ERR_FAIL when out of memory (p->failed is set too). */
int preview_add(struct preview *p, const struct household *hh, const struct preview_stored *before,
                size_t n_before, const struct eval_result *after);
/* Adds counts c (a difference measured elsewhere, e.g. what a reload's
 * re-evaluation did) to the totals, the policy and its measure. Returns 0
 * or ERR_FAIL when out of memory. */
int preview_add_counts(struct preview *p, const char *policy, const char *measure,
                       const struct preview_counts *c);
/* A household that could not be read (malformed record): counted, its
 * findings left as they are. */
void preview_add_malformed(struct preview *p);
/* Adds src (the comparison of other households) into dst and empties src:
 * examples and decided findings keep the lowest household ids, so the
 * result is the same however the households were shared out. Returns 0 or
 * ERR_FAIL when out of memory. */
int preview_merge(struct preview *dst, struct preview *src);
/* Sorts the groups (policy, measure; county, town) for the report. */
void preview_finish(struct preview *p);
/* Gives region group i its name (copied); ERR_FAIL when out of memory. */
int preview_set_label(struct preview *p, size_t i, const char *name);
/* "added" / "withdrawn" / "changed" (codes for JSON and files). */
const char *preview_change_name(enum preview_change c);
const char *preview_state_name(enum preview_state s);

#endif
