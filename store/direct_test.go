package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/driftdb/driftdb/store/vfs"
)

// directSupported reports whether dir's file system takes direct writes.
func directSupported(t *testing.T, dir string) bool {
	t.Helper()
	path := filepath.Join(dir, "probe")
	f, err := vfs.OS().Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(path)
	defer f.Close()
	d, err := openDirect(f, 0)
	if err != nil {
		return false
	}
	defer d.close()
	return d.write([]byte("x"), 0) == nil
}

// TestDirectWrites writes batches of many sizes, inside one block, across
// blocks and across segments, through the direct-write path. The segment
// files must hold the same bytes a buffered writer writes, every batch
// must read back after a crash-like copy and after a clean close, and the
// in-memory tail must always match the file.
func TestDirectWrites(t *testing.T) {
	dir := t.TempDir()
	if !directSupported(t, dir) {
		t.Skip("the file system of the test directory refuses direct writes")
	}
	opts := Options{SegmentSize: minSegmentSize}
	direct := openT(t, dir, opts)
	createStreams(t, direct, "a")
	if direct.mustStream(t, "a").direct == nil {
		t.Fatal("synced store on a file system with direct writes did not open a direct handle")
	}
	// The reference writes through the page cache only: unsynced stores
	// never open a direct handle, on any segment.
	bufDir := t.TempDir()
	buffered := openT(t, bufDir, Options{SegmentSize: opts.SegmentSize, NoSync: true})
	createStreams(t, buffered, "a")

	// Sizes from a few bytes to several blocks, so that writes start and
	// end at every offset within a block.
	seq := uint64(1)
	var want []Record
	batches := 400
	if testing.Short() {
		batches = 80
	}
	for i := 0; i < batches; i++ {
		n := 1 + (i*997)%9000
		var b Batch
		for len(b) == 0 || n > 0 {
			r := testRecord(seq)
			r.Payload = bytes.Repeat([]byte{byte(seq)}, min(n, 3000)+1)
			n -= len(r.Payload)
			b = append(b, Entry{Stream: "a", Record: r})
			want = append(want, r)
			seq++
		}
		for _, s := range []*Store{direct, buffered} {
			if err := s.Append(b); err != nil {
				t.Fatalf("append: %v", err)
			}
		}
		st := direct.mustStream(t, "a")
		if st.direct == nil {
			t.Fatal("direct handle dropped")
		}
		tail := make([]byte, st.activeSize-alignDown(st.activeSize))
		if _, err := st.active.ReadAt(tail, alignDown(st.activeSize)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tail, st.direct.tail) {
			t.Fatalf("batch %d: the tail in memory differs from the file", i)
		}
	}
	if len(direct.mustStream(t, "a").segments()) < 3 {
		t.Fatal("the test meant to cross segments")
	}
	crashed := copyDir(t, dir)
	for _, s := range []*Store{direct, buffered} {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// After a clean close both writers leave the same files.
	ents, err := os.ReadDir(filepath.Join(dir, "tables", "a", "segments"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		a, err := os.ReadFile(filepath.Join(dir, "tables", "a", "segments", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(bufDir, "tables", "a", "segments", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: direct and buffered writers wrote different files (%d and %d bytes)", e.Name(), len(a), len(b))
		}
	}
	for _, d := range []string{dir, crashed} {
		s := openT(t, d, opts)
		got := readAll(t, s, "a")
		s.Close()
		if len(got) != len(want) {
			t.Fatalf("%s: %d records, want %d", d, len(got), len(want))
		}
		for i := range got {
			if !sameRecord(got[i], want[i]) {
				t.Fatalf("%s: record %d differs: seq %d, want seq %d", d, i, got[i].Seq, want[i].Seq)
			}
		}
	}
}

// TestDirectWriteRefused makes the kernel refuse a direct write (a
// misaligned buffer gets EINVAL, as a file system that takes O_DIRECT at
// open but not at write would): the commit goes through buffered writes
// and fdatasync instead, and so do the ones after it.
func TestDirectWriteRefused(t *testing.T) {
	dir := t.TempDir()
	if !directSupported(t, dir) {
		t.Skip("the file system of the test directory refuses direct writes")
	}
	s := openT(t, dir, Options{})
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 10)
	st := s.mustStream(t, "a")
	s.w.mu.Lock()
	raw := make([]byte, 3*dioAlign)
	off := 1
	if uintptr(unsafe.Pointer(&raw[0]))%2 == 1 {
		off = 2
	}
	st.direct.buf = raw[off : off+2*dioAlign] // not aligned: the kernel says EINVAL
	s.w.mu.Unlock()
	appendSeqs(t, s, "a", 11, 20)
	if st.direct != nil {
		t.Fatal("still writing directly after a refused write")
	}
	s = reopenT(t, s, dir)
	checkSeqs(t, s, "a", seqRange(1, 20))
}
