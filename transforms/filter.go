package transforms

import (
	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// filter drops every record it is applied to: Kafka Connect's Filter. It
// is meant to be guarded by a predicate, so that only the records the
// predicate matches (or, with negate=true, does not match) are dropped.
//
// Example (drop tombstones):
//
//	transforms.dropTombstones.type=Filter
//	transforms.dropTombstones.predicate=isTombstone
type filter struct{}

var filterDef = config.NewDef()

func init() {
	connect.RegisterTransformation("Filter", func() connect.Transformation { return filter{} }, kafkaName("Filter"))
}

// ConfigDef returns Filter's keys: it has none.
func (filter) ConfigDef() *config.Def { return filterDef }

// Configure accepts any config: Filter has no keys of its own.
func (filter) Configure(props map[string]string) error {
	_, err := filterDef.Parse(props)
	return err
}

// Apply drops the record.
func (filter) Apply(*connect.Record) (*connect.Record, error) { return nil, nil }

// Close does nothing.
func (filter) Close() error { return nil }
