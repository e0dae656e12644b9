package store

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// TestReadAhead: what a readAhead hands out is its source's bytes in
// order, whatever the sizes of the reads, and then the source's error.
func TestReadAhead(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	src := make([]byte, 3*overlapChunk+12345)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	for _, size := range []int{1, 7, 4096, overlapChunk, 3 * overlapChunk} {
		a := newReadAhead(iotest.HalfReader(bytes.NewReader(src)))
		var got []byte
		buf := make([]byte, size)
		for {
			n, err := a.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("reads of %d: %v", size, err)
			}
		}
		a.stop()
		if !bytes.Equal(got, src) {
			t.Fatalf("reads of %d: %d bytes, not the source's %d", size, len(got), len(src))
		}
	}
	bad := errors.New("disk on fire")
	a := newReadAhead(io.MultiReader(bytes.NewReader(src[:overlapChunk+10]), iotest.ErrReader(bad)))
	got, err := io.ReadAll(a)
	a.stop()
	if !errors.Is(err, bad) || !bytes.Equal(got, src[:overlapChunk+10]) {
		t.Fatalf("source failing: %d bytes, %v", len(got), err)
	}
}

// TestSnapshotReadAhead: a snapshot large enough to be decompressed
// ahead reads back whole, and one closed after a few bytes stops its
// reading.
func TestSnapshotReadAhead(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	defer s.Close()
	createStreams(t, s, "a")
	rng := rand.New(rand.NewPCG(7, 8))
	big := make([]byte, readAheadFrom+overlapChunk) // random: does not compress
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	writeSnap(t, s, "a", 9, big)
	rc, err := s.OpenSnapshot("a", 9)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := rc.(*snapshotReader); !ok || r.ahead == nil {
		t.Fatalf("a snapshot of %d bytes is not read ahead", len(big))
	}
	head := make([]byte, 100)
	if _, err := io.ReadFull(rc, head); err != nil || !bytes.Equal(head, big[:100]) {
		t.Fatalf("first bytes: %v", err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadSnapshot("a", 9)
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read back: %d bytes of %d, %v", len(got), len(big), err)
	}
}

// failAfter is a writer that takes n bytes and then fails.
type failAfter struct {
	buf bytes.Buffer
	n   int
	err error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.buf.Len()+len(p) > f.n {
		return 0, f.err
	}
	return f.buf.Write(p)
}

// TestWriteBehind: what a writeBehind is given reaches its writer in
// order, whatever the sizes of the writes; the writer's first error comes
// back from a later Write and from close.
func TestWriteBehind(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	src := make([]byte, 5*overlapChunk+777)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	for _, size := range []int{1, 1000, overlapChunk - 1, 2*overlapChunk + 3} {
		var dst bytes.Buffer
		w := newWriteBehind(&dst)
		for p := src; len(p) > 0; {
			k := min(size, len(p))
			if n, err := w.Write(p[:k]); n != k || err != nil {
				t.Fatalf("writes of %d: %d, %v", size, n, err)
			}
			p = p[k:]
		}
		if err := w.close(); err != nil || !bytes.Equal(dst.Bytes(), src) {
			t.Fatalf("writes of %d: %d bytes of %d, %v", size, dst.Len(), len(src), err)
		}
	}
	bad := errors.New("disk full")
	dst := &failAfter{n: overlapChunk, err: bad}
	w := newWriteBehind(dst)
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = w.Write(src[:overlapChunk])
	}
	if !errors.Is(err, bad) {
		t.Fatalf("Write after the writer failed: %v", err)
	}
	if err := w.close(); !errors.Is(err, bad) {
		t.Fatalf("close after the writer failed: %v", err)
	}
	if !bytes.Equal(dst.buf.Bytes(), src[:overlapChunk]) {
		t.Fatal("the writer did not get the first chunk whole")
	}
}
