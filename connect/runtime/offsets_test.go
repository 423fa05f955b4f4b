package runtime

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestOffsetKeyAndValueMatchKafkaConnect(t *testing.T) {
	// Kafka Connect's offsets topic holds ["name",{partition}] keys and
	// offset objects as schemaless JSON.
	key, err := EncodeOffsetKey("file-source", map[string]any{"filename": "/tmp/in.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if string(key) != `["file-source",{"filename":"/tmp/in.txt"}]` {
		t.Fatalf("key = %s", key)
	}
	val, err := EncodeOffsetValue(map[string]any{"position": int64(1234)})
	if err != nil || string(val) != `{"position":1234}` {
		t.Fatalf("value = %s, %v", val, err)
	}
	name, part, off, err := DecodeOffset(key, val)
	if err != nil || name != "file-source" || part["filename"] != "/tmp/in.txt" || off["position"] != int64(1234) {
		t.Fatalf("decoded %q %v %v %v", name, part, off, err)
	}
	if _, _, off, err := DecodeOffset(key, nil); err != nil || off != nil {
		t.Fatalf("tombstone decoded as %v, %v", off, err)
	}
	for _, bad := range []string{`{"a":1}`, `["x"]`, `[1,{}]`, `["x",3]`, `not json`} {
		if _, _, _, err := DecodeOffset([]byte(bad), nil); err == nil {
			t.Errorf("DecodeOffset(%s) accepted a bad key", bad)
		}
	}
}

func TestFileOffsetStoreSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "offsets.json")
	ctx := context.Background()
	s, err := OpenFileOffsetStore(path)
	if err != nil {
		t.Fatal(err)
	}
	a := map[string]any{"filename": "a"}
	b := map[string]any{"filename": "b"}
	if err := s.Set(ctx, "src", []CommittableOffset{{a, map[string]any{"position": int64(10)}}, {b, map[string]any{"position": int64(20)}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "src", []CommittableOffset{{b, nil}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "other", []CommittableOffset{{a, map[string]any{"position": int64(99)}}}); err != nil {
		t.Fatal(err)
	}
	reopened, err := OpenFileOffsetStore(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := reopened.Get(ctx, "src", []map[string]any{a, b})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{PartitionKey(a): {"position": int64(10)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("offsets after reopen = %v, want %v", got, want)
	}
	r := storeOffsetReader{ctx: ctx, store: reopened, connector: "other"}
	if off, err := r.Offset(a); err != nil || off["position"] != int64(99) {
		t.Fatalf("OffsetReader = %v, %v", off, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestFileOffsetStoreRefusesACorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "offsets.json")
	if err := os.WriteFile(path, []byte("{torn"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFileOffsetStore(path); err == nil {
		t.Fatal("a corrupt offsets file was accepted")
	}
}
