/// Lua scripts the tests write into their document root. Each is small and
/// prints something a test can check exactly.
enum Scripts {
    /// Echoes the query string as plain text: `n=<QUERY_STRING>`.
    static let echo = """
        function main(env, con)
          con:header("Content-Type", "text/plain")
          con:puts("n=", env.QUERY_STRING)
        end
        """

    /// Gives each state an id at chunk init and counts its own requests;
    /// each request busy-waits ~50 ms of CPU so that concurrent requests
    /// need several states. Prints `<id> <count>`.
    static let isolation = """
        STATE_ANCHOR = {}
        local id = tostring(STATE_ANCHOR):match("0x%x+")
        hits = 0
        function main(env, con)
          hits = hits + 1
          local mine = hits
          local stop = os.clock() + 0.05
          while os.clock() < stop do end
          con:header("Content-Type", "text/plain")
          con:puts(id, " ", mine)
        end
        """

    /// A syntax error on line 3 (the `(` of line 2 is never closed).
    static let syntaxError = """
        function main(env, con)
          con:puts("never"
        end
        """

    /// Fails when asked (`?fail`), after counting the call in a global: the
    /// state survives a handler error, so the count goes on.
    static let flaky = """
        calls = 0
        function main(env, con)
          calls = calls + 1
          if env.QUERY_STRING == "fail" then error("deliberate failure") end
          con:header("Content-Type", "text/plain")
          con:puts("fine ", calls)
        end
        """

    /// Writes, then calls os.exit: the request must end with what was written.
    static let exit = """
        function main(env, con)
          con:header("Content-Type", "text/plain")
          con:puts("before exit\\n")
          os.exit(3)
          con:puts("after exit\\n")
        end
        """

    /// Counts the handler's runs: `hits=<n>`.
    static let hits = """
        hits = 0
        function main(env, con)
          hits = hits + 1
          con:header("Content-Type", "text/plain")
          con:puts("hits=", hits)
        end
        """

    /// Parses the query string and the body with the luafcgid module and
    /// prints them as `GET a=1 b=x y` / `POST <body>` lines, plain text.
    static let params = """
        local lf = require "luafcgid"
        local function show(t)
          local keys = {}
          for k in pairs(t) do keys[#keys + 1] = k end
          table.sort(keys)
          local out = {}
          for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. tostring(t[k]) end
          return table.concat(out, " ")
        end
        function main(env, con)
          con:header("Content-Type", "text/plain")
          con:puts("GET ", show(lf.parse(env.QUERY_STRING or "")), "\\n")
          local body = con:gets()
          if body then con:puts("POST ", body, "\\n") end
        end
        """

    /// Replaces the default status and Content-Type, each exactly once.
    static let notFoundPage = """
        function main(env, con)
          con:header("Status", "404 Not Found")
          con:header("Content-Type", "text/plain")
          con:puts("custom 404")
        end
        """

    /// Touches `<DOCUMENT_ROOT>/<QUERY_STRING>.started` as it begins, so a test
    /// sees when the handler ran, then reads the body with `con:read(65536)`
    /// until nil. Prints `bytes=<n> lines=<newlines> tail=<its last 16 bytes>`.
    static let countBody = """
        function main(env, con)
          io.open(env.DOCUMENT_ROOT .. "/" .. env.QUERY_STRING .. ".started", "w"):close()
          local bytes, lines, tail = 0, 0, ""
          while true do
            local piece = con:read(65536)
            if not piece then break end
            bytes = bytes + #piece
            lines = lines + select(2, piece:gsub("\\n", ""))
            tail = (tail .. piece):sub(-16)
          end
          con:header("Content-Type", "text/plain")
          con:puts("bytes=", bytes, " lines=", lines, " tail=", tail)
        end
        """

    /// `?<n>` pieces of 64 KiB (256 without a query), piece `i` being `i` in
    /// eight digits and then `x`s: see `streamedPieces`. Meant for
    /// `buffering = false`, where each `con:puts` goes out as it is written.
    static let streamPieces = """
        local filler = string.rep("x", 65536 - 8)
        function main(env, con)
          con:header("Content-Type", "application/octet-stream")
          for i = 0, (tonumber(env.QUERY_STRING) or 256) - 1 do
            con:puts(string.format("%08d", i), filler)
          end
        end
        """

    /// What `streamPieces` sends for `count` pieces.
    static func streamedPieces(_ count: Int) -> String {
        let filler = String(repeating: "x", count: 65536 - 8)
        return (0..<count).map { String(repeating: "0", count: 8 - String($0).count) + String($0) + filler }.joined()
    }

    /// Holds its worker until the file `<DOCUMENT_ROOT>/release` exists
    /// (looking every 50 ms, for at most 30 s), then prints `released`.
    static let holdUntilReleased = """
        function main(env, con)
          local release = env.DOCUMENT_ROOT .. "/release"
          for _ = 1, 600 do
            local found = io.open(release)
            if found then found:close() break end
            io.popen("sleep 0.05"):close()
          end
          con:header("Content-Type", "text/plain")
          con:puts("released")
        end
        """

    /// One version of a script that `ReloadTests` rewrites.
    static func version(_ text: String) -> String {
        """
        function main(env, con)
          con:header("Content-Type", "text/plain")
          con:puts("\(text)")
        end
        """
    }
}
