-- wrk script of the "post" workload: every request a POST with a 10 KB body.
-- application/octet-stream keeps PHP from parsing it as a form.
wrk.method = "POST"
wrk.body = string.rep("x", 10240)
wrk.headers["Content-Type"] = "application/octet-stream"
