-- The smallest page: main(env, con) is called for every request.
function main(env, con)
  con:header("Content-Type", "text/plain")
  con:puts("Hello from luafcgid (", _VERSION, ")\n")
end
