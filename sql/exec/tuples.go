package exec

import (
	"hash/maphash"

	"github.com/driftdb/driftdb/sql/types"
)

// tupleMap maps tuples of values to V, tuples being equal as GROUP BY,
// DISTINCT, set operations and hash joins see them: value by value with
// the = of each value's type (1 and 1.0 as numeric, 'a' and 'a ' as
// bpchar, '1 mon' and '30 days'), and NULL equal to NULL. It hashes with
// types.Hash, which agrees with types.Equal, and checks candidates with
// Equal: no text is made of a value to find its tuple.
//
// Its tuples live in one slice, chained by hash, and their values in
// chunks shared by many tuples: adding a tuple allocates nothing most of
// the time.
//
// A map of tuples of one integer column (a join or a grouping by an
// integer key) hashes each value by mixing its bits one to one
// (intHash): the slot of a value's hash is then the value's own, and a
// lookup reads no tuple to compare it (a hash join's probe of a large
// table waits for one cache miss, not four). NULL's tuple is kept apart.
type tupleMap[V any] struct {
	types []*types.T
	h     maphash.Hash
	// ints says the tuples are of one integer column, their values
	// int64s (hashed by intHash) or NULL (the tuple nullAt, 1 + its
	// entry's index; 0: none).
	ints   bool
	nullAt int32
	// heads is an open-addressing table of the hashes: for each, 1 + the
	// index of the last entry added with it; each entry links to the one
	// added before it (next, also 1 + an index; 0 ends the chain).
	heads   []tupleHead
	entries []tupleEntry[V]
	// distinct is the number of hashes in heads.
	distinct int
	arena    datumArena // the tuples' copies
}

type tupleEntry[V any] struct {
	key  []types.Datum
	val  V
	next int32
}

type tupleHead struct {
	hash uint64
	head int32 // 0: a free slot
}

// slot returns the index of h's slot in heads: the one that holds it, or
// the free one where it goes. heads has a free slot (it is at most half
// full).
func (m *tupleMap[V]) slot(h uint64) int {
	mask := len(m.heads) - 1
	i := int(h) & mask
	for m.heads[i].head != 0 && m.heads[i].hash != h {
		i = (i + 1) & mask
	}
	return i
}

// grow doubles heads (or makes it), placing every hash anew.
func (m *tupleMap[V]) grow() {
	old := m.heads
	m.heads = make([]tupleHead, max(16, 2*len(old)))
	for _, sl := range old {
		if sl.head != 0 {
			m.heads[m.slot(sl.hash)] = sl
		}
	}
}

// reserve sizes the map for n tuples.
func (m *tupleMap[V]) reserve(n int) {
	size := 16
	for size < 2*n {
		size *= 2
	}
	if size > len(m.heads) && len(m.entries) == 0 {
		m.heads = make([]tupleHead, size)
		m.entries = make([]tupleEntry[V], 0, n)
	}
}

// tupleArena is how many values a chunk of tuple copies holds.
const tupleArena = 4096

func newTupleMap[V any](ts []*types.T) *tupleMap[V] {
	m := &tupleMap[V]{types: ts, ints: len(ts) == 1 && ts[0].Family == types.IntFamily}
	m.h.SetSeed(tupleSeed)
	return m
}

// intHash mixes the bits of v one to one: a multiplication by an odd
// constant, then the high bits folded into the low ones, which pick the
// slot.
func intHash(v int64) uint64 {
	x := uint64(v) * 0x9e3779b97f4a7c15
	return x ^ x>>29
}

// tupleSeed is one seed for every map: a map's hashes stay its own.
var tupleSeed = maphash.MakeSeed()

// Len returns the number of tuples in the map.
func (m *tupleMap[V]) Len() int { return len(m.entries) }

func (m *tupleMap[V]) hash(key []types.Datum) uint64 { return m.hashWith(&m.h, key) }

// hashWith hashes key with h, which must have tupleSeed.
func (m *tupleMap[V]) hashWith(h *maphash.Hash, key []types.Datum) uint64 {
	if m.ints {
		if v, ok := key[0].(int64); ok {
			return intHash(v)
		}
	}
	h.Reset()
	for i, v := range key {
		if v == nil {
			h.WriteByte(0)
			continue
		}
		h.WriteByte(1)
		types.Hash(v, m.types[i], h)
	}
	return h.Sum64()
}

func (m *tupleMap[V]) equal(a, b []types.Datum) bool {
	for i := range a {
		switch {
		case a[i] == nil || b[i] == nil:
			if a[i] != nil || b[i] != nil {
				return false
			}
		case !types.Equal(a[i], b[i], m.types[i]):
			return false
		}
	}
	return true
}

// get returns the value of key's tuple.
func (m *tupleMap[V]) get(key []types.Datum) (V, bool) {
	if e := m.find(m.hash(key), key); e != nil {
		return e.val, true
	}
	var zero V
	return zero, false
}

// getWith is get with a hash of the caller's (seeded with tupleSeed):
// goroutines that each have their own may read a map that no one changes
// at once.
func (m *tupleMap[V]) getWith(h *maphash.Hash, key []types.Datum) (V, bool) {
	if e := m.find(m.hashWith(h, key), key); e != nil {
		return e.val, true
	}
	var zero V
	return zero, false
}

// find returns the entry of key, whose hash is h, or nil.
func (m *tupleMap[V]) find(h uint64, key []types.Datum) *tupleEntry[V] {
	if m.ints {
		switch key[0].(type) {
		case nil:
			if m.nullAt == 0 {
				return nil
			}
			return &m.entries[m.nullAt-1]
		case int64:
			// The hash is the value's: its slot's tuple is the one.
			if len(m.heads) == 0 {
				return nil
			}
			if i := m.heads[m.slot(h)].head; i != 0 {
				return &m.entries[i-1]
			}
			return nil
		}
	}
	if len(m.heads) == 0 {
		return nil
	}
	for i := m.heads[m.slot(h)].head; i != 0; {
		e := &m.entries[i-1]
		if m.equal(e.key, key) {
			return e
		}
		i = e.next
	}
	return nil
}

// ref returns a pointer to the value of key's tuple, adding the tuple
// (a copy of key) with the zero value if it is new; added says so. The
// pointer is valid until the next call that adds a tuple; stored is the
// map's copy of the tuple.
func (m *tupleMap[V]) ref(key []types.Datum) (v *V, stored []types.Datum, added bool) {
	return m.refHashed(m.hash(key), key, false)
}

// refHashed is ref of key, whose hash is h (hashWith); a key kept as it
// is (owned, not copied) must not change after.
func (m *tupleMap[V]) refHashed(h uint64, key []types.Datum, owned bool) (v *V, stored []types.Datum, added bool) {
	keep := func() []types.Datum {
		if owned {
			return key
		}
		return m.copyKey(key)
	}
	if m.ints && key[0] == nil {
		if m.nullAt == 0 {
			m.entries = append(m.entries, tupleEntry[V]{key: keep()})
			m.nullAt, added = int32(len(m.entries)), true
		}
		e := &m.entries[m.nullAt-1]
		return &e.val, e.key, added
	}
	if e := m.find(h, key); e != nil {
		return &e.val, e.key, false
	}
	if 2*(m.distinct+1) > len(m.heads) {
		m.grow()
	}
	sl := &m.heads[m.slot(h)]
	if sl.head == 0 {
		sl.hash = h
		m.distinct++
	}
	m.entries = append(m.entries, tupleEntry[V]{key: keep(), next: sl.head})
	sl.head = int32(len(m.entries))
	e := &m.entries[len(m.entries)-1]
	return &e.val, e.key, true
}

// copyKey copies a tuple into the arena.
func (m *tupleMap[V]) copyKey(key []types.Datum) []types.Datum { return m.arena.copy(key) }

// datumArena hands out copies of rows and tuples from chunks it
// allocates, one chunk for many copies. A copy lives as long as any copy
// of its chunk does.
type datumArena struct {
	buf []types.Datum
}

// copy returns a copy of r in the arena.
func (a *datumArena) copy(r []types.Datum) []types.Datum {
	n := len(r)
	if n > tupleArena/8 {
		return append([]types.Datum(nil), r...)
	}
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]types.Datum, 0, tupleArena)
	}
	a.buf = append(a.buf, r...)
	return a.buf[len(a.buf)-n : len(a.buf) : len(a.buf)]
}

// add adds key's tuple if it is new, and reports whether it was.
func (m *tupleMap[V]) add(key []types.Datum) bool {
	_, _, added := m.ref(key)
	return added
}
