package s3

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// memory counts the bytes a task holds for S3, in the chunks of its file
// buffers, and wakes whoever waits for the count to shrink.
type memory struct {
	used atomic.Int64

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when used shrinks
}

func newMemory() *memory { return &memory{changed: make(chan struct{})} }

func (m *memory) add(n int64) { m.used.Add(n) }

func (m *memory) release(n int64) {
	m.used.Add(-n)
	m.mu.Lock()
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
}

// shrunk returns a channel closed the next time the count shrinks.
func (m *memory) shrunk() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

// The chunk sizes of a chunkBuffer: a buffer starts small, so that the
// many small files of a partitioned topic stay small, and doubles its
// chunks up to maxChunk.
const (
	minChunk    = 4 << 10
	maxChunk    = 1 << 20
	chunkLevels = 9 // 4 KiB ... 1 MiB
)

var chunkPools [chunkLevels]sync.Pool

func chunkLevel(size int) int {
	l := 0
	for s := minChunk; s < size; s <<= 1 {
		l++
	}
	return l
}

func getChunk(size int) []byte {
	if p, ok := chunkPools[chunkLevel(size)].Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

func putChunk(c []byte) {
	c = c[:0]
	chunkPools[chunkLevel(cap(c))].Put(&c)
}

// chunkBuffer holds bytes in pooled chunks, counted in a memory. It is
// what a file's encoder writes to, and what a part or object is uploaded
// from. It is not safe for concurrent use.
type chunkBuffer struct {
	mem    *memory
	chunks [][]byte
	size   int64 // bytes written
	alloc  int64 // capacity held, counted in mem
	next   int   // size of the next chunk
}

func newChunkBuffer(mem *memory) *chunkBuffer { return &chunkBuffer{mem: mem, next: minChunk} }

// Write appends p; it never fails.
func (b *chunkBuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(b.chunks) == 0 || len(b.chunks[len(b.chunks)-1]) == cap(b.chunks[len(b.chunks)-1]) {
			c := getChunk(b.next)
			b.chunks = append(b.chunks, c)
			b.alloc += int64(cap(c))
			b.mem.add(int64(cap(c)))
			b.next = min(b.next*2, maxChunk)
		}
		last := &b.chunks[len(b.chunks)-1]
		k := copy((*last)[len(*last):cap(*last)], p)
		*last = (*last)[:len(*last)+k]
		p = p[k:]
	}
	b.size += int64(n)
	return n, nil
}

// Len returns the number of bytes written.
func (b *chunkBuffer) Len() int64 { return b.size }

// take moves the buffer's bytes into a new buffer, leaving b empty (its
// next chunks full-sized).
func (b *chunkBuffer) take() *chunkBuffer {
	out := &chunkBuffer{mem: b.mem, chunks: b.chunks, size: b.size, alloc: b.alloc, next: b.next}
	b.chunks, b.size, b.alloc = nil, 0, 0
	return out
}

// release returns the chunks to their pools and the memory they held.
// It is safe to call twice.
func (b *chunkBuffer) release() {
	if b == nil || b.chunks == nil {
		return
	}
	for _, c := range b.chunks {
		putChunk(c)
	}
	b.chunks = nil
	b.mem.release(b.alloc)
	b.size, b.alloc = 0, 0
}

// bytes copies the contents into one slice (for tests and small objects).
func (b *chunkBuffer) bytes() []byte {
	out := make([]byte, 0, b.size)
	for _, c := range b.chunks {
		out = append(out, c...)
	}
	return out
}

// reader returns a reader over the contents, which must not change while
// it is read.
func (b *chunkBuffer) reader() *chunkReader { return &chunkReader{chunks: b.chunks, size: b.size} }

// chunkReader reads a chunkBuffer's contents; it can seek, as the S3
// client needs to sign and checksum a body before sending it.
type chunkReader struct {
	chunks [][]byte
	size   int64
	pos    int64
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.pos < r.size {
		// Find the chunk holding pos: chunks before the last are full.
		off := r.pos
		i := 0
		for i < len(r.chunks) && off >= int64(len(r.chunks[i])) {
			off -= int64(len(r.chunks[i]))
			i++
		}
		k := copy(p[n:], r.chunks[i][off:])
		n += k
		r.pos += int64(k)
	}
	return n, nil
}

func (r *chunkReader) Seek(offset int64, whence int) (int64, error) {
	var pos int64
	switch whence {
	case io.SeekStart:
		pos = offset
	case io.SeekCurrent:
		pos = r.pos + offset
	case io.SeekEnd:
		pos = r.size + offset
	default:
		return 0, errors.New("s3: invalid whence")
	}
	if pos < 0 {
		return 0, errors.New("s3: negative position")
	}
	r.pos = pos
	return pos, nil
}
