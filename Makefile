# hostup_exporter: `make demo` shows real /metrics against a simulated
# HostUp account; `make test` runs everything.

GO        ?= go
BIN       := hostup_exporter
# Evaluated once, when make starts (not at each use), so that the binary and
# the checks of it made later in the same run agree even if HEAD moves.
ifeq ($(origin VERSION),undefined)
VERSION   := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
endif
ifeq ($(origin REVISION),undefined)
REVISION  := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
endif
ifeq ($(origin BRANCH),undefined)
BRANCH    := $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
endif
VPKG      := github.com/prometheus/common/version
LDFLAGS   := -s -w -X $(VPKG).Version=$(VERSION) -X $(VPKG).Revision=$(REVISION) -X $(VPKG).Branch=$(BRANCH) -X $(VPKG).BuildUser=$(USER)@make -X $(VPKG).BuildDate=$(shell date -u +%Y%m%d-%H:%M:%S)
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# fail a clean run with "context deadline exceeded" when the time runs out
# (golang/go#75804, fixed in Go 1.27). A count has no deadline to race.
FUZZTIME  ?= 100000x
DEMO_VPS  ?= 25
DEMO_PORT ?= 9977

.PHONY: all build test unit lint rules fuzz tools demo bench docker clean \
	docker-stage docker-fake-api docker-test compose-test kubernetes-test kubernetes-rules

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## test: everything CI runs: lint, unit and end-to-end tests with the race
## detector, the alert rules, a short fuzz run of every fuzz target, and the
## deployment: the image built and run, the Compose stack, Kubernetes.
test: tools lint rules unit fuzz docker-test compose-test kubernetes-test

unit:
	HOSTUP_REQUIRE_PROMETHEUS=1 $(GO) test -race -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

rules:
	promtool check rules alerts/hostup.rules.yml
	cd alerts && promtool test rules hostup.rules.test.yml

fuzz:
	@for pkg in ./hostup ./config; do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$target ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) -timeout=5m $$pkg || exit 1; \
	  done; \
	done

## tools: promtool and the real Prometheus server used by the tests
## (Debian's prometheus package).
tools:
	@if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then \
	  echo "installing Debian's prometheus package (promtool and the server, for the tests)"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root, or: sudo apt-get install -y prometheus"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; \
	fi

## demo: the exporter against a simulated HostUp account on loopback.
demo: build
	$(GO) build -o hostup-fake-api ./cmd/hostup-fake-api
	./scripts/demo.sh $(DEMO_VPS) $(DEMO_PORT)

bench: build
	$(GO) test -run='^$$' -bench=. -benchmem ./collector ./hostup ./server
	$(GO) run ./cmd/hostup-loadtest -exporter ./$(BIN)

## docker: the image, from the static binary `make build` made and the
## build machine's CA bundle, staged in dist/docker/ (see Dockerfile).
## DOCKER=podman or buildah work too; DOCKER_BASE_IMAGE picks the base.
DOCKER            ?= docker
DOCKER_BUILD_ARGS ?=
DOCKER_BASE_IMAGE ?= scratch
DOCKER_IMAGE      ?= hostup_exporter
DOCKER_TAG        ?= $(subst /,-,$(subst +,-,$(VERSION)))
CA_BUNDLE         ?= /etc/ssl/certs/ca-certificates.crt
STAGE             := dist/docker

docker-stage: build
	@test -s $(CA_BUNDLE) || { echo "$(CA_BUNDLE) missing: apt-get install ca-certificates, or set CA_BUNDLE"; exit 1; }
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o hostup-fake-api ./cmd/hostup-fake-api
	@for app in $(BIN) hostup-fake-api; do \
	  rm -rf $(STAGE)/$$app && mkdir -p $(STAGE)/$$app/bin $(STAGE)/$$app/etc/ssl/certs && \
	  install -m 0755 $$app $(STAGE)/$$app/bin/$$app && \
	  install -m 0644 $(CA_BUNDLE) $(STAGE)/$$app/etc/ssl/certs/ca-certificates.crt || exit 1; \
	done

docker: docker-stage
	$(DOCKER) build $(DOCKER_BUILD_ARGS) --build-arg BASE_IMAGE=$(DOCKER_BASE_IMAGE) \
	  --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) --build-arg BRANCH=$(BRANCH) \
	  -t $(DOCKER_IMAGE):$(DOCKER_TAG) -t $(DOCKER_IMAGE):latest .

## docker-fake-api: the fake HostUp API as an image, for the Compose demo.
docker-fake-api: docker-stage
	$(DOCKER) build $(DOCKER_BUILD_ARGS) --build-arg BASE_IMAGE=$(DOCKER_BASE_IMAGE) \
	  --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) \
	  -f examples/compose/hostup-fake-api.Dockerfile -t hostup-fake-api:$(DOCKER_TAG) -t hostup-fake-api:latest .

## docker-test: builds the image with the local engine and runs it against
## the fake API on loopback (scripts/docker-test.sh).
docker-test: docker-stage
	DOCKER=$(DOCKER) VERSION=$(VERSION) REVISION=$(REVISION) BRANCH=$(BRANCH) ./scripts/docker-test.sh

## compose-test, kubernetes-test: examples/compose/ and deploy/kubernetes/,
## checked offline by the Go module in deploy/ (its own go.mod, so the
## Kubernetes dependencies stay out of the exporter's). compose-test runs
## promtool, and the Compose tool's own validation where one is installed;
## both have the exporter's --config.check read the configs they ship.
compose-test: build
	cd deploy && $(GO) vet ./... && HOSTUP_EXPORTER_BIN=$(CURDIR)/$(BIN) HOSTUP_REQUIRE_PROMETHEUS=1 $(GO) test -count=1 -run '^TestCompose' ./...

kubernetes-test: build
	cd deploy && $(GO) vet ./... && HOSTUP_EXPORTER_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -run '^TestKubernetes' ./...

## kubernetes-rules: deploy/kubernetes/prometheusrule.yaml from
## alerts/hostup.rules.yml (kubernetes-test fails when they drift).
kubernetes-rules:
	cd deploy && $(GO) run ./cmd/prometheusrule -in ../alerts/hostup.rules.yml -out kubernetes/prometheusrule.yaml

clean:
	rm -rf $(BIN) hostup-fake-api dist/docker
