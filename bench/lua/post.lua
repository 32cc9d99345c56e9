-- bench "post": read the whole request body, answer with its length.
function main(env, con)
  local body = con:gets() or ""
  con:header("Content-Type", "text/plain")
  con:puts(#body, "\n")
end
