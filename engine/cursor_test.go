package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// seen is what a reader saw of one row.
type seen struct {
	Key Key
	Seq uint64
	Doc map[string]any
}

func scanAll(t *testing.T, v *View, table string) []seen {
	t.Helper()
	var out []seen
	mustExec(t, v.Scan(table, func(r *Row) bool {
		d, err := r.Doc()
		mustExec(t, err)
		out = append(out, seen{r.Key, r.Seq, d})
		return true
	}))
	return out
}

func lookupAll(t *testing.T, v *View, table, field string, op Op, val any) []seen {
	t.Helper()
	var out []seen
	mustExec(t, v.IndexLookup(table, field, op, val, func(r *Row) bool {
		d, err := r.Doc()
		mustExec(t, err)
		out = append(out, seen{r.Key, r.Seq, d})
		return true
	}))
	return out
}

func drainCursor(t *testing.T, c *Cursor) []seen {
	t.Helper()
	return readCursor(t, c, -1)
}

// readCursor reads up to n rows from c (every row when n < 0).
func readCursor(t *testing.T, c *Cursor, n int) []seen {
	t.Helper()
	var out []seen
	for ; n != 0; n-- {
		r, err := c.Next(ctx)
		mustExec(t, err)
		if r == nil {
			break
		}
		d, err := r.Doc()
		mustExec(t, err)
		out = append(out, seen{r.Key, r.Seq, d})
	}
	return out
}

func sameRows(t *testing.T, what string, got, want []seen) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: row %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// cursorDB makes a table "t" (pk id, index on grp and n) with history: n
// rows, then random patches (grp and n change), deletes and inserts again.
// It returns the database and the seqs of the commits.
func cursorDB(t *testing.T, n int, seed uint64) (*DB, []uint64) {
	t.Helper()
	db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
	t.Cleanup(func() { db.Close() })
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"grp", "n"}}))
	rng := rand.New(rand.NewPCG(seed, 7))
	var seqs []uint64
	commit := func(tx *Txn) {
		s, err := tx.Commit(ctx)
		mustExec(t, err)
		seqs = append(seqs, s)
	}
	tx := db.Begin()
	for k := range n {
		_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "grp": %d, "n": %d}`, k*2, k%3, rng.IntN(1000)))
		mustExec(t, err)
		if tx.Writes() == 500 {
			commit(tx)
			tx = db.Begin()
		}
	}
	commit(tx)
	live := make([]bool, n)
	for i := range live {
		live[i] = true
	}
	for range 4 {
		tx := db.Begin()
		for range n / 2 {
			k := rng.IntN(n)
			var err error
			switch {
			case !live[k]:
				_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "grp": %d, "n": %d, "again": true}`, k*2, rng.IntN(3), rng.IntN(1000)))
				live[k] = true
			case rng.IntN(4) == 0:
				err = tx.SoftDelete("t", int64(k*2))
				live[k] = false
			default:
				err = tx.Patch("t", int64(k*2), fmt.Appendf(nil, `{"grp": %d, "n": %d}`, rng.IntN(3), rng.IntN(1000)))
			}
			mustExec(t, err)
		}
		commit(tx)
	}
	return db, seqs
}

// TestCursorMatchesScan: a cursor returns exactly the rows Scan passes to
// its callback, in the same order, at the head and AS OF every commit, on
// tables that span many chunks, with deleted and inserted-again rows.
func TestCursorMatchesScan(t *testing.T) {
	for _, n := range []int{0, 1, cursorChunk - 1, cursorChunk, cursorChunk + 1, 5*cursorChunk + 17} {
		t.Run(fmt.Sprint("rows=", n), func(t *testing.T) {
			db, seqs := cursorDB(t, n, uint64(n))
			for _, seq := range append([]uint64{db.Seq()}, seqs...) {
				v, err := db.ViewAt(seq)
				mustExec(t, err)
				c, err := v.Cursor("t")
				mustExec(t, err)
				sameRows(t, fmt.Sprintf("AS OF %d", seq), drainCursor(t, c), scanAll(t, v, "t"))
				if r, err := c.Next(ctx); r != nil || err != nil {
					t.Fatalf("Next after the end: %v %v", r, err)
				}
			}
		})
	}
}

// TestCursorTransactionWrites: inside a transaction, a cursor merges the
// transaction's own writes (before the first key, between keys, after the
// last, patches and deletes) as Scan does, and index cursors answer as
// IndexLookup does.
func TestCursorTransactionWrites(t *testing.T) {
	db, _ := cursorDB(t, 3*cursorChunk, 1)
	tx := db.Begin()
	defer tx.Rollback()
	for _, k := range []int{-5, 1, 3, 511, 513, 100001} {
		_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "grp": 1, "n": 5}`, k))
		mustExec(t, err)
	}
	v := tx.View()
	for _, r := range scanAll(t, v, "t")[:40] {
		switch r.Key.Int % 3 {
		case 0:
			mustExec(t, tx.Patch("t", r.Key.Int, []byte(`{"grp": 2, "n": 7}`)))
		case 1:
			mustExec(t, tx.SoftDelete("t", r.Key.Int))
		}
	}
	v = tx.View()
	c, err := v.Cursor("t")
	mustExec(t, err)
	sameRows(t, "scan", drainCursor(t, c), scanAll(t, v, "t"))
	for _, p := range []struct {
		field string
		op    Op
		val   any
	}{{"grp", OpEq, int64(1)}, {"n", OpLt, int64(100)}, {"n", OpGe, int64(900)}} {
		c, err := v.IndexCursor("t", p.field, p.op, p.val)
		mustExec(t, err)
		sameRows(t, fmt.Sprint(p), drainCursor(t, c), lookupAll(t, v, "t", p.field, p.op, p.val))
	}
}

// TestIndexCursorMatchesLookup: an index cursor returns exactly the rows
// IndexLookup passes to its callback, for equalities over many chunks of
// keys and for ranges below and above maxRangeCandidates, at the head and
// in the past (where entries newer than the view must be left out).
func TestIndexCursorMatchesLookup(t *testing.T) {
	n := maxRangeCandidates + 3*cursorChunk
	if testing.Short() {
		n = 3 * cursorChunk
	}
	db, seqs := cursorDB(t, n, 3)
	probes := []struct {
		field string
		op    Op
		val   any
	}{
		{"grp", OpEq, int64(0)},
		{"grp", OpEq, 2.0},
		{"grp", OpEq, int64(9)},
		{"grp", OpGe, int64(1)}, // two thirds of the rows: past the bound when not short
		{"grp", OpGt, int64(2)},
		{"n", OpLt, int64(10)},
		{"n", OpLe, int64(990)},
		{"n", OpGe, int64(500)},
	}
	for _, seq := range []uint64{db.Seq(), seqs[0], seqs[len(seqs)-2]} {
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		for _, p := range probes {
			c, err := v.IndexCursor("t", p.field, p.op, p.val)
			mustExec(t, err)
			sameRows(t, fmt.Sprintf("%v AS OF %d", p, seq), drainCursor(t, c), lookupAll(t, v, "t", p.field, p.op, p.val))
		}
	}
	if _, err := db.View().IndexCursor("t", "nope", OpEq, int64(1)); Code(err) != CodeUndefinedColumn {
		t.Fatalf("cursor on a field without index: %v", err)
	}
	if _, err := db.View().Cursor("nope"); Code(err) != CodeUndefinedTable {
		t.Fatalf("cursor on a missing table: %v", err)
	}
}

// TestCursorIsolation: rows written, changed and deleted while a cursor is
// read, a chunk at a time, change nothing it returns.
func TestCursorIsolation(t *testing.T) {
	db, _ := cursorDB(t, 4*cursorChunk, 5)
	v := db.View()
	want := scanAll(t, v, "t")
	wantEq := lookupAll(t, v, "t", "grp", OpEq, int64(1))
	c, err := v.Cursor("t")
	mustExec(t, err)
	ic, err := v.IndexCursor("t", "grp", OpEq, int64(1))
	mustExec(t, err)
	var got, gotEq []seen
	for i := 0; ; i++ {
		if i%100 == 0 { // between chunks and inside them
			tx := db.Begin()
			for k := i; k < i+50; k++ {
				if _, ok, _ := db.View().Get("t", int64(k*2)); ok {
					if k%2 == 0 {
						mustExec(t, tx.SoftDelete("t", int64(k*2)))
					} else {
						mustExec(t, tx.Patch("t", int64(k*2), []byte(`{"grp": 1, "n": -1}`)))
					}
				} else {
					_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "grp": 1}`, k*2))
					mustExec(t, err)
				}
				_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "grp": 1}`, k*2+1))
				mustExec(t, err)
			}
			_, err := tx.Commit(ctx)
			mustExec(t, err)
		}
		r, err := c.Next(ctx)
		mustExec(t, err)
		if r == nil {
			break
		}
		d, _ := r.Doc()
		got = append(got, seen{r.Key, r.Seq, d})
		if r, err := ic.Next(ctx); err != nil {
			t.Fatal(err)
		} else if r != nil {
			d, _ := r.Doc()
			gotEq = append(gotEq, seen{r.Key, r.Seq, d})
		}
	}
	gotEq = append(gotEq, drainCursor(t, ic)...)
	sameRows(t, "scan while writing", got, want)
	sameRows(t, "index while writing", gotEq, wantEq)
}

// TestCursorContextAndClose: Next fails with the context's error once it
// is done (checked before each chunk), and returns nothing after Close.
func TestCursorContextAndClose(t *testing.T) {
	db, _ := cursorDB(t, 3*cursorChunk, 2)
	c, err := db.View().Cursor("t")
	mustExec(t, err)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := 0
	for {
		r, err := c.Next(cctx)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Next after cancel: %v", err)
			}
			break
		}
		if r == nil {
			t.Fatal("cursor ended although its context was cancelled")
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if n != cursorFirstChunk {
		t.Fatalf("cancelled after %d rows, want the rest of the first chunk (%d)", n, cursorFirstChunk)
	}
	c.Close()
	if r, err := c.Next(ctx); r != nil || err != nil {
		t.Fatalf("Next after Close: %v %v", r, err)
	}
}

// BenchmarkCursor reads every live row of the 200k-key table through a
// cursor, as BenchmarkScan does through Scan's callback: run both in one
// go to compare.
func BenchmarkCursor(b *testing.B) {
	db, _ := buildBenchDB(b, b.TempDir())
	defer db.Close()
	b.ReportAllocs()
	for b.Loop() {
		c, err := db.View().Cursor("users")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			r, err := c.Next(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if r == nil {
				break
			}
			n++
		}
		if n != benchKeys {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(b.N*benchKeys)/b.Elapsed().Seconds(), "rows/s")
}

// TestCursorReverse: a reversed cursor returns the rows a cursor in key
// order returns, last first: over tables of many chunks and leaves, AS OF
// each commit, limited to ranges of keys with bounds in and out, with the
// transaction's own writes merged in; only a plain cursor not yet read
// reverses.
func TestCursorReverse(t *testing.T) {
	db, seqs := cursorDB(t, 5*cursorChunk+17, 3)
	reversed := func(rows []seen) []seen {
		out := make([]seen, len(rows))
		for i, r := range rows {
			out[len(rows)-1-i] = r
		}
		return out
	}
	check := func(what string, v *View, lo, hi *Bound) {
		t.Helper()
		open := func() *Cursor {
			if lo == nil && hi == nil {
				c, err := v.Cursor("t")
				mustExec(t, err)
				return c
			}
			c, ok, err := v.KeyRange("t", lo, hi)
			mustExec(t, err)
			if !ok {
				t.Fatalf("%s: no key range", what)
			}
			return c
		}
		want := reversed(drainCursor(t, open()))
		c := open()
		mustExec(t, c.Reverse())
		sameRows(t, what, drainCursor(t, c), want)
	}
	for _, seq := range append([]uint64{db.Seq()}, seqs...) {
		v, err := db.ViewAt(seq)
		mustExec(t, err)
		check(fmt.Sprintf("AS OF %d", seq), v, nil, nil)
	}
	tx := db.Begin()
	defer tx.Rollback()
	for _, k := range []int{-5, 1, 3, 511, 513, 100001} {
		_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "grp": 1, "n": 5}`, k))
		mustExec(t, err)
	}
	for i, r := range scanAll(t, tx.View(), "t")[300:340] {
		if i%2 == 0 {
			mustExec(t, tx.SoftDelete("t", r.Key.Int))
		} else {
			mustExec(t, tx.Patch("t", r.Key.Int, []byte(`{"grp": 2}`)))
		}
	}
	v := tx.View()
	b := func(k int64, incl bool) *Bound { return &Bound{Value: k, Incl: incl} }
	check("in a transaction", v, nil, nil)
	check("from 3 to 513", v, b(3, true), b(513, true))
	check("after 3, before 513", v, b(3, false), b(513, false))
	check("up to 650", v, nil, b(650, true))
	check("from 2000", v, b(2000, true), nil)
	check("an empty range", v, b(9, true), b(8, true))
	c, err := v.Cursor("t")
	mustExec(t, err)
	readCursor(t, c, 1)
	if c.Reverse() == nil {
		t.Fatal("a cursor already read reversed")
	}
	ic, err := v.IndexCursor("t", "grp", OpEq, int64(1))
	mustExec(t, err)
	if ic.Reverse() == nil {
		t.Fatal("an index cursor reversed")
	}
}
