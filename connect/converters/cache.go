package converters

import (
	"sync"

	"github.com/sluicehq/sluice/connect"
)

// The JSON converter keeps two bounded caches, as Kafka Connect's does
// (schemas.cache.size each): parsed schemas keyed by the raw schema JSON
// they came from, and written schema JSON keyed by the *connect.Schema
// it was written from. Both are safe for concurrent use. When one is
// full, it forgets an arbitrary entry to make room; a size of 0 or less
// caches nothing.

// decodedSchemas maps the bytes of a "schema" JSON value to the Schema
// parsed from them, so that the same input schema always yields the same
// *connect.Schema, which lets the schema caches downstream (in
// transformations) hit.
type decodedSchemas struct {
	mu   sync.RWMutex
	m    map[string]*connect.Schema
	size int
}

func (c *decodedSchemas) get(raw []byte) *connect.Schema {
	c.mu.RLock()
	s := c.m[string(raw)] // no allocation: the compiler special-cases this form
	c.mu.RUnlock()
	return s
}

// put stores s for raw and returns the Schema now cached for raw: s, or
// the one another goroutine stored first (so that every caller sees the
// same pointer).
func (c *decodedSchemas) put(raw []byte, s *connect.Schema) *connect.Schema {
	if c.size <= 0 {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[string(raw)]; ok {
		return old
	}
	if c.m == nil {
		c.m = make(map[string]*connect.Schema)
	}
	if len(c.m) >= c.size {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[string(raw)] = s
	return s
}

func (c *decodedSchemas) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// encodedSchemas maps a Schema to the JSON Kafka Connect writes for it.
// Schemas are immutable, so the pointer is a sound key.
type encodedSchemas struct {
	mu   sync.RWMutex
	m    map[*connect.Schema][]byte
	size int
}

func (c *encodedSchemas) get(s *connect.Schema) ([]byte, bool) {
	c.mu.RLock()
	b, ok := c.m[s]
	c.mu.RUnlock()
	return b, ok
}

func (c *encodedSchemas) put(s *connect.Schema, b []byte) {
	if c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[*connect.Schema][]byte)
	}
	if _, ok := c.m[s]; !ok && len(c.m) >= c.size {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[s] = b
}

func (c *encodedSchemas) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
