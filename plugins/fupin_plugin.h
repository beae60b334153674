/* fupin_plugin.h - the public ABI between the fupin daemon and C policy plugins.
 *
 * Self-contained: a plugin includes only this header and the C library. The
 * daemon hands a plugin a read-only view of one household, a parameter
 * lookup, and an emitter for findings. A plugin never sees daemon internals
 * and never calls back into the daemon except through struct fupin_host.
 *
 * From ABI 2 on the ABI only grows: the descriptor and the host table carry
 * their struct_size right after the version, new members are only appended
 * (at the "ABI 3+" marks), and each side reads no member beyond the other's
 * struct_size. FUPIN_PLUGIN_ABI_VERSION goes up with each appended member; a
 * plugin built for any ABI from FUPIN_PLUGIN_ABI_MIN on keeps loading. Nothing
 * above those marks is ever changed or removed.
 */
#ifndef FUPIN_PLUGIN_H
#define FUPIN_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* First fields of every descriptor (PostgreSQL's PG_MODULE_MAGIC idea): a
 * file that does not start with the magic, an ABI from FUPIN_PLUGIN_ABI_MIN on
 * and a struct_size covering that ABI is refused before any call. */
#define FUPIN_PLUGIN_MAGIC 0x46555049u /* "FUPI" */
#define FUPIN_PLUGIN_ABI_VERSION 4u
/* The oldest ABI this header's daemon loads: ABI 1 had no struct_size. */
#define FUPIN_PLUGIN_ABI_MIN 2u

/* The one symbol a plugin exports. */
#define FUPIN_PLUGIN_ENTRY_NAME "fupin_plugin_entry"

/* Return codes of plugin and host functions. */
#define FUPIN_OK 0
#define FUPIN_ERROR (-1)

/* ---- The household view (read-only; valid only during one evaluate call) ---- */

/* Enumerated columns arrive as these values; the host has already rejected
 * rows whose text is none of them (they become data-quality alerts). */
/* ABI 3: FUPIN_LABOR_UNRECORDED, labour ability nobody recorded (never
 * assume it; see fupin_member.labor_recorded). */
enum fupin_labor {
    FUPIN_LABOR_FULL,
    FUPIN_LABOR_PARTIAL,
    FUPIN_LABOR_NONE,
    FUPIN_LABOR_UNRECORDED
};
enum fupin_health {
    FUPIN_HEALTH_HEALTHY,
    FUPIN_HEALTH_CHRONIC,
    FUPIN_HEALTH_SERIOUS,
    FUPIN_HEALTH_DISABLED
};
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
/* ABI 3: what befell a household (三(六) 因灾、因病返贫). */
enum fupin_shock_kind {
    FUPIN_SHOCK_DISASTER,
    FUPIN_SHOCK_ILLNESS,
    FUPIN_SHOCK_ACCIDENT,
    FUPIN_SHOCK_JOB_LOSS
};
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
    /* 18-digit resident ID, masked ("441602********0011") unless the plugin
     * declares FUPIN_NEEDS_ID_NUMBER: personal data, never log it. */
    const char *id_number;
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
    /* ABI 3+: append below (the descriptor's view sizes keep older plugins
     * reading their own layout). */
    /* 劳动力, computed once by the daemon: within working age (params
     * working_age_min..max), not in school, labour recorded full or partial. */
    int in_labor_force;
    int labor_recorded; /* 0: labor is FUPIN_LABOR_UNRECORDED */
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

/* A shock (ABI 3). This struct never grows: a later fact about shocks comes
 * as a new list, so it carries no size in the descriptor. */
struct fupin_shock {
    int64_t id;
    enum fupin_shock_kind kind;
    const char *date; /* when it happened */
    double loss;      /* yuan, 0 when not recorded */
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

    /* ABI 3+: append below. */

    /* 两不愁 as the cadre recorded it: 1 secure, 0 not, -1 not recorded. */
    int food_secure, clothing_secure;
    int labor_force; /* members with in_labor_force */
    size_t n_shocks; /* sorted by date, ascending */
    const struct fupin_shock *shocks;
    /* The village's 信用村 rating (二(七)): 1 rated a credit village, 0
     * assessed and not rated, -1 not yet assessed. */
    int credit_village;
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
    uint32_t struct_size; /* sizeof(struct fupin_host) in the daemon: see FUPIN_HOST_HAS */

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

    /* ABI 3+: append below. A plugin tests FUPIN_HOST_HAS(host, member)
     * before calling a member appended here, since an older daemon lacks it. */

    /* ABI 3: records a test the rule evaluated, for `fupin explain` (why and
     * why not): label names it ("人均收入达标"), ok its outcome, detail the
     * values ("人均收入 6,139 元 < 当年标准 7,101 元"). member_id 0: the
     * household. Kept only while explaining; FUPIN_ERROR for an empty label. */
    int (*test)(struct fupin_out *out, int64_t member_id, const char *label, int ok,
                const char *detail);
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
    const char *key; /* relative to the area, see above */
    enum fupin_param_type type;
    const char *unit;         /* "yuan", "ratio", "years", "days", "months"...; NULL: none */
    const char *title;        /* one line for policy officers (Chinese), NULL allowed */
    double min, max;          /* inclusive bounds for NUMBER and INTEGER */
    int by_year;              /* may be written {2016: x, 2017: y} */
    int required;             /* must be set; a required param carries a default */
    int has_default;          /* the default below applies when the key is absent */
    double default_number;    /* NUMBER / INTEGER */
    const char *default_text; /* TEXT / DATE */
};

/* ---- The descriptor ---- */

/* sizeof of each household view struct, as one side was compiled. */
struct fupin_view_sizes {
    uint32_t household, member, income, loan, link, share, visit, task, fund;
};
#define FUPIN_VIEW_SIZES                                                                           \
    {                                                                                              \
        sizeof(struct fupin_household), sizeof(struct fupin_member), sizeof(struct fupin_income),  \
            sizeof(struct fupin_loan), sizeof(struct fupin_link), sizeof(struct fupin_share),      \
            sizeof(struct fupin_visit), sizeof(struct fupin_task), sizeof(struct fupin_fund)       \
    }

struct fupin_plugin {
    uint32_t magic;              /* FUPIN_PLUGIN_MAGIC */
    uint32_t abi_version;        /* FUPIN_PLUGIN_ABI_VERSION the plugin was built for */
    uint32_t struct_size;        /* sizeof(struct fupin_plugin) the plugin was built with */
    const char *name;            /* area code, e.g. "education"; must match the config */
    const char *version;         /* plugin version, shown in finding.source "plugin:name@version" */
    const char *const *measures; /* NULL-terminated measure codes it may emit */
    /* Every parameter evaluate may read, checked by the daemon at load (see
     * struct fupin_param_decl); params may be NULL when n_params is 0. */
    const struct fupin_param_decl *params;
    size_t n_params;
    /* The household view's struct sizes the plugin was built with (filled by
     * FUPIN_PLUGIN_HEADER). The view's structs only grow by appending; the
     * daemon lays out a plugin's arrays with these sizes, so hh->members[i]
     * keeps working for a plugin built before a member was appended. */
    struct fupin_view_sizes view;

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

    /* ABI 3+: append below. The daemon reads a member appended here only
     * when the plugin's struct_size covers it. */

    /* ABI 3: what the plugin needs beyond the default view, FUPIN_NEEDS_*
     * flags; 0 (and every ABI-2 plugin) gets the least. */
    uint32_t needs;

    /* ABI 4: the household's lists evaluate reads, FUPIN_READS(...) of the
     * FUPIN_READS_* flags. The daemon then reads and hands over only those
     * (every other list arrives empty) and re-runs the plugin only when one
     * of them, or the household's own row, changed. 0 (and every plugin
     * built before ABI 4) reads every list. */
    uint32_t reads;
};

/* struct fupin_plugin.reads: FUPIN_READS(FUPIN_READS_MEMBERS | ...). An
 * undeclared list arrives empty (its count 0, its pointer NULL); labor_force
 * is counted from the members, so it is 0 without FUPIN_READS_MEMBERS. */
#define FUPIN_READS_MEMBERS 0x001u
#define FUPIN_READS_INCOME 0x002u
#define FUPIN_READS_LOANS 0x004u
#define FUPIN_READS_LINKS 0x008u
#define FUPIN_READS_SHARES 0x010u
#define FUPIN_READS_VISITS 0x020u
#define FUPIN_READS_TASKS 0x040u
#define FUPIN_READS_FUNDS 0x080u
#define FUPIN_READS_SHOCKS 0x100u
/* Marks the flags as the whole list (FUPIN_READS(0): the household's own
 * row only). */
#define FUPIN_READS_ONLY 0x80000000u
#define FUPIN_READS(lists) (FUPIN_READS_ONLY | (lists))

/* struct fupin_plugin.needs: fupin_member.id_number in the clear. Declare it
 * only when the plan's rule reads the ID itself (a check digit, a region);
 * everything else a rule needs (age, birth date) is a field of its own. */
#define FUPIN_NEEDS_ID_NUMBER 0x1u

/* Whether the struct at ptr (a descriptor or a host table, whose struct_size
 * says how big it was built) has member field: use before touching a member
 * appended after ABI 2. */
#define FUPIN_HAS_MEMBER(ptr, type, field)                                                         \
    (offsetof(type, field) + sizeof(((type *)0)->field) <= (ptr)->struct_size)
#define FUPIN_HOST_HAS(host, field) FUPIN_HAS_MEMBER(host, struct fupin_host, field)

/* Every plugin defines this one exported function. */
#define FUPIN_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef const struct fupin_plugin *(*fupin_plugin_entry_fn)(void);

/* The members every descriptor starts with (and its view sizes):
 *   static const struct fupin_plugin d = {FUPIN_PLUGIN_HEADER, .name = ...}; */
#define FUPIN_PLUGIN_HEADER                                                                        \
    .magic = FUPIN_PLUGIN_MAGIC, .abi_version = FUPIN_PLUGIN_ABI_VERSION,                          \
    .struct_size = sizeof(struct fupin_plugin), .view = FUPIN_VIEW_SIZES

/* ---- Writing a plugin: FUPIN_PLUGIN_DEFINE and its helpers ----
 *
 * Not part of the ABI: compiled into the plugin, so they may change freely.
 * Most plugins keep no state of their own; for them
 *
 *   static int evaluate(struct fupin_ctx *c, const struct fupin_household *hh);
 *   FUPIN_PLUGIN_DEFINE("elderly", "1.0", measures, params, evaluate)
 *
 * is the whole descriptor, entry point, init and free. measures is a
 * NULL-terminated array, params an array of struct fupin_param_decl (its
 * length is taken with sizeof, so pass the array itself, not a pointer). A
 * plugin that needs its own state writes a descriptor by hand, starting with
 * FUPIN_PLUGIN_HEADER, and exports fupin_plugin_entry itself. */

/* One evaluate call: what the host lent for it and where an error goes. */
struct fupin_ctx {
    const struct fupin_host *host;
    const struct fupin_params *params;
    struct fupin_out *out;
    const char *area; /* the plugin's name, for messages */
    char *err;        /* the message when evaluate returns FUPIN_ERROR */
    size_t err_size;
};

typedef int (*fupin_evaluate_fn)(struct fupin_ctx *c, const struct fupin_household *hh);

/* n_params is sizeof(PARAMS) / sizeof(decl): a pointer would give a wrong
 * count without a word, so refuse one at compile time. */
#if defined(__GNUC__) && !defined(__cplusplus)
#define FUPIN_ASSERT_ARRAY_(a)                                                                     \
    _Static_assert(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])),              \
                   "FUPIN_PLUGIN_DEFINE: pass the params array itself, not a pointer")
#else
#define FUPIN_ASSERT_ARRAY_(a) struct fupin_assert_array_unused_
#endif

/* One member a line in the descriptor reads better than clang-format's columns. */
/* clang-format off */
#define FUPIN_PLUGIN_DEFINE(NAME, VERSION, MEASURES, PARAMS, EVALUATE)                             \
    FUPIN_PLUGIN_DEFINE_READS(NAME, VERSION, MEASURES, PARAMS, 0, EVALUATE)
/* As FUPIN_PLUGIN_DEFINE, declaring READS (FUPIN_READS(...)): the lists it reads. */
#define FUPIN_PLUGIN_DEFINE_READS(NAME, VERSION, MEASURES, PARAMS, READS, EVALUATE)                 \
    static int fupin_define_init_(const struct fupin_host *host_,                                  \
                                  const struct fupin_params *params_, void **state_, char *err_,   \
                                  size_t err_size_)                                                \
    {                                                                                              \
        (void)params_;                                                                             \
        if (host_->abi_version < FUPIN_PLUGIN_ABI_MIN || !FUPIN_HOST_HAS(host_, param_string))     \
            return fupin_fail_(err_, err_size_, "the daemon speaks plugin ABI %u, older than %u",  \
                               (unsigned)host_->abi_version, (unsigned)FUPIN_PLUGIN_ABI_MIN);      \
        /* The host table is the only state: static and read-only, so it is */                     \
        /* safe to share between the evaluating threads. */                                        \
        *state_ = (void *)(uintptr_t)host_;                                                        \
        return FUPIN_OK;                                                                           \
    }                                                                                              \
    static int fupin_define_evaluate_(void *state_, const struct fupin_household *hh_,             \
                                      const struct fupin_params *params_, struct fupin_out *out_,  \
                                      char *err_, size_t err_size_)                                \
    {                                                                                              \
        struct fupin_ctx ctx_ = {                                                                  \
            (const struct fupin_host *)state_, params_, out_, NAME, err_, err_size_};              \
        fupin_evaluate_fn fn_ = EVALUATE;                                                          \
        return fn_(&ctx_, hh_);                                                                    \
    }                                                                                              \
    FUPIN_ASSERT_ARRAY_(PARAMS);                                                                   \
    static const struct fupin_plugin fupin_define_descriptor_ = {                                  \
        FUPIN_PLUGIN_HEADER,                                                                       \
        .name = NAME,                                                                              \
        .version = VERSION,                                                                        \
        .measures = MEASURES,                                                                      \
        .params = PARAMS,                                                                          \
        .n_params = sizeof(PARAMS) / sizeof(struct fupin_param_decl),                              \
        .init = fupin_define_init_,                                                                \
        .evaluate = fupin_define_evaluate_,                                                        \
        .reads = READS,                                                                            \
    };                                                                                             \
    FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)                        \
    {                                                                                              \
        return &fupin_define_descriptor_;                                                          \
    }
/* clang-format on */

__attribute__((format(printf, 3, 0))) static inline int fupin_vfail_(char *err, size_t size,
                                                                     const char *fmt, va_list ap)
{
    if (err && size)
        vsnprintf(err, size, fmt, ap);
    return FUPIN_ERROR;
}

/* Writes a message into a plugin's err buffer; returns FUPIN_ERROR. */
__attribute__((format(printf, 3, 4))) static inline int fupin_fail_(char *err, size_t size,
                                                                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fupin_vfail_(err, size, fmt, ap);
    va_end(ap);
    return FUPIN_ERROR;
}

/* Sets the call's error message; returns FUPIN_ERROR, for `return fupin_fail(c, ...)`. */
__attribute__((format(printf, 2, 3))) static inline int fupin_fail(struct fupin_ctx *c,
                                                                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fupin_vfail_(c->err, c->err_size, fmt, ap);
    va_end(ap);
    return FUPIN_ERROR;
}

/* Longest reason or alert message the helpers below build; longer ones are
 * cut (the host stores what it is given). */
#define FUPIN_MESSAGE_MAX 1024

__attribute__((format(printf, 7, 0))) static inline int
fupin_vemit_(struct fupin_ctx *c, int is_flag, int64_t member_id, const char *measure,
             int has_amount, double amount, const char *fmt, va_list ap)
{
    char reason[FUPIN_MESSAGE_MAX];
    vsnprintf(reason, sizeof reason, fmt, ap);
    struct fupin_finding f = {.member_id = member_id,
                              .measure = measure,
                              .has_amount = has_amount,
                              .amount = has_amount ? amount : 0,
                              .reason = reason};
    int rc = is_flag ? c->host->flag(c->out, &f) : c->host->recommend(c->out, &f);
    if (rc != FUPIN_OK)
        return fupin_fail(c, "the host refused finding %s", measure);
    return FUPIN_OK;
}

/* Recommends measure to member_id (0: the whole household) without an
 * amount; the reason is formatted. FUPIN_ERROR, with c->err set, when the
 * host refuses it (unknown measure, empty reason). */
__attribute__((format(printf, 4, 5))) static inline int
fupin_recommend(struct fupin_ctx *c, int64_t member_id, const char *measure, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fupin_vemit_(c, 0, member_id, measure, 0, 0, fmt, ap);
    va_end(ap);
    return rc;
}

/* As fupin_recommend, with an amount (yuan; a non-finite one is refused). */
__attribute__((format(printf, 5, 6))) static inline int
fupin_recommend_amount(struct fupin_ctx *c, int64_t member_id, const char *measure, double amount,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fupin_vemit_(c, 0, member_id, measure, 1, amount, fmt, ap);
    va_end(ap);
    return rc;
}

/* Flags member_id (0: the household) as eligible for measure, no amount. */
__attribute__((format(printf, 4, 5))) static inline int
fupin_flag(struct fupin_ctx *c, int64_t member_id, const char *measure, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fupin_vemit_(c, 1, member_id, measure, 0, 0, fmt, ap);
    va_end(ap);
    return rc;
}

/* Raises alert kind ("dropout") with severity "info", "warning" or
 * "critical"; the message is formatted. FUPIN_ERROR, with c->err set, when
 * the host refuses it. */
__attribute__((format(printf, 4, 5))) static inline int
fupin_alert(struct fupin_ctx *c, const char *kind, const char *severity, const char *fmt, ...)
{
    char msg[FUPIN_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->host->alert(c->out, kind, severity, msg) != FUPIN_OK)
        return fupin_fail(c, "the host refused the %s alert", kind);
    return FUPIN_OK;
}

/* Records a test evaluated (why / why not, shown by `fupin explain`); the
 * detail is formatted. Does nothing on a daemon older than ABI 3. */
__attribute__((format(printf, 5, 6))) static inline int
fupin_test(struct fupin_ctx *c, int64_t member_id, const char *label, int ok, const char *fmt, ...)
{
    char detail[FUPIN_MESSAGE_MAX];
    va_list ap;
    if (!FUPIN_HOST_HAS(c->host, test))
        return FUPIN_OK;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (c->host->test(c->out, member_id, label, ok, detail) != FUPIN_OK)
        return fupin_fail(c, "the host refused test %s", label);
    return FUPIN_OK;
}

/* The number param key has for year (see param_number_for_year). FUPIN_ERROR,
 * with c->err naming the key, when it is missing or not a number. */
static inline int fupin_param(struct fupin_ctx *c, const char *key, int year, double *value)
{
    if (c->host->param_number_for_year(c->params, key, year, value) != FUPIN_OK)
        return fupin_fail(c, "parameter %s.%s is missing or not a number for %d", c->area, key,
                          year);
    return FUPIN_OK;
}

/* The text of param key; NULL, with c->err naming the key, when it is
 * missing or not text. */
static inline const char *fupin_param_text(struct fupin_ctx *c, const char *key)
{
    const char *s = c->host->param_string(c->params, key);
    if (!s)
        fupin_fail(c, "parameter %s.%s is missing or not text", c->area, key);
    return s;
}

#ifdef __cplusplus
}
#endif
#endif
