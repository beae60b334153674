/* policy_lua.h - Lua 5.4 policies: compile, check, and run them sandboxed.
 * Only policy/lua includes lua.h; this header does not. A policy_lua is a
 * checked file (immutable, shareable); a policy_lua_worker is one thread's
 * lua_State holding all of them. No state survives from one household to
 * the next. */
#ifndef FUPIN_POLICY_LUA_H
#define FUPIN_POLICY_LUA_H

#include "config.h"
#include "err.h"
#include "household.h"
#include "policy.h"

struct policy_lua;

/* The words, in the current language, that mark the message of a policy
 * that read a param it does not declare ("is not declared by"): `fupin
 * check` looks for them in what the policies' own cases report. A static
 * string; the message holds it verbatim in every language. */
const char *policy_lua_undeclared_marker(void);
#define LUA_UNDECLARED_PARAM policy_lua_undeclared_marker()

/* Whether the fp library (fp.lua in the config's `lua:` folder) can be
 * read: 0, or ERR_INVALID with its path and the key to fix in e. Policies
 * load and run without it (the test fixtures need none), but real ones
 * call fp on every household: policy_set_load refuses a config whose
 * library is not there, so every command that runs them and a reload do. */
int policy_lua_library_check(const struct config *cfg, struct err *e);

/* Compiles path in a fresh sandboxed state and checks it returns a table with
 * name, title and evaluate, a valid `params` declaration when it has one
 * (config_decl_validate), and a valid `reads` list when it has one. Errors
 * name path:line, or path and the param. */
int policy_lua_load(const char *path, const struct config *cfg, struct policy_lua **out,
                    struct err *e);
void policy_lua_free(struct policy_lua *p);
const char *policy_lua_name(const struct policy_lua *p);
const char *policy_lua_title(const struct policy_lua *p);
/* "lua:policies/industry.lua@<hash12>" */
const char *policy_lua_source(const struct policy_lua *p);
/* The measure codes it may emit (its `measures` field, else the catalogue). */
const char *const *policy_lua_measures(const struct policy_lua *p);
/* "policies/industry.lua": the file as messages name it. */
const char *policy_lua_file(const struct policy_lua *p);
/* The params it declares (its `params` field), sorted by key, owned by p;
 * *n is 0 for a policy that declares none (and may then read none). Keys are
 * absolute ("industry.project_grant"); owner is policy_lua_file(p). */
const struct config_param_decl *policy_lua_params(const struct policy_lua *p, size_t *n);

/* The household's lists p reads (HOUSEHOLD_LIST_BITs): its `reads` field,
 * HOUSEHOLD_ALL_LISTS when it has none (*declared, may be NULL, says which).
 * A policy touching a list outside it fails on that household. */
uint32_t policy_lua_reads(const struct policy_lua *p, int *declared);

/* Whether workers created from now on enforce limits.instructions with a
 * count hook (deterministic: `fupin test` and `fupin check` turn it on).
 * Off by default: evaluation is bounded by the wall-clock watchdog
 * (limits.wall_ms) and the memory budget, without the hook's cost. */
void policy_lua_use_instruction_budget(int on);

struct policy_lua_worker;
/* A Lua state holding policies[0..n) (borrowed: they must outlive it). */
int policy_lua_worker_new(struct policy_lua *const *policies, size_t n, const struct config *cfg,
                          struct policy_lua_worker **out, struct err *e);
void policy_lua_worker_free(struct policy_lua_worker *w);
/* Runs policy number index on hh into out, on the calling thread. Budget
 * overruns return ERR_BUDGET (the state is then rebuilt before the next
 * call), policy errors ERR_FAIL (reading a param the policy does not
 * declare is one), both with "file:line: what" in e, resident IDs masked. */
int policy_lua_worker_eval(struct policy_lua_worker *w, size_t index, const struct household *hh,
                           struct fupin_out *out, struct fupin_params *params, struct err *e);

#endif
