package store

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/zstd"
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

// TestFrameWriter: what a frameWriter is given comes out of a zstd
// reader of what it wrote, in order, whatever the sizes of the writes and
// however many frames it took (none given: one empty frame); the
// writer's first error comes back from a later Write and from close.
func TestFrameWriter(t *testing.T) {
	defer func(n int) { frameSize = n }(frameSize)
	frameSize = 64 << 10
	rng := rand.New(rand.NewPCG(9, 10))
	src := make([]byte, 40*frameSize+777)
	for i := range src {
		src[i] = byte(rng.Uint32() % 16) // compressible, and not all alike
	}
	zr, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, c := range []struct{ size, total int }{{1, 3*frameSize + 5}, {1000, len(src)}, {frameSize - 1, len(src)}, {2*frameSize + 3, len(src)}, {100, frameSize}, {100, 0}} {
		var dst bytes.Buffer
		w, err := newFrameWriter(&dst)
		if err != nil {
			t.Fatal(err)
		}
		for p := src[:c.total]; len(p) > 0; {
			k := min(c.size, len(p))
			if n, err := w.Write(p[:k]); n != k || err != nil {
				t.Fatalf("writes of %d: %d, %v", c.size, n, err)
			}
			p = p[k:]
		}
		if err := w.close(); err != nil {
			t.Fatalf("writes of %d: %v", c.size, err)
		}
		if dst.Len() == 0 {
			t.Fatalf("%d bytes in writes of %d: nothing written", c.total, c.size)
		}
		if err := zr.Reset(bytes.NewReader(dst.Bytes())); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, src[:c.total]) {
			t.Fatalf("%d bytes in writes of %d: read back %d bytes, %v", c.total, c.size, len(got), err)
		}
	}
	bad := errors.New("disk full")
	dst := &failAfter{n: 1, err: bad}
	w, err := newFrameWriter(dst)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000 && err == nil; i++ {
		_, err = w.Write(src[:frameSize])
	}
	if !errors.Is(err, bad) {
		t.Fatalf("Write after the writer failed: %v", err)
	}
	if err := w.close(); !errors.Is(err, bad) {
		t.Fatalf("close after the writer failed: %v", err)
	}
}
