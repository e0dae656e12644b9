package engine

import (
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
		es[i] = indexEntry{val: val(r), key: Key{Int: int64(r.IntN(n / 4)), IsInt: true}, seq: uint64(r.IntN(1000))}
	}
	return es
}

// TestSortEntries: the sort of held entries orders them as the tree
// does, for strings that share their first bytes, are shorter than the
// prefix or hold zero bytes, for integers of both signs, and for a mix
// of kinds (which takes the general comparison).
func TestSortEntries(t *testing.T) {
	strs := []string{"", "a", "a\x00", "a\x00b", "ab", "abcdefgh", "abcdefgh\x00", "abcdefghi", "abcdefgi", "b", "\xff\xff", "é"}
	kinds := map[string]func(r *rand.Rand) any{
		"strings": func(r *rand.Rand) any {
			if r.IntN(2) == 0 {
				return strs[r.IntN(len(strs))]
			}
			return fmt.Sprintf("abcdefgh%d", r.IntN(50))
		},
		"shared start": func(r *rand.Rand) any {
			return fmt.Sprintf("status-%d", r.IntN(3000)) + strs[r.IntN(len(strs))]
		},
		"integers": func(r *rand.Rand) any { return int64(r.IntN(200)-100) << (r.IntN(3) * 30) },
		"mixed": func(r *rand.Rand) any {
			if r.IntN(2) == 0 {
				return int64(r.IntN(20))
			}
			return strs[r.IntN(len(strs))]
		},
	}
	for name, val := range kinds {
		t.Run(name, func(t *testing.T) {
			es := entriesOf(2000, val)
			want := slices.Clone(es)
			slices.SortFunc(want, func(a, b indexEntry) int { return compareEntries(&a, &b) })
			sortEntries(es)
			for i := range es {
				if compareEntries(&es[i], &want[i]) != 0 {
					t.Fatalf("at %d: %v, want %v", i, es[i], want[i])
				}
			}
		})
	}
}

// BenchmarkSortEntries compares the ranked sort of a commit's held
// entries with the plain one, for string values.
func BenchmarkSortEntries(b *testing.B) {
	es := entriesOf(200000, func(r *rand.Rand) any { return fmt.Sprintf("status-%d", r.IntN(20000)) })
	for _, bc := range []struct {
		name string
		sort func([]indexEntry)
	}{
		{"ranked", sortEntries},
		{"plain", func(es []indexEntry) {
			slices.SortFunc(es, func(a, b indexEntry) int { return compareEntries(&a, &b) })
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			work := make([]indexEntry, len(es))
			for b.Loop() {
				copy(work, es)
				bc.sort(work)
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
