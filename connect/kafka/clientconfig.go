package kafka

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// configMap builds the confluent-kafka-go configuration of one client:
// defaults first, then the caller's props, then forced. Keys starting with
// "go." configure confluent-kafka-go itself, not librdkafka; this package
// owns them, so a caller's "go.*" key is dropped with a warning.
func configMap(kind string, props, defaults map[string]string, forced ckafka.ConfigMap) ckafka.ConfigMap {
	cm := ckafka.ConfigMap{}
	for k, v := range defaults {
		cm[k] = v
	}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if strings.HasPrefix(k, "go.") {
			slog.Warn("kafka: ignoring client property owned by sluice", "client", kind, "key", k)
			continue
		}
		cm[k] = props[k]
	}
	for k, v := range forced {
		cm[k] = v
	}
	return cm
}

// forwardLogs sends librdkafka's log lines to slog until logs is closed,
// which confluent-kafka-go does when the client is closed. librdkafka logs
// at syslog levels: 0-3 are errors, 4 warnings, 5 notices, 6-7 debug.
func forwardLogs(kind string, logs <-chan ckafka.LogEvent) {
	for ev := range logs {
		level := slog.LevelDebug
		switch {
		case ev.Level <= 3:
			level = slog.LevelError
		case ev.Level == 4:
			level = slog.LevelWarn
		case ev.Level == 5:
			level = slog.LevelInfo
		}
		if ev.Tag == "FAIL" {
			// A connection failure, also delivered as an error event
			// that the client logs itself.
			level = slog.LevelDebug
		}
		slog.Log(context.Background(), level, "librdkafka: "+ev.Message, "client", kind, "name", ev.Name, "tag", ev.Tag)
	}
}
