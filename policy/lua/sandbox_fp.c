/* sandbox_fp.c - fp's hottest helpers in C (fp.say, fp.age,
 * fp.days_between). fp.lua takes them from its loader in place of its own
 * Lua versions, with the same results; test_native_fp_matches_lua holds
 * them to the Lua ones. */
#include "policy_lua_internal.h"

#include <lauxlib.h>
#include <math.h>

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
        size_t k = i + 1;
        if (t[i] == '{')
            while (k < n && is_name_char(t[k]))
                k++;
        if (t[i] != '{' || k == i + 1 || k >= n || t[k] != '}') {
            luaL_addchar(&b, t[i]);
            i++;
            continue;
        }
        lua_pushlstring(L, t + i + 1, k - i - 1);
        int type = lua_gettable(L, 2);
        if (type == LUA_TNIL) {
            lua_pushlstring(L, t + i + 1, k - i - 1);
            return luaL_error(L, "fp.say: no value for {%s} in \"%s\"", lua_tostring(L, -1), t);
        }
        if (type == LUA_TNUMBER && !lua_isinteger(L, -1)) {
            lua_Number x = lua_tonumber(L, -1);
            lua_Integer v;
            if (x == floor(x)) {
                if (!lua_numbertointeger(x, &v))
                    return luaL_error(L, "bad argument #2 to 'format' (number has no integer "
                                         "representation)");
                lua_pop(L, 1);
                lua_pushinteger(L, v);
            }
        }
        if (sandbox_has_address(L, -1)) {
            lua_pop(L, 1);
            lua_pushstring(L, lua_typename(L, type));
        } else {
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
        }
        luaL_addvalue(&b);
        i = k + 1;
    }
    luaL_pushresult(&b);
    return 1;
}

void sandbox_fp_push_native(lua_State *L)
{
    static const luaL_Reg fns[] = {{"say", native_say},
                                   {"age", native_age},
                                   {"days_between", native_days_between},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
}
