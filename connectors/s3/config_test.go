package s3

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/connecttest"
	"github.com/sluicehq/sluice/internal/s3test"
)

func goodProps(extra ...string) map[string]string {
	p := map[string]string{keyBucket: "b", keyFormatClass: "io.confluent.connect.s3.format.json.JsonFormat", keyFlushSize: "100"}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return p
}

// TestBadConfigsNameTheKey checks that each bad config is refused, by the
// connector's validation and by Start, with an error on the key at fault
// saying what is wrong.
func TestBadConfigsNameTheKey(t *testing.T) {
	timeBased := []string{keyPartitionerClass, "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
		keyPathFormat, "'y'=YYYY", keyPartitionDuration, "3600000", keyLocale, "en-US", keyTimezone, "UTC"}
	without := func(key string, kv ...string) map[string]string {
		p := goodProps(kv...)
		delete(p, key)
		return p
	}
	for _, tt := range []struct {
		name  string
		props map[string]string
		key   string
		want  string
	}{
		{"no bucket", without(keyBucket), keyBucket, "Missing required configuration"},
		{"no flush.size", without(keyFlushSize), keyFlushSize, "Missing required configuration"},
		{"flush.size 0", goodProps(keyFlushSize, "0"), keyFlushSize, "at least 1"},
		{"no format", without(keyFormatClass), keyFormatClass, "Missing required configuration"},
		{"unknown format", goodProps(keyFormatClass, "io.confluent.connect.s3.format.orc.OrcFormat"), keyFormatClass, "must be one of"},
		{"unknown partitioner", goodProps(keyPartitionerClass, "com.example.MyPartitioner"), keyPartitionerClass, "must be one of"},
		{"field partitioner without fields", goodProps(keyPartitionerClass, partitionerField), keyPartitionFieldName, "FieldPartitioner needs"},
		{"time-based without path.format", without(keyPathFormat, timeBased...), keyPathFormat, "needs path.format"},
		{"time-based with a bad path.format", goodProps(append(timeBased, keyPathFormat, "year=YYYY")...), keyPathFormat, "illegal pattern letter"},
		{"time-based without duration", without(keyPartitionDuration, timeBased...), keyPartitionDuration, "needs partition.duration.ms"},
		{"time-based without locale", without(keyLocale, timeBased...), keyLocale, "needs locale"},
		{"hourly without timezone", goodProps(keyPartitionerClass, partitionerHourly, keyLocale, "en"), keyTimezone, "needs timezone"},
		{"unknown timezone", goodProps(append(timeBased, keyTimezone, "Mars/Olympus")...), keyTimezone, "not a time zone"},
		{"month names in French", goodProps(append(timeBased, keyPathFormat, "MMMM", keyLocale, "fr_FR")...), keyLocale, "English only"},
		{"RecordField without a field", goodProps(append(timeBased, keyTimestampExtractor, "RecordField", keyTimestampField, "")...),
			keyTimestampField, "needs timestamp.field"},
		{"unknown extractor", goodProps(append(timeBased, keyTimestampExtractor, "Kafka")...), keyTimestampExtractor, "must be one of"},
		{"schedule without timezone", goodProps(keyRotateSchedule, "60000"), keyTimezone, "needed with rotate.schedule.interval.ms"},
		{"negative rotate.interval.ms", goodProps(keyRotateInterval, "-5"), keyRotateInterval, "positive number"},
		{"access key without secret", goodProps(keyAccessKeyID, "AKIA"), keySecretAccessKey, "needed too"},
		{"secret without access key", goodProps(keySecretAccessKey, "s3cr3t"), keyAccessKeyID, "needed too"},
		{"store.url without scheme", goodProps(keyStoreURL, "minio:9000"), keyStoreURL, "http:// or https://"},
		{"part size under 5 MiB", goodProps(keyPartSize, "1000000"), keyPartSize, "at least 5.24288e+06"},
		{"partition buffer under the part size", goodProps(keyPartitionBuffer, fmt.Sprint(6*mib), keyPartSize, fmt.Sprint(8*mib)),
			keyPartitionBuffer, "at least s3.part.size"},
		{"buffer under partition buffer and part", goodProps(keyBufferMax, fmt.Sprint(20*mib), keyPartSize, fmt.Sprint(8*mib)),
			keyBufferMax, "at least s3.buffer.partition.max.bytes plus s3.part.size"},
		{"null values written as Parquet", goodProps(keyNullValues, "write", keyFormatClass, "parquet"), keyNullValues, "ParquetFormat"},
		{"unknown null behavior", goodProps(keyNullValues, "drop"), keyNullValues, "must be one of"},
		{"unknown compression", goodProps(keyCompressionType, "zstd"), keyCompressionType, "must be one of"},
		{"unknown parquet codec", goodProps(keyParquetCodec, "lzo"), keyParquetCodec, "must be one of"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &sinkConnector{}
			errs := c.ValidateConfig(tt.props)
			if errs == nil {
				_, err := def.Parse(tt.props)
				errs = configErrors(err)
			}
			if errs == nil || !strings.Contains(strings.Join(errs.For(tt.key), " "), tt.want) {
				t.Fatalf("errors %v, want one on %s saying %q", errs, tt.key, tt.want)
			}
			err := c.Start(nil, tt.props)
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("Start = %v, want an error naming %s", err, tt.key)
			}
		})
	}
}

// TestGoodConfigTakesConfluentDefaults checks the defaults of a minimal
// config, the Confluent class names, and that secrets are passwords.
func TestGoodConfigTakesConfluentDefaults(t *testing.T) {
	s, err := parseSettings(goodProps())
	if err != nil {
		t.Fatal(err)
	}
	if s.region != "us-west-2" || s.topicsDir != "topics" || s.partSize != 25*mib || s.padWidth != 10 ||
		s.nullBehavior != nullFail || s.parquetCodec != "snappy" || s.format != formatJSON || !s.pathStyle ||
		s.rotateInterval != 0 || s.rotateSchedule != 0 || string(s.bytesSep) != "\n" || s.bytesExt != ".bin" {
		t.Errorf("defaults: %+v", s)
	}
	if _, ok := s.partitioner.(defaultPartitioner); !ok {
		t.Errorf("partitioner %T, want the default", s.partitioner)
	}
	if s.partBuffer != 50*mib || s.bufferMax != 256*mib {
		t.Errorf("memory caps %d and %d, want 2 × and at least 256 MiB", s.partBuffer, s.bufferMax)
	}
	if k, _ := def.Key(keySecretAccessKey); k.Type != config.Password {
		t.Errorf("%s is %v, want PASSWORD", keySecretAccessKey, k.Type)
	}
	s, err = parseSettings(goodProps(keyPartitionerClass, "io.confluent.connect.storage.partitioner.DailyPartitioner",
		keyLocale, "en_US", keyTimezone, "Europe/Paris", keyTimestampExtractor,
		"io.confluent.connect.storage.partitioner.TimeBasedPartitioner$RecordTimestampExtractor"))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := s.partitioner.(timePartitioner)
	if !ok || p.duration != int64(24*time.Hour/time.Millisecond) || p.loc.String() != "Europe/Paris" {
		t.Errorf("DailyPartitioner: %#v", s.partitioner)
	}
	if _, ok := p.ts.(recordExtractor); !ok || s.clock != p.ts {
		t.Errorf("extractor %T, clock %T: want Record for both", p.ts, s.clock)
	}
	for _, name := range []string{"s3", "S3SinkConnector", "io.confluent.connect.s3.S3SinkConnector"} {
		if pl, ok := connect.Lookup(connect.KindSink, name); !ok || pl.Name != "s3" {
			t.Errorf("sink %q is not registered as s3", name)
		}
	}
}

// TestSecretNeverReachesAnError checks that a bad config's errors do not
// show the secret key.
func TestSecretNeverReachesAnError(t *testing.T) {
	_, err := parseSettings(goodProps(keySecretAccessKey, "very-secret-value", keyBucket, ""))
	if err == nil || strings.Contains(err.Error(), "very-secret-value") {
		t.Fatalf("error %v: want one without the secret", err)
	}
}

// TestCredentialsFromTheDefaultChain: without aws.access.key.id, the
// credentials come from the AWS default chain (here the environment);
// topics.dir and filename.offset.zero.pad.width shape the object's name.
func TestCredentialsFromTheDefaultChain(t *testing.T) {
	st := newStore(t)
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	props := st.props(keyTopicsDir, "/exports/kafka/", keyZeroPadWidth, "4")
	delete(props, keyAccessKeyID)
	delete(props, keySecretAccessKey)
	tp := connect.TopicPartition{Topic: "orders", Partition: 3}
	task := startTask(t, props, connecttest.NewSinkContext(), tp)
	put(t, task, orderRecords("orders", 3, 40, 43, t0)...)
	waitCommittable(t, task, tp, 43)
	keys := st.gw.Keys(t, st.bucket, "")
	if want := "exports/kafka/orders/partition=3/orders+3+0040.json"; len(keys) != 1 || keys[0] != want {
		t.Fatalf("objects %v, want [%s]", keys, want)
	}
}
