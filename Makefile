# Sluice's build and checks. `make test` is what CI runs.
GO ?= go
PKGS := ./...
FUZZTIME ?= 30s

.PHONY: all build vet test bench fuzz tidy

all: build vet test

build:
	$(GO) build $(PKGS)

vet:
	$(GO) vet $(PKGS)

# The whole suite: build, vet, then every test, with the closing lines go
# test prints per package.
test: build vet
	$(GO) test -count=1 -timeout 15m $(PKGS)

# Benchmarks next to the code they measure. The pipeline benchmarks run
# with their bare-client baselines in the same run, for ratios.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./transforms/ ./connect/ ./connect/converters/ ./connectors/...
	$(GO) test -run='^$$' -bench='ProduceBare|ProduceWrapper' -benchtime=300000x ./connect/kafka/
	$(GO) test -run='^$$' -bench='SinkConsumeBare|SinkPipeline|SourcePipeline' -benchtime=300000x ./connect/runtime/

# Each fuzz target for FUZZTIME (go test runs one fuzz target at a time).
fuzz:
	@set -e; for spec in \
		"./connect/converters/ FuzzJSONToConnectData" \
		"./connect/converters/ FuzzParseHeaderValue" \
		"./connect/ FuzzParseDecimal" \
		"./connect/ FuzzDecimalBytes" \
		"./config/ FuzzParseProperties" \
		"./config/ FuzzResolve" \
		"./config/ FuzzDefParse" \
		"./transforms/ FuzzJavaDate" \
		"./connectors/mqtt/ FuzzPayloadToRecord" \
		"./connectors/mqtt/ FuzzTopicTemplate" \
		"./connectors/mqtt/ FuzzWebSocketFrames" \
		"./connectors/syslog/ FuzzFramingStream" \
		"./connectors/syslog/ FuzzFramingRoundTrip" \
		"./connectors/syslog/ FuzzFramingDatagram" \
		"./connectors/syslog/ FuzzParse" \
		"./connectors/csv/ FuzzCSVParse" \
		"./connectors/csv/ FuzzInferSchema" \
		"./connectors/csv/ FuzzSchemaJSON" \
		"./connectors/csv/ FuzzTimes" \
		"./connectors/jdbc/ FuzzConnectionURL" \
		"./connectors/s3/ FuzzPathFormat" \
		"./connectors/s3/ FuzzParseFileName" \
		"./connectors/elasticsearch/ FuzzParseBulkResponse" \
		"./connectors/mysqlcdc/binlog/ FuzzParseEvents" \
		"./connectors/mysqlcdc/binlog/ FuzzDecodeRows" \
		"./connectors/mysqlcdc/binlog/ FuzzDecodeJSON" \
		"./connectors/mysqlcdc/binlog/ FuzzReadPacket" \
		"./connectors/mysqlcdc/binlog/ FuzzParseGTIDSet" \
		"./connectors/mysqlcdc/ FuzzClassifyStatement" \
		"./connectors/mysqlcdc/ FuzzParseText"; do \
		set -- $$spec; \
		echo "fuzz $$2"; \
		$(GO) test -run='^$$' -fuzz="^$$2$$" -fuzztime=$(FUZZTIME) $$1; \
	done

tidy:
	$(GO) mod tidy
