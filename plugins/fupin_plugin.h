/* fupin_plugin.h - the public ABI between the fupin daemon and C policy plugins.
 *
 * Self-contained: a plugin includes only this header and the C library. The
 * daemon hands a plugin a read-only view of one household (the same snapshot
 * the Lua policies read), a parameter lookup, and an emitter for findings.
 * A plugin never sees daemon internals and never calls back into the daemon
 * except through struct fupin_host. Bump FUPIN_PLUGIN_ABI_VERSION on any
 * change to a struct or signature below; the daemon refuses other versions.
 */
#ifndef FUPIN_PLUGIN_H
#define FUPIN_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* First two fields of every descriptor (PostgreSQL's PG_MODULE_MAGIC idea):
 * a file that does not start with both is refused before any call. */
#define FUPIN_PLUGIN_MAGIC 0x46555049u /* "FUPI" */
#define FUPIN_PLUGIN_ABI_VERSION 1u

/* The one symbol a plugin exports. */
#define FUPIN_PLUGIN_ENTRY_NAME "fupin_plugin_entry"

/* Return codes of plugin and host functions. */
#define FUPIN_OK 0
#define FUPIN_ERROR (-1)

/* ---- The household view (read-only; valid only during one evaluate call) ---- */

/* Enumerated columns arrive as these values; the host has already rejected
 * rows whose text is none of them (they become data-quality alerts). */
enum fupin_labor { FUPIN_LABOR_FULL, FUPIN_LABOR_PARTIAL, FUPIN_LABOR_NONE };
enum fupin_health { FUPIN_HEALTH_HEALTHY, FUPIN_HEALTH_CHRONIC, FUPIN_HEALTH_SERIOUS, FUPIN_HEALTH_DISABLED };
enum fupin_school {
    FUPIN_SCHOOL_NONE, /* not in school (NULL school_stage) */
    FUPIN_SCHOOL_PRESCHOOL,
    FUPIN_SCHOOL_PRIMARY,
    FUPIN_SCHOOL_JUNIOR,
    FUPIN_SCHOOL_SENIOR,
    FUPIN_SCHOOL_VOCATIONAL,
    FUPIN_SCHOOL_COLLEGE
};
enum fupin_status { FUPIN_STATUS_REGISTERED, FUPIN_STATUS_EXITED, FUPIN_STATUS_RETURNED };
enum fupin_grade { FUPIN_GRADE_NONE, FUPIN_GRADE_A, FUPIN_GRADE_B, FUPIN_GRADE_C, FUPIN_GRADE_D };
enum fupin_task_status { FUPIN_TASK_OPEN, FUPIN_TASK_DONE, FUPIN_TASK_CANCELLED };
enum fupin_fund_status {
    FUPIN_FUND_APPLIED,
    FUPIN_FUND_REVIEWED,
    FUPIN_FUND_NOTICED,
    FUPIN_FUND_APPROVED,
    FUPIN_FUND_REJECTED
};

/* Dates are "YYYY-MM-DD" strings or NULL when unknown. Strings and arrays are
 * owned by the host. Nullable 0/1 columns arrive as 0 when NULL. */
struct fupin_member {
    int64_t id;
    const char *name;
    const char *id_number; /* 18-digit resident ID: personal data, never log it */
    const char *relation;
    const char *birth_date;
    int age; /* full years on fupin_household.today; -1 when birth_date is unknown */
    enum fupin_labor labor;
    enum fupin_health health;
    enum fupin_school school_stage;
    int medical_insured;
    int critical_insured;
    int pension_insured;
    int employed;
    int wants_job;
    int skills; /* number of practical skills mastered */
};

struct fupin_income { /* household totals of one year, yuan */
    int year;
    double wage, production, property, transfer;
};

struct fupin_loan {
    int64_t id;
    double amount;
    int term_months;
    const char *start_date;
    int collateral, guarantor, interest_subsidised;
};

struct fupin_link { /* enterprise, base or cooperative the household is linked to */
    const char *kind;
    const char *name;
};

struct fupin_share { /* asset-income shares held */
    const char *project;
    double amount;
    const char *since;
};

struct fupin_visit { /* the cadre's handbook entries */
    int64_t id, cadre_id;
    const char *date;
};

struct fupin_task {
    int64_t id, cadre_id;
    const char *measure, *title, *due;
    enum fupin_task_status status;
    const char *done_at;
};

struct fupin_fund {
    int64_t id, cadre_id;
    const char *project;
    double amount, expected_return;
    enum fupin_fund_status status;
    const char *notice_from, *notice_to;
    int objections;
    const char *approved_at;
};

struct fupin_household {
    int64_t id;
    const char *today; /* the date the evaluation is "as of" */
    int year;          /* the year of today */

    const char *village, *village_name, *town, *county; /* region codes */
    int poor_village; /* 1: one of the designated poor villages; 0: scattered */
    int livable;      /* 0: the village lacks living conditions */

    const char *head_name;
    enum fupin_status status;
    const char *poverty_cause;
    enum fupin_grade housing_grade;
    int housing_renovated, tap_water, wants_relocation, wants_industry, has_project;
    const char *credit_rating; /* NULL: not rated */
    int dibao, has_land;
    const char *registered_at, *exited_at;

    int64_t cadre_id;         /* 0: no paired cadre */
    const char *paired_since; /* NULL when cadre_id is 0 */

    size_t n_members;
    const struct fupin_member *members;
    size_t n_income; /* sorted by year, ascending */
    const struct fupin_income *income;
    size_t n_loans;
    const struct fupin_loan *loans;
    size_t n_links;
    const struct fupin_link *links;
    size_t n_shares;
    const struct fupin_share *shares;
    size_t n_visits; /* sorted by date, ascending */
    const struct fupin_visit *visits;
    size_t n_tasks;
    const struct fupin_task *tasks;
    size_t n_funds;
    const struct fupin_fund *funds;
};

/* ---- What a plugin emits ---- */

struct fupin_out;    /* opaque: the host's collector for one evaluation */
struct fupin_params; /* opaque: the config's params:, seen from one area */

struct fupin_finding {
    int64_t member_id;   /* 0: the finding is about the whole household */
    const char *measure; /* one of the plugin's measures (descriptor) */
    int has_amount;      /* 0: amount is ignored and stored as NULL */
    double amount;       /* yuan, or a priority score where a measure says so */
    const char *reason;  /* required: the facts and the seed clause, readable by a cadre */
};

/* Functions the host lends to a plugin. Strings passed in are copied by the
 * host before the call returns. */
struct fupin_host {
    uint32_t abi_version; /* FUPIN_PLUGIN_ABI_VERSION of the daemon */

    /* Record a recommendation / eligibility flag. FUPIN_ERROR for an unknown
     * measure, an empty reason or a non-finite amount (the evaluation is then
     * treated as failed). */
    int (*recommend)(struct fupin_out *out, const struct fupin_finding *f);
    int (*flag)(struct fupin_out *out, const struct fupin_finding *f);
    /* Raise a supervision alert about this household. severity: "info",
     * "warning" or "critical"; kind: a short code such as "dropout". */
    int (*alert)(struct fupin_out *out, const char *kind, const char *severity,
                 const char *message);

    /* Parameters: key is looked up as "<area>.<key>" then as "<key>" in the
     * config's params:. FUPIN_ERROR when missing or not a number. */
    int (*param_number)(const struct fupin_params *p, const char *key, double *value);
    /* For keys given by year ({2016: x, 2017: y}): the value of the latest
     * year <= year. Plain numbers answer for every year. */
    int (*param_number_for_year)(const struct fupin_params *p, const char *key, int year,
                                 double *value);
    /* Text parameters (e.g. deadlines "2018-12-31"); NULL when missing. */
    const char *(*param_string)(const struct fupin_params *p, const char *key);
};

/* ---- Declared parameters (ABI 2) ----
 *
 * Every parameter a policy reads is declared, so `fupin check`, start-up and
 * SIGHUP can refuse a misspelt key, a wrong type or an out-of-range value in
 * the config's params: before any rule runs. A key is relative to the area:
 * "premium" is found as params.<area>.premium, then as params.premium;
 * nested keys use dots ("living_allowance.primary"). Non-finite numbers are
 * out of range for every numeric key. */
enum fupin_param_type {
    FUPIN_PARAM_NUMBER = 1,  /* any finite number */
    FUPIN_PARAM_INTEGER = 2, /* a whole number */
    FUPIN_PARAM_TEXT = 3,    /* a string */
    FUPIN_PARAM_DATE = 4     /* "YYYY-MM-DD" */
};

struct fupin_param_decl {
    const char *key;            /* relative to the area, see above */
    enum fupin_param_type type;
    const char *unit;           /* "yuan", "ratio", "years", "days", "months"...; NULL: none */
    const char *title;          /* one line for policy officers (Chinese), NULL allowed */
    double min, max;            /* inclusive bounds for NUMBER and INTEGER */
    int by_year;                /* may be written {2016: x, 2017: y} */
    int required;               /* must be set; a required param carries a default */
    int has_default;            /* the default below applies when the key is absent */
    double default_number;      /* NUMBER / INTEGER */
    const char *default_text;   /* TEXT / DATE */
};

/* ---- The descriptor ---- */

struct fupin_plugin {
    uint32_t magic;       /* FUPIN_PLUGIN_MAGIC */
    uint32_t abi_version; /* FUPIN_PLUGIN_ABI_VERSION the plugin was built for */
    const char *name;     /* area code, e.g. "education"; must match the config */
    const char *version;  /* plugin version, shown in finding.source "plugin:name@version" */
    const char *const *measures;        /* NULL-terminated measure codes it may emit */
    const char *const *required_params; /* NULL-terminated keys `fupin check` verifies */

    /* Called once after loading. *state is passed to evaluate and free.
     * On failure write a message into err and return FUPIN_ERROR. */
    int (*init)(const struct fupin_host *host, const struct fupin_params *params, void **state,
                char *err, size_t err_size);
    /* Evaluate one household; may be called from several threads at once
     * with the same state, so state must be read-only after init. */
    int (*evaluate)(void *state, const struct fupin_household *hh,
                    const struct fupin_params *params, struct fupin_out *out, char *err,
                    size_t err_size);
    void (*free)(void *state);
};

/* Every plugin defines this one exported function. */
#define FUPIN_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef const struct fupin_plugin *(*fupin_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
