-- bench "hello": the smallest answer, a 14-byte body.
function main(env, con)
  con:header("Content-Type", "text/plain")
  con:puts("Hello, world!\n")
end
