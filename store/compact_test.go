package store

import (
	"os"
	"testing"
)

func TestMergeSegmentsKeepsRecords(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentSize: 4 << 10}
	s := openT(t, dir, opts)
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 300)
	before := len(s.mustStream(t, "a").segments())
	// Merging wants small segments: raise the size limit on reopen.
	s.Close()
	opts.SegmentSize = 64 << 10
	s = openT(t, dir, opts)
	if err := s.MergeSegments("a"); err != nil {
		t.Fatal(err)
	}
	after := len(s.mustStream(t, "a").segments())
	if after >= before {
		t.Fatalf("merge left %d segments of %d", after, before)
	}
	checkSeqs(t, s, "a", seqRange(1, 300))
	appendSeqs(t, s, "a", 301, 310)
	s.Close()
	s = openT(t, dir, opts)
	defer s.Close()
	checkSeqs(t, s, "a", seqRange(1, 310))
	if n := len(s.mustStream(t, "a").segments()); n != after {
		t.Fatalf("after reopen %d segments, want %d", n, after)
	}
}

// TestMergeCrashLeftovers replays a crash between the rename of the merged
// segment and the removal of the segments it replaced.
func TestMergeCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{SegmentSize: 4 << 10})
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 300)
	segs := s.mustStream(t, "a").segments()
	saved := map[string][]byte{}
	for _, seg := range segs[:len(segs)-1] {
		b, _ := os.ReadFile(seg.path)
		saved[seg.path] = b
	}
	s.Close()
	s = openT(t, dir, Options{SegmentSize: 1 << 20})
	if err := s.MergeSegments("a"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for path, b := range saved {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			os.WriteFile(path, b, 0o644) // the removal never happened
		}
	}
	s = openT(t, dir, Options{SegmentSize: 1 << 20})
	defer s.Close()
	checkSeqs(t, s, "a", seqRange(1, 300))
}

func TestDropBefore(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{SegmentSize: 4 << 10})
	createStreams(t, s, "a")
	appendSeqs(t, s, "a", 1, 300)
	if err := s.DropBefore("a", 150); err != nil {
		t.Fatal(err)
	}
	checkSeqs(t, s, "a", seqRange(151, 300))
	if got := s.FirstSeq("a"); got != 151 {
		t.Fatalf("FirstSeq = %d", got)
	}
	appendSeqs(t, s, "a", 301, 305)
	s.Close()
	s = openT(t, dir, Options{SegmentSize: 4 << 10})
	checkSeqs(t, s, "a", seqRange(151, 305))
	// Dropping everything keeps the newest batch, so the last seq survives.
	if err := s.DropBefore("a", 1000); err != nil {
		t.Fatal(err)
	}
	checkSeqs(t, s, "a", []uint64{305})
	appendSeqs(t, s, "a", 306, 306)
	s.Close()
	s = openT(t, dir, Options{SegmentSize: 4 << 10})
	defer s.Close()
	checkSeqs(t, s, "a", []uint64{305, 306})
	if s.LastSeq() != 306 {
		t.Fatalf("LastSeq = %d", s.LastSeq())
	}
}
