-- /etc/luafcgid/config.lua: luafcgid's configuration for a server, as
-- `make install` puts it (only when no config is there yet). It matches the
-- systemd unit, the nginx snippets and the logrotate file next to it.
-- Every setting, with its default: luafcgid-config(5), or the commented
-- examples/config.lua. Check a change before `systemctl reload luafcgid`:
--
--   luafcgid /etc/luafcgid/config.lua --check

-- The FastCGI socket nginx's snippets pass to. /run/luafcgid is the unit's
-- RuntimeDirectory, owned by its User (www-data).
listen = "unix:/run/luafcgid/luafcgid.sock"

-- nginx runs as www-data, the unit's group: 0660 lets it connect.
socketmode = "0660"

-- Scripts run only from here (after symlinks are resolved).
roots = { "/var/www" }

-- Logs, in the unit's LogsDirectory; rotated by /etc/logrotate.d/luafcgid,
-- which finds the server through the pidfile and sends SIGUSR1.
logfile = "/var/log/luafcgid/luafcgid.log"
accesslog = "/var/log/luafcgid/access.log"
pidfile = "/run/luafcgid/luafcgid.pid"

-- Error details stay in the log, never on the page.
showerrors = false

-- Seconds a request's Lua code may run; also how long a stop waits for
-- running requests (keep the unit's TimeoutStopSec above it).
watchdog = 60

-- The built-in status page and health check (nginx: luafcgid-status.conf).
-- status = "/luafcgid-status"
-- ping = "/luafcgid-ping"
