# hostup_exporter: `make demo` shows real /metrics against a simulated
# HostUp account; `make test` runs everything.

GO        ?= go
BIN       := hostup_exporter
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH    ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
VPKG      := github.com/prometheus/common/version
LDFLAGS   := -s -w -X $(VPKG).Version=$(VERSION) -X $(VPKG).Revision=$(REVISION) -X $(VPKG).Branch=$(BRANCH) -X $(VPKG).BuildUser=$(USER)@make -X $(VPKG).BuildDate=$(shell date -u +%Y%m%d-%H:%M:%S)
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# fail a clean run with "context deadline exceeded" when the time runs out
# (golang/go#75804, fixed in Go 1.27). A count has no deadline to race.
FUZZTIME  ?= 100000x
DEMO_VPS  ?= 25
DEMO_PORT ?= 9977

.PHONY: all build test unit lint rules fuzz tools demo bench docker clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## test: everything CI runs: lint, unit and end-to-end tests with the race
## detector, the alert rules, and a short fuzz run of every fuzz target.
test: tools lint rules unit fuzz

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
	$(GO) test -run='^$$' -bench=. -benchmem ./collector ./hostup
	$(GO) run ./cmd/hostup-loadtest -exporter ./$(BIN)

docker:
	docker build --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) -t hostup_exporter:$(VERSION) .

clean:
	rm -f $(BIN) hostup-fake-api
