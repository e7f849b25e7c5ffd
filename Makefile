# elevate's tasks. `make` (or `make help`) lists them.
.DEFAULT_GOAL := help

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PKG     := github.com/elevate/elevate/internal/cli
LDFLAGS := -s -w -X $(PKG).version=$(VERSION) -X $(PKG).commit=$(COMMIT) -X $(PKG).date=$(DATE)
FUZZTIME ?= 10s
IMAGE   ?= elevate:$(VERSION)
LINT    := go tool -modfile=tools/go.mod golangci-lint

.PHONY: help build test test-short lint vuln bench fuzz image clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## static binary ./elevate (CGO_ENABLED=0, version stamped)
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o elevate ./cmd/elevate
	./elevate version

test: ## every test (set ELEVATE_TEST_POSTGRES_URL for PostgreSQL)
	go test ./...

test-short: ## the tests without the long end-to-end runs
	go test -short ./...

lint: ## gofmt, go vet and golangci-lint (pinned in tools/go.mod)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	$(LINT) run ./...

vuln: ## govulncheck (pinned in tools/go.mod) against a database built offline, as CI does
	tmp=$$(mktemp -d) && (cd tools && go build -o "$$tmp/" golang.org/x/vuln/cmd/govulncheck) && .ci/vulncheck "$$tmp/govulncheck"

bench: ## Go benchmarks (BENCHMARKS.md has the figures and the programs in bench/)
	go test -run '^$$' -bench . -benchmem ./...

fuzz: ## run every fuzz target for FUZZTIME (default 10s) each
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
	  dir=$$(dirname $$f); \
	  for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
	    echo "== $$dir $$t"; go test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$dir; \
	  done; \
	done

image: ## container image (needs a Docker engine)
	docker build -t $(IMAGE) --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg DATE=$(DATE) .

clean: ## remove the built binary
	rm -f elevate
