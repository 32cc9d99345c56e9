-- GET shows a form; POST shows the submitted fields, escaped.
local lf = require "luafcgid"

local function escape(s)
  return (tostring(s):gsub("[&<>\"']", {
    ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;",
  }))
end

local function page(con, title, inner)
  con:puts("<!DOCTYPE html>\n<html><head><title>", title, "</title></head><body>\n",
           inner, "</body></html>\n")
end

local form = [[
<form method="post">
  <p><label>Name <input name="name"></label></p>
  <p><label>Comment <textarea name="comment"></textarea></label></p>
  <p><button type="submit">Send</button></p>
</form>
]]

function main(env, con)
  if env.REQUEST_METHOD ~= "POST" then
    return page(con, "form", form)
  end

  local body = con:gets() or ""
  local fields = lf.parse(body)
  local names = {}
  for k in pairs(fields) do names[#names + 1] = k end
  table.sort(names)

  local out = { "<h1>You sent</h1>\n<dl>\n" }
  for _, k in ipairs(names) do
    local v = fields[k]
    if type(v) == "table" then v = table.concat(v, ", ") end
    out[#out + 1] = "<dt>" .. escape(k) .. "</dt><dd>" .. escape(v) .. "</dd>\n"
  end
  out[#out + 1] = "</dl>\n<p><a href=\"\">Again</a></p>\n"
  page(con, "form", table.concat(out))
end
