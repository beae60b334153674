/* policy_seal.c - makes a policy's chunk safe to run once per worker: no
 * function may assign a file-level local (read from the compiled chunk),
 * and everything the module reaches is frozen, with no coroutine, userdata
 * or table of its own metatable in reach. Never lets a value written while
 * one household is evaluated be read while the next one is. */
#include "policy_lua_internal.h"
#include "i18n.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- file-level locals assigned inside a function ----
 * Lua 5.4's dump format (ldump.c), read with debug info kept: a function
 * assigning a variable of an enclosing function does it with OP_SETUPVAL on
 * an upvalue; the upvalue descriptors say whether it is, in the end, a
 * local (or the _ENV) of the main chunk, which runs only once now. */

#define OP_SETUPVAL 10 /* lopcodes.h, 5.4 */
#define ABSLINEINFO (-0x80)
#define DUMP_MAX_DEPTH 200

struct dump_buf {
    unsigned char *p;
    size_t n, cap;
};

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    struct dump_buf *b = ud;
    if (b->n + sz > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + sz)
            cap *= 2;
        unsigned char *np = realloc(b->p, cap);
        if (!np)
            return 1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, sz);
    b->n += sz;
    return 0;
}

struct rd {
    const unsigned char *p, *end;
    int bad;
    /* the first assignment found (smallest line) */
    int line;
    char name[64];
};

static size_t rd_size(struct rd *r)
{
    size_t x = 0;
    for (int i = 0; i < 10; i++) {
        if (r->p >= r->end)
            break;
        unsigned b = *r->p++;
        x = (x << 7) | (b & 0x7f);
        if (b & 0x80)
            return x;
    }
    r->bad = 1;
    return 0;
}

static const unsigned char *rd_take(struct rd *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *at = r->p;
    r->p += n;
    return at;
}

/* A string: its bytes (not NUL-terminated) and length; NULL for none. */
static const unsigned char *rd_string(struct rd *r, size_t *len)
{
    size_t size = rd_size(r);
    *len = size ? size - 1 : 0;
    return size ? rd_take(r, size - 1) : NULL;
}

/* The upvalues of the function being read, for its children: whether
 * each is, in the end, storage of the main chunk. */
struct up_reach {
    int is_main;
    const unsigned char *reach;
    size_t n;
};

/* One function of the dump; parent is NULL for the main chunk. */
static void rd_function(struct rd *r, const struct up_reach *parent, int depth)
{
    size_t len;
    if (depth > DUMP_MAX_DEPTH) {
        r->bad = 1;
        return;
    }
    rd_string(r, &len); /* source */
    int linedefined = (int)rd_size(r);
    rd_size(r);    /* lastlinedefined */
    rd_take(r, 3); /* numparams, is_vararg, maxstacksize */
    size_t ncode = rd_size(r);
    const unsigned char *code = rd_take(r, ncode * 4);
    size_t nk = rd_size(r);
    for (size_t i = 0; i < nk && !r->bad; i++) {
        const unsigned char *tt = rd_take(r, 1);
        if (!tt)
            break;
        switch (*tt) {
        case 3:  /* LUA_VNUMINT */
        case 19: /* LUA_VNUMFLT */
            rd_take(r, 8);
            break;
        case 4:  /* LUA_VSHRSTR */
        case 20: /* LUA_VLNGSTR */
            rd_string(r, &len);
            break;
        case 0:  /* nil */
        case 1:  /* false */
        case 17: /* true */
            break;
        default:
            r->bad = 1;
        }
    }
    size_t nup = rd_size(r);
    unsigned char *reach = calloc(nup ? nup : 1, 1);
    if (!reach) {
        r->bad = 1;
        return;
    }
    for (size_t u = 0; u < nup && !r->bad; u++) {
        const unsigned char *d = rd_take(r, 3); /* instack, idx, kind */
        if (!d)
            break;
        if (!parent)
            reach[u] = 0; /* the main chunk assigns its own: once, at load */
        else if (parent->is_main)
            reach[u] = 1; /* a local of the main chunk, or its _ENV */
        else if (!d[0] && d[1] < parent->n)
            reach[u] = parent->reach[d[1]]; /* the parent's upvalue */
    }
    struct up_reach mine = {.is_main = parent == NULL, .reach = reach, .n = nup};
    size_t np = rd_size(r);
    for (size_t i = 0; i < np && !r->bad; i++)
        rd_function(r, &mine, depth + 1);
    size_t nline = rd_size(r);
    const signed char *lineinfo = (const signed char *)rd_take(r, nline);
    size_t nabs = rd_size(r);
    int *abs = calloc(nabs ? 2 * nabs : 1, sizeof *abs);
    for (size_t i = 0; abs && i < nabs && !r->bad; i++) {
        abs[2 * i] = (int)rd_size(r);
        abs[2 * i + 1] = (int)rd_size(r);
    }
    size_t nloc = rd_size(r);
    for (size_t i = 0; i < nloc && !r->bad; i++) {
        rd_string(r, &len);
        rd_size(r);
        rd_size(r);
    }
    size_t nnames = rd_size(r);
    const unsigned char **names = calloc(nnames ? nnames : 1, sizeof *names);
    size_t *name_len = calloc(nnames ? nnames : 1, sizeof *name_len);
    for (size_t i = 0; names && name_len && i < nnames && !r->bad; i++)
        names[i] = rd_string(r, &name_len[i]);
    for (size_t pc = 0; !r->bad && abs && names && name_len && code && pc < ncode; pc++) {
        unsigned long ins = (unsigned long)code[4 * pc] | (unsigned long)code[4 * pc + 1] << 8 |
                            (unsigned long)code[4 * pc + 2] << 16 |
                            (unsigned long)code[4 * pc + 3] << 24;
        size_t b = (ins >> 16) & 0xff;
        if ((ins & 0x7f) != OP_SETUPVAL || b >= nup || !reach[b])
            continue;
        /* luaG_getfuncline: the last absolute line at or before pc, then
         * the relative steps after it. */
        int line = linedefined;
        long base = -1;
        for (size_t i = 0; i < nabs; i++)
            if ((size_t)abs[2 * i] <= pc) {
                base = abs[2 * i];
                line = abs[2 * i + 1];
            }
        for (long i = base + 1; lineinfo && i <= (long)pc && (size_t)i < nline; i++)
            if (lineinfo[i] != ABSLINEINFO)
                line += lineinfo[i];
        if (r->line == 0 || line < r->line) {
            r->line = line;
            if (b < nnames && names[b])
                snprintf(r->name, sizeof r->name, "%.*s", (int)name_len[b], names[b]);
            else
                snprintf(r->name, sizeof r->name, "?");
        }
    }
    if (!abs || !names || !name_len)
        r->bad = 1;
    free(abs);
    free(names);
    free(name_len);
    free(reach);
}

int policy_seal_chunk(lua_State *L, const char *display, char *msg, size_t size)
{
    struct dump_buf b = {0};
    if (lua_dump(L, dump_writer, &b, 0) != 0 || b.n < 32) {
        free(b.p);
        snprintf(msg, size, _("%s: cannot read the compiled chunk"), display);
        return -1;
    }
    /* "\x1bLua", version 5.4, format 0, then the sizes and check values. */
    struct rd r = {.p = b.p, .end = b.p + b.n};
    static const unsigned char sig[] = {0x1b, 'L', 'u', 'a', 0x54, 0};
    if (memcmp(b.p, sig, sizeof sig) != 0)
        r.bad = 1;
    rd_take(&r, 4 + 1 + 1 + 6 + 3 + 8 + 8);
    rd_take(&r, 1); /* the main chunk's number of upvalues */
    rd_function(&r, NULL, 0);
    int bad = r.bad || r.p != r.end;
    free(b.p);
    if (bad) {
        snprintf(msg, size, _("%s: cannot read the compiled chunk"), display);
        return -1;
    }
    if (r.line) {
        snprintf(msg, size,
                 _("%s:%d: the file-level variable '%s' is assigned inside a function: its "
                   "value would carry over from one household to the next (declare it inside "
                   "the function, or give it its value only when the file loads)"),
                 display, r.line, r.name);
        return -1;
    }
    return 0;
}

/* ---- what the module reaches ---- */

struct seal {
    const char *display;
    const char *where; /* the file-level name the walk is under */
    char *msg;
    size_t size;
    int visited; /* stack index of the visited set */
};

static int refuse(struct seal *s, const char *what)
{
    snprintf(s->msg, s->size,
             _("%s: %s kept at file level (in '%s') could carry state from one household to "
               "the next: create it inside evaluate"),
             s->display, what, s->where);
    return -1;
}

static int seal_value(lua_State *L, int idx, struct seal *s, int depth);

static int seal_table(lua_State *L, int idx, struct seal *s, int depth)
{
    if (lua_getmetatable(L, idx)) {
        lua_pop(L, 1);
        return refuse(s, _("a table with a metatable"));
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (depth == 0 && lua_type(L, -2) == LUA_TSTRING)
            s->where = lua_tostring(L, -2); /* a field of the module */
        if (seal_value(L, -2, s, depth + 1) || seal_value(L, -1, s, depth + 1)) {
            lua_pop(L, 2);
            return -1;
        }
        lua_pop(L, 1);
    }
    /* Its nested tables are frozen already (post-order): this freezes it
     * alone. */
    sandbox_freeze(L, idx);
    return 0;
}

static int seal_function(lua_State *L, int idx, struct seal *s, int depth)
{
    const char *outer = s->where;
    for (int n = 1;; n++) {
        const char *name = lua_getupvalue(L, idx, n);
        if (!name)
            break;
        if (*name)
            s->where = name; /* the nearest name: a file-level local's, mostly */
        int rc = seal_value(L, lua_gettop(L), s, depth + 1);
        lua_pop(L, 1);
        if (rc)
            return -1;
    }
    s->where = outer;
    return 0;
}

static int seal_value(lua_State *L, int idx, struct seal *s, int depth)
{
    idx = lua_absindex(L, idx);
    int t = lua_type(L, idx);
    if (t != LUA_TTABLE && t != LUA_TFUNCTION && t != LUA_TTHREAD && t != LUA_TUSERDATA &&
        t != LUA_TLIGHTUSERDATA)
        return 0;
    if (t == LUA_TTHREAD)
        return refuse(s, _("a coroutine"));
    if (t == LUA_TUSERDATA || t == LUA_TLIGHTUSERDATA)
        return refuse(s, _("an iterator or userdata"));
    if (t == LUA_TTABLE && sandbox_is_frozen(L, idx))
        return 0; /* the globals, fp, or a table this walk sealed */
    if (depth > DUMP_MAX_DEPTH)
        return refuse(s, _("a structure nested this deep"));
    luaL_checkstack(L, 8, "seal");
    lua_pushvalue(L, idx);
    if (lua_rawget(L, s->visited) != LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, s->visited);
    return t == LUA_TTABLE ? seal_table(L, idx, s, depth) : seal_function(L, idx, s, depth);
}

int policy_seal_module(lua_State *L, int idx, const char *display, char *msg, size_t size)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    struct seal s = {
        .display = display, .where = "return", .msg = msg, .size = size, .visited = lua_gettop(L)};
    int rc = seal_value(L, idx, &s, 0);
    lua_pop(L, 1);
    return rc;
}
