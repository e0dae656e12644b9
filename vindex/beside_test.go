package vindex

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestBeside opens an index beside its writer, which holds its lock: a
// plain read-only open fails, one beside it reads the versions as they
// were at the open, after the writer has put more and compacted its
// tables into one run, removing the files the reader holds; the reader
// sees none of the writer's later versions.
func TestBeside(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir, Options{TableSize: 64 << 10, MemTableSize: 256 << 10, TidyAfter: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	const keys = 2000
	seq := uint64(0)
	round := func() {
		t.Helper()
		b := x.NewBatch()
		for k := range keys {
			seq++
			if err := b.PutVersion(3, key(k), seq, Version{Type: 2, Ms: int64(seq), Patch: []byte{byte(seq)}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.SetMark(3, Mark{Seq: seq}); err != nil {
			t.Fatal(err)
		}
		if err := b.Apply(); err != nil {
			t.Fatal(err)
		}
		if err := x.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	round()
	round()
	if ro, err := Open(dir, Options{ReadOnly: true}); err == nil {
		ro.Close()
		t.Fatal("a read-only open took the writer's lock")
	}
	if w2, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		if err == nil {
			w2.Close()
		}
		t.Fatalf("a second writer's open: %v, want ErrLocked", err)
	}
	bx, err := Open(dir, Options{Beside: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bx.Close()
	if !bx.Beside() || x.Beside() {
		t.Fatalf("Beside: %v for the reader, %v for the writer", bx.Beside(), x.Beside())
	}
	if bx.ID() != x.ID() {
		t.Fatalf("the reader's identity %x, the writer's %x", bx.ID(), x.ID())
	}
	atOpen := seq
	tables := func() []string {
		names, err := filepath.Glob(filepath.Join(dir, "*.sst"))
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	before := tables()
	round()
	if err := x.db.Compact(t.Context(), []byte{0}, []byte{0xff}, true); err != nil {
		t.Fatal(err)
	}
	// The writer removes the files its compaction replaced in the
	// background.
	removed := func() bool {
		after := tables()
		return slices.ContainsFunc(before, func(n string) bool { return !slices.Contains(after, n) })
	}
	for deadline := time.Now().Add(10 * time.Second); !removed() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !removed() {
		t.Fatalf("the writer's compaction removed no file the reader held: %v then %v", before, tables())
	}
	check := func(x *Index, upTo uint64) {
		t.Helper()
		r, err := x.NewVersions()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for k := range keys {
			for s := uint64(k + 1); s <= seq; s += keys {
				found := r.Seek(3, key(k), s) && r.Seq() == s && bytes.Equal(r.Version().Patch, []byte{byte(s)})
				if found != (s <= upTo) {
					t.Fatalf("key %d at %d: found %v seq %d (%v), want it %v", k, s, r.Version(), r.Seq(), r.Err(), s <= upTo)
				}
			}
		}
		if m, ok, err := x.Mark(3); err != nil || !ok || m.Seq != upTo {
			t.Fatalf("mark %+v %v %v, want seq %d", m, ok, err, upTo)
		}
	}
	check(bx, atOpen)
	check(x, seq)
	if err := bx.NewBatch().Apply(); err == nil {
		t.Fatal("an index opened beside its writer took a batch")
	}
	if _, err := os.Stat(filepath.Join(dir, "LOCK")); err != nil {
		t.Fatal(err)
	}
}
