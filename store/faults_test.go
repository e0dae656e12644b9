package store

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/driftdb/driftdb/store/vfs"
)

// memStore opens a store on a fresh MemFS behind a FaultFS.
func memStore(t *testing.T, opts Options) (*Store, *vfs.MemFS, *vfs.FaultFS) {
	t.Helper()
	mem := vfs.NewMem()
	faults := vfs.NewFaultFS(mem)
	opts.FS = faults
	s := openT(t, "/data", opts)
	t.Cleanup(func() { s.Close() })
	return s, mem, faults
}

// reopenClone opens the store a crash would leave on mem, and checks
// that recovery found nothing to cut: each failed write was taken back
// durably, or never reached the file.
func reopenClone(t *testing.T, mem *vfs.MemFS, wantClean bool) *Store {
	t.Helper()
	if wantClean {
		// Without a crash, too, the files end where the last
		// acknowledged batch does.
		s, logs := openLogged(t, mem.CrashCloneKeeping(mem.Changes(), nil))
		s.Close()
		if strings.Contains(logs, "torn tail") {
			t.Fatalf("recovery cut a torn tail the writer should have cut back:\n%s", logs)
		}
	}
	s, logs := openLogged(t, mem.CrashClone())
	t.Cleanup(func() { s.Close() })
	if wantClean && strings.Contains(logs, "torn tail") {
		t.Fatalf("recovery cut a torn tail after a crash:\n%s", logs)
	}
	return s
}

func openLogged(t *testing.T, fsys FS) (*Store, string) {
	t.Helper()
	var logs bytes.Buffer
	s := openT(t, "/data", Options{FS: fsys, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	return s, logs.String()
}

// TestFailedSyncNeverAcknowledged: a batch whose fsync fails is never
// acknowledged; the store refuses every later write, even once the disk
// works again, until it is reopened; Resume does not help; reads go on.
func TestFailedSyncNeverAcknowledged(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EIO, syscall.ENOSPC} {
		t.Run(errno.Error(), func(t *testing.T) {
			s, mem, faults := memStore(t, Options{})
			createStreams(t, s, "a")
			appendSeqs(t, s, "a", 1, 10)
			in := faults.Inject(vfs.Fault{Ops: vfs.OpSync, Path: "segments/", Times: 1, Err: errno})
			err := s.Append(Batch{{Stream: "a", Record: testRecord(11)}})
			if !errors.Is(err, ErrFailed) || !errors.Is(err, errno) || errors.Is(err, ErrDiskFull) {
				t.Fatalf("append with a failing fsync: %v", err)
			}
			if in.Hits() != 1 {
				t.Fatalf("the fault hit %d times", in.Hits())
			}
			if s.LastSeq() != 10 {
				t.Fatalf("LastSeq %d after a failed fsync, want 10", s.LastSeq())
			}
			// The disk works again: the store still refuses.
			if err := s.Append(Batch{{Stream: "a", Record: testRecord(12)}}); !errors.Is(err, ErrFailed) {
				t.Fatalf("append after a failed fsync: %v", err)
			}
			if _, err := s.Resume(); !errors.Is(err, ErrFailed) {
				t.Fatalf("Resume after a failed fsync: %v", err)
			}
			if err := s.Append(Batch{{Stream: "a", Record: testRecord(12)}}); !errors.Is(err, ErrFailed) {
				t.Fatalf("append after Resume: %v", err)
			}
			checkSeqs(t, s, "a", seqRange(1, 10))
			// After a crash, what was acknowledged is there; after a
			// reopen, the store takes writes again.
			c := reopenClone(t, mem, false)
			checkSeqs(t, c, "a", seqRange(1, 10))
			appendSeqs(t, c, "a", 11, 12)
			checkSeqs(t, c, "a", seqRange(1, 12))
		})
	}
}

// TestFailedSyncConcurrent: with many committers sharing fsyncs, every
// commit of the group whose fsync fails gets the error, and none later
// is acknowledged.
func TestFailedSyncConcurrent(t *testing.T) {
	s, mem, faults := memStore(t, Options{})
	createStreams(t, s, "a")
	faults.Inject(vfs.Fault{Ops: vfs.OpSync, Path: "segments/", Skip: 20, Err: syscall.EIO})
	var mu sync.Mutex
	next := uint64(1)
	acked := map[uint64]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				mu.Lock()
				seq := next
				next++
				c := s.Submit(Batch{{Stream: "a", Record: testRecord(seq)}})
				mu.Unlock()
				err := c.Wait()
				if err == nil {
					mu.Lock()
					acked[seq] = true
					mu.Unlock()
				} else if !errors.Is(err, ErrFailed) {
					t.Errorf("seq %d: %v", seq, err)
				}
			}
		})
	}
	wg.Wait()
	if len(acked) == 0 || len(acked) == 160 {
		t.Fatalf("%d of 160 commits acknowledged: the fault did not fall inside the run", len(acked))
	}
	c := reopenClone(t, mem, false)
	got := readAll(t, c, "a")
	for i, r := range got {
		if r.Seq != uint64(i+1) || !sameRecord(r, testRecord(r.Seq)) {
			t.Fatalf("record %d after the crash: seq %d", i, r.Seq)
		}
	}
	for seq := range acked {
		if seq > uint64(len(got)) {
			t.Fatalf("acknowledged seq %d lost (the log ends at %d)", seq, len(got))
		}
	}
}

// TestDiskFull: a write that finds the disk full (at every write of a
// run of appends over two streams, with segment rotation, short writes
// included) fails with ErrDiskFull; the store refuses writes until
// Resume, cuts the failed batch back durably, and once space is free
// takes writes again where the failed ones were: the seqs they had are
// written again, and everything reads back, also after a crash.
func TestDiskFull(t *testing.T) {
	// Count the writes of a clean run first.
	run := func(s *Store, from uint64) error {
		for seq := from; seq <= 120; seq++ {
			if err := s.Append(multi(seq)); err != nil {
				return fmt.Errorf("seq %d: %w", seq, err)
			}
		}
		return nil
	}
	// The log's writes: the segments' (the seals of the segments filled
	// are written beside them, in no fixed order, and a seal that fails is
	// only not there).
	s, _, faults := memStore(t, Options{SegmentSize: minSegmentSize})
	createStreams(t, s, "a", "b")
	counted := faults.Inject(vfs.Fault{Ops: vfs.OpWrite, Path: segmentExt})
	if err := run(s, 1); err != nil {
		t.Fatal(err)
	}
	writes := counted.Hits()
	if len(s.mustStream(t, "a").segments()) < 3 {
		t.Fatal("the run meant to rotate segments")
	}
	// Every write; every third in -short runs, a different third each
	// time.
	step, first := 1, 0
	if testing.Short() {
		step, first = 3, rand.IntN(3)
	}
	for skip := first; skip < writes; skip += step {
		for _, short := range []bool{false, true} {
			t.Run(fmt.Sprintf("write=%d/short=%v", skip, short), func(t *testing.T) {
				s, mem, faults := memStore(t, Options{SegmentSize: minSegmentSize})
				createStreams(t, s, "a", "b")
				in := faults.Inject(vfs.Fault{Ops: vfs.OpWrite, Path: segmentExt, Skip: skip, Short: short, Err: syscall.ENOSPC})
				err := run(s, 1)
				if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) || errors.Is(err, ErrFailed) {
					t.Fatalf("run on a full disk: %v", err)
				}
				var failed uint64
				fmt.Sscanf(err.Error(), "seq %d:", &failed)
				if b := multi(failed - 1); failed > 1 && s.LastSeq() != b[len(b)-1].Record.Seq {
					t.Fatalf("LastSeq %d after batch %d failed", s.LastSeq(), failed)
				}
				// Refused until resumed, even once there is space.
				in.Remove()
				if err := s.Append(multi(failed)); !errors.Is(err, ErrDiskFull) {
					t.Fatalf("append before Resume: %v", err)
				}
				// A crash now finds exactly the acknowledged batches, with
				// nothing to cut: the failed write was taken back durably.
				checkMulti(t, reopenClone(t, mem, true), failed-1)
				// Still full: the next write fails the same way.
				in = faults.Inject(vfs.Fault{Ops: vfs.OpWrite, Err: syscall.ENOSPC})
				if streams, err := s.Resume(); err != nil || len(streams) == 0 || streams[0] != "a" {
					t.Fatalf("Resume: %v %v", streams, err)
				}
				if err := s.Append(multi(failed)); !errors.Is(err, ErrDiskFull) {
					t.Fatalf("append on a disk still full: %v", err)
				}
				// Space is free: the same seqs go where the failed ones were.
				in.Remove()
				if _, err := s.Resume(); err != nil {
					t.Fatal(err)
				}
				if err := run(s, failed); err != nil {
					t.Fatalf("after Resume: %v", err)
				}
				checkMulti(t, s, 120)
				checkMulti(t, reopenClone(t, mem, true), 120)
			})
		}
	}
}

// multi is the batch of seq for TestDiskFull: one record in stream a,
// and every third seq a second one in stream b (the same transaction).
func multi(seq uint64) Batch {
	b := Batch{{Stream: "a", Record: testRecord(seq * 2)}}
	if seq%3 == 0 {
		b = append(b, Entry{Stream: "b", Record: testRecord(seq*2 + 1)})
	}
	return b
}

// checkMulti checks that s holds exactly the batches of multi(1..last).
func checkMulti(t *testing.T, s *Store, last uint64) {
	t.Helper()
	var a, b []uint64
	for seq := uint64(1); seq <= last; seq++ {
		a = append(a, seq*2)
		if seq%3 == 0 {
			b = append(b, seq*2+1)
		}
	}
	checkSeqs(t, s, "a", a)
	checkSeqs(t, s, "b", b)
}

// TestDiskFullDirect: a direct write that fails for lack of space, part
// of it durable already, is cut back; the writer goes on writing directly
// after Resume, and every acknowledged batch reads back after a reopen.
func TestDiskFullDirect(t *testing.T) {
	dir := t.TempDir()
	if !directSupported(t, dir) {
		t.Skip("the file system of the test directory refuses direct writes")
	}
	faults := vfs.NewFaultFS(vfs.OS())
	s := openT(t, dir, Options{FS: faults})
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 100)
	st := s.mustStream(t, "a")
	if st.direct == nil {
		t.Fatal("no direct writes")
	}
	faults.Inject(vfs.Fault{Ops: vfs.OpWrite, Path: "segments/", Times: 1, Short: true, Err: syscall.ENOSPC})
	big := testRecord(101)
	big.Payload = bytes.Repeat([]byte("x"), 3*dioAlign) // a short write leaves whole blocks
	if err := s.Append(Batch{{Stream: "a", Record: big}}); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("append on a full disk: %v", err)
	}
	if size := fileSize(t, st.activePath); size != st.activeSize {
		t.Fatalf("segment of %d bytes after the cut-back, data ends at %d", size, st.activeSize)
	}
	if _, err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	appendSeqs(t, s, "a", 101, 200)
	if st.direct == nil {
		t.Fatal("direct writes dropped")
	}
	s = reopenT(t, s, dir)
	checkSeqs(t, s, "a", seqRange(1, 200))
}
