/* policy_lua_internal.h - internal to the Lua runtime (the files of
 * policy/lua only): one sandboxed lua_State with its budgets, and the read-only views policies see.
 * Never include this outside the files of policy/lua: it is the only way lua.h leaks in. */
#ifndef FUPIN_LUA_SANDBOX_H
#define FUPIN_POLICY_LUA_INTERNAL_H

#include "config.h"
#include "err.h"
#include "household.h"
#include "policy.h"

#include <lua.h>
#include <signal.h>
#include <sys/types.h>
#include <time.h>

enum sandbox_exceeded { SANDBOX_OK, SANDBOX_INSTRUCTIONS, SANDBOX_MEMORY, SANDBOX_WALL };

/* The real-time signal of the wall-clock watchdog (a per-thread POSIX timer
 * that ticks while the thread evaluates and stops at the first tick after);
 * the runtime installs its handler once and unblocks it in each thread that
 * evaluates. Code sharing such a thread may see one EINTR after a run. */
#define SANDBOX_WATCHDOG_SIGNAL (SIGRTMIN + 4)

struct sandbox {
    lua_State *L;
    size_t mem_used, mem_limit;
    long instr_limit, instr_used;
    int wall_ms;
    struct timespec deadline;
    int count_instructions; /* the deterministic count hook (loads, `fupin test`, `check`) */
    int running;            /* budgets are enforced (an evaluation or a load is running) */
    int exceeded;           /* enum sandbox_exceeded: sticky until the run ends */
    /* The watchdog: its handler sets wall_fired and hooks `current`, the
     * thread (main or coroutine) running policy code now; hooks are per
     * thread in Lua, so coroutine switches keep `current` up to date. */
    volatile sig_atomic_t wall_fired;
    lua_State *volatile current;
    struct sandbox *prev_armed;
    unsigned gen;         /* views of other generations are dead */
    size_t pool_used[16]; /* household_view.c: proxies of each kind in use */
    /* sandbox.c: freed small blocks by size class (16-byte steps up to
     * SANDBOX_SMALL), reused before malloc; carved from slabs freed with
     * the state. */
    void *small_free[17];
    void *slabs;
    char *slab_at, *slab_end;

    /* The evaluation in progress (household_view.c and call_view.c read these). */
    const struct household *hh;
    struct fupin_out *out;
    struct fupin_params *params;
    const struct config *cfg;
    /* The running policy's `reads` (HOUSEHOLD_LIST_BITs) and chunk name
     * ("@policies/x.lua"): touching another list is an error at its line. */
    uint32_t reads;
    const char *chunk;
    uint32_t lists_shown; /* household_view.c: lists set in the household's data table */
};

/* Creates a state with the safe libraries, read-only globals and, when
 * <cfg->lua_dir>/fp.lua exists, the global fp. warn: log when fp is missing.
 * count_instructions: enforce limits.instructions with a count hook (costs
 * ~13 % of every instruction; deterministic, so for loads, `fupin test` and
 * `fupin check`); otherwise only the watchdog and the memory budget run.
 * The env is stored in the registry (sandbox_push_env). */
int sandbox_open(const struct config *cfg, int warn, int count_instructions, struct sandbox **out,
                 struct err *e);
void sandbox_close(struct sandbox *sb);
struct sandbox *sandbox_of(lua_State *L);
/* Pushes the policies' global table (read-only). */
void sandbox_push_env(lua_State *L);
/* Budgets on / off around one protected call, on the thread that makes it.
 * Once a budget is exceeded every instruction of that run fails (the state
 * is "poisoned": message handlers and __close get no fresh budget); throw
 * the state away before the next household. */
void sandbox_begin(struct sandbox *sb);
void sandbox_end(struct sandbox *sb);
/* Makes the table at idx read-only in place (and the tables inside it). */
void sandbox_freeze(lua_State *L, int idx);
/* Whether the table at idx was frozen by sandbox_freeze (or is the
 * globals): a policy cannot forge that, its metatable is out of reach. */
int sandbox_is_frozen(lua_State *L, int idx);
/* policy_seal.c: the compiled chunk on top of the stack assigns no local
 * of the main chunk (nor its _ENV) inside a function; else -1 and msg
 * "<display>:LINE: ..." naming the variable. */
int policy_seal_chunk(lua_State *L, const char *display, char *msg, size_t size);
/* policy_seal.c: freezes the module at idx and every table it reaches
 * (fields, keys, upvalues of its functions, deeply); -1 and msg when it
 * reaches a coroutine, a userdata or a table with a metatable of its own,
 * which no freezing can make stateless. The module runs once per worker. */
int policy_seal_module(lua_State *L, int idx, const char *display, char *msg, size_t size);
/* The error message on top of the stack, without running any metamethod. */
const char *sandbox_error_text(lua_State *L, char *buf, size_t size);
/* Rewrites, in place, a sentence of Lua's own (parser or runtime error)
 * found in buf into the process's language; anything else stays. Only for
 * a failed call: not free. Thread-safe. */
void lua_message_translate(char *buf, size_t size);
/* "time budget exceeded" and its kin for kind (not SANDBOX_OK), in the
 * current language. A static string. */
const char *sandbox_budget_text(enum sandbox_exceeded kind);
/* Nonzero when the value at idx would print as an address (a table,
 * function, thread or userdata without __tostring): printed as its type. */
int sandbox_has_address(lua_State *L, int idx);
/* The decimal text of v (as Lua writes an integer), inside buf; *len its
 * length. */
const char *sandbox_int_text(lua_Integer v, char buf[24], size_t *len);
/* sandbox.c: luaL_error located at the nearest Lua frame (for errors
 * raised from C functions that C library functions may call); whether the
 * value at idx has a protected (__metatable) metatable. */
int sandbox_error(lua_State *L, const char *fmt, ...);
int sandbox_is_protected(lua_State *L, int idx);
/* sandbox.c: the run is over its budget (what): every instruction of the
 * running thread fails from here on; sandbox_poison does that to thread L
 * (coroutine wrappers, when control returns to one); whether the wall-clock
 * deadline has passed. */
void sandbox_mark(struct sandbox *sb, enum sandbox_exceeded what);
void sandbox_poison(struct sandbox *sb, lua_State *L);
int sandbox_past_deadline(const struct sandbox *sb);
/* sandbox_lib.c: puts the safe base functions of base (luaopen_base's
 * table) and the bounded string, table, math, utf8 and coroutine libraries
 * into env, the policies' globals. */
void sandbox_lib_open(lua_State *L, int base, int env);
/* sandbox_fp.c: pushes the table of fp's C helpers {say, age, days_between}. */
void sandbox_fp_push_native(lua_State *L);
/* "policies/x.lua" from a file path: the last directory and the file name. */
void sandbox_display_name(const char *path, char *out, size_t size);
/* Reads a whole text file (malloc'd, NUL-terminated). */
int sandbox_read_file(const char *path, char **text, size_t *len, struct err *e);

/* household_view.c: the household of the evaluation in progress when idx
 * is its live view, else NULL. */
const struct household *household_view_live(lua_State *L, int idx);
/* call_view.c: whether idx is a read-only params table (a node built once
 * per worker, never written). */
int call_view_is_params(lua_State *L, int idx);
/* household_view.c: registers the view metatables (inside sandbox_open). */
void household_view_register(lua_State *L);
/* call_view.c: the metatable of out and params (called by household_view_register). */
void call_view_register(lua_State *L);
/* household_view.c: the id of the member view at idx, else an error naming
 * out:<method>. */
int64_t household_view_member_id(lua_State *L, int idx, const char *method);
/* Kills the views of the previous household and builds those of sb->hh
 * (raises on memory budget); household_view_push pushes the one built. */
void household_view_build(lua_State *L);
void household_view_kill(lua_State *L);
/* Before each policy of a household: hides the lists built for an earlier
 * policy that this one (sb->reads) does not declare. */
void household_view_limit(lua_State *L);
/* Raises "<policy file>:LINE: <prefix><name> needs the household's ..." unless
 * sb->reads holds every list of lists; LINE is the policy's own line even
 * when the read happens inside fp.lua. */
void household_view_check_reads(lua_State *L, uint32_t lists, const char *prefix, const char *name);
/* Pushes the household / out / params views of the evaluation in progress;
 * params holds what policy p declares, and reading anything else raises. */
void household_view_push(lua_State *L);
void call_view_push_out(lua_State *L);
struct policy_lua;
void call_view_push_params(lua_State *L, const struct policy_lua *p);

#endif
