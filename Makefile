# Graylane: an xDS control plane for canary and grayscale releases.
# `make help` lists the targets.

GO        ?= go
BIN       ?= bin
CONFIG    ?= examples/graylane.yaml
ROLE      ?= grpc
BENCH     ?= .
BENCHTIME ?= 1s
COUNT     ?= 1

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the control plane into bin/xds
	$(GO) build -o $(BIN)/xds ./cmd/xds

.PHONY: run
run: build ## Serve examples/graylane.yaml on loopback (xDS :18000, admin :19000)
	$(BIN)/xds serve --config $(CONFIG) --log-format console

.PHONY: render
render: build ## Print what a role receives: make render ROLE=grpc|sidecar|edge
	$(BIN)/xds render --config $(CONFIG) --role $(ROLE)

.PHONY: validate
validate: build ## Check a configuration: make validate CONFIG=path
	$(BIN)/xds validate $(CONFIG)

.PHONY: test
test: ## Run every test with -race (what CI runs)
	$(GO) test -race -count=1 ./...

.PHONY: ci-deps
ci-deps: ## Install what the tests need on a fresh machine (CI runs it)
	@echo "nothing to install beyond Go modules"

.PHONY: golden
golden: ## Rewrite the translators' golden files after an intended change
	$(GO) test ./translators -run TestGolden -update

.PHONY: bench
bench: ## Run the benchmarks with -benchmem (BENCH=regexp BENCHTIME=1s COUNT=1)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) -count $(COUNT) ./translators ./snapshot ./pipeline

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: clean
clean: ## Remove build outputs
	rm -rf $(BIN)
