package store

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/store/vfs"
)

// TestPreallocatedTail checks the zeros the writer writes ahead of its
// data: they are no torn tail after a crash, writing goes on over them, a
// clean close trims them, and a torn write inside them is still cut off.
func TestPreallocatedTail(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 50)
	dataEnd := s.SegmentBytes("a")
	path := segPath(dir, "a", 1)
	size := fileSize(t, path)
	if size <= dataEnd {
		t.Fatalf("active segment of %d bytes holds %d bytes of data: nothing written ahead", size, dataEnd)
	}
	crashed := copyDir(t, dir) // the files as a crash would leave them
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := fileSize(t, path); got != dataEnd {
		t.Fatalf("after close the segment has %d bytes, want its %d bytes of data", got, dataEnd)
	}

	open := func(dir string) (*Store, string) {
		t.Helper()
		var logs bytes.Buffer
		s := openT(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		return s, logs.String()
	}

	// A read-only open and verify read the crashed files as they are.
	ro := openT(t, crashed, Options{ReadOnly: true})
	checkSeqs(t, ro, "a", seqRange(1, 50))
	ro.Close()
	if rep, err := Verify(vfs.OS(), crashed); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("verify: %v %+v", err, rep)
	}

	torn := copyDir(t, crashed)
	s, logs := open(crashed)
	if strings.Contains(logs, "torn tail") {
		t.Fatalf("zeros written ahead taken for a torn tail:\n%s", logs)
	}
	checkSeqs(t, s, "a", seqRange(1, 50))
	if got := fileSize(t, segPath(crashed, "a", 1)); got != size {
		t.Fatalf("open changed the segment from %d to %d bytes", size, got)
	}
	appendSeqs(t, s, "a", 51, 60)
	s.Close()
	s, _ = open(crashed)
	checkSeqs(t, s, "a", seqRange(1, 60))
	s.Close()

	// A torn write inside the zeros: the start of a record, then zeros.
	rec := appendRecord(nil, &Record{Seq: 51, UnixMs: 1, Type: EventInsert, Payload: []byte("torn")})
	f, err := os.OpenFile(segPath(torn, "a", 1), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(rec[:len(rec)-3], dataEnd); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s, logs = open(torn)
	if !strings.Contains(logs, "cutting torn tail") {
		t.Fatalf("torn write not cut:\n%s", logs)
	}
	checkSeqs(t, s, "a", seqRange(1, 50))
	if got := fileSize(t, segPath(torn, "a", 1)); got != dataEnd {
		t.Fatalf("torn tail cut to %d bytes, want %d", got, dataEnd)
	}
	s.Close()
}

// TestSealedSegmentsEndAtTheirData rotates through small segments: every
// sealed segment ends exactly at its last record.
func TestSealedSegmentsEndAtTheirData(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{SegmentSize: 4 << 10})
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 200)
	defer s.Close()
	segs := s.mustStream(t, "a").segments()
	if len(segs) < 3 {
		t.Fatalf("%d segments, want several", len(segs))
	}
	for _, seg := range segs[:len(segs)-1] {
		if got, want := fileSize(t, seg.path), seg.end.Load(); got != want {
			t.Fatalf("sealed %s has %d bytes, its data ends at %d", seg.path, got, want)
		}
	}
	checkSeqs(t, s, "a", seqRange(1, 200))
}
