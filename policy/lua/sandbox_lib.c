/* sandbox_lib.c - the standard library as policies get it: base
 * functions replaced where the original could leave the sandbox
 * (setmetatable on a protected table, load of bytecode, collectgarbage),
 * string and table functions bounded where they would run unbounded in one
 * C call, tostring and string.format without addresses, and handlers and
 * coroutines that get no fresh budget. sandbox.c builds the state with it. */
#include "policy_lua_internal.h"
#include "i18n.h"

#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Refuse patterns whose worst-case backtracking exceeds ~1e8 steps. */
#define PATTERN_MAX_LOG10 8.0
#define UNPACK_MAX 10000
/* The most elements one table.move / insert / remove / concat / sort may
 * walk: far more than a table within the memory budget holds, so only a
 * lying __len or a huge range reaches it. These loops run in C, where no
 * hook can stop them. */
#define RANGE_MAX 1000000

/* ---- the replaced base functions ---- */

static int call_original(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int sb_setmetatable(lua_State *L)
{
    /* A finalizer runs with hooks off (no budget): refuse it outright. */
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int t = lua_rawget(L, 2);
        lua_pop(L, 1);
        if (t != LUA_TNIL)
            return luaL_error(L, _("setmetatable: __gc metamethods are not allowed in policies"));
    }
    if (lua_type(L, 1) == LUA_TTABLE && sandbox_is_protected(L, 1))
        return luaL_error(L, _("cannot change a protected metatable"));
    return call_original(L);
}

static int sb_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (sandbox_is_protected(L, 1))
        return luaL_error(L, _("rawset: the table is read-only"));
    return call_original(L);
}

static int sb_load(lua_State *L)
{
    size_t len;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, _("load: only source text (a string) can be loaded"));
    const char *s = lua_tolstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    const char *mode = luaL_optstring(L, 3, "t");
    if (!strchr(mode, 't'))
        return luaL_error(L, _("load: only text chunks can be loaded"));
    int env = !lua_isnone(L, 4);
    if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env)
        lua_pushvalue(L, 4);
    else
        sandbox_push_env(L);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    return 1;
}

static int sb_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, _("collectgarbage: only \"count\" is allowed in policies"));
    int kb = lua_gc(L, LUA_GCCOUNT), b = lua_gc(L, LUA_GCCOUNTB);
    lua_pushnumber(L, (lua_Number)kb + (lua_Number)b / 1024);
    return 1;
}

/* ---- bounded string and table functions ---- */

static size_t skip_set(const char *p, size_t m, size_t i)
{
    i++; /* '[' */
    if (i < m && p[i] == '^')
        i++;
    do {
        if (i >= m)
            return m;
        i += p[i] == '%' ? 2 : 1;
    } while (i < m && p[i] != ']');
    return i + 1;
}

/* log10 of the worst-case steps of Lua's backtracking matcher: every
 * quantified item that is followed by more pattern can retry each position of
 * the subject, and an unanchored search retries from each start. */
static double pattern_cost(size_t n, const char *p, size_t m, int plain)
{
    double logn = log10((double)n + 1), cost = log10((double)m + 1);
    if (plain)
        return cost + logn;
    int anchored = m > 0 && p[0] == '^';
    int q = 0, opt = 0;
    size_t i = (size_t)anchored;
    while (i < m) {
        char c = p[i];
        if (c == '(' || c == ')') {
            i++;
            continue;
        }
        if (c == '%' && i + 1 < m && p[i + 1] == 'b') {
            q++;
            i += 4;
            continue;
        }
        if (c == '%' && i + 1 < m && p[i + 1] == 'f') {
            i = skip_set(p, m, i + 2);
            continue;
        }
        if (c == '%')
            i += 2;
        else if (c == '[')
            i = skip_set(p, m, i);
        else
            i++;
        if (i < m && (p[i] == '*' || p[i] == '+' || p[i] == '-')) {
            i++;
            size_t rest = i;
            while (rest < m && p[rest] == ')')
                rest++;
            if (rest < m) /* a final quantifier never backtracks */
                q++;
        } else if (i < m && p[i] == '?') {
            opt++;
            i++;
        }
    }
    return cost + (q + !anchored) * logn + opt * log10(2.0);
}

static int sb_pattern(lua_State *L)
{
    size_t n, m;
    const char *s = luaL_checklstring(L, 1, &n);
    const char *p = luaL_checklstring(L, 2, &m);
    (void)s;
    int plain = lua_toboolean(L, lua_upvalueindex(2)) && lua_toboolean(L, 4);
    struct sandbox *sb = sandbox_of(L);
    /* A loop of matches each just under the cap: the watchdog stops the
     * loop at its next instruction, this stops it before the next match. */
    if (sb->running && (sb->wall_fired || sandbox_past_deadline(sb))) {
        sandbox_mark(sb, SANDBOX_WALL);
        return sandbox_error(L, "%s", sandbox_budget_text(SANDBOX_WALL));
    }
    if (pattern_cost(n, p, m, plain) > PATTERN_MAX_LOG10) {
        char shown[48];
        snprintf(shown, sizeof shown, "%.40s%s", p, m > 40 ? "..." : "");
        sandbox_mark(sb, SANDBOX_WALL);
        return luaL_error(L,
                          _("%s: pattern \"%s\" could backtrack too long on a subject of %d bytes"),
                          lua_tostring(L, lua_upvalueindex(3)), shown, (int)n);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int sb_rep(lua_State *L)
{
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    /* Lua's own rep loops n times even when every piece is empty, inside C
     * where no budget hook runs: string.rep('', math.maxinteger) hung the
     * worker (found by tests/fuzz/fuzz_lua). The answer is known at once. */
    if (n > 0 && l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (n > 0) {
        struct sandbox *sb = sandbox_of(L);
        double total = (double)l * (double)n + (double)lsep * (double)(n - 1);
        double room = sb->mem_limit > sb->mem_used ? (double)(sb->mem_limit - sb->mem_used) : 0;
        if (total > room) {
            sandbox_mark(sb, SANDBOX_MEMORY);
            return luaL_error(L, _("string.rep: a result of %f bytes exceeds the memory budget"),
                              total);
        }
    }
    return call_original(L);
}

static int sb_unpack(lua_State *L)
{
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer j = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
    if (i <= j && (lua_Unsigned)j - (lua_Unsigned)i >= UNPACK_MAX)
        return luaL_error(L, _("table.unpack: too many results (more than %d)"), UNPACK_MAX);
    return call_original(L);
}

static int range_error(lua_State *L, const char *fn, lua_Integer from, lua_Integer to)
{
    return sandbox_error(L, _("%s: range %I..%I is longer than %d elements"), fn, (LUAI_UACINT)from,
                         (LUAI_UACINT)to, RANGE_MAX);
}

static int too_long(lua_Integer from, lua_Integer to)
{
    return from <= to && (lua_Unsigned)to - (lua_Unsigned)from >= RANGE_MAX;
}

static int sb_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    if (too_long(f, e))
        return range_error(L, "table.move", f, e);
    return call_original(L);
}

static int sb_concat(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    lua_Integer j = lua_isnoneornil(L, 4) ? luaL_len(L, 1) : luaL_checkinteger(L, 4);
    if (too_long(i, j))
        return range_error(L, "table.concat", i, j);
    return call_original(L);
}

/* insert(t, pos, v) and remove(t, pos) shift everything from pos to #t,
 * and #t may come from a __len that lies. */
static int sb_insert(lua_State *L)
{
    luaL_checkany(L, 1);
    if (lua_gettop(L) == 3) {
        lua_Integer n = luaL_len(L, 1), pos = luaL_checkinteger(L, 2);
        if (too_long(pos, n))
            return range_error(L, "table.insert", pos, n);
    }
    return call_original(L);
}

static int sb_remove(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_Integer n = luaL_len(L, 1), pos = luaL_optinteger(L, 2, n);
    if (too_long(pos, n))
        return range_error(L, "table.remove", pos, n);
    return call_original(L);
}

static int sb_sort(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_Integer n = luaL_len(L, 1);
    if (too_long(1, n))
        return range_error(L, "table.sort", 1, n);
    return call_original(L);
}

/* ---- no addresses ---- */

/* Tables, functions, threads and userdata print as their type, not as
 * "table: 0x55d0c2a8": an address tells a cadre nothing and an attacker
 * something. A __tostring still decides (the household views have one). */
int sandbox_has_address(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    if (t != LUA_TTABLE && t != LUA_TFUNCTION && t != LUA_TTHREAD && t != LUA_TUSERDATA &&
        t != LUA_TLIGHTUSERDATA)
        return 0;
    if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    return 1;
}

static int sb_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    if (sandbox_has_address(L, 1))
        lua_pushstring(L, luaL_typename(L, 1));
    else
        luaL_tolstring(L, 1, NULL);
    return 1;
}

const char *sandbox_int_text(lua_Integer v, char buf[24], size_t *len)
{
    lua_Unsigned u = v < 0 ? 0u - (lua_Unsigned)v : (lua_Unsigned)v;
    char *p = buf + 24;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    *len = (size_t)(buf + 24 - p);
    return p;
}

/* The formats policies write most ("%d 年人均收入 %s"): only %d, %s and
 * %%, with integers and strings, written here with the bytes Lua's own
 * string.format gives; 0 (nothing pushed) for anything else, which goes
 * to Lua's (and its errors). Its snprintf per item was most of the cost. */
static int simple_format(lua_State *L, const char *fmt, size_t n)
{
    int top = lua_gettop(L), arg = 1;
    for (size_t i = 0; i < n; i++) {
        if (fmt[i] != '%')
            continue;
        if (i + 1 >= n)
            return 0;
        char c = fmt[++i];
        if (c == '%')
            continue;
        if ((c != 'd' && c != 's') || ++arg > top)
            return 0;
        int t = lua_type(L, arg);
        if (c == 'd' ? !(t == LUA_TNUMBER && lua_isinteger(L, arg))
                     : !(t == LUA_TSTRING || (t == LUA_TNUMBER && lua_isinteger(L, arg))))
            return 0;
        if (t == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, arg, &len);
            if (memchr(s, 0, len))
                return 0;
        }
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    arg = 1;
    for (size_t i = 0; i < n;) {
        const char *pct = memchr(fmt + i, '%', n - i);
        size_t run = pct ? (size_t)(pct - (fmt + i)) : n - i;
        luaL_addlstring(&b, fmt + i, run);
        i += run;
        if (i >= n)
            break;
        char c = fmt[i + 1];
        i += 2;
        if (c == '%') {
            luaL_addchar(&b, '%');
            continue;
        }
        arg++;
        size_t len;
        const char *s;
        char buf[24];
        if (lua_type(L, arg) == LUA_TSTRING)
            s = lua_tolstring(L, arg, &len);
        else
            s = sandbox_int_text(lua_tointeger(L, arg), buf, &len);
        luaL_addlstring(&b, s, len);
    }
    luaL_pushresult(&b);
    return 1;
}

static int sb_format(lua_State *L)
{
    size_t n;
    const char *fmt = luaL_checklstring(L, 1, &n);
    for (size_t i = 0; i + 1 < n; i++) {
        if (fmt[i] != '%')
            continue;
        size_t k = i + 1;
        while (k < n && strchr("-+ #0123456789.", fmt[k]))
            k++;
        if (k < n && fmt[k] == 'p')
            return sandbox_error(L,
                                 _("string.format: %%p (an address) is not allowed in policies"));
        i = k; /* "%%" is skipped whole */
    }
    for (int a = 2; a <= lua_gettop(L); a++) {
        if (sandbox_has_address(L, a)) {
            lua_pushstring(L, luaL_typename(L, a));
            lua_replace(L, a);
        }
    }
    if (simple_format(L, fmt, n))
        return 1;
    return call_original(L);
}

/* ---- handlers and coroutines get no fresh budget ---- */

/* xpcall's message handler runs inside the error: after a budget error
 * raised by the hook, with hooks off. It is then skipped altogether. */
static int sb_msgh(lua_State *L)
{
    if (sandbox_of(L)->exceeded) {
        lua_settop(L, 1);
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int finish_call(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return lua_gettop(L);
}

static int sb_xpcall(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, sb_msgh, 1);
    lua_replace(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    /* with a continuation: a coroutine may yield inside xpcall */
    lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, finish_call);
    return lua_gettop(L);
}

/* resume and close (upvalue 1) run code in another Lua thread: the
 * watchdog must hook that one while it runs, and a budget exceeded there
 * poisons this one too when control comes back. */
static int sb_co_switch(lua_State *L)
{
    struct sandbox *sb = sandbox_of(L);
    lua_State *co = lua_tothread(L, 1);
    if (co && sb->exceeded)
        return sandbox_error(L, _("budget exceeded"));
    if (co) {
        if (sb->wall_fired)
            sandbox_poison(sb, co);
        sb->current = co;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET); /* raises only before switching */
    sb->current = L;
    if (sb->wall_fired || sb->exceeded)
        sandbox_poison(sb, L);
    return lua_gettop(L);
}

/* coroutine.wrap's function (upvalues: the coroutine, the sandbox's
 * resume), as Lua's own but that after a budget error the coroutine's
 * __close handlers never run: the hook error left its hooks off. */
static int sb_wrapped(lua_State *L)
{
    struct sandbox *sb = sandbox_of(L);
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_rotate(L, 1, 2);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    if (lua_toboolean(L, 1))
        return lua_gettop(L) - 1;
    int stat = lua_status(co);
    if (stat != LUA_OK && stat != LUA_YIELD && !sb->exceeded) {
        sb->current = co;
        stat = lua_resetthread(co); /* its to-be-closed variables */
        sb->current = L;
        if (sb->wall_fired || sb->exceeded)
            sandbox_poison(sb, L);
        lua_xmove(co, L, 1);
    } else {
        lua_pushvalue(L, 2);
    }
    if (stat != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int sb_wrap(lua_State *L) /* upvalues: coroutine.create, the sandbox's resume */
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushcclosure(L, sb_wrapped, 2);
    return 1;
}

/* Replaces lib[name] by wrapper with the original as upvalue 1. */
static void wrap(lua_State *L, int lib, const char *name, lua_CFunction wrapper, int nextra)
{
    lua_getfield(L, lib, name);
    lua_insert(L, -1 - nextra);
    lua_pushcclosure(L, wrapper, 1 + nextra);
    lua_setfield(L, lib, name);
}

static void wrap_pattern(lua_State *L, int lib, const char *name, int is_find)
{
    char full[32];
    snprintf(full, sizeof full, "string.%s", name);
    lua_pushboolean(L, is_find);
    lua_pushstring(L, full);
    wrap(L, lib, name, sb_pattern, 2);
}

static const char *const base_safe[] = {"assert", "error",    "getmetatable", "ipairs",   "next",
                                        "pairs",  "pcall",    "rawequal",     "rawget",   "rawlen",
                                        "select", "tonumber", "type",         "_VERSION", NULL};

static void add_lib(lua_State *L, int env, const char *name, lua_CFunction open)
{
    luaL_requiref(L, name, open, 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, env, name);
}

void sandbox_lib_open(lua_State *L, int base, int env)
{
    for (const char *const *n = base_safe; *n; n++) {
        lua_getfield(L, base, *n);
        lua_setfield(L, env, *n);
    }
    lua_getfield(L, base, "setmetatable");
    lua_pushcclosure(L, sb_setmetatable, 1);
    lua_setfield(L, env, "setmetatable");
    lua_getfield(L, base, "rawset");
    lua_pushcclosure(L, sb_rawset, 1);
    lua_setfield(L, env, "rawset");
    lua_pushcfunction(L, sb_load);
    lua_setfield(L, env, "load");
    lua_pushcfunction(L, sb_collectgarbage);
    lua_setfield(L, env, "collectgarbage");
    lua_pushcfunction(L, sb_tostring);
    lua_setfield(L, env, "tostring");
    lua_getfield(L, base, "xpcall");
    lua_pushcclosure(L, sb_xpcall, 1);
    lua_setfield(L, env, "xpcall");

    add_lib(L, env, LUA_STRLIBNAME, luaopen_string);
    int str = lua_gettop(L);
    lua_pushnil(L);
    lua_setfield(L, str, "dump");
    wrap_pattern(L, str, "find", 1);
    wrap_pattern(L, str, "match", 0);
    wrap_pattern(L, str, "gmatch", 0);
    wrap_pattern(L, str, "gsub", 0);
    wrap(L, str, "rep", sb_rep, 0);
    wrap(L, str, "format", sb_format, 0);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 3);

    add_lib(L, env, LUA_TABLIBNAME, luaopen_table);
    int tab = lua_gettop(L);
    wrap(L, tab, "unpack", sb_unpack, 0);
    wrap(L, tab, "move", sb_move, 0);
    wrap(L, tab, "concat", sb_concat, 0);
    wrap(L, tab, "insert", sb_insert, 0);
    wrap(L, tab, "remove", sb_remove, 0);
    wrap(L, tab, "sort", sb_sort, 0);
    lua_pop(L, 1);
    add_lib(L, env, LUA_MATHLIBNAME, luaopen_math);
    /* Evaluations must be deterministic and share no generator state. */
    lua_pushnil(L);
    lua_setfield(L, -2, "random");
    lua_pushnil(L);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    add_lib(L, env, LUA_UTF8LIBNAME, luaopen_utf8);
    lua_pop(L, 1);
    add_lib(L, env, LUA_COLIBNAME, luaopen_coroutine);
    int co = lua_gettop(L);
    wrap(L, co, "resume", sb_co_switch, 0);
    wrap(L, co, "close", sb_co_switch, 0);
    lua_getfield(L, co, "create");
    lua_getfield(L, co, "resume");
    lua_pushcclosure(L, sb_wrap, 2);
    lua_setfield(L, co, "wrap");
    lua_pop(L, 1);
}
