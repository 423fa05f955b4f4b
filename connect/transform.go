package connect

// Transformation changes records one at a time: Kafka Connect's
// single-message transform.
//
// Apply owns the record it is given: it may change the record and its
// value in place and return it, return another record, or return nil to
// drop the record. The caller never uses r after the call. An error
// about the record's data should match ErrData; the runtime then applies
// errors.tolerance.
type Transformation interface {
	Configurable
	// Configure reads the transformation's own keys (without the
	// transforms.<alias>. prefix). The error names each bad key.
	Configure(props map[string]string) error
	Apply(r *Record) (*Record, error)
	Close() error
}

// Predicate decides whether a transformation applies to a record.
type Predicate interface {
	Configurable
	// Configure reads the predicate's own keys (without the
	// predicates.<alias>. prefix).
	Configure(props map[string]string) error
	// Test reports whether the record matches. It must not change r.
	Test(r *Record) bool
	Close() error
}
