package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"no arguments prints usage", nil, []string{"Usage:", "sluice plugins"}, ""},
		{"version", []string{"version"}, []string{"sluice 0."}, ""},
		{"plugins lists transforms and converters", []string{"plugins"},
			[]string{"transformation", "InsertField$Value", "org.apache.kafka.connect.transforms.InsertField$Value", "converter", "json",
				"source", "org.apache.kafka.connect.file.FileStreamSourceConnector", "datagen", "sink"}, ""},
		{"describe by Kafka class name shows keys", []string{"plugins", "describe", "org.apache.kafka.connect.transforms.InsertField$Value"},
			[]string{"transformation InsertField$Value", "static.field", "STRING"}, ""},
		{"describe unknown plugin", []string{"plugins", "describe", "Nope"}, nil, `no plugin named "Nope"`},
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tc.args, &out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
