# canarygen: `make example` renders the bundled example, `make test` runs
# every test. Tools come from go.mod (go tool ...), Debian packages from
# hack/install-deps.sh.
GO ?= go
export GOTOOLCHAIN ?= local

.PHONY: example test deps vendor golden fmt lint build ratio-table

example:
	$(GO) run ./cmd/canarygen render examples/telemeter/telemeter.jsonnet

test: deps vendor lint
	$(GO) test ./...

deps:
	bash hack/install-deps.sh

# The examples consume the library through jsonnet-bundler, as a user would.
vendor:
	cd examples && $(GO) tool jb install

golden:
	$(GO) test ./... -update
	@git status --short golden

fmt:
	gofmt -w $$(git ls-files '*.go')
	$(GO) tool jsonnetfmt -i $$(git ls-files '*.jsonnet' '*.libsonnet')

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...

build:
	$(GO) build -trimpath -o bin/canarygen ./cmd/canarygen

ratio-table:
	$(GO) run ./cmd/canarygen ratio
