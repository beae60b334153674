/* call_view.c - the `out` emitter and the `params` tree as policies see
 * them: userdata views that die with their evaluation (generation check), and
 * params as read-only tables when nothing traces. Neither can be written to,
 * and params holds only what the running policy declares: reading any other
 * key raises, so a policy cannot depend on a param `fupin check` does not
 * know it reads. */
#include "policy_lua.h"
#include "i18n.h"
#include "policy_lua_internal.h"

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
    const void *ptr; /* V_PARAMS: the struct policy_lua whose declarations apply */
    size_t n;
    char prefix[]; /* V_PARAMS: the dotted key of this node */
};

static char mt_key; /* registry: the views' metatable (compared by identity, not by name) */
/* registry: out's metatable while nothing traces: its __index is the table
 * of out's fields itself, so `out.explaining` and `out:recommend` are VM
 * lookups with no C call (rules read out.explaining in every test). The
 * methods still check that their out is live. */
static char out_mt_key;

static int tracing(lua_State *L);

static struct view *new_view(lua_State *L, enum vkind kind, const void *ptr, size_t extra)
{
    struct view *v = lua_newuserdatauv(L, sizeof *v + extra, 1);
    memset(v, 0, sizeof *v + extra);
    v->gen = sandbox_of(L)->gen;
    v->kind = kind;
    v->ptr = ptr;
    lua_rawgetp(L, LUA_REGISTRYINDEX, kind == V_OUT && !tracing(L) ? &out_mt_key : &mt_key);
    lua_setmetatable(L, -2);
    return v;
}

/* The view at idx, or NULL when it is none (dead or alive). */
static struct view *to_view(lua_State *L, int idx)
{
    struct view *v = lua_touserdata(L, idx);
    if (!v || lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx))
        return NULL;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &out_mt_key);
    int ours = lua_rawequal(L, -1, -2);
    lua_pop(L, 1);
    if (!ours) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &mt_key);
        ours = lua_rawequal(L, -1, -2);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return ours ? v : NULL;
}

static struct view *check_view(lua_State *L, int idx)
{
    struct view *v = to_view(L, idx);
    if (!v)
        luaL_error(L, _("expected an out or params view"));
    if (v->gen != sandbox_of(L)->gen)
        luaL_error(L, _("a %s view was used after its evaluation ended"), view_names[v->kind]);
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
    struct sandbox *sb = sandbox_of(L);
    return sb->params && sb->params->cfg ? sb->params->cfg : sb->cfg;
}

/* Only `fupin explain` traces; formatting the value text for every read
 * cost more than the lookup itself. */
static int tracing(lua_State *L)
{
    struct sandbox *sb = sandbox_of(L);
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

/* Whether p declares key: 1 a param, 2 a group of them ("industry" when it
 * declares "industry.project_grant"), 0 neither. decls are sorted by key. */
static int declared(const struct policy_lua *p, const char *key, size_t len)
{
    size_t n = 0;
    const struct config_param_decl *d = p ? policy_lua_params(p, &n) : NULL;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(d[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && strcmp(d[lo].key, key) == 0)
        return 1;
    /* Keys under "key." sort after key itself (behind any "key-..."). */
    for (size_t i = lo; i < n && strncmp(d[i].key, key, len) == 0; i++)
        if (d[i].key[len] == '.')
            return 2;
    return 0;
}

/* Raises "<file>:<line>: params.KEY is not declared by policies/x.lua ...",
 * the line being the first Lua line on the stack: the read may happen inside
 * the fp library on the policy's behalf. */
static int undeclared_error(lua_State *L, const struct policy_lua *p, const char *key)
{
    lua_Debug ar;
    int where = 0;
    for (int level = 1; !where && lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            where = 1;
        }
    }
    if (!where)
        lua_pushliteral(L, "");
    /* The marker is its own message so that `fupin check` finds it in any
     * language (a translation must keep "%s %s %s" in this order). */
    lua_pushfstring(
        L, _("params.%s %s %s: add it to the policy's params = {...} with its type and range"), key,
        LUA_UNDECLARED_PARAM, p ? policy_lua_file(p) : _("this policy"));
    lua_concat(L, 2);
    return lua_error(L);
}

static int params_index(lua_State *L, const struct view *v)
{
    char key[256];
    size_t plen = strlen(v->prefix), nlen;
    if (lua_type(L, 2) != LUA_TSTRING) {
        snprintf(key, sizeof key, "%s%s[%s]", v->prefix, plen ? "" : "?", luaL_typename(L, 2));
        return undeclared_error(L, v->ptr, key);
    }
    const char *name = lua_tolstring(L, 2, &nlen);
    size_t len = plen + (plen ? 1 : 0) + nlen;
    if (len + 2 > sizeof key)
        return undeclared_error(L, v->ptr, name);
    memcpy(key, v->prefix, plen);
    if (plen)
        key[plen] = '.';
    memcpy(key + len - nlen, name, nlen + 1);
    int kind = declared(v->ptr, key, len);
    if (kind == 0)
        return undeclared_error(L, v->ptr, key);
    if (kind == 2) {
        struct view *node = new_view(L, V_PARAMS, v->ptr, (size_t)len + 1);
        memcpy(node->prefix, key, (size_t)len + 1);
        return 1;
    }
    const struct config_param *cp = config_param_find(params_cfg(L), key);
    if (cp)
        push_param(L, cp);
    else
        lua_pushnil(L); /* declared, not required, no default, not set */
    return 1;
}

/* ---- out ---- */

static const char *opt_string(lua_State *L, int t, const char *name, const char *method)
{
    int ty = lua_getfield(L, t, name);
    if (ty == LUA_TNIL)
        return NULL;
    if (ty != LUA_TSTRING)
        luaL_error(L, _("out:%s: %s must be a string, not a %s"), method, name,
                   lua_typename(L, ty));
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
            luaL_error(L, _("out:%s: unknown field %s%s%s"), method,
                       lua_type(L, -1) == LUA_TSTRING ? "'" : "(a ",
                       lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1),
                       lua_type(L, -1) == LUA_TSTRING ? "'" : " key)");
    }
}

static struct fupin_out *check_out(lua_State *L, const char *method)
{
    struct view *v = check_view(L, 1);
    if (v->kind != V_OUT)
        luaL_error(L, _("out:%s: call it as out:%s{...}"), method, method);
    if (lua_type(L, 2) != LUA_TTABLE)
        luaL_error(L, _("out:%s: expects a table, e.g. out:%s{measure = ..., reason = ...}"),
                   method, method);
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
    f.member_id = household_view_member_id(L, -1, method);
    int t = lua_getfield(L, 2, "amount");
    if (t == LUA_TNUMBER) {
        f.has_amount = 1;
        f.amount = lua_tonumber(L, -1);
    } else if (t != LUA_TNIL) {
        return luaL_error(L, _("out:%s: amount must be a number, not a %s"), method,
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

/* out:test{label=, ok=, detail=, member=}: a test the rule evaluated, kept
 * for `fupin explain` only (why and why not). */
static int out_test(lua_State *L)
{
    static const char *const allowed[] = {"label", "ok", "detail", "member", NULL};
    struct fupin_out *out = check_out(L, "test");
    check_keys(L, 2, allowed, "test");
    const char *label = opt_string(L, 2, "label", "test");
    int t = lua_getfield(L, 2, "ok");
    if (t != LUA_TBOOLEAN)
        return luaL_error(L, _("out:test: ok must be true or false, not a %s"), lua_typename(L, t));
    int ok = lua_toboolean(L, -1);
    if (!tracing(L))
        return 0;
    const char *detail = opt_string(L, 2, "detail", "test");
    lua_getfield(L, 2, "member");
    int64_t member = household_view_member_id(L, -1, "test");
    if (policy_out_test(out, member, label, ok, detail) != FUPIN_OK)
        return luaL_error(L, "%s", out->err.msg);
    return 0;
}

/* ---- the metatable of out and params ---- */

/* upvalue 1: out's fields, {recommend = out_recommend, ..., explaining =
 * false}: one table lookup per read (rules read out.explaining in every
 * test), no string compares. */
static int view_index(lua_State *L)
{
    struct view *v = check_view(L, 1);
    if (v->kind == V_PARAMS)
        return params_index(L, v);
    lua_settop(L, 2);
    int t = lua_rawget(L, lua_upvalueindex(1));
    /* out.explaining: whether tests are kept, so a rule can skip building
     * their text on the daemon's hot path. */
    if (t == LUA_TBOOLEAN)
        lua_pushboolean(L, tracing(L));
    return 1;
}

static int view_newindex(lua_State *L)
{
    struct view *v = check_view(L, 1);
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
    return luaL_error(L, _("the %s is read-only (attempt to set '%s')"), view_names[v->kind], k);
}

static int view_len(lua_State *L)
{
    struct view *v = check_view(L, 1);
    return luaL_error(L, _("attempt to get the length of a %s"), view_names[v->kind]);
}

static int view_tostring(lua_State *L)
{
    struct view *v = to_view(L, 1);
    lua_pushstring(L, v ? view_names[v->kind] : "view");
    return 1;
}

static int view_eq(lua_State *L)
{
    struct view *a = to_view(L, 1), *b = to_view(L, 2);
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

void call_view_register(lua_State *L)
{
    static const luaL_Reg mt[] = {
        {"__newindex", view_newindex}, {"__len", view_len},     {"__eq", view_eq},
        {"__tostring", view_tostring}, {"__pairs", view_pairs}, {NULL, NULL}};
    luaL_newmetatable(L, VIEW_MT);
    luaL_setfuncs(L, mt, 0);
    lua_createtable(L, 0, 5);
    lua_pushcfunction(L, out_recommend);
    lua_setfield(L, -2, "recommend");
    lua_pushcfunction(L, out_flag);
    lua_setfield(L, -2, "flag");
    lua_pushcfunction(L, out_alert);
    lua_setfield(L, -2, "alert");
    lua_pushcfunction(L, out_test);
    lua_setfield(L, -2, "test");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "explaining");
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, view_index, 1);
    lua_setfield(L, -3, "__index");
    /* out's own metatable: the same, with the fields table as __index */
    lua_createtable(L, 0, 8);
    luaL_setfuncs(L, mt, 0);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "read-only view");
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &out_mt_key);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &mt_key);
    lua_pushliteral(L, "read-only view");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

void call_view_push_out(lua_State *L)
{
    new_view(L, V_OUT, NULL, 0);
}

static char params_key; /* registry: {[policy] = its params table} of this worker */

/* ---- params as read-only tables (the fast path) ----
 *
 * Each node is an empty proxy whose metatable's __index is a shadow table
 * holding the values; the shadow's own __index (node_miss) runs only for a
 * key the shadow lacks, answering nil for a declared param that is not set
 * and raising for anything undeclared. Reads of set params stay VM table
 * lookups: nothing runs per read. */

static int node_miss(lua_State *L)
{
    /* upvalues: 1 the set of declared names of this node, 2 its prefix */
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
        return 0;
    const char *prefix = lua_tostring(L, lua_upvalueindex(2));
    char key[256];
    if (lua_type(L, 2) == LUA_TSTRING)
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", lua_tostring(L, 2));
    else
        snprintf(key, sizeof key, "%s[%s]", *prefix ? prefix : "?", luaL_typename(L, 2));
    return undeclared_error(L, lua_touserdata(L, lua_upvalueindex(3)), key);
}

static int node_newindex(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, _("attempt to modify read-only field '%s'"), lua_tostring(L, 2));
    return luaL_error(L, _("attempt to modify a read-only table"));
}

/* next over the shadow, so that pairs never hands the shadow itself out. */
static int node_next(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1)))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int node_pairs(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    lua_pushcclosure(L, node_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int node_len(lua_State *L)
{
    lua_pushinteger(L, 0);
    return 1;
}

static void push_value(lua_State *L, const struct config_param *cp)
{
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
        sandbox_freeze(L, -1);
        break;
    }
}

/* Pushes the node for prefix (plen bytes) over d[lo..hi), the declarations
 * whose keys start with it. */
static void build_node(lua_State *L, const struct config *cfg, const struct policy_lua *p,
                       const struct config_param_decl *d, size_t lo, size_t hi, const char *prefix,
                       size_t plen)
{
    luaL_checkstack(L, 8, "params");
    lua_newtable(L); /* proxy */
    int proxy = lua_gettop(L);
    lua_newtable(L); /* shadow */
    int shadow = lua_gettop(L);
    lua_newtable(L); /* declared names */
    int names = lua_gettop(L);
    for (size_t i = lo; i < hi;) {
        const char *rest = d[i].key + plen + (plen ? 1 : 0);
        size_t nlen = strcspn(rest, ".");
        lua_pushlstring(L, rest, nlen);
        lua_pushboolean(L, 1);
        lua_rawset(L, names);
        if (!rest[nlen]) {
            const struct config_param *cp = config_param_find(cfg, d[i].key);
            if (cp) {
                lua_pushlstring(L, rest, nlen);
                push_value(L, cp);
                lua_rawset(L, shadow);
            }
            i++;
            continue;
        }
        size_t clen = (size_t)(rest - d[i].key) + nlen; /* the child's prefix */
        size_t j = i;
        while (j < hi && strncmp(d[j].key, d[i].key, clen) == 0 && d[j].key[clen] == '.')
            j++;
        lua_pushlstring(L, rest, nlen);
        build_node(L, cfg, p, d, i, j, d[i].key, clen);
        lua_rawset(L, shadow);
        i = j;
    }
    lua_createtable(L, 0, 1); /* the shadow's metatable */
    lua_pushvalue(L, names);
    lua_pushlstring(L, prefix, plen);
    lua_pushlightuserdata(L, (void *)p);
    lua_pushcclosure(L, node_miss, 3);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, shadow);
    lua_createtable(L, 0, 5); /* the proxy's, protected */
    lua_pushvalue(L, shadow);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, node_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, node_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, node_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, proxy);
    lua_settop(L, proxy);
}

int call_view_is_params(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return 0;
    lua_pushliteral(L, "__newindex");
    lua_rawget(L, -2);
    int is = lua_tocfunction(L, -1) == node_newindex;
    lua_pop(L, 2);
    return is;
}

/* Outside `fupin explain` (which traces every read) and when the params are
 * the worker's own config, params is a read-only table built once per worker
 * and policy: reads are VM lookups and nothing is allocated per read. */
void call_view_push_params(lua_State *L, const struct policy_lua *p)
{
    struct sandbox *sb = sandbox_of(L);
    const struct config *cfg = params_cfg(L);
    if (!cfg || cfg != sb->cfg || tracing(L) || !p) {
        new_view(L, V_PARAMS, p, 1);
        return;
    }
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &params_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &params_key);
    }
    if (lua_rawgetp(L, -1, p) == LUA_TTABLE) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    size_t n;
    const struct config_param_decl *d = policy_lua_params(p, &n);
    build_node(L, cfg, p, d, 0, n, "", 0);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, p);
    lua_remove(L, -2);
}
