package engine

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// pointMap finds a row by key for readers without locks: an open-addressing
// hash table whose slots are atomic pointers to immutable entries. One
// writer stores entries; readers load the table and a slot and follow one
// pointer, so a lookup touches about three cache lines where a B-tree walk
// touches a dozen. Keys are never removed (a compaction builds a new map).
type pointMap struct {
	tab  atomic.Pointer[pointTable]
	seed maphash.Seed
	n    int // entries; writer only
}

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

func newPointMap(capacity int) *pointMap {
	m := &pointMap{seed: maphash.MakeSeed()}
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

// load returns the row stored for k.
func (m *pointMap) load(k Key) (row, bool) {
	if e := m.entry(k); e != nil {
		return e.r, true
	}
	return row{}, false
}

// loadAt returns the seq, unix_ms and document of k's version visible at
// seq; doc is nil when k has no live version by then.
func (m *pointMap) loadAt(lg *tableLog, k Key, seq uint64) (vseq uint64, ms int64, doc []byte, err error) {
	return m.entry(k).at(lg, seq)
}

// entries finds the entries of several keys (nil where a key has none),
// out[i] for keys[i]. Each step runs over all the keys before the next, so
// that the memory reads of different keys do not wait on each other: their
// cache misses overlap, where one key after the other they add up.
func (m *pointMap) entries(keys []Key, out []*pointEntry) {
	t := m.tab.Load()
	var at [entriesBatch]uint64
	for lo := 0; lo < len(keys); lo += entriesBatch {
		n := min(len(keys)-lo, entriesBatch)
		ks, es := keys[lo:lo+n], out[lo:lo+n]
		for i, k := range ks {
			at[i] = m.hash(k) & t.mask
			es[i] = t.slots[at[i]].Load()
		}
		for i, k := range ks {
			_, es[i] = t.probe(at[i], k, es[i])
		}
	}
}

// entriesBatch is how many keys entries looks up side by side.
const entriesBatch = 32

// at returns the seq, unix_ms and document of e's version visible at
// seq; doc is nil when it has no live version by then.
func (e *pointEntry) at(lg *tableLog, seq uint64) (vseq uint64, ms int64, doc []byte, err error) {
	if e == nil {
		return 0, 0, nil, nil
	}
	if n := e.r.newest(); n.seq <= seq {
		return n.seq, n.ms, n.doc(), nil
	}
	return e.r.docAt(lg, seq)
}

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

// store sets the row of its key. Only the writer calls it.
func (m *pointMap) store(r row) {
	t := m.tab.Load()
	if 2*(m.n+1) > len(t.slots) {
		t = m.grow(t)
	}
	e := &pointEntry{r: r}
	i := m.hash(r.key) & t.mask
	i, old := t.probe(i, r.key, t.slots[i].Load())
	if old == nil {
		m.n++
	}
	t.slots[i].Store(e)
}

// fill stores the rows of a tree into m, new and made for as many rows.
// A large tree is stored by workers goroutines, the tree walked by one
// and its rows handed out in batches: its keys are distinct, so each row
// takes the first empty slot from its hash on, claimed by a swap, with no
// key to compare. (The stores are most of the cost: a cache miss on a
// slot and an entry's allocation. Opening 2M rows, one goroutine took
// 0.63 s of 2 s.)
func (m *pointMap) fill(rows *rowTree, workers int) {
	const batchLen = 1024
	if rows.Len() < 16*batchLen || workers < 2 {
		rows.Ascend(func(r row) bool {
			m.store(r)
			return true
		})
		return
	}
	t := m.tab.Load()
	full, free := make(chan []row, workers), make(chan []row, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range full {
				for _, r := range b {
					e := &pointEntry{r: r}
					i := m.hash(r.key) & t.mask
					for !t.slots[i].CompareAndSwap(nil, e) {
						i = (i + 1) & t.mask
					}
				}
				select {
				case free <- b[:0]:
				default: // the walk is over, or has batches enough
				}
			}
		})
	}
	b := make([]row, 0, batchLen)
	rows.Ascend(func(r row) bool {
		if b = append(b, r); len(b) == batchLen {
			full <- b
			select {
			case b = <-free:
			default:
				b = make([]row, 0, batchLen)
			}
		}
		return true
	})
	full <- b
	close(full)
	wg.Wait()
	m.n = rows.Len()
}

// grow copies the entries into a table twice the size and publishes it.
// Readers still on the old table see what it held when they loaded it,
// which is every version up to their view's seq.
func (m *pointMap) grow(old *pointTable) *pointTable {
	size := 2 * len(old.slots)
	t := &pointTable{mask: uint64(size - 1), slots: make([]atomic.Pointer[pointEntry], size)}
	for i := range old.slots {
		e := old.slots[i].Load()
		if e == nil {
			continue
		}
		for j := m.hash(e.r.key) & t.mask; ; j = (j + 1) & t.mask {
			if t.slots[j].Load() == nil {
				t.slots[j].Store(e)
				break
			}
		}
	}
	m.tab.Store(t)
	return t
}
