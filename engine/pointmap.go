package engine

import (
	"hash/maphash"
	"math"
	"sync/atomic"
)

// pointMap finds a row by key for readers without locks: an open-addressing
// hash table whose slots are atomic pointers to immutable entries, so a
// lookup touches about three cache lines where a B-tree walk touches a
// dozen. It is a cache of rows, not an index of them: a key it does not
// have is looked up in the B-tree of the reader's state (tableState.find),
// and the row found there goes in while the map holds fewer than its
// limit. Keys are never removed; the writer starts a new map instead
// (refreshPoint), as a compaction or a trim does, and publishes the state
// that has it at once.
//
// What makes a row a reader adds right: the writer stores the newest row
// of every key it writes into the map of its working state, and every
// state that shares a map was copied from the writer's while that map was
// its. So a key the map lacks was not written since the map was started,
// and the reader's B-tree, which holds every version up to the map's
// start, has its newest row; a write after the reader's state finds the
// reader's entry and replaces it, or its slot taken and the reader's
// insert fails (both claim the first empty slot of the key's chain, by a
// swap from nil).
type pointMap struct {
	tab   atomic.Pointer[pointTable]
	seed  maphash.Seed
	n     atomic.Int64 // entries: the writer's and the readers'
	limit int64        // entries beyond which readers add none
	// The keys the writer stored: the greatest integer (when ints is
	// set), and whether any was a string (storedBelow).
	maxInt     atomic.Int64
	ints, strs atomic.Bool
}

// pointCacheRows is the limit of a table's point map: about 25 MB of
// entries and slots. The writer starts a new map when its own stores take
// the map to twice that. (A variable for the tests.)
var pointCacheRows = 1 << 18

type pointTable struct {
	mask  uint64
	slots []atomic.Pointer[pointEntry]
}

type pointEntry struct {
	// r is the row: its key and its versions, the newest last. The row
	// is held here and in the B-tree, so it is kept to those two words:
	// with a copy of the newest version's seq, time and document beside
	// them (40 bytes more in each), a lookup by key took about 350 ns
	// against 580, and a table of 2 million rows 135 MB more heap.
	r row
}

// newPointCache returns an empty map for a table of rows rows, sized for
// as many as it will hold (its limit, or all of a smaller table).
func newPointCache(rows int) *pointMap {
	m := newPointMap(min(rows, pointCacheRows))
	m.limit = int64(pointCacheRows)
	return m
}

// newPointMap returns an empty map made for capacity entries, with no
// limit.
func newPointMap(capacity int) *pointMap {
	m := &pointMap{seed: maphash.MakeSeed(), limit: math.MaxInt64}
	size := 64
	for size < 2*capacity {
		size *= 2
	}
	m.tab.Store(&pointTable{mask: uint64(size - 1), slots: make([]atomic.Pointer[pointEntry], size)})
	return m
}

func (m *pointMap) hash(k Key) uint64 {
	if k.IsInt {
		// A strong mix of the integer: sequential keys spread over slots.
		x := uint64(k.Int) ^ 0x9e3779b97f4a7c15
		x ^= x >> 30
		x *= 0xbf58476d1ce4e5b9
		x ^= x >> 27
		x *= 0x94d049bb133111eb
		return x ^ x>>31
	}
	return maphash.String(m.seed, k.Str)
}

// entries finds the rows of several keys in the map (a row with no
// versions where it has none), out[i] for keys[i]. Each step runs over
// all the keys before the next, so that the memory reads of different
// keys do not wait on each other: their cache misses overlap, where one
// key after the other they add up.
func (m *pointMap) entries(keys []Key, out []row) {
	t := m.tab.Load()
	var at [entriesBatch]uint64
	var es [entriesBatch]*pointEntry
	for lo := 0; lo < len(keys); lo += entriesBatch {
		n := min(len(keys)-lo, entriesBatch)
		ks := keys[lo : lo+n]
		for i, k := range ks {
			at[i] = m.hash(k) & t.mask
			es[i] = t.slots[at[i]].Load()
		}
		for i, k := range ks {
			if _, e := t.probe(at[i], k, es[i]); e != nil {
				out[lo+i] = e.r
			} else {
				out[lo+i] = row{}
			}
		}
	}
}

// entriesBatch is how many keys entries looks up side by side.
const entriesBatch = 32

func (m *pointMap) entry(k Key) *pointEntry {
	t := m.tab.Load()
	i := m.hash(k) & t.mask
	_, e := t.probe(i, k, t.slots[i].Load())
	return e
}

// probe follows the slots from i, whose entry is e, to the slot of k's
// entry or to the empty slot where k would go (entry nil).
func (t *pointTable) probe(i uint64, k Key, e *pointEntry) (uint64, *pointEntry) {
	for e != nil && e.r.key != k {
		i = (i + 1) & t.mask
		e = t.slots[i].Load()
	}
	return i, e
}

// storedBelow reports whether every key the writer stored into the map
// comes before k, so that the map has no row of k but one a reader took
// from a B-tree.
func (m *pointMap) storedBelow(k Key) bool {
	switch {
	case m.strs.Load():
		return false // the greatest text is not kept
	case !m.ints.Load():
		return true // nothing stored
	default:
		return k.IsInt && k.Int > m.maxInt.Load()
	}
}

// store sets the row of its key. Only the writer calls it.
func (m *pointMap) store(r row) {
	if k := r.key; !k.IsInt {
		m.strs.Store(true)
	} else if !m.ints.Load() || k.Int > m.maxInt.Load() {
		m.maxInt.Store(k.Int)
		m.ints.Store(true)
	}
	t := m.tab.Load()
	if 2*(m.n.Load()+1) > int64(len(t.slots)) {
		t = m.grow(t)
	}
	e := &pointEntry{r: r}
	i := m.hash(r.key) & t.mask
	for {
		var old *pointEntry
		i, old = t.probe(i, r.key, t.slots[i].Load())
		if old != nil {
			t.slots[i].Store(e)
			return
		}
		if t.slots[i].CompareAndSwap(nil, e) {
			m.n.Add(1)
			return
		}
		// A reader's row took the slot: its key's, replaced next, or
		// another's, passed.
	}
}

// replace sets the row of its key if the map has one: a row the writer
// changed without writing it (a trim), which the map need not take in
// if it does not hold it. Only the writer calls it.
func (m *pointMap) replace(r row) {
	t := m.tab.Load()
	i := m.hash(r.key) & t.mask
	if i, old := t.probe(i, r.key, t.slots[i].Load()); old != nil {
		t.slots[i].Store(&pointEntry{r: r})
	}
}

// add puts r, which a reader found in its state's B-tree, in the map if
// the map has room for it and does not have its key: a row the writer
// stored since is newer.
//
// A reader counts its row in before it looks for a slot, and out again if
// it finds none: readers at once never fill more than half the slots
// between them, so a probe always ends at an empty one.
func (m *pointMap) add(r row) {
	if m.n.Load() >= m.limit {
		return // full: no write to the count every reader shares
	}
	t := m.tab.Load()
	if n := m.n.Add(1); n > m.limit || 2*n > int64(len(t.slots)) {
		m.n.Add(-1)
		return // the writer grows a table, readers do not
	}
	i := m.hash(r.key) & t.mask
	i, old := t.probe(i, r.key, t.slots[i].Load())
	if old != nil || !t.slots[i].CompareAndSwap(nil, &pointEntry{r: r}) {
		m.n.Add(-1)
	}
}

// grow copies the entries into a table twice the size and publishes it.
// Readers still on the old table see what it held when they loaded it,
// which is every version up to their view's seq.
func (m *pointMap) grow(old *pointTable) *pointTable {
	size := 2 * len(old.slots)
	t := &pointTable{mask: uint64(size - 1), slots: make([]atomic.Pointer[pointEntry], size)}
	n := 0 // readers' rows added to the old table meanwhile are lost
	for i := range old.slots {
		e := old.slots[i].Load()
		if e == nil {
			continue
		}
		n++
		for j := m.hash(e.r.key) & t.mask; ; j = (j + 1) & t.mask {
			if t.slots[j].Load() == nil {
				t.slots[j].Store(e)
				break
			}
		}
	}
	m.tab.Store(t)
	m.n.Store(int64(n))
	return t
}
