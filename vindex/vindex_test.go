package vindex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// key returns a fixed-width key: fixed widths are prefix-free, as the
// engine's ordered encoding is.
func key(k int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(k)) }

// model is what a sequence of batches put, to check an index against.
type model struct {
	versions map[int][]uint64 // key → seqs, oldest first
	docs     map[uint64][]byte
}

func newModel() *model { return &model{versions: map[int][]uint64{}, docs: map[uint64][]byte{}} }

func docOf(seq uint64) []byte { return fmt.Appendf(nil, "doc %d %0200d", seq, seq) }

// versionOf is the version at seq that fill puts and check expects: a
// document one seq in three, else a patch.
func versionOf(seq uint64) Version {
	v := Version{Type: byte(seq % 5), Ms: int64(seq) * 1000}
	if seq%3 == 0 {
		v.Doc = docOf(seq)
	} else {
		v.Patch = []byte{byte(seq)}
	}
	return v
}

// fill applies n batches of up to 50 versions over keys keys, from seq
// next on, and returns the next seq and the seq each batch brought the
// index to. flush, if not nil, is called after each batch.
func fill(t *testing.T, x *Index, m *model, r *rand.Rand, next uint64, n, keys int, after func(seq uint64)) uint64 {
	t.Helper()
	for range n {
		b := x.NewBatch()
		for range 1 + r.IntN(50) {
			k := r.IntN(keys)
			if err := b.PutVersion(7, key(k), next, versionOf(next)); err != nil {
				t.Fatal(err)
			}
			m.versions[k] = append(m.versions[k], next)
			next++
		}
		if err := b.SetMark(7, Mark{Seq: next - 1, Horizon: 3, Rows: true}); err != nil {
			t.Fatal(err)
		}
		if err := b.Apply(); err != nil {
			t.Fatal(err)
		}
		if after != nil {
			after(next - 1)
		}
	}
	return next
}

// check compares every key's versions at seqs up to upTo with the
// model's, counting only the model's versions at or below upTo.
func check(t *testing.T, x *Index, m *model, upTo uint64) {
	t.Helper()
	r, err := x.NewVersions()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for k, seqs := range m.versions {
		want := slices.Clone(seqs)
		for len(want) > 0 && want[len(want)-1] > upTo {
			want = want[:len(want)-1]
		}
		slices.Reverse(want)
		var got []uint64
		for ok := r.Seek(7, key(k), ^uint64(0)); ok; ok = r.Next() {
			got = append(got, r.Seq())
			v := r.Version()
			if v.Ms != int64(r.Seq())*1000 || v.Type != byte(r.Seq()%5) {
				t.Fatalf("key %d seq %d: %+v", k, r.Seq(), v)
			}
			if (r.Seq()%3 == 0) != (v.Doc != nil) || (v.Doc != nil && !bytes.Equal(v.Doc, docOf(r.Seq()))) {
				t.Fatalf("key %d seq %d: document %q", k, r.Seq(), v.Doc)
			}
		}
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
		if !slices.Equal(got, want) {
			t.Fatalf("key %d: versions %v, want %v", k, got, want)
		}
		// A seek at each seq of the history finds the newest version at or below it.
		for _, s := range want {
			for _, at := range []uint64{s, s + 1} {
				ok := r.Seek(7, key(k), at)
				var newest uint64
				for _, w := range want {
					if w <= at {
						newest = w
						break
					}
				}
				if !ok || r.Seq() != newest {
					t.Fatalf("key %d at %d: found %v seq %d, want %d", k, at, ok, r.Seq(), newest)
				}
			}
		}
		if len(want) > 0 && r.Seek(7, key(k), want[len(want)-1]-1) {
			t.Fatalf("key %d before its first version: found seq %d", k, r.Seq())
		}
	}
}

func TestVersions(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir, Options{MemTableSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	m, r := newModel(), rand.New(rand.NewPCG(1, 2))
	next := fill(t, x, m, r, 1, 200, 300, nil)
	check(t, x, m, next)
	if m, ok, err := x.Mark(7); err != nil || !ok || m != (Mark{Seq: next - 1, Horizon: 3, Rows: true}) {
		t.Fatalf("mark %+v %v %v, want seq %d", m, ok, err, next-1)
	}
	// Another table's versions of the same keys are apart.
	b := x.NewBatch()
	if err := b.PutVersion(8, key(1), next, Version{Type: 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetMark(8, Mark{Seq: next}); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	next++
	if err := x.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	// Read-only, as verify opens it: the same versions.
	ro, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	check(t, ro, m, next)
	if err := ro.NewBatch().Apply(); err == nil {
		t.Error("a read-only index took a batch")
	}
	ro.Close()
	x, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if m, ok, err := x.Mark(8); err != nil || !ok || m.Seq != next-1 {
		t.Fatalf("mark of table 8 after reopening: %+v %v %v", m, ok, err)
	}
	check(t, x, m, next)
	// A scan of table 7 meets every version once, by key and newest first.
	total := 0
	for _, seqs := range m.versions {
		total += len(seqs)
	}
	vr, _ := x.NewVersions()
	var prevKey []byte
	var prevSeq uint64
	n := 0
	for ok := vr.Scan(7); ok; ok = vr.Next() {
		c := bytes.Compare(prevKey, vr.Key())
		if n > 0 && (c > 0 || c == 0 && vr.Seq() >= prevSeq) {
			t.Fatalf("scan: %x/%d after %x/%d", vr.Key(), vr.Seq(), prevKey, prevSeq)
		}
		prevKey, prevSeq = append(prevKey[:0], vr.Key()...), vr.Seq()
		n++
	}
	if vr.Err() != nil || n != total {
		t.Fatalf("scan met %d versions (%v), want %d", n, vr.Err(), total)
	}
	vr.Close()

	// Dropping table 8 leaves table 7 as it was.
	b = x.NewBatch()
	if err := b.DeleteTable(8); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	vr, _ = x.NewVersions()
	defer vr.Close()
	if vr.Seek(8, key(1), next) || vr.Scan(8) {
		t.Fatal("table 8 has a version after its deletion")
	}
	if _, ok, _ := x.Mark(8); ok {
		t.Fatal("table 8 has a mark after its deletion")
	}
	check(t, x, m, next)
}

// TestCrashKeepsAPrefix crashes the index's file system at random points
// of a run of batches, with random parts of what was not synced kept, and
// checks that the index reopened holds exactly the batches up to the seq
// it says it holds, and at least those before its last Flush.
func TestCrashKeepsAPrefix(t *testing.T) {
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	for round := range rounds {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			x, err := Open("idx", Options{FS: fs, MemTableSize: 64 << 10})
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(uint64(round), 9))
			m := newModel()
			var flushed, flushedBefore uint64
			crashAt := 20 + r.IntN(300)
			var clone *vfs.MemFS
			n := 0
			fill(t, x, m, r, 1, 400, 2000, func(seq uint64) {
				n++
				if r.IntN(40) == 0 {
					if err := x.Flush(); err != nil {
						t.Fatal(err)
					}
					flushed = seq
				}
				if n == crashAt {
					clone = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: r.IntN(101), RNG: r})
					flushedBefore = flushed
				}
			})
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
			if clone == nil {
				t.Fatal("no crash")
			}
			y, err := Open("idx", Options{FS: clone})
			if err != nil {
				t.Fatal(err)
			}
			defer y.Close()
			mk, _, err := y.Mark(7)
			if err != nil {
				t.Fatal(err)
			}
			d := mk.Seq
			t.Logf("crash after batch %d: durable %d, flushed before %d", crashAt, d, flushedBefore)
			if d < flushedBefore {
				t.Fatalf("durable %d after the crash, below the %d flushed before it", d, flushedBefore)
			}
			check(t, y, m, d) // versions above d included: check wants none
		})
	}
}

func TestDamagedVersion(t *testing.T) {
	for _, b := range [][]byte{
		nil, {1}, {1, 4, 0}, {1, 0}, {1, hasDoc, 2, 5, 'a'}, {1, 0, 2, 'x'}, {1, hasPatch, 2},
	} {
		if _, err := decodeVersion(b); !errors.Is(err, ErrDamaged) {
			t.Errorf("decodeVersion(% x): %v", b, err)
		}
	}
	v := Version{Type: 3, Ms: -5, Doc: []byte{}, Patch: []byte("p")}
	got, err := decodeVersion(v.append(nil))
	if err != nil || got.Type != 3 || got.Ms != -5 || got.Doc == nil || len(got.Doc) != 0 || string(got.Patch) != "p" {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
}

// BenchmarkSeek reads versions of random keys at random seqs, over
// 200,000 keys with five versions each: from the index flushed and
// compacted, with a block cache that holds it and with one that holds a
// tenth of it, where most reads take their block from the page cache; and
// from an extents file of the same versions, each key's in one extent
// whose address the reader knows (extents.go).
func BenchmarkSeek(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int64
	}{{"cached", 0}, {"uncached", 4 << 20}} {
		b.Run("cache="+bc.name, func(b *testing.B) { benchmarkSeek(b, bc.size) })
	}
	b.Run("extents", benchmarkExtents)
}

func benchmarkExtents(b *testing.B) {
	path := filepath.Join(b.TempDir(), "1.x")
	w, err := CreateExtents(vfs.Default, path, 1)
	if err != nil {
		b.Fatal(err)
	}
	const keys, versions = 200_000, 5
	addrs, sizes := make([]Addr, keys), make([]int, keys)
	patch := make([]byte, 24)
	for k := range keys {
		w.Begin(0, key(k), 0, 0)
		for v := range versions {
			// The seqs benchmarkSeek gives: round after round of every key.
			seq := uint64(v*keys + k + 1)
			w.Add(seq, Version{Type: 2, Ms: int64(seq), Patch: patch})
		}
		if addrs[k], sizes[k], err = w.End(); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Sync(); err != nil {
		b.Fatal(err)
	}
	size := w.Size()
	w.Close()
	x, err := OpenExtents(vfs.Default, path, 1, size)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	var buf []byte
	b.ResetTimer()
	for range b.N {
		k, at := rng.IntN(keys), keys+rng.Uint64N(versions*keys-keys)
		var e Extent
		if e, buf, err = x.Read(addrs[k], sizes[k], buf); err != nil {
			b.Fatal(err)
		}
		found := false
		for it := e.Versions(); ; {
			seq, _, ok := it.Next()
			if !ok || seq > at {
				break
			}
			found = true
		}
		if !found {
			b.Fatal("no version")
		}
	}
}

func benchmarkSeek(b *testing.B, cache int64) {
	x, err := Open(b.TempDir(), Options{CacheSize: cache})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	const keys, versions = 200_000, 5
	seq := uint64(0)
	patch := make([]byte, 24)
	for range versions {
		batch := x.NewBatch()
		for k := range keys {
			seq++
			if err := batch.PutVersion(7, key(k), seq, Version{Type: 2, Ms: int64(seq), Patch: patch}); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Apply(); err != nil {
			b.Fatal(err)
		}
	}
	if err := x.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := x.db.Compact(context.Background(), []byte{0}, []byte{0xff}, true); err != nil {
		b.Fatal(err)
	}
	r, err := x.NewVersions()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for range b.N {
		if !r.Seek(7, key(rng.IntN(keys)), keys+rng.Uint64N(seq-keys)) {
			b.Fatal("no version")
		}
	}
}

// TestSeekAcrossBlocks puts keys with many versions each, so that the
// blocks of a table end between versions of one key and a key's history
// spans tables, and reads every key's history with Seek and Next.
func TestSeekAcrossBlocks(t *testing.T) {
	x, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	const keys, versions = 2000, 20
	b := x.NewBatch()
	// As a table's first indexing does.
	if err := b.DeleteTable(7); err != nil {
		t.Fatal(err)
	}
	for k := range keys {
		for v := range versions / 2 {
			seq := uint64(v*keys + k + 1)
			if err := b.PutVersion(7, key(k), seq, Version{Type: 2, Patch: bytes.Repeat([]byte{'p'}, 40)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := x.Flush(); err != nil {
		t.Fatal(err)
	}
	// The newer versions of every key in tables of their own, one flush
	// each: a key's history spans files.
	for v := versions / 2; v < versions; v++ {
		b := x.NewBatch()
		for k := range keys {
			if err := b.PutVersion(7, key(k), uint64(v*keys+k+1), Version{Type: 2, Patch: []byte{'q'}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Apply(); err != nil {
			t.Fatal(err)
		}
		if err := x.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	checkHistories(t, x, keys, versions)
}

// TestSeekAcrossFlushSplits flushes one memtable large enough to be
// written as several tables: a key whose versions straddle two of them
// must read whole (a flush splits only between prefixes, as the comparer
// defines them).
func TestSeekAcrossFlushSplits(t *testing.T) {
	x, err := Open(t.TempDir(), Options{MemTableSize: 64 << 20, TableSize: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	const keys, versions = 40_000, 4
	b := x.NewBatch()
	if err := b.DeleteTable(7); err != nil {
		t.Fatal(err)
	}
	for k := range keys {
		for v := range versions {
			if err := b.PutVersion(7, key(k), uint64(v*keys+k+1), Version{Type: 2, Patch: bytes.Repeat([]byte{'p'}, 60)}); err != nil {
				t.Fatal(err)
			}
		}
		if b.Len() >= 4096 {
			if err := b.Apply(); err != nil {
				t.Fatal(err)
			}
			b = x.NewBatch()
		}
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := x.Flush(); err != nil {
		t.Fatal(err)
	}
	tables, err := x.db.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tables[0]); n < 2 {
		t.Fatalf("the flush wrote %d tables: nothing straddles", n)
	}
	checkHistories(t, x, keys, versions)
}

// TestPooledReadersSeeNewBatches checks that a reader from the pool sees
// every batch applied before it was acquired.
func TestPooledReadersSeeNewBatches(t *testing.T) {
	x, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for seq := uint64(1); seq <= 50; seq++ {
		b := x.NewBatch()
		if err := b.PutVersion(7, key(1), seq, Version{Type: 2, Patch: []byte{'p'}}); err != nil {
			t.Fatal(err)
		}
		if err := b.Apply(); err != nil {
			t.Fatal(err)
		}
		for range 3 { // the second and third reuse the first's reader
			r, err := x.AcquireVersions()
			if err != nil {
				t.Fatal(err)
			}
			if !r.Seek(7, key(1), ^uint64(0)) || r.Seq() != seq {
				t.Fatalf("after the batch of seq %d a pooled reader finds seq %d", seq, r.Seq())
			}
			x.ReleaseVersions(r)
		}
	}
	if n := len(x.pool.free); n != 1 {
		t.Fatalf("%d readers pooled, want 1", n)
	}
}

// checkHistories checks that each of keys keys of table 7 reads versions
// versions with Seek and Next.
func checkHistories(t *testing.T, x *Index, keys, versions int) {
	t.Helper()
	r, err := x.NewVersions()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for k := range keys {
		n := 0
		for ok := r.Seek(7, key(k), ^uint64(0)); ok; ok = r.Next() {
			n++
		}
		if n != versions || r.Err() != nil {
			t.Fatalf("key %d: %d versions (%v), want %d", k, n, r.Err(), versions)
		}
	}
}

// TestTidy writes rounds of versions of every key, each round flushed, so
// that a read visits several runs (three sublevels of level 0, fewer than
// pebble compacts); the tidier compacts them into one once the flushes
// stop, and every version reads back as before. With it off, a read
// still visits more than one.
func TestTidy(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("on=%v", on), func(t *testing.T) {
			after := 50 * time.Millisecond
			if !on {
				after = -1
			}
			x, err := Open(t.TempDir(), Options{TableSize: 64 << 10, MemTableSize: 256 << 10, TidyAfter: after})
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			const keys, rounds = 2000, 3
			seq := uint64(0)
			for range rounds {
				b := x.NewBatch()
				for k := range keys {
					seq++
					if err := b.PutVersion(3, key(k), seq, Version{Type: 2, Ms: int64(seq), Patch: []byte{byte(seq)}}); err != nil {
						t.Fatal(err)
					}
				}
				if err := b.Apply(); err != nil {
					t.Fatal(err)
				}
				if err := x.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			// A reader pooled now reads the runs as they are.
			pooled, err := x.AcquireVersions()
			if err != nil {
				t.Fatal(err)
			}
			x.ReleaseVersions(pooled)
			runs := x.runs()
			deadline := time.Now().Add(10 * time.Second)
			for on && x.runs() > 1 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if !on {
				time.Sleep(300 * time.Millisecond)
			}
			switch got := x.runs(); {
			case on && got != 1:
				t.Fatalf("%d runs after the flushes stopped, want 1 (%d before)", got, runs)
			case !on && got < 2:
				t.Fatalf("%d runs, then %d with the tidier off: want more than one", runs, got)
			}
			// The pool does not give out the reader made before the
			// compaction, which would read the runs it merged and keep
			// their files.
			again, err := x.AcquireVersions()
			if err != nil {
				t.Fatal(err)
			}
			if on && again == pooled {
				t.Fatal("the pool gave out a reader made before the tidier's compaction")
			}
			x.ReleaseVersions(again)
			if m := x.db.Metrics(); on && m.Table.ZombieCount != 0 {
				t.Fatalf("%d tables the compaction replaced are kept by readers", m.Table.ZombieCount)
			}
			r, err := x.NewVersions()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for k := range keys {
				for round := range rounds {
					want := uint64(round*keys + k + 1)
					if !r.Seek(3, key(k), want) || r.Seq() != want || !bytes.Equal(r.Version().Patch, []byte{byte(want)}) {
						t.Fatalf("key %d at %d: found %v seq %d (%v)", k, want, r.Version(), r.Seq(), r.Err())
					}
				}
			}
		})
	}
}

// TestRows puts the newest versions of rows of two tables, beside their
// versions, and reads them back one by one and by scans, after later puts
// replace some, after a flush, after ClearRows and after DeleteTable.
func TestRows(t *testing.T) {
	x, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	const keys = 500
	want := map[uint32]map[int]uint64{7: {}, 8: {}}
	put := func(from uint64) {
		b := x.NewBatch()
		for k := range keys {
			for _, table := range []uint32{7, 8} {
				if (k+int(from))%3 == 0 && from > 0 {
					continue // not changed in this batch
				}
				seq := from + uint64(k)*2 + uint64(table-7)
				v := Version{Type: byte(seq % 5), Ms: int64(seq), Doc: docOf(seq)}
				if err := b.PutVersion(table, key(k), seq, v); err != nil {
					t.Fatal(err)
				}
				if err := b.PutRow(table, key(k), seq, v); err != nil {
					t.Fatal(err)
				}
				want[table][k] = seq
			}
		}
		if err := b.Apply(); err != nil {
			t.Fatal(err)
		}
	}
	check := func(table uint32) {
		t.Helper()
		r, err := x.NewRows()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		// A reader of versions reads rows too, and seeks versions
		// between.
		vr, err := x.NewVersions()
		if err != nil {
			t.Fatal(err)
		}
		defer vr.Close()
		sr, err := x.NewVersions()
		if err != nil {
			t.Fatal(err)
		}
		defer sr.Close()
		for k := range keys + 1 {
			seq, held := want[table][k]
			if got := r.Get(table, key(k)); got != held || held && (r.Seq() != seq || !bytes.Equal(r.Version().Doc, docOf(seq)) || r.Version().Ms != int64(seq)) {
				t.Fatalf("table %d key %d: found %v seq %d ms %d, want %v seq %d", table, k, got, r.Seq(), r.Version().Ms, held, seq)
			}
			if got := vr.Newest(table, key(k)); got != held || held && (vr.Seq() != seq || !bytes.Equal(vr.Version().Doc, docOf(seq))) {
				t.Fatalf("table %d key %d, Newest: found %v seq %d, want %v seq %d", table, k, got, vr.Seq(), held, seq)
			}
			if held && (!vr.Seek(table, key(k), seq) || vr.Seq() != seq) {
				t.Fatalf("table %d key %d: no version at seq %d after Newest (%v)", table, k, seq, vr.Err())
			}
		}
		for k := 0; k <= keys; k += 1 + k%3 { // in key order, some skipped
			if k%5 == 0 && k > 0 { // a point read between, on the same reader
				sr.Newest(table, key(k-1))
			}
			seq, held := want[table][k]
			if got := sr.NewestFrom(table, key(k)); got != held || held && (sr.Seq() != seq || !bytes.Equal(sr.Version().Doc, docOf(seq))) {
				t.Fatalf("table %d key %d, NewestFrom: found %v seq %d, want %v seq %d", table, k, got, sr.Seq(), held, seq)
			}
		}
		n := 0
		for ok := r.Scan(table); ok; ok = r.Next() {
			if !bytes.Equal(r.Key(), key(n)) || r.Seq() != want[table][n] {
				t.Fatalf("table %d scan, row %d: key %x seq %d, want seq %d", table, n, r.Key(), r.Seq(), want[table][n])
			}
			n++
		}
		if r.Err() != nil || n != len(want[table]) {
			t.Fatalf("table %d scan: %d rows, want %d (%v)", table, n, len(want[table]), r.Err())
		}
	}
	put(0)
	put(10_000)
	check(7)
	check(8)
	if err := x.Flush(); err != nil {
		t.Fatal(err)
	}
	put(20_000)
	check(7)
	check(8)

	applyOne(t, x, func(b *Batch) error { return b.ClearRows(7) })
	clear(want[7])
	check(7)
	check(8)
	r, err := x.NewVersions()
	if err != nil {
		t.Fatal(err)
	}
	if !r.Seek(7, key(3), ^uint64(0)) {
		t.Fatal("ClearRows took the versions too")
	}
	r.Close()

	applyOne(t, x, func(b *Batch) error { return b.DeleteTable(8) })
	clear(want[8])
	check(8)

	// A value too short for its seq is damage, not a row.
	applyOne(t, x, func(b *Batch) error { return b.b.Set(append([]byte{tagRow, 0, 0, 0, 9}, key(1)...), []byte{1, 2}, nil) })
	rr, err := x.NewRows()
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	if rr.Get(9, key(1)) || !errors.Is(rr.Err(), ErrDamaged) {
		t.Fatalf("a damaged row: %v", rr.Err())
	}

	// A mark of an index from before rows were kept (16 bytes) reads as
	// one without them.
	applyOne(t, x, func(b *Batch) error {
		return b.b.Set(markKey(9), binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, 40), 2), nil)
	})
	if m, ok, err := x.Mark(9); err != nil || !ok || m != (Mark{Seq: 40, Horizon: 2}) {
		t.Fatalf("an old mark: %+v %v %v", m, ok, err)
	}
}

// applyOne applies a batch of what put puts.
func applyOne(t *testing.T, x *Index, put func(b *Batch) error) {
	t.Helper()
	b := x.NewBatch()
	if err := put(b); err != nil {
		b.Discard()
		t.Fatal(err)
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
}

// TestCurrentEntries keeps the current entries of two fields of two
// tables as a model says, rows moving from value to value and leaving,
// and reads them back both ways, by row and after a clear.
func TestCurrentEntries(t *testing.T) {
	x, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	type cur struct {
		val byte
		seq uint64
	}
	// entry is a value of one byte then a key of four: the key at 1.
	entry := func(val byte, k int) []byte { return append([]byte{val}, key(k)...) }
	type index struct {
		table uint32
		field string
	}
	indexes := []index{{7, "a"}, {7, "ab"}, {8, "a"}}
	model := map[index]map[int]cur{}
	r := rand.New(rand.NewPCG(1, 2))
	seq := uint64(0)
	for round := range 6 {
		b := x.NewBatch()
		for _, ix := range indexes {
			m := model[ix]
			if m == nil {
				m = map[int]cur{}
				model[ix] = m
			}
			if err := b.DeleteCurrentMark(ix.table, ix.field); err != nil {
				t.Fatal(err)
			}
			for k := range 300 {
				old, had := m[k]
				switch c := r.IntN(4); {
				case c == 0 && had: // the row leaves
					if err := b.DeleteCurrent(ix.table, ix.field, entry(old.val, k), 1); err != nil {
						t.Fatal(err)
					}
					delete(m, k)
				case c == 1: // a new value
					seq++
					v := cur{byte(r.IntN(5)), seq}
					if had && old.val != v.val {
						if err := b.DeleteCurrent(ix.table, ix.field, entry(old.val, k), 1); err != nil {
							t.Fatal(err)
						}
					}
					if err := b.PutCurrent(ix.table, ix.field, entry(v.val, k), 1, v.seq); err != nil {
						t.Fatal(err)
					}
					m[k] = v
				}
			}
			if err := b.SetCurrentMark(ix.table, ix.field, Mark{Seq: uint64(round) + 1, Horizon: 3}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Apply(); err != nil {
			t.Fatal(err)
		}
		for _, ix := range indexes {
			checkCurrent(t, x, ix.table, ix.field, uint64(round)+1, func(yield func(e []byte, seq uint64)) {
				for v := range byte(5) {
					for k := range 300 {
						if c, ok := model[ix][k]; ok && c.val == v {
							yield(entry(v, k), c.seq)
						}
					}
				}
			})
			for k := range 301 {
				want, had := model[ix][k]
				e, s, ok, err := x.CurrentOf(ix.table, ix.field, key(k))
				if err != nil || ok != had || had && (s != want.seq || !bytes.Equal(e, entry(want.val, k))) {
					t.Fatalf("%v key %d: CurrentOf %x %d %v %v, want %v %v", ix, k, e, s, ok, err, want, had)
				}
			}
		}
	}
	b := x.NewBatch()
	if err := b.ClearCurrent(7, "a"); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := x.CurrentMark(7, "a"); ok || err != nil {
		t.Fatalf("a mark after the clear: %v %v", ok, err)
	}
	checkCurrent(t, x, 7, "a", 0, func(func([]byte, uint64)) {})
	if _, _, ok, _ := x.CurrentOf(7, "a", key(1)); ok {
		t.Fatal("an entry by key after the clear")
	}
	// The other field of the table, whose prefix is the cleared one's and
	// a byte, keeps its entries.
	if m, ok, _ := x.CurrentMark(7, "ab"); !ok || m.Seq != 6 {
		t.Fatalf("the mark of the field beside: %v %v", m, ok)
	}
}

// checkCurrent checks the current entries of table's index on field
// against want's, in order, forwards and back, from every entry, and the
// mark (0: none).
func checkCurrent(t *testing.T, x *Index, table uint32, field string, mark uint64, want func(yield func(e []byte, seq uint64))) {
	t.Helper()
	type ent struct {
		e   []byte
		seq uint64
	}
	var ws []ent
	want(func(e []byte, seq uint64) { ws = append(ws, ent{e, seq}) })
	m, ok, err := x.CurrentMark(table, field)
	if err != nil || ok != (mark != 0) || m.Seq != mark {
		t.Fatalf("table %d %s: mark %v %v %v, want %d", table, field, m, ok, err, mark)
	}
	r, err := x.NewCurrent()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []ent
	for ok := r.Seek(table, field, nil); ok; ok = r.Next() {
		got = append(got, ent{bytes.Clone(r.Entry()), r.Seq()})
	}
	if r.Err() != nil || len(got) != len(ws) {
		t.Fatalf("table %d %s: %d entries (%v), want %d", table, field, len(got), r.Err(), len(ws))
	}
	for i := range ws {
		if !bytes.Equal(got[i].e, ws[i].e) || got[i].seq != ws[i].seq {
			t.Fatalf("table %d %s entry %d: %x %d, want %x %d", table, field, i, got[i].e, got[i].seq, ws[i].e, ws[i].seq)
		}
		if !r.Seek(table, field, ws[i].e) || !bytes.Equal(r.Entry(), ws[i].e) {
			t.Fatalf("table %d %s: Seek %x is at %x", table, field, ws[i].e, r.Entry())
		}
		if !r.SeekLast(table, field, ws[i].e, 0) || !bytes.Equal(r.Entry(), ws[i].e) {
			t.Fatalf("table %d %s: SeekLast %x is at %x", table, field, ws[i].e, r.Entry())
		}
		// Just below the entry: the one before it.
		below := append(bytes.Clone(ws[i].e[:len(ws[i].e)-1]), ws[i].e[len(ws[i].e)-1]-1)
		if ws[i].e[len(ws[i].e)-1] == 0 {
			continue
		}
		ok := r.SeekLast(table, field, below, 0)
		if ok != (i > 0) || i > 0 && !bytes.Equal(r.Entry(), ws[i-1].e) {
			t.Fatalf("table %d %s: SeekLast below %x: %v at %x", table, field, ws[i].e, ok, r.Entry())
		}
	}
	n := 0
	for ok := r.SeekLast(table, field, []byte{0xff}, 0); ok; ok = r.Prev() {
		n++
	}
	if n != len(ws) || r.Err() != nil {
		t.Fatalf("table %d %s: %d entries backwards, want %d (%v)", table, field, n, len(ws), r.Err())
	}
}

// TestWhenIdleLatest kicks without a pause: fn waits for one unless a
// latest is given, which it then runs within.
func TestWhenIdleLatest(t *testing.T) {
	for _, latest := range []time.Duration{0, 20 * time.Millisecond} {
		ctx, cancel := context.WithCancel(context.Background())
		kick := make(chan struct{})
		var runs atomic.Int32
		done := make(chan struct{})
		go func() {
			defer close(done)
			WhenIdle(ctx, time.Hour, time.Hour, latest, kick, func() { runs.Add(1) })
		}()
		for start := time.Now(); time.Since(start) < 300*time.Millisecond; time.Sleep(2 * time.Millisecond) {
			kick <- struct{}{}
		}
		cancel()
		<-done
		if n := runs.Load(); latest == 0 && n != 0 || latest > 0 && n < 2 {
			t.Fatalf("latest %s: fn ran %d times in 300 ms of kicks", latest, n)
		}
	}
}

// TestIdentity gives a new index an identity that a reopen, read only
// too, keeps, and that an index made again in its place does not share.
func TestIdentity(t *testing.T) {
	dir := t.TempDir()
	open := func(o Options) uint64 {
		t.Helper()
		x, err := Open(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if err := x.Flush(); err != nil && !o.ReadOnly {
			t.Fatal(err)
		}
		return x.ID()
	}
	id := open(Options{})
	if id == 0 {
		t.Fatal("a new index has no identity")
	}
	if got := open(Options{}); got != id {
		t.Fatalf("reopened: identity %x, want %x", got, id)
	}
	if got := open(Options{ReadOnly: true}); got != id {
		t.Fatalf("read only: identity %x, want %x", got, id)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if got := open(Options{}); got == id || got == 0 {
		t.Fatalf("made again: identity %x, the old one %x", got, id)
	}
}
