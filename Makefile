# DriftDB build, test and check targets. `make help` lists them.

GO          ?= go
GOBIN       ?= $(shell $(GO) env GOPATH)/bin
STATICCHECK ?= $(GOBIN)/staticcheck
STATICCHECK_VERSION ?= v0.8.2
# Packages with concurrency run under the race detector too; benchmarks
# live in the storage layers.
RACE_DIRS   ?= store engine pgwire integration
BENCH_DIRS  ?= store engine
existing     = $(foreach d,$(1),$(if $(wildcard $(d)),./$(d)/...))
FUZZTIME    ?= 10s

.PHONY: help build test test-short race fuzz-short bench fmt lint ci clean

help:
	@echo "make build       build every package; binaries into ./bin"
	@echo "make test        unit, crash and integration tests, race detector, short fuzzing"
	@echo "make bench       benchmarks (store, engine)"
	@echo "make fmt         gofmt the tree"
	@echo "make lint        gofmt check, go vet, staticcheck"
	@echo "make ci          lint + test"

build:
	$(GO) build ./...
	@mkdir -p bin
	@if [ -d cmd ]; then $(GO) build -o bin/ ./cmd/...; fi

test: build
	$(GO) test -count=1 ./...
	$(MAKE) race
	$(MAKE) fuzz-short

test-short:
	$(GO) test -count=1 -short ./...

race:
	$(GO) test -count=1 -race -short $(call existing,$(RACE_DIRS))

# Runs every fuzz target briefly, from its committed seed corpus.
fuzz-short:
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for fn in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | sed 's/func //'); do \
			echo "fuzz $$dir $$fn $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(call existing,$(BENCH_DIRS))

fmt:
	gofmt -w $$(git ls-files '*.go')

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

ci: lint test

clean:
	rm -rf bin
