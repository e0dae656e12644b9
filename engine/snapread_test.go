package engine

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
)

// rawSnapshot writes a whole snapshot of chain case c's table and returns
// its decompressed stream.
func rawSnapshot(t *testing.T, c *chainCase) []byte {
	t.Helper()
	seq, err := c.db.SnapshotTable("t")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.db.st.OpenSnapshot("t", seq)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// readRows reads every row of the snapshot stream raw, with a window of
// window bytes to begin with (0: the default).
func readRows(raw []byte, window int) ([]row, error) {
	rows, h, err := readSnapshotHeader(bytes.NewReader(raw), &TableSpec{Name: "t"})
	if err != nil {
		return nil, err
	}
	if window > 0 {
		rows.buf = make([]byte, window)
	}
	var out []row
	for range h.Rows {
		r, err := rows.next(true)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// TestSnapshotRows reads a snapshot's rows through windows from 1 byte
// up, which grow and refill in the middle of every kind of value, and
// finds them the same as through the default window; a stream cut
// anywhere in its rows fails to read, and nothing panics.
func TestSnapshotRows(t *testing.T) {
	c := newChainCase(t)
	c.keys = 30
	rng := rand.New(rand.NewPCG(11, 12))
	c.write(rng, 400)
	raw := rawSnapshot(t, c)
	want, err := readRows(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != c.keys {
		t.Fatalf("%d rows, want %d", len(want), c.keys)
	}
	same := func(a, b row) bool {
		if a.key != b.key || len(a.versions) != len(b.versions) || a.newest.seq != b.newest.seq ||
			!bytes.Equal(a.newest.doc, b.newest.doc) {
			return false
		}
		for i := range a.versions {
			va, vb := &a.versions[i], &b.versions[i]
			if va.seq != vb.seq || va.ms != vb.ms || va.typ() != vb.typ() ||
				!bytes.Equal(va.doc(), vb.doc()) || (va.doc() == nil) != (vb.doc() == nil) ||
				!bytes.Equal(va.patch(), vb.patch()) || (va.patch() == nil) != (vb.patch() == nil) {
				return false
			}
		}
		return true
	}
	for _, window := range []int{1, 2, 7, 64, 1000} {
		got, err := readRows(raw, window)
		if err != nil {
			t.Fatalf("window %d: %v", window, err)
		}
		if !slices.EqualFunc(got, want, same) {
			t.Fatalf("window %d: the rows differ from the default window's", window)
		}
	}
	// The rows read are what was written, at every seq (c.check reads
	// them after a reopen, which loads this snapshot).
	c.reopen()
	c.check(1)

	// Where the rows start: past the header.
	start := len(raw) - 1
	for n := range raw {
		if _, _, err := readSnapshotHeader(bytes.NewReader(raw[:n]), &TableSpec{Name: "t"}); err == nil {
			start = n
			break
		}
	}
	for cut := start; cut < len(raw); cut++ {
		for _, window := range []int{0, 5} {
			if rows, err := readRows(raw[:cut], window); err == nil {
				t.Fatalf("a stream cut at %d of %d bytes (window %d) read back %d rows", cut, len(raw), window, len(rows))
			}
		}
	}
}
