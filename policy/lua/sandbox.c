/* sandbox.c - one sandboxed lua_State: a budgeted allocator, a
 * wall-clock watchdog (a per-thread timer whose signal hooks the running
 * Lua thread), an optional instruction count hook, only the safe parts of
 * the standard library, read-only globals. Nothing a policy can call may
 * reach files, the clock, bytecode, the debug library, an address, or run
 * unbounded inside one C call. */
#define _GNU_SOURCE /* SIGEV_THREAD_ID: the watchdog signals the evaluating thread */
#include "policy_lua_internal.h"
#include "i18n.h"
#include "log.h"
#include "scrub.h"

#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Instructions between two count-hook calls: small enough to stop a loop
 * within microseconds of its budget, large enough to cost little. */
#define HOOK_STEP 1000

struct sandbox *sandbox_of(lua_State *L)
{
    return *(struct sandbox **)lua_getextraspace(L);
}

static void sb_hook(lua_State *L, lua_Debug *ar);

/* Every instruction of the thread running now fails from here on; other
 * threads are hooked when control returns to them (coroutine wrappers). */
void sandbox_poison(struct sandbox *sb, lua_State *L)
{
    if (L)
        lua_sethook(L, sb_hook, LUA_MASKCOUNT, 1);
}

void sandbox_mark(struct sandbox *sb, enum sandbox_exceeded what)
{
    if (sb->running && !sb->exceeded) {
        sb->exceeded = what;
        sandbox_poison(sb, sb->current);
    }
}

/* ---- the allocator ----
 * Lua gives the size of a block when freeing or resizing it, so small
 * blocks need no header: they are kept on a free list per 16-byte class
 * and reused (an evaluation allocates and frees thousands of small
 * strings and tables; malloc and free were most of the allocator's cost).
 * The budget counts the sizes Lua asked for, as before. Under ASan every
 * block goes to malloc, so that misuse is still caught. */

#define SANDBOX_SMALL 256
#define SLAB_SIZE (64 * 1024)

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_POOL 0
#endif
#endif
#ifndef SANDBOX_POOL
#define SANDBOX_POOL 1
#endif

static size_t small_class(size_t n)
{
    return (n + 15) >> 4;
}

static void *small_get(struct sandbox *sb, size_t n)
{
    size_t c = small_class(n);
    void *p = sb->small_free[c];
    if (p) {
        sb->small_free[c] = *(void **)p;
        return p;
    }
    size_t size = c << 4;
    if ((size_t)(sb->slab_end - sb->slab_at) < size) {
        /* the slab's first bytes link it to the previous one */
        char *slab = malloc(SLAB_SIZE);
        if (!slab)
            return NULL;
        *(void **)slab = sb->slabs;
        sb->slabs = slab;
        sb->slab_at = slab + 16;
        sb->slab_end = slab + SLAB_SIZE;
    }
    p = sb->slab_at;
    sb->slab_at += size;
    return p;
}

static void small_put(struct sandbox *sb, void *p, size_t n)
{
    size_t c = small_class(n);
    *(void **)p = sb->small_free[c];
    sb->small_free[c] = p;
}

static int is_small(size_t n)
{
    return SANDBOX_POOL && n > 0 && n <= SANDBOX_SMALL;
}

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct sandbox *sb = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        if (is_small(old))
            small_put(sb, ptr, old);
        else
            free(ptr);
        sb->mem_used -= old;
        return NULL;
    }
    if (nsize > old && sb->mem_used - old + nsize > sb->mem_limit) {
        sandbox_mark(sb, SANDBOX_MEMORY);
        return NULL;
    }
    void *np;
    if (!is_small(old) && !is_small(nsize)) {
        np = realloc(ptr, nsize);
    } else if (is_small(old) && is_small(nsize) && small_class(old) == small_class(nsize)) {
        np = ptr;
    } else {
        np = is_small(nsize) ? small_get(sb, nsize) : malloc(nsize);
        if (np && ptr) {
            memcpy(np, ptr, old < nsize ? old : nsize);
            if (is_small(old))
                small_put(sb, ptr, old);
            else
                free(ptr);
        }
    }
    if (!np)
        return nsize <= old ? ptr : NULL; /* Lua requires shrinking to succeed */
    sb->mem_used = sb->mem_used - old + nsize;
    return np;
}

static int sb_panic(lua_State *L)
{
    char buf[256];
    log_event(LOG_ERROR, "lua.unprotected_error", "lua: unprotected error: %s",
              sandbox_error_text(L, buf, sizeof buf));
    abort(); /* a bug in this module, never policy input: everything runs under pcall */
}

int sandbox_past_deadline(const struct sandbox *sb)
{
    if (sb->wall_ms <= 0)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > sb->deadline.tv_sec ||
           (now.tv_sec == sb->deadline.tv_sec && now.tv_nsec >= sb->deadline.tv_nsec);
}

static void sb_hook(lua_State *L, lua_Debug *ar)
{
    struct sandbox *sb = sandbox_of(L);
    if (!sb->running)
        return;
    if (!sb->exceeded) {
        if (sb->count_instructions)
            sb->instr_used += HOOK_STEP;
        if (sb->wall_fired)
            sb->exceeded = SANDBOX_WALL;
        else if (sb->count_instructions && sb->instr_limit > 0 && sb->instr_used > sb->instr_limit)
            sb->exceeded = SANDBOX_INSTRUCTIONS;
        else if (sandbox_past_deadline(sb)) /* the count hook's clock, when no watchdog runs */
            sb->exceeded = SANDBOX_WALL;
        else
            return;
    }
    /* From now on every instruction of every frame fails, so a pcall loop,
     * a message handler or a __close cannot swallow the error and carry on. */
    sandbox_poison(sb, L);
    lua_getinfo(L, "Sl", ar);
    const char *what = sandbox_budget_text(sb->exceeded);
    if (ar->currentline > 0)
        lua_pushfstring(L, "%s:%d: %s", ar->short_src, ar->currentline, what);
    else
        lua_pushstring(L, what);
    lua_error(L);
}

/* ---- the watchdog ----
 * One timer per thread, ticking every wall_ms / 8 while the thread
 * evaluates; its handler compares the clock with the run's deadline. At the
 * first tick after the thread stopped evaluating it disarms itself, so a
 * busy thread makes no system call per policy call. */

/* The sandbox whose run this thread is in, for the signal handler. */
static _Thread_local struct sandbox *volatile armed;
static _Thread_local timer_t my_timer;
/* 0: no timer (yet, or forked), 1: idle, 2: ticking every my_tick_ms. */
static _Thread_local volatile sig_atomic_t my_timer_state;
static _Thread_local long my_tick_ms;
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;
static pthread_key_t timer_key;
static int watchdog_ok;

/* Async-signal-safe: timer_settime and clock_gettime are, lua_sethook is
 * documented as callable from a signal handler, the rest are plain stores
 * to this thread's own variables. */
static void on_watchdog(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    if (my_timer_state != 2)
        return;
    struct sandbox *sb = armed;
    if (!sb) {
        struct itimerspec off;
        memset(&off, 0, sizeof off);
        timer_settime(my_timer, 0, &off, NULL);
        my_timer_state = 1;
        return;
    }
    if (!sb->running || sb->wall_fired || !sandbox_past_deadline(sb))
        return;
    sb->wall_fired = 1;
    sandbox_poison(sb, sb->current);
}

/* A forked child has none of its parent's timers. */
static void forget_timer(void)
{
    my_timer_state = 0;
    pthread_setspecific(timer_key, NULL);
}

static void delete_timer(void *timer)
{
    timer_delete((timer_t)timer);
}

static void watchdog_install(void)
{
    pthread_atfork(NULL, NULL, forget_timer);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_watchdog;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    watchdog_ok = pthread_key_create(&timer_key, delete_timer) == 0 &&
                  sigaction(SANDBOX_WATCHDOG_SIGNAL, &sa, NULL) == 0;
    if (!watchdog_ok)
        log_event(LOG_WARN, "lua.no_watchdog",
                  "lua: cannot install the watchdog (%s): policies run with the count hook",
                  strerror(errno));
}

/* This thread's timer, signalling this very thread. */
static int watchdog_timer(void)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SANDBOX_WATCHDOG_SIGNAL;
#ifdef sigev_notify_thread_id
    ev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
#else
    ev._sigev_un._tid = (pid_t)syscall(SYS_gettid); /* glibc before 2.37 has no name for it */
#endif
    if (timer_create(CLOCK_MONOTONIC, &ev, &my_timer) != 0) {
        log_event(LOG_WARN, "lua.no_timer",
                  "lua: timer_create: %s: this thread uses the count hook", strerror(errno));
        return -1;
    }
    /* A thread that blocks signals (say, to leave SIGTERM to the loop)
     * must still take its own watchdog's. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SANDBOX_WATCHDOG_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    pthread_setspecific(timer_key, my_timer); /* deleted when the thread ends */
    my_timer_state = 1;
    return 0;
}

/* Called with armed already naming the run: the handler never disarms
 * under it. */
static int watchdog_start(int wall_ms)
{
    if (wall_ms <= 0)
        return -1;
    pthread_once(&watchdog_once, watchdog_install);
    if (!watchdog_ok || (my_timer_state == 0 && watchdog_timer() != 0))
        return -1;
    long tick = wall_ms / 8 < 1 ? 1 : wall_ms / 8 > 250 ? 250 : wall_ms / 8;
    if (my_timer_state == 2 && my_tick_ms == tick)
        return 0;
    struct itimerspec it;
    it.it_value.tv_sec = it.it_interval.tv_sec = tick / 1000;
    it.it_value.tv_nsec = it.it_interval.tv_nsec = tick % 1000 * 1000000L;
    my_tick_ms = tick;
    my_timer_state = 2;
    if (timer_settime(my_timer, 0, &it, NULL) != 0) {
        my_timer_state = 1;
        return -1;
    }
    return 0;
}

void sandbox_begin(struct sandbox *sb)
{
    sb->running = 1;
    sb->exceeded = SANDBOX_OK;
    sb->wall_fired = 0;
    sb->instr_used = 0;
    sb->current = sb->L;
    clock_gettime(CLOCK_MONOTONIC, &sb->deadline);
    sb->deadline.tv_sec += sb->wall_ms / 1000;
    sb->deadline.tv_nsec += (long)(sb->wall_ms % 1000) * 1000000L;
    if (sb->deadline.tv_nsec >= 1000000000L) {
        sb->deadline.tv_sec++;
        sb->deadline.tv_nsec -= 1000000000L;
    }
    /* Hooks first: the timer may fire at once and its hook must stay. */
    if (sb->count_instructions)
        lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT, HOOK_STEP);
    else
        lua_sethook(sb->L, NULL, 0, 0);
    /* The handler reads the deadline only once armed names sb. */
    atomic_signal_fence(memory_order_seq_cst);
    sb->prev_armed = armed;
    armed = sb;
    if (watchdog_start(sb->wall_ms) != 0 && !sb->count_instructions)
        lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT, HOOK_STEP); /* the clock, read by the hook */
}

void sandbox_end(struct sandbox *sb)
{
    if (armed == sb)
        armed = sb->prev_armed;
    atomic_signal_fence(memory_order_seq_cst);
    sb->running = 0;
    sb->current = NULL;
    lua_sethook(sb->L, NULL, 0, 0);
}

const char *sandbox_budget_text(enum sandbox_exceeded kind)
{
    /* Only on the way out of a stopped rule: gettext is never called while
     * a household evaluates normally. */
    return kind == SANDBOX_INSTRUCTIONS ? _("instruction budget exceeded")
           : kind == SANDBOX_WALL       ? _("time budget exceeded")
                                        : _("memory budget exceeded");
}

const char *sandbox_error_text(lua_State *L, char *buf, size_t size)
{
    /* Never call __tostring here: an error object's metamethod could loop. */
    int t = lua_type(L, -1);
    if (t == LUA_TSTRING)
        snprintf(buf, size, "%s", lua_tostring(L, -1));
    else if (t == LUA_TNUMBER)
        snprintf(buf, size, "%.14g", (double)lua_tonumber(L, -1));
    else
        snprintf(buf, size, _("(error object is a %s value)"), lua_typename(L, t));
    /* A policy may raise any value it read, and the message is logged and
     * alerted (found by tests/fuzz/fuzz_lua): resident IDs are masked as
     * everywhere, and any other run of 15 or more digits — an ID with a
     * typo is still personal — keeps only its first 6 and last 4. */
    scrub_ids(buf);
    for (char *p = buf; *p;) {
        size_t run = strspn(p, "0123456789");
        if (run >= 15)
            memset(p + 6, '*', run - 10);
        p += run ? run : 1;
    }
    return buf;
}

void sandbox_display_name(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    const char *start = path;
    if (slash) {
        const char *p = slash;
        while (p > path && p[-1] != '/')
            p--;
        start = p;
    }
    snprintf(out, size, "%s", start);
}

int sandbox_read_file(const char *path, char **text, size_t *len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_INVALID, _("%s: cannot read"), path);
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n > (4u << 20))
            break;
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return err_set(e, ERR_FAIL, _("%s: out of memory"), path);
    if (n > (4u << 20)) {
        free(buf);
        return err_set(e, ERR_INVALID, _("%s: file is larger than 4 MiB"), path);
    }
    buf[n] = 0;
    *text = buf;
    *len = n;
    return 0;
}

/* ---- read-only tables ---- */

/* luaL_error, but located at the nearest Lua frame: these errors are raised
 * from C functions that C library functions (table.insert...) may call. */
int sandbox_error(lua_State *L, const char *fmt, ...)
{
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            break;
        }
    }
    if (lua_gettop(L) == 0 || lua_type(L, -1) != LUA_TSTRING)
        lua_pushliteral(L, "");
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_concat(L, 2);
    return lua_error(L);
}

static int ro_newindex(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return sandbox_error(L, _("attempt to modify read-only field '%s'"), lua_tostring(L, 2));
    return sandbox_error(L, _("attempt to modify a read-only table"));
}

static int env_newindex(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return sandbox_error(L, _("attempt to set global '%s'"), lua_tostring(L, 2));
    return sandbox_error(L, _("attempt to set a global"));
}

static void push_shadow(lua_State *L, int idx)
{
    lua_getmetatable(L, idx); /* the raw API ignores __metatable */
    lua_getfield(L, -1, "__index");
    lua_remove(L, -2);
}

static int ro_len(lua_State *L)
{
    push_shadow(L, 1);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

/* next over the shadow of the read-only table t: pairs must never hand the
 * shadow itself to a policy, which could then write through it. */
static int ro_next(lua_State *L)
{
    lua_settop(L, 2);
    push_shadow(L, 1);
    lua_pushvalue(L, 2);
    if (lua_next(L, -2))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int ro_pairs(lua_State *L)
{
    lua_pushcfunction(L, ro_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Moves the contents of t into a hidden shadow table and leaves t empty with
 * a protected metatable: reads go through, every write raises. */
static void freeze(lua_State *L, int idx, lua_CFunction newindex, int visited, int depth)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE || depth > 16)
        return;
    lua_pushvalue(L, idx);
    if (lua_rawget(L, visited) != LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, visited);
    if (lua_getmetatable(L, idx)) { /* has its own behaviour: leave it */
        lua_pop(L, 1);
        return;
    }
    lua_newtable(L);
    int shadow = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, shadow);
    }
    lua_pushnil(L);
    while (lua_next(L, shadow)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, idx);
    }
    lua_pushnil(L);
    while (lua_next(L, shadow)) {
        freeze(L, -1, ro_newindex, visited, depth + 1);
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, 5);
    lua_pushvalue(L, shadow);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, ro_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, ro_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, idx);
    lua_pop(L, 1); /* shadow */
}

void sandbox_freeze(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    freeze(L, idx, ro_newindex, lua_gettop(L), 0);
    lua_pop(L, 1);
}

int sandbox_is_frozen(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return 0;
    lua_pushliteral(L, "__newindex");
    lua_rawget(L, -2);
    lua_CFunction f = lua_tocfunction(L, -1);
    lua_pop(L, 2);
    return f == ro_newindex || f == env_newindex;
}

int sandbox_is_protected(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx))
        return 0;
    lua_pushliteral(L, "__metatable");
    int t = lua_rawget(L, -2);
    lua_pop(L, 2);
    return t != LUA_TNIL;
}

/* ---- building the state ---- */

static void frozen_set(lua_State *L, int t, const char *name)
{
    push_shadow(L, t);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

struct setup_ctx {
    const struct config *cfg;
    int warn;
    struct err *e;
    int rc;
};

static void fp_path(const struct config *cfg, char *path, size_t size)
{
    snprintf(path, size, "%s/fp.lua", cfg->lua_dir ? cfg->lua_dir : "lua");
}

int policy_lua_library_check(const struct config *cfg, struct err *e)
{
    char path[1024];
    fp_path(cfg, path, sizeof path);
    if (access(path, R_OK) == 0)
        return 0;
    return err_set(e, ERR_INVALID,
                   _("%s: the fp library is not there (%s): fix lua: in the config (a "
                     "relative path is taken from the config file's folder)"),
                   path, strerror(errno));
}

static int load_fp(lua_State *L, struct setup_ctx *c)
{
    char path[1024], name[1100];
    fp_path(c->cfg, path, sizeof path);
    char *text;
    size_t len;
    struct err fe;
    if (sandbox_read_file(path, &text, &len, &fe) != 0) {
        if (c->warn)
            log_event(LOG_WARN, "lua.fp_missing",
                      "%s: not found: policies run without the fp library", path);
        return 0;
    }
    char shown[512];
    sandbox_display_name(path, shown, sizeof shown);
    snprintf(name, sizeof name, "@%s", shown);
    int st = luaL_loadbufferx(L, text, len, name, "t");
    free(text);
    if (st != LUA_OK) {
        c->rc = err_set(c->e, ERR_INVALID, "%s", lua_tostring(L, -1));
        return -1;
    }
    sandbox_push_env(L);
    lua_setupvalue(L, -2, 1);
    sandbox_fp_push_native(L);
    sandbox_begin(sandbox_of(L)); /* trusted, but a loop in it must not hang */
    lua_call(L, 1, 1);
    sandbox_end(sandbox_of(L));
    if (lua_type(L, -1) != LUA_TTABLE) {
        c->rc = err_set(c->e, ERR_INVALID, _("%s: does not return a table"), shown);
        return -1;
    }
    sandbox_freeze(L, -1);
    return 1;
}

static int setup(lua_State *L)
{
    struct setup_ctx *c = lua_touserdata(L, 1);
    luaL_requiref(L, "_G", luaopen_base, 1);
    int base = lua_gettop(L);
    lua_newtable(L);
    int env = lua_gettop(L);
    sandbox_lib_open(L, base, env);

    lua_newtable(L);
    int visited = lua_gettop(L);
    freeze(L, env, env_newindex, visited, 0);
    lua_pop(L, 1);
    lua_pushvalue(L, env);
    frozen_set(L, env, "_G");
    lua_pushvalue(L, env);
    lua_setfield(L, LUA_REGISTRYINDEX, "fupin.env");

    household_view_register(L);
    int got = load_fp(L, c);
    if (got < 0)
        return 0;
    if (got > 0)
        frozen_set(L, env, "fp");
    c->rc = 0;
    return 0;
}

void sandbox_push_env(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "fupin.env");
}

int sandbox_open(const struct config *cfg, int warn, int count_instructions, struct sandbox **out,
                 struct err *e)
{
    struct sandbox *sb = calloc(1, sizeof *sb);
    if (!sb)
        return err_set(e, ERR_FAIL, _("out of memory"));
    sb->mem_limit = cfg->lua_memory_kb > 0 ? (size_t)cfg->lua_memory_kb * 1024 : (size_t)64 << 20;
    sb->reads = HOUSEHOLD_ALL_LISTS; /* no policy running: nothing to hold a read against */
    sb->instr_limit = cfg->lua_instructions;
    sb->wall_ms = cfg->lua_wall_ms;
    sb->count_instructions = count_instructions;
    sb->cfg = cfg;
    sb->L = lua_newstate(sb_alloc, sb);
    if (!sb->L) {
        free(sb);
        return err_set(e, ERR_FAIL, _("cannot create a Lua state (memory budget too small?)"));
    }
    lua_atpanic(sb->L, sb_panic);
    *(struct sandbox **)lua_getextraspace(sb->L) = sb;
    struct setup_ctx c = {.cfg = cfg, .warn = warn, .e = e, .rc = ERR_FAIL};
    lua_pushcfunction(sb->L, setup);
    lua_pushlightuserdata(sb->L, &c);
    if (lua_pcall(sb->L, 1, 0, 0) != LUA_OK) {
        char buf[256];
        c.rc = err_set(e, ERR_INVALID, "%s", sandbox_error_text(sb->L, buf, sizeof buf));
    }
    sandbox_end(sb);
    if (c.rc) {
        sandbox_close(sb);
        return c.rc;
    }
    lua_settop(sb->L, 0);
    lua_gc(sb->L, LUA_GCCOLLECT);
    *out = sb;
    return 0;
}

void sandbox_close(struct sandbox *sb)
{
    if (!sb)
        return;
    lua_close(sb->L);
    while (sb->slabs) {
        void *next = *(void **)sb->slabs;
        free(sb->slabs);
        sb->slabs = next;
    }
    free(sb);
}
