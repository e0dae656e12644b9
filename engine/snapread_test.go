package engine

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/driftdb/driftdb/store"
)

// rawSnapshot writes a whole snapshot of chain case c's table and returns
// its decompressed stream.
func rawSnapshot(t *testing.T, c *chainCase) []byte {
	t.Helper()
	seq, err := c.db.SnapshotTable("t")
	if err != nil {
		t.Fatal(err)
	}
	return snapshotBytes(t, c.db, "t", seq)
}

// snapshotBytes returns the engine's bytes of table's snapshot at seq.
func snapshotBytes(t *testing.T, db *DB, table string, seq uint64) []byte {
	t.Helper()
	rc, err := db.st.OpenSnapshot(table, seq)
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
		if a.key != b.key || len(a.versions) != len(b.versions) || a.newest().seq != b.newest().seq ||
			!bytes.Equal(a.newest().doc(), b.newest().doc()) {
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
	// Every cut, but in -short mode every fourth (the values of each kind
	// come many times, cut at every offset somewhere): the reads of a
	// stream cut at each byte took 43 s of make test's race run.
	step := 1
	if testing.Short() {
		step = 4
	}
	for cut := start; cut < len(raw); cut += step {
		for _, window := range []int{0, 5} {
			if rows, err := readRows(raw[:cut], window); err == nil {
				t.Fatalf("a stream cut at %d of %d bytes (window %d) read back %d rows", cut, len(raw), window, len(rows))
			}
		}
	}
}

// TestSnapshotGaps reads gaps: a v 5 row's, and a v 4 row's runs of
// versions left to the index, each of which loads as one gap whose
// points of the timeline are kept; a gap as a row's last version, or
// with a document, does not read.
func TestSnapshotGaps(t *testing.T) {
	stream := func(v int, versions ...[]any) []byte {
		var b bytes.Buffer
		enc := msgpack.NewEncoder(&b)
		h := snapshotHeader{V: v, Table: "t", Seq: 9, Indexed: 9, Rows: 1, Times: []int64{1001, 2}}
		if v == wholeIndexed {
			h.Times = nil
		}
		mustExec(t, enc.Encode(&h))
		mustExec(t, enc.Encode([]any{int64(7), versions}))
		return b.Bytes()
	}
	doc, patch := []byte{0x81, 0xa1, 'n', 0x05}, []byte{0x81, 0xa1, 'n', 0x05}
	last := []any{uint64(6), int64(1006), uint64(store.EventPatch), doc, patch}
	check := func(name string, raw []byte, wantTimes []timePoint) {
		t.Helper()
		rows, h, err := readSnapshotHeader(bytes.NewReader(raw), &TableSpec{Name: "t"})
		mustExec(t, err)
		r, err := rows.next(true)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		vs := r.versions
		if len(vs) != 3 || vs[0].typ() != store.EventInsert || !vs[0].inLog() ||
			!vs[1].gap() || vs[1].seq != 2 || vs[1].ms != 1001 || vs[1].count() != 3 || vs[2].seq != 6 {
			t.Fatalf("%s: versions %+v", name, vs)
		}
		if got := rows.times; !slices.Equal(got, wantTimes) {
			t.Fatalf("%s: timeline %v, want %v (header %v)", name, got, wantTimes, h.Times)
		}
	}
	insert := []any{uint64(1), int64(1000), uint64(store.EventInsert), nil, true}
	check("v 5", stream(wholeGaps, insert, []any{uint64(2), int64(1001), uint64(0), nil, uint64(3)}, last), nil)
	// v 6: a row's last version may be an INSERT whose document is its
	// record's; in v 5 the last version must have its document.
	logged := []any{uint64(6), int64(1006), uint64(store.EventInsert), nil, true}
	rows, _, err := readSnapshotHeader(bytes.NewReader(stream(wholeLogged, logged)), &TableSpec{Name: "t"})
	mustExec(t, err)
	if r, err := rows.next(true); err != nil || len(r.versions) != 1 || !r.newest().inLog() || r.newest().seq != 6 {
		t.Fatalf("v 6, an INSERT last in the log: %+v, %v", r.versions, err)
	}
	marker := func(seq uint64, ms int64) []any { return []any{seq, ms, uint64(store.EventPatch), nil, false} }
	check("v 4", stream(wholeIndexed, insert, marker(2, 1001), marker(3, 1001), marker(4, 1005), last),
		[]timePoint{{1001, 2}, {1001, 3}, {1005, 4}})

	for name, raw := range map[string][]byte{
		"a gap last":         stream(wholeGaps, insert, []any{uint64(2), int64(1001), uint64(0), nil, uint64(3)}),
		"a gap with a doc":   stream(wholeGaps, insert, []any{uint64(2), int64(1001), uint64(0), doc, uint64(3)}, last),
		"a gap of nothing":   stream(wholeGaps, insert, []any{uint64(2), int64(1001), uint64(0), nil, uint64(0)}, last),
		"a gap out of order": stream(wholeGaps, insert, []any{uint64(1), int64(1001), uint64(0), nil, uint64(2)}, last),
		// A version's type is a row's event's: a commit record's (16) or
		// more is damage, refused as such rather than stopping the open.
		"a commit's type":      stream(wholeGaps, insert, []any{uint64(6), int64(1006), uint64(store.EventCommit), doc, patch}),
		"a type past 7":        stream(wholeGaps, insert, []any{uint64(6), int64(1006), uint64(8), doc, patch}),
		"v 5, last in the log": stream(wholeGaps, logged),
		"v 6, a PATCH last in the log": stream(wholeLogged, insert,
			[]any{uint64(6), int64(1006), uint64(store.EventPatch), nil, true}),
	} {
		rows, _, err := readSnapshotHeader(bytes.NewReader(raw), &TableSpec{Name: "t"})
		mustExec(t, err)
		if r, err := rows.next(true); err == nil {
			t.Fatalf("%s: read as %+v", name, r.versions)
		}
	}
}

// TestReadRowsInto: a snapshot of more rows than two of readRowsInto's
// batches is read on a goroutine of its own and handed over in order: the
// rows read one by one, and of a stream cut two thirds in, those before
// the cut and then the error, the reader's goroutine ended (the package's
// check of leaked goroutines).
func TestReadRowsInto(t *testing.T) {
	c := newChainCase(t)
	c.keys = 3*readRowsBatch + 5
	rng := rand.New(rand.NewPCG(5, 6))
	c.write(rng, 2*c.keys)
	raw := rawSnapshot(t, c)
	want, err := readRows(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 2*readRowsBatch {
		t.Fatalf("%d rows: too few to be read on a goroutine", len(want))
	}
	read := func(raw []byte) ([]row, error) {
		rows, h, err := readSnapshotHeader(bytes.NewReader(raw), &TableSpec{Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		var got []row
		err = readRowsInto(rows, h.Rows, func(r row) { got = append(got, r) })
		return got, err
	}
	same := func(a, b row) bool {
		return a.key == b.key && len(a.versions) == len(b.versions) && a.newest().seq == b.newest().seq &&
			bytes.Equal(a.newest().doc(), b.newest().doc())
	}
	got, err := read(raw)
	if err != nil || !slices.EqualFunc(got, want, same) {
		t.Fatalf("%d rows, %v; want the %d read one by one", len(got), err, len(want))
	}
	got, err = read(raw[:len(raw)*2/3])
	if err == nil || len(got) == 0 || len(got) >= len(want) || !slices.EqualFunc(got, want[:len(got)], same) {
		t.Fatalf("a stream cut: %d rows, %v", len(got), err)
	}
}
