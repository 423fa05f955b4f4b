package elasticsearch

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/rest"
	"github.com/sluicehq/sluice/connect/sluicetest"
	"github.com/sluicehq/sluice/internal/estest"
)

// benchDocs is how many documents each side of
// BenchmarkKafkaToElasticsearch writes per iteration.
const benchDocs = 100_000

// benchSchema is the value schema of the benchmark's records: ten fields.
var benchSchema = connect.NewStructSchema().Name("row").
	Field("id", connect.Int64Schema).Field("c1", connect.Int32Schema).Field("c2", connect.Int64Schema).
	Field("c3", connect.Float64Schema).Field("c4", connect.StringSchema).Field("c5", connect.StringSchema).
	Field("c6", connect.BooleanSchema).Field("c7", connect.Float64Schema).Field("c8", connect.StringSchema).
	Field("c9", connect.Int64Schema).MustBuild()

// benchStruct is row i as the JSON converter reads it back.
func benchStruct(i int) *connect.Struct {
	st := connect.NewStruct(benchSchema)
	vals := []any{int64(i), int32(i % 1000), int64(i) * 7, float64(i) / 4, fmt.Sprintf("name-%d", i),
		"constant text of some length", i%2 == 0, float64(i) * 1.5, fmt.Sprintf("city-%d", i%97), int64(i) << 20}
	for j, v := range vals {
		if err := st.PutAt(j, v); err != nil {
			panic(err)
		}
	}
	return st
}

// benchLine is row i as a kcat key|value line: its id as the key, the
// value in the JSON converter's envelope with its schema.
func benchLine(i int) string {
	return fmt.Sprintf(`%d|{"schema":{"type":"struct","name":"row","optional":false,"fields":[`+
		`{"field":"id","type":"int64"},{"field":"c1","type":"int32"},{"field":"c2","type":"int64"},`+
		`{"field":"c3","type":"double"},{"field":"c4","type":"string"},{"field":"c5","type":"string"},`+
		`{"field":"c6","type":"boolean"},{"field":"c7","type":"double"},{"field":"c8","type":"string"},`+
		`{"field":"c9","type":"int64"}]},"payload":{"id":%d,"c1":%d,"c2":%d,"c3":%v,"c4":"name-%d",`+
		`"c5":"constant text of some length","c6":%t,"c7":%v,"c8":"city-%d","c9":%d}}`,
		i, i, i%1000, int64(i)*7, float64(i)/4, i, i%2 == 0, float64(i)*1.5, i%97, int64(i)<<20)
}

// BenchmarkKafkaToElasticsearch measures the sink's whole path, Kafka to
// Elasticsearch (the fake node, in this process), against a bare loop in
// the same run that sends the same documents, in the same bulk sizes,
// with the same client and settings, to the same node.
//
// The pipeline side: kcat has produced benchDocs records (JSON with
// schemas, ten fields, the id as key) while the connector was paused,
// after a first record showed its task running; the clock runs from the
// resume until the node holds every document, and covers consuming,
// converting, encoding, bulk requests (batch.size 2000, linger.ms 1, up
// to 5 in flight, the defaults) and their responses. The bare side: the
// same documents, already encoded as the sink encodes them, split as the
// sink's requests were, each request's response read and checked as the
// sink checks it: a loop sending one request after the other (bare, the
// baseline), and, for reference, 5 goroutines sending at once as the
// sink may (bare5, max.in.flight.requests). Each side writes into a new
// index of the same mapping.
//
// It reports the rates and the ratios pipeline/bare and pipeline/bare5.
// The machine is shared: compare medians of a few runs.
//
//	go test -run '^$' -bench KafkaToElasticsearch -benchtime 1x -count 3 ./connectors/elasticsearch
func BenchmarkKafkaToElasticsearch(b *testing.B) {
	b.ReportAllocs()
	w := sluicetest.Start(b, "offset.flush.interval.ms", "10000")
	f := estest.Start(b)
	lines := make([]string, benchDocs)
	for i := range lines {
		lines[i] = benchLine(i)
	}
	var bareTime, concTime, pipeTime time.Duration
	for iter := range b.N {
		b.StopTimer()
		pipe := fmt.Sprintf("pipe-%d", iter)
		f.ResetLog()
		b.StartTimer()
		pipeTime += pipelineDocs(b, w, f, pipe, lines)
		b.StopTimer()
		if n := f.Count(pipe); n != benchDocs+1 {
			b.Fatalf("the sink wrote %d documents, want %d", n, benchDocs+1)
		}
		sizes := requestSizes(f, pipe)
		f.DropIndex(pipe)
		for _, side := range []struct {
			index   string
			senders int
			total   *time.Duration
		}{{fmt.Sprintf("bare-%d", iter), 1, &bareTime}, {fmt.Sprintf("bare-concurrent-%d", iter), 5, &concTime}} {
			f.CreateIndex(side.index, mappingJSONOf(benchSchema))
			bodies := bareBodies(b, side.index, sizes)
			b.StartTimer()
			*side.total += bareBulk(b, f, bodies, side.senders)
			b.StopTimer()
			if n := f.Count(side.index); n != benchDocs+1 {
				b.Fatalf("the bare loop wrote %d documents, want %d", n, benchDocs+1)
			}
			f.DropIndex(side.index)
		}
	}
	rate := func(d time.Duration) float64 { return float64(benchDocs*b.N) / d.Seconds() }
	b.ReportMetric(rate(bareTime), "bare-docs/s")
	b.ReportMetric(rate(concTime), "bare5-docs/s")
	b.ReportMetric(rate(pipeTime), "pipeline-docs/s")
	b.ReportMetric(rate(pipeTime)/rate(bareTime), "ratio")
	b.ReportMetric(rate(pipeTime)/rate(concTime), "ratio-bare5")
}

// mappingJSONOf is the mapping the sink puts on a new index for records
// of schema s.
func mappingJSONOf(s *connect.Schema) string { return string(mappingOf(s, true)) }

// pipelineDocs runs the records through an Elasticsearch sink connector
// and returns the time from its resume to its last document.
func pipelineDocs(b *testing.B, w *sluicetest.Worker, f *estest.Server, index string, lines []string) time.Duration {
	topic, name := index, "bench-sink-"+index
	sluicetest.KcatProduce(b, w.Bootstrap, topic, benchLine(-1))
	w.CreateConnector(name, map[string]string{
		"connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "tasks.max": "1",
		"topics": topic, keyURL: f.URL,
	})
	waitFor(b, "the first document", func() bool { return f.Count(index) == 1 })
	if code, body := w.Do("PUT", "/connectors/"+name+"/pause", nil); code != http.StatusAccepted {
		b.Fatalf("pause: %d %s", code, body)
	}
	w.WaitState(name, rest.StatePaused, 30*time.Second)
	sluicetest.KcatProduce(b, w.Bootstrap, topic, lines...)
	begin := time.Now()
	if code, body := w.Do("PUT", "/connectors/"+name+"/resume", nil); code != http.StatusAccepted {
		b.Fatalf("resume: %d %s", code, body)
	}
	for f.Count(index) < benchDocs+1 {
		time.Sleep(5 * time.Millisecond)
		if time.Since(begin) > 5*time.Minute {
			b.Fatalf("the sink wrote %d of %d documents in 5 minutes", f.Count(index), benchDocs+1)
		}
	}
	elapsed := time.Since(begin)
	w.Do("DELETE", "/connectors/"+name, nil)
	return elapsed
}

// requestSizes returns how many of the index's documents each bulk
// request carried, in order.
func requestSizes(f *estest.Server, index string) []int {
	var sizes []int
	for _, req := range f.BulkLog() {
		n := 0
		for _, op := range req {
			if op.Index == index {
				n++
			}
		}
		if n > 0 {
			sizes = append(sizes, n)
		}
	}
	return sizes
}

// bareBodies encodes the documents as the sink does (rows -1 to
// benchDocs-1, keyed by id), into requests of the given sizes.
func bareBodies(b *testing.B, index string, sizes []int) [][]byte {
	s, err := parseSettings(map[string]string{keyURL: "http://unused", keyTopicIndexMap: "t:" + index})
	if err != nil {
		b.Fatal(err)
	}
	conv := newConverter(s)
	var bodies [][]byte
	row := -1
	for _, n := range sizes {
		var body []byte
		for range n {
			r := rec("t", 0, int64(row+1), fmt.Sprint(row), benchStruct(row))
			r.KeySchema, r.ValueSchema = connect.StringSchema, benchSchema
			d, err := conv.convert(r)
			if err != nil {
				b.Fatal(err)
			}
			body = append(body, d.line...)
			row++
		}
		bodies = append(bodies, body)
	}
	return bodies
}

// bareBulk sends the bodies with the sink's client and settings, from
// the given number of goroutines, and returns the time it took.
func bareBulk(b *testing.B, f *estest.Server, bodies [][]byte, senders int) time.Duration {
	s, err := parseSettings(map[string]string{keyURL: f.URL})
	if err != nil {
		b.Fatal(err)
	}
	c, err := newClient(s)
	if err != nil {
		b.Fatal(err)
	}
	defer c.close()
	ctx := context.Background()
	if _, err := c.info(ctx); err != nil {
		b.Fatal(err)
	}
	work := make(chan []byte)
	errs := make(chan error, senders)
	var wg sync.WaitGroup
	begin := time.Now()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range work {
				status, resp, err := c.bulk(ctx, body)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("HTTP %d", status)
				}
				if err == nil {
					var res *bulkResponse
					if res, err = parseBulkResponse(resp); err == nil && res.Errors {
						err = fmt.Errorf("a document failed")
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, body := range bodies {
		work <- body
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(begin)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return elapsed
}
