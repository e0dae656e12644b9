package engine

import (
	"bytes"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"unsafe"
)

// docCache holds documents read back (from the log, tableLog.read; from
// the version index, newestDoc), up to a budget of bytes, so that a
// document read again is not read again. It is shared by the tables of a
// database.
//
// Each shard appends the documents it is given to slabs, byte arrays
// that are never written over while they hold documents, and evicts the
// oldest slab whole when it is over its budget; a document found in the
// oldest quarter of the slabs moves to the newest, so what is read again
// stays. A slab holds each document after its length and its key; the
// shard's table (placeTable) maps a key to a place, both packed in 8
// bytes. A document costs 12 bytes in its slab and 16 to 21 in the table
// beside its own bytes.
//
// The slabs and the table are outside the collector's heap (slabAlloc:
// anonymous mappings where the system has them), so the cache's budget
// is what it costs: a heap the collector lets grow by half or all of
// what it holds would hold the cache one and a half or two times. That
// is safe because nothing refers to them but the shard: a document is
// handed out as a copy, made under the shard's lock, and close frees
// them under the same locks, after which the cache holds nothing.
type docCache struct {
	shards [cacheShards]cacheShard
}

const (
	cacheShards = 64
	// cacheRecord is the bytes before a document in its slab: its
	// length (4) and its key (8).
	cacheRecord = 12
	// slabSize is the size of a slab, unless the shard's budget is small
	// (an eighth of it then) or a document larger (a slab of its own).
	slabSize = 64 << 10
	// The key packs a table's log's number and a seq: documents of a
	// seq or a number beyond them are not cached.
	seqBits = 40
	maxLogs = 1<<(64-seqBits) - 1
)

// cacheKey names a document: the seq of its version in the table whose
// log has number lg (tableLog.num); 0 when it cannot be cached.
type cacheKey uint64

// logNums numbers the tables' logs for cacheKey.
var logNums atomic.Uint32

func newCacheKey(lg *tableLog, seq uint64) cacheKey {
	if lg == nil || lg.num == 0 || lg.num > maxLogs || seq >= 1<<seqBits {
		return 0
	}
	return cacheKey(uint64(lg.num)<<seqBits | seq)
}

type cacheShard struct {
	mu     sync.Mutex
	budget int64
	bytes  int64 // the slabs' sizes and the table's
	slab   int   // the size of a new slab
	// index maps a key to its document's slab (its number, counted from
	// the first slab the shard made) and offset.
	index placeTable
	slabs [][]byte // oldest first; slabs[i] has number first+i
	first uint64
	// spare is the last slab evicted, kept for the next one made rather
	// than freed and mapped again.
	spare  []byte
	closed bool
}

// newDocCache returns a cache of about size bytes; nil (no cache) when
// size is not positive.
func newDocCache(size int64) *docCache {
	if size <= 0 {
		return nil
	}
	c := &docCache{}
	for i := range c.shards {
		s := &c.shards[i]
		s.budget = size / cacheShards
		s.slab = int(min(slabSize, max(s.budget/8, 256)))
	}
	return c
}

func (c *docCache) shard(k cacheKey) *cacheShard {
	h := uint64(k) * 0x9e3779b97f4a7c15
	return &c.shards[h>>(64-6)]
}

// get returns a copy of the cached document of k (nil: none): a
// document in a slab would keep the whole slab in memory for as long as
// it is held.
func (c *docCache) get(k cacheKey) []byte {
	if c == nil || k == 0 {
		return nil
	}
	s := c.shard(k)
	s.mu.Lock()
	at, ok := s.index.get(k)
	if !ok {
		s.mu.Unlock()
		return nil
	}
	n, doc := s.doc(at)
	if n < len(s.slabs)/4 {
		// In the oldest quarter: moved to the newest slab, to outlive
		// the evictions that are near.
		doc = s.add(k, doc)
	}
	doc = bytes.Clone(doc) // under the lock: the slab may go after it
	s.mu.Unlock()
	return doc
}

// doc returns the document at at, a place the index holds, and the
// place of its slab among the shard's. Callers hold mu.
func (s *cacheShard) doc(at uint64) (int, []byte) {
	n := int(at>>32 - s.first)
	b := s.slabs[n]
	off := uint32(at)
	end := off + cacheRecord + binary.LittleEndian.Uint32(b[off:])
	return n, b[off+cacheRecord : end : end]
}

// put caches a copy of doc as k's document.
func (c *docCache) put(k cacheKey, doc []byte) {
	if c == nil || k == 0 {
		return
	}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.index.get(k); ok || s.closed || int64(len(doc))+cacheRecord+placeSlot > s.budget/2 {
		return
	}
	s.add(k, doc)
}

// add appends doc to the newest slab, or to a new one, places k there
// and returns the copy; it evicts the oldest slabs while the shard is
// over its budget. Callers hold mu.
func (s *cacheShard) add(k cacheKey, doc []byte) []byte {
	need := cacheRecord + len(doc)
	last := len(s.slabs) - 1
	if last < 0 || cap(s.slabs[last])-len(s.slabs[last]) < need {
		sl := s.newSlab(max(s.slab, need))
		s.slabs = append(s.slabs, sl)
		s.bytes += int64(cap(sl))
		last++
	}
	sl := s.slabs[last]
	off := len(sl)
	sl = binary.LittleEndian.AppendUint32(sl, uint32(len(doc)))
	sl = binary.LittleEndian.AppendUint64(sl, uint64(k))
	sl = append(sl, doc...)
	s.slabs[last] = sl
	was := s.index.size()
	s.index.set(k, (s.first+uint64(last))<<32|uint64(off))
	s.bytes += s.index.size() - was
	for s.bytes > s.budget && len(s.slabs) > 1 {
		s.evict()
	}
	return sl[off+cacheRecord : off+need : off+need]
}

// evict drops the oldest slab and the entries it holds (those of its keys
// that moved to a newer slab stay).
func (s *cacheShard) evict() {
	old := s.slabs[0]
	for off := 0; off < len(old); {
		n := int(binary.LittleEndian.Uint32(old[off:]))
		k := cacheKey(binary.LittleEndian.Uint64(old[off+4:]))
		if at, ok := s.index.get(k); ok && at>>32 == s.first {
			s.index.del(k)
		}
		off += cacheRecord + n
	}
	s.bytes -= int64(cap(old))
	s.slabs[0] = nil
	s.slabs = s.slabs[1:]
	s.first++
	if cap(old) == s.slab && s.spare == nil {
		s.spare = old[:0]
	} else {
		slabFree(old)
	}
}

// newSlab returns an empty slab of n bytes: the spare one if it fits.
func (s *cacheShard) newSlab(n int) []byte {
	if b := s.spare; b != nil && cap(b) == n {
		s.spare = nil
		return b
	}
	return slabAlloc(n)[:0]
}

// close frees the slabs and the tables; the cache is empty, and stays so,
// after it. Readers of the cache may still call it: they miss.
func (c *docCache) close() {
	if c == nil {
		return
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for _, sl := range s.slabs {
			slabFree(sl)
		}
		if s.spare != nil {
			slabFree(s.spare)
		}
		s.index.free()
		s.slabs, s.spare, s.bytes, s.closed = nil, nil, 0, true
		s.mu.Unlock()
	}
}

// placeTable maps cache keys to places: open addressing with linear
// probing over pairs of words (key, place) in memory from slabAlloc, at
// most three quarters full; key 0, which names no document, marks a free
// slot. A deletion moves the entries after it back (no tombstones).
type placeTable struct {
	mem   []byte   // from slabAlloc; nil before the first set
	slots []uint64 // mem as words: key, place, key, place...
	n     int
}

const (
	// placeSlot is the bytes of a slot, a key and a place.
	placeSlot = 16
	// minPlaces is the slots of a new table.
	minPlaces = 16
)

// home returns where k's probe starts in a table of mask+1 slots.
func placeHome(k uint64, mask int) int {
	k ^= k >> 31
	k *= 0xbf58476d1ce4e5b9
	k ^= k >> 29
	return int(k) & mask
}

// find returns the slot of k, or the free slot where it would go.
func (t *placeTable) find(k cacheKey) (int, bool) {
	mask := len(t.slots)/2 - 1
	for i := placeHome(uint64(k), mask); ; i = (i + 1) & mask {
		switch t.slots[2*i] {
		case uint64(k):
			return i, true
		case 0:
			return i, false
		}
	}
}

func (t *placeTable) get(k cacheKey) (uint64, bool) {
	if t.n == 0 {
		return 0, false
	}
	i, ok := t.find(k)
	return t.slots[2*i+1], ok
}

// set places k at place, growing the table first when it would be more
// than three quarters full.
func (t *placeTable) set(k cacheKey, place uint64) {
	if places := len(t.slots) / 2; 4*(t.n+1) > 3*places {
		t.grow(max(2*places, minPlaces))
	}
	i, ok := t.find(k)
	if !ok {
		t.slots[2*i] = uint64(k)
		t.n++
	}
	t.slots[2*i+1] = place
}

// del removes k, moving back each entry after it whose probe would
// otherwise no longer reach it.
func (t *placeTable) del(k cacheKey) {
	if t.n == 0 {
		return
	}
	i, ok := t.find(k)
	if !ok {
		return
	}
	mask := len(t.slots)/2 - 1
	for j := (i + 1) & mask; t.slots[2*j] != 0; j = (j + 1) & mask {
		// The entry at j stays unless its home is outside (i, j],
		// cyclically: the hole at i would cut its probe.
		h := placeHome(t.slots[2*j], mask)
		if (j-h)&mask >= (j-i)&mask {
			t.slots[2*i], t.slots[2*i+1] = t.slots[2*j], t.slots[2*j+1]
			i = j
		}
	}
	t.slots[2*i], t.slots[2*i+1] = 0, 0
	t.n--
}

// grow moves the entries to a table of places slots.
func (t *placeTable) grow(places int) {
	mem := slabAlloc(places * placeSlot)
	nt := placeTable{mem: mem, slots: unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(mem))), 2*places)}
	for i := 0; i < len(t.slots); i += 2 {
		if k := t.slots[i]; k != 0 {
			j, _ := nt.find(cacheKey(k))
			nt.slots[2*j], nt.slots[2*j+1] = k, t.slots[i+1]
			nt.n++
		}
	}
	t.free()
	*t = nt
}

// size returns the table's bytes.
func (t *placeTable) size() int64 { return int64(len(t.mem)) }

func (t *placeTable) free() {
	if t.mem != nil {
		slabFree(t.mem)
	}
	*t = placeTable{}
}
