-- bench "post" in nginx (ngx_lua): read the whole request body, answer with
-- its length. nginx.conf sets client_body_buffer_size above the 10 KB body,
-- so it stays in memory (get_body_data returns nil for a body in a file).
return function()
  ngx.req.read_body()
  local body = ngx.req.get_body_data() or ""
  ngx.header.content_type = "text/plain"
  ngx.print(#body, "\n")
end
