-- luafcgid configuration: a Lua 5.4 script run once at start-up; the server
-- reads the globals below afterwards. Arithmetic works (states = workers * 2).
-- Unknown globals are ignored with a warning; a wrong type stops the server
-- (exit 2). Check a file with:  luafcgid examples/config.lua --check
--
-- Every setting is listed with its default. Commented-out lines ARE the
-- default; the few set here are the development choices of `make run`.
-- Settings marked (later) are read and validated but have no effect yet
-- (see README.md, "Status").

-- Where to listen: a string or an array of strings.
--   "/path.sock" or "unix:/path.sock"  unix socket
--   "host:port", ":port", "[::1]:port" TCP
--   "http://host:port"                 built-in HTTP/1.1 listener (development)
-- `make run` passes --listen flags, which override this.
-- listen = "127.0.0.1:9000"
-- listen = { "unix:/tmp/luafcgid.sock", "http://127.0.0.1:8080" }

-- Worker threads: the most requests whose Lua code runs at once.
-- workers = <number of CPU cores>

-- The most Lua states alive at once (raised to `workers` if lower).
-- states = workers * 2

-- The most states holding one and the same script.
-- clones = states

-- Housekeeping period, ms: states whose script file changed are closed.
-- sweep = 1000

-- Accepted for compatibility with the original luafcgid; ignored.
-- retries = 1

-- Put error details (message + traceback) into 500 pages. Errors are always
-- logged. Default false; true here because this is a development config.
showerrors = true

-- Collect the body and send it when the handler returns (with
-- Content-Length); false sends each con:puts as it comes.
-- buffering = true

-- Initial buffer sizes: accepted for compatibility, hints only.
-- headersize = 64
-- bodysize = 1024

-- Extra raw header lines for every response.
-- headers = ""
headers = "X-Powered-By: luafcgid\r\n"

-- Name of the global function called per request: main(env, con).
-- handler = "main"

-- Default status and Content-Type of every response.
-- httpstatus = "200 OK"
-- contenttype = "text/html"

-- Largest request body accepted, bytes; past it: 413.
-- maxpost = 1048576

-- Requests a state serves before it is closed and rebuilt (its chunk runs
-- again); 0 = never.
-- maxcount = 0

-- Log file; default: standard error. SIGUSR1 opens it again by name (logrotate).
-- logfile = "/var/log/luafcgid.log"

-- File the process ID is written to once the listeners are bound (removed at
-- exit), for `kill -HUP` / `kill -USR1` from logrotate and scripts.
-- pidfile = "/run/luafcgid/luafcgid.pid"

-- Listen backlog.
-- backlog = 128

-- Seconds a request's Lua code may run, the chunk of a new state included:
-- past it the code is stopped, the client gets 504 and the state is closed.
-- Also bounds waiting for a worker, for a body and for a slow client.
-- 0 = no limit.
-- watchdog = 60

-- MiB a single Lua state may hold: past it the request gets 500 and the
-- state is closed. 0 = no limit.
-- memory = 64

-- File name endings that may be run; others get 403.
-- extensions = { ".lua" }

-- If non-empty, scripts must resolve (after symlinks) inside one of these.
-- roots = {}
-- roots = { "/srv/www" }

-- Lua file run in every new state before the page script: shared helpers,
-- package.path set-up. Its globals are the script's. A relative path is taken
-- from this file's directory. When it changes, states reload; any error in it
-- is a 500 naming it (shown on the page with showerrors). None by default.
-- preload = "/srv/www/lib/preload.lua"

-- Request path (SCRIPT_NAME, else DOCUMENT_URI) answered by the built-in
-- status page: JSON, or Prometheus text with ?format=prometheus. Answered at
-- once, also while every worker is busy; give it its own nginx location and
-- keep it private (allow/deny). See docs/status.md.
-- status = "/luafcgid-status"

-- Request path answered with "200 pong" (text/plain) without touching the
-- script pool, also while every worker is busy: for health checks.
-- ping = "/luafcgid-ping"

-- Permission bits of unix sockets luafcgid creates.
-- socketmode = "0660"

-- Requests that may wait for a worker; past it: 503 at once.
-- queue = 1024

-- MiB for the shared key/value store (require("luafcgid").shared), one for
-- every state; when full, least recently used entries go. A reload resizes it.
-- shared = 16

-- (later) TCP clients (addresses or CIDR ranges) allowed to connect; {} = any.
-- allow = {}
-- allow = { "127.0.0.1", "10.0.0.0/8" }

-- Per-request access log, one line each:
--   2026-12-02T17:00:00.123Z GET /srv/www/hello.lua 200 12 0.850
--   time (UTC), method, script (or the request path), status, body bytes, ms.
-- Reopened on SIGUSR1 (logrotate). See docs/status.md.
-- accesslog = "/var/log/luafcgid-access.log"

-- Log a request running longer than this many seconds (fractions too), once,
-- as a WARNING with a Lua traceback of where it is, taken inside the VM (no
-- ptrace, unlike php-fpm). Time spent in one long C call is logged when the
-- request ends, without a traceback. Turns on the count hook, which makes
-- debug.sethook unavailable. 0 = off.
-- slowlog = 0
