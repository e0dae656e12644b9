package engine

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestPointMapGrowsUnderReaders stores keys while readers look up every key
// stored so far: each must be found with its newest or an earlier row,
// through every resize.
func TestPointMapGrowsUnderReaders(t *testing.T) {
	m := newPointMap(0)
	const n = 20000
	var stored atomic.Int64
	keyOf := func(i int) Key {
		if i%2 == 0 {
			return Key{Int: int64(i), IsInt: true}
		}
		return Key{Str: fmt.Sprintf("k%d", i)}
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for stored.Load() < n {
				upto := int(stored.Load())
				for i := 0; i < upto; i += 97 {
					e := m.entry(keyOf(i))
					ok := e != nil
					var r row
					if ok {
						r = e.r
					}
					if !ok || r.key != keyOf(i) || len(r.versions) == 0 || r.versions[0].seq != uint64(i+1) {
						t.Errorf("key %d: %v %+v", i, ok, r)
						return
					}
				}
			}
		})
	}
	for i := range n {
		k := keyOf(i)
		m.store(newRow(k, []version{{seq: uint64(i + 1)}}))
		if i%3 == 0 { // an update of an existing key
			m.store(newRow(k, []version{{seq: uint64(i + 1)}, {seq: uint64(n + i)}}))
		}
		stored.Store(int64(i + 1))
	}
	wg.Wait()
	if m.entry(Key{Str: "absent"}) != nil {
		t.Fatal("found a key never stored")
	}
	if m.n.Load() != n {
		t.Fatalf("%d entries, want %d", m.n.Load(), n)
	}
}

// TestPointMapEntries looks up many keys at once, present and absent, in
// a table full enough that probes run past other keys' slots: each answer
// is what a lookup of that key alone gives.
func TestPointMapEntries(t *testing.T) {
	m := newPointMap(0)
	keyOf := func(i int) Key {
		if i%3 == 0 {
			return Key{Str: fmt.Sprintf("k%d", i)}
		}
		return Key{Int: int64(i), IsInt: true}
	}
	const n = 5000
	for i := 0; i < n; i += 2 { // odd keys stay absent
		m.store(newRow(keyOf(i), []version{{seq: uint64(i + 1)}}))
	}
	for _, count := range []int{0, 1, 10, entriesBatch, entriesBatch + 1, 3*entriesBatch + 5} {
		keys := make([]Key, count)
		present := make([]bool, count)
		for i := range keys {
			j := (i * 7919) % (n + 10) // a spread, some past the stored range
			keys[i], present[i] = keyOf(j), j%2 == 0 && j < n
		}
		got := make([]row, count)
		for i := range got {
			got[i] = seqRow(Key{Str: "stale"}, 1) // overwritten, found or not
		}
		m.entries(keys, got)
		for i, k := range keys {
			e := m.entry(k)
			if (got[i].versions != nil) != present[i] || (e != nil) != present[i] || e != nil && (got[i].key != k || rowSeq(got[i]) != rowSeq(e.r)) {
				t.Fatalf("%d keys: key %v: row %v/%d, want present=%v", count, k, got[i].key, len(got[i].versions), present[i])
			}
		}
	}
}

// TestPointCache: readers add rows they found in their state's B-tree
// (all at seq 1) while the writer stores newer rows of half the keys (seq
// 2) and grows the map under them. Every key the writer stored ends with
// its row, never a reader's older one; the readers add none past the
// limit; a key the map lacks is found in the tree, and a tableState finds
// every row whether the map has it or not.
func TestPointCache(t *testing.T) {
	const n = 20_000
	tr := newRowTree()
	for i := range n {
		tr.ReplaceOrInsert(seqRow(Key{Int: int64(i), IsInt: true}, 1))
	}
	m := newPointMap(0)
	m.limit = n / 4
	var done atomic.Bool
	var looked atomic.Int64
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for j := 0; !done.Load(); j++ {
				looked.Add(1)
				k := Key{Int: int64((j*7919 + w*31) % n), IsInt: true}
				if m.entry(k) != nil {
					continue
				}
				if r, ok := tr.Get(row{key: k}); ok {
					m.add(r)
				}
			}
		})
	}
	// The writer starts once the readers run, so their adds race its
	// stores even where goroutines start slowly.
	for looked.Load() < 1000 {
		runtime.Gosched()
	}
	for i := 0; i < n; i += 2 {
		m.store(seqRow(Key{Int: int64(i), IsInt: true}, 2))
	}
	done.Store(true)
	wg.Wait()
	readers := 0
	for i := range n {
		e := m.entry(Key{Int: int64(i), IsInt: true})
		switch {
		case i%2 == 0 && (e == nil || rowSeq(e.r) != 2):
			t.Fatalf("key %d, stored by the writer: %+v", i, e)
		case i%2 == 1 && e != nil:
			readers++
		}
	}
	if readers == 0 || readers > int(m.limit)+8 {
		t.Fatalf("%d rows added by readers, limit %d", readers, m.limit)
	}

	ts := &tableState{rows: tr, point: newPointCache(tr.Len())}
	ts.point.limit = 100
	for i := range n {
		r, ok := ts.find(Key{Int: int64(i), IsInt: true})
		if !ok || rowSeq(r) != 1 {
			t.Fatalf("find %d: %v %v", i, ok, r)
		}
	}
	if got := ts.point.n.Load(); got != 100 {
		t.Fatalf("%d rows in the map after the finds, limit 100", got)
	}
	keys := []Key{{Int: 5, IsInt: true}, {Int: 5000, IsInt: true}, {Int: -1, IsInt: true}, {Str: "x"}}
	found := make([]row, len(keys))
	ts.findAll(keys, found)
	if rowSeq(found[0]) != 1 || rowSeq(found[1]) != 1 || found[2].versions != nil || found[3].versions != nil {
		t.Fatalf("findAll: %v", found)
	}
	// The zero row of a key not found reads as no version at any seq.
	if seq, _, doc, err := found[2].docAt(nil, ^uint64(0)); seq != 0 || doc != nil || err != nil {
		t.Fatalf("the row of a key not found: seq %d, document %x, %v", seq, doc, err)
	}
	// The writer's stores past twice the limit start a new map.
	old := ts.point
	for i := range 300 {
		ts.refreshPoint([]row{seqRow(Key{Int: int64(i), IsInt: true}, 3)})
	}
	if ts.point == old || ts.point.n.Load() >= 200 {
		t.Fatalf("the map was not replaced: %d entries", ts.point.n.Load())
	}
	if r, ok := ts.find(Key{Int: 299, IsInt: true}); !ok || rowSeq(r) != 3 {
		t.Fatalf("a row stored after the new map: %v %v", ok, r)
	}
}

// TestPointCacheReset: when the writer starts a new point map, views
// made after it read every row written since by key, though the
// published state's tree lags (states are published lazily).
func TestPointCacheReset(t *testing.T) {
	db := smallPointCache(t)
	for i := range 200 {
		for _, round := range []int{0, 1} {
			tx := db.Begin()
			var err error
			if round == 0 {
				_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "n": 0}`, i))
			} else {
				err = tx.Patch("t", int64(i), []byte(`{"n": 1}`))
			}
			mustExec(t, err)
			_, err = tx.Commit(ctx)
			mustExec(t, err)
			for j := range i + 1 {
				want := int64(1)
				if j == i && round == 0 {
					want = 0
				}
				r, ok, err := db.View().Get("t", int64(j))
				mustExec(t, err)
				if !ok {
					t.Fatalf("after the write %d.%d: row %d not found", i, round, j)
				}
				doc, err := r.Doc()
				mustExec(t, err)
				if n, _ := doc["n"].(int64); n != want {
					t.Fatalf("after the write %d.%d: row %d has n %v, want %d", i, round, j, doc["n"], want)
				}
			}
		}
	}
}

// TestPointCacheLargeCommit: a commit of more rows than the point map's
// limit replaces the map without storing them; every view made after it
// reads every row by key, the rows written before it as they are after
// it (one of them it changed), and the map fills again as it is read.
func TestPointCacheLargeCommit(t *testing.T) {
	db := smallPointCache(t)
	check := func(n int, changed int64) {
		t.Helper()
		v := db.View()
		for i := range int64(n) {
			r, ok, err := v.Get("t", i)
			mustExec(t, err)
			if !ok {
				t.Fatalf("row %d of %d not found", i, n)
			}
			doc, err := r.Doc()
			mustExec(t, err)
			want := int64(0)
			if i == changed {
				want = 1
			}
			if got, _ := doc["n"].(int64); got != want {
				t.Fatalf("row %d has n %v, want %d", i, doc["n"], want)
			}
		}
	}
	mustCommit(t, db, func(tx *Txn) error {
		for i := range 10 {
			if _, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "n": 0}`, i)); err != nil {
				return err
			}
		}
		return nil
	})
	check(10, -1) // the map holds rows 0-9 now
	before := db.work["t"].point
	mustCommit(t, db, func(tx *Txn) error {
		if err := tx.Patch("t", int64(3), []byte(`{"n": 1}`)); err != nil {
			return err
		}
		for i := 10; i < 100; i++ {
			if _, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "n": 0}`, i)); err != nil {
				return err
			}
		}
		return nil
	})
	m := db.work["t"].point
	if m == before || m.n.Load() != 0 {
		t.Fatalf("after a commit of 91 rows the map is the one before (%v) or holds %d rows", m == before, m.n.Load())
	}
	check(100, 3)
	if n := m.n.Load(); n == 0 || n > int64(pointCacheRows) {
		t.Fatalf("after reads of every row the map holds %d rows, want 1 to %d", n, pointCacheRows)
	}
	check(100, 3)
}

// smallPointCache opens a database whose point maps hold 16 rows, with a
// table t keyed by id; the limit goes back, and the database closes, at
// the test's end.
func smallPointCache(t *testing.T) *DB {
	t.Helper()
	n := pointCacheRows
	pointCacheRows = 16
	db := openDB(t, t.TempDir(), Options{SnapshotEvents: -1, SnapshotBytes: -1})
	t.Cleanup(func() {
		db.Close()
		pointCacheRows = n
	})
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	return db
}
