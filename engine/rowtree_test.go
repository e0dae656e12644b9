package engine

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/cockroachdb/apd/v3"
)

// modelRows is a tree's rows as a sorted slice: what the tree must hold.
type modelRows []row

func (m modelRows) find(k Key) (int, bool) {
	return slices.BinarySearchFunc(m, k, func(r row, k Key) int { return compareKeys(r.key, k) })
}

func (m *modelRows) put(r row) (row, bool) {
	i, ok := m.find(r.key)
	if ok {
		old := (*m)[i]
		(*m)[i] = r
		return old, true
	}
	*m = slices.Insert(*m, i, r)
	return row{}, false
}

func (m *modelRows) del(k Key) (row, bool) {
	i, ok := m.find(k)
	if !ok {
		return row{}, false
	}
	old := (*m)[i]
	*m = slices.Delete(*m, i, i+1)
	return old, true
}

// checkTree compares every way of reading t with the model.
func checkTree(t *testing.T, what string, tr *rowTree, m modelRows, rng *rand.Rand, keyOf func(int) Key) {
	t.Helper()
	if tr.Len() != len(m) {
		t.Fatalf("%s: Len %d, want %d", what, tr.Len(), len(m))
	}
	var got []row
	tr.Ascend(func(r row) bool { got = append(got, r); return true })
	var down []Key
	tr.Descend(func(r row) bool { down = append(down, r.key); return true })
	if len(down) != len(m) {
		t.Fatalf("%s: Descend gave %d rows, want %d", what, len(down), len(m))
	}
	for i, k := range down {
		if k != m[len(m)-1-i].key {
			t.Fatalf("%s: Descend's row %d is %v, want %v", what, i, k, m[len(m)-1-i].key)
		}
	}
	if len(got) != len(m) {
		t.Fatalf("%s: Ascend gave %d rows, want %d", what, len(got), len(m))
	}
	for i := range got {
		if got[i].key != m[i].key || rowSeq(got[i]) != rowSeq(m[i]) {
			t.Fatalf("%s: row %d is %v/%d, want %v/%d", what, i, got[i].key, rowSeq(got[i]), m[i].key, rowSeq(m[i]))
		}
	}
	checkSince(t, what, tr, m, rng)
	lo, okLo := tr.Min()
	hi, okHi := tr.Max()
	if okLo != (len(m) > 0) || okHi != (len(m) > 0) {
		t.Fatalf("%s: Min/Max found %v/%v with %d rows", what, okLo, okHi, len(m))
	}
	if len(m) > 0 && (lo.key != m[0].key || hi.key != m[len(m)-1].key) {
		t.Fatalf("%s: Min/Max %v/%v, want %v/%v", what, lo.key, hi.key, m[0].key, m[len(m)-1].key)
	}
	for range 20 {
		k := keyOf(rng.IntN(1200) - 100)
		r, ok := tr.Get(row{key: k})
		i, want := m.find(k)
		if ok != want || ok && rowSeq(r) != rowSeq(m[i]) {
			t.Fatalf("%s: Get(%v) = %v %v, want %v", what, k, rowSeq(r), ok, want)
		}
		// A walk from k, stopped after a few rows.
		var from []Key
		tr.AscendGreaterOrEqual(row{key: k}, func(r row) bool { from = append(from, r.key); return len(from) < 70 })
		var wantFrom []Key
		for _, r := range m[i:] {
			if len(wantFrom) == 70 {
				break
			}
			wantFrom = append(wantFrom, r.key)
		}
		if !slices.Equal(from, wantFrom) {
			t.Fatalf("%s: AscendGreaterOrEqual(%v) = %v, want %v", what, k, from, wantFrom)
		}
		// And backwards from k.
		var back []Key
		tr.DescendLessOrEqual(row{key: k}, func(r row) bool { back = append(back, r.key); return len(back) < 70 })
		var wantBack []Key
		j := i - 1
		if ok {
			j = i
		}
		for ; j >= 0 && len(wantBack) < 70; j-- {
			wantBack = append(wantBack, m[j].key)
		}
		if !slices.Equal(back, wantBack) {
			t.Fatalf("%s: DescendLessOrEqual(%v) = %v, want %v", what, k, back, wantBack)
		}
	}
}

// checkSince compares AscendSince at seqs around the rows' with the
// model's rows written after each, whole and stopped after a few.
func checkSince(t *testing.T, what string, tr *rowTree, m modelRows, rng *rand.Rand) {
	t.Helper()
	most := uint64(0)
	for _, r := range m {
		most = max(most, rowSeq(r))
	}
	for _, since := range []uint64{0, most, most + 1, rng.Uint64N(most + 1), rng.Uint64N(most + 1), most - min(most, 5)} {
		for _, stop := range []int{-1, 3} {
			var got, want []Key
			tr.AscendSince(since, func(r row) bool { got = append(got, r.key); return len(got) != stop })
			for _, r := range m {
				if rowSeq(r) > since && len(want) != stop {
					want = append(want, r.key)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: AscendSince(%d) stopped at %d gave %d rows, want %d", what, since, stop, len(got), len(want))
			}
		}
	}
}

// TestRowTree puts, replaces and deletes rows at random, in random and in
// key order, and checks the tree against a sorted slice after each round;
// it clones the tree along the way and checks that the clones keep the
// rows they had, however the tree changes after.
func TestRowTree(t *testing.T) {
	for _, kind := range []string{"int", "text", "mixed"} {
		t.Run(kind, func(t *testing.T) {
			keyOf := func(i int) Key {
				switch {
				case kind == "int", kind == "mixed" && i%2 == 0:
					return Key{Int: int64(i), IsInt: true}
				}
				return Key{Str: fmt.Sprintf("k%05d", i)}
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(kind))))
			tr := newRowTree()
			var m modelRows
			type frozen struct {
				tree  *rowTree
				rows  modelRows
				round int
			}
			var clones []frozen
			seq := uint64(0)
			for round := range 60 {
				switch round % 4 {
				case 0, 1: // random puts and deletes
					for range 300 {
						k := keyOf(rng.IntN(1000))
						if rng.IntN(3) == 0 {
							got, had := tr.Delete(row{key: k})
							want, wantHad := m.del(k)
							if had != wantHad || rowSeq(got) != rowSeq(want) {
								t.Fatalf("Delete(%v) = %d %v, want %d %v", k, rowSeq(got), had, rowSeq(want), wantHad)
							}
							continue
						}
						seq++
						r := seqRow(k, seq)
						if i, ok := m.find(k); ok && rng.IntN(8) == 0 {
							// Put back older, as a failed commit's rows are.
							r = seqRow(k, rowSeq(m[i])-min(rowSeq(m[i])-1, uint64(rng.IntN(50))))
						}
						got, had := tr.ReplaceOrInsert(r)
						want, wantHad := m.put(r)
						if had != wantHad || rowSeq(got) != rowSeq(want) {
							t.Fatalf("ReplaceOrInsert(%v) = %d %v, want %d %v", k, rowSeq(got), had, rowSeq(want), wantHad)
						}
					}
				case 2: // a run in key order, as a load makes
					start := rng.IntN(1000)
					for i := start; i < start+rng.IntN(400); i++ {
						seq++
						r := seqRow(keyOf(i), seq)
						tr.ReplaceOrInsert(r)
						m.put(r)
					}
				case 3: // delete nearly everything, then check
					for _, r := range slices.Clone(m) {
						if rng.IntN(10) != 0 {
							tr.Delete(row{key: r.key})
							m.del(r.key)
						}
					}
				}
				checkTree(t, fmt.Sprintf("round %d", round), tr, m, rng, keyOf)
				if round%3 == 0 {
					clones = append(clones, frozen{tr.Clone(), slices.Clone(m), round})
				}
			}
			for _, c := range clones {
				checkTree(t, fmt.Sprintf("clone of round %d", c.round), c.tree, c.rows, rng, keyOf)
			}
		})
	}
}

// TestRowIterLeaves checks that an iterator hands out every row once, in
// order, a leaf at a time, from any start key.
func TestRowIterLeaves(t *testing.T) {
	tr := newRowTree()
	for i := range 5000 {
		tr.ReplaceOrInsert(row{key: Key{Int: int64(i * 2), IsInt: true}})
	}
	for _, from := range []int64{-1, 0, 1, 127, 128, 129, 9998, 9999} {
		k := Key{Int: from, IsInt: true}
		it := tr.seek(&row{key: k})
		want := max((from+1)/2, 0)
		for rs := it.next(); rs != nil; rs = it.next() {
			if len(rs) > leafItems {
				t.Fatalf("from %d: %d rows at once, more than a leaf", from, len(rs))
			}
			for _, r := range rs {
				if r.key.Int != want*2 {
					t.Fatalf("from %d: row %d, want %d", from, r.key.Int, want*2)
				}
				want++
			}
		}
		if want != 5000 {
			t.Fatalf("from %d: ended at %d rows", from, want)
		}
	}
	if it := newRowTree().seek(nil); it.next() != nil {
		t.Fatal("an empty tree has rows")
	}
}

// TestRowTreeLeafSpace checks that leaves filled in key order, as a load
// fills them, hold no more space than a full leaf takes.
func TestRowTreeLeafSpace(t *testing.T) {
	tr := newRowTree()
	for i := range 10000 {
		tr.ReplaceOrInsert(row{key: Key{Int: int64(i), IsInt: true}})
	}
	it := tr.seek(nil)
	leaves, space := 0, 0
	for rs := it.next(); rs != nil; rs = it.next() {
		leaves++
		space += cap(rs)
	}
	if want := (10000 + leafItems - 1) / leafItems; leaves != want {
		t.Errorf("%d leaves, want %d", leaves, want)
	}
	if space > 10000*(leafItems+1)/leafItems+leafItems {
		t.Errorf("leaves have room for %d rows, for 10000 rows", space)
	}
}

// TestIndexTreeLeafSpace writes an index on a column of three values as
// rows with ever larger keys write it: each entry at the end of its
// value's run, in the middle of the tree. The leaves fill as when the
// entries are added in order (a leaf cut in halves each time would be
// left half empty), and the entries of one value hold one box of its
// text between them.
func TestIndexTreeLeafSpace(t *testing.T) {
	const n = 30000
	vals := []string{"active", "inactive", "pending"}
	entry := func(i int) indexEntry {
		// A fresh string each time, as a decoded document gives.
		v := strings.Clone(vals[i%len(vals)])
		return newEntry(v, Key{Int: int64(i), IsInt: true}, uint64(i+1))
	}
	boxes := func(tr *indexTree) int {
		seen := map[unsafe.Pointer]bool{}
		tr.Ascend(func(e indexEntry) bool {
			seen[(*[2]unsafe.Pointer)(unsafe.Pointer(&e.val))[1]] = true
			return true
		})
		return len(seen)
	}
	tr := newIndexTree()
	for i := range n {
		tr.ReplaceOrInsert(entry(i))
	}
	it := tr.seek(nil)
	leaves := 0
	for es := it.next(); es != nil; es = it.next() {
		leaves++
	}
	// Each value's run fills its leaves; the leaf where one run meets the
	// next is the only one that may be short.
	if most := n/leafItems + 2*len(vals); leaves > most {
		t.Errorf("%d leaves for %d entries of %d values, want at most %d", leaves, n, len(vals), most)
	}
	if got := boxes(tr); got != len(vals) {
		t.Errorf("ReplaceOrInsert: the entries hold %d boxes of their values, want %d", got, len(vals))
	}
}

// TestIndexTree puts index entries of mixed values into an index tree and
// checks its walks, both ways from random pivots, against a sorted slice.
func TestIndexTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vals := []any{"", "a", "b", "ab", int64(-3), int64(0), int64(7), 2.5, true, nil}
	entry := func() indexEntry {
		return newEntry(vals[rng.IntN(len(vals))], Key{Int: int64(rng.IntN(300)), IsInt: true}, uint64(rng.IntN(5)))
	}
	tr := newIndexTree()
	var m []indexEntry
	find := func(e indexEntry) (int, bool) {
		return slices.BinarySearchFunc(m, e, func(a, b indexEntry) int { return compareEntries(&a, &b) })
	}
	for round := range 4 {
		for range 3000 {
			e := entry()
			i, ok := find(e)
			if round == 3 && ok {
				tr.Delete(e)
				m = slices.Delete(m, i, i+1)
				continue
			}
			if _, had := tr.ReplaceOrInsert(e); had != ok {
				t.Fatalf("ReplaceOrInsert(%v) had %v, want %v", e, had, ok)
			}
			if !ok {
				m = slices.Insert(m, i, e)
			}
		}
		var all []indexEntry
		tr.Ascend(func(e indexEntry) bool { all = append(all, e); return true })
		if !slices.EqualFunc(all, m, func(a, b indexEntry) bool { return compareEntries(&a, &b) == 0 }) {
			t.Fatalf("round %d: Ascend differs from the model (%d entries, want %d)", round, len(all), len(m))
		}
		for range 50 {
			p := entry()
			i, ok := find(p)
			var up, down []indexEntry
			tr.AscendGreaterOrEqual(p, func(e indexEntry) bool { up = append(up, e); return len(up) < 100 })
			tr.DescendLessOrEqual(p, func(e indexEntry) bool { down = append(down, e); return len(down) < 100 })
			wantUp := m[i:min(len(m), i+100)]
			j := i
			if ok {
				j++
			}
			var wantDown []indexEntry
			for k := j - 1; k >= 0 && len(wantDown) < 100; k-- {
				wantDown = append(wantDown, m[k])
			}
			same := func(a, b indexEntry) bool { return compareEntries(&a, &b) == 0 }
			if !slices.EqualFunc(up, wantUp, same) || !slices.EqualFunc(down, wantDown, same) {
				t.Fatalf("round %d: walks from %v differ from the model", round, p)
			}
		}
	}
}

// TestCompareEntries checks compareEntries, which orders values by their
// prefixes where those decide, against the order of the values themselves
// (SortCompare), for every kind and around every limit of the prefix.
func TestCompareEntries(t *testing.T) {
	strs := []string{"", "\x00", "a", "a\x00", "a\x00\x00", "ab", "status-1", "status-15838", "status-7919",
		"status-\x00", "status-\xff", "status-12", "\xff\xff\xff\xff\xff\xff\xff\xff", "\xff\xff\xff\xff\xff\xff\xff\xff\x00", "é", "zzzzzzzzzzzz",
		// Around the 15 bytes an entry's prefix holds.
		"aaaaaaaaaaaaaa", "aaaaaaaaaaaaaa\x00", "aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaa\x00", "aaaaaaaaaaaaaaaa",
		"aaaaaaaaaaaaaaaa\x00", "aaaaaaaaaaaaaaab", "aaaaaaaaaaaaaaaab", "aaaaaaaaaaaaaab", "aaaaaaaaaaaaaaa\xff"}
	// And strings of a small alphabet, so that many share long prefixes.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = "\x00ab"[rng.IntN(3)]
		}
		strs = append(strs, string(b))
	}
	vals := []any{int64(math.MinInt64), int64(-1), int64(0), int64(1), int64(255), int64(256), int64(math.MaxInt64),
		1.5, -0.5, json.Number("12345678901234567890"), true, false,
		0.1, math.Copysign(0, -1), 1.0, 1e300, -1e300, 5e-324, math.Inf(1), math.Inf(-1), math.NaN(), float64(1 << 53), float64(1<<53) + 2,
		json.Number("0.1"), json.Number("1.000"), json.Number("-0.000"), json.Number("9223372036854775808"),
		json.Number("-9223372036854775809"), json.Number("1e40000"), json.Number("9e39999"), json.Number("-1e40000"),
		json.Number("-9e39999"), json.Number("1e-40000"), json.Number("9e-40001"), json.Number("-1e-40000"),
		json.Number("1e32766"), json.Number("1e32767"), json.Number("1e-32768"), json.Number("1e-32769"),
		// Around the 24 digits the prefix holds.
		json.Number("123456789012345678901234"), json.Number("123456789012345678901234.5"),
		json.Number("123456789012345678901234.6"), json.Number("123456789012345678901235"),
		json.Number("-123456789012345678901234"), json.Number("-123456789012345678901234.5"),
		json.Number("-123456789012345678901234.6"), json.Number("-123456789012345678901235"),
		[]any{int64(1), "a"}, []any{int64(1), "b"}, []any{}, map[string]any{"a": int64(1)}, map[string]any{}}
	for _, n := range []string{"1.23", "-4.5", "0", "1e2", "100", "-0.001", "NaN", "Infinity", "-Infinity"} {
		d, _, err := apd.NewFromString(n)
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, d)
	}
	// Random numbers of few digits and exponents, as every kind.
	for range 80 {
		digits := fmt.Sprint(rng.IntN(1000))
		if rng.IntN(3) == 0 {
			digits += strings.Repeat("9", 20+rng.IntN(8))
		}
		n := json.Number(fmt.Sprintf("%s%se%d", []string{"", "-"}[rng.IntN(2)], digits, rng.IntN(7)-3))
		vals = append(vals, JSONNumber(n), n)
		if f, err := n.Float64(); err == nil {
			vals = append(vals, f)
		}
	}
	for _, s := range strs {
		vals = append(vals, s)
	}
	keys := []Key{{Int: 1, IsInt: true}, {Int: 2, IsInt: true}}
	var es []indexEntry
	for _, v := range vals {
		for _, k := range keys {
			es = append(es, newEntry(v, k, 3), newEntry(v, k, 4))
		}
	}
	for i := range es {
		for j := range es {
			a, b := &es[i], &es[j]
			want := SortCompare(a.val, b.val)
			if want == 0 {
				want = compareKeys(a.key, b.key)
			}
			if want == 0 {
				want = cmp.Compare(a.seq, b.seq)
			}
			if got := compareEntries(a, b); sign(got) != sign(want) {
				t.Fatalf("compareEntries(%q/%v/%d, %q/%v/%d) = %d, want %d", a.val, a.key, a.seq, b.val, b.key, b.seq, got, want)
			}
		}
	}
}

func sign(c int) int { return cmp.Compare(c, 0) }

// TestTreeBuilder fills trees through treeBuilder, in order and then out
// of it, across the sizes where leaves, inner nodes and roots fill and
// split, and finds each the same as a tree filled by ReplaceOrInsert: the
// same items in order, each found by Get, and a tree that keeps working
// (inserts, deletes, clones) after.
func TestTreeBuilder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 63, 64, 65, 128, 64 * 64, 64*64 + 1, 64*64*64 + 65} {
		for _, disorder := range []bool{false, true} {
			tr, ref := newRowTree(), newRowTree()
			b := newTreeBuilder(tr)
			for i := range n {
				k := i * 2
				if disorder && i == n*3/4 {
					k = rng.IntN(2*n) | 1 // out of order: the rest goes in by ReplaceOrInsert
				}
				r := seqRow(Key{Int: int64(k), IsInt: true}, uint64(1+rng.IntN(n+1)))
				b.add(r)
				ref.ReplaceOrInsert(r)
			}
			check := func(what string) {
				t.Helper()
				var got, want []Key
				tr.Ascend(func(r row) bool { got = append(got, r.key); return true })
				ref.Ascend(func(r row) bool { want = append(want, r.key); return true })
				if !slices.Equal(got, want) || tr.Len() != ref.Len() {
					t.Fatalf("n=%d disorder=%v %s: %d items (Len %d), want %d (Len %d)", n, disorder, what, len(got), tr.Len(), len(want), ref.Len())
				}
				for _, k := range want {
					if _, ok := tr.Get(row{key: k}); !ok {
						t.Fatalf("n=%d disorder=%v %s: %v not found", n, disorder, what, k)
					}
				}
				var m modelRows
				ref.Ascend(func(r row) bool { m = append(m, r); return true })
				checkSince(t, fmt.Sprintf("n=%d disorder=%v %s", n, disorder, what), tr, m, rng)
			}
			check("built")
			c := tr.Clone()
			var before []Key
			c.Ascend(func(r row) bool { before = append(before, r.key); return true })
			for range 200 {
				r := seqRow(Key{Int: int64(rng.IntN(2*n + 10)), IsInt: true}, uint64(1+rng.IntN(2*n+1)))
				if rng.IntN(2) == 0 {
					tr.ReplaceOrInsert(r)
					ref.ReplaceOrInsert(r)
				} else {
					tr.Delete(r)
					ref.Delete(r)
				}
			}
			check("changed after")
			var after []Key
			c.Ascend(func(r row) bool { after = append(after, r.key); return true })
			if !slices.Equal(after, before) || c.Len() != len(before) {
				t.Fatalf("n=%d disorder=%v: the clone changed with the tree", n, disorder)
			}
		}
	}
}

// seqRow returns a row of k with one version, at seq.
func seqRow(k Key, seq uint64) row { return newRow(k, []version{{seq: seq}}) }

// rowSeq returns the seq of r's newest version, 0 for the zero row.
func rowSeq(r row) uint64 {
	if len(r.versions) == 0 {
		return 0
	}
	return r.newest().seq
}

// TestRowsAscending: rows found for keys in ascending order along the
// leaves are those Get finds, for keys dense and sparse (a seek from the
// root), repeated, absent, before the first row and after the last.
func TestRowsAscending(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	tr := newRowTree()
	for i := range 20000 {
		tr.ReplaceOrInsert(seqRow(Key{Int: int64(i * 3), IsInt: true}, uint64(1+i)))
	}
	for _, gap := range []int{1, 2, 3, 7, 40, 500, 5000} {
		var keys []Key
		for k := -5; k < 60010; k += 1 + rng.IntN(gap) {
			keys = append(keys, Key{Int: int64(k), IsInt: true})
			if rng.IntN(10) == 0 {
				keys = append(keys, Key{Int: int64(k), IsInt: true}) // a key twice: two entries of one row
			}
		}
		out := make([]row, len(keys))
		rowsAscending(tr, keys, out)
		found := 0
		for i, k := range keys {
			want, ok := tr.Get(row{key: k})
			if ok != (out[i].versions != nil) || ok && (out[i].key != k || rowSeq(out[i]) != rowSeq(want)) {
				t.Fatalf("gap %d, key %v: %v %v, want %v %v", gap, k, out[i].key, out[i].versions != nil, want.key, ok)
			}
			if ok {
				found++
			}
		}
		if found == 0 {
			t.Fatalf("gap %d: nothing found", gap)
		}
	}
	rowsAscending(newRowTree(), []Key{{Int: 1, IsInt: true}}, make([]row, 1)) // an empty tree
}

// TestSortedInserterGet: the rows of a tree read and replaced in key
// order through one sortedInserter, as a trim puts back the rows it
// changed, keys the tree lacks among them: each get gives the tree's row,
// the tree ends as one replaced row by row, and a reader's clone keeps the
// rows of before.
func TestSortedInserterGet(t *testing.T) {
	tr := newRowTree()
	var model modelRows
	for i := range 20_000 {
		r := newRow(Key{Int: int64(2 * i), IsInt: true}, []version{newVersion(uint64(i+1), 0, 1)})
		tr.ReplaceOrInsert(r)
		model.put(r)
	}
	reader := tr.Clone()
	rng := rand.New(rand.NewPCG(5, 9))
	in := tr.sortedInserter()
	for k := int64(0); k < 40_010; k += 1 + int64(rng.IntN(3)) {
		got, ok := in.get(&row{key: Key{Int: k, IsInt: true}})
		i, want := model.find(Key{Int: k, IsInt: true})
		if ok != want || ok && got.newest().seq != model[i].newest().seq {
			t.Fatalf("key %d: got %v %v, the tree has it: %v", k, got.key, ok, want)
		}
		if ok && rng.IntN(2) == 0 {
			r := newRow(got.key, []version{newVersion(got.newest().seq, 0, 1), newVersion(uint64(100_000+k), 0, 2)})
			in.put(r)
			model.put(r)
		}
	}
	if tr.Len() != len(model) {
		t.Fatalf("%d rows, want %d", tr.Len(), len(model))
	}
	i := 0
	tr.Ascend(func(r row) bool {
		if compareKeys(r.key, model[i].key) != 0 || len(r.versions) != len(model[i].versions) {
			t.Fatalf("at %d: row %v of %d versions, want %v of %d", i, r.key, len(r.versions), model[i].key, len(model[i].versions))
		}
		i++
		return true
	})
	// The bounds on the rows' seqs take the replaced rows' newest.
	since, want := 0, 0
	tr.AscendSince(100_000, func(row) bool { since++; return true })
	for _, r := range model {
		if len(r.versions) == 2 {
			want++
		}
	}
	if since != want || want == 0 {
		t.Fatalf("%d rows written since, want %d", since, want)
	}
	reader.Ascend(func(r row) bool {
		if len(r.versions) != 1 {
			t.Fatalf("the reader's row %v has %d versions", r.key, len(r.versions))
		}
		return true
	})
}
