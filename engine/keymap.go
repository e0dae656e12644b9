package engine

import (
	"iter"
	"slices"
)

// keyMap maps keys to values: a Go map of the key's own type to the
// value's place in a slice. A map keyed by Key hashes the whole struct,
// its string included, at every lookup, where one of int64 hashes eight
// bytes; and a small slot keeps a map of a million keys a fraction of
// the size it would be with the values in it, so that a lookup misses
// the processor's caches less (a transaction's rows are looked up at
// each of its writes: a COPY of a million rows spent a third of its
// inserts there). The values are kept in blocks of keyBlock, so that a
// map that grows to a million keys does not copy its values at each
// doubling (a COPY's transaction spent 5% of its time there). The zero
// keyMap is empty.
type keyMap[V any] struct {
	ints map[int64]int
	strs map[string]int
	// run holds integer keys set in increasing order, each after every
	// key the run had, with their places (runAt; -1: deleted since), in
	// place of ints: a transaction's serial keys are appended, not
	// hashed into a growing map (an import of 9 million rows spent a
	// tenth of its inserts' time there). ints holds the others, all
	// below the run's last key.
	run   []int64
	runAt []int
	// runDead is how many keys of run were deleted.
	runDead int
	// vals holds the value of place i at vals[i/keyBlock][i%keyBlock];
	// a deleted key's value is zeroed, its place not reused. The first
	// block grows as a slice does, the others are made whole; only the
	// last is not full.
	vals [][]V
}

// keyBlock is the number of values in a block of keyMap.
const keyBlock = 1024

// val returns the value at place i.
func (m *keyMap[V]) val(i int) *V { return &m.vals[i/keyBlock][i%keyBlock] }

func (m *keyMap[V]) place(k Key) (int, bool) {
	var i int
	var ok bool
	if k.IsInt {
		if j, in := m.inRun(k.Int); in && m.runAt[j] >= 0 {
			return m.runAt[j], true
		}
		i, ok = m.ints[k.Int]
	} else {
		i, ok = m.strs[k.Str]
	}
	return i, ok
}

// inRun returns the position of k in the run, if it is there.
func (m *keyMap[V]) inRun(k int64) (int, bool) {
	n := len(m.run)
	if n == 0 || k < m.run[0] || k > m.run[n-1] {
		return 0, false
	}
	return slices.BinarySearch(m.run, k)
}

func (m *keyMap[V]) get(k Key) (V, bool) {
	if i, ok := m.place(k); ok {
		return *m.val(i), true
	}
	var zero V
	return zero, false
}

func (m *keyMap[V]) set(k Key, v V) {
	if i, ok := m.place(k); ok {
		*m.val(i) = v
		return
	}
	i := 0 // the next place
	if n := len(m.vals); n > 0 {
		i = (n-1)*keyBlock + len(m.vals[n-1])
	}
	switch b := i / keyBlock; {
	case b < len(m.vals):
		m.vals[b] = append(m.vals[b], v)
	case b == 0:
		m.vals = append(m.vals, []V{v})
	default:
		m.vals = append(m.vals, append(make([]V, 0, keyBlock), v))
	}
	if k.IsInt {
		if n := len(m.run); n == 0 || k.Int > m.run[n-1] {
			m.run, m.runAt = append(m.run, k.Int), append(m.runAt, i)
			return
		}
		if m.ints == nil {
			m.ints = map[int64]int{}
		}
		m.ints[k.Int] = i
		return
	}
	if m.strs == nil {
		m.strs = map[string]int{}
	}
	m.strs[k.Str] = i
}

func (m *keyMap[V]) del(k Key) {
	i, ok := m.place(k)
	if !ok {
		return
	}
	var zero V
	*m.val(i) = zero
	switch j, in := m.inRun(k.Int); {
	case !k.IsInt:
		delete(m.strs, k.Str)
	case in && m.runAt[j] == i:
		m.runAt[j] = -1
		m.runDead++
	default:
		delete(m.ints, k.Int)
	}
}

func (m *keyMap[V]) len() int { return len(m.ints) + len(m.strs) + len(m.run) - m.runDead }

// all yields every key and its value, in no order; the function given
// may set the value of the key it is given, or delete that key.
func (m *keyMap[V]) all() iter.Seq2[Key, V] {
	return func(yield func(Key, V) bool) {
		for j, k := range m.run {
			if i := m.runAt[j]; i >= 0 && !yield(Key{Int: k, IsInt: true}, *m.val(i)) {
				return
			}
		}
		for k, i := range m.ints {
			if !yield(Key{Int: k, IsInt: true}, *m.val(i)) {
				return
			}
		}
		for k, i := range m.strs {
			if !yield(Key{Str: k}, *m.val(i)) {
				return
			}
		}
	}
}

// clone returns a copy of m that shares nothing with it but the values.
func (m *keyMap[V]) clone() keyMap[V] {
	var c keyMap[V]
	for k, v := range m.all() {
		c.set(k, v)
	}
	return c
}
