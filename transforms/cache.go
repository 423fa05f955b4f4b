package transforms

import "github.com/sluicehq/sluice/connect"

// schemaCache remembers what a transform derived from an input schema: an
// output schema, or a plan holding one with the field indexes it needs.
// It looks up by pointer first (converters and sources reuse their schema
// objects), then by equality among the few schemas it holds, so a stream
// of same-schema records derives once. It holds at most cacheSize entries
// and forgets them all when full, which bounds memory for sources whose
// schemas keep changing. Like the transforms, it is not safe for
// concurrent use.
type schemaCache[T any] struct {
	entries []cacheEntry[T]
}

type cacheEntry[T any] struct {
	in  *connect.Schema
	out T
}

const cacheSize = 16

// get returns what was derived from in, if cached.
func (c *schemaCache[T]) get(in *connect.Schema) (T, bool) {
	for i := range c.entries {
		if c.entries[i].in == in {
			return c.entries[i].out, true
		}
	}
	for i := range c.entries {
		if c.entries[i].in.Equal(in) {
			// Remember this pointer too, so the next lookup is fast.
			out := c.entries[i].out
			c.put(in, out)
			return out, true
		}
	}
	var zero T
	return zero, false
}

// put remembers out as derived from in.
func (c *schemaCache[T]) put(in *connect.Schema, out T) {
	if len(c.entries) >= cacheSize {
		c.entries = c.entries[:0]
	}
	c.entries = append(c.entries, cacheEntry[T]{in: in, out: out})
}

// derive returns what was derived from in, calling build on a miss. An
// error from build is returned and nothing is cached.
func (c *schemaCache[T]) derive(in *connect.Schema, build func(*connect.Schema) (T, error)) (T, error) {
	if out, ok := c.get(in); ok {
		return out, nil
	}
	out, err := build(in)
	if err != nil {
		return out, err
	}
	c.put(in, out)
	return out, nil
}
