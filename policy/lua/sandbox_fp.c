/* sandbox_fp.c - fp's hottest helpers in C (fp.say, fp.age,
 * fp.days_between, fp.who, fp.yuan, fp.percent). fp.lua takes them from its loader in place of its
 * own Lua versions, with the same results; test_native_fp_matches_lua holds them to the Lua ones.
 */
#include "policy_lua_internal.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- fp's hottest helpers in C ----
 * fp.lua takes these from its loader in place of its own Lua versions, with
 * the same results: a policy formats reasons and computes ages for every
 * household, and in Lua each call went through gsub or match behind the
 * pattern guard (a tenth of an evaluation). */

/* "YYYY-MM-DD" at idx as y, m, d; 0 when it is not a string holding a real
 * date (as fp.lua's parse_date: a number is not a date). */
static int native_date(lua_State *L, int idx, long *y, int *m, int *d)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n;
    if (lua_type(L, idx) != LUA_TSTRING)
        return 0;
    const char *s = lua_tolstring(L, idx, &n);
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    if (*m < 1 || *m > 12 || *d < 1)
        return 0;
    int leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    return *d <= dim[*m - 1] + (*m == 2 && leap);
}

/* H. Hinnant's days_from_civil, as fp.lua's (years here are 0..9999). */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int native_age(lua_State *L)
{
    long by, ty;
    int bm, bd, tm, td;
    if (!native_date(L, 1, &by, &bm, &bd) || !native_date(L, 2, &ty, &tm, &td))
        return 0;
    long years = ty - by - (tm < bm || (tm == bm && td < bd));
    if (years < 0)
        return 0;
    lua_pushinteger(L, years);
    return 1;
}

static int native_days_between(lua_State *L)
{
    long ay, by;
    int am, ad, bm, bd;
    if (!native_date(L, 1, &ay, &am, &ad) || !native_date(L, 2, &by, &bm, &bd))
        return 0;
    lua_pushinteger(L, days_from_civil(by, bm, bd) - days_from_civil(ay, am, ad));
    return 1;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* fp.say(template, vars): each {name} (letters, digits, _) replaced by
 * vars[name]; whole numbers without a decimal point, other values as
 * tostring shows them; a missing value is an error at the caller's line. */
static int native_say(lua_State *L)
{
    size_t n;
    const char *t = luaL_checklstring(L, 1, &n);
    lua_settop(L, 2); /* vars missing: indexed as nil, an error as in Lua */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t i = 0;
    while (i < n) {
        /* the text up to the next '{' in one piece */
        const char *brace = memchr(t + i, '{', n - i);
        size_t run = brace ? (size_t)(brace - (t + i)) : n - i;
        luaL_addlstring(&b, t + i, run);
        i += run;
        if (i >= n)
            break;
        size_t k = i + 1;
        while (k < n && is_name_char(t[k]))
            k++;
        if (k == i + 1 || k >= n || t[k] != '}') {
            luaL_addchar(&b, '{');
            i++;
            continue;
        }
        lua_pushlstring(L, t + i + 1, k - i - 1);
        int type = lua_gettable(L, 2);
        if (type == LUA_TNIL) {
            lua_pushlstring(L, t + i + 1, k - i - 1);
            return luaL_error(L, "fp.say: no value for {%s} in \"%s\"", lua_tostring(L, -1), t);
        }
        lua_Integer v;
        int whole = 0;
        if (type == LUA_TNUMBER && lua_isinteger(L, -1)) {
            v = lua_tointeger(L, -1);
            whole = 1;
        } else if (type == LUA_TNUMBER) {
            lua_Number x = lua_tonumber(L, -1);
            if (x == floor(x)) {
                if (!lua_numbertointeger(x, &v))
                    return luaL_error(L, "bad argument #2 to 'format' (number has no integer "
                                         "representation)");
                whole = 1;
            }
        }
        if (whole) { /* as tostring writes an integer, without snprintf */
            char buf[24];
            size_t len;
            const char *text = sandbox_int_text(v, buf, &len);
            lua_pop(L, 1);
            luaL_addlstring(&b, text, len);
        } else if (type == LUA_TSTRING) {
            luaL_addvalue(&b);
        } else if (sandbox_has_address(L, -1)) {
            lua_pop(L, 1);
            lua_pushstring(L, lua_typename(L, type));
            luaL_addvalue(&b);
        } else {
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
            luaL_addvalue(&b);
        }
        i = k + 1;
    }
    luaL_pushresult(&b);
    return 1;
}

/* fp.who(member): "张三（成员 11）", or "成员 11" without a name. */
/* The text of the value at idx as tostring gives it (an integer written
 * by hand, the common case: luaL_tolstring formats it with snprintf). */
static const char *who_text(lua_State *L, int idx, int type, char *buf, size_t *len)
{
    if (type == LUA_TSTRING)
        return lua_tolstring(L, idx, len);
    if (type == LUA_TNUMBER && lua_isinteger(L, idx))
        return sandbox_int_text(lua_tointeger(L, idx), buf, len);
    if (sandbox_has_address(L, idx))
        lua_pushstring(L, lua_typename(L, type));
    else
        luaL_tolstring(L, idx, NULL);
    lua_replace(L, idx);
    return lua_tolstring(L, idx, len);
}

static int native_who(lua_State *L)
{
    lua_settop(L, 1);
    int nt = lua_getfield(L, 1, "name"); /* 2 */
    int it = lua_getfield(L, 1, "id");   /* 3 */
    int named = nt != LUA_TNIL && !(nt == LUA_TBOOLEAN && !lua_toboolean(L, 2)) &&
                !(nt == LUA_TSTRING && lua_rawlen(L, 2) == 0);
    char nbuf[24], ibuf[24];
    size_t nlen = 0, ilen;
    const char *name = named ? who_text(L, 2, nt, nbuf, &nlen) : NULL;
    const char *id = who_text(L, 3, it, ibuf, &ilen);
    static const char open[] = "（成员 ", close[] = "）", bare[] = "成员 ";
    if (!named) {
        char out[64];
        if (ilen <= sizeof out - sizeof bare) {
            memcpy(out, bare, sizeof bare - 1);
            memcpy(out + sizeof bare - 1, id, ilen);
            lua_pushlstring(L, out, sizeof bare - 1 + ilen);
            return 1;
        }
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (named) {
        luaL_addlstring(&b, name, nlen);
        luaL_addlstring(&b, open, sizeof open - 1);
        luaL_addlstring(&b, id, ilen);
        luaL_addlstring(&b, close, sizeof close - 1);
    } else {
        luaL_addlstring(&b, bare, sizeof bare - 1);
        luaL_addlstring(&b, id, ilen);
    }
    luaL_pushresult(&b);
    return 1;
}

/* Calls fp.lua's own version (upvalue 1) with the arguments: for what the
 * C version leaves to it (values outside everyday ranges, non-numbers). */
static int call_lua_version(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    return 1;
}

/* The number at idx as the Lua version's arithmetic sees it, when it is
 * a number of at most 1e12 in size: 0 otherwise. */
static int everyday_number(lua_State *L, int idx, lua_Integer *i, lua_Number *x, int *is_int)
{
    if (lua_type(L, idx) != LUA_TNUMBER)
        return 0;
    *is_int = lua_isinteger(L, idx);
    *i = *is_int ? lua_tointeger(L, idx) : 0;
    *x = lua_tonumber(L, idx);
    return *x == *x && fabs(*x) <= 1e12;
}

/* fp.yuan(amount): "5,000 元", "6,530.40 元", "-1,200 元" -- the Lua
 * version's arithmetic step by step (integer or float as Lua has them). */
static int native_yuan(lua_State *L)
{
    lua_Integer i;
    lua_Number x;
    int is_int;
    if (!everyday_number(L, 1, &i, &x, &is_int))
        return call_lua_version(L);
    /* floor(math.abs(x) * 100 + 0.5): an integer times 100 stays one */
    double v = is_int ? (double)((i < 0 ? -i : i) * 100) + 0.5 : fabs(x) * 100 + 0.5;
    long long fen = (long long)floor(v);
    long long whole = fen / 100, cents = fen % 100;
    /* digits by hand: snprintf was most of this function's cost */
    char digits[32], out[64];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole > 0);
    size_t len = 0;
    if (x < 0)
        out[len++] = '-';
    for (int k = nd - 1; k >= 0; k--) {
        out[len++] = digits[k];
        if (k > 0 && k % 3 == 0)
            out[len++] = ',';
    }
    if (cents) {
        out[len++] = '.';
        out[len++] = (char)('0' + cents / 10);
        out[len++] = (char)('0' + cents % 10);
    }
    memcpy(out + len, " 元", sizeof " 元" - 1);
    lua_pushlstring(L, out, len + sizeof " 元" - 1);
    return 1;
}

/* fp.percent(ratio): 0.45 -> "45 %" (string.format's %g). */
static int native_percent(lua_State *L)
{
    lua_Integer i;
    lua_Number x;
    int is_int;
    if (!everyday_number(L, 1, &i, &x, &is_int))
        return call_lua_version(L);
    char out[64];
    snprintf(out, sizeof out, "%g %%", is_int ? (double)(i * 100) : x * 100);
    lua_pushstring(L, out);
    return 1;
}

/* ---- facts of the household computed in C ----
 * The income rows and members are read from the household itself (not
 * through its view) when the argument is the live household; anything else
 * (a plain table in a test) goes to fp.lua's version. */

/* fp.per_capita_income(household, year): the year's four incomes summed in
 * the order and arithmetic of the Lua version, over the members, to the fen
 * (a float, as Lua's `/` gives). */
static int native_per_capita_income(lua_State *L)
{
    const struct household *hh = household_view_live(L, 1);
    if (!hh)
        return call_lua_version(L);
    household_view_check_reads(
        L, HOUSEHOLD_LIST_BIT(HOUSEHOLD_REC_MEMBER) | HOUSEHOLD_LIST_BIT(HOUSEHOLD_REC_INCOME),
        "fp.", "per_capita_income");
    if (hh->n_members == 0 || lua_type(L, 2) != LUA_TNUMBER)
        return 0; /* no row's year equals a non-number */
    lua_Number year = lua_tonumber(L, 2);
    for (size_t i = 0; i < hh->n_income; i++) {
        const struct household_income *r = &hh->income[i];
        if ((lua_Number)r->year != year)
            continue;
        double total = r->wage + r->production + r->property + r->transfer;
        lua_pushnumber(L, floor(total / (double)hh->n_members * 100 + 0.5) / 100);
        return 1;
    }
    return 0;
}

/* fp.latest_income_year(household, up_to): the latest row's year, at most
 * up_to when it is a number. */
static int native_latest_income_year(lua_State *L)
{
    const struct household *hh = household_view_live(L, 1);
    int bound = lua_type(L, 2);
    if (!hh || (bound != LUA_TNONE && bound != LUA_TNIL && bound != LUA_TNUMBER))
        return call_lua_version(L);
    household_view_check_reads(L, HOUSEHOLD_LIST_BIT(HOUSEHOLD_REC_INCOME), "fp.",
                               "latest_income_year");
    lua_Number up_to = bound == LUA_TNUMBER ? lua_tonumber(L, 2) : 0;
    int found = 0, latest = 0;
    for (size_t i = 0; i < hh->n_income; i++) {
        int y = hh->income[i].year;
        if ((bound != LUA_TNUMBER || (lua_Number)y <= up_to) && (!found || y > latest)) {
            latest = y;
            found = 1;
        }
    }
    if (!found)
        return 0;
    lua_pushinteger(L, latest);
    return 1;
}

/* ---- results kept for read-only arguments ----
 * fp.for_year, fp.poverty_line and fp.line_with_text are pure functions of
 * params, which are read-only tables built once per worker: their results
 * are kept per argument list (a tree of weak-keyed tables in upvalue 2,
 * leaf[0] = the number of results, leaf[1..n] the results) and the Lua
 * version (upvalue 1) runs only for a list not seen yet, or one holding a
 * table a policy could change (then every time). Nothing a policy can
 * reach holds these tables. */

static char nil_key; /* stands for nil in the tree */

static int memo_arg_ok(lua_State *L, int i)
{
    switch (lua_type(L, i)) {
    case LUA_TNIL:
    case LUA_TBOOLEAN:
    case LUA_TSTRING:
        return 1;
    case LUA_TNUMBER:
        return lua_tonumber(L, i) == lua_tonumber(L, i); /* NaN is no key */
    case LUA_TTABLE:
        return sandbox_is_frozen(L, i) || call_view_is_params(L, i);
    default:
        return 0;
    }
}

static void push_weak_table(lua_State *L)
{
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
}

static int native_memoized(lua_State *L)
{
    int nargs = (int)lua_tointeger(L, lua_upvalueindex(3));
    lua_settop(L, nargs);
    int ok = 1;
    for (int i = 1; i <= nargs && ok; i++)
        ok = memo_arg_ok(L, i);
    if (!ok) {
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_insert(L, 1);
        lua_call(L, nargs, LUA_MULTRET);
        return lua_gettop(L);
    }
    luaL_checkstack(L, nargs + 8, "fp");
    lua_pushvalue(L, lua_upvalueindex(2));
    for (int i = 1; i <= nargs; i++) {
        if (lua_isnil(L, i))
            lua_pushlightuserdata(L, &nil_key);
        else
            lua_pushvalue(L, i);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, -3) != LUA_TTABLE) {
            lua_pop(L, 1);
            push_weak_table(L);
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            lua_rawset(L, -5);
        }
        lua_remove(L, -2); /* the key */
        lua_remove(L, -2); /* the level above */
    }
    int leaf = lua_gettop(L);
    if (lua_rawgeti(L, leaf, 0) == LUA_TNUMBER) {
        int n = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        for (int k = 1; k <= n; k++)
            lua_rawgeti(L, leaf, k);
        return n;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    for (int i = 1; i <= nargs; i++)
        lua_pushvalue(L, i);
    lua_call(L, nargs, LUA_MULTRET);
    int n = lua_gettop(L) - leaf;
    for (int k = 1; k <= n; k++) {
        lua_pushvalue(L, leaf + k);
        lua_rawseti(L, leaf, k);
    }
    lua_pushinteger(L, n);
    lua_rawseti(L, leaf, 0);
    return n;
}

/* native.memo(lua_function, nargs): lua_function with its results kept. */
static int native_memo(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_Integer nargs = luaL_checkinteger(L, 2);
    luaL_argcheck(L, nargs >= 1 && nargs <= 8, 2, "1 to 8 arguments");
    lua_settop(L, 2);
    lua_pushvalue(L, 1);
    push_weak_table(L);
    lua_pushinteger(L, nargs);
    lua_pushcclosure(L, native_memoized, 3);
    return 1;
}

/* native.with_lua(c_function, lua_function): the C function with fp.lua's
 * own version as its fallback (upvalue 1). */
static int native_with_lua(lua_State *L)
{
    lua_CFunction f = lua_tocfunction(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    if (f != native_yuan && f != native_percent && f != native_per_capita_income &&
        f != native_latest_income_year)
        return luaL_error(L, "fp: no C version to bind");
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, f, 1);
    return 1;
}

void sandbox_fp_push_native(lua_State *L)
{
    static const luaL_Reg fns[] = {{"say", native_say},
                                   {"age", native_age},
                                   {"days_between", native_days_between},
                                   {"who", native_who},
                                   {"yuan", native_yuan},
                                   {"percent", native_percent},
                                   {"per_capita_income", native_per_capita_income},
                                   {"latest_income_year", native_latest_income_year},
                                   {"with_lua", native_with_lua},
                                   {"memo", native_memo},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
}
