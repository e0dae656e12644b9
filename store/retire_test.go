package store

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/driftdb/driftdb/store/vfs"
)

// spanBatch is a batch of one record in each of streams, at seqs from
// first on.
func spanBatch(first uint64, streams ...string) Batch {
	var b Batch
	for i, st := range streams {
		b = append(b, Entry{Stream: st, Record: testRecord(first + uint64(i))})
	}
	return b
}

func mustAppend(t *testing.T, s *Store, b Batch) {
	t.Helper()
	if err := s.Append(b); err != nil {
		t.Fatal(err)
	}
}

// TestDropStream: a dropped stream's files are gone, batches it shared
// with other streams stay whole in them across reopens, the last seq
// survives even when the dropped stream held it, and a new stream of the
// same name starts empty and is checked like any other.
func TestDropStream(t *testing.T) {
	s, mem, _ := memStore(t, Options{})
	createStreams(t, s, "a", "b")
	appendSeqs(t, s, "a", 1, 3)
	mustAppend(t, s, spanBatch(4, "a", "b")) // 4 in a, 5 in b
	appendSeqs(t, s, "b", 6, 9)
	if err := s.DropStream("b"); err != nil {
		t.Fatal(err)
	}
	if s.HasStream("b") {
		t.Fatal("stream b still listed")
	}
	if _, err := mem.Stat("/data/tables/b"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("directory of b: %v", err)
	}
	if err := s.Append(Batch{{Stream: "b", Record: testRecord(10)}}); !errors.Is(err, ErrNoStream) {
		t.Fatalf("append to the dropped stream: %v", err)
	}
	if err := s.DropStream("b"); !errors.Is(err, ErrNoStream) {
		t.Fatalf("second drop: %v", err)
	}
	for round := range 2 {
		s2 := openT(t, "/data", Options{FS: mem.CrashClone()})
		checkSeqs(t, s2, "a", []uint64{1, 2, 3, 4})
		if s2.HasStream("b") || s2.LastSeq() != 9 {
			t.Fatalf("round %d: streams %v, last seq %d (want 9, the dropped stream's)", round, s2.Streams(), s2.LastSeq())
		}
		if err := s2.Append(Batch{{Stream: "a", Record: testRecord(9)}}); err == nil {
			t.Fatalf("round %d: seq 9 taken again", round)
		}
		s2.Close()
	}

	// A new b: its batches are checked, those of the old one are not.
	createStreams(t, s, "b")
	mustAppend(t, s, spanBatch(10, "a", "b"))
	appendSeqs(t, s, "b", 12, 12)
	s2 := openT(t, "/data", Options{FS: mem.CrashClone()})
	defer s2.Close()
	checkSeqs(t, s2, "a", []uint64{1, 2, 3, 4, 10})
	checkSeqs(t, s2, "b", []uint64{11, 12})
}

// TestDropStreamNewPartialBatch: once a stream of a dropped one's name
// exists again, a batch over it that a crash cut short is still removed
// from the other streams.
func TestDropStreamNewPartialBatch(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a", "b")
	mustAppend(t, s, spanBatch(1, "a", "b"))
	if err := s.DropStream("b"); err != nil {
		t.Fatal(err)
	}
	createStreams(t, s, "b")
	mustAppend(t, s, spanBatch(3, "a", "b"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Cut b's share of the second batch, as a crash between the two
	// files' syncs would.
	path := segPath(dir, "b", 1)
	if err := truncateFile(path, segmentHeaderSize); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, Options{})
	defer s.Close()
	checkSeqs(t, s, "a", []uint64{1})
	checkSeqs(t, s, "b", nil)
}

// TestRenameStream: a renamed stream keeps its records and takes writes
// under its new name, through the files it had open; the batches it
// shared with other streams stay whole in them; the old name is free.
func TestRenameStream(t *testing.T) {
	s, mem, _ := memStore(t, Options{SegmentSize: 4 << 10})
	createStreams(t, s, "a", "b")
	for seq := uint64(1); seq < 300; seq += 2 {
		mustAppend(t, s, spanBatch(seq, "a", "b")) // b spans several segments
	}
	if err := s.RenameStream("b", "c"); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, spanBatch(301, "a", "c"))
	appendSeqs(t, s, "c", 303, 305)
	check := func(s *Store) {
		t.Helper()
		if s.HasStream("b") || !s.HasStream("c") {
			t.Fatalf("streams %v", s.Streams())
		}
		var aSeqs, cSeqs []uint64
		for seq := uint64(1); seq <= 301; seq += 2 {
			aSeqs, cSeqs = append(aSeqs, seq), append(cSeqs, seq+1)
		}
		checkSeqs(t, s, "a", aSeqs)
		checkSeqs(t, s, "c", append(cSeqs, 303, 304, 305))
	}
	check(s)
	s2 := openT(t, "/data", Options{FS: mem.CrashClone()})
	check(s2)
	s2.Close()

	createStreams(t, s, "b")
	if err := s.RenameStream("a", "c"); !errors.Is(err, ErrStreamExists) {
		t.Fatalf("rename onto an existing stream: %v", err)
	}
	if err := s.RenameStream("nope", "d"); !errors.Is(err, ErrNoStream) {
		t.Fatalf("rename of an unknown stream: %v", err)
	}
	for _, bad := range []string{".x", "", "a/b", ".."} {
		if err := s.RenameStream("a", bad); err == nil {
			t.Fatalf("rename to %q accepted", bad)
		}
		if err := s.CreateStream(bad); err == nil {
			t.Fatalf("stream %q created", bad)
		}
	}
}

// TestDropRenameCrash runs a drop and a rename on a MemFS and, before
// every file operation they make, opens the store a crash would leave
// (synced only, and with the unsynced changes kept): it must open, hold
// every acknowledged batch of the stream left alone, and hold the other
// stream whole, under its old name or its new one (or, for a drop, not
// at all), never in part.
func TestDropRenameCrash(t *testing.T) {
	for _, op := range []string{"drop", "rename"} {
		t.Run(op, func(t *testing.T) {
			s, mem, faults := memStore(t, Options{SegmentSize: 4 << 10})
			createStreams(t, s, "a", "b")
			for seq := uint64(1); seq < 200; seq += 2 {
				mustAppend(t, s, spanBatch(seq, "a", "b"))
			}
			var aSeqs, bSeqs []uint64
			for seq := uint64(1); seq < 200; seq += 2 {
				aSeqs, bSeqs = append(aSeqs, seq), append(bSeqs, seq+1)
			}
			crashes := 0
			var failed error
			check := func(where string, fsys *vfs.MemFS) error {
				s2, err := Open("/data", Options{FS: fsys, SegmentSize: 4 << 10})
				if err != nil {
					return fmt.Errorf("%s: open: %w", where, err)
				}
				defer s2.Close()
				if got := seqsOf(s2, "a"); fmt.Sprint(got) != fmt.Sprint(aSeqs) {
					return fmt.Errorf("%s: a holds %d records, want %d", where, len(got), len(aSeqs))
				}
				names := s2.Streams()
				switch {
				case fmt.Sprint(names) == "[a b]":
					if got := seqsOf(s2, "b"); fmt.Sprint(got) != fmt.Sprint(bSeqs) {
						return fmt.Errorf("%s: b holds %d records", where, len(got))
					}
				case op == "rename" && fmt.Sprint(names) == "[a c]":
					if got := seqsOf(s2, "c"); fmt.Sprint(got) != fmt.Sprint(bSeqs) {
						return fmt.Errorf("%s: c holds %d records", where, len(got))
					}
				case op == "drop" && fmt.Sprint(names) == "[a]":
				default:
					return fmt.Errorf("%s: streams %v", where, names)
				}
				if s2.LastSeq() != 200 {
					return fmt.Errorf("%s: last seq %d, want 200", where, s2.LastSeq())
				}
				if rep, err := Verify(fsys, "/data"); err != nil || rep.Damaged() {
					return fmt.Errorf("%s: verify: %v %v", where, err, rep)
				}
				return s2.Append(Batch{{Stream: "a", Record: testRecord(201)}})
			}
			// The seals of the segments the appends filled are written
			// beside the writer: done before the operations counted.
			s.sealing.Wait()
			faults.SetHook(func(o vfs.Op, path string) error {
				if o&vfs.OpChange == 0 || failed != nil {
					return failed
				}
				crashes++
				where := fmt.Sprintf("crash %d before %v %s", crashes, o, path)
				failed = check(where+" (synced)", mem.CrashClone())
				if failed == nil {
					failed = check(where+" (all kept)", mem.CrashCloneKeeping(mem.Changes(), nil))
				}
				return failed
			})
			var err error
			if op == "drop" {
				err = s.DropStream("b")
			} else {
				err = s.RenameStream("b", "c")
			}
			faults.SetHook(nil)
			if failed != nil {
				t.Fatal(failed)
			}
			if err != nil {
				t.Fatal(err)
			}
			if crashes < 3 {
				t.Fatalf("only %d crash points", crashes)
			}
			if err := check("after", mem.CrashClone()); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d crash points", crashes)
		})
	}
}

// TestDroppedLeftoverRemoved: the directory of a drop that a crash
// interrupted after its commit point is removed at open, and is no
// stream meanwhile.
func TestDroppedLeftoverRemoved(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a", "b")
	appendSeqs(t, s, "b", 1, 3)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(dir, tablesDir, dropPrefix+"3-0.b")
	if err := renameDir(filepath.Join(dir, tablesDir, "b"), left); err != nil {
		t.Fatal(err)
	}
	ro := openT(t, dir, Options{ReadOnly: true})
	if fmt.Sprint(ro.Streams()) != "[a]" {
		t.Fatalf("read-only open lists %v", ro.Streams())
	}
	ro.Close()
	if rep, err := Verify(vfs.OS(), dir); err != nil || rep.Streams != 1 {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	s = openT(t, dir, Options{})
	defer s.Close()
	if fmt.Sprint(s.Streams()) != "[a]" {
		t.Fatalf("streams %v", s.Streams())
	}
	if _, err := vfs.OS().Stat(left); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("leftover: %v", err)
	}
}

func seqsOf(s *Store, stream string) []uint64 {
	it, err := s.NewIterator(stream, 0)
	if err != nil {
		return nil
	}
	defer it.Close()
	var out []uint64
	for it.Next() {
		out = append(out, it.Record().Seq)
	}
	if it.Err() != nil {
		return append(out, 0)
	}
	return out
}

func truncateFile(path string, size int64) error {
	f, err := vfs.OS().OpenReadWrite(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Truncate(size)
}

func renameDir(from, to string) error {
	if err := vfs.OS().Rename(from, to); err != nil {
		return err
	}
	return vfs.OS().SyncDir(filepath.Dir(to))
}
