/// The Lua scripts the soak serves (`www/<name>`), one per kind of request.
///
/// The two that hit a limit are bounded on their own, so that on a server
/// without that limit they end (with a 200 the soak counts as unexpected)
/// instead of holding a worker or the machine's memory for good.
enum SoakScripts {
    static let hello = """
        function main(env, con)
          con:header("Content-Type", "text/plain")
          con:puts("Hello, world!\\n")
        end
        """
    static let helloBody = "Hello, world!\n"

    /// A counter of the state and a 50-row table: about 2.6 KB of HTML built
    /// with table.concat (the benchmark's page).
    static let page = """
        count = 0
        function main(env, con)
          count = count + 1
          local parts = { "<!DOCTYPE html>\\n<html><body>\\n<p>Request ", count, " of this state.</p>\\n<table>\\n" }
          for i = 1, 50 do
            parts[#parts + 1] = "<tr><td>" .. i .. "</td><td>item " .. i .. "</td><td>" .. i * i .. "</td></tr>\\n"
          end
          parts[#parts + 1] = "</table>\\n</body></html>\\n"
          con:puts(table.concat(parts))
        end
        """
    static let pageEnd = "</table>\n</body></html>\n"

    /// Reads the whole body and answers its length.
    static let post = """
        function main(env, con)
          local body = con:gets() or ""
          con:header("Content-Type", "text/plain")
          con:puts(#body, "\\n")
        end
        """

    /// An error in the handler after some output: 500, and the state is kept (SPEC §3.5).
    static let error = """
        function main(env, con)
          con:puts("partial output")
          error("soak: a handler error")
        end
        """

    /// Busy in Lua for 3 to 4 s of wall-clock time (`os.time` counts whole
    /// seconds): past `watchdog = 1`, which stops it after 1 s (504, state closed).
    static let watchdog = """
        function main(env, con)
          local stop = os.time() + 4
          while os.time() < stop do end
          con:puts("not stopped by the watchdog")
        end
        """

    /// Holds 64 MiB of strings, 64 KiB each: past `memory = 16`, which stops
    /// it at 16 MiB (500, state closed). Each string is a copy of one block
    /// made once: `string.rep` of one character costs a call per byte.
    static let memory = """
        function main(env, con)
          local block = string.rep("0123456789abcdef", 4096)
          local held = {}
          for i = 1, 1024 do held[i] = block .. i end
          con:puts("not capped: ", #held, " strings of 64 KiB held")
        end
        """

    /// Reads the body, then answers its length and `slowPayload`: enough for
    /// nginx to spill it to a temporary file while the client reads slowly.
    static let slow = """
        function main(env, con)
          local body = con:gets() or ""
          con:header("Content-Type", "application/octet-stream")
          con:puts(#body, "\\n", string.rep("0123456789abcdef", \(slowPayloadBytes / 16)))
        end
        """
    static let slowPayloadBytes = 128 * 1024
    static var slowPayload: String { String(repeating: "0123456789abcdef", count: slowPayloadBytes / 16) }
}
