package runtime

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect"
	_ "github.com/sluicehq/sluice/connect/converters"
)

func TestBuildConvertersConnectorOverridesWorker(t *testing.T) {
	worker := map[string]string{
		"key.converter":                  "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                "json",
		"value.converter.schemas.enable": "false",
	}
	connector := map[string]string{
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "true",
	}
	c, err := BuildConverters(worker, connector)
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyName != "org.apache.kafka.connect.storage.StringConverter" || c.HeaderName != DefaultHeaderConverter {
		t.Fatalf("names = %q %q %q", c.KeyName, c.ValueName, c.HeaderName)
	}
	// The connector's schemas.enable=true applies: the value is wrapped in
	// the schema envelope.
	b, err := c.Value.FromConnectData("t", nil, connect.StringSchema, "x")
	if err != nil || !strings.Contains(string(b), `"schema"`) {
		t.Fatalf("value bytes = %s, %v; want the connector's schemas.enable=true", b, err)
	}
	k, err := c.Key.FromConnectData("t", nil, connect.StringSchema, "id-1")
	if err != nil || string(k) != "id-1" {
		t.Fatalf("key bytes = %s, %v", k, err)
	}
}

func TestBuildConvertersWorkerSettingsApplyWhenTheConnectorIsSilent(t *testing.T) {
	c, err := BuildConverters(map[string]string{"value.converter": "json", "value.converter.schemas.enable": "false"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Value.FromConnectData("t", nil, nil, map[string]any{"a": int64(1)})
	if err != nil || string(b) != `{"a":1}` {
		t.Fatalf("value bytes = %s, %v", b, err)
	}
}

func TestBuildConvertersNamesTheBadKey(t *testing.T) {
	_, err := BuildConverters(nil, map[string]string{
		"key.converter":                  "com.example.Nope",
		"value.converter":                "json",
		"value.converter.decimal.format": "ROMAN",
	})
	var errs *config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	if got := errs.Keys(); len(got) != 2 || got[0] != "key.converter" || got[1] != "value.converter" {
		t.Fatalf("keys with errors = %v (%v)", got, err)
	}
	if !strings.Contains(err.Error(), "com.example.Nope") || !strings.Contains(err.Error(), "ROMAN") {
		t.Fatalf("error does not name the values: %v", err)
	}
}
