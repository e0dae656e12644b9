package store

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenSegment pins the bytes of a segment: header, every event type
// and a commit frame of a multi-table batch. A failure means the on-disk
// format changed; that needs a new format version, not a new golden file.
func TestGoldenSegment(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "orders", "users")
	batches := []Batch{
		{{Stream: "orders", Record: Record{Seq: 1, UnixMs: 1_735_689_600_000, Type: EventInsert,
			Payload: []byte("\x82\xa2id\xa6order1\xa6amount\x64")}}},
		{{Stream: "orders", Record: Record{Seq: 2, UnixMs: 1_735_689_600_001, Type: EventPatch,
			Payload: []byte("\x82\xa1k\xa6order1\xa1p\x81\xa6status\xa4paid")}}},
		{
			{Stream: "orders", Record: Record{Seq: 300, UnixMs: 1_735_689_600_002, Type: EventSoftDelete,
				Payload: []byte("\x81\xa1k\xa6order1")}},
			{Stream: "users", Record: Record{Seq: 301, UnixMs: 1_735_689_600_002, Type: EventInsert,
				Payload: []byte("\x81\xa2id\xa2u1")}},
		},
	}
	for _, b := range batches {
		if err := s.Append(b); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	got, err := os.ReadFile(segPath(dir, "orders", 1))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "orders-00000001.seg.golden")
	if *updateGolden {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("segment bytes changed:\n got %x\nwant %x", got, want)
	}
}
