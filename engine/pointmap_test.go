package engine

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestPointMapGrowsUnderReaders stores keys while readers look up every key
// stored so far: each must be found with its newest or an earlier row,
// through every resize.
func TestPointMapGrowsUnderReaders(t *testing.T) {
	m := newPointMap(0)
	const n = 20000
	var stored atomic.Int64
	keyOf := func(i int) Key {
		if i%2 == 0 {
			return Key{Int: int64(i), IsInt: true}
		}
		return Key{Str: fmt.Sprintf("k%d", i)}
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for stored.Load() < n {
				upto := int(stored.Load())
				for i := 0; i < upto; i += 97 {
					r, ok := m.load(keyOf(i))
					if !ok || r.key != keyOf(i) || len(r.versions) == 0 || r.versions[0].seq != uint64(i+1) {
						t.Errorf("key %d: %v %+v", i, ok, r)
						return
					}
				}
			}
		})
	}
	for i := range n {
		k := keyOf(i)
		m.store(newRow(k, []version{{seq: uint64(i + 1)}}))
		if i%3 == 0 { // an update of an existing key
			m.store(newRow(k, []version{{seq: uint64(i + 1)}, {seq: uint64(n + i)}}))
		}
		stored.Store(int64(i + 1))
	}
	wg.Wait()
	if _, ok := m.load(Key{Str: "absent"}); ok {
		t.Fatal("found a key never stored")
	}
	if m.n != n {
		t.Fatalf("%d entries, want %d", m.n, n)
	}
}

// TestPointMapEntries looks up many keys at once, present and absent, in
// a table full enough that probes run past other keys' slots: each answer
// is what a lookup of that key alone gives.
func TestPointMapEntries(t *testing.T) {
	m := newPointMap(0)
	keyOf := func(i int) Key {
		if i%3 == 0 {
			return Key{Str: fmt.Sprintf("k%d", i)}
		}
		return Key{Int: int64(i), IsInt: true}
	}
	const n = 5000
	for i := 0; i < n; i += 2 { // odd keys stay absent
		m.store(newRow(keyOf(i), []version{{seq: uint64(i + 1)}}))
	}
	for _, count := range []int{0, 1, 10, entriesBatch, entriesBatch + 1, 3*entriesBatch + 5} {
		keys := make([]Key, count)
		present := make([]bool, count)
		for i := range keys {
			j := (i * 7919) % (n + 10) // a spread, some past the stored range
			keys[i], present[i] = keyOf(j), j%2 == 0 && j < n
		}
		got := make([]*pointEntry, count)
		m.entries(keys, got)
		for i, k := range keys {
			if want := m.entry(k); got[i] != want {
				t.Fatalf("%d keys: key %v: entry %p, alone %p", count, k, got[i], want)
			}
			if (got[i] != nil) != present[i] || got[i] != nil && got[i].r.key != k {
				t.Fatalf("%d keys: key %v: entry %+v, want present=%v", count, k, got[i], present[i])
			}
		}
	}
}

// TestPointMapFill fills maps from trees small and large (the large ones
// by four goroutines, whatever the processors): every key finds its row, keys not in the tree
// find none, and stores after the fill replace rows and grow the map.
func TestPointMapFill(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 100_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			keyOf := func(i int) Key {
				if i%3 == 0 {
					return Key{Str: fmt.Sprintf("k%d", i)}
				}
				return Key{Int: int64(i), IsInt: true}
			}
			tr := newRowTree()
			for i := range n {
				tr.ReplaceOrInsert(seqRow(keyOf(i), uint64(i+1)))
			}
			m := newPointMap(tr.Len())
			m.fill(tr, 4)
			if m.n != n {
				t.Fatalf("%d entries, want %d", m.n, n)
			}
			for i := range n + 100 {
				r, ok := m.load(keyOf(i))
				if ok != (i < n) || ok && (r.key != keyOf(i) || rowSeq(r) != uint64(i+1)) {
					t.Fatalf("key %d: %v %v/%d", i, ok, r.key, rowSeq(r))
				}
			}
			for i := range 2*n + 10 {
				m.store(seqRow(keyOf(i), uint64(1_000_000+i)))
			}
			if m.n != 2*n+10 {
				t.Fatalf("%d entries after the stores, want %d", m.n, 2*n+10)
			}
			for i := range 2*n + 10 {
				if r, ok := m.load(keyOf(i)); !ok || rowSeq(r) != uint64(1_000_000+i) {
					t.Fatalf("key %d after the stores: %v %d", i, ok, rowSeq(r))
				}
			}
		})
	}
}
