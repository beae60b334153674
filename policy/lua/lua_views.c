/* lua_views.c - the `out` emitter and the `params` tree as policies see
 * them: userdata views that die with their evaluation (generation check), and
 * params as a frozen table when nothing traces. Neither can be written to. */
#include "lua_sandbox.h"

#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define VIEW_MT "fupin.view"

enum vkind { V_OUT, V_PARAMS };
static const char *const view_names[] = {"out", "params"};

struct view {
    unsigned gen;
    enum vkind kind;
    const void *ptr;
    size_t n;
    char prefix[]; /* V_PARAMS: the dotted key of this node */
};

static struct view *new_view(lua_State *L, enum vkind kind, const void *ptr, size_t extra)
{
    struct view *v = lua_newuserdatauv(L, sizeof *v + extra, 1);
    memset(v, 0, sizeof *v + extra);
    v->gen = sandbox_of(L)->gen;
    v->kind = kind;
    v->ptr = ptr;
    luaL_setmetatable(L, VIEW_MT);
    return v;
}

static struct view *check_view(lua_State *L, int idx)
{
    struct view *v = luaL_testudata(L, idx, VIEW_MT);
    if (!v)
        luaL_error(L, "expected an out or params view");
    if (v->gen != sandbox_of(L)->gen)
        luaL_error(L, "a %s view was used after its evaluation ended", view_names[v->kind]);
    return v;
}

static void push_number(lua_State *L, double x)
{
    if (x == floor(x) && fabs(x) < 9007199254740992.0)
        lua_pushinteger(L, (lua_Integer)x);
    else
        lua_pushnumber(L, x);
}

/* ---- params ---- */

static const struct config *params_cfg(lua_State *L)
{
    struct lua_sandbox *sb = sandbox_of(L);
    return sb->params && sb->params->cfg ? sb->params->cfg : sb->cfg;
}

/* Only `fupin explain` traces; formatting the value text for every read
 * cost more than the lookup itself. */
static int tracing(lua_State *L)
{
    struct lua_sandbox *sb = sandbox_of(L);
    return sb->params && sb->params->policy && sb->params->res && sb->params->res->trace;
}

static void push_param(lua_State *L, const struct config_param *p)
{
    char text[64];
    int traced = tracing(L);
    text[0] = 0;
    switch (p->type) {
    case PARAM_NUMBER:
        push_number(L, p->number);
        if (traced)
            snprintf(text, sizeof text, "%g", p->number);
        break;
    case PARAM_STRING:
        lua_pushstring(L, p->string ? p->string : "");
        if (traced)
            snprintf(text, sizeof text, "%s", p->string ? p->string : "");
        break;
    case PARAM_BY_YEAR: {
        /* A fresh plain table: the policy may iterate it with pairs. */
        lua_createtable(L, 0, (int)p->n_years);
        size_t used = 0;
        for (size_t i = 0; i < p->n_years; i++) {
            push_number(L, p->values[i]);
            lua_rawseti(L, -2, p->years[i]);
            if (traced && used < sizeof text)
                used += (size_t)snprintf(text + used, sizeof text - used, "%s%d: %g", i ? ", " : "",
                                         p->years[i], p->values[i]);
        }
        break;
    }
    }
    if (traced)
        policy_trace_param(sandbox_of(L)->params, p->key, text);
}

/* The first param whose key is >= key (cfg->params is sorted by strcmp). */
static size_t param_lower_bound(const struct config *cfg, const char *key)
{
    size_t lo = 0, hi = cfg->n_params;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(cfg->params[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int params_index(lua_State *L, const struct view *v)
{
    if (lua_type(L, 2) != LUA_TSTRING) {
        lua_pushnil(L);
        return 1;
    }
    char key[256];
    size_t plen = strlen(v->prefix), nlen;
    const char *name = lua_tolstring(L, 2, &nlen);
    size_t len = plen + (plen ? 1 : 0) + nlen;
    if (len + 2 > sizeof key) {
        lua_pushnil(L);
        return 1;
    }
    memcpy(key, v->prefix, plen);
    if (plen)
        key[plen] = '.';
    memcpy(key + len - nlen, name, nlen + 1);
    const struct config *cfg = params_cfg(L);
    int subtree = 0;
    if (cfg) {
        size_t i = param_lower_bound(cfg, key);
        if (i < cfg->n_params && strcmp(cfg->params[i].key, key) == 0) {
            push_param(L, &cfg->params[i]);
            return 1;
        }
        /* Keys under "key." are contiguous from the bound of "key.". */
        key[len] = '.';
        key[len + 1] = 0;
        i = param_lower_bound(cfg, key);
        subtree = i < cfg->n_params && strncmp(cfg->params[i].key, key, len + 1) == 0;
        key[len] = 0;
    }
    if (!subtree) {
        lua_pushnil(L);
        return 1;
    }
    struct view *node = new_view(L, V_PARAMS, NULL, (size_t)len + 1);
    memcpy(node->prefix, key, (size_t)len + 1);
    return 1;
}

/* ---- out ---- */

static const char *opt_string(lua_State *L, int t, const char *name, const char *method)
{
    int ty = lua_getfield(L, t, name);
    if (ty == LUA_TNIL)
        return NULL;
    if (ty != LUA_TSTRING)
        luaL_error(L, "out:%s: %s must be a string, not a %s", method, name, lua_typename(L, ty));
    return lua_tostring(L, -1);
}

static void check_keys(lua_State *L, int t, const char *const *allowed, const char *method)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        int ok = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (const char *const *a = allowed; *a; a++)
                ok |= strcmp(*a, lua_tostring(L, -1)) == 0;
        if (!ok)
            luaL_error(L, "out:%s: unknown field %s%s%s", method,
                       lua_type(L, -1) == LUA_TSTRING ? "'" : "(a ",
                       lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1),
                       lua_type(L, -1) == LUA_TSTRING ? "'" : " key)");
    }
}

static struct fupin_out *check_out(lua_State *L, const char *method)
{
    struct view *v = check_view(L, 1);
    if (v->kind != V_OUT)
        luaL_error(L, "out:%s: call it as out:%s{...}", method, method);
    if (lua_type(L, 2) != LUA_TTABLE)
        luaL_error(L, "out:%s: expects a table, e.g. out:%s{measure = ..., reason = ...}", method,
                   method);
    return sandbox_of(L)->out;
}

static int emit_finding(lua_State *L, enum finding_kind kind)
{
    static const char *const allowed[] = {"measure", "member", "amount", "reason", NULL};
    const char *method = finding_kind_name(kind);
    struct fupin_out *out = check_out(L, method);
    check_keys(L, 2, allowed, method);
    struct fupin_finding f = {0};
    f.measure = opt_string(L, 2, "measure", method);
    f.reason = opt_string(L, 2, "reason", method);
    lua_getfield(L, 2, "member");
    f.member_id = views_member_id(L, -1, method);
    int t = lua_getfield(L, 2, "amount");
    if (t == LUA_TNUMBER) {
        f.has_amount = 1;
        f.amount = lua_tonumber(L, -1);
    } else if (t != LUA_TNIL) {
        return luaL_error(L, "out:%s: amount must be a number, not a %s", method,
                          lua_typename(L, t));
    }
    if (policy_out_finding(out, kind, &f) != FUPIN_OK)
        return luaL_error(L, "%s", out->err.msg);
    return 0;
}

static int out_recommend(lua_State *L)
{
    return emit_finding(L, FINDING_RECOMMEND);
}

static int out_flag(lua_State *L)
{
    return emit_finding(L, FINDING_FLAG);
}

static int out_alert(lua_State *L)
{
    static const char *const allowed[] = {"kind", "severity", "message", NULL};
    struct fupin_out *out = check_out(L, "alert");
    check_keys(L, 2, allowed, "alert");
    const char *kind = opt_string(L, 2, "kind", "alert");
    const char *severity = opt_string(L, 2, "severity", "alert");
    const char *message = opt_string(L, 2, "message", "alert");
    if (policy_out_alert(out, kind, severity, message) != FUPIN_OK)
        return luaL_error(L, "%s", out->err.msg);
    return 0;
}

/* ---- the metatable of out and params ---- */

static int view_index(lua_State *L)
{
    struct view *v = check_view(L, 1);
    if (v->kind == V_PARAMS)
        return params_index(L, v);
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    lua_CFunction fn = !k                            ? NULL
                       : strcmp(k, "recommend") == 0 ? out_recommend
                       : strcmp(k, "flag") == 0      ? out_flag
                       : strcmp(k, "alert") == 0     ? out_alert
                                                     : NULL;
    if (fn)
        lua_pushcfunction(L, fn);
    else
        lua_pushnil(L);
    return 1;
}

static int view_newindex(lua_State *L)
{
    struct view *v = check_view(L, 1);
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
    return luaL_error(L, "the %s is read-only (attempt to set '%s')", view_names[v->kind], k);
}

static int view_len(lua_State *L)
{
    struct view *v = check_view(L, 1);
    return luaL_error(L, "attempt to get the length of a %s", view_names[v->kind]);
}

static int view_tostring(lua_State *L)
{
    struct view *v = luaL_testudata(L, 1, VIEW_MT);
    lua_pushstring(L, v ? view_names[v->kind] : "view");
    return 1;
}

static int view_eq(lua_State *L)
{
    struct view *a = luaL_testudata(L, 1, VIEW_MT), *b = luaL_testudata(L, 2, VIEW_MT);
    lua_pushboolean(L, a && b && a->kind == b->kind && a->kind != V_PARAMS);
    return 1;
}

/* pairs(out) and pairs(params) iterate nothing. */
static int view_next(lua_State *L)
{
    check_view(L, 1);
    return 0;
}

static int view_pairs(lua_State *L)
{
    check_view(L, 1);
    lua_pushcfunction(L, view_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

void views_register_out_params(lua_State *L)
{
    static const luaL_Reg mt[] = {{"__index", view_index},
                                  {"__newindex", view_newindex},
                                  {"__len", view_len},
                                  {"__eq", view_eq},
                                  {"__tostring", view_tostring},
                                  {"__pairs", view_pairs},
                                  {NULL, NULL}};
    luaL_newmetatable(L, VIEW_MT);
    luaL_setfuncs(L, mt, 0);
    lua_pushliteral(L, "read-only view");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

void views_push_out(lua_State *L)
{
    new_view(L, V_OUT, NULL, 0);
}

static char params_key; /* registry: the worker's params as a frozen table */

/* The params tree as plain nested tables: "a.b" = x becomes t.a.b = x. A
 * key that is also a prefix keeps its own value (as params_index does). */
static void build_params(lua_State *L, const struct config *cfg)
{
    lua_newtable(L);
    int root = lua_gettop(L);
    for (size_t i = 0; i < cfg->n_params; i++) {
        const struct config_param *cp = &cfg->params[i];
        const char *k = cp->key, *dot;
        lua_pushvalue(L, root);
        int ok = 1;
        while (ok && (dot = strchr(k, '.'))) {
            lua_pushlstring(L, k, (size_t)(dot - k));
            int t = lua_rawget(L, -2);
            if (t == LUA_TNIL) {
                lua_pop(L, 1);
                lua_newtable(L);
                lua_pushlstring(L, k, (size_t)(dot - k));
                lua_pushvalue(L, -2);
                lua_rawset(L, -4);
            } else if (t != LUA_TTABLE) {
                ok = 0;
            }
            lua_remove(L, -2);
            k = dot + 1;
        }
        if (ok) {
            switch (cp->type) {
            case PARAM_NUMBER:
                push_number(L, cp->number);
                break;
            case PARAM_STRING:
                lua_pushstring(L, cp->string ? cp->string : "");
                break;
            case PARAM_BY_YEAR:
                lua_createtable(L, 0, (int)cp->n_years);
                for (size_t y = 0; y < cp->n_years; y++) {
                    push_number(L, cp->values[y]);
                    lua_rawseti(L, -2, cp->years[y]);
                }
                break;
            }
            lua_setfield(L, -2, k);
        }
        lua_pop(L, 1);
    }
    sandbox_freeze(L, root);
}

/* Outside `fupin explain` (which traces every read) and when the params are
 * the worker's own config, params is a frozen plain table built once per
 * worker: reads are VM lookups and nothing is allocated per read. */
void views_push_params(lua_State *L)
{
    struct lua_sandbox *sb = sandbox_of(L);
    const struct config *cfg = params_cfg(L);
    if (!cfg || cfg != sb->cfg || tracing(L)) {
        new_view(L, V_PARAMS, NULL, 1);
        return;
    }
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &params_key) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    build_params(L, cfg);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &params_key);
}
