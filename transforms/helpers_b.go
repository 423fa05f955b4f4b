package transforms

// Helpers shared by ExtractField, HeaderFrom, InsertHeader, RegexRouter,
// TimestampRouter, ValueToKey, the predicates and the chain.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/config"
)

// invalidConfigValue words a problem with a config value the way config.Def
// does, for the checks a Def cannot express (two keys that must agree, a
// value that must parse further).
func invalidConfigValue(key, value, reason string) string {
	return fmt.Sprintf("Invalid value %s for configuration %s: %s", value, key, reason)
}

// singleConfigError returns an *config.Errors holding one problem.
func singleConfigError(key, msg string) error {
	errs := &config.Errors{}
	errs.Add(key, msg)
	return errs
}

// listWithoutDuplicates refuses a LIST value that names an element twice.
func listWithoutDuplicates(what string) config.Validator {
	return config.ValidatorFunc{Desc: "unique " + what, Fn: func(v any) error {
		l, _ := v.([]string)
		for i, x := range l {
			if slices.Contains(l[:i], x) {
				return fmt.Errorf("Duplicate %s %q", what, x)
			}
		}
		return nil
	}}
}

// listWithoutBlanks refuses a LIST value with a blank element ("a,,b").
func listWithoutBlanks() config.Validator {
	return config.ValidatorFunc{Desc: "no empty elements", Fn: func(v any) error {
		l, _ := v.([]string)
		if slices.Contains(l, "") {
			return fmt.Errorf("List elements must be non-empty")
		}
		return nil
	}}
}

// nonEmptyStringValidator refuses an empty STRING value.
func nonEmptyStringValidator() config.Validator {
	return config.ValidatorFunc{Desc: "non-empty string", Fn: func(v any) error {
		if s, ok := v.(string); ok && s == "" {
			return fmt.Errorf("String must be non-empty")
		}
		return nil
	}}
}

// compileWholeMatch compiles a regular expression that must match a whole
// string, as Java's Matcher.matches does. The pattern is checked on its
// own first, so that a pattern such as "a)(b" is refused rather than
// balanced by the anchoring group.
func compileWholeMatch(pattern string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, err
	}
	return regexp.Compile(`\A(?:` + pattern + `)\z`)
}

// javaReplacement is a replacement string in the syntax of Java's
// Matcher.appendReplacement ("$1", "${name}", "\$" for a dollar), parsed
// against a compiled expression: literal text and group numbers.
type javaReplacement struct {
	parts []replacementPart
}

// replacementPart is literal text when group < 0, else a group reference.
type replacementPart struct {
	text  string
	group int
}

// parseJavaReplacement reads a Java replacement string for re. As in
// Java, a backslash takes the next character literally, "$" followed by
// digits names a group (taking as many digits as still name an existing
// group, so "$12" is group 1 then "2" when there are fewer than 12
// groups), and "${name}" names a named group. A reference to a group that
// does not exist is an error here, where Java fails on the first record.
func parseJavaReplacement(s string, re *regexp.Regexp) (javaReplacement, error) {
	var out javaReplacement
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out.parts = append(out.parts, replacementPart{text: lit.String(), group: -1})
			lit.Reset()
		}
	}
	groups := re.NumSubexp()
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			i++
			if i >= len(s) {
				return out, fmt.Errorf("character to be escaped is missing at the end of %q", s)
			}
			lit.WriteByte(s[i])
		case '$':
			i++
			if i >= len(s) {
				return out, fmt.Errorf("illegal group reference: group index is missing at the end of %q", s)
			}
			if s[i] == '{' {
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					return out, fmt.Errorf("named capturing group is missing trailing '}' in %q", s)
				}
				name := s[i+1 : i+end]
				if name == "" {
					return out, fmt.Errorf("named capturing group has a 0 length name in %q", s)
				}
				g := re.SubexpIndex(name)
				if g < 0 {
					return out, fmt.Errorf("no group with name {%s} in %q", name, re.String())
				}
				flush()
				out.parts = append(out.parts, replacementPart{group: g})
				i += end
				continue
			}
			if s[i] < '0' || s[i] > '9' {
				return out, fmt.Errorf("illegal group reference in %q: '$' must be followed by a group number or {name}", s)
			}
			g := int(s[i] - '0')
			if g > groups {
				return out, fmt.Errorf("no group %d: the regular expression has %d", g, groups)
			}
			for i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				next := g*10 + int(s[i+1]-'0')
				if next > groups {
					break
				}
				g = next
				i++
			}
			flush()
			out.parts = append(out.parts, replacementPart{group: g})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out, nil
}

// expand builds the replacement for src given the submatch indexes of a
// match, as re.FindStringSubmatchIndex returns them. A group that did not
// take part in the match adds nothing, as in Java.
func (j javaReplacement) expand(dst []byte, src string, match []int) []byte {
	for _, p := range j.parts {
		if p.group < 0 {
			dst = append(dst, p.text...)
			continue
		}
		if lo, hi := match[2*p.group], match[2*p.group+1]; lo >= 0 {
			dst = append(dst, src[lo:hi]...)
		}
	}
	return dst
}
