/* household_view.c - the household as policies see it: plain data tables
 * behind read-only proxies, built once per household, shared by its policies
 * and killed before the next; its fields are those of household.h. Never
 * hands a policy a table it could write. */
#include "policy_lua_internal.h"
#include "i18n.h"

#include <lauxlib.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* A view's kind: a record of the description (household.h), a list, or
 * the out and params views of call_view.c. */
enum vkind {
    V_HOUSEHOLD = HOUSEHOLD_REC_HOUSEHOLD,
    V_MEMBER = HOUSEHOLD_REC_MEMBER,
    V_LIST = HOUSEHOLD_REC_COUNT,
    V_OUT,
    V_PARAMS
};
/* The sandbox counts pooled proxies per kind up to V_LIST. */
_Static_assert(V_LIST < sizeof((struct sandbox *)0)->pool_used /
                            sizeof((struct sandbox *)0)->pool_used[0],
               "sandbox.pool_used has no slot for every pooled kind");

static const char *kind_name(int kind)
{
    if (kind >= 0 && kind < V_LIST)
        return household_records[kind].name;
    return kind == V_LIST ? "list" : kind == V_OUT ? "out" : kind == V_PARAMS ? "params" : "view";
}

static void push_number(lua_State *L, double x)
{
    if (x == floor(x) && fabs(x) < 9007199254740992.0)
        lua_pushinteger(L, (lua_Integer)x);
    else
        lua_pushnumber(L, x);
}

/* Pushes the value of field f (not a list) of the record at base; pushes
 * nothing and returns 0 when the value is nil. */
static int push_value(lua_State *L, const char *base, const struct household_field *f)
{
    const void *at = base + f->offset;
    switch (f->kind) {
    case HOUSEHOLD_ID:
    case HOUSEHOLD_INT64:
        lua_pushinteger(L, (lua_Integer) * (const int64_t *)at);
        return 1;
    case HOUSEHOLD_REF:
        if (*(const int64_t *)at == 0)
            return 0;
        lua_pushinteger(L, (lua_Integer) * (const int64_t *)at);
        return 1;
    case HOUSEHOLD_INT:
    case HOUSEHOLD_AS_OF_YEAR:
        lua_pushinteger(L, *(const int *)at);
        return 1;
    case HOUSEHOLD_INT_OR_NULL:
        if (*(const int *)at == HOUSEHOLD_NULL_INT)
            return 0;
        lua_pushinteger(L, *(const int *)at);
        return 1;
    case HOUSEHOLD_AGE:
        if (*(const int *)at < 0)
            return 0;
        lua_pushinteger(L, *(const int *)at);
        return 1;
    case HOUSEHOLD_BOOL:
        lua_pushboolean(L, *(const int *)at != 0);
        return 1;
    case HOUSEHOLD_FACT:
        if (f->a)
            lua_pushboolean(L, *(const int *)at != 0);
        else
            lua_pushinteger(L, *(const int *)at);
        return 1;
    case HOUSEHOLD_TEXT:
    case HOUSEHOLD_DATE:
    case HOUSEHOLD_REQUIRED_DATE:
    case HOUSEHOLD_AS_OF_DATE: {
        const char *s = *(const char *const *)at;
        if (!s)
            return 0;
        lua_pushstring(L, s);
        return 1;
    }
    case HOUSEHOLD_REAL:
        push_number(L, *(const double *)at);
        return 1;
    case HOUSEHOLD_REAL_OR_NULL:
        if (isnan(*(const double *)at))
            return 0;
        push_number(L, *(const double *)at);
        return 1;
    case HOUSEHOLD_ENUM: {
        const char *s = household_enum_name(f->map, *(const int *)at);
        if (!s)
            return 0;
        lua_pushstring(L, s);
        return 1;
    }
    case HOUSEHOLD_LIST:
        break;
    }
    return 0;
}

/* Personal data no policy needs: the resident ID stays out of the views
 * (its facts -- age, birth date -- are fields of their own), so no policy can
 * paste it into a reason or an alert. */
static int is_hidden(int kind, const struct household_field *f)
{
    return kind == V_MEMBER && f->offset == offsetof(struct household_member, id_number);
}

/* ---- the household as plain tables ----
 * Each record and list is a plain data table seen through an empty proxy
 * whose metatable has __index = the data table, so a field read is a table
 * lookup inside the VM with no C call. The data table is never handed to a
 * policy (pairs iterates through the proxy), so nothing can write to it. Its
 * own metatable (one per kind) answers reads of nil fields (nil), unknown
 * fields (an error) and builds the household's lists on first use. One
 * household's views are shared by the policies evaluating it, and killed
 * (every proxy given its kind's dead metatable, whose __index is an error)
 * before the next household is built. */

static char pools_key;     /* registry: kind -> the proxies built so far, each
                              followed by its live metatable */
static char deads_key;     /* registry: kind -> the metatable of its dead proxies */
static char kinds_key;     /* registry: kind -> metatable of its data tables,
                              -kind - 1 -> its setter (load_setter) */
static char household_key; /* registry: the household proxy being evaluated */
static char marker_key;    /* proxy metatable: its kind (policies cannot forge it) */
static char data_key;      /* a proxy's own metatable: its data table */

/* Proxies are reused from household to household (filling a table that has
 * its keys already allocates nothing); a pool keeps at most this many of a
 * kind between households, so one huge household does not hold memory. */
#define POOL_KEEP 64

/* The kind of the proxy at idx, with its metatable pushed; -1 and nothing
 * pushed when idx is not a proxy. */
static int proxy_kind(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return -1;
    if (lua_rawgetp(L, -1, &marker_key) != LUA_TNUMBER) {
        lua_pop(L, 2);
        return -1;
    }
    int kind = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    return kind;
}

static int dead_error(lua_State *L, int kind)
{
    return luaL_error(L, _("a %s view was used after its evaluation ended"),
                      kind >= 0 ? kind_name(kind) : "household");
}

/* Pushes the data table of the live proxy at idx and returns its kind. */
static int push_data(lua_State *L, int idx)
{
    int kind = proxy_kind(L, idx);
    if (kind < 0)
        luaL_error(L, _("expected a household view, not a %s"), luaL_typename(L, idx));
    lua_pushliteral(L, "__index");
    if (lua_rawget(L, -2) != LUA_TTABLE)
        dead_error(L, kind);
    lua_remove(L, -2);
    return kind;
}

static int rec_dead(lua_State *L)
{
    int kind = proxy_kind(L, 1);
    return dead_error(L, kind);
}

static int rec_newindex(lua_State *L)
{
    int kind = proxy_kind(L, 1);
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
    return luaL_error(L, _("the %s is read-only (attempt to set '%s')"),
                      kind >= 0 ? kind_name(kind) : "household", k);
}

static int rec_len(lua_State *L)
{
    int kind = push_data(L, 1);
    if (kind != V_LIST)
        return luaL_error(L, _("attempt to get the length of a %s"), kind_name(kind));
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

/* sandbox.lists_shown: the household's facts are in its data table. */
#define FACTS_SHOWN 0x40000000u

/* The lists field f of a record of kind depends on: its own for a list,
 * the members for a fact of the household (labor_force), none otherwise. */
static uint32_t lists_of(int kind, const struct household_field *f)
{
    if (kind != V_HOUSEHOLD)
        return 0;
    if (f->kind == HOUSEHOLD_LIST)
        return HOUSEHOLD_LIST_BIT(f->elem);
    return f->kind == HOUSEHOLD_FACT ? HOUSEHOLD_LIST_BIT(HOUSEHOLD_REC_MEMBER) : 0;
}

/* Whether the running policy's `reads` covers field f. */
static int readable(lua_State *L, int kind, const struct household_field *f)
{
    uint32_t need = lists_of(kind, f);
    return (sandbox_of(L)->reads & need) == need;
}

void household_view_check_reads(lua_State *L, uint32_t lists, const char *prefix, const char *name)
{
    struct sandbox *sb = sandbox_of(L);
    uint32_t missing = lists & ~sb->reads;
    if (!missing)
        return;
    char what[96];
    snprintf(what, sizeof what, "%s%s", prefix, name);
    int rec = 1;
    while (rec < HOUSEHOLD_REC_COUNT && !(missing & HOUSEHOLD_LIST_BIT(rec)))
        rec++;
    const char *list = rec < HOUSEHOLD_REC_COUNT ? household_records[rec].list : "?";
    /* The policy's own line, also when fp.lua made the read for it: the
     * innermost frame of the policy's chunk. */
    lua_Debug ar;
    int found = 0;
    for (int level = 1; sb->chunk && !found && lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 && strcmp(ar.source, sb->chunk) == 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            found = 1;
        }
    if (!found)
        luaL_where(L, 1);
    lua_pushfstring(L,
                    _("%s needs the household's %s, which this policy does not declare in "
                      "`reads` (add \"%s\")"),
                    what, list, list);
    lua_concat(L, 2);
    lua_error(L);
}

/* pairs(record): its fields in declaration order; pairs(list): 1..n. The
 * state is the proxy, never the data table. */
static int rec_next(lua_State *L)
{
    int kind = push_data(L, 1);
    if (kind == V_LIST) {
        lua_Integer i = lua_isnil(L, 2) ? 1 : luaL_checkinteger(L, 2) + 1;
        if (i < 1 || lua_rawgeti(L, -1, i) == LUA_TNIL)
            return 0;
        lua_pushinteger(L, i);
        lua_insert(L, -2);
        return 2;
    }
    const struct household_record *rec = &household_records[kind];
    const struct household_field *f = rec->fields;
    if (!lua_isnil(L, 2)) {
        f = household_field_find((enum household_rec)kind, luaL_checkstring(L, 2));
        if (!f)
            return 0;
        f++;
    }
    while (f < rec->fields + rec->n_fields && (is_hidden(kind, f) || !readable(L, kind, f)))
        f++;
    if (f == rec->fields + rec->n_fields)
        return 0;
    lua_pushstring(L, f->name);
    lua_getfield(L, 1, f->name); /* through the proxy: lists are built on demand */
    return 2;
}

static int rec_pairs(lua_State *L)
{
    push_data(L, 1);
    lua_pushcfunction(L, rec_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int rec_tostring(lua_State *L)
{
    int kind = proxy_kind(L, 1);
    if (kind == V_HOUSEHOLD || kind == V_MEMBER) {
        lua_pushliteral(L, "__index");
        if (lua_rawget(L, -2) == LUA_TTABLE && lua_getfield(L, -1, "id") == LUA_TNUMBER) {
            lua_pushfstring(L, "%s %I", kind_name(kind), (lua_Integer)lua_tointeger(L, -1));
            return 1;
        }
    }
    lua_pushstring(L, kind >= 0 ? kind_name(kind) : "view");
    return 1;
}

/* The metamethods every proxy has, alive or dead, into the table on top. */
static void set_methods(lua_State *L, enum vkind kind)
{
    lua_pushcfunction(L, rec_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, rec_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, rec_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushcfunction(L, rec_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "read-only view");
    lua_setfield(L, -2, "__metatable");
    lua_pushinteger(L, kind);
    lua_rawsetp(L, -2, &marker_key);
}

/* A new proxy with its data table and metatable, stored in the pool at
 * slot i (entries 2i - 1 and 2i); the proxy is left on the stack and its
 * data table below it. */
static void new_proxy(lua_State *L, enum vkind kind, int kinds, int pool, size_t i)
{
    lua_createtable(L, kind == V_LIST ? 4 : 0, kind == V_HOUSEHOLD ? 32 : kind == V_LIST ? 0 : 16);
    if (kind != V_LIST) {
        lua_rawgeti(L, kinds, kind);
        lua_setmetatable(L, -2);
    }
    lua_createtable(L, 0, 8);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, &data_key);
    set_methods(L, kind);
    /* The metatable first: a memory error before the proxy is stored
     * leaves slot i without a proxy, built again next time. */
    lua_pushvalue(L, -1);
    lua_rawseti(L, pool, (lua_Integer)(2 * i));
    lua_createtable(L, 0, 0);
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawseti(L, pool, (lua_Integer)(2 * i - 1));
}

/* The next free proxy of kind for this household, brought back to life:
 * pushes the data table, then the proxy. */
static void take_proxy(lua_State *L, enum vkind kind, int kinds, int pools)
{
    struct sandbox *sb = sandbox_of(L);
    lua_rawgeti(L, pools, kind);
    int pool = lua_gettop(L);
    /* pool_used counts only proxies fully taken, so a memory error half-way
     * leaves entries 1..pool_used all present for the kill. */
    size_t i = sb->pool_used[kind] + 1;
    if (lua_rawgeti(L, pool, (lua_Integer)(2 * i - 1)) != LUA_TTABLE) {
        lua_pop(L, 1);
        new_proxy(L, kind, kinds, pool, i);
    } else {
        /* Alive again: its own metatable back, whose __index is its data. */
        lua_rawgeti(L, pool, (lua_Integer)(2 * i));
        lua_rawgetp(L, -1, &data_key);
        lua_insert(L, -3);       /* data, proxy, metatable */
        lua_setmetatable(L, -2); /* data, proxy */
    }
    lua_remove(L, pool);
    sb->pool_used[kind] = i;
}

/* Pushes the proxy of one record filled from ptr (lists are built by the
 * miss handler on first use). Every field is set, nil ones too, because the
 * table held the last household's record: by the kind's setter, which
 * takes the data table and the values in field order. */
static void push_record(lua_State *L, enum vkind kind, const void *ptr, int kinds, int pools)
{
    const struct household_record *rec = &household_records[kind];
    luaL_checkstack(L, (int)rec->n_fields + 4, "household view");
    take_proxy(L, kind, kinds, pools);
    lua_rawgeti(L, kinds, -(int)kind - 1);
    lua_pushvalue(L, -3);
    for (size_t i = 0; i < rec->n_fields; i++) {
        const struct household_field *f = &rec->fields[i];
        /* Lists, and the household's facts that are counted from its
         * members, stay out of the table: their reads go through rec_miss,
         * which holds them to the policy's `reads`. */
        if (f->kind == HOUSEHOLD_LIST || (kind == V_HOUSEHOLD && f->kind == HOUSEHOLD_FACT) ||
            is_hidden((int)kind, f) || !push_value(L, ptr, f))
            lua_pushnil(L);
    }
    lua_call(L, (int)rec->n_fields + 1, 0);
    lua_remove(L, -2);
}

static void push_list(lua_State *L, const struct household_field *f, const char *base, int kinds,
                      int pools)
{
    size_t n = *(const size_t *)(base + f->aux_offset);
    const char *at = *(const char *const *)(base + f->offset);
    size_t size = household_records[f->elem].size;
    take_proxy(L, V_LIST, kinds, pools);
    for (size_t i = 0; i < n; i++) {
        push_record(L, (enum vkind)f->elem, at + i * size, kinds, pools);
        lua_rawseti(L, -3, (lua_Integer)i + 1);
    }
    for (lua_Integer i = (lua_Integer)n + 1; lua_rawgeti(L, -2, i) != LUA_TNIL; i++) {
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_rawseti(L, -3, i);
    }
    lua_pop(L, 1);
    lua_remove(L, -2);
}

/* <field>_label of an enumerated field (household.status_label): the
 * Chinese label of its value, "not recorded" included, so that a message
 * names a status as staff read it (建档立卡), never its code. Pushes it and
 * returns 1; 0 when key 2 is no such name. */
static int push_label(lua_State *L, enum vkind kind)
{
    size_t len;
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : NULL;
    static const char suffix[] = "_label";
    char name[64];
    if (!k || len <= sizeof suffix - 1 || len - (sizeof suffix - 1) >= sizeof name ||
        strcmp(k + len - (sizeof suffix - 1), suffix) != 0)
        return 0;
    memcpy(name, k, len - (sizeof suffix - 1)); /* fits: checked above */
    name[len - (sizeof suffix - 1)] = '\0';
    const struct household_field *f = household_field_find((enum household_rec)kind, name);
    if (!f || f->kind != HOUSEHOLD_ENUM)
        return 0;
    /* The value as the record holds it: its text, or nil (not recorded). */
    lua_pushstring(L, name);
    lua_rawget(L, 1);
    const char *text = lua_tostring(L, -1);
    int v = -1;
    for (int i = 0; i < f->map->count && v < 0; i++)
        if (text ? f->map->text[i] && strcmp(f->map->text[i], text) == 0 : !f->map->text[i])
            v = i;
    lua_pop(L, 1);
    const char *label = household_enum_label(f->map, v);
    if (!label)
        return 0;
    lua_pushstring(L, label);
    return 1;
}

/* __index of a data table (upvalues: kind, name -> field number): a known
 * field that is nil, a household list not yet built, or an error. */
static int rec_miss(lua_State *L)
{
    enum vkind kind = (enum vkind)lua_tointeger(L, lua_upvalueindex(1));
    const struct household_field *f = NULL;
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(2)) == LUA_TNUMBER)
            f = &household_records[kind].fields[lua_tointeger(L, -1) - 1];
        lua_pop(L, 1);
    }
    if (!f && push_label(L, kind))
        return 1;
    if (!f)
        return luaL_error(L, _("%s has no field '%s'"), kind_name(kind),
                          lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : luaL_typename(L, 2));
    if (is_hidden((int)kind, f))
        return luaL_error(
            L,
            _("resident ID numbers are not given to policies (%s.%s is personal data: "
              "use age or birth_date)"),
            kind_name(kind), f->name);
    uint32_t need = lists_of((int)kind, f);
    if (!need) {
        lua_pushnil(L);
        return 1;
    }
    /* Only the household has lists and facts kept out of its table, and
     * only the live household's data table is reachable (through its
     * proxy): it belongs to sb->hh. */
    struct sandbox *sb = sandbox_of(L);
    const struct household *hh = sb->hh;
    if (kind != V_HOUSEHOLD || !hh)
        return dead_error(L, kind);
    household_view_check_reads(L, need, "household.", f->name);
    if (f->kind != HOUSEHOLD_LIST) {
        /* Kept in the table like a list, until a policy without the
         * members runs. */
        if (!push_value(L, (const char *)hh, f))
            lua_pushnil(L);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, -2);
        lua_rawset(L, 1);
        sb->lists_shown |= FACTS_SHOWN;
        return 1;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kinds_key);
    int kinds = lua_gettop(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &pools_key);
    push_list(L, f, (const char *)hh, kinds, kinds + 1);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    sb->lists_shown |= need;
    return 1;
}

void household_view_limit(lua_State *L)
{
    struct sandbox *sb = sandbox_of(L);
    uint32_t hide = sb->lists_shown & ~sb->reads & HOUSEHOLD_ALL_LISTS;
    if ((sb->lists_shown & FACTS_SHOWN) && !(sb->reads & HOUSEHOLD_LIST_BIT(HOUSEHOLD_REC_MEMBER)))
        hide |= FACTS_SHOWN;
    if (!hide)
        return;
    int top = lua_gettop(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &household_key);
    if (proxy_kind(L, -1) == V_HOUSEHOLD && lua_rawgetp(L, -1, &data_key) == LUA_TTABLE) {
        for (int rec = 1; rec < HOUSEHOLD_REC_COUNT; rec++)
            if (hide & HOUSEHOLD_LIST_BIT(rec)) {
                lua_pushstring(L, household_records[rec].list);
                lua_pushnil(L);
                lua_rawset(L, -3);
            }
        const struct household_record *rec = &household_records[HOUSEHOLD_REC_HOUSEHOLD];
        for (size_t i = 0; (hide & FACTS_SHOWN) && i < rec->n_fields; i++)
            if (rec->fields[i].kind == HOUSEHOLD_FACT) {
                lua_pushstring(L, rec->fields[i].name);
                lua_pushnil(L);
                lua_rawset(L, -3);
            }
    }
    lua_settop(L, top);
    sb->lists_shown &= ~hide;
}

/* Kills every proxy handed out for the last household and trims the pools. */
void household_view_kill(lua_State *L)
{
    struct sandbox *sb = sandbox_of(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &deads_key);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &pools_key) == LUA_TTABLE) {
        for (int kind = 0; kind <= (int)V_LIST; kind++) {
            lua_rawgeti(L, -1, kind);
            lua_rawgeti(L, -3, kind);
            /* Dead: the kind's dead metatable, whose __index is an error. */
            for (size_t i = 1; i <= sb->pool_used[kind]; i++) {
                if (lua_rawgeti(L, -2, (lua_Integer)(2 * i - 1)) == LUA_TTABLE) {
                    lua_pushvalue(L, -2);
                    lua_setmetatable(L, -2);
                }
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
            for (lua_Integer i = (lua_Integer)lua_rawlen(L, -1); i > 2 * POOL_KEEP; i--) {
                lua_pushnil(L);
                lua_rawseti(L, -2, i);
            }
            sb->pool_used[kind] = 0;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 2);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &household_key);
}

void household_view_build(lua_State *L)
{
    household_view_kill(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kinds_key);
    int kinds = lua_gettop(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &pools_key);
    sandbox_of(L)->lists_shown = 0;
    push_record(L, V_HOUSEHOLD, sandbox_of(L)->hh, kinds, kinds + 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &household_key);
    lua_pop(L, 2);
}

const struct household *household_view_live(lua_State *L, int idx)
{
    const struct household *hh = sandbox_of(L)->hh;
    if (!hh || lua_type(L, idx) != LUA_TTABLE)
        return NULL;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &household_key);
    int live = lua_rawequal(L, idx, -1);
    lua_pop(L, 1);
    return live ? hh : NULL;
}

void household_view_push(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &household_key);
}

/* The id of the member view at idx (out:recommend{member = m}). */
int64_t household_view_member_id(lua_State *L, int idx, const char *method)
{
    int t = lua_type(L, idx);
    if (t == LUA_TNIL)
        return 0;
    if (t == LUA_TNUMBER) {
        int ok;
        lua_Integer id = lua_tointegerx(L, idx, &ok);
        if (!ok)
            luaL_error(L, _("out:%s: member must be a member or an integer id"), method);
        return id;
    }
    int kind = proxy_kind(L, idx);
    if (kind >= 0)
        lua_pop(L, 1);
    if (kind != V_MEMBER)
        luaL_error(L, _("out:%s: member must be a member or an integer id, not a %s"), method,
                   luaL_typename(L, idx));
    push_data(L, idx);
    lua_getfield(L, -1, "id");
    int64_t id = (int64_t)lua_tointeger(L, -1);
    lua_pop(L, 2);
    return id;
}

/* Pushes a Lua function(t, v1, .., vn) setting t's fields, in order, to
 * the values: filling a record this way is a SETFIELD with a constant key
 * per field inside the VM, where a rawset through the C API (its key
 * pushed first) cost three times as much (callgrind). */
static void load_setter(lua_State *L, const struct household_record *rec)
{
    if (rec->n_fields > 190) /* a Lua function takes at most 200 locals */
        luaL_error(L, "household view: %s has too many fields", rec->name);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "return function(t");
    for (size_t i = 0; i < rec->n_fields; i++) {
        lua_pushfstring(L, ", v%d", (int)i + 1);
        luaL_addvalue(&b);
    }
    luaL_addstring(&b, ")");
    for (size_t i = 0; i < rec->n_fields; i++) {
        lua_pushfstring(L, " t[\"%s\"] = v%d", rec->fields[i].name, (int)i + 1);
        luaL_addvalue(&b);
    }
    luaL_addstring(&b, " end");
    luaL_pushresult(&b);
    size_t len;
    const char *src = lua_tolstring(L, -1, &len);
    if (luaL_loadbufferx(L, src, len, "=household view", "t") != LUA_OK)
        lua_error(L);
    lua_call(L, 0, 1);
    lua_remove(L, -2);
}

void household_view_register(lua_State *L)
{
    call_view_register(L);
    /* One metatable per record kind for its data tables: __index = rec_miss
     * with the kind and its name -> field number table. */
    lua_createtable(L, (int)V_LIST, 0);
    for (int kind = 0; kind < (int)V_LIST; kind++) {
        lua_createtable(L, 0, 1);
        lua_pushinteger(L, kind);
        lua_newtable(L);
        const struct household_record *rec = &household_records[kind];
        for (size_t i = 0; i < rec->n_fields; i++) {
            lua_pushinteger(L, (lua_Integer)i + 1);
            lua_setfield(L, -2, rec->fields[i].name);
        }
        lua_pushcclosure(L, rec_miss, 2);
        lua_setfield(L, -2, "__index");
        lua_rawseti(L, -2, kind);
        load_setter(L, rec);
        lua_rawseti(L, -2, -kind - 1);
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kinds_key);
    lua_createtable(L, (int)V_LIST + 1, 0);
    for (int kind = 0; kind <= (int)V_LIST; kind++) {
        lua_newtable(L);
        lua_rawseti(L, -2, kind);
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &pools_key);
    lua_createtable(L, (int)V_LIST + 1, 0);
    for (int kind = 0; kind <= (int)V_LIST; kind++) {
        lua_createtable(L, 0, 8);
        lua_pushcfunction(L, rec_dead);
        lua_setfield(L, -2, "__index");
        set_methods(L, (enum vkind)kind);
        lua_rawseti(L, -2, kind);
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &deads_key);
}
