package store

import (
	"errors"
	"os"
	"slices"
	"testing"
)

// TestSeals: the writer seals each segment it fills, a clean close those
// it has not sealed, and an
// open those that are not the newest and have no seal; the next open
// takes their bounds from the seals without reading them (damage in
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
	// The writer sealed each segment it filled, beside its writes.
	s.sealing.Wait()
	for _, seg := range segs[:len(segs)-1] {
		if _, err := os.Stat(sealPath(seg.path)); err != nil || !seg.sealed.Load() {
			t.Fatalf("%s not sealed once filled: %v", seg.path, err)
		}
	}
	s.Close()
	// The seals hold for the segments the writer filled.
	for _, seg := range segs[:len(segs)-1] {
		if _, err := os.Stat(sealPath(seg.path)); err != nil {
			t.Fatalf("%s not sealed by the close: %v", seg.path, err)
		}
		os.Remove(sealPath(seg.path))
	}
	// Without their seals (a crash), the open reads them and seals them.
	s = openT(t, dir, opts)
	for _, seg := range segs[:len(segs)-1] {
		if _, err := os.Stat(sealPath(seg.path)); err != nil {
			t.Fatalf("%s not sealed by the open: %v", seg.path, err)
		}
	}
	checkSeqs(t, s, "a", seqRange(1, 300))
	s.Close()
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
	merged := s.mustStream(t, "a").segments()
	s.Close()
	// The close sealed the merged segments anew: the seals left from
	// before the merge no longer held for their files.
	var prev uint64
	for _, seg := range merged[:len(merged)-1] {
		if _, ok := sealedScan(s.fs, seg.path, prev); !ok {
			t.Fatalf("%s: no seal that holds after the close", seg.path)
		}
		prev = seg.lastSeq.Load()
	}
	s = openT(t, dir, Options{SegmentSize: 1 << 20})
	defer s.Close()
	checkSeqs(t, s, "a", seqRange(1, 310))
	if _, err := s.ReadRecord("a", 150); err != nil {
		t.Fatal(err)
	}
}

// TestSealMap: a sealed segment's first read by seq takes the segment's
// seq map from its seal, the same map a walk of the segment makes; a
// damaged map is walked past.
func TestSealMap(t *testing.T) {
	dir, opts, s := batchStore(t)
	segs0 := s.mustStream(t, "a").segments()
	s.Close()
	for _, seg := range segs0 { // the close's seals: this open is to scan
		os.Remove(sealPath(seg.path))
	}
	s = openT(t, dir, opts) // seals, with the maps its scans made
	// The segments this open read whole have their maps already.
	for _, seg := range s.mustStream(t, "a").segments() {
		if m := seg.seqs.m.Load(); m == nil || len(m.seqs) == 0 || m.f != nil {
			t.Fatalf("%s: no map from the open's scan", seg.path)
		}
	}
	walked := map[string][]int64{}
	for _, seg := range s.mustStream(t, "a").segments() {
		var x seqIndex
		m, err := x.extend(s.fs, seg)
		if err != nil {
			t.Fatal(err)
		}
		walked[seg.path] = m.offs
		if got := seg.seqs.m.Load().offs; !slices.Equal(got, m.offs) {
			t.Fatalf("%s: the scan's map %v, a walk's %v", seg.path, got, m.offs)
		}
		m.f.Close()
	}
	s.Close()

	for _, damage := range []bool{false, true} {
		if damage {
			for path := range walked {
				sp := sealPath(path)
				if b, err := os.ReadFile(sp); err == nil {
					b[sealSize+3] ^= 1
					os.WriteFile(sp, b, 0o644)
				}
			}
		}
		s = openT(t, dir, opts)
		segs := s.mustStream(t, "a").segments()
		for _, seg := range segs[:len(segs)-1] {
			if seg.seqs.m.Load() != nil {
				t.Fatalf("%s: a sealed segment read at open", seg.path)
			}
			_, fromSeal := readSealMap(s.fs, seg)
			if fromSeal == damage {
				t.Fatalf("%s: map from the seal %v, damaged %v", seg.path, fromSeal, damage)
			}
		}
		checkReads(t, s, 400, 0)
		for _, seg := range segs {
			if got := seg.seqs.m.Load().offs; !slices.Equal(got, walked[seg.path]) {
				t.Fatalf("%s: map %v, a walk's %v", seg.path, got, walked[seg.path])
			}
		}
		s.Close()
	}
}
