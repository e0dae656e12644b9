package store

import (
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/driftdb/driftdb/store/vfs"
)

// bigRecord is testRecord with a payload large enough that some records
// span a seq map step, and some more than a read window.
func bigRecord(seq uint64) Record {
	r := testRecord(seq)
	switch seq % 50 {
	case 7:
		r.Payload = append(r.Payload, make([]byte, 3*seqIndexStep)...)
	case 8:
		r.Payload = append(r.Payload, make([]byte, seqIndexStep/2)...)
	}
	return r
}

// appendBatches appends the seqs from, ..., to of stream a (and every
// third one to stream b), in batches of 1 to 5 records.
func appendBatches(t testing.TB, s *Store, from, to uint64) {
	t.Helper()
	for seq := from; seq <= to; {
		var b Batch
		for n := 1 + int(seq%5); n > 0 && seq <= to; n-- {
			name := "a"
			if seq%3 == 0 {
				name = "b"
			}
			b = append(b, Entry{Stream: name, Record: bigRecord(seq)})
			seq++
		}
		if err := s.Append(b); err != nil {
			t.Fatal(err)
		}
	}
}

// checkReads reads every seq in [1, to] from both streams: each is found in
// its own stream, with what was written, and is ErrNoRecord in the other
// and where dropped.
func checkReads(t *testing.T, s *Store, to, droppedTo uint64) {
	t.Helper()
	for seq := uint64(1); seq <= to+2; seq++ {
		own, other := "a", "b"
		if seq%3 == 0 {
			own, other = "b", "a"
		}
		rec, err := s.ReadRecord(own, seq)
		switch {
		case seq > to || seq <= droppedTo:
			if !errors.Is(err, ErrNoRecord) {
				t.Fatalf("%s seq %d: %v, want ErrNoRecord", own, seq, err)
			}
		case err != nil:
			t.Fatalf("%s seq %d: %v", own, seq, err)
		case !sameRecord(rec, bigRecord(seq)):
			t.Fatalf("%s seq %d: read %d %v (%d bytes)", own, seq, rec.Seq, rec.Type, len(rec.Payload))
		}
		if _, err := s.ReadRecord(other, seq); !errors.Is(err, ErrNoRecord) {
			t.Fatalf("%s seq %d: %v, want ErrNoRecord", other, seq, err)
		}
	}
}

// batchStore returns a store in dir of streams a and b, with seqs 1 to
// 400 in batches over several segments of 16 KiB (opts).
func batchStore(t *testing.T) (dir string, opts Options, s *Store) {
	t.Helper()
	dir, opts = t.TempDir(), Options{SegmentSize: 16 << 10}
	s = openT(t, dir, opts)
	createStreams(t, s, "a", "b")
	appendBatches(t, s, 1, 400)
	return dir, opts, s
}

func TestReadRecord(t *testing.T) {
	dir, opts, s := batchStore(t)
	if n := len(s.mustStream(t, "a").segments()); n < 3 {
		t.Fatalf("%d segments: the test wants several", n)
	}
	checkReads(t, s, 400, 0)
	// Records appended after a segment was mapped are found too.
	appendBatches(t, s, 401, 450)
	checkReads(t, s, 450, 0)
	if _, err := s.ReadRecord("c", 1); err == nil {
		t.Fatal("read from a missing stream")
	}

	// Merged segments hold the same records at other offsets.
	s.Close()
	opts.SegmentSize = 1 << 20
	s = openT(t, dir, opts)
	checkReads(t, s, 450, 0)
	if err := s.MergeSegments("a"); err != nil {
		t.Fatal(err)
	}
	checkReads(t, s, 450, 0)

	// DropBefore removes records and moves the rest of a segment.
	if err := s.DropBefore("a", 200); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 450; seq++ {
		if seq%3 == 0 {
			continue
		}
		rec, err := s.ReadRecord("a", seq)
		if seq <= 200 {
			// A batch whose commit seq is past 200 stays whole.
			if err == nil && seq < 195 {
				t.Fatalf("seq %d read after DropBefore(200)", seq)
			}
			continue
		}
		if err != nil || !sameRecord(rec, bigRecord(seq)) {
			t.Fatalf("seq %d after DropBefore: %v", seq, err)
		}
	}
	s.Close()
}

// TestReadRecordDamage: a damaged record is reported as corruption, not
// returned, and not taken for a missing one.
func TestReadRecordDamage(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a", "b")
	appendBatches(t, s, 1, 100)
	seg := s.mustStream(t, "a").segments()[0]
	// Find seq 50's offset, then flip a byte of its payload.
	if _, err := s.ReadRecord("a", 50); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(seg.path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, off, _ := seg.seqs.locate(s.fs, seg, 50)
	cr := newChunkReader(f, off, seg.end.Load())
	for {
		at := cr.offset()
		rec, n, err := cr.next()
		if err != nil {
			t.Fatal(err)
		}
		if rec.Seq == 50 && rec.Type != EventCommit {
			b := []byte{0}
			f.ReadAt(b, at+int64(n)-1)
			b[0] ^= 0xff
			f.WriteAt(b, at+int64(n)-1)
			break
		}
	}
	f.Close()
	var ce *CorruptionError
	if _, err := s.ReadRecord("a", 50); !errors.As(err, &ce) {
		t.Fatalf("damaged record: %v, want a CorruptionError", err)
	}
	if rec, err := s.ReadRecord("a", 52); err != nil || !sameRecord(rec, bigRecord(52)) {
		t.Fatalf("seq 52 beside the damage: %v", err)
	}
	s.Close()
}

// TestReadRecordConcurrent reads durable records while the writer appends
// and a merge replaces segments.
func TestReadRecordConcurrent(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{SegmentSize: 16 << 10})
	defer s.Close()
	createStreams(t, s, "a", "b")
	appendBatches(t, s, 1, 300)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 2 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				last := s.LastSeq()
				seq := 1 + rng.Uint64N(last)
				name := "a"
				if seq%3 == 0 {
					name = "b"
				}
				rec, err := s.ReadRecord(name, seq)
				if err != nil || !sameRecord(rec, bigRecord(seq)) {
					t.Errorf("%s seq %d (last %d): %v", name, seq, last, err)
					return
				}
			}
		})
	}
	for from := uint64(301); from < 1500; from += 100 {
		appendBatches(t, s, from, from+99)
		if err := s.MergeSegments("a"); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestReadRecordClosed: a read from a dropped stream or a closed store
// fails at once.
func TestReadRecordClosed(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	createStreams(t, s, "a", "b")
	appendBatches(t, s, 1, 50)
	if _, err := s.ReadRecord("a", 1); err != nil {
		t.Fatal(err)
	}
	st := s.mustStream(t, "a")
	if err := s.DropStream("a"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := s.readRecord(st.segments(), 1); !errors.Is(err, errSegmentClosed) {
		t.Fatalf("read of a dropped stream: %v", err)
	}
	s.Close()
	if _, err := s.ReadRecord("b", 3); err == nil {
		t.Fatal("read after close")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the failed reads took %v", d)
	}
}

// logReads reads with lr the seqs of stream a in order (every record of
// a, or every step-th), each checked against what was written, with the
// records of b between them ErrNoRecord.
func logReads(t *testing.T, lr *LogReader, seqs []uint64) {
	t.Helper()
	for _, seq := range seqs {
		rec, err := lr.Read(seq)
		if seq%3 == 0 {
			if !errors.Is(err, ErrNoRecord) {
				t.Fatalf("seq %d of stream b read from a: %v", seq, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seq %d: %v", seq, err)
		}
		if !sameRecord(rec, bigRecord(seq)) {
			t.Fatalf("seq %d: read %d %v (%d bytes)", seq, rec.Seq, rec.Type, len(rec.Payload))
		}
	}
}

// TestLogReader: a LogReader reads what ReadRecord does, in ascending
// order a run at a time (fewer file reads than records), and in any
// other order, over several segments, after records are appended, and
// after a merge replaces the segments under it.
func TestLogReader(t *testing.T) {
	faults := vfs.NewFaultFS(vfs.OS())
	dir, opts := t.TempDir(), Options{SegmentSize: 16 << 10, FS: faults}
	s := openT(t, dir, opts)
	createStreams(t, s, "a", "b")
	appendBatches(t, s, 1, 400)
	lr, err := s.NewLogReader("a")
	if err != nil {
		t.Fatal(err)
	}
	var all, skipping, shuffled []uint64
	for seq := uint64(1); seq <= 400; seq++ {
		all = append(all, seq)
		if seq%7 == 0 {
			skipping = append(skipping, seq)
		}
	}
	shuffled = slices.Clone(all)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	before := faults.Count(vfs.OpRead)
	logReads(t, lr, all)
	if n := faults.Count(vfs.OpRead) - before; n > 40 {
		t.Fatalf("%d reads of the files for 267 records in order", n)
	}
	logReads(t, lr, skipping)
	logReads(t, lr, shuffled)
	logReads(t, lr, all[:50]) // back to the start
	if _, err := lr.Read(401); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("seq 401 before it is written: %v", err)
	}
	appendBatches(t, s, 401, 450)
	logReads(t, lr, all[390:])
	for seq := uint64(401); seq <= 450; seq++ {
		logReads(t, lr, []uint64{seq})
	}
	if _, err := s.NewLogReader("c"); err == nil {
		t.Fatal("a reader of a missing stream")
	}

	// Merged segments hold the same records at other offsets: a reader
	// made before the merge reads them from the new files.
	s.Close()
	opts.SegmentSize = 1 << 20
	s = openT(t, dir, opts)
	defer s.Close()
	lr, err = s.NewLogReader("a")
	if err != nil {
		t.Fatal(err)
	}
	logReads(t, lr, all[:200])
	if err := s.MergeSegments("a"); err != nil {
		t.Fatal(err)
	}
	logReads(t, lr, all[200:])
	logReads(t, lr, all)
}
