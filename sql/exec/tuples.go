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
type tupleMap[V any] struct {
	types []*types.T
	h     maphash.Hash
	m     map[uint64][]tupleEntry[V]
	n     int
}

type tupleEntry[V any] struct {
	key []types.Datum
	val V
}

func newTupleMap[V any](ts []*types.T) *tupleMap[V] {
	m := &tupleMap[V]{types: ts, m: map[uint64][]tupleEntry[V]{}}
	m.h.SetSeed(tupleSeed)
	return m
}

// tupleSeed is one seed for every map: a map's hashes stay its own.
var tupleSeed = maphash.MakeSeed()

// Len returns the number of tuples in the map.
func (m *tupleMap[V]) Len() int { return m.n }

func (m *tupleMap[V]) hash(key []types.Datum) uint64 {
	m.h.Reset()
	for i, v := range key {
		if v == nil {
			m.h.WriteByte(0)
			continue
		}
		m.h.WriteByte(1)
		types.Hash(v, m.types[i], &m.h)
	}
	return m.h.Sum64()
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
	for _, e := range m.m[m.hash(key)] {
		if m.equal(e.key, key) {
			return e.val, true
		}
	}
	var zero V
	return zero, false
}

// ref returns a pointer to the value of key's tuple, adding the tuple
// (a copy of key) with the zero value if it is new; added says so. The
// pointer is valid until the next call that adds a tuple; stored is the
// map's copy of the tuple.
func (m *tupleMap[V]) ref(key []types.Datum) (v *V, stored []types.Datum, added bool) {
	h := m.hash(key)
	es := m.m[h]
	for i := range es {
		if m.equal(es[i].key, key) {
			return &es[i].val, es[i].key, false
		}
	}
	es = append(es, tupleEntry[V]{key: append([]types.Datum(nil), key...)})
	m.m[h] = es
	m.n++
	e := &es[len(es)-1]
	return &e.val, e.key, true
}

// add adds key's tuple if it is new, and reports whether it was.
func (m *tupleMap[V]) add(key []types.Datum) bool {
	_, _, added := m.ref(key)
	return added
}
