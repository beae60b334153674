/* store_worklist.h - what each town, village or cadre has to do: the
 * findings list with its filters, and the human decisions on a finding
 * (accept makes a help task, reject keeps the reason). A decision is written
 * here only, never by the engine, which keeps it through re-evaluation. */
#ifndef FUPIN_STORE_WORKLIST_H
#define FUPIN_STORE_WORKLIST_H

#include "err.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* 0 when the region code exists, ERR_NOTFOUND when not. */
int store_region_exists(struct store *st, const char *code, struct err *e);
/* 0 when the cadre exists, ERR_NOTFOUND when not. */
int store_cadre_exists(struct store *st, int64_t id, struct err *e);
/* 0 when some stored finding or alert has value in that column,
 * ERR_NOTFOUND when none has (a list filter that can only be empty). */
enum store_seen { SEEN_FINDING_POLICY, SEEN_FINDING_MEASURE, SEEN_ALERT_KIND };
int store_value_seen(struct store *st, enum store_seen what, const char *value, struct err *e);

struct worklist_filter {
    const char *region; /* NULL: anywhere; else the region and everything below it */
    int64_t cadre_id;   /* 0: any; else the households paired with this cadre */
    const char *policy, *measure;
    const char *state; /* NULL: every state but withdrawn */
    const char *since; /* YYYY-MM-DD: created, changed or decided on or after it */
};

struct worklist_finding {
    int64_t id, household_id, member_id, cadre_id, task_id; /* 0: none */
    const char *head_name, *village, *village_name, *town_name, *cadre_name;
    const char *policy, *measure, *kind, *state, *reason;
    int has_amount;
    double amount;
    const char *created_at, *updated_at;
    /* Set when the facts changed after the decision (the engine notes it). */
    int facts_changed;
    const char *decided_by, *decided_at, *decision_note, *task_due, *task_status;
};
typedef int (*store_worklist_fn)(void *ctx, const struct worklist_finding *f, struct err *e);
/* The findings matching f, by town, village, household and id, one call
 * each; strings live during the call only. Streams: nothing is collected. */
int store_worklist_findings(struct store *st, const struct worklist_filter *f, store_worklist_fn fn,
                            void *ctx, struct err *e);

/* ---- decisions ---- */

enum decide_outcome {
    DECIDE_DONE,      /* recorded now */
    DECIDE_ALREADY,   /* it was already so: nothing written (see by, at) */
    DECIDE_OTHER,     /* decided the other way before: nothing written */
    DECIDE_WITHDRAWN, /* no longer applies: nothing to decide */
    DECIDE_FLAG,      /* an eligibility flag, not a recommendation */
};

struct finding_decision {
    int64_t finding_id;
    int accept;       /* 1 accept, 0 reject */
    const char *by;   /* who decided */
    const char *note; /* why; NULL allowed when accepting */
    const char *due;  /* accept: the task's due date, YYYY-MM-DD */
    const char *now;  /* "YYYY-MM-DD HH:MM:SS" */
};

struct finding_decided {
    enum decide_outcome outcome;
    char state[16];   /* the finding's state after the call */
    char by[128];     /* who decided (now or before) */
    char at[24];      /* when */
    char due[16];     /* the task's due date, when there is one */
    int64_t task_id;  /* 0: none */
    int64_t cadre_id; /* the task's cadre; 0: unassigned */
};

/* The measure of finding id into buf; ERR_NOTFOUND when there is none. */
int store_finding_measure(struct store *st, int64_t id, char *buf, size_t size, struct err *e);

/* Accepts or rejects a finding in one write transaction of its own.
 * Accepting writes an open task for the household's paired cadre (or none)
 * with the finding's measure, its reason as title and d->due. ERR_NOTFOUND
 * for an unknown id; every other answer is in out->outcome. */
int store_finding_decide(struct store *st, const struct finding_decision *d,
                         struct finding_decided *out, struct err *e);

#endif
