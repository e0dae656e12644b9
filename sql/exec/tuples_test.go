package exec

import (
	"hash/maphash"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/driftdb/driftdb/sql/types"
)

// TestTupleMap adds tuples of two columns, with repeats and NULLs, and
// checks every lookup against a Go map of the same tuples.
func TestTupleMap(t *testing.T) {
	m := newTupleMap[int]([]*types.T{types.Int8, types.Text})
	model := map[[2]any]int{}
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() []types.Datum {
		var a, b types.Datum = int64(rng.IntN(3000)), []string{"x", "y", "z"}[rng.IntN(3)]
		if rng.IntN(50) == 0 {
			a = nil
		}
		if rng.IntN(50) == 0 {
			b = nil
		}
		return []types.Datum{a, b}
	}
	for i := range 20000 {
		k := key()
		p, stored, added := m.ref(k)
		_, had := model[[2]any{k[0], k[1]}]
		if added == had {
			t.Fatalf("%v: added %v, but the model had it: %v", k, added, had)
		}
		if stored[0] != k[0] || stored[1] != k[1] {
			t.Fatalf("%v stored as %v", k, stored)
		}
		*p += i
		model[[2]any{k[0], k[1]}] += i
	}
	if m.Len() != len(model) {
		t.Fatalf("%d tuples, the model has %d", m.Len(), len(model))
	}
	for k, want := range model {
		if got, ok := m.get([]types.Datum{k[0], k[1]}); !ok || got != want {
			t.Fatalf("%v: %d %v, want %d", k, got, ok, want)
		}
	}
	if _, ok := m.get([]types.Datum{int64(-1), "x"}); ok {
		t.Fatal("found a tuple never added")
	}
	// Tuples whose hashes collide share a chain and are told apart by
	// their values.
	c := newTupleMap[int]([]*types.T{types.Text})
	c.heads = make([]tupleHead, 16)
	for i := range 5 {
		k := []types.Datum{string(rune('a' + i))}
		sl := &c.heads[c.slot(42)]
		sl.hash = 42
		if sl.head == 0 {
			c.distinct++
		}
		c.entries = append(c.entries, tupleEntry[int]{key: k, val: i, next: sl.head})
		sl.head = int32(len(c.entries))
	}
	for i := range 5 {
		if e := c.find(42, []types.Datum{string(rune('a' + i))}); e == nil || e.val != i {
			t.Fatalf("collided tuple %d: %v", i, e)
		}
	}
	if e := c.find(42, []types.Datum{"z"}); e != nil {
		t.Fatalf("found %v for a tuple never added", e)
	}
}

// TestTupleMapInts checks a map of one integer column, whose lookups
// compare no tuples, against a Go map: values over the whole range, NULL,
// and lookups as goroutines of their own make them (getWith).
func TestTupleMapInts(t *testing.T) {
	for _, typ := range []*types.T{types.Int2, types.Int4, types.Int8} {
		m := newTupleMap[int]([]*types.T{typ})
		if !m.ints {
			t.Fatalf("%s: not a map of integers", typ)
		}
		model := map[any]int{}
		rng := rand.New(rand.NewPCG(3, 4))
		key := func() types.Datum {
			switch rng.IntN(40) {
			case 0:
				return nil
			case 1:
				return []int64{math.MinInt64, math.MaxInt64, 0, -1, 1}[rng.IntN(5)]
			case 2:
				return int64(rng.Uint64())
			}
			return int64(rng.IntN(5000) - 2500)
		}
		for i := range 30000 {
			k := key()
			p, stored, added := m.ref([]types.Datum{k})
			_, had := model[k]
			if added == had || stored[0] != k {
				t.Fatalf("%s: %v: added %v, had %v, stored %v", typ, k, added, had, stored)
			}
			*p += i
			model[k] += i
		}
		if m.Len() != len(model) {
			t.Fatalf("%s: %d tuples, the model has %d", typ, m.Len(), len(model))
		}
		var h maphash.Hash
		h.SetSeed(tupleSeed)
		for k, want := range model {
			if got, ok := m.getWith(&h, []types.Datum{k}); !ok || got != want {
				t.Fatalf("%s: %v: %d %v, want %d", typ, k, got, ok, want)
			}
		}
		for _, k := range []types.Datum{int64(1 << 40), int64(-3000)} {
			if _, ok := m.get([]types.Datum{k}); ok {
				t.Fatalf("%s: found %v, never added", typ, k)
			}
		}
	}
}
