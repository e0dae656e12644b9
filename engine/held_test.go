package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

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

// TestRebuildWith: entries put into an index tree by building it again
// (rebuildWith) leave the tree as putting them one by one does (entries
// equal to ones it has among them), the clone a reader holds as it was,
// the walks of what was written since a seq right, and a text shared by
// equal neighbours once; rebuildCheaper takes that way for a commit that
// touches most leaves and not for a few entries.
func TestRebuildWith(t *testing.T) {
	texts := func(r *rand.Rand) any { return fmt.Sprintf("status-%d", r.IntN(7)) }
	for _, size := range []int{0, 1, 700, 20000} {
		base := entriesOf(max(size, 4), texts)[:size]
		tr, ref := newIndexTree(), newIndexTree()
		for _, e := range base {
			tr.ReplaceOrInsert(e)
			ref.ReplaceOrInsert(e)
		}
		reader := tr.Clone()
		var before []indexEntry
		reader.Ascend(func(e indexEntry) bool { before = append(before, e); return true })

		added := entriesOf(3000, texts)
		for i := range added {
			added[i].seq += 1000 // written after the base
		}
		for i := 0; i < len(base); i += 50 {
			added = append(added, base[i]) // equal to one the tree has
		}
		var runs [][]indexEntry
		for lo := 0; lo < len(added); lo += 900 {
			run := slices.Clone(added[lo:min(lo+900, len(added))])
			sortEntries(run)
			runs = append(runs, run)
		}
		mergeRuns(runs, func(e indexEntry) { ref.ReplaceOrInsert(e) })
		rebuildWith(tr, runs)

		var got, want []indexEntry
		tr.Ascend(func(e indexEntry) bool { got = append(got, e); return true })
		ref.Ascend(func(e indexEntry) bool { want = append(want, e); return true })
		if len(got) != len(want) || tr.Len() != ref.Len() {
			t.Fatalf("size %d: %d entries (Len %d), want %d (Len %d)", size, len(got), tr.Len(), len(want), ref.Len())
		}
		shared := 0
		for i := range got {
			if compareEntries(&got[i], &want[i]) != 0 || got[i].seq != want[i].seq {
				t.Fatalf("size %d, at %d: %v, want %v", size, i, got[i], want[i])
			}
			if i > 0 && unsafe.StringData(got[i].val.(string)) == unsafe.StringData(got[i-1].val.(string)) {
				shared++
			}
		}
		if shared < len(got)*3/4 {
			t.Fatalf("size %d: %d of %d entries share their text with the one before", size, shared, len(got))
		}
		for _, since := range []uint64{0, 500, 999, 1000, 1500, 2100} {
			var got, want []indexEntry
			tr.AscendSince(since, func(e indexEntry) bool { got = append(got, e); return true })
			ref.Ascend(func(e indexEntry) bool {
				if e.seq > since {
					want = append(want, e)
				}
				return true
			})
			if len(got) != len(want) {
				t.Fatalf("size %d: AscendSince(%d) gave %d entries, want %d", size, since, len(got), len(want))
			}
		}
		var after []indexEntry
		reader.Ascend(func(e indexEntry) bool { after = append(after, e); return true })
		if len(after) != len(before) || reader.Len() != len(before) {
			t.Fatalf("size %d: the reader's clone has %d entries, had %d", size, len(after), len(before))
		}
		for i := range after {
			if after[i] != before[i] {
				t.Fatalf("size %d: the reader's clone changed at %d", size, i)
			}
		}
	}

	// rebuildCheaper: a commit spread over the leaves of a shared tree
	// rebuilds it; a few entries, or many that go to the ends of a few
	// values' runs, go in one by one.
	sortedRuns := func(es []indexEntry) [][]indexEntry {
		es = slices.Clone(es)
		sortEntries(es)
		return [][]indexEntry{es[:len(es)/3], es[len(es)/3:]}
	}
	random := func(r *rand.Rand) any { return int64(r.IntN(1 << 30)) }
	big := newIndexTree()
	for _, e := range entriesOf(200_000, random) {
		big.ReplaceOrInsert(e)
	}
	if rebuildCheaper(big, sortedRuns(entriesOf(100, random)), 100) {
		t.Fatal("100 entries of random values into 200,000 rebuild the tree")
	}
	big.Clone()
	if !rebuildCheaper(big, sortedRuns(entriesOf(10_000, random)), 10_000) {
		t.Fatal("10,000 entries of random values into a shared tree of 200,000 go in one by one")
	}
	few := newIndexTree()
	for i := range 200_000 {
		few.ReplaceOrInsert(newEntry(fmt.Sprint("status-", i%5), Key{Int: int64(i), IsInt: true}, 1))
	}
	few.Clone()
	var more []indexEntry
	for i := 200_000; i < 210_000; i++ {
		more = append(more, newEntry(fmt.Sprint("status-", i%5), Key{Int: int64(i), IsInt: true}, 2))
	}
	if rebuildCheaper(few, sortedRuns(more), len(more)) {
		t.Fatal("10,000 entries of five values, keys after every other, rebuild a tree of 200,000")
	}
}

// TestSortEntriesGrouped: entries of a few values, each value's in order,
// are put in order by value in one pass; any others sorted. Both give
// what a sort gives.
func TestSortEntriesGrouped(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	inKeyOrder := func(n, values int) []indexEntry {
		es := make([]indexEntry, n)
		for i := range es {
			es[i] = newEntry(fmt.Sprint("v", r.IntN(values)), Key{Int: int64(i), IsInt: true}, uint64(100+i))
		}
		return es
	}
	for _, c := range []struct {
		name    string
		es      []indexEntry
		grouped bool
	}{
		{"none", nil, true},
		{"one value", inKeyOrder(500, 1), true},
		{"five values", inKeyOrder(5000, 5), true},
		{"sixteen values", inKeyOrder(5000, 16), true},
		{"seventeen values", inKeyOrder(5000, 17), false},
		{"numbers and texts", append(inKeyOrder(300, 3), newEntry(int64(7), Key{Int: 10000, IsInt: true}, 1), newEntry(2.5, Key{Int: 10001, IsInt: true}, 1)), true},
		{"out of order", entriesOf(4000, func(r *rand.Rand) any { return int64(r.IntN(4)) }), false},
	} {
		want := slices.Clone(c.es)
		slices.SortFunc(want, func(a, b indexEntry) int { return compareEntries(&a, &b) })
		got := slices.Clone(c.es)
		if grouped := groupEntries(got); grouped != c.grouped {
			t.Fatalf("%s: grouped %v, want %v", c.name, grouped, c.grouped)
		} else if !grouped && !slices.EqualFunc(got, c.es, func(a, b indexEntry) bool { return compareEntries(&a, &b) == 0 }) {
			t.Fatalf("%s: not grouped, but changed", c.name)
		}
		got = slices.Clone(c.es)
		sortEntries(got)
		if !slices.EqualFunc(got, want, func(a, b indexEntry) bool { return compareEntries(&a, &b) == 0 && a.seq == b.seq }) {
			t.Fatalf("%s: not in the order a sort gives", c.name)
		}
	}
}

// TestSortedInserter: entries put in order through a sortedInserter leave
// the tree as ReplaceOrInsert one by one does (entries, count, the seqs
// AscendSince reads by, the texts shared with neighbours), and a reader's
// clone taken before is not changed: entries of a few values at the ends
// of their runs, as a COPY's are, and of many values spread over the
// leaves, into trees empty, small and of several levels.
func TestSortedInserter(t *testing.T) {
	few := func(r *rand.Rand) any { return fmt.Sprintf("status-%d", r.IntN(3)) }
	many := func(r *rand.Rand) any { return fmt.Sprintf("v%06d", r.IntN(50_000)) }
	for _, c := range []struct {
		name   string
		val    func(r *rand.Rand) any
		size   int
		ascend bool // the added keys come after the base's, as a load's do
	}{
		{"few/empty", few, 0, true},
		{"few/small", few, 40, true},
		{"few/large", few, 100_000, true},
		{"few/mixed", few, 20_000, false},
		{"many/large", many, 100_000, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(c.size)))
			tr, ref := newIndexTree(), newIndexTree()
			base := make([]indexEntry, c.size)
			for i := range base {
				base[i] = newEntry(c.val(r), Key{Int: int64(i), IsInt: true}, uint64(1+r.IntN(100)))
				tr.ReplaceOrInsert(base[i])
				ref.ReplaceOrInsert(base[i])
			}
			var reader *indexTree
			var before []indexEntry
			for round := range 3 {
				if round == 1 {
					reader = tr.Clone()
					reader.Ascend(func(e indexEntry) bool { before = append(before, e); return true })
				}
				var added []indexEntry
				for i := range 5_000 {
					k := int64(r.IntN(c.size + 10_000))
					if c.ascend {
						k = int64(c.size + round*5_000 + i)
					}
					added = append(added, newEntry(c.val(r), Key{Int: k, IsInt: true}, uint64(200+100*round+r.IntN(100))))
				}
				for i := 0; i < len(base); i += 97 {
					added = append(added, base[i]) // equal to one the tree has
				}
				// Sorted apart from sortEntries, which shares the texts itself.
				slices.SortFunc(added, func(a, b indexEntry) int { return compareEntries(&a, &b) })
				in := tr.sortedInserter()
				for _, e := range added {
					in.put(e)
					ref.ReplaceOrInsert(e)
				}
				var got, want []indexEntry
				tr.Ascend(func(e indexEntry) bool { got = append(got, e); return true })
				ref.Ascend(func(e indexEntry) bool { want = append(want, e); return true })
				if len(got) != len(want) || tr.Len() != ref.Len() || tr.Len() != len(got) {
					t.Fatalf("round %d: %d entries (Len %d), want %d (Len %d)", round, len(got), tr.Len(), len(want), ref.Len())
				}
				sharedGot, sharedWant := 0, 0
				for i := range got {
					if compareEntries(&got[i], &want[i]) != 0 || got[i].seq != want[i].seq {
						t.Fatalf("round %d, at %d: %v, want %v", round, i, got[i], want[i])
					}
					if i > 0 && unsafe.StringData(got[i].val.(string)) == unsafe.StringData(got[i-1].val.(string)) {
						sharedGot++
					}
					if i > 0 && unsafe.StringData(want[i].val.(string)) == unsafe.StringData(want[i-1].val.(string)) {
						sharedWant++
					}
				}
				if sharedGot < sharedWant {
					t.Fatalf("round %d: %d entries share their text with the one before, one by one %d", round, sharedGot, sharedWant)
				}
				for _, since := range []uint64{0, 50, 150, 250, 320, 399, 450} {
					var got, want int
					tr.AscendSince(since, func(indexEntry) bool { got++; return true })
					ref.Ascend(func(e indexEntry) bool {
						if e.seq > since {
							want++
						}
						return true
					})
					if got != want {
						t.Fatalf("round %d: AscendSince(%d) gave %d entries, want %d", round, since, got, want)
					}
				}
			}
			var after []indexEntry
			reader.Ascend(func(e indexEntry) bool { after = append(after, e); return true })
			if !slices.Equal(after, before) || reader.Len() != len(before) {
				t.Fatalf("the reader's clone changed: %d entries, had %d", len(after), len(before))
			}
		})
	}
}
