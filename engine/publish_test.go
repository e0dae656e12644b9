package engine

import (
	"fmt"
	"testing"
)

// TestLazyPublication checks what readers see now that commits change the
// writer's B-trees in place and a reader that walks one asks for a fresh
// copy: every view sees exactly the commits up to its seq, through a scan,
// an index lookup and a lookup by key, whether it was taken before, between
// or after writes, and the copies a reader took stay as they were while
// the writer goes on.
func TestLazyPublication(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"k"}}))
	count := func(v *View) (scan, index, byKey int) {
		t.Helper()
		mustExec(t, v.Scan("t", func(*Row) bool { scan++; return true }))
		mustExec(t, v.IndexLookup("t", "k", OpEq, "x", func(*Row) bool { index++; return true }))
		for i := 0; i < 300; i++ {
			if _, ok, err := v.Get("t", int64(i)); err != nil {
				t.Fatal(err)
			} else if ok {
				byKey++
			}
		}
		return
	}
	insert := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			_, err := db.Insert(ctx, "t", []byte(fmt.Sprintf(`{"id": %d, "k": "x", "cols%d": 1}`, i, i%3)))
			mustExec(t, err)
		}
	}
	var views []*View
	var want []int
	for round := 0; round < 3; round++ {
		views = append(views, db.View())
		want = append(want, round*100)
		insert(round*100, round*100+100) // nobody scans while these commit
	}
	views = append(views, db.View())
	want = append(want, 300)
	// Read the newest first: its fresh copy must not leak into the older.
	for i := len(views) - 1; i >= 0; i-- {
		s, x, k := count(views[i])
		if s != want[i] || x != want[i] || k != want[i] {
			t.Fatalf("view %d: scan %d, index %d, by key %d rows; want %d", i, s, x, k, want[i])
		}
	}
	// A view that took a copy keeps its answer while the writer changes
	// the trees in place behind it.
	v := db.View()
	if s, _, _ := count(v); s != 300 {
		t.Fatalf("scan %d", s)
	}
	insert(300, 400)
	if s, x, _ := count(v); s != 300 || x != 300 {
		t.Fatalf("old view after more writes: scan %d, index %d; want 300", s, x)
	}
	past, err := db.ViewAt(views[1].Seq())
	mustExec(t, err)
	if s, x, _ := count(past); s != 100 || x != 100 {
		t.Fatalf("AS OF: scan %d, index %d; want 100", s, x)
	}
	if s, x, _ := count(db.View()); s != 400 || x != 400 {
		t.Fatalf("latest: scan %d, index %d; want 400", s, x)
	}
	// Columns written by commits nobody scanned are there.
	cols, err := db.View().Columns("t")
	mustExec(t, err)
	if len(cols) != 5 { // id, k, cols0, cols1, cols2
		t.Fatalf("columns %v", cols)
	}
}

// TestIndexOrder checks the index comparison, with its shortcuts for
// strings and integers, against the general sort order on values of every
// kind, keys and seqs.
func TestIndexOrder(t *testing.T) {
	vals := []any{nil, "", "a", "b", "ab", int64(-3), int64(0), int64(7), 2.5, -0.5, true, false,
		[]any{int64(1)}, map[string]any{"a": int64(1)}, int64(1 << 62), "new"}
	keys := []Key{{Int: 1, IsInt: true}, {Int: -1, IsInt: true}, {Str: "k"}, {Str: ""}}
	var entries []indexEntry
	for _, v := range vals {
		for _, k := range keys {
			for _, seq := range []uint64{1, 9} {
				entries = append(entries, newEntry(v, k, seq))
			}
		}
	}
	general := func(a, b indexEntry) bool {
		if c := SortCompare(a.val, b.val); c != 0 {
			return c < 0
		}
		if c := compareKeys(a.key, b.key); c != 0 {
			return c < 0
		}
		return a.seq < b.seq
	}
	for _, a := range entries {
		for _, b := range entries {
			if got, want := compareEntries(&a, &b) < 0, general(a, b); got != want {
				t.Fatalf("compareEntries(%v/%v/%d, %v/%v/%d) < 0 is %v, want %v", a.val, a.key, a.seq, b.val, b.key, b.seq, got, want)
			}
		}
	}
}
