-- Globals persist across requests served by one Lua state. luafcgid may run
-- several states (clones) of this script; each has its own `count`.
--
-- The top-level chunk runs once per state: that is the script's
-- initialization. STATE_ANCHOR stays alive with the state, so its address
-- is a name for this state that no other live state shares.
STATE_ANCHOR = {}
local id = tostring(STATE_ANCHOR):match("0x%x+") or tostring(math.random(1, 1e9))
count = 0

function main(env, con)
  count = count + 1
  con:header("Content-Type", "text/plain")
  con:puts("state=", id, " count=", count, "\n")
end
