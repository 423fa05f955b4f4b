package transforms

import (
	"errors"
	"strconv"
	"testing"

	"github.com/sluicehq/sluice/connect"
)

func TestSchemaCacheDerivesOncePerSchema(t *testing.T) {
	var c schemaCache[int]
	builds := 0
	build := func(*connect.Schema) (int, error) { builds++; return builds, nil }
	a := connect.NewStructSchema().Field("x", connect.Int32Schema).MustBuild()
	equalToA := connect.NewStructSchema().Field("x", connect.Int32Schema).MustBuild()
	b := connect.NewStructSchema().Field("y", connect.Int32Schema).MustBuild()

	for _, step := range []struct {
		in         *connect.Schema
		want, runs int
	}{
		{a, 1, 1},        // miss: built
		{a, 1, 1},        // same pointer
		{equalToA, 1, 1}, // another pointer, equal schema
		{b, 2, 2},        // another schema: built
	} {
		got, err := c.derive(step.in, build)
		if err != nil || got != step.want || builds != step.runs {
			t.Fatalf("derive = %d, %v after %d builds; want %d after %d", got, err, builds, step.want, step.runs)
		}
	}
}

func TestSchemaCacheDoesNotKeepFailures(t *testing.T) {
	var c schemaCache[*connect.Schema]
	fail := errors.New("cannot derive")
	if _, err := c.derive(connect.Int32Schema, func(*connect.Schema) (*connect.Schema, error) { return nil, fail }); !errors.Is(err, fail) {
		t.Fatalf("derive error = %v", err)
	}
	if _, ok := c.get(connect.Int32Schema); ok {
		t.Fatal("a failed derivation was cached")
	}
}

func TestSchemaCacheIsBounded(t *testing.T) {
	var c schemaCache[int]
	for i := 0; i < 10*cacheSize; i++ {
		s := connect.NewStructSchema().Field("f"+strconv.Itoa(i), connect.Int32Schema).MustBuild()
		c.put(s, i)
		if len(c.entries) > cacheSize {
			t.Fatalf("cache holds %d entries, more than %d", len(c.entries), cacheSize)
		}
	}
}
