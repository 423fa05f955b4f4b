package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestPasswordNeverPrints(t *testing.T) {
	p := NewPassword("hunter2")
	type wrapper struct {
		Pw PasswordValue
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("connect", "password", p)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("connect", "password", p)
	js, _ := json.Marshal(map[string]any{"p": p, "w": wrapper{p}})
	outputs := map[string]string{
		"%v":    fmt.Sprintf("%v", p),
		"%+v":   fmt.Sprintf("%+v", wrapper{p}),
		"%#v":   fmt.Sprintf("%#v", wrapper{p}),
		"%s":    fmt.Sprintf("%s", p),
		"%q":    fmt.Sprintf("%q", p),
		"%x":    fmt.Sprintf("%x", p),
		"json":  string(js),
		"slog":  logs.String(),
		"print": fmt.Sprint(p),
	}
	for how, out := range outputs {
		if strings.Contains(out, "hunter2") || strings.Contains(out, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("%s shows the secret: %s", how, out)
		}
		if !strings.Contains(out, "[hidden]") {
			t.Errorf("%s does not show [hidden]: %s", how, out)
		}
	}
	if p.Value() != "hunter2" {
		t.Fatal("Value() lost the secret")
	}
}
