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
/* Refuse patterns whose worst-case backtracking exceeds ~1e8 steps. */
#define PATTERN_MAX_LOG10 8.0
#define UNPACK_MAX 10000
/* The most elements one table.move / insert / remove / concat / sort may
 * walk: far more than a table within the memory budget holds, so only a
 * lying __len or a huge range reaches it. These loops run in C, where no
 * hook can stop them. */
#define RANGE_MAX 1000000

struct sandbox *sandbox_of(lua_State *L)
{
    return *(struct sandbox **)lua_getextraspace(L);
}

static void sb_hook(lua_State *L, lua_Debug *ar);

/* Every instruction of the thread running now fails from here on; other
 * threads are hooked when control returns to them (coroutine wrappers). */
static void poison(struct sandbox *sb, lua_State *L)
{
    if (L)
        lua_sethook(L, sb_hook, LUA_MASKCOUNT, 1);
}

static void mark(struct sandbox *sb, enum sandbox_exceeded what)
{
    if (sb->running && !sb->exceeded) {
        sb->exceeded = what;
        poison(sb, sb->current);
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
        mark(sb, SANDBOX_MEMORY);
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

static int past_deadline(const struct sandbox *sb)
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
        else if (past_deadline(sb)) /* the count hook's clock, when no watchdog runs */
            sb->exceeded = SANDBOX_WALL;
        else
            return;
    }
    /* From now on every instruction of every frame fails, so a pcall loop,
     * a message handler or a __close cannot swallow the error and carry on. */
    poison(sb, L);
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
    if (!sb->running || sb->wall_fired || !past_deadline(sb))
        return;
    sb->wall_fired = 1;
    poison(sb, sb->current);
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
static int sb_error(lua_State *L, const char *fmt, ...)
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
        return sb_error(L, _("attempt to modify read-only field '%s'"), lua_tostring(L, 2));
    return sb_error(L, _("attempt to modify a read-only table"));
}

static int env_newindex(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return sb_error(L, _("attempt to set global '%s'"), lua_tostring(L, 2));
    return sb_error(L, _("attempt to set a global"));
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

static int is_protected(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx))
        return 0;
    lua_pushliteral(L, "__metatable");
    int t = lua_rawget(L, -2);
    lua_pop(L, 2);
    return t != LUA_TNIL;
}

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
    if (lua_type(L, 1) == LUA_TTABLE && is_protected(L, 1))
        return luaL_error(L, _("cannot change a protected metatable"));
    return call_original(L);
}

static int sb_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (is_protected(L, 1))
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
    if (sb->running && (sb->wall_fired || past_deadline(sb))) {
        mark(sb, SANDBOX_WALL);
        return sb_error(L, "%s", sandbox_budget_text(SANDBOX_WALL));
    }
    if (pattern_cost(n, p, m, plain) > PATTERN_MAX_LOG10) {
        char shown[48];
        snprintf(shown, sizeof shown, "%.40s%s", p, m > 40 ? "..." : "");
        mark(sb, SANDBOX_WALL);
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
            mark(sb, SANDBOX_MEMORY);
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
    return sb_error(L, _("%s: range %I..%I is longer than %d elements"), fn, (LUAI_UACINT)from,
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
            return sb_error(L, _("string.format: %%p (an address) is not allowed in policies"));
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
        return sb_error(L, _("budget exceeded"));
    if (co) {
        if (sb->wall_fired)
            poison(sb, co);
        sb->current = co;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET); /* raises only before switching */
    sb->current = L;
    if (sb->wall_fired || sb->exceeded)
        poison(sb, L);
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
            poison(sb, L);
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

/* ---- building the state ---- */

static const char *const base_safe[] = {"assert", "error",    "getmetatable", "ipairs",   "next",
                                        "pairs",  "pcall",    "rawequal",     "rawget",   "rawlen",
                                        "select", "tonumber", "type",         "_VERSION", NULL};

static void add_lib(lua_State *L, int env, const char *name, lua_CFunction open)
{
    luaL_requiref(L, name, open, 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, env, name);
}

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

static int load_fp(lua_State *L, struct setup_ctx *c)
{
    char path[1024], name[1100];
    snprintf(path, sizeof path, "%s/fp.lua", c->cfg->lua_dir ? c->cfg->lua_dir : "lua");
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
