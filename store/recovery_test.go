package store

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/driftdb/driftdb/store/vfs"
)

// buildStream makes a data directory with stream "a" holding one
// single-record batch per seq 1..n and returns the dir and the offsets at
// which each batch starts in segment 1 (plus the file size at the end).
func buildStream(t *testing.T, n uint64) (string, []int64) {
	t.Helper()
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a")
	offsets := []int64{segmentHeaderSize}
	for seq := uint64(1); seq <= n; seq++ {
		appendSeqs(t, s, "a", seq, seq)
		offsets = append(offsets, s.SegmentBytes("a"))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, offsets
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	// A file the store's background writers rename or remove while the
	// walk goes (a seal's temporary file) is left out: a crash then would
	// have left the file before or after, and the one before is not read.
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path != src {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestTornTailEveryOffset cuts the newest segment at every byte offset of
// its last batch: the store must open with every earlier record and nothing
// else, cut the file back to the last whole batch, and go on appending.
// (In memory: the cuts are many, and the file system is not under test.)
func TestTornTailEveryOffset(t *testing.T) {
	const n = 20
	mem := vfs.NewMem()
	s := openT(t, "/data", Options{FS: mem})
	createStreams(t, s, "a")
	offsets := []int64{segmentHeaderSize}
	for seq := uint64(1); seq <= n; seq++ {
		appendSeqs(t, s, "a", seq, seq)
		offsets = append(offsets, s.SegmentBytes("a"))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := segPath("/data", "a", 1)
	size := func(fsys FS) int64 {
		st, err := fsys.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	lastStart, end := offsets[n-1], offsets[n]
	for cut := lastStart; cut < end; cut++ {
		fsys := mem.CrashClone() // a copy: everything was synced
		f, err := fsys.OpenReadWrite(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(cut); err != nil {
			t.Fatal(err)
		}
		f.Close()
		ro := openT(t, "/data", Options{ReadOnly: true, FS: fsys})
		checkSeqs(t, ro, "a", seqRange(1, n-1))
		ro.Close()

		s := openT(t, "/data", Options{FS: fsys})
		checkSeqs(t, s, "a", seqRange(1, n-1))
		if got := size(fsys); got != lastStart {
			t.Fatalf("cut at %d: file left at %d bytes, want %d", cut, got, lastStart)
		}
		if got := s.LastSeq(); got != n-1 {
			t.Fatalf("cut at %d: LastSeq %d", cut, got)
		}
		appendSeqs(t, s, "a", n, n+1)
		s.Close()
		s = openT(t, "/data", Options{FS: fsys})
		checkSeqs(t, s, "a", seqRange(1, n+1))
		s.Close()
	}
}

// TestDamage is the corruption table: each case damages a store and says
// whether opening must fail with a *CorruptionError (and where), or how
// many records must survive.
func TestDamage(t *testing.T) {
	const n = 30
	type result struct {
		corrupt   bool
		segment   uint32 // where the corruption is reported
		offsetIdx int    // index into offsets of the reported offset
		survivors uint64 // records left when not corrupt
	}
	flip := func(path string, off int64) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[off] ^= 0x10
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	appendBytes := func(path string, extra []byte) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(extra)
		f.Close()
	}
	cases := []struct {
		name   string
		damage func(dir string, offsets []int64)
		want   result
	}{
		{"flip in first record", func(dir string, o []int64) { flip(segPath(dir, "a", 1), o[0]+12) },
			result{corrupt: true, segment: 1, offsetIdx: 0}},
		{"flip in middle record", func(dir string, o []int64) { flip(segPath(dir, "a", 1), o[14]+10) },
			result{corrupt: true, segment: 1, offsetIdx: 14}},
		{"flip in length of middle record", func(dir string, o []int64) { flip(segPath(dir, "a", 1), o[14]+1) },
			result{corrupt: true, segment: 1, offsetIdx: 14}},
		{"flip in last record", func(dir string, o []int64) { flip(segPath(dir, "a", 1), o[n-1]+10) },
			result{survivors: n - 1}},
		{"flip in last commit frame", func(dir string, o []int64) { flip(segPath(dir, "a", 1), o[n]-2) },
			result{survivors: n - 1}},
		{"zeroed tail", func(dir string, o []int64) { appendBytes(segPath(dir, "a", 1), make([]byte, 4096)) },
			result{survivors: n}},
		{"garbage tail", func(dir string, o []int64) { appendBytes(segPath(dir, "a", 1), []byte("not a record at all")) },
			result{survivors: n}},
		{"flip in header", func(dir string, o []int64) { flip(segPath(dir, "a", 1), 3) },
			result{corrupt: true, segment: 1, offsetIdx: -1}},
	}
	base, offsets := buildStream(t, n)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, base)
			tc.damage(dir, offsets)
			for _, ro := range []bool{true, false} {
				s, err := Open(dir, Options{ReadOnly: ro})
				if tc.want.corrupt {
					var ce *CorruptionError
					if !errors.As(err, &ce) {
						t.Fatalf("readonly=%v: open gave %v, want corruption", ro, err)
					}
					wantOff := int64(0)
					if tc.want.offsetIdx >= 0 {
						wantOff = offsets[tc.want.offsetIdx]
					}
					if ce.File != segPath(dir, "a", tc.want.segment) || ce.Offset != wantOff {
						t.Fatalf("corruption reported at %s:%d, want %s:%d", ce.File, ce.Offset,
							segPath(dir, "a", tc.want.segment), wantOff)
					}
					continue
				}
				if err != nil {
					t.Fatalf("readonly=%v: open: %v", ro, err)
				}
				checkSeqs(t, s, "a", seqRange(1, tc.want.survivors))
				s.Close()
			}
		})
	}
}

// segmentedStream makes a data directory with stream "a" holding seqs
// 1..400 in segments of 4 KiB, at least three, and returns it closed with
// the segments it had.
func segmentedStream(t *testing.T) (string, []*segment) {
	t.Helper()
	dir := t.TempDir()
	s := openT(t, dir, Options{SegmentSize: 4 << 10})
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 400)
	segs := s.mustStream(t, "a").segments()
	if len(segs) < 3 {
		t.Fatalf("want at least 3 segments, got %d", len(segs))
	}
	s.Close()
	return dir, segs
}

// TestSealedSegmentDamage flips a bit in a sealed segment, and cuts one
// short: both are corruption, never a silent cut.
func TestSealedSegmentDamage(t *testing.T) {
	dir, _ := segmentedStream(t)

	flipped := copyDir(t, dir)
	path := segPath(flipped, "a", 2)
	b, _ := os.ReadFile(path)
	b[len(b)-5] ^= 1
	os.WriteFile(path, b, 0o644)
	_, err := Open(flipped, Options{})
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.File != path {
		t.Fatalf("flip in sealed segment: %v", err)
	}

	cut := copyDir(t, dir)
	path = segPath(cut, "a", 1)
	os.Truncate(path, fileSize(t, path)-3)
	_, err = Open(cut, Options{})
	if !errors.As(err, &ce) || ce.File != path {
		t.Fatalf("short sealed segment: %v", err)
	}
}

// TestTornFirstRecordIsNoMerge: a crash that tears the first record of
// the newest segment leaves bytes whose seq, read without its checksum,
// may be below every earlier segment's; they must not make the earlier
// segments look like a merge's leftovers (removed, with their records).
func TestTornFirstRecordIsNoMerge(t *testing.T) {
	dir, segs := segmentedStream(t)
	newest := segs[len(segs)-1].num
	kept := segs[len(segs)-1].firstSeq.Load() - 1
	// The newest segment's first record torn: a length, a checksum that
	// does not match, and seq 1.
	path := segPath(dir, "a", newest)
	torn := []byte{20, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 7, 7, 7}
	if err := os.Truncate(path, segmentHeaderSize); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(torn, segmentHeaderSize); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want := make([]uint64, 0, kept)
	for seq := uint64(1); seq <= kept; seq++ {
		want = append(want, seq)
	}
	s := openT(t, dir, Options{SegmentSize: 4 << 10})
	checkSeqs(t, s, "a", want)
	appendSeqs(t, s, "a", kept+1, kept+1)
	s.Close()
	s = openT(t, dir, Options{SegmentSize: 4 << 10})
	defer s.Close()
	checkSeqs(t, s, "a", append(want, kept+1))
}

// TestFirstRecordSeq reads the seq of a segment's first record, whole
// when it is longer than the first read, and none from one that is cut
// short or does not check.
func TestFirstRecordSeq(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a")
	long := testRecord(7)
	long.Payload = bytes.Repeat([]byte{'x'}, 3*firstRecordRead)
	if err := s.Append(Batch{{Stream: "a", Record: long}}); err != nil {
		t.Fatal(err)
	}
	appendSeqs(t, s, "a", 8, 9)
	s.Close()
	path := segPath(dir, "a", 1)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(t.TempDir(), "seg")
	for _, c := range []struct {
		what string
		file []byte
		want uint64
	}{
		{"whole", b, 7},
		{"cut in the first record", b[:segmentHeaderSize+2*firstRecordRead], 0},
		{"a flipped byte in the first record", flipAt(b, segmentHeaderSize+2*firstRecordRead), 0},
		{"no record", b[:segmentHeaderSize], 0},
	} {
		if err := os.WriteFile(seg, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := firstRecordSeq(vfs.OS(), seg); err != nil || got != c.want {
			t.Errorf("%s: seq %d (%v), want %d", c.what, got, err, c.want)
		}
	}
}

func flipAt(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

// TestPartialTransactionDropped simulates a crash in which a transaction
// over two streams reached one of them only: it must vanish from both.
func TestPartialTransactionDropped(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	createStreams(t, s, "a", "b")
	appendSeqs(t, s, "a", 1, 2)
	txn := func(first uint64) Batch {
		return Batch{
			{Stream: "a", Record: testRecord(first)},
			{Stream: "b", Record: testRecord(first + 1)},
		}
	}
	if err := s.Append(txn(3)); err != nil {
		t.Fatal(err)
	}
	bBefore := s.SegmentBytes("b")
	if err := s.Append(txn(5)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// b lost its share of the second transaction.
	if err := os.Truncate(segPath(dir, "b", 1), bBefore); err != nil {
		t.Fatal(err)
	}
	ro := openT(t, dir, Options{ReadOnly: true})
	checkSeqs(t, ro, "a", []uint64{1, 2, 3})
	checkSeqs(t, ro, "b", []uint64{4})
	ro.Close()
	s = openT(t, dir, Options{})
	checkSeqs(t, s, "a", []uint64{1, 2, 3})
	checkSeqs(t, s, "b", []uint64{4})
	if got := s.LastSeq(); got != 4 {
		t.Fatalf("LastSeq = %d, want 4", got)
	}
	if err := s.Append(txn(5)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openT(t, dir, Options{})
	defer s.Close()
	checkSeqs(t, s, "a", []uint64{1, 2, 3, 5})
	checkSeqs(t, s, "b", []uint64{4, 6})
}

func TestVerifyReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{SegmentSize: 4 << 10})
	createStreams(t, s, "a", "b")
	appendSeqs(t, s, "a", 1, 200)
	appendSeqs(t, s, "b", 201, 210)
	writeSnap(t, s, "b", 210, []byte("state"))
	s.Close()

	rep, err := Verify(vfs.OS(), dir)
	if err != nil || len(rep.Problems) != 0 || rep.Records != 210 || rep.Streams != 2 || rep.Snapshots != 1 {
		t.Fatalf("clean verify: %+v, %v", rep, err)
	}
	// Damage a sealed segment of a, add a torn tail to b, break b's snapshot.
	p := segPath(dir, "a", 1)
	b, _ := os.ReadFile(p)
	b[100] ^= 0xff
	os.WriteFile(p, b, 0o644)
	f, _ := os.OpenFile(segPath(dir, "b", 1), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{9, 9, 9})
	f.Close()
	sp := filepath.Join(dir, tablesDir, "b", snapshotsDir, snapshotName(210))
	os.Truncate(sp, fileSize(t, sp)-1)

	rep, err = Verify(vfs.OS(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Damaged() || len(rep.Problems) != 3 {
		t.Fatalf("verify found %d problems: %v", len(rep.Problems), rep.Problems)
	}
	var torn int
	for _, pr := range rep.Problems {
		if !pr.Corrupt {
			torn++
			if pr.File != segPath(dir, "b", 1) {
				t.Fatalf("torn tail reported in %s", pr.File)
			}
		}
	}
	if torn != 1 {
		t.Fatalf("want one torn tail, got %v", rep.Problems)
	}
}
