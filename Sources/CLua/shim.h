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
#include <string.h>
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
static inline int clua_getmetatable_named(lua_State *L, const char *name) { return luaL_getmetatable(L, name); }
static inline int clua_gc_count_bytes(lua_State *L) {
    return lua_gc(L, LUA_GCCOUNT, 0) * 1024 + lua_gc(L, LUA_GCCOUNTB, 0);
}
static inline void clua_gc_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT, 0); }

// MARK: - Allocator with accounting

/// Bookkeeping of one state's allocator: bytes in use, and an optional cap.
///
/// When `limit` is non-zero an allocation that would pass it fails (Lua then
/// raises "not enough memory" in the running Lua code). While `swiftActive` is
/// set, allocations never fail: Swift code is on the stack and a failure would
/// longjmp across it; the over-use is noticed by `exceeded` instead.
///
/// `running` is the thread (coroutine) whose innermost Swift function is running,
/// or NULL outside of Swift functions: a Swift function called from a coroutine
/// must work on that coroutine's stack, not the main thread's.
typedef struct clua_Allocation {
    size_t used;
    size_t limit;
    int swiftActive;
    int exceeded;
    lua_State *running;
} clua_Allocation;

static void *clua_allocate(void *ud, void *ptr, size_t osize, size_t nsize) {
    clua_Allocation *a = (clua_Allocation *)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        a->used -= old;
        return NULL;
    }
    if (a->limit != 0 && nsize > old && a->used - old + nsize > a->limit) {
        a->exceeded = 1;
        if (!a->swiftActive) return NULL;
    }
    void *grown = realloc(ptr, nsize);
    if (grown == NULL) return NULL;
    a->used = a->used - old + nsize;
    return grown;
}

/// A new state whose allocations are counted in `allocation` (owned by the caller,
/// which must outlive the state).
static inline lua_State *clua_newstate(clua_Allocation *allocation) {
    return lua_newstate(clua_allocate, allocation);
}

// MARK: - A request-ending os.exit

/// Registry key of the token that the replacement `os.exit` raises. It is not an
/// error: it unwinds the running Lua code to the protected call, which reports it
/// as an exit, so a script can end its request but never the server (SPEC §3.6).
#define CLUA_EXIT_KEY "clua.exit"

/// Pushes the exit token.
static inline void clua_push_exit_token(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, CLUA_EXIT_KEY);
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
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, CLUA_EXIT_KEY);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "os") == LUA_TTABLE) {
        lua_pushcfunction(L, clua_exit);
        lua_setfield(L, -2, "exit");
    }
    lua_pop(L, 2);
}

// MARK: - Calling Lua from Swift

/// Message handler for protected calls: turns any error value into a string
/// with a traceback, as lua.c does. A non-string value with `__tostring` uses
/// it; any other value is described by its type.
static int clua_traceback_handler(lua_State *L) {
    if (clua_is_exit_token(L, 1)) return 1;
    const char *message = lua_tostring(L, 1);
    if (message == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            message = lua_tostring(L, -1);
        else
            message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
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

/// Invoked when Swift code allocated past the state's limit; raised after the Swift frame is gone.
static int clua_raise_memory_error(lua_State *L) {
    return luaL_error(L, "not enough memory");
}

/// The C function Lua calls; upvalue 1 is the Swift function as light userdata.
/// The error is raised here, after the Swift frame returned.
static int clua_trampoline(lua_State *L) {
    clua_SwiftFunction f = (clua_SwiftFunction)lua_touserdata(L, lua_upvalueindex(1));
    void *ud = NULL;
    lua_getallocf(L, &ud);
    clua_Allocation *a = (clua_Allocation *)ud;
    int outer = a->swiftActive;
    lua_State *outerRunning = a->running;
    a->swiftActive = 1;
    a->running = L;
    int n = f(L);
    a->swiftActive = outer;
    a->running = outerRunning;
    if (n == CLUA_RAISE) return lua_error(L);
    if (!outer && a->limit != 0 && a->used > a->limit) return clua_raise_memory_error(L);
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
