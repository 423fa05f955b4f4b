package transforms

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
)

// Test helpers for the transforms of helpers_a.go.

// configuredA returns the named transformation, looked up in the
// registry, configured with props.
func configuredA(t testing.TB, name string, props map[string]string) connect.Transformation {
	t.Helper()
	tr, err := connect.NewTransformation(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Configure(props); err != nil {
		t.Fatalf("%s: Configure(%v): %v", name, props, err)
	}
	return tr
}

// applyA applies tr to r and fails the test on error.
func applyA(t testing.TB, tr connect.Transformation, r *connect.Record) *connect.Record {
	t.Helper()
	out, err := tr.Apply(r)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return out
}

// wantSideA checks the schema and value of one side of a record.
func wantSideA(t testing.TB, r *connect.Record, s side, schema *connect.Schema, value any) {
	t.Helper()
	gotSchema, gotValue := s.get(r)
	if !gotSchema.Equal(schema) {
		t.Errorf("%s schema = %v %+v, want %v %+v", s, gotSchema, derefSchemaA(gotSchema), schema, derefSchemaA(schema))
	}
	if !connect.ValuesEqual(gotValue, value) {
		t.Errorf("%s = %v, want %v", s, gotValue, value)
	}
}

func derefSchemaA(s *connect.Schema) any {
	if s == nil {
		return nil
	}
	return *s
}

// wantConfigErrorA checks that err is a config error about key whose
// message shows value.
func wantConfigErrorA(t testing.TB, err error, key, value string) {
	t.Helper()
	var ce *config.Errors
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v (%T), want a *config.Errors", err, err)
	}
	if len(ce.For(key)) == 0 {
		t.Fatalf("error = %v, want one about key %q", err, key)
	}
	if msg := strings.Join(ce.For(key), "; "); !strings.Contains(msg, value) {
		t.Errorf("error = %q, want it to show the value %q", msg, value)
	}
}

// wantDataErrorA checks that err matches connect.ErrData and says each of
// the given things.
func wantDataErrorA(t testing.TB, err error, says ...string) {
	t.Helper()
	if !errors.Is(err, connect.ErrData) {
		t.Fatalf("error = %v, want one matching connect.ErrData", err)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error = %q, want it to say %q", err, s)
		}
	}
}

// structA builds a Struct of schema s from alternating names and values.
func structA(t testing.TB, s *connect.Schema, kv ...any) *connect.Struct {
	t.Helper()
	st := connect.NewStruct(s)
	for i := 0; i < len(kv); i += 2 {
		if err := st.Put(kv[i].(string), kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func TestRegisteredUnderKafkaNamesA(t *testing.T) {
	for _, base := range []string{"Cast", "Flatten", "TimestampConverter", "ReplaceField", "MaskField",
		"InsertField", "SetSchemaMetadata", "HoistField"} {
		for _, variant := range []string{"$Key", "$Value"} {
			for _, name := range []string{base + variant, "org.apache.kafka.connect.transforms." + base + variant} {
				if _, ok := connect.Lookup(connect.KindTransformation, name); !ok {
					t.Errorf("%s is not registered", name)
				}
			}
		}
	}
}
