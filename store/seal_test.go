package store

import (
	"errors"
	"os"
	"testing"
)

// TestSeals: an open seals the segments that are not the newest; the next
// open takes their bounds from the seals without reading them (damage in
// the middle of a sealed segment is not found at open, but by the read of
// that record and by Verify), while a seal that does not hold for its file
// (damaged, or left from before a merge) sends the open back to reading
// the segment whole.
func TestSeals(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentSize: 4 << 10}
	s := openT(t, dir, opts)
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 300)
	segs := s.mustStream(t, "a").segments()
	if len(segs) < 4 {
		t.Fatalf("%d segments", len(segs))
	}
	s.Close()
	for _, seg := range segs[:len(segs)-1] {
		if _, err := os.Stat(sealPath(seg.path)); err == nil {
			t.Fatalf("%s sealed before an open read it", seg.path)
		}
	}
	s = openT(t, dir, opts)
	checkSeqs(t, s, "a", seqRange(1, 300))
	s.Close()
	for _, seg := range segs[:len(segs)-1] {
		if _, err := os.Stat(sealPath(seg.path)); err != nil {
			t.Fatalf("%s not sealed: %v", seg.path, err)
		}
	}
	if _, err := os.Stat(sealPath(segs[len(segs)-1].path)); err == nil {
		t.Fatal("the newest segment was sealed")
	}

	// Damage a record in the middle of the second segment.
	path := segs[1].path
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	good := append([]byte(nil), b...)
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, opts) // the seal holds: the segment is not read
	it, err := s.NewIterator("a", 0)
	if err != nil {
		t.Fatal(err)
	}
	for it.Next() {
	}
	var ce *CorruptionError
	if !errors.As(it.Err(), &ce) || ce.File != path {
		t.Fatalf("reading past the damage: %v", it.Err())
	}
	it.Close()
	if rep, err := Verify(s.fs, dir); err != nil || !rep.Damaged() {
		t.Fatalf("verify of the damaged store: %+v %v", rep, err)
	}
	s.Close()
	// Without its seal, the damage stops the open.
	os.Remove(sealPath(path))
	if _, err := Open(dir, opts); !errors.As(err, &ce) {
		t.Fatalf("open without the seal: %v", err)
	}
	os.WriteFile(path, good, 0o644)

	// A damaged seal is read past; so is a seal left from before a merge.
	sp := sealPath(segs[0].path)
	sb, _ := os.ReadFile(sp)
	sb[20] ^= 1
	os.WriteFile(sp, sb, 0o644)
	s = openT(t, dir, Options{SegmentSize: 1 << 20})
	checkSeqs(t, s, "a", seqRange(1, 300))
	if err := s.MergeSegments("a"); err != nil {
		t.Fatal(err)
	}
	appendSeqs(t, s, "a", 301, 310)
	s.Close()
	s = openT(t, dir, Options{SegmentSize: 1 << 20})
	defer s.Close()
	checkSeqs(t, s, "a", seqRange(1, 310))
	if _, err := s.ReadRecord("a", 150); err != nil {
		t.Fatal(err)
	}
}
