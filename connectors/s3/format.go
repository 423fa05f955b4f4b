package s3

import (
	"fmt"
	"io"

	"github.com/sluicehq/sluice/connect"
)

// fileFormat writes records as the files of one format.class.
type fileFormat interface {
	// extension returns the file name's extension, with its dot, before
	// any .gz of s3.compression.type.
	extension() string
	// newWriter starts a file at out for records of the value schema (nil
	// for schemaless values). seed is the object's key: a format that
	// needs bytes that look random (Avro's sync marker) derives them from
	// it, so that rewriting the file gives the same bytes. An error
	// matching connect.ErrData means no file of this schema can be
	// written.
	newWriter(out io.Writer, schema *connect.Schema, seed string) (recordWriter, error)
}

// recordWriter writes the records of one file.
type recordWriter interface {
	// write appends the record's value. An error matching connect.ErrData
	// is about the record, and nothing of it was written; another error
	// leaves the file unusable.
	write(r *connect.Record) error
	// pending returns an estimate of the bytes the writer holds that
	// have not reached out (Parquet's rows of the open row group).
	pending() int64
	// close writes what the writer holds and the file's trailer to out.
	close() error
}

// newFileFormat returns the format of the settings.
func newFileFormat(s *settings) (fileFormat, error) {
	switch s.format {
	case formatJSON:
		return newJSONFormat(s.decimalFormat)
	case formatByteArray:
		return byteArrayFormat{ext: s.bytesExt, sep: s.bytesSep}, nil
	case formatAvro:
		return newAvroFormat(s.avroCodec)
	case formatParquet:
		return newParquetFormat(s.parquetCodec, s.partSize)
	}
	return nil, fmt.Errorf("s3: unknown format %q", s.format)
}

// recordName names a record in errors: topic, partition and offset.
func recordName(r *connect.Record) string {
	return fmt.Sprintf("%s-%d@%d", r.Topic, kafkaPartition(r), r.Offset)
}

// JSON lines.

// jsonFormat writes each value as a line of JSON, with Kafka Connect's
// JsonConverter (schemas.enable=false), as Confluent's JsonFormat does.
type jsonFormat struct {
	conv connect.Converter
}

func newJSONFormat(decimalFormat string) (jsonFormat, error) {
	conv, err := connect.NewConverter("org.apache.kafka.connect.json.JsonConverter")
	if err != nil {
		return jsonFormat{}, fmt.Errorf("s3: JsonFormat needs the JSON converter, which this binary lacks: %w", err)
	}
	if err := conv.Configure(map[string]string{"schemas.enable": "false", "decimal.format": decimalFormat}, false); err != nil {
		return jsonFormat{}, fmt.Errorf("s3: configuring the JSON converter: %w", err)
	}
	return jsonFormat{conv: conv}, nil
}

func (jsonFormat) extension() string { return ".json" }

func (f jsonFormat) newWriter(out io.Writer, _ *connect.Schema, _ string) (recordWriter, error) {
	return &jsonWriter{conv: f.conv, out: out}, nil
}

type jsonWriter struct {
	conv connect.Converter
	out  io.Writer
	line []byte
}

func (w *jsonWriter) write(r *connect.Record) error {
	var err error
	if a, ok := w.conv.(connect.AppendConverter); ok {
		// Straight into the line buffer, without a copy per record.
		var null bool
		w.line, null, err = a.AppendConnectData(w.line[:0], r.Topic, r.Headers, r.ValueSchema, r.Value)
		if err == nil && null {
			w.line = append(w.line[:0], "null"...)
		}
	} else {
		var b []byte
		b, err = w.conv.FromConnectData(r.Topic, r.Headers, r.ValueSchema, r.Value)
		if b == nil {
			b = []byte("null")
		}
		w.line = append(w.line[:0], b...)
	}
	if err != nil {
		return connect.DataErrorf("s3: JsonFormat cannot write the value of %s: %v", recordName(r), err)
	}
	w.line = append(w.line, '\n')
	_, err = w.out.Write(w.line)
	return err
}

func (w *jsonWriter) pending() int64 { return 0 }
func (w *jsonWriter) close() error   { return nil }

// Raw bytes.

// byteArrayFormat writes each value's bytes followed by a separator, as
// Confluent's ByteArrayFormat does. Values must be bytes (the
// ByteArrayConverter's); a null value (behavior.on.null.values=write)
// writes the separator alone.
type byteArrayFormat struct {
	ext string
	sep []byte
}

func (f byteArrayFormat) extension() string { return f.ext }

func (f byteArrayFormat) newWriter(out io.Writer, _ *connect.Schema, _ string) (recordWriter, error) {
	return &byteArrayWriter{out: out, sep: f.sep}, nil
}

type byteArrayWriter struct {
	out io.Writer
	sep []byte
	buf []byte
}

func (w *byteArrayWriter) write(r *connect.Record) error {
	if r.ValueSchema != nil && r.ValueSchema.Type != connect.TypeBytes {
		return connect.DataErrorf("s3: ByteArrayFormat writes BYTES values; the value of %s has a %v schema",
			recordName(r), r.ValueSchema.Type)
	}
	var v []byte
	switch x := r.Value.(type) {
	case []byte:
		v = x
	case nil:
	default:
		return connect.DataErrorf("s3: ByteArrayFormat writes bytes; the value of %s is a %T (use value.converter="+
			"org.apache.kafka.connect.converters.ByteArrayConverter)", recordName(r), r.Value)
	}
	w.buf = append(append(w.buf[:0], v...), w.sep...)
	_, err := w.out.Write(w.buf)
	return err
}

func (w *byteArrayWriter) pending() int64 { return 0 }
func (w *byteArrayWriter) close() error   { return nil }
