package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/parquet-go/parquet-go"

	"github.com/sluicehq/sluice/internal/s3test"
)

// s3Store is an S3-compatible store: its endpoint as the test reaches it
// (Endpoint) and as the workers do (WorkerEndpoint, the sink's
// store.url), and its credentials.
type s3Store struct {
	Endpoint, WorkerEndpoint string
	AccessKey, SecretKey     string
}

// s3Service returns the compose service minio when SLUICE_TEST_S3 and
// SLUICE_TEST_S3_WORKER are set (its endpoint from the host, such as
// http://localhost:9000, and from the workers, such as
// http://minio:9000; the credentials are SLUICE_TEST_S3_ACCESS_KEY and
// SLUICE_TEST_S3_SECRET_KEY, by default compose's MINIO_ROOT_USER and
// MINIO_ROOT_PASSWORD), and otherwise the S3 gateway s3test starts once
// per test binary.
func s3Service(t *testing.T) s3Store {
	t.Helper()
	endpoint, worker := os.Getenv("SLUICE_TEST_S3"), os.Getenv("SLUICE_TEST_S3_WORKER")
	if (endpoint == "") != (worker == "") {
		t.Fatal("set both SLUICE_TEST_S3 (the endpoint for the test) and SLUICE_TEST_S3_WORKER (for the workers), or neither")
	}
	if endpoint == "" {
		g := s3test.Shared(t)
		return s3Store{Endpoint: g.Endpoint, WorkerEndpoint: g.Endpoint, AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey}
	}
	st := s3Store{Endpoint: endpoint, WorkerEndpoint: worker,
		AccessKey: os.Getenv("SLUICE_TEST_S3_ACCESS_KEY"), SecretKey: os.Getenv("SLUICE_TEST_S3_SECRET_KEY")}
	if st.AccessKey == "" {
		st.AccessKey = "sluice"
	}
	if st.SecretKey == "" {
		st.SecretKey = "sluice-secret"
	}
	return st
}

// client returns an S3 client of the store, addressing buckets by path.
func (st s3Store) client() *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(st.AccessKey, st.SecretKey, ""),
		BaseEndpoint: aws.String(st.Endpoint),
		UsePathStyle: true,
	})
}

// objects returns the bucket's objects under prefix, by key; it fails the
// test if the store does not answer.
func (st s3Store) objects(t *testing.T, bucket, prefix string) map[string][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := st.client()
	objs := map[string][]byte{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("listing %s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatalf("getting %s/%s: %v", bucket, aws.ToString(o.Key), err)
			}
			b, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil {
				t.Fatalf("reading %s/%s: %v", bucket, aws.ToString(o.Key), err)
			}
			objs[aws.ToString(o.Key)] = b
		}
	}
	return objs
}

// s3Order is order i as a kcat key|value line, a JSON value with its
// Connect schema, and its payload as JSON.
func s3Order(i int) (line, payload string) {
	qty := "null"
	if i%2 == 0 {
		qty = fmt.Sprint(i)
	}
	payload = fmt.Sprintf(`{"id":%d,"customer":"customer-%d","amount":%v,"qty":%s,"paid":%t}`,
		i, i%3, float64(i)*1.25, qty, i%2 == 1)
	line = fmt.Sprintf(`%d|{"schema":{"type":"struct","name":"com.example.Order","optional":false,"fields":[`+
		`{"field":"id","type":"int64"},{"field":"customer","type":"string"},{"field":"amount","type":"double"},`+
		`{"field":"qty","type":"int32","optional":true},{"field":"paid","type":"boolean"}]},"payload":%s}`, i, payload)
	return line, payload
}

// TestS3SinkWritesRecordsAsObjects creates an S3 sink (Confluent's class
// name) through the REST API over orders produced with kcat, JSON values
// with schemas, in JSON lines and in Parquet: the bucket holds one object
// per flush.size records, named by topic, partition and first offset, and
// the objects hold the records' payloads in order.
func TestS3SinkWritesRecordsAsObjects(t *testing.T) {
	e, st := services(t), s3Service(t)
	for _, tc := range []struct {
		format, class, ext string
		read               func(t *testing.T, b []byte) []map[string]any
	}{
		{"json", "io.confluent.connect.s3.format.json.JsonFormat", ".json", readJSONLines},
		{"parquet", "io.confluent.connect.s3.format.parquet.ParquetFormat", ".snappy.parquet", readParquetRows},
	} {
		t.Run(tc.format, func(t *testing.T) {
			// The topic and the bucket are new on every run: compose's
			// store keeps its buckets.
			topic := fmt.Sprintf("s3-%s-%d", tc.format, time.Now().UnixNano())
			bucket := topic
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := st.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatalf("creating bucket %s at %s: %v", bucket, st.Endpoint, err)
			}

			const records, flushSize = 6, 3
			var lines []string
			var payloads []map[string]any
			for i := range records {
				line, payload := s3Order(i)
				lines = append(lines, line)
				var p map[string]any
				if err := json.Unmarshal([]byte(payload), &p); err != nil {
					t.Fatal(err)
				}
				payloads = append(payloads, p)
			}
			kcatProduce(t, e.Bootstrap, topic, lines...)

			status, body := call(t, "PUT", e.REST+"/connectors/"+topic+"/config", map[string]string{
				"connector.class": "io.confluent.connect.s3.S3SinkConnector", "tasks.max": "1", "topics": topic,
				"store.url": st.WorkerEndpoint, "s3.bucket.name": bucket, "s3.region": "us-east-1", "s3.path.style.access.enabled": "true",
				"aws.access.key.id": st.AccessKey, "aws.secret.access.key": st.SecretKey,
				"format.class": tc.class, "flush.size": fmt.Sprint(flushSize),
				"key.converter":   "org.apache.kafka.connect.storage.StringConverter",
				"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
			})
			if status != http.StatusCreated {
				t.Fatalf("create: %d %s", status, body)
			}
			t.Cleanup(func() { call(t, "DELETE", e.REST+"/connectors/"+topic, nil) })
			waitRunning(t, e.REST, topic)

			prefix := "topics/" + topic + "/partition=0/"
			var want []string
			for start := 0; start < records; start += flushSize {
				want = append(want, fmt.Sprintf("%s%s+0+%010d%s", prefix, topic, start, tc.ext))
			}
			var objs map[string][]byte
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
				objs = st.objects(t, bucket, "topics/")
				if len(objs) >= len(want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d objects in bucket %s after 30 s, want %d: %v", len(objs), bucket, len(want), slices.Sorted(maps.Keys(objs)))
				}
			}
			if got := slices.Sorted(maps.Keys(objs)); !slices.Equal(got, want) {
				t.Fatalf("objects %v, want %v", got, want)
			}
			for i, key := range want {
				got := tc.read(t, objs[key])
				if w := payloads[i*flushSize : (i+1)*flushSize]; !reflect.DeepEqual(got, w) {
					t.Errorf("%s holds\n%v\nwant\n%v", key, got, w)
				}
			}
		})
	}
}

// readJSONLines parses an object of JSON lines.
func readJSONLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", sc.Text(), err)
		}
		out = append(out, v)
	}
	return out
}

// readParquetRows reads every row of a Parquet file, each as the JSON of
// its columns would read (numbers as float64), to compare with the
// records' payloads.
func readParquetRows(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a Parquet file: %v", err)
	}
	rd := parquet.NewReader(f)
	defer rd.Close()
	var out []map[string]any
	for {
		row := map[string]any{}
		if err := rd.Read(&row); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("reading a Parquet row: %v", err)
		}
		j, err := json.Marshal(row)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(j, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}
