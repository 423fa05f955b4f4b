package transforms

import (
	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/converters"
)

// insertHeader adds a header with a fixed value to every record: Kafka
// Connect's InsertHeader. Earlier headers with the same key are kept.
//
// The value.literal is typed the way Kafka Connect's Values.parseString
// types it, by the same code the SimpleHeaderConverter reads headers with
// (converters.ParseHeaderValue, whose doc gives the rules): "null" is a
// null header, "true" a BOOLEAN, "42" an INT8, "2024-01-31" a Date,
// "[1,2]" an ARRAY, anything else the STRING itself. Unlike Kafka, a
// number becomes FLOAT32 only when no digit is lost.
//
// Example:
//
//	transforms.source.type=InsertHeader
//	transforms.source.header=source
//	transforms.source.value.literal=billing-db
type insertHeader struct {
	header string
	schema *connect.Schema
	value  any
}

var insertHeaderDef = config.NewDef(
	config.Key{Name: "header", Type: config.String, Required: true, Importance: config.High,
		Doc: "The key of the header to add."},
	config.Key{Name: "value.literal", Type: config.String, Required: true, Importance: config.High,
		Doc: "The value of the header, the same for every record. Its schema is inferred: null, booleans, " +
			"integers, decimal numbers, ISO-8601 dates, times and timestamps, arrays and maps are typed; anything else is a string."},
)

func init() {
	connect.RegisterTransformation("InsertHeader", func() connect.Transformation { return &insertHeader{} }, kafkaName("InsertHeader"))
}

// ConfigDef returns the keys InsertHeader accepts.
func (t *insertHeader) ConfigDef() *config.Def { return insertHeaderDef }

// Configure reads header and value.literal, and types the literal.
func (t *insertHeader) Configure(props map[string]string) error {
	v, err := insertHeaderDef.Parse(props)
	if err != nil {
		return err
	}
	t.header = v.String("header")
	t.schema, t.value = converters.ParseHeaderValue(v.String("value.literal"))
	return nil
}

// Apply appends the header.
func (t *insertHeader) Apply(r *connect.Record) (*connect.Record, error) {
	r.Headers.Add(t.header, t.schema, t.value)
	return r, nil
}

// Close does nothing.
func (t *insertHeader) Close() error { return nil }
