package engine

import "sync"

// docCache holds documents read from the log (tableLog.read), up to a
// budget of bytes, so that a document read again is not read from its
// segment again. It is shared by the tables of a database. Each of its
// shards evicts by CLOCK: an entry read since the hand last passed it is
// spared once.
type docCache struct {
	shards [cacheShards]cacheShard
}

const (
	cacheShards = 64
	// cacheEntryCost is what an entry costs beside its document: the map
	// slot, the entry and the slice header, about.
	cacheEntryCost = 96
)

type cacheKey struct {
	lg  *tableLog
	seq uint64
}

type cacheShard struct {
	mu      sync.Mutex
	budget  int64
	bytes   int64
	index   map[cacheKey]int32
	entries []cacheEntry
	free    []int32 // slots of entries evicted and not taken again
	hand    int
}

type cacheEntry struct {
	key  cacheKey
	doc  []byte
	used bool
}

// newDocCache returns a cache of about size bytes; nil (no cache) when
// size is not positive.
func newDocCache(size int64) *docCache {
	if size <= 0 {
		return nil
	}
	c := &docCache{}
	for i := range c.shards {
		c.shards[i].budget = size / cacheShards
		c.shards[i].index = map[cacheKey]int32{}
	}
	return c
}

func (c *docCache) shard(k cacheKey) *cacheShard {
	h := k.seq * 0x9e3779b97f4a7c15
	return &c.shards[h>>(64-6)]
}

// get returns the cached document of k (nil: none).
func (c *docCache) get(k cacheKey) []byte {
	if c == nil {
		return nil
	}
	s := c.shard(k)
	s.mu.Lock()
	i, ok := s.index[k]
	var doc []byte
	if ok {
		e := &s.entries[i]
		e.used = true
		doc = e.doc
	}
	s.mu.Unlock()
	return doc
}

// put caches doc, which no one changes after, as k's document.
func (c *docCache) put(k cacheKey, doc []byte) {
	if c == nil {
		return
	}
	cost := int64(len(doc)) + cacheEntryCost
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.index[k]; ok || cost > s.budget {
		return
	}
	// Evict until the document fits.
	for s.bytes+cost > s.budget && len(s.index) > 0 {
		if s.hand >= len(s.entries) {
			s.hand = 0
		}
		e := &s.entries[s.hand]
		switch {
		case e.doc == nil: // a free slot
		case e.used:
			e.used = false
		default:
			delete(s.index, e.key)
			s.bytes -= int64(len(e.doc)) + cacheEntryCost
			*e = cacheEntry{}
			s.free = append(s.free, int32(s.hand))
		}
		s.hand++
	}
	var slot int
	if n := len(s.free); n > 0 {
		slot, s.free = int(s.free[n-1]), s.free[:n-1]
	} else {
		s.entries = append(s.entries, cacheEntry{})
		slot = len(s.entries) - 1
	}
	s.entries[slot] = cacheEntry{key: k, doc: doc}
	s.index[k] = int32(slot)
	s.bytes += cost
}
