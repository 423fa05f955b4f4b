package config

import (
	"fmt"
	"log/slog"
)

// hidden is what a password shows instead of its value, as in Kafka Connect.
const hidden = "[hidden]"

// PasswordValue is the value of a PASSWORD key. It never shows its secret:
// fmt's verbs (%v, %+v, %#v, %s, %q), encoding/json and log/slog all render
// it as [hidden]. Only Value returns the secret.
type PasswordValue struct {
	value string
}

// NewPassword wraps a secret.
func NewPassword(secret string) PasswordValue { return PasswordValue{value: secret} }

// Value returns the secret itself, for the code that must use it.
func (p PasswordValue) Value() string { return p.value }

// String returns [hidden].
func (p PasswordValue) String() string { return hidden }

// GoString returns [hidden], so %#v does not print the secret either.
func (p PasswordValue) GoString() string { return hidden }

// Format renders [hidden] for every verb.
func (p PasswordValue) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", hidden)
		return
	}
	fmt.Fprint(f, hidden)
}

// MarshalJSON renders "[hidden]".
func (p PasswordValue) MarshalJSON() ([]byte, error) { return []byte(`"` + hidden + `"`), nil }

// MarshalText renders [hidden].
func (p PasswordValue) MarshalText() ([]byte, error) { return []byte(hidden), nil }

// LogValue renders [hidden] in log/slog records.
func (p PasswordValue) LogValue() slog.Value { return slog.StringValue(hidden) }
