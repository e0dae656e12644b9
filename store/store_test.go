package store

import (
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/driftdb/driftdb/store/vfs"
)

func TestAppendReopenRead(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a", "b")
	appendSeqs(t, s, "a", 1, 50)
	appendSeqs(t, s, "b", 51, 60)
	checkSeqs(t, s, "a", seqRange(1, 50))
	if got := s.LastSeq(); got != 60 {
		t.Fatalf("LastSeq = %d, want 60", got)
	}
	s = reopenT(t, s, dir)
	checkSeqs(t, s, "a", seqRange(1, 50))
	checkSeqs(t, s, "b", seqRange(51, 60))
	if got, want := s.LastSeq(), uint64(60); got != want {
		t.Fatalf("LastSeq after reopen = %d, want %d", got, want)
	}
	if got, want := s.LastUnixMs(), testRecord(60).UnixMs; got != want {
		t.Fatalf("LastUnixMs after reopen = %d, want %d", got, want)
	}
	if got := s.Streams(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("Streams = %v", got)
	}
}

func TestSubmitRejectsBadBatches(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	defer s.Close()
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 3)
	cases := map[string]Batch{
		"empty":        {},
		"old seq":      {{Stream: "a", Record: testRecord(3)}},
		"no stream":    {{Stream: "zz", Record: testRecord(10)}},
		"out of order": {{Stream: "a", Record: testRecord(11)}, {Stream: "a", Record: testRecord(10)}},
		"commit type":  {{Stream: "a", Record: Record{Seq: 12, Type: EventCommit}}},
		"huge":         {{Stream: "a", Record: Record{Seq: 13, Type: EventInsert, Payload: make([]byte, MaxRecordSize)}}},
	}
	for name, b := range cases {
		if err := s.Append(b); err == nil {
			t.Errorf("%s: batch accepted", name)
		}
	}
	// The store still works after rejected batches.
	appendSeqs(t, s, "a", 4, 4)
	checkSeqs(t, s, "a", seqRange(1, 4))
}

func TestMultiStreamBatch(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a", "b")
	b := Batch{
		{Stream: "a", Record: testRecord(1)},
		{Stream: "b", Record: testRecord(2)},
		{Stream: "a", Record: testRecord(3)},
	}
	if err := s.Append(b); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openT(t, dir, Options{})
	defer s.Close()
	checkSeqs(t, s, "a", []uint64{1, 3})
	checkSeqs(t, s, "b", []uint64{2})
}

func TestGroupCommitConcurrent(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{SegmentSize: 64 << 10})
	createStreams(t, s, "a")
	var mu sync.Mutex // assigns seqs in submit order, as the engine does
	next := uint64(0)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Go(func() {
			for range 100 {
				mu.Lock()
				next++
				c := s.Submit(Batch{{Stream: "a", Record: testRecord(next)}})
				mu.Unlock()
				if err := c.Wait(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkSeqs(t, s, "a", seqRange(1, 1600))
	if n := len(s.mustStream(t, "a").segments()); n < 2 {
		t.Fatalf("expected rotation into several segments, got %d", n)
	}
	s.Close()
	s = openT(t, dir, Options{SegmentSize: 64 << 10})
	defer s.Close()
	checkSeqs(t, s, "a", seqRange(1, 1600))
}

func (s *Store) mustStream(t testing.TB, name string) *stream {
	st, err := s.stream(name)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestIteratorFollowsWriter(t *testing.T) {
	s := openT(t, "/data", Options{SegmentSize: 8 << 10, FS: vfs.NewMem()})
	defer s.Close()
	createStreams(t, s, "a")
	it, err := s.NewIterator("a", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for seq := uint64(1); seq <= 2000; seq++ {
			if err := s.Append(Batch{{Stream: "a", Record: testRecord(seq)}}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	want := uint64(1)
	for want <= 2000 {
		if !it.Next() {
			if err := it.Err(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
				if !it.Next() {
					t.Fatalf("iterator ended at %d of 2000", want-1)
				}
			default:
				continue
			}
		}
		if r := it.Record(); !sameRecord(r, testRecord(want)) {
			t.Fatalf("record %d: got seq %d", want, r.Seq)
		}
		want++
	}
	<-done
}

func TestIteratorFromSeqAndPosition(t *testing.T) {
	s := openT(t, t.TempDir(), Options{SegmentSize: 4 << 10})
	defer s.Close()
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 500)
	it, err := s.NewIterator("a", 321)
	if err != nil {
		t.Fatal(err)
	}
	if !it.Next() || it.Record().Seq != 321 {
		t.Fatalf("from seq 321: got %d", it.Record().Seq)
	}
	pos := it.Position()
	it.Close()
	it, err = s.NewIteratorAt("a", pos)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := uint64(322)
	for it.Next() {
		if it.Record().Seq != n {
			t.Fatalf("from position: got %d, want %d", it.Record().Seq, n)
		}
		n++
	}
	if n != 501 {
		t.Fatalf("from position read up to %d", n-1)
	}
}

func TestReadOnlyAlongsideWriter(t *testing.T) {
	dir := t.TempDir()
	w := openT(t, dir, Options{})
	defer w.Close()
	createStreams(t, w, "a")
	appendSeqs(t, w, "a", 1, 10)
	r := openT(t, dir, Options{ReadOnly: true})
	defer r.Close()
	checkSeqs(t, r, "a", seqRange(1, 10))
	if err := r.Append(Batch{{Stream: "a", Record: testRecord(11)}}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only append: %v", err)
	}
}

func TestReadOnlyNeverTruncates(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 5)
	s.Close()
	path := segPath(dir, "a", 1)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{1, 2, 3})
	f.Close()
	size := fileSize(t, path)
	r := openT(t, dir, Options{ReadOnly: true})
	checkSeqs(t, r, "a", seqRange(1, 5))
	r.Close()
	if got := fileSize(t, path); got != size {
		t.Fatalf("read-only open changed the file: %d -> %d bytes", size, got)
	}
	w := openT(t, dir, Options{})
	defer w.Close()
	checkSeqs(t, w, "a", seqRange(1, 5))
	if got := fileSize(t, path); got != size-3 {
		t.Fatalf("writer open left %d bytes, want %d", got, size-3)
	}
}

// TestWriteFailureStopsWrites breaks the active segment's file under the
// writer: the failed batch is not acknowledged, later batches are refused
// without another attempt, and a reopen recovers what was durable.
func TestWriteFailureStopsWrites(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 5)
	st := s.mustStream(t, "a")
	s.w.mu.Lock()
	st.active.Close() // every write and fsync on it now fails
	if st.direct != nil {
		st.direct.w.Close()
	}
	s.w.mu.Unlock()
	if err := s.Append(Batch{{Stream: "a", Record: testRecord(6)}}); !errors.Is(err, ErrFailed) {
		t.Fatalf("append on a broken file: %v", err)
	}
	if err := s.Append(Batch{{Stream: "a", Record: testRecord(7)}}); !errors.Is(err, ErrFailed) {
		t.Fatalf("append after failure: %v", err)
	}
	checkSeqs(t, s, "a", seqRange(1, 5)) // readers never saw the failed batch
	s.Close()
	s = openT(t, dir, Options{})
	defer s.Close()
	checkSeqs(t, s, "a", seqRange(1, 5))
	appendSeqs(t, s, "a", 6, 6)
	checkSeqs(t, s, "a", seqRange(1, 6))
}
