# luafcgid: the two commands for a fresh Debian machine are `make run` and `make test`.

SWIFT    ?= swift
BOOTSTRAP = scripts/bootstrap
RUNDIR    = $(CURDIR)/run
SOCKET    = $(RUNDIR)/luafcgid.sock
HTTP      = 127.0.0.1:8080

.PHONY: all bootstrap build release run test soak lint fuzz bench clean

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
# One test at a time: many tests time the server against their own bounds, and on a
# 2-core machine the heavy ones (100 MB uploads, 1000 connections) would starve them.
test: lint build
	$(SWIFT) test --no-parallel

# The soak (docs/TESTING.md): luafcgid behind a private nginx, 64 wrk connections over a
# mix of answers (200, 404, 413, 500, 504, a slow client) for SOAK_SECONDS; it checks that
# every answer has its expected status, no socket errors, RSS growth under 32 MiB, and
# normal answers afterwards. `make test` runs 30 seconds of it on the debug build; this
# runs it on the release build, the one users run: e.g. `make soak SOAK_SECONDS=3600`,
# or `make soak SOAK_WORKLOADS=hello,page,slow` for some workloads only.
SOAK_SECONDS   ?= 300
SOAK_WORKLOADS ?=

soak: bootstrap
	$(SWIFT) build -c release --product luafcgid
	LUAFCGID_BINARY=$(CURDIR)/.build/release/luafcgid LUAFCGID_SOAK_SECONDS=$(SOAK_SECONDS) \
		LUAFCGID_SOAK_WORKLOADS=$(SOAK_WORKLOADS) $(SWIFT) test --filter SoakTests

# libFuzzer over the FastCGI decoder, name-value parser and state machine (docs/TESTING.md,
# "Fuzzing"); `make test` never runs it. FUZZ_SECONDS is per target (three targets).
# Fails on any crash or broken invariant. `make fuzz FUZZ_TARGETS=FuzzNameValuePair` runs one;
# FUZZ_FLAGS adds libFuzzer flags (e.g. -use_value_profile=1).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_FLAGS ?=

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_FLAGS="$(FUZZ_FLAGS)" scripts/fuzz $(FUZZ_TARGETS)

# Benchmarks are not tests: `make test` never runs this. Results go into
# docs/PERFORMANCE.md; e.g. `make bench BENCHFLAGS=--quick` for a smoke run,
# `make bench BENCHFLAGS=--help` for the options.
BENCHFLAGS ?=

# bench/null.c is the FastCGI ceiling the benchmark compares with.
bench:
	@$(BOOTSTRAP) --bench
	$(SWIFT) build -c release --product luafcgid
	$(SWIFT) build -c release --product luafcgid-load
	$(SWIFT) build -c release --product luafcgid-bench
	@mkdir -p .build/bench
	$(CC) -O2 -Wall -Wextra -o .build/bench/null bench/null.c -lfcgi -lpthread
	.build/release/luafcgid-bench $(BENCHFLAGS)

clean:
	$(SWIFT) package clean
	rm -rf $(RUNDIR) .build/bench Fuzz/.build
