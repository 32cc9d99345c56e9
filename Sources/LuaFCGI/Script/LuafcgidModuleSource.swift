// TEMPORARY: replaced by the real module source from the `lua` branch.
enum LuafcgidModuleSource {
    static let source: String = #"""
    local M = {}
    function M.urlencode(s) return (s:gsub("[^%w ]", function(c) return string.format("%%%02X", c:byte()) end):gsub(" ", "+")) end
    return M
    """#
}
