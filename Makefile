# canarygen: `make example` renders the bundled example, `make test` runs
# every test. Tools come from go.mod (go tool ...), Debian packages from
# hack/install-deps.sh.
GO ?= go
export GOTOOLCHAIN ?= local

.PHONY: example test deps tools kubetools etcd kwok e2e vendor golden fmt lint build ratio-table race fuzz bench

# Each fuzz target runs this long in `make test`; longer by hand:
# make fuzz FUZZTIME=5m
FUZZTIME ?= 10s
FUZZ_TARGETS = ./internal/manifest:FuzzReadManifests .:FuzzRatio ./internal/openshift:FuzzProcess ./cmd/canarygen:FuzzRenderArgs \
  ./internal/manifest:FuzzSplitYAML ./krm:FuzzReadResourceList ./cmd/canarygen:FuzzParseConfig

example:
	$(GO) run ./cmd/canarygen render examples/telemeter/telemeter.jsonnet

test: deps tools kubetools vendor lint
	$(GO) test -timeout 45m ./...
	$(GO) test -tags bench ./hack/bench
	$(MAKE) race fuzz
	$(GO) test -tags e2e -count=1 -run '$(E2E_TESTS)' -v .

# Parallel renders (gen's jobs, concurrent CLI runs) under the race detector, and the library's own workers.
# Also canarygen analyze's parallel Prometheus queries.
race:
	$(GO) test -race -count=1 -run 'TestGenParallelDeterministic|TestDeterministic|TestGenWriteCheckPrune|TestParallelRender|TestAnalyzePrometheus' ./cmd/canarygen

fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$fn ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

deps:
	bash hack/install-deps.sh

# The tools the tool-fit tests run, built from the Go module proxy into bin/,
# each pinned in a module of its own: helm v3 and kustomize in hack/tools,
# helm v4 (bin/helm4) in hack/helm4, Tanka (bin/tk) in hack/tanka. The
# version each reports is the one its go.mod pins.
tools:
	cd hack/tools && $(GO) build -o ../../bin/ helm.sh/helm/v3/cmd/helm sigs.k8s.io/kustomize/kustomize/v5
	cd hack/helm4 && $(GO) build -trimpath -o ../../bin/helm4 \
	  -ldflags "-X helm.sh/helm/v4/internal/version.version=$$($(GO) list -m -f '{{.Version}}' helm.sh/helm/v4)" helm.sh/helm/v4/cmd/helm
	cd hack/tanka && $(GO) build -trimpath -o ../../bin/tk \
	  -ldflags "-X github.com/grafana/tanka/pkg/tanka.CurrentVersion=$$($(GO) list -m -f '{{.Version}}' github.com/grafana/tanka)" github.com/grafana/tanka/cmd/tk

# The control plane of the e2e tests, built from the Go module proxy into bin/;
# Go's build cache makes later builds quick. kube-apiserver,
# kube-controller-manager and kube-scheduler are pinned in hack/kubetools
# (k8s.io/kubernetes with its staging modules replaced by their published
# versions), etcd 3.6 in hack/etcd, kwok (simulated nodes and pods) in hack/kwok.
KUBE_VERSION = v1.36.3
kubetools: etcd kwok
	cd hack/kubetools && $(GO) build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION)" -o ../../bin/ \
	  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler

etcd:
	cd hack/etcd && $(GO) build -trimpath -ldflags "-s -w" -o ../../bin/etcd go.etcd.io/etcd/server/v3

kwok:
	cd hack/kwok && $(GO) build -trimpath -ldflags "-s -w" -o ../../bin/kwok sigs.k8s.io/kwok/cmd/kwok

# Every golden output against a real kube-apiserver (etcd from Debian), and
# the canary's share of a Service's ready endpoints on a whole control plane
# (etcd 3.6, controller manager, scheduler, kwok's fake node and pods).
E2E_TESTS = TestAPIServer|TestTrafficShare
e2e: deps kubetools tools vendor
	$(GO) test -tags e2e -count=1 -run '$(E2E_TESTS)' -v .

# The examples consume the library through jsonnet-bundler, as a user would;
# examples/tanka is a Tanka project of its own.
vendor:
	cd examples && $(GO) tool jb install
	cd examples/tanka && $(GO) tool jb install

# The goldens are written by cmd/canarygen's tests (the scenarios of
# examples/scenarios.txt, and the helm and kustomize runs).
golden: tools vendor
	$(GO) test ./cmd/canarygen -update
	@git status --short golden

fmt:
	gofmt -w $$(git ls-files '*.go')
	$(GO) tool jsonnetfmt -i $$(git ls-files '*.jsonnet' '*.libsonnet')

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet -tags bench ./...

# The version `make build` stamps, the one place it is set (a release sets
# it to its tag: make build VERSION=v1.2.3), with the commit and whether
# the checkout has uncommitted changes, as git says them. Go's own VCS
# stamping (-buildvcs) is not used: it finds no repository in a git
# worktree, or the wrong one around it (golang/go#58218). Outside a git
# checkout no commit is stamped. `canarygen version` prints all three.
VERSION = v0.1.0-dev
COMMIT = $(shell git rev-parse HEAD 2>/dev/null)
MODIFIED = $(if $(COMMIT),$(if $(shell git status --porcelain 2>/dev/null),true,false))
BUILD_OUTPUT = bin/canarygen
build:
	$(GO) build -trimpath -buildvcs=false -o $(BUILD_OUTPUT) \
	  -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.modified=$(MODIFIED)" ./cmd/canarygen

# Speed: Go benchmarks (1, 100, 1000 workloads), then hack/bench: canarygen,
# the go-jsonnet CLI and a Go-native floor on the same inputs, interleaved,
# medians of BENCH_RUNS runs, with the targets beside them (BENCHMARKS.md).
# hack/bench builds only with -tags bench, so that `go install ./...` (how
# pre-commit builds the hooks) installs canarygen alone.
BENCH_RUNS ?= 5
bench:
	$(GO) test -run '^$$' -bench 'BenchmarkRender' -benchmem -benchtime 3x .
	$(GO) test -run '^$$' -bench 'BenchmarkAnalyze' -benchtime 20x ./cmd/canarygen
	$(GO) run -tags bench ./hack/bench -runs $(BENCH_RUNS)

ratio-table:
	$(GO) run ./cmd/canarygen ratio
