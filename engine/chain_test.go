package engine

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/driftdb/driftdb/store"
)

// chainCase writes rows with long runs of patches, deletes and new lives,
// and records each row's document bytes as the commit made them.
type chainCase struct {
	t    *testing.T
	dir  string
	db   *DB
	keys int
	// docs[k] lists, oldest first, the seq of each event of key k and the
	// document after it (nil: deleted).
	docs map[int64][]chainDoc
}

type chainDoc struct {
	seq uint64
	doc []byte
}

func newChainCase(t *testing.T) *chainCase {
	c := &chainCase{t: t, dir: t.TempDir(), keys: 12, docs: map[int64][]chainDoc{}}
	c.open()
	t.Cleanup(func() { c.db.Close() })
	if err := c.db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"status"}}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *chainCase) open() {
	db, err := Open(c.dir, Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1})
	if err != nil {
		c.t.Fatal(err)
	}
	c.db = db
}

func (c *chainCase) reopen() {
	if err := c.db.Close(); err != nil {
		c.t.Fatal(err)
	}
	c.open()
}

// write makes n random events and records what each made.
func (c *chainCase) write(rng *rand.Rand, n int) {
	ctx := context.Background()
	for range n {
		k := int64(rng.IntN(c.keys))
		vs := c.docs[k]
		live := len(vs) > 0 && vs[len(vs)-1].doc != nil
		var seq uint64
		var err error
		switch r := rng.IntN(20); {
		case !live:
			seq, err = c.db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "status": "s%d", "n": %d, "tags": {"a": 1}}`, k, rng.IntN(3), rng.IntN(100)))
		case r == 0:
			seq, err = c.db.SoftDelete(ctx, "t", k)
		default:
			var p string
			switch rng.IntN(8) {
			case 0:
				p = fmt.Sprintf(`{"status": "s%d"}`, rng.IntN(3))
			case 1:
				p = fmt.Sprintf(`{"extra%d": "x%d", "n": null}`, rng.IntN(4), rng.IntN(9))
			case 2:
				p = fmt.Sprintf(`{"tags": {"b": %d, "a": null}, "n": %d}`, rng.IntN(9), rng.IntN(100))
			case 3:
				p = fmt.Sprintf(`{"extra%d": null, "status": "s%d"}`, rng.IntN(4), rng.IntN(3))
			case 5:
				p = fmt.Sprintf(`{"tags": {"c": {"d": %d, "e": null}}, "status": null}`, rng.IntN(9))
			case 6:
				p = fmt.Sprintf(`{"arr": [1, "x", {"y": null}], "a_field_name_longer_than_thirty_one_bytes_%d": "%s"}`, rng.IntN(2), strings.Repeat("v", rng.IntN(300)))
			default:
				p = fmt.Sprintf(`{"n": %d.5, "arr": null}`, rng.IntN(100))
			}
			seq, err = c.db.Patch(ctx, "t", k, []byte(p))
		}
		if err != nil {
			c.t.Fatal(err)
		}
		r, ok, err := c.db.View().Get("t", k)
		if err != nil {
			c.t.Fatal(err)
		}
		var doc []byte
		if ok {
			doc = bytes.Clone(r.doc)
		}
		c.docs[k] = append(vs, chainDoc{seq, doc})
	}
}

// want returns key k's document at seq (nil: none or deleted).
func (c *chainCase) want(k int64, seq uint64) []byte {
	var doc []byte
	for _, d := range c.docs[k] {
		if d.seq > seq {
			break
		}
		doc = d.doc
	}
	return doc
}

// letGo counts the versions of the table whose document was let go.
func (c *chainCase) letGo() int {
	return c.count(func(v *version) bool { return !v.hasDoc() && !v.deleted() })
}

// inLog counts the versions whose documents are read from the log.
func (c *chainCase) inLog() int {
	return c.count(func(v *version) bool { return v.inLog() })
}

// olderInserts counts the INSERTs up to seq that are not their row's
// newest version at seq.
func (c *chainCase) olderInserts(seq uint64) int {
	n := 0
	for _, vs := range c.docs {
		for i, d := range vs {
			if i+1 == len(vs) || vs[i+1].seq > seq {
				break
			}
			if d.doc != nil && (i == 0 || vs[i-1].doc == nil) {
				n++
			}
		}
	}
	return n
}

func (c *chainCase) count(f func(v *version) bool) int {
	c.db.wmu.Lock()
	defer c.db.wmu.Unlock()
	n := 0
	c.db.work["t"].rows.Ascend(func(r row) bool {
		for i := range r.versions {
			if f(&r.versions[i]) {
				n++
			}
		}
		return true
	})
	return n
}

// check reads every key at every seq from `from` on, by key, by scan, by
// the index and through its history, and compares with what the commits
// made, byte for byte.
func (c *chainCase) check(from uint64) {
	t := c.t
	head := c.db.Seq()
	for seq := from; seq <= head; seq++ {
		v, err := c.db.ViewAt(seq)
		if err != nil {
			t.Fatal(err)
		}
		scanned := map[int64][]byte{}
		if err := v.Scan("t", func(r *Row) bool { scanned[r.Key.Int] = bytes.Clone(r.doc); return true }); err != nil {
			t.Fatal(err)
		}
		indexed := map[int64]bool{}
		for s := range 3 {
			err := v.IndexLookup("t", "status", OpEq, fmt.Sprintf("s%d", s), func(r *Row) bool {
				indexed[r.Key.Int] = true
				if got, want := r.doc, c.want(r.Key.Int, seq); !bytes.Equal(got, want) {
					t.Errorf("seq %d key %d by index: %x, want %x", seq, r.Key.Int, got, want)
				}
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for k := range int64(c.keys) {
			want := c.want(k, seq)
			r, ok, err := v.Get("t", k)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.doc; ok != (want != nil) || !bytes.Equal(got, want) {
				t.Fatalf("seq %d key %d by key: %x, want %x", seq, k, got, want)
			}
			if !bytes.Equal(scanned[k], want) {
				t.Fatalf("seq %d key %d by scan: %x, want %x", seq, k, scanned[k], want)
			}
			var status bool
			if want != nil {
				_, status, _ = docField(want, "status")
			}
			if indexed[k] != status {
				t.Fatalf("seq %d key %d: found by the index %v, has a status %v", seq, k, indexed[k], status)
			}
		}
	}
	v := c.db.View()
	for k := range int64(c.keys) {
		evs, err := v.History("t", k)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			want := c.want(k, ev.Seq)
			if (ev.Doc == nil) != (want == nil) {
				t.Fatalf("key %d seq %d in history: %v, want %x", k, ev.Seq, ev.Doc, want)
			}
			if want != nil {
				got := encodeDoc(ev.Doc, nil)
				wd, _ := decodeDocBytes(want)
				if !bytes.Equal(got, encodeDoc(wd, nil)) {
					t.Fatalf("key %d seq %d in history: %v, want %v", k, ev.Seq, ev.Doc, wd)
				}
			}
		}
	}
	hfrom := from - 1 // from 1: all of it; from a horizon: after it
	if from > 1 {
		hfrom = from
	}
	hc, err := v.HistoryCursor("t", hfrom, head)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		h, err := hc.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		n++
		if want := c.want(h.Key.Int, h.Seq); !bytes.Equal(h.doc, want) {
			t.Fatalf("history cursor key %d seq %d: %x, want %x", h.Key.Int, h.Seq, h.doc, want)
		}
	}
	if n == 0 {
		t.Fatal("history cursor read nothing")
	}
}

// TestLetGoDocuments checks that versions which let their documents go
// read back byte for byte as their commits made them, at every seq and
// through every read path, after a snapshot and a reopen, and after a
// compaction keeps a let-go version as the first of its row.
func TestLetGoDocuments(t *testing.T) {
	c := newChainCase(t)
	rng := rand.New(rand.NewPCG(7, 19))
	events := 600 // every read at every seq: the short run checks fewer
	if testing.Short() {
		events = 250
	}
	c.write(rng, events)
	if n := c.letGo(); n < events/2 {
		t.Fatalf("%d versions let their documents go, want most of %d", n, events)
	}
	c.check(1)

	// From the log alone, and from a snapshot.
	c.reopen()
	if n := c.letGo(); n < events/2 {
		t.Fatalf("after replay, %d versions let their documents go", n)
	}
	c.check(1)
	snap, err := c.db.SnapshotTable("t")
	if err != nil {
		t.Fatal(err)
	}
	c.write(rng, 100)
	c.reopen()
	if n := c.letGo(); n < events/2 {
		t.Fatalf("after a snapshot, %d versions let their documents go", n)
	}
	// Every INSERT the snapshot holds that is not its row's last there
	// reads its document from the log; of those replayed, those the
	// writer moved to a new array since.
	if n, lo, hi := c.inLog(), c.olderInserts(snap), c.olderInserts(c.db.Seq()); n < lo || n > hi || lo == 0 {
		t.Fatalf("after a snapshot, %d versions read their documents from the log, want %d to %d", n, lo, hi)
	}
	c.check(1)

	// Fold at a seq where many rows show a version that let its
	// document go.
	mid := c.db.Seq() / 2
	if _, err := c.db.CompactBefore("t", mid); err != nil {
		t.Fatal(err)
	}
	c.check(mid)
	c.write(rng, 100)
	c.check(mid)
	c.reopen()
	c.check(mid)
	if problems := c.db.CheckPayloads(); len(problems) > 0 {
		t.Fatal(problems)
	}
	if problems := c.db.CheckIndexes(); len(problems) > 0 {
		t.Fatal(problems)
	}
}

// TestLetGoBounded checks that a read rebuilds a document from at most
// docEvery-1 patches.
func TestLetGoBounded(t *testing.T) {
	var vs []version
	vs = appendVersion(vs, versionOf(1, store.EventInsert, []byte{0x80}, nil), logWindow{})
	for i := range 100 {
		vs = appendVersion(vs, versionOf(uint64(i+2), store.EventPatch, []byte{0x80}, []byte{0x80}), logWindow{})
	}
	run, gone := 0, 0
	for i, v := range vs {
		if v.hasDoc() {
			run = 0
			continue
		}
		gone++
		if run++; run >= docEvery {
			t.Fatalf("version %d is %d patches from a document", i, run)
		}
	}
	if !vs[len(vs)-1].hasDoc() {
		t.Fatal("the newest version let its document go")
	}
	if gone < 80 {
		t.Fatalf("only %d of 101 versions let their documents go", gone)
	}
}

// snapshotKinds returns the snapshot files of table t: seq and whether
// each is a delta.
func (c *chainCase) snapshotKinds() map[uint64]bool {
	c.t.Helper()
	seqs, err := c.db.st.Snapshots("t")
	if err != nil {
		c.t.Fatal(err)
	}
	kinds := map[uint64]bool{}
	for _, s := range seqs {
		rc, err := c.db.st.OpenSnapshot("t", s)
		if err != nil {
			c.t.Fatal(err)
		}
		_, h, err := readSnapshotHeader(rc, &TableSpec{Name: "t"})
		rc.Close()
		if err != nil {
			c.t.Fatal(err)
		}
		kinds[s] = h.V == deltaVersion
	}
	return kinds
}

func (c *chainCase) chain() snapChain {
	c.db.wmu.Lock()
	defer c.db.wmu.Unlock()
	return c.db.work["t"].snaps
}

// lastSnap is the seq of table t's newest snapshot, whole or a delta.
func (c *chainCase) lastSnap() uint64 {
	c.db.wmu.Lock()
	defer c.db.wmu.Unlock()
	return c.db.work["t"].lastSnap
}

// TestSnapshotDeltas checks that a snapshot after a few changes holds
// only the versions they made, that a table loads from its whole snapshot and
// the deltas after it exactly as it was (every read at every seq, index
// lookups included, for an index made after the whole snapshot too),
// that a delta that does not read back ends the chain where the log takes
// over, and that a fold starts a new chain.
func TestSnapshotDeltas(t *testing.T) {
	c := newChainCase(t)
	c.keys = 40
	rng := rand.New(rand.NewPCG(3, 5))
	c.write(rng, 200)
	full, err := c.db.SnapshotTable("t")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.db.CreateIndex("t", "n"); err != nil {
		t.Fatal(err)
	}
	var deltas []uint64
	for range 5 {
		c.write(rng, 4)
		s, err := c.db.SnapshotTable("t")
		if err != nil {
			t.Fatal(err)
		}
		deltas = append(deltas, s)
	}
	ch := c.chain()
	if ch.full != full || ch.deltas != 5 || c.lastSnap() != deltas[4] || ch.deltaVersions != 20 || ch.fullVersions != 200 {
		t.Fatalf("chain %+v: want whole %d of 200 versions and 5 deltas of 4 versions each", ch, full)
	}
	kinds := c.snapshotKinds()
	if len(kinds) != 6 || kinds[full] {
		t.Fatalf("snapshot files %v: want the whole one at %d and 5 deltas", kinds, full)
	}
	for _, s := range deltas {
		if !kinds[s] {
			t.Fatalf("snapshot at %d is whole, want a delta", s)
		}
	}
	c.write(rng, 30) // replayed from the log after the deltas
	c.reopen()
	if ch := c.chain(); ch.full != full || ch.deltas != 5 || c.lastSnap() != deltas[4] {
		t.Fatalf("loaded chain %+v", ch)
	}
	c.check(1)
	c.checkIndex("n")

	// A damaged delta: the chain ends before it, the log replays the rest.
	if err := os.WriteFile(filepath.Join(c.dir, "tables/t/snapshots", fmt.Sprintf("%08d.snap", deltas[2])), []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.reopen()
	if ch := c.chain(); c.lastSnap() != deltas[1] || ch.deltas != 2 {
		t.Fatalf("chain %+v after a damaged delta: want it to end at %d", ch, deltas[1])
	}
	c.check(1)
	c.checkIndex("n")

	// Deltas stop once they would hold more versions than the whole one.
	c.write(rng, 400)
	s, err := c.db.SnapshotTable("t")
	if err != nil {
		t.Fatal(err)
	}
	if ch := c.chain(); ch.full != s || ch.deltas != 0 || ch.prev != full {
		t.Fatalf("chain %+v: want a whole snapshot at %d after %d", ch, s, full)
	}
	if kinds := c.snapshotKinds(); len(kinds) != 2 || kinds[s] || kinds[full] {
		t.Fatalf("snapshot files %v: want the whole ones at %d and %d", kinds, full, s)
	}

	// A fold starts a new chain.
	c.write(rng, 4)
	if _, err := c.db.SnapshotTable("t"); err != nil {
		t.Fatal(err)
	}
	if ch := c.chain(); ch.deltas != 1 {
		t.Fatalf("chain %+v: want a delta", ch)
	}
	mid := c.db.Seq() - 20
	if _, err := c.db.CompactBefore("t", mid); err != nil {
		t.Fatal(err)
	}
	if ch := c.chain(); ch.deltas != 0 || ch.horizon != mid {
		t.Fatalf("chain %+v after a fold: want a whole snapshot", ch)
	}
	c.write(rng, 4)
	if _, err := c.db.SnapshotTable("t"); err != nil {
		t.Fatal(err)
	}
	c.reopen()
	if ch := c.chain(); ch.deltas != 1 {
		t.Fatalf("chain %+v: want a delta on the fold's snapshot", ch)
	}
	c.check(mid)
	c.checkIndex("n")
}

// checkIndex compares lookups of every value of an index at the newest
// seq with a scan.
func (c *chainCase) checkIndex(field string) {
	t := c.t
	v := c.db.View()
	want := map[any]int{}
	if err := v.Scan("t", func(r *Row) bool {
		if val, ok, _ := docField(r.doc, field); ok && val != nil {
			want[val]++
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for val, n := range want {
		got := 0
		if err := v.IndexLookup("t", field, OpEq, val, func(*Row) bool { got++; return true }); err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Fatalf("index on %s finds %d rows of %v, a scan %d", field, got, val, n)
		}
	}
	if len(want) == 0 {
		t.Fatalf("no row has %s", field)
	}
}

func versionOf(seq uint64, typ store.EventType, doc, patch []byte) version {
	v := newVersion(seq, 0, typ)
	v.setDoc(doc)
	v.setPatch(patch)
	return v
}

// TestVersionSize guards the size of a version: every version of every
// row is in memory.
func TestVersionSize(t *testing.T) {
	if n := unsafe.Sizeof(version{}); n != 32 {
		t.Fatalf("a version is %d bytes, want 32", n)
	}
}

// TestVersionBytes checks that a version's patch and document, held
// behind one pointer, read back as set whatever the order of the sets,
// and that a patch kept when its document goes no longer shares the
// document's allocation.
func TestVersionBytes(t *testing.T) {
	doc, patch := []byte("\x81\xa1a\x01"), []byte("\x81\xa1b\x02")
	check := func(what string, v *version, wantPatch, wantDoc []byte) {
		t.Helper()
		if !bytes.Equal(v.patch(), wantPatch) || !bytes.Equal(v.doc(), wantDoc) {
			t.Fatalf("%s: patch %x doc %x, want %x and %x", what, v.patch(), v.doc(), wantPatch, wantDoc)
		}
		if v.hasDoc() != (wantDoc != nil) || v.hasPatch() != (wantPatch != nil) {
			t.Fatalf("%s: hasDoc %v hasPatch %v", what, v.hasDoc(), v.hasPatch())
		}
	}
	v := newVersion(1, 0, store.EventPatch)
	check("new", &v, nil, nil)
	v.setDoc(doc)
	check("doc", &v, nil, doc)
	v.setPatch(patch)
	check("doc then patch", &v, patch, doc)
	d2 := []byte("\x81\xa1a\x03")
	v.setDoc(d2)
	check("new doc", &v, patch, d2)
	held := v.b
	v.setDoc(nil)
	check("doc let go", &v, patch, nil)
	if v.b == held {
		t.Fatal("a patch kept without its document still shares the document's allocation")
	}
	w := newVersion(2, 0, store.EventPatch)
	w.setPatch(patch)
	w.setDoc(doc)
	check("patch then doc", &w, patch, doc)
	w.setPatch(nil)
	check("patch let go", &w, nil, doc)

	// A patch and its document adjacent in one array are referred to.
	buf := append(append([]byte(nil), patch...), doc...)
	a := newVersion(3, 0, store.EventPatch)
	a.set(buf[:len(patch)], buf[len(patch):])
	check("adjacent", &a, patch, doc)
	if a.b != &buf[0] {
		t.Fatal("a patch and document adjacent in one array were copied")
	}
	// Adjacent in memory but not in one array: copied.
	b := newVersion(4, 0, store.EventPatch)
	b.set(buf[:len(patch):len(patch)], buf[len(patch):])
	check("clipped", &b, patch, doc)
	if b.b == &buf[0] {
		t.Fatal("a patch whose array ends before the document was not copied")
	}
	var c version
	c.setCopy(nil, nil)
	check("copy of nothing", &c, nil, nil)
	c.setCopy(patch, doc)
	check("copy", &c, patch, doc)
	g := newGap(5, 0, 3)
	check("gap", &g, nil, nil)
	if g.count() != 3 {
		t.Fatalf("gap count %d", g.count())
	}
}

// TestSnapshotOnClose checks that a clean close leaves one whole snapshot
// at the last seq when the log after the last one is long or a chain of
// deltas leads to it, and nothing new otherwise.
func TestSnapshotOnClose(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Store: store.Options{NoSync: true}} // automatic snapshots on
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g"}}); err != nil {
		t.Fatal(err)
	}
	write := func(db *DB, from, n int) {
		tx := db.Begin()
		for k := from; k < from+n; k++ {
			if _, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "g": %d}`, k, k%7)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tx.Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	write(db, 0, closeSnapshotEvents+10)
	last := db.Seq()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := &chainCase{t: t, db: db}
	if ch := c.chain(); ch.full != last || ch.deltas != 0 {
		t.Fatalf("after a close with %d events since the last snapshot: chain %+v, want a whole snapshot at %d", closeSnapshotEvents+10, ch, last)
	}
	// A delta on it, then a close: one whole snapshot again.
	write(db, 100_000, 10)
	s, err := db.SnapshotTable("t")
	if err != nil {
		t.Fatal(err)
	}
	if ch := c.chain(); ch.deltas != 1 {
		t.Fatalf("chain %+v, want a delta", ch)
	}
	db.Close()
	db, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.db = db
	if ch := c.chain(); ch.full != s || ch.deltas != 0 {
		t.Fatalf("after a close on a delta: chain %+v, want a whole snapshot at %d", ch, s)
	}
	if kinds := c.snapshotKinds(); len(kinds) != 2 || kinds[s] || kinds[last] {
		t.Fatalf("snapshot files %v: want the whole ones at %d and %d", kinds, last, s)
	}
	// Few events since: nothing is written.
	write(db, 200_000, 10)
	db.Close()
	db, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c.db = db
	if ch := c.chain(); ch.full != s {
		t.Fatalf("after a close with 10 events since the last snapshot: chain %+v, want it at %d still", ch, s)
	}
	n := 0
	if err := db.View().Scan("t", func(*Row) bool { n++; return true }); err != nil || n != closeSnapshotEvents+30 {
		t.Fatalf("%d rows after the reopens (%v), want %d", n, err, closeSnapshotEvents+30)
	}
}

// TestSortPoints checks the radix sort of the timeline's points against a
// comparison sort, for seqs of one to several passes.
func TestSortPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, top := range []uint64{1, 2000, 1 << 20, 1 << 40, math.MaxUint64} {
		points := make([]timePoint, 5000)
		for i := range points {
			points[i] = timePoint{ms: int64(i), firstSeq: rng.Uint64N(top) + 1}
		}
		want := slices.Clone(points)
		slices.SortStableFunc(want, func(a, b timePoint) int { return cmp.Compare(a.firstSeq, b.firstSeq) })
		sortPoints(points)
		if !slices.Equal(points, want) {
			t.Fatalf("seqs up to %d: not sorted as a stable comparison sort sorts them", top)
		}
	}
	sortPoints(nil)
}

// TestMergeTimelines: merging two timelines gives what building one of
// all their points gives, for points whose times go back as often as
// forward.
func TestMergeTimelines(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var a, b []timePoint
		for i := range 1 + rng.IntN(60) {
			p := timePoint{ms: rng.Int64N(40), firstSeq: uint64(i*3 + 1 + rng.IntN(3))}
			if rng.IntN(2) == 0 {
				a = append(a, p)
			} else {
				b = append(b, p)
			}
		}
		want := buildTimeline(append(slices.Clone(a), b...))
		if got := mergeTimelines(buildTimeline(a), buildTimeline(b)); !slices.Equal(got, want) {
			t.Fatalf("merged %v, built %v", got, want)
		}
	}
}

// TestGatheredTimeline: points gathered by unix_ms, in any order and
// with runs of one unix_ms, make the timeline building one of all of
// them makes.
func TestGatheredTimeline(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		n := 1 + rng.IntN(80)
		points := make([]timePoint, n)
		for i := range points {
			points[i] = timePoint{ms: rng.Int64N(30), firstSeq: uint64(i + 1)}
			if i > 0 && rng.IntN(3) > 0 {
				points[i].ms = points[i-1].ms // a run, as a row's versions often are
			}
		}
		rng.Shuffle(n/2, func(i, j int) { points[i], points[j] = points[j], points[i] })
		want := buildTimeline(slices.Clone(points))
		gap := rng.IntN(n + 1) // some points a snapshot's timeline of gaps had
		g := newGapTimeline(points[:gap])
		for _, p := range points[gap:] {
			g.addPoint(p.ms, p.firstSeq)
		}
		if got := g.timeline(); !slices.Equal(got, want) {
			t.Fatalf("gathered %v, built %v (points %v)", got, want, points)
		}
	}
}
