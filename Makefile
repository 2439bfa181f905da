# Vigía: `make test` runs everything CI runs; `make services` starts the local Kafka and
# ClickHouse the tests use (no Docker needed). Ports come from the environment so two
# checkouts can run side by side.
SHELL := /bin/bash
.DEFAULT_GOAL := build

export VIGIA_KAFKA_PORT            ?= 9092
export VIGIA_KAFKA_CONTROLLER_PORT ?= 9093
export VIGIA_CLICKHOUSE_PORT       ?= 9000
export VIGIA_CLICKHOUSE_HTTP_PORT  ?= 8123
export VIGIA_KAFKA_BROKERS         ?= 127.0.0.1:$(VIGIA_KAFKA_PORT)
export VIGIA_CLICKHOUSE_ADDR       ?= 127.0.0.1:$(VIGIA_CLICKHOUSE_PORT)
# Where make services keeps its state, the Kafka credentials among it (kafka/secrets/): every
# vigia command run by make, and the tests, connect with them.
export VIGIA_STATE_DIR             ?= $(CURDIR)/.state

GO      ?= go
BIN     := bin/vigia
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: build services services-down services-status services-cluster services-cluster-down browser test test-cluster unit vet fmt bench migrate clean dashboards demo

# make demo replays this many wall-clock seconds; CI runs it short (make test).
DEMO_SECONDS ?= 120

build: ## the vigia binary in bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/vigia

services: ## start Kafka (KRaft, SASL_SSL) and ClickHouse on loopback, and grant the pipeline its ACLs; a no-op when they run
	scripts/services.sh up
	$(GO) run ./cmd/vigia kafka setup

services-down: ## stop them (data is kept in .state/)
	scripts/services.sh down

services-status:
	scripts/services.sh status

services-cluster: ## the local cluster: ZooKeeper, two ClickHouse replicas of one shard, three Kafka brokers (RF 3), loopback
	scripts/cluster.sh up

services-cluster-down: ## stop it (data is kept in .state/cluster/)
	scripts/cluster.sh down

vet: ## gofmt, go vet, and no build output tracked (scripts/check-tree.sh)
	scripts/check-tree.sh
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags cluster ./cmd/vigia/

unit: ## every test that needs no Kafka or ClickHouse (go test -short), in under a minute
	$(GO) test -short -count=1 ./...

browser: ## headless Chromium for the bulletin rendering tests: Debian's chromium package, installed when missing (scripts/chromium.sh)
	scripts/chromium.sh

test: services browser vet ## unit + integration tests against the real services (race detector on), then the demo, short
	$(GO) test -race -count=1 -timeout 40m ./...
	$(MAKE) demo DEMO_SECONDS=30 DEMO_QUIET=1
	$(MAKE) test-cluster

test-cluster: services services-cluster ## the end-to-end scenario on the local cluster, and with a replica, a broker and a process killed
	eval "$$(scripts/cluster.sh env)" && $(GO) test -tags cluster -race -count=1 -timeout 30m -run '^TestCluster' ./cmd/vigia/

demo: build ## the one-command demo: the real 2023 Darién and Honduras surges through the pipeline, with a live view
	DEMO_SECONDS=$(DEMO_SECONDS) scripts/demo.sh

migrate: build services
	$(BIN) migrate

dashboards: ## render the Grafana dashboards (code in dashboards/) to dashboards/json
	$(GO) run ./cmd/vigia dashboards render --out dashboards/json

bench: services ## speed: per-stage and chain (one core), dedup bytes/key, detector cost, end to end, alert latency; medians in a table
	@mkdir -p .state
	$(GO) test -run '^$$' -bench '^Benchmark(Decode|Validate|Apply|StateCheckAdd|StateSteady|Add|Repeats|Chain|ChainDuplicates|ChainFloor|BaselineStdlibJSON)$$' \
	  -benchmem -count 5 -cpu 1 ./schemas/ ./lib/... ./processors/... ./bench/ | tee .state/bench-micro.txt
	cd bench/benthos && $(GO) test -run '^$$' -bench '^BenchmarkBenthosChain$$' -benchtime 1x -count 3 -cpu 1 . | tee ../../.state/bench-benthos.txt
	$(GO) test -run '^$$' -bench '^BenchmarkStateBytesPerKey$$' -benchtime 1x -count 3 ./lib/dedupstate/ | tee .state/bench-state.txt
	$(GO) test -run '^$$' -bench '^BenchmarkIdentityMerges$$' -benchtime 1x -count 1 ./lib/anonymize/ | tee .state/bench-identity.txt
	$(GO) test -run '^$$' -bench '^Benchmark(LivePeriod|EARSPeriod|JudgeDay|ReviseMonth)$$' -benchmem -count 5 -cpu 1 ./lib/surge/ ./processors/detect/ | tee .state/bench-surge.txt
	$(GO) test -run '^$$' -bench '^BenchmarkExportParquet$$' -benchmem -benchtime 5x -count 3 ./sinks/export/ | tee .state/bench-export.txt
	$(GO) test -run '^$$' -bench '^BenchmarkPublishTurn$$' -benchtime 5x -count 3 ./processors/publish/ | tee .state/bench-publish.txt
	scripts/plain-kafka.sh up   # a plaintext broker beside the secured one: the cost of TLS, measured
	VIGIA_BENCH_PLAIN_BROKERS=127.0.0.1:$${VIGIA_PLAIN_KAFKA_PORT:-19092} $(GO) test -run '^$$' \
	  -bench '^Benchmark(EndToEnd|BaselineKafkaRoundTrip|BaselineNoProduct|LatencyFixedRate|AlertLatency|LateBatch|Flood)$$' -benchtime 1x -count 3 -timeout 40m ./bench/ | tee .state/bench-e2e.txt
	scripts/plain-kafka.sh down
	@echo; cat .state/bench-micro.txt .state/bench-benthos.txt .state/bench-state.txt .state/bench-identity.txt .state/bench-surge.txt .state/bench-export.txt .state/bench-publish.txt .state/bench-e2e.txt | $(GO) run ./bench/report

clean:
	rm -rf bin
