/* policy.h - the one interface every policy goes through, Lua or C plugin:
 * what a policy is, what it produces (eval_result) and the emitter both
 * runtimes write through. A leaf: it loads and runs nothing (runner/ does).
 * Policies only ever append to an eval_result; they never see the database. */
#ifndef FUPIN_POLICY_H
#define FUPIN_POLICY_H

#include "config.h"
#include "err.h"
#include "fupin_plugin.h"
#include "household.h"

#include <stddef.h>
#include <stdint.h>

enum finding_kind { FINDING_RECOMMEND, FINDING_FLAG };
enum severity { SEVERITY_INFO, SEVERITY_WARNING, SEVERITY_CRITICAL };

const char *finding_kind_name(enum finding_kind k);
const char *severity_name(enum severity s);
int severity_parse(const char *name); /* -1 when unknown */

struct finding {
    int64_t member_id;  /* 0: the household */
    const char *policy; /* owned by the policy set */
    const char *source; /* "lua:policies/x.lua@hash" / "plugin:x@1.0"; owned by the set */
    char measure[48];
    enum finding_kind kind;
    int has_amount;
    double amount;
    char *reason; /* owned by the eval_result */
};

struct policy_alert {
    char kind[48];
    enum severity severity;
    const char *policy, *source;
    char *message; /* owned by the eval_result */
};

/* A policy that failed on this household: its stored findings must be left
 * exactly as they were (reconciliation skips it). */
struct policy_error {
    const char *policy, *source;
    char msg[256];
};

/* A parameter a policy read, for `fupin explain`. */
struct param_use {
    const char *policy;
    char key[96];
    char value[64];
};

/* A test a policy evaluated (why / why not), for `fupin explain`: kept
 * whether it held or not, so a policy that finds nothing still shows why. */
struct policy_test {
    const char *policy; /* owned by the policy set */
    int64_t member_id;  /* 0: the household */
    char label[96];
    int ok;
    char *detail; /* owned by the eval_result */
};

/* Everything the evaluation of one household produced. Reuse one across
 * households with eval_result_reset to avoid allocation churn. */
struct eval_result {
    int64_t household_id;
    struct finding *findings;
    size_t n_findings, cap_findings;
    struct policy_alert *alerts;
    size_t n_alerts, cap_alerts;
    struct policy_error *errors;
    size_t n_errors, cap_errors;
    int trace; /* nonzero: record param_use and tests (explain) */
    struct param_use *params;
    size_t n_params, cap_params;
    struct policy_test *tests;
    size_t n_tests, cap_tests;
};

void eval_result_reset(struct eval_result *res);
void eval_result_free(struct eval_result *res);
/* Appends a policy_error (policy, source borrowed; msg copied). ERR_FAIL when
 * out of memory. */
int eval_result_add_error(struct eval_result *res, const char *policy, const char *source,
                          const char *msg);
/* Replaces, in place, each byte of s that is not part of well-formed UTF-8
 * with '?': for text cut by bytes on its way to the database. */
void policy_utf8_repair(char *s);

/* The collector a policy writes into (plugins see it as opaque). */
struct fupin_out {
    struct eval_result *res;
    const struct policy *policy;
    struct err err; /* first misuse (unknown measure, no reason, ...) */
    int failed;
};

/* The params view of one area during one evaluation. */
struct fupin_params {
    const struct config *cfg;
    const char *area;
    struct eval_result *res; /* for tracing; may be NULL */
    const struct policy *policy;
};

enum policy_kind { POLICY_LUA, POLICY_PLUGIN };

struct policy {
    enum policy_kind kind;
    char name[32];
    char title[128];
    char source[320];
    const char *const *measures; /* NULL-terminated: what it may emit */
    void *impl;                  /* struct policy_lua * or struct plugin * */
    /* The household's lists it reads (HOUSEHOLD_LIST_BIT of household.h):
     * what it declares, HOUSEHOLD_ALL_LISTS when it declares nothing. Its
     * own row (household, village, pairing) is always read. */
    uint32_t reads;
    int declares_reads;
    size_t lua_index; /* POLICY_LUA: its index in the Lua workers */
};

/* The emitter, shared by the Lua runtime and plugins (through policy_host). */
int policy_out_finding(struct fupin_out *out, enum finding_kind kind,
                       const struct fupin_finding *f);
int policy_out_alert(struct fupin_out *out, const char *kind, const char *severity,
                     const char *message);
/* Records a test the policy evaluated when res->trace is set (otherwise a
 * no-op returning 0). FUPIN_ERROR, marking out failed, for an empty label. */
int policy_out_test(struct fupin_out *out, int64_t member_id, const char *label, int ok,
                    const char *detail);
/* Records that a policy read a parameter (only when res->trace is set). */
void policy_trace_param(struct fupin_params *p, const char *key, const char *value);

/* The host function table handed to plugins. */
extern const struct fupin_host policy_host;

/* The measure catalogue of DOMAIN.md: NULL-terminated measure codes of an
 * area, or NULL for an area it does not know. */
const char *const *policy_catalogue(const char *area);
/* The measure's name in the user's language ("公益性岗位就业"); the code
 * itself for a measure the catalogue does not know (a fixture's own). */
const char *policy_measure_label(const char *measure);

#endif
