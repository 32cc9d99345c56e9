# luafcgid: the two commands for a fresh Debian machine are `make run` and `make test`.

SWIFT    ?= swift
BOOTSTRAP = scripts/bootstrap
RUNDIR    = $(CURDIR)/run
SOCKET    = $(RUNDIR)/luafcgid.sock
HTTP      = 127.0.0.1:8080

.PHONY: all bootstrap build release run test soak lint fuzz bench install install-files uninstall clean

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

# Installation (docs/deploy.md, "Installing"): `make install` builds the release binary and
# installs it with its man pages, examples and contrib/ files; `make install-files` installs
# BINARY (default: the release build) without building anything, e.g.
#   make install-files PREFIX=/tmp/x/usr SYSCONFDIR=/tmp/x/etc BINARY=.build/debug/luafcgid
# Packagers: `make install PREFIX=/usr DESTDIR=debian/luafcgid`. DESTDIR prefixes every path,
# SYSCONFDIR (/etc whatever the PREFIX, as the systemd unit expects) included: the default
# config is part of the package; it is installed only where none exists yet, so an
# operator's config survives a reinstall. The systemd unit is written with these paths.
PREFIX         ?= /usr/local
DESTDIR        ?=
SYSCONFDIR     ?= /etc
BINDIR          = $(PREFIX)/bin
MANDIR          = $(PREFIX)/share/man
DATADIR         = $(PREFIX)/share/luafcgid
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BINARY         ?= .build/release/luafcgid

EXAMPLES = hello.lua counter.lua dumpenv.lua form.lua config.lua
CONTRIB  = config.lua logrotate/luafcgid nginx/luafcgid.conf \
           nginx/luafcgid-upstream.conf nginx/luafcgid-keepalive.conf nginx/luafcgid-status.conf

install: release
	$(MAKE) install-files BINARY=.build/release/luafcgid

install-files:
	@test -x "$(BINARY)" || { echo "make: no luafcgid binary at $(BINARY): run make release (or make install)" >&2; exit 1; }
	install -D -m 0755 "$(BINARY)" "$(DESTDIR)$(BINDIR)/luafcgid"
	install -D -m 0644 man/luafcgid.1 "$(DESTDIR)$(MANDIR)/man1/luafcgid.1"
	install -D -m 0644 man/luafcgid-config.5 "$(DESTDIR)$(MANDIR)/man5/luafcgid-config.5"
	for file in $(EXAMPLES); do \
		install -D -m 0644 "examples/$$file" "$(DESTDIR)$(DATADIR)/examples/$$file" || exit 1; \
	done
	for file in $(CONTRIB); do \
		install -D -m 0644 "contrib/$$file" "$(DESTDIR)$(DATADIR)/contrib/$$file" || exit 1; \
	done
	for dir in "$(DESTDIR)$(DATADIR)/contrib/systemd" "$(DESTDIR)$(SYSTEMDUNITDIR)"; do \
		install -d "$$dir" && \
		sed -e 's|/usr/local/bin/luafcgid|$(BINDIR)/luafcgid|' -e 's|/etc/luafcgid/|$(SYSCONFDIR)/luafcgid/|' \
			contrib/systemd/luafcgid.service > "$$dir/luafcgid.service" && \
		chmod 0644 "$$dir/luafcgid.service" || exit 1; \
	done
	@if [ -e "$(DESTDIR)$(SYSCONFDIR)/luafcgid/config.lua" ]; then \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/luafcgid/config.lua (the new default is $(DESTDIR)$(DATADIR)/contrib/config.lua)"; \
	else \
		echo install -D -m 0644 contrib/config.lua "$(DESTDIR)$(SYSCONFDIR)/luafcgid/config.lua"; \
		install -D -m 0644 contrib/config.lua "$(DESTDIR)$(SYSCONFDIR)/luafcgid/config.lua"; \
	fi

# Removes what install-files installed, except the config in SYSCONFDIR (it may hold local changes).
uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/luafcgid" "$(DESTDIR)$(MANDIR)/man1/luafcgid.1" \
		"$(DESTDIR)$(MANDIR)/man5/luafcgid-config.5" "$(DESTDIR)$(SYSTEMDUNITDIR)/luafcgid.service"
	rm -rf "$(DESTDIR)$(DATADIR)"

clean:
	$(SWIFT) package clean
	rm -rf $(RUNDIR) .build/bench Fuzz/.build
