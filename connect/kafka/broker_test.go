package kafka

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestKcatReadsWhatOurProducerWrote has a client we did not write (kcat,
// librdkafka's command-line tool, a separate process) read the embedded
// broker: keys, values, headers, partitions and offsets must be the bytes
// our Producer wrote, where its acks said.
func TestKcatReadsWhatOurProducerWrote(t *testing.T) {
	t.Parallel()
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat is missing (scripts/setup installs it): %v", err)
	}
	b := startBroker(t, BrokerConfig{})
	topic := topicName(t, "kcat")
	createTopic(t, b, topic, 3, nil)
	p := newProducer(t, props(b))

	var msgs []*Message
	for i := range 30 {
		m := &Message{
			Topic:     topic,
			Partition: PartitionAny,
			Key:       fmt.Appendf(nil, "k%02d", i),
			// Bytes kcat prints as they are: anything but the
			// separators and newlines of the format.
			Value: append(fmt.Appendf(nil, "v%02d ", i), 0x00, 0x7f, 0xc3, 0xa9, 0xff),
		}
		if i%5 == 0 {
			m.Headers = []Header{{"trace", fmt.Appendf(nil, "t%d", i)}}
		}
		msgs = append(msgs, m)
	}
	acked := produceAll(t, p, msgs)

	var want []string
	for _, a := range acked {
		m := msgs[a.seq]
		h := ""
		if len(m.Headers) > 0 {
			h = m.Headers[0].Key + "=" + string(m.Headers[0].Value)
		}
		want = append(want, fmt.Sprintf("%d|%d|%s|%s|%s", a.partition, a.offset, m.Key, h, m.Value))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kcat, "-b", b.Addr(), "-C", "-t", topic, "-o", "beginning", "-e", "-q",
		"-f", `%p|%o|%k|%h|%s\n`)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kcat: %v\n%s", err, stderr.String())
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if !sameLines(got, want) {
		t.Errorf("kcat read:\n%q\nwe wrote:\n%q", got, want)
	}
}

// sameLines compares two sets of lines regardless of order across
// partitions (kcat interleaves partitions as it pleases).
func sameLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestBrokerRestartOnSameDataDirKeepsRecordsAndOffsets stops the broker
// and starts a new one on the same data directory: topics, records and
// committed group offsets are all there again.
func TestBrokerRestartOnSameDataDirKeepsRecordsAndOffsets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b1, err := StartBroker(BrokerConfig{DataDir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	topic := topicName(t, "persist")
	group := "g-" + topic
	createTopic(t, b1, topic, 2, map[string]string{"cleanup.policy": "compact"})
	p1, err := NewProducer(props(b1))
	if err != nil {
		t.Fatal(err)
	}
	produceTo(t, p1, topic, 0, 0, 10)
	produceTo(t, p1, topic, 1, 0, 5)
	p1.Close()
	c1, err := NewConsumer(consumerProps(b1, group), Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	pollN(t, c1, 15)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c1.Commit(ctx, map[TopicPartition]int64{{topic, 0}: 4, {topic, 1}: 5}); err != nil {
		t.Fatal(err)
	}
	c1.Close()
	b1.Close()

	b2 := startBroker(t, BrokerConfig{DataDir: dir})
	a := newAdmin(t, b2)
	cfg, err := a.TopicConfigs(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if cfg["cleanup.policy"] != "compact" {
		t.Errorf("after restart cleanup.policy = %q", cfg["cleanup.policy"])
	}
	// The group resumes at its commits: partition 0 from offset 4,
	// partition 1 has nothing left.
	c2 := newConsumer(t, consumerProps(b2, group), Callbacks{})
	if err := c2.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	track := &offsetTracker{t: t, next: map[int32]int64{0: 4, 1: 5}}
	track.add(pollN(t, c2, 6))

	// Every record is still there from the beginning.
	c3 := newConsumer(t, consumerProps(b2, group+"-fresh"), Callbacks{})
	if err := c3.Subscribe([]string{topic}); err != nil {
		t.Fatal(err)
	}
	all := &offsetTracker{t: t, next: map[int32]int64{}}
	all.add(pollN(t, c3, 15))
}

// TestStartBrokerOnABusyPortFails checks the error path of StartBroker.
func TestStartBrokerOnABusyPortFails(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if b, err := StartBroker(BrokerConfig{Addr: ln.Addr().String()}); err == nil {
		b.Close()
		t.Fatal("StartBroker on a busy port succeeded")
	}
}

// TestBrokerListeningOnAllInterfacesAdvertisesLoopback checks that ":0"
// (as `sluice dev` uses ":9092") hands clients an address they can dial.
func TestBrokerListeningOnAllInterfacesAdvertisesLoopback(t *testing.T) {
	t.Parallel()
	b := startBroker(t, BrokerConfig{Addr: ":0"})
	if !strings.HasPrefix(b.Addr(), "127.0.0.1:") {
		t.Fatalf("Addr() = %q, want 127.0.0.1:port", b.Addr())
	}
	topic := topicName(t, "any")
	p := newProducer(t, props(b))
	acked := produceAll(t, p, []*Message{{Topic: topic, Partition: PartitionAny, Value: []byte("auto-created")}})
	if acked[0].offset != 0 {
		t.Errorf("first record of an auto-created topic at offset %d", acked[0].offset)
	}
}
