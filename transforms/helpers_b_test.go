package transforms

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// mustConfiguredTransform returns the named transformation, found through
// the registry as the runtime finds it, configured with props.
func mustConfiguredTransform(tb testing.TB, name string, props map[string]string) connect.Transformation {
	tb.Helper()
	t, err := connect.NewTransformation(name)
	if err != nil {
		tb.Fatal(err)
	}
	if err := t.Configure(props); err != nil {
		tb.Fatalf("%s: Configure(%v): %v", name, props, err)
	}
	return t
}

// mustConfiguredPredicate is mustConfiguredTransform for predicates.
func mustConfiguredPredicate(tb testing.TB, name string, props map[string]string) connect.Predicate {
	tb.Helper()
	p, err := connect.NewPredicate(name)
	if err != nil {
		tb.Fatal(err)
	}
	if err := p.Configure(props); err != nil {
		tb.Fatalf("%s: Configure(%v): %v", name, props, err)
	}
	return p
}

// configErrorKeysOf returns the keys a *config.Errors names, or fails.
func configErrorKeysOf(tb testing.TB, err error) []string {
	tb.Helper()
	var ce *config.Errors
	if !errors.As(err, &ce) {
		tb.Fatalf("error %v (%T) is not a *config.Errors", err, err)
	}
	return ce.Keys()
}

// checkConfigError checks that err is a *config.Errors naming exactly the
// key, with a message holding each of the fragments.
func checkConfigError(tb testing.TB, err error, key string, fragments ...string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("no error, want one for key %q", key)
	}
	if keys := configErrorKeysOf(tb, err); !slices.Equal(keys, []string{key}) {
		tb.Fatalf("error names keys %v, want [%s]: %v", keys, key, err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			tb.Errorf("error %q does not mention %q", err, f)
		}
	}
}

// checkDataError checks that err matches connect.ErrData and mentions
// each fragment.
func checkDataError(tb testing.TB, err error, fragments ...string) {
	tb.Helper()
	if !errors.Is(err, connect.ErrData) {
		tb.Fatalf("error %v does not match connect.ErrData", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			tb.Errorf("error %q does not mention %q", err, f)
		}
	}
}

// structOf builds a struct of the schema from field values given in
// order, or fails.
func structOf(tb testing.TB, s *connect.Schema, values ...any) *connect.Struct {
	tb.Helper()
	st := connect.NewStruct(s)
	for i, v := range values {
		if err := st.PutAt(i, v); err != nil {
			tb.Fatal(err)
		}
	}
	return st
}
