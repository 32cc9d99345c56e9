import Lua
import NIOCore

/// The `con` object handed to `main(env, con)` (SPEC §4.2).
///
/// A small full userdata holding the generation of the request it belongs to,
/// with a metatable whose `__index` is the method table. Every method checks
/// that its `self` is the `con` of the request now running, so a `con` kept in
/// a global from an earlier request cannot write into someone else's response.
/// Methods are Swift functions called through the shim's trampoline: they
/// report errors by `state.raise(...)`, never by raising themselves.
enum ConnectionObject {
    static let metatableName = "luafcgid.con"

    /// Creates the metatable with the methods, once per state.
    static func install(in lua: LuaState) {
        guard lua.pushMetatable(named: metatableName) else {
            lua.pop()
            return
        }
        lua.newTable(recordCount: Int32(methods.count))
        for (name, function) in methods {
            lua.push(function: function)
            lua.rawSet(table: -2, key: name)
        }
        lua.rawSet(table: -2, key: "__index")
        lua.push("luafcgid.con")
        lua.rawSet(table: -2, key: "__metatable")
        lua.pop()
    }

    /// Pushes a new `con` for the request with `generation`.
    static func push(in lua: LuaState, generation: UInt64) {
        lua.newUserdata(size: MemoryLayout<UInt64>.size).storeBytes(of: generation, as: UInt64.self)
        lua.pushMetatable(named: metatableName)
        lua.setMetatable(of: -2)
    }

    private static let methods: [(String, LuaFunction)] = [
        ("header", header), ("puts", puts), ("gets", gets), ("flush", flush), ("reset", reset),
        ("config", config), ("log", log), ("status", status), ("read", read), ("finish", finish),
    ]

    /// The running request's context if argument 1 is its `con`; else the message to raise.
    private static func context(_ lua: LuaState, method: String) -> Result<RequestContext, ConnectionError> {
        guard let context = (lua.context as? ScriptStateContext)?.request else {
            return .failure(ConnectionError("con:\(method): no request is running"))
        }
        guard let memory = lua.userdata(at: 1, metatable: metatableName) else {
            return .failure(ConnectionError("con:\(method): call it as con:\(method)(...) on the request object"))
        }
        guard memory.load(as: UInt64.self) == context.generation else {
            return .failure(ConnectionError("con:\(method): this request object belongs to a finished request"))
        }
        return .success(context)
    }

    private struct ConnectionError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Runs `body` with the state and the running request's context, turning a failure into a raise.
    ///
    /// Then, for `slowlog`, reports the request if it became slow meanwhile: a
    /// method may have waited long outside the VM (`con:read`/`con:gets` for the
    /// body, `con:puts`/`con:flush` for a slow client), where the count hook cannot
    /// look; here, on the state's thread and still inside Lua's call, the traceback
    /// shows the method and the line that called it.
    private static func withContext(
        _ L: OpaquePointer?, method: String, _ body: (LuaState, RequestContext) -> Int32
    ) -> Int32 {
        let lua = LuaState.current(L!)
        defer { lua.reportIfSlow() }
        switch context(lua, method: method) {
        case .success(let context): return body(lua, context)
        case .failure(let error): return lua.raise(error.message)
        }
    }

    /// Whether the response was finished, so `method`'s output is dropped (logged once, at debug).
    /// Checked before anything looks at the client: a finished request's client may go away, or its
    /// connection serve other requests, and the handler's background work goes on regardless.
    private static func dropsOutput(_ context: RequestContext, method: String) -> Bool {
        guard context.response.isFinished else { return false }
        if !context.loggedDroppedOutput {
            context.loggedDroppedOutput = true
            context.logger.debug("\(context.script): con:\(method) after con:finish(); output dropped")
        }
        return true
    }

    // MARK: Methods

    /// `con:header(name, value)` or `con:header(line)`.
    private static let header: LuaFunction = { L in
        withContext(L, method: "header") { lua, context in
            if dropsOutput(context, method: "header") { return 0 }
            let line: HTTPHeaderLine
            do throws(HTTPHeaderLineError) {
                if lua.top >= 3, lua.type(at: 3) != .nil {
                    guard let name = lua.string(at: 2), let value = lua.string(at: 3) else {
                        return lua.raise("con:header: name and value must be strings")
                    }
                    line = try HTTPHeaderLine(name: name, checkingValue: value)
                } else {
                    guard let raw = lua.string(at: 2) else { return lua.raise("con:header: expected (name, value) or a header line") }
                    line = try HTTPHeaderLine(line: raw)
                }
                if try !context.response.addHeader(line) {
                    context.logger.warning("\(context.script): con:header(\"\(line.name)\") after the headers were sent; ignored")
                }
            } catch {
                return lua.raise("con:header: \(error.description)")
            }
            return 0
        }
    }

    /// `con:puts(...)`: strings and numbers, in order.
    private static let puts: LuaFunction = { L in
        withContext(L, method: "puts") { lua, context in
            if dropsOutput(context, method: "puts") { return 0 }
            context.request.sink.checkClient()
            if context.request.isAborted { return lua.raiseExit() }
            let count = lua.top
            guard count >= 2 else { return 0 }
            for index in 2...count {
                switch lua.type(at: index) {
                case .string:
                    lua.withStringBytes(at: index) { context.response.write($0) }
                case .number:
                    var text = lua.string(at: index) ?? ""
                    text.withUTF8 { context.response.write(UnsafeRawBufferPointer($0)) }
                default:
                    return lua.raise("con:puts: bad argument #\(index - 1) (string expected, got \(lua.type(at: index).name))")
                }
            }
            // A streamed write that cut the response off (a client reading nothing) stops the handler now.
            if context.request.isAborted { return lua.raiseExit() }
            return 0
        }
    }

    /// `con:gets()`: the unread rest of the body, then nil.
    private static let gets: LuaFunction = { L in
        withContext(L, method: "gets") { lua, context in
            // The body was taken before the answer went out: nothing is left to read.
            if context.response.isFinished {
                lua.pushNil()
                return 1
            }
            var rest: ByteBuffer?
            do throws(RequestBodyError) {
                while let piece = try context.request.body.read(upTo: Int.max) {
                    if rest == nil { rest = piece } else { rest!.writeImmutableBuffer(piece) }
                }
            } catch {
                return raise(error, in: lua, context: context, method: "gets")
            }
            guard let rest, rest.readableBytes > 0 else {
                lua.pushNil()
                return 1
            }
            rest.withUnsafeReadableBytes { lua.push(bytes: $0) }
            return 1
        }
    }

    /// What `con:read()` without a size returns at most: one piece as it arrives.
    static let defaultReadSize = 65_536

    /// `con:read([n])`: up to `n` more bytes of the body as they arrive, then nil.
    private static let read: LuaFunction = { L in
        withContext(L, method: "read") { lua, context in
            var maximum = defaultReadSize
            if lua.top >= 2, lua.type(at: 2) != .nil {
                guard let size = lua.integer(at: 2), size > 0 else {
                    return lua.raise("con:read: the size must be a whole number above 0")
                }
                maximum = Int(clamping: size)
            }
            if context.response.isFinished {
                lua.pushNil()
                return 1
            }
            do throws(RequestBodyError) {
                guard let piece = try context.request.body.read(upTo: maximum) else {
                    lua.pushNil()
                    return 1
                }
                piece.withUnsafeReadableBytes { lua.push(bytes: $0) }
                return 1
            } catch {
                return raise(error, in: lua, context: context, method: "read")
            }
        }
    }

    /// A body that cannot be read on: a gone client stops the handler as an abort
    /// does; otherwise the script sees the error (and the runner answers 413 for a
    /// body over maxpost when nothing was sent yet).
    private static func raise(_ error: RequestBodyError, in lua: LuaState, context: RequestContext, method: String) -> Int32 {
        if case .clientGone = error {
            context.request.abort()
            return lua.raiseExit()
        }
        context.bodyFailure = error
        return lua.raise("con:\(method): \(error.description)")
    }

    /// `con:flush()`: the head and the buffered body go out now.
    private static let flush: LuaFunction = { L in
        withContext(L, method: "flush") { lua, context in
            if dropsOutput(context, method: "flush") { return 0 }
            context.request.sink.checkClient()
            if context.request.isAborted { return lua.raiseExit() }
            context.response.flush()
            return 0
        }
    }

    /// `con:reset()`: the unsent body is dropped.
    private static let reset: LuaFunction = { L in
        withContext(L, method: "reset") { _, context in
            if dropsOutput(context, method: "reset") { return 0 }
            context.response.reset()
            return 0
        }
    }

    /// `con:config(name)`: a configuration value, or nil.
    private static let config: LuaFunction = { L in
        withContext(L, method: "config") { lua, context in
            guard let name = lua.string(at: 2), let value = context.configuration.values[name] else {
                lua.pushNil()
                return 1
            }
            switch value {
            case .string(let text): lua.push(text)
            case .integer(let number): lua.push(number)
            case .number(let number): lua.push(number)
            case .boolean(let flag): lua.push(flag)
            case .strings(let texts):
                lua.newTable(arrayCount: Int32(texts.count))
                for (index, text) in texts.enumerated() {
                    lua.push(text)
                    lua.rawSet(table: -2, index: index + 1)
                }
            }
            return 1
        }
    }

    /// `con:log(message)`: a log entry tagged with the script (the text is data, never a format).
    private static let log: LuaFunction = { L in
        withContext(L, method: "log") { lua, context in
            let message = lua.string(at: 2) ?? "(\(lua.type(at: 2).name))"
            context.logger.info("\(context.script): \(message)")
            return 0
        }
    }

    /// `con:status(code [, reason])`.
    private static let status: LuaFunction = { L in
        withContext(L, method: "status") { lua, context in
            if dropsOutput(context, method: "status") { return 0 }
            guard let code = lua.integer(at: 2), (100...999).contains(code) else {
                return lua.raise("con:status: the code must be a whole number from 100 to 999")
            }
            let reason = lua.top >= 3 && lua.type(at: 3) != .nil ? lua.string(at: 3) : nil
            if reason?.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) == true {
                return lua.raise("con:status: line breaks inside the reason")
            }
            if !context.response.setStatus(ResponseStatus(code: code, reason: reason)) {
                context.logger.warning("\(context.script): con:status(\(code)) after the headers were sent; ignored")
            }
            return 0
        }
    }

    /// `con:finish()`: the response goes out complete now (head, buffered body, end);
    /// the handler goes on, its later output dropped. A second call does nothing.
    private static let finish: LuaFunction = { L in
        withContext(L, method: "finish") { _, context in
            context.response.finish()
            return 0
        }
    }
}
