/// One kind of request of the soak, sent by a wrk process of its own over
/// `connections` keep-alive connections to nginx's TCP port, each answer
/// checked against `expectedStatus` (and `bodyCheck`) by wrk's Lua.
struct SoakWorkload {
    /// What an answer with the expected status must also carry.
    enum BodyCheck {
        case none
        case exact(String)
        case contains(String)
    }

    let name: String
    /// The path on nginx, e.g. `/kept/hello.lua` (see `NginxServer.keptPrefix`).
    let path: String
    let connections: Int
    let expectedStatus: Int
    var bodyCheck: BodyCheck = .none
    /// A POST body of that many bytes, `application/octet-stream`; nginx
    /// collects it and passes it on with its CONTENT_LENGTH. 0: a GET.
    var bodyBytes = 0
    /// wrk's `delay()`: each connection waits that long before each request.
    var pauseMilliseconds = 0
}

extension SoakWorkload {
    /// The wrk script: the request's shape and the expectation as globals,
    /// then `countingScript`, which uses them.
    var wrkScript: String {
        var lines: [String] = []
        if bodyBytes > 0 {
            lines += [
                "wrk.method = \"POST\"",
                "wrk.body = string.rep(\"x\", \(bodyBytes))",
                "wrk.headers[\"Content-Type\"] = \"application/octet-stream\"",
            ]
        }
        lines.append("expected_status = \(expectedStatus)")
        switch bodyCheck {
        case .none: break
        case .exact(let body): lines += ["expected_body = \(Self.luaString(body))", "body_match = \"exact\""]
        case .contains(let text): lines += ["expected_body = \(Self.luaString(text))", "body_match = \"contains\""]
        }
        if pauseMilliseconds > 0 {
            lines.append("function delay() return \(pauseMilliseconds) end")
        }
        return lines.joined(separator: "\n") + "\n" + Self.countingScript
    }

    /// A Lua string literal of `text` (wrk runs LuaJIT: Lua 5.1 escapes).
    static func luaString(_ text: String) -> String {
        var literal = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": literal += "\\\\"
            case "\"": literal += "\\\""
            case "\n": literal += "\\n"
            case "\r": literal += "\\r"
            default: literal.unicodeScalars.append(scalar)
            }
        }
        return literal + "\""
    }

    /// Counts, per wrk thread, the answers and the unexpected ones by kind
    /// (`503`, or `200+body` for the right status with the wrong body); `done`
    /// adds the threads up (`setup` keeps each thread, `thread:get` copies its
    /// globals out) and prints one `soak-result` line of `key=value` fields,
    /// with wrk's socket error counts. wrk's own "Non-2xx" count says nothing
    /// here: 404, 413, 500 and 504 are what some workloads expect.
    static let countingScript = """
        local threads = {}

        function setup(thread)
          threads[#threads + 1] = thread
        end

        function init(args)
          responses = 0
          unexpected = 0
          wrong = {}
        end

        function response(status, headers, body)
          responses = responses + 1
          local kind = nil
          if status ~= expected_status then
            kind = tostring(status)
          elseif expected_body ~= nil then
            local matches
            if body_match == "exact" then
              matches = body == expected_body
            else
              matches = body ~= nil and string.find(body, expected_body, 1, true) ~= nil
            end
            if not matches then kind = status .. "+body" end
          end
          if kind ~= nil then
            unexpected = unexpected + 1
            wrong[kind] = (wrong[kind] or 0) + 1
          end
        end

        function done(summary, latency, requests)
          local answered, unexpected_total, kinds = 0, 0, {}
          for _, thread in ipairs(threads) do
            answered = answered + thread:get("responses")
            unexpected_total = unexpected_total + thread:get("unexpected")
            for kind, count in pairs(thread:get("wrong")) do
              kinds[kind] = (kinds[kind] or 0) + count
            end
          end
          local listed = {}
          for kind, count in pairs(kinds) do listed[#listed + 1] = kind .. ":" .. count end
          table.sort(listed)
          local errors = summary.errors
          io.write(string.format(
            "soak-result requests=%d responses=%d unexpected=%d wrong=%s connect=%d read=%d write=%d timeout=%d p99us=%d maxus=%d\\n",
            summary.requests, answered, unexpected_total, #listed > 0 and table.concat(listed, ",") or "-",
            errors.connect, errors.read, errors.write, errors.timeout,
            latency:percentile(99), latency.max))
        end
        """
}
