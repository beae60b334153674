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

/* Compiles path in a fresh sandboxed state and checks it returns a table with
 * name, title and evaluate. Errors name path:line. */
int lua_policy_load(const char *path, const struct config *cfg, struct lua_policy **out,
                    struct err *e);
void lua_policy_free(struct lua_policy *p);
const char *lua_policy_name(const struct lua_policy *p);
const char *lua_policy_title(const struct lua_policy *p);
/* "lua:policies/industry.lua@<hash12>" */
const char *lua_policy_source(const struct lua_policy *p);
/* The measure codes it may emit (its `measures` field, else the catalogue). */
const char *const *lua_policy_measures(const struct lua_policy *p);

struct lua_worker;
int lua_worker_new(struct lua_policy *const *policies, size_t n, const struct config *cfg,
                   struct lua_worker **out, struct err *e);
void lua_worker_free(struct lua_worker *w);
/* Runs policy number index on hh into out. Budget overruns return
 * ERR_BUDGET, policy errors ERR_FAIL, both with "file:line: what" in e. */
int lua_worker_eval(struct lua_worker *w, size_t index, const struct household *hh,
                    struct fupin_out *out, struct fupin_params *params, struct err *e);

#endif
