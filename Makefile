# DriftDB build, test and check targets. `make help` lists them.

GO          ?= go
GOBIN       ?= $(shell $(GO) env GOPATH)/bin
STATICCHECK ?= $(GOBIN)/staticcheck
STATICCHECK_VERSION ?= v0.8.2
# Packages with concurrency run under the race detector (and only there,
# in make test); the others run once without it. Benchmarks live in the
# storage layers and the statement path.
RACE_DIRS   ?= store engine sql pgwire integration
BENCH_DIRS  ?= store engine sql
existing     = $(foreach d,$(1),$(if $(wildcard $(d)),./$(d)/...))
empty       :=
space       := $(empty) $(empty)
PLAIN_PKGS   = $(shell $(GO) list ./... | grep -v -E '/($(subst $(space),|,$(strip $(RACE_DIRS))))(/|$$)')
# Fuzzing budget per target, as a count of runs: with a duration, Go 1.26's
# fuzzing coordinator can report a spurious "context deadline exceeded"
# failure when the time runs out on a busy machine (go.dev/issue/75804); a
# count has no deadline to race.
FUZZTIME    ?= 200000x

.PHONY: help build test test-short race torture fuzz bench bench-pg fmt lint ci clean demo run

help:
	@echo "make run         run driftdb-pg on ./driftdb-data, listening on 127.0.0.1:5433"
	@echo "make demo        the 60-second demo: writes, a patch, a soft delete, time travel, history, snapshot, compaction"
	@echo "make build       build every package; binaries into ./bin"
	@echo "make test        unit, crash and integration tests (short runs, race detector), fuzz seed corpora"
	@echo "make fuzz        run every fuzz target for FUZZTIME new inputs; commit what it finds into testdata/fuzz"
	@echo "make torture     the long runs: crash tests at every file operation over many seeds, kill loops, soaks"
	@echo "make bench       benchmarks (store, engine, statements)"
	@echo "make bench-pg    race driftdb-pg against a throwaway PostgreSQL 15 with pgbench (about 10 minutes)"
	@echo "make fmt         gofmt the tree"
	@echo "make lint        gofmt check, go vet, staticcheck"
	@echo "make ci          lint + test"

build:
	$(GO) build ./...
	@mkdir -p bin
	@if [ -d cmd ]; then $(GO) build -o bin/ ./cmd/...; fi

# The short runs of every test: packages with concurrency under the race
# detector, the others without. The long runs are make torture's.
test: build
	$(GO) test -count=1 -short $(PLAIN_PKGS)
	cd bench && $(GO) test -count=1 ./...
	$(MAKE) race

test-short:
	$(GO) test -count=1 -short ./...

race:
	$(GO) test -count=1 -race -short $(call existing,$(RACE_DIRS))

# The long runs: every test at full length (the crash tests on the memory
# file system over 8 seeds of 600 steps and at every write, the SIGKILL
# loops 50 rounds, the model over 3 seeds, a 5 s disk stall). A crash test
# that fails names its seed: DRIFTDB_CRASH_SEED=n replays it.
TORTURE_TIMEOUT ?= 2h
torture: build
	DRIFTDB_TORTURE=1 $(GO) test -count=1 -timeout $(TORTURE_TIMEOUT) ./...

# Fuzzes every target for FUZZTIME new inputs, starting from its committed
# seed corpus. make test runs only the seed corpora (every go test does), so
# that its result depends on the tree and not on what a random search
# happens to try; a failing input this finds is written under testdata/fuzz
# and, once fixed, committed there, where every later make test replays it.
fuzz:
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for fn in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | sed 's/func //'); do \
			echo "fuzz $$dir $$fn $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(call existing,$(BENCH_DIRS))

# DriftDB against PostgreSQL 15 on this machine; BENCH_PG_FLAGS=-T 3s
# -bulk 100000 -history 2 for a quick look. Results in bench/results/.
BENCH_PG_FLAGS ?=
# bench/ is a module of its own, so that what the race needs (a chart
# library) stays out of the server's go.mod.
bench-pg: build
	cd bench && $(GO) build -o ../bin/pgrace ./pgrace
	./bin/pgrace $(BENCH_PG_FLAGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	cd bench && $(GO) vet ./... && $(STATICCHECK) ./...

ci: lint test

clean:
	rm -rf bin

run: build
	./bin/driftdb-pg

# The 60-second demo, on a throwaway data directory.
DEMO_DIR ?= $(shell mktemp -d)/demo
DEMO = ./bin/driftdb
demo: build
	@set -e; d=$(DEMO_DIR); echo "# data directory: $$d"; \
	run() { echo; echo "\$$ driftdb $$*"; $(DEMO) "$$@"; }; \
	run init $$d; \
	run sql -d $$d -e 'CREATE TABLE orders (pk=id, INDEX(status, customer_id))'; \
	run sql -d $$d -e 'INSERT INTO orders {"id": "order1", "status": "pending", "amount": 100, "customer_id": "cust1"}'; \
	run sql -d $$d -e 'INSERT INTO orders {"id": "order2", "status": "pending", "amount": 250, "customer_id": "cust2"}'; \
	sleep 1.1; before=$$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ); sleep 0.1; \
	run sql -d $$d -e 'PATCH orders KEY "order1" SET {"status": "paid"}'; \
	run sql -d $$d -e 'SOFT DELETE FROM orders KEY "order2"'; \
	run select -d $$d --table orders; \
	run select -d $$d --table orders --where 'status="paid"'; \
	echo; echo "# time travel by seq: the state after the first two inserts"; \
	run select -d $$d --table orders --as-of "@seq:2"; \
	echo; echo "# time travel by time: $$before, before the patch"; \
	run select -d $$d --table orders --as-of "$$before"; \
	run drift -d $$d --table orders --key order1; \
	run drift -d $$d --table orders --key order2; \
	run snapshot -d $$d --table orders; \
	run compact -d $$d --table orders; \
	run compact -d $$d --table orders --before "@seq:3"; \
	run select -d $$d --table orders --as-of "@seq:3"; \
	echo; echo "# before the horizon, history is folded away:"; \
	$(DEMO) select -d $$d --table orders --as-of "@seq:1" || true; \
	run verify -d $$d
