-- bench "page": a counter of this Lua state plus a 50-row table, about
-- 2.6 KB of HTML built with table.concat. Same bytes as bench/php/page.php,
-- bench/ngx_lua/page.lua and null's page.
count = 0

function main(env, con)
  count = count + 1
  local parts = {
    "<!DOCTYPE html>\n",
    "<html><head><title>luafcgid bench</title></head><body>\n",
    "<h1>Squares</h1>\n",
    "<p>Request ", count, " of this process.</p>\n",
    "<table>\n",
    "<tr><th>n</th><th>name</th><th>square</th></tr>\n",
  }
  for i = 1, 50 do
    parts[#parts + 1] = "<tr><td>" .. i .. "</td><td>item " .. i .. "</td><td>" .. i * i .. "</td></tr>\n"
  end
  parts[#parts + 1] = "</table>\n</body></html>\n"
  con:header("Content-Type", "text/html")
  con:puts(table.concat(parts))
end
