package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/connect"
	"github.com/sluicehq/sluice/connect/converters"
)

// OffsetStore keeps the source offsets of every connector. The
// distributed worker keeps them in the offsets topic, the standalone
// worker in a file; both store the same key and value bytes.
type OffsetStore interface {
	// Get returns the committed offsets of a connector's source
	// partitions, keyed by PartitionKey; a partition with no offset is
	// absent.
	Get(ctx context.Context, connector string, partitions []map[string]any) (map[string]map[string]any, error)
	// Set stores offsets and returns once they are durable. A nil Offset
	// deletes the partition's offset.
	Set(ctx context.Context, connector string, offsets []CommittableOffset) error
	// List returns every committed partition of a connector, sorted by
	// PartitionKey (for GET /connectors/{name}/offsets).
	List(ctx context.Context, connector string) ([]CommittableOffset, error)
}

func sortOffsets(offs []CommittableOffset) {
	slices.SortFunc(offs, func(a, b CommittableOffset) int {
		return strings.Compare(PartitionKey(a.Partition), PartitionKey(b.Partition))
	})
}

// offsetCodec encodes offsets as Kafka Connect's offsets topic holds them:
// the key is the JSON array ["connector", {partition}], the value the
// offset as a JSON object, both written by the JSON converter without
// schemas, so that Kafka Connect and Sluice read each other's offsets.
var offsetCodec = func() *converters.JSONConverter {
	c := converters.NewJSONConverter()
	if err := c.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		panic(err)
	}
	return c
}()

// EncodeOffsetKey returns the offsets-topic key of a connector's source
// partition.
func EncodeOffsetKey(connector string, partition map[string]any) ([]byte, error) {
	b, err := offsetCodec.FromConnectData("", nil, nil, []any{connector, partition})
	if err != nil {
		return nil, fmt.Errorf("offsets of %s: source partition %v: %w", connector, partition, err)
	}
	return b, nil
}

// EncodeOffsetValue returns the offsets-topic value of an offset; nil for
// a nil offset (a tombstone).
func EncodeOffsetValue(offset map[string]any) ([]byte, error) {
	if offset == nil {
		return nil, nil
	}
	b, err := offsetCodec.FromConnectData("", nil, nil, offset)
	if err != nil {
		return nil, fmt.Errorf("source offset %v: %w", offset, err)
	}
	return b, nil
}

// DecodeOffset reads an offsets-topic record into the connector name, the
// source partition and the offset (nil for a tombstone).
func DecodeOffset(key, value []byte) (connector string, partition, offset map[string]any, err error) {
	_, k, err := offsetCodec.ToConnectData("", nil, key)
	if err != nil {
		return "", nil, nil, fmt.Errorf("offset key %q: %w", key, err)
	}
	arr, ok := k.([]any)
	if !ok || len(arr) != 2 {
		return "", nil, nil, fmt.Errorf("offset key %q: not a [connector, partition] array", key)
	}
	connector, ok = arr[0].(string)
	if !ok {
		return "", nil, nil, fmt.Errorf("offset key %q: the connector name is not a string", key)
	}
	if arr[1] != nil {
		if partition, ok = arr[1].(map[string]any); !ok {
			return "", nil, nil, fmt.Errorf("offset key %q: the source partition is not an object", key)
		}
	}
	if value == nil {
		return connector, partition, nil, nil
	}
	_, v, err := offsetCodec.ToConnectData("", nil, value)
	if err != nil {
		return "", nil, nil, fmt.Errorf("offset value %q: %w", value, err)
	}
	if v != nil {
		if offset, ok = v.(map[string]any); !ok {
			return "", nil, nil, fmt.Errorf("offset value %q: not an object", value)
		}
	}
	return connector, partition, offset, nil
}

// FileOffsetStore keeps offsets in a file, for the standalone worker
// (offset.storage.file.filename). Each Set rewrites the file through a
// temporary file, fsync and rename, so a crash leaves the old or the new
// offsets, never a torn file. The file holds the offsets-topic keys and
// values as JSON text.
type FileOffsetStore struct {
	path string
	mu   sync.Mutex
	data map[string]string // offsets-topic key → value
}

// OpenFileOffsetStore reads the file at path, or starts empty if there is
// none.
func OpenFileOffsetStore(path string) (*FileOffsetStore, error) {
	s := &FileOffsetStore{path: path, data: map[string]string{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("offset file %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &s.data); err != nil {
		return nil, fmt.Errorf("offset file %s: %w", path, err)
	}
	return s, nil
}

// Get implements OffsetStore.
func (s *FileOffsetStore) Get(_ context.Context, connector string, partitions []map[string]any) (map[string]map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string]any{}
	for _, p := range partitions {
		key, err := EncodeOffsetKey(connector, p)
		if err != nil {
			return nil, err
		}
		raw, ok := s.data[string(key)]
		if !ok {
			continue
		}
		_, _, off, err := DecodeOffset(key, []byte(raw))
		if err != nil {
			return nil, fmt.Errorf("offset file %s: %w", s.path, err)
		}
		out[PartitionKey(p)] = off
	}
	return out, nil
}

// Set implements OffsetStore.
func (s *FileOffsetStore) Set(_ context.Context, connector string, offsets []CommittableOffset) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[string]string, len(s.data)+len(offsets))
	for k, v := range s.data {
		next[k] = v
	}
	for _, o := range offsets {
		key, err := EncodeOffsetKey(connector, o.Partition)
		if err != nil {
			return err
		}
		if o.Offset == nil {
			delete(next, string(key))
			continue
		}
		val, err := EncodeOffsetValue(o.Offset)
		if err != nil {
			return err
		}
		next[string(key)] = string(val)
	}
	if err := writeFileAtomic(s.path, next); err != nil {
		return fmt.Errorf("offset file %s: %w", s.path, err)
	}
	s.data = next
	return nil
}

// List implements OffsetStore.
func (s *FileOffsetStore) List(_ context.Context, connector string) ([]CommittableOffset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []CommittableOffset{}
	for k, v := range s.data {
		name, partition, offset, err := DecodeOffset([]byte(k), []byte(v))
		if err != nil {
			return nil, fmt.Errorf("offset file %s: %w", s.path, err)
		}
		if name == connector && offset != nil {
			out = append(out, CommittableOffset{Partition: partition, Offset: offset})
		}
	}
	sortOffsets(out)
	return out, nil
}

func writeFileAtomic(path string, data map[string]string) error {
	b, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// storeOffsetReader adapts an OffsetStore to the connect.OffsetReader a
// source task reads its committed offsets with.
type storeOffsetReader struct {
	ctx       context.Context
	store     OffsetStore
	connector string
}

// Offset implements connect.OffsetReader.
func (r storeOffsetReader) Offset(partition map[string]any) (map[string]any, error) {
	got, err := r.store.Get(r.ctx, r.connector, []map[string]any{partition})
	if err != nil {
		return nil, err
	}
	return got[PartitionKey(partition)], nil
}

var _ connect.OffsetReader = storeOffsetReader{}
