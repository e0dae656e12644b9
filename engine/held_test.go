package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// entriesOf makes n index entries of the values val gives, keys and seqs
// in random order.
func entriesOf(n int, val func(r *rand.Rand) any) []indexEntry {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	es := make([]indexEntry, n)
	for i := range es {
		es[i] = newEntry(val(r), Key{Int: int64(r.IntN(n / 4)), IsInt: true}, uint64(r.IntN(1000)))
	}
	return es
}

// BenchmarkIndexInsert adds index entries to a tree in random order, as
// a bulk load into an indexed column does: strings that share their
// first bytes, integers, floats and exact decimals.
func BenchmarkIndexInsert(b *testing.B) {
	kinds := []struct {
		name string
		val  func(r *rand.Rand) any
	}{
		{"strings", func(r *rand.Rand) any { return fmt.Sprintf("status-%d", r.IntN(20000)) }},
		{"integers", func(r *rand.Rand) any { return int64(r.IntN(20000)) * 7919 }},
		{"floats", func(r *rand.Rand) any { return float64(r.IntN(20000)) / 8 }},
		{"decimals", func(r *rand.Rand) any {
			return JSONNumber(json.Number(fmt.Sprintf("%d.%018d", r.IntN(20000), r.IntN(100))))
		}},
	}
	for _, k := range kinds {
		es := entriesOf(200000, k.val)
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				t := newIndexTree()
				for _, e := range es {
					t.ReplaceOrInsert(e)
				}
			}
		})
	}
}

// TestHeldRuns: a commit, a replay and CREATE INDEX over more entries
// than a run, whose full runs are sorted beside the batch, leave the index
// as entries added one by one would; a commit that fails once it placed
// them leaves none.
func TestHeldRuns(t *testing.T) {
	defer func(n int) { heldRun = n }(heldRun)
	heldRun = 1000
	dir := t.TempDir()
	opts := Options{SnapshotEvents: -1, Store: store.Options{NoSync: true}}
	db := openDB(t, dir, opts)
	mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id", Indexes: []string{"g"}}))
	load := func() *Txn {
		tx := db.Begin()
		for i := range 2*heldRun + 100 {
			_, err := tx.Insert("u", fmt.Appendf(nil, `{"id": %d, "g": %d, "n": {"c": %d}}`, i*7919%(3*heldRun), i%5, i%3))
			mustExec(t, err)
		}
		return tx
	}
	empty := tableImage(t, db.View(), "u", 5)
	db.testPlaced = func() { panic("injected") }
	commitPanicking(t, db, load(), 0)
	db.testPlaced = nil
	if got := tableImage(t, db.View(), "u", 5); got != empty {
		t.Fatalf("after the failed commit:\n%.300s", got)
	}

	// The reference: the same rows in commits too small to hold entries.
	ref := openDB(t, t.TempDir(), opts)
	defer ref.Close()
	mustExec(t, ref.CreateTable(TableSpec{Name: "u", PK: "id", Indexes: []string{"g", "n.c"}}))
	for lo := 0; lo < 2*heldRun+100; lo += holdMin - 1 {
		tx := ref.Begin()
		for i := lo; i < min(lo+holdMin-1, 2*heldRun+100); i++ {
			_, err := tx.Insert("u", fmt.Appendf(nil, `{"id": %d, "g": %d, "n": {"c": %d}}`, i*7919%(3*heldRun), i%5, i%3))
			mustExec(t, err)
		}
		_, err := tx.Commit(ctx)
		mustExec(t, err)
	}
	want := tableImage(t, ref.View(), "u", 5)

	_, err := load().Commit(ctx)
	mustExec(t, err)
	// The index on n.c, built from the rows that are there.
	mustExec(t, db.AddIndex("u", IndexSpec{Fields: []string{"n.c"}}))
	if got := tableImage(t, db.View(), "u", 5); got != want {
		t.Fatal("after the large commit, the index differs from the one of single inserts")
	}
	lookups := func(db *DB) string {
		var out strings.Builder
		for c := range 3 {
			fmt.Fprintf(&out, "c=%d:", c)
			mustExec(t, db.View().IndexLookup("u", "n.c", OpEq, int64(c), func(r *Row) bool {
				fmt.Fprintf(&out, " %v", r.Key)
				return true
			}))
		}
		return out.String()
	}
	if got, want := lookups(db), lookups(ref); got != want || len(got) < 3*heldRun {
		t.Fatalf("the index built by CREATE INDEX differs from the one of single inserts:\n%.200s\nwant\n%.200s", got, want)
	}
	mustExec(t, db.Close())
	db = openDB(t, dir, opts) // replays the log: no snapshot
	defer db.Close()
	if got := tableImage(t, db.View(), "u", 5); got != want {
		t.Fatal("after the replay, the index differs from the one of single inserts")
	}
}

// TestMergeRuns: merging sorted runs, empty ones among them, gives every
// entry once, in order.
func TestMergeRuns(t *testing.T) {
	es := entriesOf(3000, func(r *rand.Rand) any { return int64(r.IntN(40)) })
	want := slices.Clone(es)
	sortEntries(want)
	var runs [][]indexEntry
	for lo, n := 0, 0; lo < len(es); lo, n = lo+n, (n*7+5)%400 {
		run := es[lo:min(lo+n, len(es))]
		sortEntries(run)
		runs = append(runs, run)
	}
	var got []indexEntry
	mergeRuns(runs, func(e indexEntry) { got = append(got, e) })
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range got {
		if compareEntries(&got[i], &want[i]) != 0 {
			t.Fatalf("at %d: %v, want %v", i, got[i], want[i])
		}
	}
}
