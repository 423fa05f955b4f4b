package connect

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/config"
)

type testPredicate struct{}

func (testPredicate) ConfigDef() *config.Def            { return config.NewDef() }
func (testPredicate) Configure(map[string]string) error { return nil }
func (testPredicate) Test(*Record) bool                 { return true }
func (testPredicate) Close() error                      { return nil }
func (testPredicate) Version() string                   { return "9.9" }

func TestRegistryFindsPluginsByNameAndAlias(t *testing.T) {
	RegisterPredicate("test-always", func() Predicate { return testPredicate{} }, "com.example.Always")
	for _, name := range []string{"test-always", "com.example.Always", " test-always "} {
		p, err := NewPredicate(name)
		if err != nil || p == nil {
			t.Fatalf("NewPredicate(%q) = %v, %v", name, p, err)
		}
	}
	info, ok := Lookup(KindPredicate, "com.example.Always")
	if !ok || info.Name != "test-always" || info.Version() != "9.9" {
		t.Fatalf("Lookup = %+v, %v", info, ok)
	}
	found := false
	for _, p := range Plugins(KindPredicate) {
		found = found || p.Name == "test-always"
		if p.Kind != KindPredicate {
			t.Fatalf("Plugins(predicate) returned a %s", p.Kind)
		}
	}
	if !found {
		t.Fatal("Plugins does not list the registered predicate")
	}
	if _, err := NewPredicate("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown plugin error = %v", err)
	}
}

func TestRegistryRefusesDuplicateNames(t *testing.T) {
	RegisterPredicate("test-dup", func() Predicate { return testPredicate{} })
	defer func() {
		if recover() == nil {
			t.Fatal("registering a taken name did not panic")
		}
	}()
	RegisterPredicate("test-dup", func() Predicate { return testPredicate{} })
}
