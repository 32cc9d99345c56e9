/// The Lua source of `require "luafcgid"` (SPEC §4.3): `urlencode`, `urldecode`,
/// `parse` and `serialize`.
///
/// Written in Lua so script authors can read and patch it. The engine compiles it
/// as a chunk named `=luafcgid` and installs it in `package.preload["luafcgid"]`;
/// running the chunk returns the module table. It only uses the `string`, `math`
/// and `table` libraries and never prints.
enum LuafcgidModuleSource {
    /// Lua source returning the module table.
    static let source: String = #"""
    local M = {}

    local format, gsub, byte, char = string.format, string.gsub, string.byte, string.char

    --- `s` with space as `+`, ASCII letters and digits as they are, any other byte as `%XX`.
    function M.urlencode(s)
      if s == nil then return nil end
      s = gsub(s, "[^A-Za-z0-9 ]", function(c) return format("%%%02X", byte(c)) end)
      return (gsub(s, " ", "+"))
    end

    --- `s` with `+` as space and `%XX` as that byte; a `%` not followed by two hex digits stays.
    function M.urldecode(s)
      if s == nil then return nil end
      s = gsub(s, "%+", " ")
      return (gsub(s, "%%(%x%x)", function(h) return char(tonumber(h, 16)) end))
    end

    --- An `application/x-www-form-urlencoded` string as a table name -> value.
    -- Pairs are split on `&` or `;`, then on the first `=`; a name without `=` gets "".
    -- A repeated name gets the array of its values, in order.
    function M.parse(s)
      local t = {}
      if s == nil then return t end
      for piece in string.gmatch(s, "[^&;]+") do
        local name, value = piece, ""
        local eq = string.find(piece, "=", 1, true)
        if eq then name, value = piece:sub(1, eq - 1), piece:sub(eq + 1) end
        name, value = M.urldecode(name), M.urldecode(value)
        local old = t[name]
        if old == nil then
          t[name] = value
        elseif type(old) == "table" then
          old[#old + 1] = value
        else
          t[name] = { old, value }
        end
      end
      return t
    end

    local keywords = {}
    for w in string.gmatch([[and break do else elseif end false for function goto if in
      local nil not or repeat return then true until while]], "%a+") do keywords[w] = true end

    -- Keys of different types sort by type name, then by value (false before true).
    local function lessKey(a, b)
      local ta, tb = type(a), type(b)
      if ta ~= tb then return ta < tb end
      if ta == "boolean" then return not a and b end
      return a < b
    end

    local function serialize(v, open)
      local tv = type(v)
      if tv == "nil" or tv == "boolean" then
        return tostring(v)
      elseif math.type(v) == "integer" then
        -- -9223372036854775808 would read back as a float; a hex literal wraps around.
        return v == math.mininteger and "0x8000000000000000" or format("%d", v)
      elseif tv == "number" then
        if v ~= v then return "0/0" end
        if v == math.huge then return "1/0" end
        if v == -math.huge then return "-1/0" end
        local s
        for digits = 15, 17 do  -- the shortest that reads back as the same number
          s = format("%." .. digits .. "g", v)
          if tonumber(s) == v then break end
        end
        return s:find("[.eE]") and s or s .. ".0"  -- keep it a float
      elseif tv == "string" then
        -- %q, kept on one line and in ASCII: a newline as \n, bytes above 127 as \ddd.
        return (format("%q", v):gsub("\\\n", "\\n"):gsub("[\128-\255]", function(c)
          return format("\\%03d", byte(c))
        end))
      elseif tv == "table" then
        if open[v] then error("luafcgid.serialize: table cycle", 0) end
        open[v] = true
        local items, n = {}, 0
        while rawget(v, n + 1) ~= nil do
          n = n + 1
          items[n] = serialize(rawget(v, n), open)
        end
        local keys = {}
        for k in next, v do
          if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
        end
        table.sort(keys, lessKey)
        for _, k in ipairs(keys) do
          local key = type(k) == "string" and k:match("^[A-Za-z_][A-Za-z0-9_]*$") and not keywords[k]
            and k or "[" .. serialize(k, open) .. "]"
          items[#items + 1] = key .. " = " .. serialize(rawget(v, k), open)
        end
        open[v] = nil
        return "{" .. table.concat(items, ", ") .. "}"
      end
      error("luafcgid.serialize: cannot serialize a " .. tv .. " value", 0)
    end

    --- A Lua literal for `v` (nil, boolean, number, string, or a table of those
    -- without cycles) that `load("return " .. s)` turns back into an equal value.
    function M.serialize(v)
      return serialize(v, {})
    end

    return M
    """#
}
