/* lua_runtime.c - Lua policies: not built yet (issue #4). */
#include "lua_runtime.h"

int lua_policy_load(const char *path, const struct config *cfg, struct lua_policy **out,
                    struct err *e)
{
    return err_set(e, ERR_INVALID, "%s: the Lua runtime is not built yet (issue #4)", path);
}
void lua_policy_free(struct lua_policy *p) {}
const char *lua_policy_name(const struct lua_policy *p) { return ""; }
const char *lua_policy_title(const struct lua_policy *p) { return ""; }
const char *lua_policy_source(const struct lua_policy *p) { return ""; }
const char *const *lua_policy_measures(const struct lua_policy *p) { return NULL; }
int lua_worker_new(struct lua_policy *const *policies, size_t n, const struct config *cfg,
                   struct lua_worker **out, struct err *e)
{
    return err_set(e, ERR_FAIL, "the Lua runtime is not built yet (issue #4)");
}
void lua_worker_free(struct lua_worker *w) {}
int lua_worker_eval(struct lua_worker *w, size_t index, const struct fupin_household *hh,
                    struct fupin_out *out, struct fupin_params *params, struct err *e)
{
    return err_set(e, ERR_FAIL, "the Lua runtime is not built yet (issue #4)");
}
