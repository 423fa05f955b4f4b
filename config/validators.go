package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Validator checks a parsed config value. Its error says what is wrong
// with the value; the Def adds the key and the value itself. String
// describes the accepted values for the docs, as Kafka Connect's
// Validator.toString does.
type Validator interface {
	Validate(value any) error
	String() string
}

// ValidatorFunc adapts a function and a description to a Validator.
type ValidatorFunc struct {
	Fn   func(value any) error
	Desc string
}

// Validate calls Fn.
func (f ValidatorFunc) Validate(v any) error { return f.Fn(v) }

// String returns Desc.
func (f ValidatorFunc) String() string { return f.Desc }

type rangeValidator struct {
	min, max       float64
	hasMin, hasMax bool
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func (r rangeValidator) Validate(v any) error {
	if v == nil {
		return nil
	}
	n, ok := number(v)
	if !ok {
		return fmt.Errorf("Value must be a number")
	}
	if r.hasMin && n < r.min {
		return fmt.Errorf("Value must be at least %s", fmtNum(r.min))
	}
	if r.hasMax && n > r.max {
		return fmt.Errorf("Value must be no more than %s", fmtNum(r.max))
	}
	return nil
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (r rangeValidator) String() string {
	switch {
	case r.hasMin && r.hasMax:
		return "[" + fmtNum(r.min) + ",...," + fmtNum(r.max) + "]"
	case r.hasMin:
		return "[" + fmtNum(r.min) + ",...]"
	default:
		return "[...," + fmtNum(r.max) + "]"
	}
}

// Between accepts numbers from min to max, both included.
func Between(min, max float64) Validator {
	return rangeValidator{min: min, max: max, hasMin: true, hasMax: true}
}

// AtLeast accepts numbers no smaller than min.
func AtLeast(min float64) Validator { return rangeValidator{min: min, hasMin: true} }

// AtMost accepts numbers no larger than max.
func AtMost(max float64) Validator { return rangeValidator{max: max, hasMax: true} }

type oneOf struct {
	allowed []string
	fold    bool
}

func (o oneOf) ok(s string) bool {
	if o.fold {
		return slices.ContainsFunc(o.allowed, func(a string) bool { return strings.EqualFold(a, s) })
	}
	return slices.Contains(o.allowed, s)
}

func (o oneOf) Validate(v any) error {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if !o.ok(x) {
			return fmt.Errorf("String must be one of: %s", strings.Join(o.allowed, ", "))
		}
		return nil
	}
	return fmt.Errorf("Value must be a string")
}

func (o oneOf) String() string { return "[" + strings.Join(o.allowed, ", ") + "]" }

// OneOf accepts exactly one of the given strings.
func OneOf(allowed ...string) Validator { return oneOf{allowed: allowed} }

// OneOfFold accepts one of the given strings in any letter case.
func OneOfFold(allowed ...string) Validator { return oneOf{allowed: allowed, fold: true} }

// NonEmpty refuses an empty string or an empty list.
func NonEmpty() Validator {
	return ValidatorFunc{Desc: "non-empty", Fn: func(v any) error {
		switch x := v.(type) {
		case string:
			if x == "" {
				return fmt.Errorf("String must be non-empty")
			}
		case []string:
			if len(x) == 0 {
				return fmt.Errorf("Empty list")
			}
		case PasswordValue:
			if x.value == "" {
				return fmt.Errorf("Password must be non-empty")
			}
		}
		return nil
	}}
}

// Regex accepts strings that the regular expression matches in whole. It
// panics if pattern does not compile, as regexp.MustCompile does.
func Regex(pattern string) Validator {
	re := regexp.MustCompile(`^(?:` + pattern + `)$`)
	return ValidatorFunc{Desc: "matching " + pattern, Fn: func(v any) error {
		s, ok := v.(string)
		if p, isPw := v.(PasswordValue); isPw {
			s, ok = p.value, true
		}
		if ok && !re.MatchString(s) {
			return fmt.Errorf("String must match %s", pattern)
		}
		return nil
	}}
}

// ValidRegex accepts strings that compile as Go regular expressions.
func ValidRegex() Validator {
	return ValidatorFunc{Desc: "a valid regular expression", Fn: func(v any) error {
		if s, ok := v.(string); ok {
			if _, err := regexp.Compile(s); err != nil {
				return fmt.Errorf("Invalid regular expression: %v", err)
			}
		}
		return nil
	}}
}

// ListOf applies each validator to every element of a LIST value, and
// names the element that fails.
func ListOf(each ...Validator) Validator {
	descs := make([]string, len(each))
	for i, e := range each {
		descs[i] = e.String()
	}
	return ValidatorFunc{Desc: "list of " + strings.Join(descs, ", "), Fn: func(v any) error {
		l, _ := v.([]string)
		for _, item := range l {
			for _, e := range each {
				if err := e.Validate(item); err != nil {
					return fmt.Errorf("element %q: %v", item, err)
				}
			}
		}
		return nil
	}}
}
