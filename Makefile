# luafcgid: the two commands for a fresh Debian machine are `make run` and `make test`.

SWIFT    ?= swift
BOOTSTRAP = scripts/bootstrap
RUNDIR    = $(CURDIR)/run
SOCKET    = $(RUNDIR)/luafcgid.sock
HTTP      = 127.0.0.1:8080

.PHONY: all bootstrap build release run test lint clean

all: build

bootstrap:
	@$(BOOTSTRAP)

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

# Serve examples/ on a unix socket (for nginx) and on a built-in HTTP listener.
run: release
	@mkdir -p $(RUNDIR)
	@echo "luafcgid: FastCGI on unix:$(SOCKET)"
	@echo "luafcgid: HTTP    on http://$(HTTP)"
	@echo "try:  curl 'http://$(HTTP)/hello.lua'"
	@echo "      curl 'http://$(HTTP)/dumpenv.lua?name=Lua&x=1'"
	@echo "      curl -d 'a=1&b=two+words' 'http://$(HTTP)/dumpenv.lua'"
	@echo "      SCRIPT_FILENAME=$(CURDIR)/examples/hello.lua REQUEST_METHOD=GET cgi-fcgi -bind -connect $(SOCKET)"
	exec $(CURDIR)/.build/release/luafcgid examples/config.lua \
		--listen unix:$(SOCKET) --listen http://$(HTTP) --root $(CURDIR)/examples

# Swift must never raise a Lua error (docs/ARCHITECTURE.md, the Lua/Swift boundary).
lint:
	@scripts/check-lua-boundary

# The end-to-end tests start .build/debug/luafcgid, so the debug build comes first.
test: lint build
	$(SWIFT) test

clean:
	$(SWIFT) package clean
	rm -rf $(RUNDIR)
