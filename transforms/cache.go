package transforms

import "github.com/sluicehq/sluice/connect"

// schemaCache remembers the schema a transform derived from an input
// schema. It looks up by pointer first (converters and sources reuse
// their schema objects), then by equality among the few schemas it holds,
// so a stream of same-schema records derives the output schema once. It
// holds at most cacheSize schemas and forgets them all when full, which
// bounds memory for sources whose schemas keep changing.
type schemaCache struct {
	entries []cacheEntry
}

type cacheEntry struct {
	in, out *connect.Schema
}

const cacheSize = 16

// get returns the schema derived from in, if cached.
func (c *schemaCache) get(in *connect.Schema) (*connect.Schema, bool) {
	for _, e := range c.entries {
		if e.in == in {
			return e.out, true
		}
	}
	for _, e := range c.entries {
		if e.in.Equal(in) {
			// Remember this pointer too, so the next lookup is fast.
			c.put(in, e.out)
			return e.out, true
		}
	}
	return nil, false
}

// put remembers out as derived from in.
func (c *schemaCache) put(in, out *connect.Schema) {
	if len(c.entries) >= cacheSize {
		c.entries = c.entries[:0]
	}
	c.entries = append(c.entries, cacheEntry{in: in, out: out})
}

// derive returns the schema derived from in, calling build on a miss.
func (c *schemaCache) derive(in *connect.Schema, build func(*connect.Schema) (*connect.Schema, error)) (*connect.Schema, error) {
	if out, ok := c.get(in); ok {
		return out, nil
	}
	out, err := build(in)
	if err != nil {
		return nil, err
	}
	c.put(in, out)
	return out, nil
}
