package engine

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// TestDocCacheBudget: the cache keeps within its budget however much goes
// in, finds what it keeps with the bytes put, and spares an entry read
// since the hand last passed it.
func TestDocCacheBudget(t *testing.T) {
	const size = 64 * 4096 // 4 KiB a shard
	c := newDocCache(size)
	lg := &tableLog{}
	doc := func(seq uint64) []byte { return fmt.Appendf(nil, "document %d %0100d", seq, seq) }
	hot := cacheKey{lg, 7}
	c.put(hot, doc(7))
	for seq := uint64(100); seq < 20_000; seq++ {
		c.put(cacheKey{lg, seq}, doc(seq))
		if seq%8 == 0 && c.get(hot) == nil {
			t.Fatalf("a document read again and again was evicted at seq %d", seq)
		}
	}
	kept, total := 0, int64(0)
	for i := range c.shards {
		s := &c.shards[i]
		if s.bytes > s.budget {
			t.Fatalf("shard %d holds %d bytes, over its %d", i, s.bytes, s.budget)
		}
		total += s.bytes
		kept += len(s.index)
	}
	if total > size || kept < 100 {
		t.Fatalf("%d bytes in %d documents", total, kept)
	}
	found := 0
	for seq := uint64(100); seq < 20_000; seq++ {
		if d := c.get(cacheKey{lg, seq}); d != nil {
			found++
			if !bytes.Equal(d, doc(seq)) {
				t.Fatalf("seq %d: %q", seq, d)
			}
		}
	}
	if found != kept-1 {
		t.Fatalf("found %d of the %d documents kept", found, kept-1)
	}
	// Another table's document of the same seq is another entry.
	if c.get(cacheKey{&tableLog{}, 7}) != nil {
		t.Fatal("a document found under another table")
	}
	if newDocCache(0) != nil || newDocCache(-1).get(hot) != nil {
		t.Fatal("a cache of no size keeps documents")
	}
}

// TestDocCacheConcurrent runs puts and gets side by side (for the race
// detector) and checks every document found.
func TestDocCacheConcurrent(t *testing.T) {
	c := newDocCache(1 << 20)
	lg := &tableLog{}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 20_000 {
				seq := uint64(i*7+g) % 5000
				k := cacheKey{lg, seq}
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
	wg.Wait()
}
