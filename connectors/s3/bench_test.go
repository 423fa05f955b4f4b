package s3

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/sluicetest"
	"github.com/sluicehq/sluice/internal/s3test"
)

// The benchmark's records: benchRecords orders of about 600 bytes of
// JSON each (a 400-character note of random letters), in files of
// benchFlush records.
const (
	benchRecords = 60_000
	benchFlush   = 10_000
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
// of objects per second, against a bare loop that uploads the same
// objects (same bytes, same sizes) with the same S3 client, in the same
// run, to the same versitygw.
//
// The pipeline side: a connector (one task, a one-partition topic)
// created through the REST API has written a first file, so that its
// consumer is in the group and the bucket was read; it is paused while
// kcat produces benchRecords more records (JSON with schemas), and the
// clock runs from its resume until s3_records_written_total says every
// record is in an uploaded object: consuming, converting, writing the
// format, uploading, in files of benchFlush records. The bare side: a
// loop putting those same objects' bytes one after the other (as the
// sink uploads a partition's files) with a client built from the same
// config.
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
			for iter := range b.N {
				bucket := gw.NewBucket(b)
				st := store{gw: gw, bucket: bucket}
				name := fmt.Sprintf("bench-%s-%d", format, iter)
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
				bd, bn := bareUploads(b, st, objs)
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
	b.StartTimer()
	begin := time.Now()
	if code, body := w.Do("PUT", "/connectors/"+name+"/resume", nil); code != http.StatusAccepted {
		b.Fatalf("resume: %d %s", code, body)
	}
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
				task := startTask(b, st.props(keyFormatClass, format, keyFlushSize, fmt.Sprint(benchFlush)), newSinkContext(), tp)
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
