package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestDocCacheBudget: the cache keeps within its budget however much goes
// in, finds what it keeps with the bytes put, keeps an entry read again
// and again, and leaves a document it handed out as it was.
func TestDocCacheBudget(t *testing.T) {
	const size = 64 * 4096 // 4 KiB a shard
	c := newDocCache(size)
	lg := &tableLog{num: logNums.Add(1)}
	doc := func(seq uint64) []byte { return fmt.Appendf(nil, "document %d %0100d", seq, seq) }
	hot := newCacheKey(lg, 7)
	c.put(hot, doc(7))
	var handed [][]byte // documents got, each of seq 100 + its place
	for seq := uint64(100); seq < 20_000; seq++ {
		c.put(newCacheKey(lg, seq), doc(seq))
		if seq%8 == 0 && c.get(hot) == nil {
			t.Fatalf("a document read again and again was evicted at seq %d", seq)
		}
		if seq < 200 {
			handed = append(handed, c.get(newCacheKey(lg, seq)))
		}
	}
	for i, d := range handed {
		if !bytes.Equal(d, doc(uint64(100+i))) {
			t.Fatalf("a document handed out changed after its eviction: %q", d)
		}
	}
	kept, total := 0, int64(0)
	for i := range c.shards {
		s := &c.shards[i]
		if s.bytes > s.budget {
			t.Fatalf("shard %d holds %d bytes, over its %d", i, s.bytes, s.budget)
		}
		total += s.bytes
		kept += s.index.n
	}
	if total > size || kept < 100 {
		t.Fatalf("%d bytes in %d documents", total, kept)
	}
	// Every document kept is where the index says, with its bytes (read
	// as get reads them, without moving it: a move may evict others).
	for i := range c.shards {
		s := &c.shards[i]
		for j := 0; j < len(s.index.slots); j += 2 {
			k, at := s.index.slots[j], s.index.slots[j+1]
			if k == 0 {
				continue
			}
			if got, ok := s.index.get(cacheKey(k)); !ok || got != at {
				t.Fatalf("key %x in the table is not found by its probe", k)
			}
			_, d := s.doc(at)
			if seq := uint64(k) & (1<<seqBits - 1); !bytes.Equal(d, doc(seq)) {
				t.Fatalf("seq %d: %q", seq, d)
			}
		}
	}
	// Another table's document of the same seq is another entry.
	if c.get(newCacheKey(&tableLog{num: logNums.Add(1)}, 7)) != nil {
		t.Fatal("a document found under another table")
	}
	// A document larger than a slab gets one of its own; one of a seq
	// the key cannot hold is not cached.
	big := bytes.Repeat([]byte("x"), 1500)
	c.put(newCacheKey(lg, 1), big)
	if d := c.get(newCacheKey(lg, 1)); !bytes.Equal(d, big) {
		t.Fatalf("a large document: %d bytes", len(d))
	}
	far := newCacheKey(lg, 1<<seqBits)
	c.put(far, doc(1))
	if far != 0 || c.get(far) != nil {
		t.Fatal("a document of a seq past the key's cached")
	}
	if newDocCache(0) != nil || newDocCache(-1).get(hot) != nil {
		t.Fatal("a cache of no size keeps documents")
	}
	// Closed, it frees its slabs and keeps nothing more; what it handed
	// out stays as it was.
	got := c.get(hot)
	c.close()
	if c.get(hot) != nil || !bytes.Equal(got, doc(7)) {
		t.Fatal("a closed cache still finds a document, or one it handed out changed")
	}
	c.put(hot, doc(7))
	if c.get(hot) != nil {
		t.Fatal("a closed cache took a document")
	}
	for i := range c.shards {
		if s := &c.shards[i]; len(s.slabs) > 0 || s.spare != nil || s.bytes != 0 || s.index.mem != nil {
			t.Fatalf("shard %d holds %d slabs and %d bytes after close", i, len(s.slabs), s.bytes)
		}
	}
}

// TestDocCacheConcurrent runs puts and gets side by side (for the race
// detector) and checks every document found.
func TestDocCacheConcurrent(t *testing.T) {
	c := newDocCache(1 << 20)
	lg := &tableLog{num: logNums.Add(1)}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 20_000 {
				seq := uint64(i*7+g) % 5000
				k := newCacheKey(lg, seq)
				if d := c.get(k); d != nil {
					if string(d) != fmt.Sprint(seq) {
						t.Errorf("seq %d: %q", seq, d)
						return
					}
					continue
				}
				c.put(k, []byte(fmt.Sprint(seq)))
			}
		})
	}
	// A close while they run: they miss from then on.
	wg.Go(func() {
		for c.get(newCacheKey(lg, 1)) == nil {
			c.put(newCacheKey(lg, 1), []byte("1"))
		}
		c.close()
	})
	wg.Wait()
}

// TestPlaceTable runs sets and deletions against a map: every key the map
// holds is found with its place, none other is, through growth and
// deletions that move entries back across the table's end.
func TestPlaceTable(t *testing.T) {
	var tab placeTable
	defer tab.free()
	model := map[cacheKey]uint64{}
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 200_000 {
		k := cacheKey(rng.Uint64N(3000) + 1)
		switch rng.IntN(3) {
		case 0, 1:
			tab.set(k, uint64(step))
			model[k] = uint64(step)
		case 2:
			tab.del(k)
			delete(model, k)
		}
		if step%5000 != 0 {
			continue
		}
		if tab.n != len(model) {
			t.Fatalf("step %d: %d entries, the map %d", step, tab.n, len(model))
		}
		for k := cacheKey(1); k <= 3000; k++ {
			got, ok := tab.get(k)
			want, has := model[k]
			if ok != has || got != want {
				t.Fatalf("step %d: key %d: %d %v, want %d %v", step, k, got, ok, want, has)
			}
		}
	}
	if places := len(tab.slots) / 2; 4*tab.n > 3*places {
		t.Fatalf("%d entries in %d places", tab.n, places)
	}
}
