package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// testRecord makes the record for seq: a deterministic payload whose size
// varies with seq, so that records differ in length.
func testRecord(seq uint64) Record {
	types := []EventType{EventInsert, EventPatch, EventSoftDelete}
	payload := []byte(fmt.Sprintf("payload-%d-%s", seq, string(make([]byte, seq%37))))
	return Record{Seq: seq, UnixMs: 1_700_000_000_000 + int64(seq), Type: types[seq%3], Payload: payload}
}

func sameRecord(a, b Record) bool {
	return a.Seq == b.Seq && a.UnixMs == b.UnixMs && a.Type == b.Type && string(a.Payload) == string(b.Payload)
}

func openT(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	return s
}

func createStreams(t testing.TB, s *Store, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := s.CreateStream(n); err != nil {
			t.Fatalf("create stream %s: %v", n, err)
		}
	}
}

// appendSeqs appends one single-record batch per seq in [from, to] to stream.
func appendSeqs(t testing.TB, s *Store, stream string, from, to uint64) {
	t.Helper()
	for seq := from; seq <= to; seq++ {
		if err := s.Append(Batch{{Stream: stream, Record: testRecord(seq)}}); err != nil {
			t.Fatalf("append %d: %v", seq, err)
		}
	}
}

// readAll returns every record of a stream, copied.
func readAll(t testing.TB, s *Store, stream string) []Record {
	t.Helper()
	it, err := s.NewIterator(stream, 0)
	if err != nil {
		t.Fatalf("iterator: %v", err)
	}
	defer it.Close()
	var out []Record
	for it.Next() {
		r := it.Record()
		r.Payload = append([]byte(nil), r.Payload...)
		out = append(out, r)
	}
	if err := it.Err(); err != nil {
		t.Fatalf("iterate %s: %v", stream, err)
	}
	return out
}

// reopenT closes s, checking the close, and opens dir again; the test
// closes the new store.
func reopenT(t *testing.T, s *Store, dir string) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, Options{})
	t.Cleanup(func() { s.Close() })
	return s
}

// checkSeqs checks that the stream holds exactly the records testRecord
// makes for seqs.
func checkSeqs(t testing.TB, s *Store, stream string, seqs []uint64) {
	t.Helper()
	got := readAll(t, s, stream)
	if len(got) != len(seqs) {
		t.Fatalf("stream %s: %d records, want %d", stream, len(got), len(seqs))
	}
	for i, r := range got {
		if want := testRecord(seqs[i]); !sameRecord(r, want) {
			t.Fatalf("stream %s record %d: got %+v, want %+v", stream, i, r, want)
		}
	}
}

func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func segPath(dir, stream string, num uint32) string {
	return filepath.Join(dir, tablesDir, stream, segmentsDir, segmentName(num))
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
