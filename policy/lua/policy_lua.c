/* policy_lua.c - Lua policies: load and check a policy file, and run policies
 * in per-thread workers. A worker runs each policy's chunk once and keeps
 * its frozen module (policy_seal.c): no function may assign a file-level
 * local, no table it reaches can be written, the globals are read-only, so
 * no state survives from one household to the next. Never lets a policy
 * error or budget overrun escape lua_pcall. */
#include "policy_lua.h"
#include "i18n.h"
#include "log.h"
#include "policy_lua_internal.h"
#include "scrub.h"

#include <float.h>
#include <lauxlib.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct policy_lua {
    char display[256];   /* "policies/x.lua" */
    char chunkname[260]; /* "@policies/x.lua": Lua's messages then read display:line */
    char *src;
    size_t len;
    char name[32];
    char title[128];
    char source[320];
    char **own_measures; /* its `measures` field, NULL-terminated, or NULL */
    const char *const *measures;
    struct config_param_decl *decls; /* its `params` field, sorted by key */
    size_t n_decls, cap_decls;
    uint32_t reads; /* its `reads` field as HOUSEHOLD_LIST_BITs; every list without one */
    int has_reads;
};

static atomic_int count_instructions;

void policy_lua_use_instruction_budget(int on)
{
    atomic_store(&count_instructions, on != 0);
}

struct policy_lua_worker {
    struct sandbox *sb;
    const struct config *cfg;
    int count_instructions; /* as policy_lua_use_instruction_budget was at creation */
    struct policy_lua *const *policies;
    size_t n;
    int *refs; /* registry refs of each policy's evaluate (its module run once) */
    /* The household whose views are built: its policies share them. A call
     * for another pointer or id, or for a policy not after the last one
     * (policies run in order), starts a new household. */
    const struct household *hh;
    int64_t hh_id;
    size_t last_index;
    int hh_built;
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The error on top of the stack as "policies/x.lua:LINE: what", and the code:
 * ERR_BUDGET when a budget was exceeded, else fail_code. */
static int lua_failure(struct sandbox *sb, const char *display, int fail_code, struct err *e)
{
    char buf[256];
    sandbox_error_text(sb->L, buf, sizeof buf);
    lua_message_translate(buf, sizeof buf);
    /* Lua's own "not enough memory" says neither which budget nor where:
     * replaced, unless the text already is one of the budget messages. */
    if (sb->exceeded == SANDBOX_MEMORY && !strstr(buf, sandbox_budget_text(SANDBOX_INSTRUCTIONS)) &&
        !strstr(buf, sandbox_budget_text(SANDBOX_WALL)) &&
        !strstr(buf, sandbox_budget_text(SANDBOX_MEMORY)))
        snprintf(buf, sizeof buf, _("memory budget exceeded (%zu KB)"), sb->mem_limit / 1024);
    int code = sb->exceeded ? ERR_BUDGET : fail_code;
    if (strncmp(buf, display, strlen(display)) == 0)
        return err_set(e, code, "%s", buf);
    return err_set(e, code, "%s: %s", display, buf);
}

const char *policy_lua_undeclared_marker(void)
{
    return _("is not declared by");
}

/* ---- loading and checking ---- */

struct check_ctx {
    struct policy_lua *p;
    const char *problem; /* a missing or wrong field */
    char buf[240];       /* problem, when it names a param */
    char full[400];      /* a whole message ("policies/x.lua:LINE: ..."), if set */
};

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n >= 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static int check_measures(lua_State *L, struct policy_lua *p)
{
    lua_Integer n = luaL_len(L, -1);
    if (n < 1 || n > 64)
        return -1;
    p->own_measures = calloc((size_t)n + 1, sizeof *p->own_measures);
    if (!p->own_measures)
        return luaL_error(L, _("out of memory"));
    for (lua_Integer i = 1; i <= n; i++) {
        size_t len;
        if (lua_geti(L, -1, i) != LUA_TSTRING)
            return -1;
        const char *m = lua_tolstring(L, -1, &len);
        if (!valid_name(m, len) || !(p->own_measures[i - 1] = strdup(m)))
            return -1;
        lua_pop(L, 1);
    }
    p->measures = (const char *const *)p->own_measures;
    return 0;
}

/* ---- the `params` declarations ---- */

#define PARAMS_MAX_DEPTH 8

static int decl_problem(struct check_ctx *c, const char *key, const char *what)
{
    snprintf(c->buf, sizeof c->buf, "params.%.80s: %.140s", key, what);
    c->problem = c->buf;
    return -1;
}

static struct config_param_decl *decl_add(lua_State *L, struct policy_lua *p, const char *key)
{
    if (p->n_decls == p->cap_decls) {
        size_t cap = p->cap_decls ? 2 * p->cap_decls : 8;
        struct config_param_decl *d = realloc(p->decls, cap * sizeof *d);
        if (!d)
            luaL_error(L, _("out of memory"));
        p->decls = d;
        p->cap_decls = cap;
    }
    struct config_param_decl *d = &p->decls[p->n_decls];
    memset(d, 0, sizeof *d);
    d->owner = p->display;
    d->min = -DBL_MAX;
    d->max = DBL_MAX;
    if (!(d->key = strdup(key)))
        luaL_error(L, _("out of memory"));
    p->n_decls++;
    return d;
}

static char *dup_or_fail(lua_State *L, const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        luaL_error(L, _("out of memory"));
    return copy;
}

/* The declaration table on top of the stack, for key. Fields are read raw:
 * the table is the policy's own, and no metamethod of it runs here. */
static int parse_decl(lua_State *L, struct check_ctx *c, const char *key)
{
    static const char allowed[] = "type, unit, title, min, max, by_year, required, default";
    int t = lua_gettop(L);
    struct config_param_decl *d = decl_add(L, c->p, key);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        const char *f = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        int vt = lua_type(L, -1);
        char what[120];
        if (!strcmp(f, "type")) {
            if (!(d->type = config_decl_type_parse(lua_tostring(L, -1))))
                return decl_problem(c, key,
                                    _("type must be \"number\", \"integer\", \"text\" "
                                      "or \"date\""));
        } else if (!strcmp(f, "unit") || !strcmp(f, "title")) {
            if (vt != LUA_TSTRING)
                return decl_problem(c, key, _("unit and title must be strings"));
            const char **slot = f[0] == 'u' ? &d->unit : &d->title;
            *slot = dup_or_fail(L, lua_tostring(L, -1));
        } else if (!strcmp(f, "min") || !strcmp(f, "max")) {
            if (vt != LUA_TNUMBER)
                return decl_problem(c, key, _("min and max must be numbers"));
            *(f[1] == 'i' ? &d->min : &d->max) = lua_tonumber(L, -1);
        } else if (!strcmp(f, "by_year") || !strcmp(f, "required")) {
            if (vt != LUA_TBOOLEAN)
                return decl_problem(c, key, _("by_year and required must be true or false"));
            *(f[0] == 'b' ? &d->by_year : &d->required) = lua_toboolean(L, -1);
        } else if (!strcmp(f, "default")) {
            d->has_default = 1;
            if (vt == LUA_TNUMBER)
                d->default_number = lua_tonumber(L, -1);
            else if (vt == LUA_TSTRING)
                d->default_text = dup_or_fail(L, lua_tostring(L, -1));
            else
                return decl_problem(c, key, _("default must be a number or a string"));
        } else {
            snprintf(what, sizeof what, _("unknown field '%.30s' (allowed: %s)"), f, allowed);
            return decl_problem(c, key, what);
        }
        lua_pop(L, 1);
    }
    int numeric = d->type == CONFIG_DECL_NUMBER || d->type == CONFIG_DECL_INTEGER;
    if (d->has_default && numeric != !d->default_text)
        return decl_problem(
            c, key, numeric ? _("default must be a number") : _("default must be a string"));
    lua_settop(L, t - 1);
    return 0;
}

/* The table on top of the stack holds declarations ({type = ...}) and groups
 * of them (industry = {project_grant = {...}}) under prefix. */
static int parse_params(lua_State *L, struct check_ctx *c, const char *prefix, int depth)
{
    int t = lua_gettop(L);
    if (depth > PARAMS_MAX_DEPTH)
        return decl_problem(c, prefix, _("nested too deep"));
    lua_pushnil(L);
    while (lua_next(L, t)) {
        size_t len;
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &len) : NULL;
        char key[128];
        if (!name || !valid_name(name, len) ||
            (size_t)snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", name) >=
                sizeof key)
            return decl_problem(c, prefix[0] ? prefix : "?",
                                _("keys must be words of a-z, 0-9 and _"));
        if (lua_type(L, -1) != LUA_TTABLE)
            return decl_problem(c, key, _("a declaration is a table {type = ..., ...}"));
        lua_pushliteral(L, "type");
        int is_decl = lua_rawget(L, -2) == LUA_TSTRING;
        lua_pop(L, 1);
        if ((is_decl ? parse_decl(L, c, key) : parse_params(L, c, key, depth + 1)) != 0)
            return -1;
        lua_settop(L, t + 1); /* the key, for lua_next */
    }
    return 0;
}

static int decl_cmp(const void *a, const void *b)
{
    return strcmp(((const struct config_param_decl *)a)->key,
                  ((const struct config_param_decl *)b)->key);
}

/* ---- the `reads` declaration ---- */

static int is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The line of src where the module's `reads = ` stands, or of "name" after
 * it when name is given: messages point at it (the table itself has no
 * line once built). 0 when not found. */
static int reads_line(const char *src, size_t len, const char *name)
{
    const char *end = src + len, *at = NULL;
    for (const char *p = src; p + 5 <= end && !at; p++) {
        if (memcmp(p, "reads", 5) != 0 || (p > src && is_word_char(p[-1])) ||
            (p + 5 < end && is_word_char(p[5])))
            continue;
        const char *q = p + 5;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if (q < end && *q == '=' && (q + 1 >= end || q[1] != '='))
            at = p;
    }
    if (!at)
        return 0;
    if (name) {
        size_t n = strlen(name);
        for (const char *p = at; p + n + 2 <= end; p++)
            if ((*p == '"' || *p == '\'') && p[n + 1] == *p && memcmp(p + 1, name, n) == 0) {
                at = p;
                break;
            }
    }
    int line = 1;
    for (const char *p = src; p < at; p++)
        line += *p == '\n';
    return line;
}

/* The list record called name ("members"), or -1. */
static int list_of(const char *name)
{
    for (int rec = 1; rec < HOUSEHOLD_REC_COUNT; rec++)
        if (strcmp(household_records[rec].list, name) == 0)
            return rec;
    return -1;
}

/* Sets c->full to "policies/x.lua:LINE: what". */
static int reads_problem(struct check_ctx *c, const char *name, const char *what)
{
    const struct policy_lua *p = c->p;
    snprintf(c->full, sizeof c->full, "%.120s:%d: %.260s", p->display,
             reads_line(p->src, p->len, name), what);
    return -1;
}

/* The `reads` field on top of the stack: a list of the household's list
 * names, each at most once. Read raw, as the params are. */
static int parse_reads(lua_State *L, struct check_ctx *c)
{
    int t = lua_gettop(L);
    char known[200] = "", what[300];
    for (int rec = 1; rec < HOUSEHOLD_REC_COUNT; rec++) {
        size_t len = strlen(known);
        snprintf(known + len, sizeof known - len, "%s%s", rec > 1 ? ", " : "",
                 household_records[rec].list);
    }
    if (lua_type(L, t) != LUA_TTABLE) {
        snprintf(what, sizeof what,
                 _("`reads` must be a list of the household's lists it reads (of: %s)"), known);
        return reads_problem(c, NULL, what);
    }
    size_t n = lua_rawlen(L, t), entries = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        entries++;
        lua_pop(L, 1);
    }
    if (entries != n) {
        snprintf(what, sizeof what,
                 _("`reads` must be a list of the household's lists it reads (of: %s)"), known);
        return reads_problem(c, NULL, what);
    }
    c->p->reads = 0;
    for (size_t i = 1; i <= n; i++) {
        if (lua_rawgeti(L, t, (lua_Integer)i) != LUA_TSTRING) {
            snprintf(what, sizeof what,
                     _("`reads` must be a list of the household's lists it reads (of: %s)"), known);
            return reads_problem(c, NULL, what);
        }
        const char *name = lua_tostring(L, -1);
        int rec = list_of(name);
        if (rec < 0) {
            snprintf(what, sizeof what, _("`reads`: \"%.40s\" is not a list of the household (%s)"),
                     name, known);
            return reads_problem(c, name, what);
        }
        c->p->reads |= HOUSEHOLD_LIST_BIT(rec);
        lua_pop(L, 1);
    }
    c->p->has_reads = 1;
    lua_settop(L, t - 1);
    return 0;
}

static int check_policy(lua_State *L)
{
    struct check_ctx *c = lua_touserdata(L, 1);
    struct policy_lua *p = c->p;
    if (luaL_loadbufferx(L, p->src, p->len, p->chunkname, "t") != LUA_OK)
        return lua_error(L);
    if (policy_seal_chunk(L, p->display, c->full, sizeof c->full) != 0)
        return 0;
    sandbox_push_env(L);
    lua_setupvalue(L, -2, 1);
    lua_call(L, 0, 1);
    if (lua_type(L, -1) != LUA_TTABLE) {
        c->problem = _("does not return a table {name = ..., title = ..., evaluate = ...}");
        return 0;
    }
    int t = lua_gettop(L);
    size_t len;
    if (lua_getfield(L, t, "name") != LUA_TSTRING) {
        c->problem = _("returns no `name` string");
        return 0;
    }
    const char *name = lua_tolstring(L, -1, &len);
    if (!valid_name(name, len)) {
        c->problem = _("`name` must be an area code of lower-case letters, digits and _");
        return 0;
    }
    memcpy(p->name, name, len + 1);
    if (lua_getfield(L, t, "title") != LUA_TSTRING) {
        c->problem = _("returns no `title` string");
        return 0;
    }
    snprintf(p->title, sizeof p->title, "%s", lua_tostring(L, -1));
    if (lua_getfield(L, t, "evaluate") != LUA_TFUNCTION) {
        c->problem = _("returns no `evaluate` function");
        return 0;
    }
    int mt = lua_getfield(L, t, "measures");
    if (mt == LUA_TNIL) {
        p->measures = policy_catalogue(p->name);
        if (!p->measures)
            c->problem = _("its area is not in the measure catalogue: declare `measures = {...}`");
    } else if (mt != LUA_TTABLE || check_measures(L, p) != 0) {
        c->problem = _("`measures` must be a list of measure codes");
        return 0;
    }
    lua_settop(L, t);
    int pt = lua_getfield(L, t, "params");
    if (pt != LUA_TNIL && pt != LUA_TTABLE) {
        c->problem = _("`params` must be a table of declarations {key = {type = ...}}");
        return 0;
    }
    if (pt == LUA_TTABLE && parse_params(L, c, "", 0) != 0)
        return 0;
    if (p->n_decls)
        qsort(p->decls, p->n_decls, sizeof *p->decls, decl_cmp);
    lua_settop(L, t);
    p->reads = HOUSEHOLD_ALL_LISTS;
    if (lua_getfield(L, t, "reads") != LUA_TNIL && parse_reads(L, c) != 0)
        return 0;
    lua_settop(L, t);
    /* Last: freezing empties the raw tables the checks above read. */
    policy_seal_module(L, t, p->display, c->full, sizeof c->full);
    return 0;
}

int policy_lua_load(const char *path, const struct config *cfg, struct policy_lua **out,
                    struct err *e)
{
    struct policy_lua *p = calloc(1, sizeof *p);
    if (!p)
        return err_set(e, ERR_FAIL, _("out of memory"));
    struct sandbox *sb = NULL;
    int rc;
    sandbox_display_name(path, p->display, sizeof p->display);
    snprintf(p->chunkname, sizeof p->chunkname, "@%s", p->display);
    if ((rc = sandbox_read_file(path, &p->src, &p->len, e)) != 0)
        goto fail;
    if (p->len > 0 && p->src[0] == 0x1b) {
        rc = err_set(e, ERR_INVALID, _("%s: is a precompiled chunk: only source text is accepted"),
                     p->display);
        goto fail;
    }
    char hash[17];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)fnv1a(p->src, p->len));
    snprintf(p->source, sizeof p->source, "lua:%s@%.12s", p->display, hash);
    /* Loading runs the chunk once: the count hook costs nothing here and
     * makes a runaway chunk fail the same way on every machine. */
    if ((rc = sandbox_open(cfg, 0, 1, &sb, e)) != 0)
        goto fail;
    struct check_ctx c = {.p = p};
    lua_pushcfunction(sb->L, check_policy);
    lua_pushlightuserdata(sb->L, &c);
    sandbox_begin(sb);
    int st = lua_pcall(sb->L, 1, 0, 0);
    sandbox_end(sb);
    if (st != LUA_OK) {
        rc = lua_failure(sb, p->display, ERR_INVALID, e);
        if (rc == ERR_BUDGET)
            rc = ERR_INVALID; /* for a loader, a runaway chunk is just a bad file */
        goto fail;
    }
    if (c.full[0]) {
        rc = err_set(e, ERR_INVALID, "%s", c.full);
        goto fail;
    }
    if (c.problem) {
        rc = err_set(e, ERR_INVALID, "%s: %s", p->display, c.problem);
        goto fail;
    }
    for (size_t i = 0; i < p->n_decls; i++)
        if ((rc = config_decl_validate(&p->decls[i], e)) != 0)
            goto fail;
    sandbox_close(sb);
    *out = p;
    return 0;
fail:
    sandbox_close(sb);
    policy_lua_free(p);
    return rc;
}

void policy_lua_free(struct policy_lua *p)
{
    if (!p)
        return;
    for (char **m = p->own_measures; m && *m; m++)
        free(*m);
    free(p->own_measures);
    for (size_t i = 0; i < p->n_decls; i++) {
        free((char *)p->decls[i].key);
        free((char *)p->decls[i].unit);
        free((char *)p->decls[i].title);
        free((char *)p->decls[i].default_text);
    }
    free(p->decls);
    free(p->src);
    free(p);
}

const char *policy_lua_name(const struct policy_lua *p)
{
    return p->name;
}

const char *policy_lua_title(const struct policy_lua *p)
{
    return p->title;
}

const char *policy_lua_source(const struct policy_lua *p)
{
    return p->source;
}

const char *const *policy_lua_measures(const struct policy_lua *p)
{
    return p->measures;
}

const char *policy_lua_file(const struct policy_lua *p)
{
    return p->display;
}

uint32_t policy_lua_reads(const struct policy_lua *p, int *declared)
{
    if (declared)
        *declared = p->has_reads;
    return p->reads;
}

const struct config_param_decl *policy_lua_params(const struct policy_lua *p, size_t *n)
{
    *n = p->n_decls;
    return p->decls;
}

/* ---- workers ---- */

struct compile_ctx {
    struct policy_lua_worker *w;
    size_t failed_at;
};

/* Runs every policy's chunk once and keeps its frozen module's evaluate.
 * The texts are those policy_lua_load checked (no assigned file-level
 * local); sealing the module again here is what makes it read-only. */
static int compile_all(lua_State *L)
{
    struct compile_ctx *c = lua_touserdata(L, 1);
    struct policy_lua_worker *w = c->w;
    char msg[400];
    for (size_t i = 0; i < w->n; i++) {
        const struct policy_lua *p = w->policies[i];
        c->failed_at = i;
        if (luaL_loadbufferx(L, p->src, p->len, p->chunkname, "t") != LUA_OK)
            return lua_error(L);
        sandbox_push_env(L);
        lua_setupvalue(L, -2, 1);
        lua_call(L, 0, 1);
        if (lua_type(L, -1) != LUA_TTABLE || lua_getfield(L, -1, "evaluate") != LUA_TFUNCTION)
            return luaL_error(L, _("%s: returns no `evaluate` function"), p->display);
        lua_insert(L, -2);
        if (policy_seal_module(L, -1, p->display, msg, sizeof msg) != 0)
            return luaL_error(L, "%s", msg);
        lua_pop(L, 1);
        w->refs[i] = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    return 0;
}

/* A fresh state holding every policy's compiled chunk (new, and after a
 * budget was exceeded: a poisoned state is never reused). */
static int worker_open_state(struct policy_lua_worker *w, int warn, struct err *e)
{
    int rc = sandbox_open(w->cfg, warn, w->count_instructions, &w->sb, e);
    if (rc)
        return rc;
    struct compile_ctx c = {.w = w};
    lua_pushcfunction(w->sb->L, compile_all);
    lua_pushlightuserdata(w->sb->L, &c);
    sandbox_begin(w->sb);
    int st = lua_pcall(w->sb->L, 1, 0, 0);
    sandbox_end(w->sb);
    if (st != LUA_OK) {
        rc = lua_failure(w->sb, w->n ? w->policies[c.failed_at]->display : "lua", ERR_FAIL, e);
        sandbox_close(w->sb);
        w->sb = NULL;
        return rc;
    }
    lua_gc(w->sb->L, LUA_GCCOLLECT);
    /* Each evaluation leaves short-lived garbage (the out tables, strings) beside long-lived
     * libraries and views: what the generational collector is for. */
    lua_gc(w->sb->L, LUA_GCGEN, 0, 0);
    w->hh_built = 0;
    return 0;
}

int policy_lua_worker_new(struct policy_lua *const *policies, size_t n, const struct config *cfg,
                          struct policy_lua_worker **out, struct err *e)
{
    struct policy_lua_worker *w = calloc(1, sizeof *w);
    if (!w || !(w->refs = calloc(n ? n : 1, sizeof *w->refs))) {
        free(w);
        return err_set(e, ERR_FAIL, _("out of memory"));
    }
    w->policies = policies;
    w->n = n;
    w->cfg = cfg;
    w->count_instructions = atomic_load(&count_instructions);
    int rc = worker_open_state(w, 1, e);
    if (rc) {
        policy_lua_worker_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void policy_lua_worker_free(struct policy_lua_worker *w)
{
    if (!w)
        return;
    sandbox_close(w->sb);
    free(w->refs);
    free(w);
}

struct eval_ctx {
    int ref;
    const struct policy_lua *p;
    int fresh; /* build the household's views first */
    int built;
};

static int eval_policy(lua_State *L)
{
    struct eval_ctx *c = lua_touserdata(L, 1);
    if (c->fresh) {
        household_view_build(L);
        c->built = 1;
    }
    household_view_limit(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
    household_view_push(L);
    call_view_push_out(L);
    call_view_push_params(L, c->p);
    lua_call(L, 3, 0);
    return 0;
}

int policy_lua_worker_eval(struct policy_lua_worker *w, size_t index, const struct household *hh,
                           struct fupin_out *out, struct fupin_params *params, struct err *e)
{
    if (!w || index >= w->n)
        return err_set(e, ERR_FAIL, _("no Lua policy number %zu in this worker"), index);
    if (!w->sb) {
        struct err oe;
        if (worker_open_state(w, 0, &oe) != 0)
            return err_set(e, ERR_FAIL, _("%s: no Lua state: %s"), w->policies[index]->display,
                           oe.msg);
    }
    struct sandbox *sb = w->sb;
    lua_State *L = sb->L;
    const struct policy_lua *p = w->policies[index];
    sb->hh = hh;
    sb->out = out;
    sb->params = params;
    sb->reads = p->reads;
    sb->chunk = p->chunkname;
    sb->gen++;
    lua_settop(L, 0);
    struct eval_ctx c = {.ref = w->refs[index], .p = p};
    c.fresh = !w->hh_built || w->hh != hh || w->hh_id != hh->id || index <= w->last_index;
    if (c.fresh) {
        w->hh_built = 0;
        w->hh = hh;
        w->hh_id = hh->id;
    }
    w->last_index = index;
    lua_pushcfunction(L, eval_policy);
    lua_pushlightuserdata(L, &c);
    sandbox_begin(sb);
    int st = lua_pcall(L, 1, 0, 0);
    sandbox_end(sb);
    if (c.built)
        w->hh_built = 1;
    sb->gen++; /* views that escaped (e.g. in an error object) are now dead */
    int rc = 0;
    if (st != LUA_OK) {
        rc = lua_failure(sb, p->display, ERR_FAIL, e);
    } else if (sb->exceeded) {
        /* The policy caught the budget error and went on: still a failure. */
        rc = err_set(e, ERR_BUDGET, "%s: %s", p->display, sandbox_budget_text(sb->exceeded));
    }
    sb->hh = NULL;
    sb->out = NULL;
    sb->params = NULL;
    sb->reads = HOUSEHOLD_ALL_LISTS;
    sb->chunk = NULL;
    lua_settop(L, 0);
    if (rc == ERR_BUDGET) {
        /* Poisoned: coroutines with hooks off, __close handlers never run.
         * The next call builds a new state (and views) from the chunks. */
        sandbox_close(sb);
        w->sb = NULL;
        w->hh_built = 0;
    } else if (rc) { /* leave a clean state for the next household */
        lua_gc(L, LUA_GCCOLLECT);
    }
    if (rc)
        scrub_ids(e->msg); /* an error text may quote what the policy held */
    return rc;
}
