package engine

import (
	"bytes"
	"encoding/binary"
	"sync"
	"sync/atomic"
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
// stays. The index maps a packed key to a packed place, with no pointer
// the collector has to follow.
//
// The slabs are outside the collector's heap (slabAlloc: anonymous
// mappings where the system has them), so the cache's budget is what it
// costs: a heap the collector lets grow to twice what it holds would
// hold the cache twice. That is safe because nothing refers to a slab
// but the shard: a document is handed out as a copy, made under the
// shard's lock, and close frees the slabs under the same locks, after
// which the cache holds nothing.
type docCache struct {
	shards [cacheShards]cacheShard
}

const (
	cacheShards = 64
	// cacheEntryCost is what an entry costs beside its document: its map
	// slot, its key in its slab's list and its length before it, about.
	cacheEntryCost = 40
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
	bytes  int64
	slab   int // the size of a new slab
	// index maps a key to its document's slab (its number, counted from
	// the first slab the shard made) and offset.
	index map[cacheKey]uint64
	slabs []*cacheSlab // oldest first; slabs[i] has number first+i
	first uint64
	// spare is the last slab evicted, kept for the next one made rather
	// than freed and mapped again.
	spare  []byte
	closed bool
}

// cacheSlab holds documents, each after its length (4 bytes), and the
// keys of those the index places in it.
type cacheSlab struct {
	buf  []byte
	keys []cacheKey
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
		s.index = map[cacheKey]uint64{}
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
	at, ok := s.index[k]
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
	s.mu.Unlock()
	return bytes.Clone(doc) // the slab's bytes are never written over
}

// doc returns the document at at, a place the index holds, and the
// place of its slab among the shard's. Callers hold mu.
func (s *cacheShard) doc(at uint64) (int, []byte) {
	n := int(at>>32 - s.first)
	b := s.slabs[n].buf
	off := uint32(at)
	end := off + 4 + binary.LittleEndian.Uint32(b[off:])
	return n, b[off+4 : end : end]
}

// put caches a copy of doc as k's document.
func (c *docCache) put(k cacheKey, doc []byte) {
	if c == nil || k == 0 {
		return
	}
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.index[k]; ok || s.closed || int64(len(doc))+cacheEntryCost > s.budget/2 {
		return
	}
	s.add(k, doc)
}

// add appends doc to the newest slab, or to a new one, places k there
// and returns the copy; it evicts the oldest slabs while the shard is
// over its budget. Callers hold mu.
func (s *cacheShard) add(k cacheKey, doc []byte) []byte {
	need := 4 + len(doc)
	last := len(s.slabs) - 1
	if last < 0 || cap(s.slabs[last].buf)-len(s.slabs[last].buf) < need {
		sl := &cacheSlab{buf: s.newSlab(max(s.slab, need))}
		s.slabs = append(s.slabs, sl)
		s.bytes += int64(cap(sl.buf))
		last++
	}
	sl := s.slabs[last]
	off := len(sl.buf)
	sl.buf = binary.LittleEndian.AppendUint32(sl.buf, uint32(len(doc)))
	sl.buf = append(sl.buf, doc...)
	sl.keys = append(sl.keys, k)
	if _, ok := s.index[k]; !ok {
		s.bytes += cacheEntryCost
	}
	s.index[k] = (s.first+uint64(last))<<32 | uint64(off)
	for s.bytes > s.budget && len(s.slabs) > 1 {
		s.evict()
	}
	return sl.buf[off+4 : off+need : off+need]
}

// evict drops the oldest slab and the entries it holds (those of its keys
// that moved to a newer slab stay).
func (s *cacheShard) evict() {
	old := s.slabs[0]
	for _, k := range old.keys {
		if at, ok := s.index[k]; ok && at>>32 == s.first {
			delete(s.index, k)
			s.bytes -= cacheEntryCost
		}
	}
	s.bytes -= int64(cap(old.buf))
	s.slabs[0] = nil
	s.slabs = s.slabs[1:]
	s.first++
	if cap(old.buf) == s.slab && s.spare == nil {
		s.spare = old.buf[:0]
	} else {
		slabFree(old.buf)
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

// close frees the slabs; the cache is empty, and stays so, after it.
// Readers of the cache may still call it: they miss.
func (c *docCache) close() {
	if c == nil {
		return
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for _, sl := range s.slabs {
			slabFree(sl.buf)
		}
		if s.spare != nil {
			slabFree(s.spare)
		}
		s.slabs, s.spare, s.index, s.bytes, s.closed = nil, nil, map[cacheKey]uint64{}, 0, true
		s.mu.Unlock()
	}
}
