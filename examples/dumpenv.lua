-- Dump the request: every env entry sorted by name, the GET parameters and,
-- for a POST, the body (parsed when it is form-encoded). Everything from the
-- request is HTML-escaped before it reaches the page.
local lf = require "luafcgid"

local function escape(s)
  return (tostring(s):gsub("[&<>\"']", {
    ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;",
  }))
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return keys
end

-- A repeated name parses to an array of its values.
local function show(v)
  if type(v) == "table" then return escape(table.concat(v, ", ")) end
  return escape(v)
end

local function table_rows(con, title, t)
  con:puts("<h2>", title, "</h2>\n<table>\n")
  for _, k in ipairs(sorted_keys(t)) do
    con:puts("<tr><th>", escape(k), "</th><td>", show(t[k]), "</td></tr>\n")
  end
  con:puts("</table>\n")
end

local function read_body(con)
  local parts = {}
  while true do
    local s = con:gets()
    if not s then break end
    parts[#parts + 1] = s
  end
  return table.concat(parts)
end

function main(env, con)
  con:puts("<!DOCTYPE html>\n<html><head><title>dumpenv</title></head><body>\n")
  table_rows(con, "Environment", env)
  table_rows(con, "GET parameters", lf.parse(env.QUERY_STRING or ""))

  if env.REQUEST_METHOD == "POST" then
    local body = read_body(con)
    con:puts("<p>Request body: ", #body, " bytes</p>\n")
    local ctype = env.CONTENT_TYPE or ""
    if ctype:find("application/x-www-form-urlencoded", 1, true) == 1 then
      table_rows(con, "POST parameters", lf.parse(body))
    else
      con:puts("<h2>POST body</h2>\n<pre>", escape(body), "</pre>\n")
    end
  end
  con:puts("</body></html>\n")
end
