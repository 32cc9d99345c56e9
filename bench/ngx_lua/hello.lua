-- bench "hello" in nginx (ngx_lua): the smallest answer, a 14-byte body.
-- Each workload is a module returning its handler (nginx.conf calls
-- require(name)()), so module-level state lives as long as the worker.
return function()
  ngx.header.content_type = "text/plain"
  ngx.print("Hello, world!\n")
end
