package exec

import (
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
	c := newTupleMap[int]([]*types.T{types.Int8})
	c.heads = make([]tupleHead, 16)
	for i := range 5 {
		k := []types.Datum{int64(i)}
		sl := &c.heads[c.slot(42)]
		sl.hash = 42
		if sl.head == 0 {
			c.distinct++
		}
		c.entries = append(c.entries, tupleEntry[int]{key: k, val: i, next: sl.head})
		sl.head = int32(len(c.entries))
	}
	for i := range 5 {
		if e := c.find(42, []types.Datum{int64(i)}); e == nil || e.val != i {
			t.Fatalf("collided tuple %d: %v", i, e)
		}
	}
	if e := c.find(42, []types.Datum{int64(9)}); e != nil {
		t.Fatalf("found %v for a tuple never added", e)
	}
}
