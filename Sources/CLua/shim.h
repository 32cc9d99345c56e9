// CLua: Debian's Lua 5.4 as seen from Swift.
//
// Lua's API is partly macros and variadic functions, which Swift cannot import;
// they are wrapped here as `static inline` functions. This header also holds the
// only places where a Lua error is raised on behalf of Swift code: Lua errors are
// longjmps, and a longjmp across a Swift frame skips its cleanup, so Swift
// functions report failure by return value and the C trampoline raises the error
// after the Swift frame has returned.
#ifndef CLUA_SHIM_H
#define CLUA_SHIM_H

#include <stddef.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>
#include <time.h>
#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <lua5.4/lualib.h>

// MARK: - Macros as functions

static inline int clua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int clua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline void clua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void clua_newtable(lua_State *L) { lua_newtable(L); }
static inline int clua_isnoneornil(lua_State *L, int i) { return lua_isnoneornil(L, i); }
static inline const char *clua_tostring(lua_State *L, int i) { return lua_tostring(L, i); }
static inline void *clua_getextraspace(lua_State *L) { return lua_getextraspace(L); }
static inline void clua_remove(lua_State *L, int i) { lua_remove(L, i); }
static inline void clua_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline void clua_replace(lua_State *L, int i) { lua_replace(L, i); }
static inline int clua_gc_count_bytes(lua_State *L) {
    return lua_gc(L, LUA_GCCOUNT, 0) * 1024 + lua_gc(L, LUA_GCCOUNTB, 0);
}
static inline void clua_gc_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT, 0); }

// MARK: - Named metatables, raw

/// `luaL_newmetatable` with raw registry access (a script may give the registry
/// metamethods through `debug.getregistry`): pushes the metatable registered as
/// `name`, creating it with `__name` when the registry has no table there.
/// Returns 1 when it was created.
static inline int clua_newmetatable_raw(lua_State *L, const char *name) {
    lua_pushstring(L, name);
    if (lua_rawget(L, LUA_REGISTRYINDEX) == LUA_TTABLE) return 0;
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushstring(L, "__name");
    lua_pushstring(L, name);
    lua_rawset(L, -3);
    lua_pushstring(L, name);
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
    return 1;
}

/// `luaL_testudata` with raw registry access: the memory of the full userdata at
/// `index` if its metatable is the one registered as `name`, else NULL.
static inline void *clua_testudata_raw(lua_State *L, int index, const char *name) {
    void *memory = lua_touserdata(L, index);
    if (memory == NULL || lua_type(L, index) != LUA_TUSERDATA || !lua_getmetatable(L, index)) return NULL;
    lua_pushstring(L, name);
    lua_rawget(L, LUA_REGISTRYINDEX);
    int same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same ? memory : NULL;
}

// MARK: - Limits: a memory cap and a deadline

// Why the running Lua code of a state was stopped for good (`clua_Limits.stopped`):
// not at all; the deadline passed (luafcgid's `watchdog`); an allocation failed
// against the cap even after Lua's emergency collection (`memory`).
#define CLUA_RUNNING 0
#define CLUA_STOPPED_TIME 1
#define CLUA_STOPPED_MEMORY 2

/// Bookkeeping of one state's limits: bytes in use with an optional cap, and an
/// optional deadline, both enforced by the allocator and a count hook.
///
/// When `limit` is non-zero an allocation that would pass it fails (Lua then
/// runs an emergency collection, retries, and raises "not enough memory").
/// While `swiftActive` is set, allocations never fail: Swift code is on the
/// stack and a failure would longjmp across it; the trampoline checks the cap
/// once the Swift function has returned.
///
/// `refused` is set by a refusal and cleared by any allocation that succeeds:
/// a second refusal in a row is Lua's retry after its emergency collection
/// failing too, so the cap is reached for good and `exceeded` is set. A state
/// whose heap is merely full of garbage is collected and goes on.
///
/// `running` is the thread (coroutine) whose innermost Swift function is running,
/// or NULL outside of Swift functions: a Swift function called from a coroutine
/// must work on that coroutine's stack, not the main thread's.
///
/// `deadline` is a CLOCK_MONOTONIC time in nanoseconds, 0 for none. `stopped`
/// says why the state's code was stopped; once set it stays set, and the state
/// must not be used again.
///
/// `slowDeadline` (same clock, 0 for none) is luafcgid's `slowlog`: once it
/// passes, the next look of the hook (or `clua_report_if_slow`) hands a
/// traceback of where the code is to `slowReport` and clears it, so it fires once.
typedef struct clua_Limits {
    size_t used;
    size_t limit;
    int swiftActive;
    int refused;
    int exceeded;
    lua_State *running;
    unsigned long long deadline;
    int stopped;
    unsigned long long slowDeadline;
    void (*slowReport)(lua_State *L, const char *traceback, size_t length);
} clua_Limits;

/// `used` is written only by the thread running the state, with relaxed atomic
/// stores (a plain `mov` on x86-64 and arm64: the allocator pays nothing), so
/// that the status page may read it from another thread (`clua_limits_used`)
/// without a data race. The owner's own plain reads race with nothing.
static inline size_t clua_limits_used(const clua_Limits *limits) {
    return __atomic_load_n(&limits->used, __ATOMIC_RELAXED);
}

static void *clua_allocate(void *ud, void *ptr, size_t osize, size_t nsize) {
    clua_Limits *a = (clua_Limits *)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        __atomic_store_n(&a->used, a->used - old, __ATOMIC_RELAXED);
        return NULL;
    }
    if (a->limit != 0 && !a->swiftActive && nsize > old && a->used - old + nsize > a->limit) {
        if (a->refused) a->exceeded = 1;
        a->refused = 1;
        return NULL;
    }
    void *grown = realloc(ptr, nsize);
    if (grown == NULL) return NULL;
    __atomic_store_n(&a->used, a->used - old + nsize, __ATOMIC_RELAXED);
    a->refused = 0;
    return grown;
}

/// A new state whose allocations are counted in `limits` (owned by the caller,
/// which must outlive the state).
static inline lua_State *clua_newstate(clua_Limits *limits) {
    return lua_newstate(clua_allocate, limits);
}

static inline clua_Limits *clua_limits(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (clua_Limits *)ud;
}

/// Gives freed heap pages back to the system (glibc's `malloc_trim`).
static inline void clua_trim_heap(void) {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/// Nanoseconds on CLOCK_MONOTONIC: a vDSO call, about 20 ns.
static inline unsigned long long clua_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (unsigned long long)now.tv_sec * 1000000000ull + (unsigned long long)now.tv_nsec;
}

/// Sets the deadline `nanoseconds` from now; 0 clears it.
static inline void clua_set_deadline(clua_Limits *limits, unsigned long long nanoseconds) {
    limits->deadline = nanoseconds == 0 ? 0 : clua_now() + nanoseconds;
}

/// Sets the slow deadline `nanoseconds` from now; 0 clears it.
static inline void clua_set_slow_deadline(clua_Limits *limits, unsigned long long nanoseconds) {
    limits->slowDeadline = nanoseconds == 0 ? 0 : clua_now() + nanoseconds;
}

/// Hands a traceback of `L`'s running code to `slowReport`, once: the slow
/// deadline is cleared first. Runs on the state's thread, inside the VM (from the
/// hook, or from a C function called by Lua), so the traceback is valid; its
/// allocations are made as Swift's (`swiftActive`), which never fail against the
/// cap, since a failure would raise inside the hook or the Swift function.
/// `slowReport` must not touch the Lua stack nor raise.
static void clua_report_slow(lua_State *L, clua_Limits *limits) {
    limits->slowDeadline = 0;
    if (limits->slowReport == NULL) return;
    int outer = limits->swiftActive;
    limits->swiftActive = 1;
    luaL_traceback(L, L, NULL, 0);
    size_t length = 0;
    const char *traceback = lua_tolstring(L, -1, &length);
    limits->slowReport(L, traceback, length);
    lua_pop(L, 1);
    limits->swiftActive = outer;
}

/// Reports (`clua_report_slow`) if the slow deadline passed: for C and Swift
/// functions called from Lua that may have waited long outside the VM (reading
/// a request body, writing to a slow client), where the hook cannot look.
static inline void clua_report_if_slow(lua_State *L) {
    clua_Limits *limits = clua_limits(L);
    if (limits->slowDeadline != 0 && clua_now() >= limits->slowDeadline) clua_report_slow(L, limits);
}

/// Instructions between two looks at the limits. The cost of the hook is Lua's
/// per-instruction trap, whatever the count; the clock read every 1000
/// instructions adds next to nothing, and a stop comes within microseconds.
#define CLUA_LIMITS_HOOK_COUNT 1000

/// The count hook: stops the running code once the deadline passed or the cap
/// was reached, and reports where it is once the slow deadline passed (a clock
/// read only when either deadline is set). A stopped state raises before every
/// instruction from then on (count 1), so a script's `pcall` or `coroutine.resume` that catches the
/// error gets no further than its next instruction, and the error reaches the
/// protected call Swift made. Hooks are per coroutine and a new coroutine
/// inherits its creator's: each one turns to count 1 when its own hook fires.
static void clua_limits_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    clua_Limits *limits = clua_limits(L);
    if (limits->stopped == CLUA_RUNNING) {
        if (limits->exceeded) {
            limits->stopped = CLUA_STOPPED_MEMORY;
        } else if (limits->deadline == 0 && limits->slowDeadline == 0) {
            return;
        } else {
            unsigned long long now = clua_now();
            if (limits->deadline != 0 && now >= limits->deadline) {
                limits->stopped = CLUA_STOPPED_TIME;
            } else {
                if (limits->slowDeadline != 0 && now >= limits->slowDeadline) clua_report_slow(L, limits);
                return;
            }
        }
    }
    lua_sethook(L, clua_limits_hook, LUA_MASKCOUNT, 1);
    lua_pushstring(L, limits->stopped == CLUA_STOPPED_TIME ? "stopped by the watchdog" : "not enough memory");
    lua_error(L);
}

/// Raised by `debug.sethook` in a state with limits: a script's hook would replace the limits' hook.
static int clua_sethook_refused(lua_State *L) {
    return luaL_error(L, "debug.sethook is not available: luafcgid's watchdog and memory cap use the hook");
}

/// `stopped()`: whether the state's code was stopped by its limits.
static int clua_is_stopped(lua_State *L) {
    lua_pushboolean(L, clua_limits(L)->stopped != CLUA_RUNNING);
    return 1;
}

/// Lua, run with `stopped`: wraps `xpcall` so that a message handler is not
/// called for the limits' stop. That error is raised from inside the hook,
/// where Lua runs hooks off, so a handler called for it could loop for ever.
/// A handler that is not a function goes to `xpcall` as given (its own error).
static const char clua_xpcall_guard[] =
    "local xpcall, type, stopped = xpcall, type, ...\n"
    "_G.xpcall = function(f, handler, ...)\n"
    "  if type(handler) ~= 'function' then return xpcall(f, handler, ...) end\n"
    "  return xpcall(f, function(e) if stopped() then return e end return handler(e) end, ...)\n"
    "end\n";

/// Installs the limits' count hook on the main thread (coroutines created later
/// inherit it). Once the libraries are open, also replaces `debug.sethook`,
/// which could remove it, and guards `xpcall` (`clua_xpcall_guard`).
/// Call at creation and again after opening the libraries.
static inline void clua_install_limits_hook(lua_State *L) {
    lua_sethook(L, clua_limits_hook, LUA_MASKCOUNT, CLUA_LIMITS_HOOK_COUNT);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushstring(L, "debug");
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_pushstring(L, "sethook");
        lua_pushcfunction(L, clua_sethook_refused);
        lua_rawset(L, -3);
    }
    lua_pop(L, 1);
    lua_pushstring(L, "xpcall");
    int hasXpcall = lua_rawget(L, -2) == LUA_TFUNCTION;
    lua_pop(L, 2);
    if (hasXpcall && luaL_loadbuffer(L, clua_xpcall_guard, sizeof clua_xpcall_guard - 1, "=luafcgid.limits") == LUA_OK) {
        lua_pushcfunction(L, clua_is_stopped);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
    } else if (hasXpcall) {
        lua_pop(L, 1);
    }
}

// MARK: - A request-ending os.exit

/// Registry key of the token that the replacement `os.exit` raises. It is not an
/// error: it unwinds the running Lua code to the protected call, which reports it
/// as an exit, so a script can end its request but never the server (SPEC §3.6).
#define CLUA_EXIT_KEY "clua.exit"

/// Pushes the registry's value at `key` without metamethods: a script can reach
/// the registry (`debug.getregistry`) and give it a raising `__index`.
static inline int clua_rawget_registry(lua_State *L, const char *key) {
    lua_pushstring(L, key);
    return lua_rawget(L, LUA_REGISTRYINDEX);
}

/// Pushes the exit token.
static inline void clua_push_exit_token(lua_State *L) {
    clua_rawget_registry(L, CLUA_EXIT_KEY);
}

/// Whether the value at `index` is the exit token.
static inline int clua_is_exit_token(lua_State *L, int index) {
    index = lua_absindex(L, index);
    clua_push_exit_token(L);
    int same = !lua_isnil(L, -1) && lua_rawequal(L, index, -1);
    lua_pop(L, 1);
    return same;
}

static int clua_exit(lua_State *L) {
    clua_push_exit_token(L);
    return lua_error(L);
}

/// Creates the exit token and replaces `os.exit` (if the os library is open) with a function raising it.
static inline void clua_replace_os_exit(lua_State *L) {
    lua_pushstring(L, CLUA_EXIT_KEY);
    lua_newtable(L);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushstring(L, "os");
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_pushstring(L, "exit");
        lua_pushcfunction(L, clua_exit);
        lua_rawset(L, -3);
    }
    lua_pop(L, 2);
}

// MARK: - Calling Lua from Swift

/// Calls the `__tostring` of the error value at index 1 in protected mode; pushes
/// the text it returned and returns it, or NULL (pushing nothing) when there is
/// none, it raises, or it returns something else than a string.
static const char *clua_error_tostring(lua_State *L) {
    if (luaL_getmetafield(L, 1, "__tostring") == LUA_TNIL) return NULL;
    lua_pushvalue(L, 1);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        return NULL;
    }
    return lua_tostring(L, -1);
}

/// Message handler for protected calls: turns any error value into a string
/// with a traceback, as lua.c does. A non-string value with a working
/// `__tostring` uses it; any other value is described by its type (a raising
/// `__tostring` is not an error in error handling: the script's error stays an
/// ordinary one).
static int clua_traceback_handler(lua_State *L) {
    if (clua_is_exit_token(L, 1)) return 1;
    const char *message = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
    if (message == NULL) message = clua_error_tostring(L);
    if (message == NULL) {
        message = lua_type(L, 1) == LUA_TNUMBER
            ? lua_tostring(L, 1)
            : lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, message, 1);
    return 1;
}

/// `lua_pcall` with the traceback handler placed below the function.
/// Stack: [..., f, args...] → [..., results...] or, on failure, [..., message-with-traceback].
static inline int clua_pcall_traceback(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, clua_traceback_handler);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

/// Plain `lua_pcall` without a handler: for calls whose error value matters as is.
static inline int clua_pcall(lua_State *L, int nargs, int nresults) {
    return lua_pcall(L, nargs, nresults, 0);
}

// MARK: - Calling Swift from Lua

/// A Swift function as Lua sees it. It returns the number of results it pushed,
/// or `CLUA_RAISE` after pushing an error value, which the trampoline raises.
typedef int (*clua_SwiftFunction)(lua_State *L);

/// Returned by a Swift function to have the trampoline raise the value on top of the stack.
#define CLUA_RAISE (-1)

/// The C function Lua calls; upvalue 1 is the Swift function as light userdata.
/// The error is raised here, after the Swift frame returned. So is a Swift
/// function's over-use of memory (its allocations never fail): past the cap
/// after a full collection, the state has reached its cap for good.
static int clua_trampoline(lua_State *L) {
    clua_SwiftFunction f = (clua_SwiftFunction)lua_touserdata(L, lua_upvalueindex(1));
    clua_Limits *a = clua_limits(L);
    int outer = a->swiftActive;
    lua_State *outerRunning = a->running;
    a->swiftActive = 1;
    a->running = L;
    int n = f(L);
    a->swiftActive = outer;
    a->running = outerRunning;
    if (n == CLUA_RAISE) return lua_error(L);
    if (!outer && a->limit != 0 && a->used > a->limit) {
        lua_gc(L, LUA_GCCOLLECT, 0);
        if (a->used > a->limit) {
            a->exceeded = 1;
            return luaL_error(L, "not enough memory");
        }
    }
    return n;
}

/// Pushes a Swift function as a Lua closure with `upvalues` extra upvalues taken
/// from the stack (they become upvalues 2...).
static inline void clua_pushswiftfunction(lua_State *L, clua_SwiftFunction f, int upvalues) {
    lua_pushlightuserdata(L, (void *)f);
    if (upvalues > 0) lua_insert(L, -(upvalues + 1));
    lua_pushcclosure(L, clua_trampoline, upvalues + 1);
}

#endif
