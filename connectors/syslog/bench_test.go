package syslog

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect/sluicetest"
)

// benchMessages is how many messages each iteration of
// BenchmarkTCPToKafka sends.
const benchMessages = 100_000

// BenchmarkTCPToKafka measures syslog over TCP sustained through the
// whole path: a Go sender writes benchMessages octet-counted RFC 5424
// messages (some 150 bytes each) as fast as the listener takes them, on
// one connection, to a syslog connector of a worker on the embedded
// broker (sluicetest); the messages are parsed, become records, go
// through the JSON converter (schemas disabled) and the producer. An
// iteration ends when Kafka has acknowledged every message
// (sluice_task_records_written_total). It reports messages/s, from the
// first byte sent to the last acknowledgement. After the timed part, kcat
// reads the topic back and the benchmark fails unless every message is
// there exactly once: TCP backpressure holds the sender back rather than
// lose any.
//
//	go test -run '^$' -bench TCPToKafka -benchtime 3x ./connectors/syslog
func BenchmarkTCPToKafka(b *testing.B) {
	// The task logs to the default logger: keep it off the results.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	b.Cleanup(func() { slog.SetDefault(prev) })
	w := sluicetest.Start(b)
	port := freePort(b, "tcp")
	w.CreateConnector("bench", map[string]string{"connector.class": "syslog", keyListener: "TCP", keyHost: "127.0.0.1",
		keyPort: port, keyTopic: "bench", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "false"})
	w.WaitRunning("bench", 30*time.Second)
	waitListening(b, w, "bench")
	c, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	out := bufio.NewWriterSize(c, 64<<10)

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	sent := 0
	for range b.N {
		for range benchMessages {
			msg := fmt.Sprintf(`<165>1 2026-11-22T05:00:00.000Z bench.example.com benchapp 1234 ID47 [meta@32473 seq="%d"] syslog benchmark message %d`, sent, sent)
			if _, err := fmt.Fprintf(out, "%d %s", len(msg), msg); err != nil {
				b.Fatal(err)
			}
			sent++
		}
		if err := out.Flush(); err != nil {
			b.Fatal(err)
		}
		last, lastChange := 0.0, time.Now()
		for written := 0.0; written < float64(sent); written = w.Metric("sluice_task_records_written_total", "connector", "bench") {
			if written != last {
				last, lastChange = written, time.Now()
			}
			if time.Since(lastChange) > 30*time.Second {
				b.Fatalf("Kafka has %v of %d messages and no more for 30 s; the task received %v: %+v", written, sent,
					w.Metric("sluice_syslog_messages_total", "connector", "bench"), w.Status("bench"))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(sent)/elapsed.Seconds(), "messages/s")

	seen := make([]bool, sent)
	msgs := sluicetest.Kcat(b, w.Bootstrap, "bench", sent, 60*time.Second)
	for _, m := range msgs {
		const prefix = `"message":"syslog benchmark message `
		_, rest, ok := strings.Cut(string(m.Value), prefix)
		digits, _, ok2 := strings.Cut(rest, `"`)
		n, err := strconv.Atoi(digits)
		if !ok || !ok2 || err != nil || n < 0 || n >= sent || seen[n] {
			b.Fatalf("unexpected or repeated record %s", m)
		}
		seen[n] = true
	}
	if len(msgs) != sent {
		b.Fatalf("the topic holds %d records, %d were sent", len(msgs), sent)
	}
	if lost := w.Metric("sluice_syslog_parse_errors_total") + w.Metric("sluice_syslog_truncated_total"); lost != 0 {
		b.Fatalf("%v messages did not parse or were cut", lost)
	}
	b.ReportMetric(0, "lost")
}

// BenchmarkReceive measures what a connection's goroutine does per
// message: parse one RFC 5424 and one RFC 3164 message and queue their
// records.
func BenchmarkReceive(b *testing.B) {
	task, _ := receiver(b, formatAuto, false)
	p := newParser(formatAuto, time.UTC)
	frames := [][]byte{[]byte(example5424), []byte(example3164)}
	batch := make([]entry, 0, 2)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range frames {
			task.receive(p, f, false, "192.0.2.7", nil)
		}
		batch = task.q.take(b.Context(), 2, batch[:0])
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "messages/s")
}
