# Graylane: an xDS control plane for canary and grayscale releases.
# `make help` lists the targets.

GO        ?= go
BIN       ?= bin
CONFIG    ?= examples/graylane.yaml
ROLE      ?= grpc
BENCH     ?= .
CLIENTS   ?= 1000
SERVICES  ?= 100
LOAD_ARGS ?=
BENCHTIME ?= 1s
COUNT     ?= 1
# Envoy's messages come with encoders generated for each of them behind
# the vtprotobuf build tag; the snapshot encodes every resource it
# versions with them, several times faster than protobuf-go.
TAGS      := vtprotobuf
FILTER    := cmd/wasm-filter
LANEGRPC  := lanegrpc
WASM      := $(BIN)/lane-filter.wasm

# controller-gen generates the CRDs and deepcopy code of api/; a test checks
# the committed files against this version's output.
CONTROLLER_GEN_VERSION ?= v0.23.0
CONTROLLER_GEN         ?= $(GO) run sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the control plane into bin/xds
	$(GO) build -tags $(TAGS) -o $(BIN)/xds ./cmd/xds

.PHONY: run
run: build wasm ## Serve examples/graylane.yaml on loopback (xDS :18000, admin :19000, lane filter :18002)
	$(BIN)/xds serve --config $(CONFIG) --log-format console --lane-filter-module $(WASM)

.PHONY: certs
certs: build ## Write a development CA and xDS certificates into certs/ (server, edge, sidecar, grpc)
	@if [ -f certs/ca.crt ]; then echo "certs/ exists; remove it to write new certificates"; else $(BIN)/xds certgen --dir certs; fi

.PHONY: run-tls
run-tls: build wasm certs ## Serve examples/graylane.yaml over mutually authenticated xDS with the certs/ files
	$(BIN)/xds serve --config $(CONFIG) --log-format console --lane-filter-module $(WASM) \
		--tls-cert-file certs/server.crt --tls-key-file certs/server.key --client-ca-file certs/ca.crt

.PHONY: wasm
wasm: ## Build the lane filter into bin/lane-filter.wasm (Go's own wasip1 toolchain)
	@mkdir -p $(BIN)
	cd $(FILTER) && GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o ../../$(WASM) .

.PHONY: wasm-tinygo
wasm-tinygo: ## Build the TinyGo variant into bin/lane-filter-tinygo.wasm, when tinygo is on PATH
	@if command -v tinygo >/dev/null 2>&1; then \
		mkdir -p $(BIN) && cd $(FILTER) && tinygo build -o ../../$(BIN)/lane-filter-tinygo.wasm -scheduler=none -target=wasi . ; \
	else \
		echo "tinygo is not on PATH: bin/lane-filter-tinygo.wasm not built (install TinyGo >= 0.32 for it)"; \
	fi

.PHONY: render
render: build ## Print what a role receives: make render ROLE=grpc|sidecar|edge
	$(BIN)/xds render --config $(CONFIG) --role $(ROLE)

.PHONY: validate
validate: build ## Check a configuration: make validate CONFIG=path
	$(BIN)/xds validate $(CONFIG)

.PHONY: test
test: test-go test-filter test-lanegrpc ## Run every test with -race (what CI runs)

.PHONY: test-go
test-go: interop-deps ## Test the control plane (unit, golden, end-to-end with grpc-go, grpc-js and C-core xDS clients and a real API server)
	assets="$$(hack/envtest-assets.sh)" && KUBEBUILDER_ASSETS="$$assets" $(GO) test -tags $(TAGS) -race -count=1 ./...
	$(GO) test -count=1 ./model ./translators ./snapshot  # and without the tag: protobuf-go's encoder

.PHONY: envtest-assets
envtest-assets: ## Build kube-apiserver and etcd for the Kubernetes tests (the first time ~10-20 min), print their folder
	@hack/envtest-assets.sh

.PHONY: generate
generate: ## Generate the CRDs (config/crd) and deepcopy code of api/ with controller-gen
	$(CONTROLLER_GEN) object paths=./api/... crd:crdVersions=v1 output:crd:dir=config/crd

.PHONY: test-filter
test-filter: ## Test the lane filter natively and compiled to wasm, and its TinyGo entry point
	cd $(FILTER) && $(GO) test -race -count=1 ./...
	cd $(FILTER) && $(GO) test -count=1 -tags tinygosdk ./...

.PHONY: test-lanegrpc
test-lanegrpc: ## Test the gRPC lane interceptors for applications (lanegrpc, a module of its own)
	cd $(LANEGRPC) && $(GO) test -race -count=1 ./...

.PHONY: ci-deps
ci-deps: envtest-assets interop-deps ## Install what the tests need on a fresh machine (CI runs it)

# The interop tests (e2e/interop_test.go) dial Graylane with gRPC stacks of
# other languages: grpc-js with @grpc/grpc-js-xds, pinned by
# e2e/interop/node/package-lock.json, and gRPC C-core through Debian's
# python3-grpcio, run by /usr/bin/python3. None of the npm packages needs
# an install script, so none runs. Both steps do nothing when
# what they install is already there.
INTEROP_NODE := e2e/interop/node
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: interop-deps
interop-deps: ## Install the interop tests' gRPC peers: grpc-js (npm ci) and Debian's python3-grpcio (apt)
	@if /usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends python3-grpcio \
			$$(command -v npm >/dev/null 2>&1 || echo nodejs npm); \
	else \
		echo "no apt-get: install Node.js with npm, and gRPC for /usr/bin/python3, for the interop tests"; \
	fi
	@if cmp -s $(INTEROP_NODE)/package-lock.json $(INTEROP_NODE)/node_modules/.installed-lock.json; then \
		echo "$(INTEROP_NODE): node_modules matches package-lock.json"; \
	elif ! command -v npm >/dev/null 2>&1; then \
		echo "no npm: the grpc-js interop tests will fail"; \
	else \
		cd $(INTEROP_NODE) && npm ci --ignore-scripts --no-audit --no-fund && cp package-lock.json node_modules/.installed-lock.json; \
	fi

.PHONY: golden
golden: ## Rewrite the translators' golden files after an intended change
	$(GO) test -tags $(TAGS) ./translators -run TestGolden -update
	$(GO) test -tags $(TAGS) ./internal/lanefilter -run TestPluginConfigGolden -update

.PHONY: bench
bench: ## Run the benchmarks with -benchmem (BENCH=regexp BENCHTIME=1s COUNT=1)
	$(GO) test -tags $(TAGS) -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) -count $(COUNT) ./internal/providers/file ./internal/providers/kubernetes ./translators ./snapshot ./internal/pipeline

.PHONY: load
load: build ## Load-test with simulated xDS clients: make load CLIENTS=1000 SERVICES=100 LOAD_ARGS=--bare
	$(BIN)/xds bench --clients $(CLIENTS) --services $(SERVICES) $(LOAD_ARGS)

.PHONY: bench-filter
bench-filter: ## Benchmark the lane filter per request, natively and on wazero, against a no-op filter
	cd $(FILTER) && $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(COUNT) . ./lane

STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: lint
lint: ## gofmt, go vet and staticcheck, every module
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(STATICCHECK) -tags $(TAGS) ./...
	cd $(FILTER) && $(GO) vet ./... && $(GO) vet -tags tinygosdk ./...
	cd $(FILTER) && $(STATICCHECK) ./... && $(STATICCHECK) -tags tinygosdk ./...
	cd $(LANEGRPC) && $(GO) vet ./... && $(STATICCHECK) ./...

.PHONY: clean
clean: ## Remove build outputs
	rm -rf $(BIN)
