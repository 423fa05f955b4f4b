package config

import (
	"strings"
	"testing"
)

func TestValidators(t *testing.T) {
	tests := []struct {
		name  string
		v     Validator
		value any
		err   string // "" for valid
	}{
		{"between in range", Between(1, 10), 5, ""},
		{"between below", Between(1, 10), 0, "at least 1"},
		{"between above", Between(1, 10), int64(11), "no more than 10"},
		{"at least double", AtLeast(0.5), 0.25, "at least 0.5"},
		{"at most", AtMost(3), 4, "no more than 3"},
		{"range ignores null", AtLeast(1), nil, ""},
		{"one of", OneOf("a", "b"), "b", ""},
		{"one of is case-sensitive", OneOf("a", "b"), "A", "one of: a, b"},
		{"one of fold", OneOfFold("none", "all"), "ALL", ""},
		{"non-empty string", NonEmpty(), "", "non-empty"},
		{"non-empty list", NonEmpty(), []string{}, "Empty list"},
		{"regex whole match", Regex("[a-z]+"), "abc1", "must match"},
		{"regex ok", Regex("[a-z]+"), "abc", ""},
		{"valid regex", ValidRegex(), "(", "Invalid regular expression"},
		{"list of one-of", ListOf(OneOf("x", "y")), []string{"x", "z"}, `element "z"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Validate(tc.value)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want %q", err, tc.err)
			}
		})
	}
	if got := Between(1, 5).String(); got != "[1,...,5]" {
		t.Errorf("Between.String() = %q", got)
	}
	if got := OneOf("a", "b").String(); got != "[a, b]" {
		t.Errorf("OneOf.String() = %q", got)
	}
}
