/* lua_runtime.h - Lua 5.4 policies: compile, check, and run them sandboxed.
 * The only module that includes lua.h. A lua_policy is a checked file
 * (immutable, shareable); a lua_worker is one thread's lua_State holding all
 * of them. No state survives from one household to the next. */
#ifndef FUPIN_LUA_RUNTIME_H
#define FUPIN_LUA_RUNTIME_H

#include "config.h"
#include "err.h"
#include "household.h"
#include "policy.h"

struct lua_policy;

/* In the message of a policy that read a param it does not declare:
 * `fupin check` looks for it in what the policies' own cases report. */
#define LUA_UNDECLARED_PARAM "is not declared by"

/* Compiles path in a fresh sandboxed state and checks it returns a table with
 * name, title and evaluate, and a valid `params` declaration when it has one
 * (config_decl_validate). Errors name path:line, or path and the param. */
int lua_policy_load(const char *path, const struct config *cfg, struct lua_policy **out,
                    struct err *e);
void lua_policy_free(struct lua_policy *p);
const char *lua_policy_name(const struct lua_policy *p);
const char *lua_policy_title(const struct lua_policy *p);
/* "lua:policies/industry.lua@<hash12>" */
const char *lua_policy_source(const struct lua_policy *p);
/* The measure codes it may emit (its `measures` field, else the catalogue). */
const char *const *lua_policy_measures(const struct lua_policy *p);
/* "policies/industry.lua": the file as messages name it. */
const char *lua_policy_file(const struct lua_policy *p);
/* The params it declares (its `params` field), sorted by key, owned by p;
 * *n is 0 for a policy that declares none (and may then read none). Keys are
 * absolute ("industry.project_grant"); owner is lua_policy_file(p). */
const struct config_param_decl *lua_policy_params(const struct lua_policy *p, size_t *n);

/* Whether workers created from now on enforce limits.instructions with a
 * count hook (deterministic: `fupin test` and `fupin check` turn it on).
 * Off by default: evaluation is bounded by the wall-clock watchdog
 * (limits.wall_ms) and the memory budget, without the hook's cost. */
void lua_runtime_use_instruction_budget(int on);

struct lua_worker;
/* A Lua state holding policies[0..n) (borrowed: they must outlive it). */
int lua_worker_new(struct lua_policy *const *policies, size_t n, const struct config *cfg,
                   struct lua_worker **out, struct err *e);
void lua_worker_free(struct lua_worker *w);
/* Runs policy number index on hh into out, on the calling thread. Budget
 * overruns return ERR_BUDGET (the state is then rebuilt before the next
 * call), policy errors ERR_FAIL (reading a param the policy does not
 * declare is one), both with "file:line: what" in e, resident IDs masked. */
int lua_worker_eval(struct lua_worker *w, size_t index, const struct household *hh,
                    struct fupin_out *out, struct fupin_params *params, struct err *e);

#endif
