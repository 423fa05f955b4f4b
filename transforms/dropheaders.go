package transforms

import (
	"slices"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// dropHeaders removes every header whose key is one of the configured
// names: Kafka Connect's DropHeaders. The other headers keep their order.
//
// Example:
//
//	transforms.drop.type=DropHeaders
//	transforms.drop.headers=trace-id,debug
type dropHeaders struct {
	headers []string
}

var dropHeadersDef = config.NewDef(
	config.Key{Name: "headers", Type: config.List, Required: true, Importance: config.High,
		Validators: []config.Validator{config.NonEmpty()},
		Doc:        "The keys of the headers to remove."},
)

func init() {
	connect.RegisterTransformation("DropHeaders", func() connect.Transformation { return &dropHeaders{} }, kafkaName("DropHeaders"))
}

// ConfigDef returns the keys DropHeaders accepts.
func (t *dropHeaders) ConfigDef() *config.Def { return dropHeadersDef }

// Configure reads headers.
func (t *dropHeaders) Configure(props map[string]string) error {
	v, err := dropHeadersDef.Parse(props)
	if err != nil {
		return err
	}
	t.headers = v.List("headers")
	return nil
}

// Apply removes the headers in place.
func (t *dropHeaders) Apply(r *connect.Record) (*connect.Record, error) {
	kept := r.Headers[:0]
	for _, h := range r.Headers {
		if !slices.Contains(t.headers, h.Key) {
			kept = append(kept, h)
		}
	}
	clear(r.Headers[len(kept):])
	r.Headers = kept
	return r, nil
}

// Close does nothing.
func (t *dropHeaders) Close() error { return nil }
