/* policy_set.h - the policies the config names, loaded and checked once and
 * then shared read-only (policy_set), and one thread's means to run them on a
 * household (policy_runner, with its own Lua state). */
#ifndef FUPIN_POLICY_SET_H
#define FUPIN_POLICY_SET_H

#include "config.h"
#include "err.h"
#include "household.h"
#include "policy.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

/* A policy the config names that could not be loaded (non-strict loads).
 * Every evaluation reports it as failed, so its stored findings stay as
 * they were instead of being withdrawn everywhere. */
struct policy_missing {
    char name[32];    /* area: the file name without .lua, or the plugin name */
    char file[160];   /* "industry.lua" / "education.so": the policy_error subject */
    char source[200]; /* "lua:policies/industry.lua" / "plugin:education" */
    char msg[256];    /* why it was refused, with file:line */
};

struct policy_set {
    /* The config the policies see: the caller's, plus the defaults of
     * declared params it lacks (a copy owned by the set that borrows the
     * rest of the caller's config, which must outlive the set). */
    const struct config *cfg;
    struct config *own_cfg;
    /* What every loaded policy (and the daemon itself) declares it reads;
     * the strings belong to the policies. */
    struct config_param_decl *decls;
    size_t n_decls;
    struct policy *policies;
    size_t n_policies;
    struct policy_lua **lua; /* the Lua policies in load order */
    size_t n_lua;
    struct policy_missing *missing;
    size_t n_missing;
};

/* Loads every *.lua of cfg->policies_dir and every plugin of cfg->plugins.
 * A policy that fails to load is logged and, with strict=1, fails the load
 * (its message in e); with strict=0 it is recorded in set->missing and the
 * rest is loaded. Then holds cfg's params: to what the loaded policies
 * declare (config_params_check): a mistake there fails the load in either
 * mode, ERR_INVALID with "file:line:col: params.KEY: what" in e. So does
 * a config whose Lua policies would find no fp library
 * (policy_lua_library_check), ERR_INVALID naming its path. */
int policy_set_load(const struct config *cfg, int strict, struct policy_set **out, struct err *e);
void policy_set_free(struct policy_set *set);

/* The missing entry for a file name ("industry.lua", "education.so"), or NULL. */
const struct policy_missing *policy_set_missing(const struct policy_set *set, const char *file);
/* The policy named name, or NULL. */
const struct policy *policy_set_find(const struct policy_set *set, const char *name);
/* Prints every declared param, one line each: key, type, range, unit,
 * default, who declares it, title (`fupin check --keys`). */
void policy_set_print_params(const struct policy_set *set, FILE *out);

/* What policy i's findings depend on besides the records, as 16 hex digits
 * into out: its source (content hash or plugin version), the values of the
 * params it can read, the facts' params and as_of. */
void policy_set_fingerprint(const struct policy_set *set, size_t i, char out[17]);

/* A change to a household's own row (household, village, pairing, cadre)
 * as a bit beside its lists' HOUSEHOLD_LIST_BITs: every policy reads it. */
#define POLICY_SET_ROW 0x80000000u
/* The policies (bits by index) that read one of changed (HOUSEHOLD_LIST_BITs
 * and POLICY_SET_ROW): those a change in it may affect. Policies from 64 on
 * have no bit; they always run. */
uint64_t policy_set_readers(const struct policy_set *set, uint32_t changed);
/* The lists read by the policies not in skip (from 64 on: every one). */
uint32_t policy_set_lists(const struct policy_set *set, uint64_t skip);

struct policy_runner; /* per thread */
int policy_runner_new(const struct policy_set *set, struct policy_runner **out, struct err *e);
void policy_runner_free(struct policy_runner *r);
/* Runs every policy of the set on hh, appending to res (not reset here). A
 * policy that errors is recorded in res->errors plus a policy_error alert;
 * the other policies still run. Missing policies are recorded in res->errors
 * too (without a per-household alert). */
void policy_runner_eval(struct policy_runner *r, const struct household *hh,
                        struct eval_result *res);

/* "Now evaluating household H, policy P", published before each policy call
 * into memory a supervisor can read after the evaluator died or hung (a
 * worker process shares it with the daemon). started_ns is CLOCK_MONOTONIC,
 * 0 between calls; seq grows with every call. */
struct policy_progress {
    _Atomic int64_t household;
    _Atomic int policy; /* index into set->policies */
    _Atomic int64_t started_ns;
    _Atomic uint64_t seq;
};
/* Publishes every call of r into pg (NULL: stop publishing). */
void policy_runner_watch(struct policy_runner *r, struct policy_progress *pg);
/* Publishes "household H, between calls" before its record is read, so
 * that a death there is blamed on H, not on the household before it. */
void policy_runner_begin(struct policy_runner *r, int64_t household);
/* policy_runner_eval without the policies whose bit (index into
 * set->policies, below 64) is set in skip: they are neither run nor
 * recorded; the caller records why. */
void policy_runner_eval_except(struct policy_runner *r, const struct household *hh,
                               struct eval_result *res, uint64_t skip);

#endif
