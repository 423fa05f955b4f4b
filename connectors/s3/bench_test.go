package s3

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/sluicetest"
	"github.com/sluicehq/sluice/internal/s3test"
)

// The benchmark's records: benchRecords orders of about 600 bytes of
// JSON each (a 400-character note of random letters), in files of
// benchFlush records.
const (
	benchRecords = 200_000
	benchFlush   = 20_000
)

// benchLine is order i with its note as a kcat key|value line, with the
// Connect schema in the JSON envelope.
func benchLine(i int, note string) string {
	return fmt.Sprintf(`%d|{"schema":{"type":"struct","name":"com.example.Order","optional":false,"fields":[`+
		`{"field":"id","type":"int64"},{"field":"customer","type":"string"},{"field":"amount","type":"double"},`+
		`{"field":"qty","type":"int32","optional":true},{"field":"paid","type":"boolean"},{"field":"note","type":"string"}]},`+
		`"payload":{"id":%d,"customer":"customer-%d","amount":%v,"qty":%d,"paid":%t,"note":"%s"}}`,
		i, i, i%1000, float64(i)*1.25, i%100, i%2 == 1, note)
}

// BenchmarkKafkaToS3 measures the sink's whole path, Kafka to S3, in MB
// of objects per second, against a bare Kafka-to-S3 loop in the same run,
// on the same broker and the same versitygw.
//
// The pipeline side: a connector (one task, a one-partition topic)
// created through the REST API has written a first file, so that its
// consumer is in the group and the bucket was read; it is paused while
// kcat produces benchRecords more records (JSON with schemas), and the
// clock runs from its resume until s3_records_written_total says every
// record is in an uploaded object: consuming, converting, writing the
// format, uploading, in files of benchFlush records.
//
// The bare side is the least a program moving those records to S3 must
// do: a plain confluent-kafka-go consumer (the client the runtime uses,
// assigned the partition, no group) reads the same benchRecords records
// from the same topic and, after each benchFlush of them, hands the next
// of the pipeline's objects (same bytes, same keys' order) to uploaders
// that put them beside the consumer, four at a time at most (the sink's
// default s3.upload.concurrency), with a client built from the sink's
// config. It does not convert: what the pipeline
// spends on JSON, the format and its bookkeeping is what the ratio
// measures. BenchmarkSinkToS3 compares the sink alone with uploads alone.
//
// Both clocks start when the first timed record has been read.
//
// It reports both rates and their ratio (pipeline/bare). The machine is
// noisy: compare medians of a few runs.
//
//	go test -run '^$' -bench KafkaToS3 -benchtime 1x -count 3 ./connectors/s3/
func BenchmarkKafkaToS3(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	letters := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
	lines := make([]string, benchRecords+benchFlush)
	for i := range lines {
		note := make([]byte, 400)
		for j := range note {
			note[j] = letters[rng.IntN(len(letters))]
		}
		lines[i] = benchLine(i, string(note))
	}
	gw := s3test.Shared(b)
	w := sluicetest.Start(b)
	for _, format := range []string{"json", "parquet"} {
		b.Run(format, func(b *testing.B) {
			b.StopTimer() // only the two measured runs count
			b.ReportAllocs()
			var pipeBytes, bareBytes int64
			var pipeTime, bareTime time.Duration
			for range b.N {
				bucket := gw.NewBucket(b)
				st := store{gw: gw, bucket: bucket}
				name := fmt.Sprintf("bench-%s-%d", format, benchSeq.Add(1)) // a new topic each run, across -count
				d := pipeline(b, w, st, name, format, lines)
				pipeTime += d
				objs := st.gw.Objects(b, bucket, "topics/")
				if len(objs) != (benchRecords+benchFlush)/benchFlush {
					b.Fatalf("%d objects, want %d", len(objs), (benchRecords+benchFlush)/benchFlush)
				}
				// The warm-up file is not in the clock: leave it out.
				delete(objs, fmt.Sprintf("topics/%s/partition=0/%s+0+0000000000%s", name, name, map[string]string{
					"json": ".json", "parquet": ".snappy.parquet"}[format]))
				for _, o := range objs {
					pipeBytes += int64(len(o))
				}
				bd, bn := bareKafkaToS3(b, w.Bootstrap, name, st, objs)
				bareTime += bd
				bareBytes += bn
			}
			pipeRate := float64(pipeBytes) / 1e6 / pipeTime.Seconds()
			bareRate := float64(bareBytes) / 1e6 / bareTime.Seconds()
			b.ReportMetric(pipeRate, "pipeline-MB/s")
			b.ReportMetric(bareRate, "bare-MB/s")
			b.ReportMetric(pipeRate/bareRate, "ratio")
			b.ReportMetric(float64(benchRecords*b.N)/pipeTime.Seconds(), "records/s")
		})
	}
}

// pipeline runs the records through a connector and returns the time
// from its resume to its last upload.
func pipeline(b *testing.B, w *sluicetest.Worker, st store, name, format string, lines []string) time.Duration {
	topic := name
	sluicetest.KcatProduce(b, w.Bootstrap, topic, lines[:benchFlush]...)
	cfg := st.props(keyFormatClass, format, keyFlushSize, fmt.Sprint(benchFlush))
	cfg["connector.class"] = "io.confluent.connect.s3.S3SinkConnector"
	cfg["topics"] = topic
	cfg["tasks.max"] = "1"
	delete(cfg, "name")
	w.CreateConnector(name, cfg)
	written := func() float64 { return w.Metric("sluice_s3_records_written_total", "connector", name) }
	waitBench(b, "the warm-up file", func() bool { return written() >= benchFlush })
	if code, body := w.Do("PUT", "/connectors/"+name+"/pause", nil); code != http.StatusAccepted {
		b.Fatalf("pause: %d %s", code, body)
	}
	w.WaitState(name, rest.StatePaused, 30*time.Second)
	sluicetest.KcatProduce(b, w.Bootstrap, topic, lines[benchFlush:]...)
	if code, body := w.Do("PUT", "/connectors/"+name+"/resume", nil); code != http.StatusAccepted {
		b.Fatalf("resume: %d %s", code, body)
	}
	// The clock starts with the first batch the resumed task polls:
	// librdkafka starts fetching a resumed partition when its broker
	// thread next wakes, up to fetch.wait.max.ms (500 ms) later, a delay
	// of the resume and not of the throughput.
	polled := func() float64 { return w.Metric("sluice_task_records_polled_total", "connector", name) }
	waitBench(b, "record polled after the resume", func() bool { return polled() > benchFlush })
	b.StartTimer()
	begin := time.Now()
	for written() < benchRecords+benchFlush {
		time.Sleep(2 * time.Millisecond)
		if time.Since(begin) > 5*time.Minute {
			b.Fatalf("the sink wrote %v of %d records in 5 minutes", written(), benchRecords+benchFlush)
		}
	}
	elapsed := time.Since(begin)
	b.StopTimer()
	w.Do("DELETE", "/connectors/"+name, nil)
	return elapsed
}

// bareUploads puts the objects' bytes again, one after the other, with a
// client built from the sink's config, and returns the time and bytes.
func bareUploads(b *testing.B, st store, objs map[string][]byte) (time.Duration, int64) {
	s, err := parseSettings(st.props(keyFormatClass, "json", keyFlushSize, "1"))
	if err != nil {
		b.Fatal(err)
	}
	client, _, err := newClient(context.Background(), s)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var n int64
	b.StartTimer()
	begin := time.Now()
	for _, k := range sortedKeys(objs) {
		body := objs[k]
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(st.bucket), Key: aws.String("bare/" + k),
			Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body)))}); err != nil {
			b.Fatal(err)
		}
		n += int64(len(body))
	}
	elapsed := time.Since(begin)
	b.StopTimer()
	return elapsed, n
}

var benchSeq atomic.Int64

// bareKafkaToS3 reads the benchRecords records after the warm-up ones
// from topic with a plain consumer and puts objs (sorted by key), one
// after each benchFlush records read, in the background; it returns the
// time until the last is put, and the bytes put.
func bareKafkaToS3(b *testing.B, bootstrap, topic string, st store, objs map[string][]byte) (time.Duration, int64) {
	s, err := parseSettings(st.props(keyFormatClass, "json", keyFlushSize, "1"))
	if err != nil {
		b.Fatal(err)
	}
	client, _, err := newClient(context.Background(), s)
	if err != nil {
		b.Fatal(err)
	}
	c, err := ckafka.NewConsumer(&ckafka.ConfigMap{"bootstrap.servers": bootstrap, "group.id": "bare-" + topic,
		"enable.auto.commit": false, "go.logs.channel.enable": false, "log_level": 4})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	keys := sortedKeys(objs)
	if len(keys)*benchFlush != benchRecords {
		b.Fatalf("%d objects for %d records in files of %d: %v", len(keys), benchRecords, benchFlush, keys)
	}
	ctx := context.Background()
	var n, valueBytes int64
	var begin time.Time
	if err := c.Assign([]ckafka.TopicPartition{{Topic: &topic, Partition: 0, Offset: ckafka.Offset(benchFlush)}}); err != nil {
		b.Fatal(err)
	}
	// Uploads run beside the consumer, as the sink's do, up to the
	// sink's default s3.upload.concurrency (4) at a time.
	uploads := make(chan string)
	uploadErr := make(chan error, 1)
	var uploaders sync.WaitGroup
	for range 4 {
		uploaders.Go(func() {
			for k := range uploads {
				body := objs[k]
				if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(st.bucket), Key: aws.String("bare/" + k),
					Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body)))}); err != nil {
					select {
					case uploadErr <- err:
					default:
					}
				}
			}
		})
	}
	read := 0
	for next := 0; next < len(keys); {
		ev := c.Poll(100)
		switch e := ev.(type) {
		case *ckafka.Message:
			if e.TopicPartition.Error != nil {
				b.Fatal(e.TopicPartition.Error)
			}
			if read == 0 { // the clock starts with the first record, as the pipeline's
				b.StartTimer()
				begin = time.Now()
			}
			valueBytes += int64(len(e.Value))
			read++
		case ckafka.Error:
			b.Fatal(e)
		}
		if read < (next+1)*benchFlush {
			continue
		}
		uploads <- keys[next]
		n += int64(len(objs[keys[next]]))
		next++
	}
	close(uploads)
	uploaders.Wait()
	select {
	case err := <-uploadErr:
		b.Fatal(err)
	default:
	}
	elapsed := time.Since(begin)
	b.StopTimer()
	if valueBytes == 0 {
		b.Fatal("the bare consumer read no bytes")
	}
	return elapsed, n
}

func waitBench(b *testing.B, what string, ok func() bool) {
	deadline := time.Now().Add(2 * time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			b.Fatalf("no %s within 2 minutes", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var benchSchema = connect.NewStructSchema().Name("com.example.Order").
	Field("id", connect.Int64Schema).
	Field("customer", connect.StringSchema).
	Field("amount", connect.Float64Schema).
	Field("qty", connect.OptionalInt32Schema).
	Field("paid", connect.BooleanSchema).
	Field("note", connect.StringSchema).
	MustBuild()

// BenchmarkSinkToS3 measures the sink alone, without Kafka and the
// runtime: the task is handed the benchmark's records, already converted,
// in batches of 500 (as the runtime hands them), and the clock runs until
// PreCommit offers every offset (every file uploaded). The bare loop puts
// the same objects' bytes with the same client, as in BenchmarkKafkaToS3.
//
//	go test -run '^$' -bench SinkToS3 -benchtime 1x -count 3 ./connectors/s3/
func BenchmarkSinkToS3(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	letters := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
	gw := s3test.Shared(b)
	for _, format := range []string{"json", "parquet"} {
		b.Run(format, func(b *testing.B) {
			b.StopTimer()
			b.ReportAllocs()
			var pipeBytes, bareBytes int64
			var pipeTime, bareTime time.Duration
			for iter := range b.N {
				st := store{gw: gw, bucket: gw.NewBucket(b)}
				topic := fmt.Sprintf("sink-%s-%d", format, iter)
				recs := make([]*connect.Record, benchRecords)
				for i := range recs {
					note := make([]byte, 400)
					for j := range note {
						note[j] = letters[rng.IntN(len(letters))]
					}
					v := connect.NewStruct(benchSchema)
					mustPut(v, "id", int64(i))
					mustPut(v, "customer", fmt.Sprintf("customer-%d", i%1000))
					mustPut(v, "amount", float64(i)*1.25)
					mustPut(v, "qty", int32(i%100))
					mustPut(v, "paid", i%2 == 1)
					mustPut(v, "note", string(note))
					recs[i] = &connect.Record{Topic: topic, Partition: connect.PartitionOf(0), Offset: int64(i),
						ValueSchema: benchSchema, Value: v}
				}
				tp := connect.TopicPartition{Topic: topic, Partition: 0}
				task := startTask(b, st.props(keyFormatClass, format, keyFlushSize, fmt.Sprint(benchFlush)), connecttest.NewSinkContext(), tp)
				b.StartTimer()
				begin := time.Now()
				for i := 0; i < len(recs); i += 500 {
					put(b, task, recs[i:min(i+500, len(recs))]...)
				}
				waitCommittable(b, task, tp, benchRecords)
				pipeTime += time.Since(begin)
				b.StopTimer()
				objs := gw.Objects(b, st.bucket, "topics/")
				for _, o := range objs {
					pipeBytes += int64(len(o))
				}
				d, n := bareUploads(b, st, objs)
				bareTime += d
				bareBytes += n
			}
			pipeRate := float64(pipeBytes) / 1e6 / pipeTime.Seconds()
			bareRate := float64(bareBytes) / 1e6 / bareTime.Seconds()
			b.ReportMetric(pipeRate, "sink-MB/s")
			b.ReportMetric(bareRate, "bare-MB/s")
			b.ReportMetric(pipeRate/bareRate, "ratio")
		})
	}
}
