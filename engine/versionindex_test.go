package engine

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/vindex"
)

// versionIndexWorkload writes rounds of patches, deletions and inserts
// over keys rows of table t, a snapshot every few rounds.
func versionIndexWorkload(t *testing.T, db *DB, rng *rand.Rand, keys, rounds int) {
	t.Helper()
	for round := range rounds {
		tx := db.Begin()
		for k := range keys {
			_, live, err := tx.View().Get("t", int64(k))
			mustExec(t, err)
			switch {
			case !live:
				_, err = tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "status": "s%d", "n": %d}`, k, rng.IntN(4), round))
			case rng.IntN(20) == 0:
				err = tx.SoftDelete("t", int64(k))
			case rng.IntN(3) > 0:
				err = tx.Patch("t", int64(k), fmt.Appendf(nil, `{"n": %d, "f%d": "%s"}`, round, rng.IntN(3), strings.Repeat("x", rng.IntN(30))))
			}
			mustExec(t, err)
		}
		_, err := tx.Commit(ctx)
		mustExec(t, err)
		if round%7 == 6 {
			_, err := db.SnapshotTable("t")
			mustExec(t, err)
		}
	}
}

func checkVersionIndex(t *testing.T, db *DB, wantSeq, wantHorizon uint64) {
	t.Helper()
	if p := db.CheckVersionIndex(); len(p) != 0 {
		t.Fatal(p)
	}
	ts, _ := db.View().lookupTable("t")
	m, ok, err := db.vx.Mark(ts.spec.OID)
	if err != nil || !ok || m.Seq != wantSeq || m.Horizon != wantHorizon || !m.Rows || !m.DocAfterInsert || !m.RowInsertsInLog {
		t.Fatalf("mark %+v (%v, %v), want seq %d horizon %d", m, ok, err, wantSeq, wantHorizon)
	}
}

// TestVersionIndexOnDisk keeps the version index of a table through
// snapshots, a reopen, a fold, damage and a drop, checking it against the
// rows after each.
// It runs with the rows' newest documents held and left to the index.
func TestVersionIndexOnDisk(t *testing.T) {
	for _, leave := range []bool{false, true} {
		t.Run(fmt.Sprintf("NewestInIndex=%v", leave), func(t *testing.T) { testVersionIndexOnDisk(t, leave) })
	}
}

func testVersionIndexOnDisk(t *testing.T, leave bool) {
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: leave, SnapshotEvents: -1, SnapshotBytes: -1}
	if leave {
		opts.CacheSize = -1 // every document the rows left is read from the index
	}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"status"}}))
	rng := rand.New(rand.NewPCG(1, 2))
	versionIndexWorkload(t, db, rng, 40, 10)
	// A row deleted long before the fold below, which takes it away.
	for _, op := range []func(tx *Txn) error{
		func(tx *Txn) error { _, err := tx.Insert("t", []byte(`{"id": 500, "status": "gone"}`)); return err },
		func(tx *Txn) error { return tx.SoftDelete("t", int64(500)) },
	} {
		mustCommit(t, db, op)
	}
	versionIndexWorkload(t, db, rng, 40, 20)
	before := historyDocs(t, db)
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)
	// The whole snapshot left the rows gaps, with no reopen.
	if ts, _ := db.View().lookupTable("t"); inIndexVersions(ts) == 0 {
		t.Fatal("the rows hold every version after a whole snapshot with the index")
	}
	if after := historyDocs(t, db); !maps.Equal(after, before) {
		t.Fatal("the history reads otherwise with gaps")
	}

	// Reopened, the rows let go of most patches' documents: the index
	// rebuilds them from its own patches.
	mustExec(t, db.Close())
	db = openDB(t, dir, opts)
	ts, _ := db.View().lookupTable("t")
	if n := inIndexVersions(ts); n == 0 {
		t.Fatal("no version left its bytes to the index: its reads went untested")
	}
	checkVersionIndex(t, db, seq, 0)
	if after := historyDocs(t, db); !maps.Equal(after, before) {
		t.Fatal("the history reads otherwise after a reopen")
	}
	checkNewestInGaps(t, ts)
	if p, i := leftNewest(ts); leave != (p > 0 && i > 0) {
		t.Fatalf("reopened, %d rows left a PATCH's document, %d an INSERT's", p, i)
	}
	versionIndexWorkload(t, db, rng, 40, 10)
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)

	// A fold drops history: the next snapshot writes the table anew.
	h, err := db.CompactBefore("t", seq-600)
	mustExec(t, err)
	if ts, _ := db.View().lookupTable("t"); func() bool { _, ok := ts.get(Key{Int: 500, IsInt: true}); return ok }() {
		t.Fatal("the fold kept a row deleted before its horizon")
	}
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, h)

	// A row's newest version that differs from the row's, or that of a
	// row there is not, is found.
	// With the rows' newest documents left to the index, the row is one
	// that left it: the check reads it from the index's versions, not
	// from the entry it checks.
	view := db.View()
	ts, _ = view.lookupTable("t")
	ts = view.trees("t", ts)
	key3 := Key{Int: 3, IsInt: true}
	if leave {
		found := false
		ts.rows.Ascend(func(r row) bool {
			found = r.newestInIndex()
			key3 = r.key
			return !found
		})
		if !found {
			t.Fatal("no row left its newest document to the index")
		}
	}
	k3 := appendOrderedKey(nil, key3)
	r3, _ := ts.get(key3)
	s3, v3, err := newestEntry(ts.log, &r3, seq, ts.horizon)
	mustExec(t, err)
	for _, bad := range []struct {
		key []byte
		seq uint64
		v   vindex.Version
	}{
		{k3, s3, vindex.Version{Type: v3.Type, Ms: v3.Ms, Doc: []byte{0x80}}},
		{k3, s3 - 1, v3},
		{k3, s3, vindex.Version{Type: v3.Type, Ms: v3.Ms + 1, Doc: v3.Doc}},
		{appendOrderedKey(nil, Key{Int: 1000, IsInt: true}), s3, v3},
	} {
		b := db.vx.NewBatch()
		mustExec(t, b.PutRow(ts.spec.OID, bad.key, bad.seq, bad.v))
		mustExec(t, b.Apply())
		if p := db.CheckVersionIndex(); len(p) != 1 || !strings.Contains(p[0], "newest") {
			t.Fatalf("a row's newest version that differs (%x seq %d): %v", bad.key, bad.seq, p)
		}
		b = db.vx.NewBatch()
		mustExec(t, b.PutRow(ts.spec.OID, k3, s3, v3))
		mustExec(t, b.Apply())
	}

	// A version the rows do not have is found.
	b := db.vx.NewBatch()
	mustExec(t, b.PutVersion(ts.spec.OID, appendOrderedKey(nil, Key{Int: 3, IsInt: true}), seq-1, vindex.Version{Type: 2, Patch: []byte{0x80}}))
	mustExec(t, b.Apply())
	if p := db.CheckVersionIndex(); len(p) != 1 {
		t.Fatalf("a version the rows lack: %v", p)
	}

	// A damaged index is made again, from the log for what the snapshot
	// left to it, though a fold dropped the log's first records.
	mustExec(t, db.Close())
	files, _ := filepath.Glob(filepath.Join(dir, versionIndexDir, "MANIFEST-*"))
	if len(files) == 0 {
		t.Fatal("no manifest in the version index")
	}
	for _, f := range files {
		mustExec(t, os.WriteFile(f, []byte("not a manifest"), 0o644))
	}
	db = openDB(t, dir, opts)
	ts, _ = db.View().lookupTable("t")
	if n := inIndexVersions(ts); n == 0 {
		t.Fatal("no version left its bytes to the index after the fold")
	}
	checkVersionIndex(t, db, seq, h)
	versionIndexWorkload(t, db, rng, 40, 5)
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, h)

	// An index written before it held rows (its mark says so, and it
	// has none) gets every row's newest version at the next snapshot.
	b = db.vx.NewBatch()
	mustExec(t, b.ClearRows(ts.spec.OID))
	mustExec(t, b.SetMark(ts.spec.OID, vindex.Mark{Seq: seq, Horizon: h}))
	mustExec(t, b.Apply())
	versionIndexWorkload(t, db, rng, 40, 2)
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, h)

	// With the option off, an index the directory has is still read: a
	// whole snapshot then takes the bytes back from it, and the table
	// loads without it.
	want := historyDocs(t, db)
	mustExec(t, db.Close())
	off := opts
	off.VersionIndex = false
	db = openDB(t, dir, off)
	if got := historyDocs(t, db); !maps.Equal(got, want) {
		t.Fatal("the history read with the option off differs")
	}
	wholeSnapshot(t, db, "t")
	mustExec(t, db.Close())
	mustExec(t, os.RemoveAll(filepath.Join(dir, versionIndexDir)))
	db = openDB(t, dir, off)
	if db.vx != nil {
		t.Fatal("a version index was made with the option off")
	}
	if got := historyDocs(t, db); !maps.Equal(got, want) {
		t.Fatal("the history read without the index differs")
	}
	mustExec(t, db.Close())
	db = openDB(t, dir, opts)
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, h)

	// A dropped table leaves the index.
	mustExec(t, db.DropTable("t", false))
	r, err := db.vx.NewVersions()
	mustExec(t, err)
	defer r.Close()
	if r.Scan(ts.spec.OID) {
		t.Fatal("the dropped table's versions are in the index")
	}
	rr, err := db.vx.NewRows()
	mustExec(t, err)
	defer rr.Close()
	if rr.Scan(ts.spec.OID) {
		t.Fatal("the dropped table's rows are in the index")
	}
}

// checkNewestInGaps checks newestEntry at seqs where the version visible
// is in a gap of its row, against the row's document there; the
// snapshots put rows' newest versions at their seq, which is never in a
// gap.
func checkNewestInGaps(t *testing.T, ts *tableState) {
	t.Helper()
	n := 0
	ts.rows.Ascend(func(r row) bool {
		for i := range r.versions[:len(r.versions)-1] {
			if !r.versions[i].gap() {
				continue
			}
			for _, at := range []uint64{r.versions[i].seq, r.versions[i+1].seq - 1} {
				seq, iv, err := newestEntry(ts.log, &r, at, ts.horizon)
				mustExec(t, err)
				wseq, ms, doc, err := r.docAt(ts.log, at)
				mustExec(t, err)
				if insertAfter(store.EventType(iv.Type), seq, ts.horizon) {
					doc = nil // the record's in the log
				}
				if seq != wseq || iv.Ms != ms || !bytes.Equal(iv.Doc, doc) || seq < r.versions[i].seq || seq >= r.versions[i+1].seq {
					t.Fatalf("row %s at %d, in a gap: seq %d ms %d doc %x; the row's: seq %d ms %d doc %x", r.key, at, seq, iv.Ms, iv.Doc, wseq, ms, doc)
				}
				n++
			}
		}
		return true
	})
	if n == 0 {
		t.Fatal("no gap to read a newest version in")
	}
}

// inIndexVersions counts the versions of ts that the rows leave to the
// version index: those of their gaps.
func inIndexVersions(ts *tableState) int {
	n := 0
	ts.rows.Ascend(func(r row) bool {
		for i := range r.versions {
			if r.versions[i].gap() {
				n += r.versions[i].count()
			}
		}
		return true
	})
	return n
}

// leftNewest counts the rows of ts whose newest version let its document
// go (version.leaves): a PATCH's to the index, an INSERT's to the log.
func leftNewest(ts *tableState) (patches, inserts int) {
	ts.rows.Ascend(func(r row) bool {
		switch v := r.newest(); {
		case r.newestInIndex():
			patches++
		case v.inLog():
			inserts++
		}
		return true
	})
	return patches, inserts
}

// historyDocs returns the document of every version of table t, by seq,
// as JSON.
// spilledOpts are the options of a database whose tables spill to the
// version index at their first snapshot, which the tests take by hand,
// with the newest documents left to it and no document cache.
func spilledOpts() Options {
	return Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1, CacheSize: -1}
}

// wholeSnapshot writes a whole snapshot of table and returns its seq.
func wholeSnapshot(t testing.TB, db *DB, table string) uint64 {
	t.Helper()
	db.snapMu.Lock()
	seq, err := db.snapshotLocked(table, true)
	db.snapMu.Unlock()
	mustExec(t, err)
	return seq
}

func historyDocs(t *testing.T, db *DB) map[uint64]string {
	t.Helper()
	v := db.View()
	ts, _ := v.lookupTable("t")
	ts = v.trees("t", ts) // a published state may lag
	out := map[uint64]string{}
	ts.rows.Ascend(func(r row) bool {
		mustExec(t, r.eachDoc(ts.log, 0, func(v *version, doc []byte) bool {
			out[v.seq] = string(doc)
			return true
		}))
		return true
	})
	if len(out) == 0 {
		t.Fatal("no history")
	}
	return out
}

// TestTrimBesideWriter: after a whole snapshot with the version index,
// the rows let go of the versions it holds while commits go on (those
// made between the trim and its install do not wait for it, and touch
// rows it trimmed), and the table answers as the same history kept
// whole does: at seqs in the gaps, between them and those commits, and
// after them, and again after a reopen; rows, index lookups, each row's
// versions.
func TestTrimBesideWriter(t *testing.T) {
	// 60 rows, and enough for the trim to put them in three chunks, the
	// writes between the copy and the install touching the first two.
	for _, n := range []int{60, 2*trimChunk + 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			if n > 60 && testing.Short() {
				t.Skip("10 s of writes")
			}
			trimBesideWriter(t, n)
		})
	}
}

func trimBesideWriter(t *testing.T, n int) {
	var seqs []uint64
	run := func(dir string, index bool) *DB {
		opts := Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1, VersionIndex: index, NewestInIndex: index}
		db := openDB(t, dir, opts)
		mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id", Indexes: []string{"g"}}))
		write := func(round, n int) {
			for i := range n {
				var err error
				switch {
				case round == 0:
					_, err = db.Insert(ctx, "u", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i, i%5))
				case i%11 == round%11:
					_, err = db.SoftDelete(ctx, "u", int64(i))
				default:
					if _, live, gerr := db.View().Get("u", int64(i)); gerr == nil && !live {
						_, err = db.Insert(ctx, "u", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i, round%5))
					} else {
						_, err = db.Patch(ctx, "u", int64(i), fmt.Appendf(nil, `{"g": %d, "r%d": %d}`, (i+round)%5, round%3, round))
					}
				}
				mustExec(t, err)
			}
		}
		seqs = seqs[:0]
		for round := range 12 {
			write(round, n)
			seqs = append(seqs, db.Seq())
		}
		during := func() { write(12, n/2) } // the other rows keep their newest
		if index {
			db.testTrimmed = during
			_, err := db.SnapshotTable("u")
			mustExec(t, err)
			db.testTrimmed = nil
			ts, _ := db.View().lookupTable("u")
			if inIndexVersions(ts) == 0 {
				t.Fatal("the snapshot left the rows every version")
			}
			if p, _ := leftNewest(ts); p == 0 {
				t.Fatal("no newest version left its document to the index")
			}
			if p := db.CheckVersionIndex(); len(p) != 0 {
				t.Fatal(p)
			}
		} else {
			during()
		}
		seqs = append(seqs, db.Seq())
		write(13, n)
		seqs = append(seqs, db.Seq())
		return db
	}
	image := func(db *DB) string {
		return historyImage(t, db, seqs, []int64{0, 1, 11, int64(n/2 - 1), int64(n / 2), int64(n - 1)}, 0)
	}
	ref := run(t.TempDir(), false)
	defer ref.Close()
	want := image(ref)
	dir := t.TempDir()
	db := run(dir, true)
	if got := image(db); got != want {
		t.Fatalf("trimmed beside the writer, the table reads otherwise:\n%s\nwant\n%s", got, want)
	}
	mustExec(t, db.Close())
	db = openDB(t, dir, Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1, VersionIndex: true, NewestInIndex: true})
	defer func() { db.Close() }()
	if got := image(db); got != want {
		t.Fatal("reopened, the table reads otherwise")
	}
	// Loaded from a whole snapshot, the newest versions the index holds
	// come without their documents.
	_, err := db.SnapshotTable("u")
	mustExec(t, err)
	mustExec(t, db.Close())
	db = openDB(t, dir, Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1, VersionIndex: true, NewestInIndex: true})
	ts, _ := db.View().lookupTable("u")
	if p, i := leftNewest(ts); p == 0 || i == 0 {
		t.Fatalf("loaded, %d rows left a PATCH's document, %d an INSERT's: the reads of them went untested", p, i)
	}
	if got := image(db); got != want {
		t.Fatal("loaded with the newest documents in the index, the table reads otherwise")
	}
	// The versions in gaps count; the times are each database's own.
	st, err := db.View().Stats("u")
	mustExec(t, err)
	rst, err := ref.View().Stats("u")
	mustExec(t, err)
	st.FirstUnixMs, st.LastUnixMs, rst.FirstUnixMs, rst.LastUnixMs = 0, 0, 0, 0
	if st != rst {
		t.Fatalf("stats %+v, want %+v", st, rst)
	}
}

// TestTrimAfterDelta: a delta snapshot with the version index trims the
// rows written since the last trim as a whole one does, while commits go
// on (rows it trimmed written again before their trim goes in, and rows
// it did not), and the table answers as the same history kept whole
// does: at every seq, each row's versions, the timeline of AS OF a time;
// and so after a whole snapshot that holds the gaps the deltas made, and
// after a reopen.
func TestTrimAfterDelta(t *testing.T) {
	for _, leave := range []bool{false, true} {
		t.Run(fmt.Sprintf("leave=%v", leave), func(t *testing.T) {
			testTrimAfterDelta(t, leave)
		})
	}
}

func testTrimAfterDelta(t *testing.T, leave bool) {
	var seqs []uint64
	var times []timePoint
	clock := time.UnixMilli(1_700_000_000_000)
	opts := func(index bool) Options {
		return Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1,
			VersionIndex: index, NewestInIndex: index && leave, Now: func() time.Time { return clock }}
	}
	const rows = 200
	run := func(dir string, index bool) *DB {
		clock = time.UnixMilli(1_700_000_000_000)
		db := openDB(t, dir, opts(index))
		mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id", Indexes: []string{"g"}}))
		patch := func(round, lo, hi int) {
			for i := lo; i < hi; i++ {
				var err error
				if round == 0 {
					_, err = db.Insert(ctx, "u", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i, i%5))
				} else {
					_, err = db.Patch(ctx, "u", int64(i), fmt.Appendf(nil, `{"g": %d, "r%d": %d}`, (i+round)%5, round%3, round))
				}
				mustExec(t, err)
				if i%7 == 0 {
					clock = clock.Add(time.Millisecond)
				}
			}
			seqs = append(seqs, db.Seq())
		}
		snapshot := func(wantDelta bool, during func()) {
			t.Helper()
			if !index {
				if during != nil {
					during()
				}
				return
			}
			db.testTrimmed = during
			_, err := db.SnapshotTable("u")
			db.testTrimmed = nil
			mustExec(t, err)
			var deltas int
			db.locked(func() { deltas = db.work["u"].snaps.deltas })
			if (deltas > 0) != wantDelta {
				t.Fatalf("%d deltas after the snapshot, want a delta: %v", deltas, wantDelta)
			}
			if p := db.CheckVersionIndex(); len(p) != 0 {
				t.Fatal(p)
			}
		}
		seqs = seqs[:0]
		for round := range 4 {
			patch(round, 0, rows)
		}
		snapshot(false, nil)
		patch(4, 0, 40)
		patch(5, 20, 60)
		snapshot(true, func() { patch(6, 30, 35) }) // trimmed rows written again
		if index {
			ts, _ := db.View().lookupTable("u")
			held := 0
			ts.rows.Ascend(func(r row) bool {
				if k := r.key.Int; (k < 30 || k >= 35 && k < 60) && len(r.versions) > 2 {
					held++
				}
				return true
			})
			if held > 0 {
				t.Fatalf("%d rows the delta wrote hold more than a gap and their newest", held)
			}
			if p, _ := leftNewest(ts); leave && p < 50 {
				t.Fatalf("%d newest versions left their documents, want the delta's 55", p)
			}
		}
		patch(7, 50, 90)
		snapshot(true, func() { patch(8, 100, 101) })
		for round := 9; round < 12; round++ {
			patch(round, 0, rows) // past the deltas' budget
		}
		snapshot(false, nil)
		patch(12, 0, 10)
		times = db.pub.Load().times
		return db
	}
	image := func(db *DB) string { return historyImage(t, db, seqs, []int64{0, 20, 30, 33, 55, 89, 100, 150}, 0) }
	ref := run(t.TempDir(), false)
	defer ref.Close()
	want, wantTimes := image(ref), times
	dir := t.TempDir()
	db := run(dir, true)
	if got := image(db); got != want {
		t.Fatalf("trimmed after deltas, the table reads otherwise:\n%s\nwant\n%s", got, want)
	}
	if !slices.Equal(times, wantTimes) {
		t.Fatalf("timeline %v, want %v", times, wantTimes)
	}
	mustExec(t, db.Close())
	db = openDB(t, dir, opts(true))
	defer func() { db.Close() }()
	if got := image(db); got != want {
		t.Fatal("reopened, the table reads otherwise")
	}
	if got := db.pub.Load().times; !slices.Equal(got, wantTimes) {
		t.Fatalf("reopened, timeline %v, want %v", got, wantTimes)
	}
}

// TestTrimKeepsRuns: the passes that put rows' versions into the index
// after a trim take where each row's run of patches stands from the
// version the trim kept, not from a read of the index, and choose the
// same documents to hold as with those reads: the index of a history of
// deltas and whole snapshots, version by version, is the same either way.
func TestTrimKeepsRuns(t *testing.T) {
	const rows = 60
	run := func(forget bool) (string, int) {
		db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1, SnapshotBytes: -1, VersionIndex: true, NewestInIndex: true})
		defer db.Close()
		db.testForgetRuns = forget
		mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id"}))
		for i := range rows {
			_, err := db.Insert(ctx, "u", fmt.Appendf(nil, `{"id": %d, "n": 0}`, i))
			mustExec(t, err)
		}
		_, err := db.SnapshotTable("u")
		mustExec(t, err)
		for round := 1; round <= 40; round++ {
			for i := range rows {
				// Rows patched in runs of different lengths between the
				// snapshots, some every round.
				if i%7 == 0 || (i+round)%(2+i%5) == 0 {
					_, err := db.Patch(ctx, "u", int64(i), fmt.Appendf(nil, `{"n": %d}`, round))
					mustExec(t, err)
				}
			}
			_, err := db.SnapshotTable("u")
			mustExec(t, err)
		}
		if p := db.CheckVersionIndex(); len(p) != 0 {
			t.Fatal(p)
		}
		ts, _ := db.View().lookupTable("u")
		var out strings.Builder
		for i := range rows {
			rd, err := ts.log.reader(Key{IsInt: true, Int: int64(i)})
			mustExec(t, err)
			for ok := ts.log.seek(rd, Key{IsInt: true, Int: int64(i)}, db.Seq()); ok; ok = rd.Next() {
				fmt.Fprintf(&out, "%d@%d %v; ", i, rd.Seq(), rd.Version().Doc != nil)
			}
			mustExec(t, rd.Err())
			ts.log.vx.ReleaseVersions(rd)
			out.WriteString("\n")
		}
		return out.String(), db.testRunsRead
	}
	want, readsWithout := run(true)
	got, reads := run(false)
	if got != want {
		t.Fatalf("the index with the runs the trims kept:\n%s\nwith each read from the index:\n%s", got, want)
	}
	if readsWithout < 100 || reads*10 > readsWithout {
		t.Fatalf("%d reads of a row's run from the index, against %d when the trims' are forgotten", reads, readsWithout)
	}
}

// TestNewestInIndex: rows whose newest version left its document to the
// version index read and take writes as rows holding it do, with no
// document cache to answer for the index: a view made before a row
// changed again reads it as it was, and so does a row of a state older
// than the index's newest version of it, from the index's versions; a
// patch applies to it; a unique index, a
// CHECK, SET NOT NULL and DROP COLUMN read it.
func TestNewestInIndex(t *testing.T) {
	db := openDB(t, t.TempDir(), spilledOpts())
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id",
		Columns:   []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "nick", Type: TypeText}, {Name: "n", Type: TypeInt8}, {Name: "x", Type: TypeText}},
		IndexDefs: []IndexSpec{{Fields: []string{"nick"}, Unique: true}}}))
	const rows = 20
	for i := range rows {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "nick": "u%d", "n": 0, "x": "a"}`, i, i))
		mustExec(t, err)
	}
	for round := 1; round <= 2; round++ {
		for i := range rows {
			_, err := db.Patch(ctx, "t", int64(i), fmt.Appendf(nil, `{"n": %d}`, round))
			mustExec(t, err)
		}
	}
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	ts, _ := db.View().lookupTable("t")
	if p, _ := leftNewest(ts); p != rows {
		t.Fatalf("%d rows left their newest document to the index, want %d", p, rows)
	}
	get := func(v *View, id int64) string {
		t.Helper()
		r, live, err := v.Get("t", id)
		mustExec(t, err)
		if !live {
			return "deleted"
		}
		d, err := r.Doc()
		mustExec(t, err)
		return fmt.Sprint(d)
	}
	old := db.View()
	want := get(old, 3)
	if !strings.Contains(want, "n:2") {
		t.Fatalf("row 3: %s", want)
	}
	r3, _ := ts.find(Key{Int: 3, IsInt: true}) // as a state older than the index holds it
	_, _, doc3, err := r3.docAt(ts.log, ^uint64(0))
	mustExec(t, err)
	_, err = db.Patch(ctx, "t", 3, []byte(`{"n": 3}`))
	mustExec(t, err)
	_, err = db.SnapshotTable("t") // the index's newest version of row 3 is now seq of n=3
	mustExec(t, err)
	if got := get(old, 3); got != want {
		t.Fatalf("an older view reads row 3 as %s, want %s", got, want)
	}
	if _, _, doc, err := r3.docAt(ts.log, ^uint64(0)); err != nil || !bytes.Equal(doc, doc3) {
		t.Fatalf("row 3 as an older state holds it: %x, %v; want %x", doc, err, doc3)
	}
	if got := get(db.View(), 3); !strings.Contains(got, "n:3") || !strings.Contains(got, "nick:u3") {
		t.Fatalf("row 3 after its patch: %s", got)
	}

	// Writes that read the rows' documents.
	_, err = db.Insert(ctx, "t", []byte(`{"id": 100, "nick": "u5", "n": 0, "x": "a"}`))
	wantCode(t, "a nick row 5 holds", err, CodeUniqueViolation)
	_, err = db.Patch(ctx, "t", 7, []byte(`{"nick": "u8"}`))
	wantCode(t, "a patch to a nick row 8 holds", err, CodeUniqueViolation)
	mustExec(t, db.SetColumnNotNull("t", "x", true))
	err = db.AddCheck("t", CheckSpec{Name: "small", Expr: "n < 3"}, func(r *Row) error {
		d, err := r.Doc()
		if err == nil && d["n"].(int64) >= 3 {
			err = &Error{Code: "23514", Msg: fmt.Sprintf("row %s: n %v", r.Key, d["n"])}
		}
		return err
	})
	wantCode(t, "a CHECK row 3 fails", err, "23514")
	mustExec(t, db.DropColumn("t", "x"))
	if got := get(db.View(), 9); strings.Contains(got, "x:") || !strings.Contains(got, "n:2") {
		t.Fatalf("row 9 after DROP COLUMN: %s", got)
	}
	if p := db.CheckVersionIndex(); len(p) != 0 {
		t.Fatal(p)
	}
}

// TestDocAfterInsert: the PATCH after an INSERT whose document is its
// record's in the log holds its document in the index, so that a read of
// the run that follows is the index's alone; a run is counted the same by
// the snapshots' passes and by a rebuild from the log, and an index whose
// mark says its runs start at the INSERT gets the rows' versions again.
// Every version reads as it was written, AS OF its seq, throughout.
func TestDocAfterInsert(t *testing.T) {
	for _, leave := range []bool{false, true} {
		t.Run(fmt.Sprintf("NewestInIndex=%v", leave), func(t *testing.T) { testDocAfterInsert(t, leave) })
	}
}

func testDocAfterInsert(t *testing.T, leave bool) {
	const rows = 30
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: leave, SnapshotEvents: -1, SnapshotBytes: -1, CacheSize: -1}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"n"}}))
	for i := range rows {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "n": 0, "s": "%s"}`, i, strings.Repeat("x", i)))
		mustExec(t, err)
	}
	patch := func(round int) {
		for i := range rows {
			if i%10 >= round%10 { // row i has i%10 patches a ten rounds
				_, err := db.Patch(ctx, "t", int64(i), fmt.Appendf(nil, `{"n": %d}`, round))
				mustExec(t, err)
			}
		}
	}
	snapshot := func() uint64 {
		seq, err := db.SnapshotTable("t")
		mustExec(t, err)
		return seq
	}
	// Some rows' INSERTs go into the index alone, before their patches;
	// others with them.
	snapshot()
	for round := range 25 {
		patch(round)
		if round%6 == 5 {
			snapshot()
		}
	}
	seq := snapshot()
	checkVersionIndex(t, db, seq, 0)

	// docs are the versions the index holds, key by key, oldest first:
	// each as its type and whether it holds its document.
	docs := func() string {
		ts, _ := db.View().lookupTable("t")
		var out strings.Builder
		for i := range rows {
			k := Key{IsInt: true, Int: int64(i)}
			rd, err := ts.log.reader(k)
			mustExec(t, err)
			var vs []string
			for ok := ts.log.seek(rd, k, db.Seq()); ok; ok = rd.Next() {
				iv := rd.Version()
				vs = append(vs, fmt.Sprintf("%v:%v", store.EventType(iv.Type), iv.Doc != nil))
			}
			mustExec(t, rd.Err())
			ts.log.vx.ReleaseVersions(rd)
			slices.Reverse(vs)
			fmt.Fprintf(&out, "%d: %s\n", i, strings.Join(vs, " "))
		}
		return out.String()
	}
	afterInsert := func(image string) {
		t.Helper()
		for line := range strings.Lines(image) {
			vs := strings.Fields(line)[1:]
			if len(vs) < 2 {
				t.Fatalf("too few versions in the index: %s", line)
			}
			if vs[0] != fmt.Sprintf("%v:false", store.EventInsert) || vs[1] != fmt.Sprintf("%v:true", store.EventPatch) {
				t.Fatalf("the PATCH after an INSERT in the log without its document: %s", line)
			}
		}
	}
	// asOf reads every version at its seq, against the history.
	asOf := func(want map[uint64]string) {
		t.Helper()
		for s, doc := range want {
			v, err := db.ViewAt(s)
			mustExec(t, err)
			var found bool
			for i := range rows {
				r, ok, err := v.Get("t", int64(i))
				mustExec(t, err)
				if ok && r.Seq == s {
					found = true
					if string(r.doc) != doc {
						t.Fatalf("seq %d: %x, want %x", s, r.doc, doc)
					}
				}
			}
			if !found {
				t.Fatalf("no row read at seq %d", s)
			}
		}
	}
	image := docs()
	afterInsert(image)
	want := historyDocs(t, db)
	asOf(want)

	// Rebuilt from the log, the index holds the same documents of the
	// runs after the INSERTs.
	mustExec(t, db.Close())
	mustExec(t, os.RemoveAll(filepath.Join(dir, versionIndexDir)))
	db = openDB(t, dir, opts)
	if p := db.CheckVersionIndex(); len(p) != 0 {
		t.Fatal(p) // up to the whole snapshot loaded, the deltas' rows since still to put
	}
	rebuilt := docs()
	afterInsert(rebuilt)
	if got := historyDocs(t, db); !maps.Equal(got, want) {
		t.Fatal("the history reads otherwise after the rebuild")
	}
	asOf(want)

	// An index whose runs start at the INSERT (its mark says so) gets the
	// rows' versions again at the next snapshot.
	ts, _ := db.View().lookupTable("t")
	b := db.vx.NewBatch()
	mustExec(t, b.SetMark(ts.spec.OID, vindex.Mark{Seq: seq, Rows: true}))
	mustExec(t, b.Apply())
	patch(3)
	seq = snapshot()
	checkVersionIndex(t, db, seq, 0)
	want = historyDocs(t, db)
	asOf(want)
}

// TestSpillAbove: with Options.SpillAbove, a table's snapshots put its
// versions in the index and let them go from memory only once the
// database's log has passed it and the table's own is more than a
// sixteenth of it; a small table beside it stays in memory; a table that
// spilled stays spilled, after a reopen too; the history reads the same
// throughout.
func TestSpillAbove(t *testing.T) {
	dir := t.TempDir()
	const above = 256 << 10
	opts := Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1, SpillAbove: above}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"status"}}))
	mustExec(t, db.CreateTable(TableSpec{Name: "small", PK: "id"}))
	tx := db.Begin()
	for k := range 10 {
		_, err := tx.Insert("small", fmt.Appendf(nil, `{"id": %d}`, k))
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	spilled := func(name string) bool {
		t.Helper()
		ts, ok := db.View().lookupTable(name)
		if !ok {
			t.Fatalf("no table %s", name)
		}
		_, ok, err := db.vx.Mark(ts.spec.OID)
		mustExec(t, err)
		return ok
	}
	snapshot := func(name string) *tableState {
		t.Helper()
		_, err := db.SnapshotTable(name)
		mustExec(t, err)
		ts, _ := db.View().lookupTable(name)
		return ts
	}
	logBytes := func() int64 { return db.st.SegmentBytes("t") + db.st.SegmentBytes("small") }

	rng := rand.New(rand.NewPCG(3, 4))
	rounds := 0
	for logBytes() <= above {
		versionIndexWorkload(t, db, rng, 40, 10)
		if rounds += 10; rounds > 10_000 {
			t.Fatal("the log does not grow")
		}
		if logBytes() > above {
			break
		}
		// Below the threshold, a snapshot leaves the rows whole.
		if ts := snapshot("t"); spilled("t") || inIndexVersions(ts) != 0 {
			t.Fatalf("table t spilled at %d bytes of log, below %d", logBytes(), above)
		}
	}
	before := historyDocs(t, db)
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	if !spilled("t") {
		t.Fatalf("table t did not spill at %d bytes of log, above %d", logBytes(), above)
	}
	checkVersionIndex(t, db, seq, 0)
	if ts, _ := db.View().lookupTable("t"); inIndexVersions(ts) == 0 {
		t.Fatal("table t spilled but its rows hold every version")
	}
	if after := historyDocs(t, db); !maps.Equal(after, before) {
		t.Fatal("the history reads otherwise once spilled")
	}
	if snapshot("small"); spilled("small") {
		t.Fatalf("table small (%d bytes of log) spilled", db.st.SegmentBytes("small"))
	}

	// Reopened with a threshold the log is far below: t stays spilled,
	// its snapshots keep the index up to date; small stays in memory.
	mustExec(t, db.Close())
	opts.SpillAbove = 1 << 40
	db = openDB(t, dir, opts)
	if ts, _ := db.View().lookupTable("t"); inIndexVersions(ts) == 0 {
		t.Fatal("reopened, table t holds every version")
	}
	versionIndexWorkload(t, db, rng, 40, 5)
	before = historyDocs(t, db)
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)
	if after := historyDocs(t, db); !maps.Equal(after, before) {
		t.Fatal("the history reads otherwise after a reopen")
	}
	if snapshot("small"); spilled("small") {
		t.Fatal("table small spilled after a reopen")
	}
}

// TestSpillManySmallTables: tables each below a sixteenth of SpillAbove
// but together above it spill, the larger first, until those held in
// memory are back under it; without that, their sum had no bound.
func TestSpillManySmallTables(t *testing.T) {
	const above = 256 << 10
	db := openDB(t, t.TempDir(), Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1, SpillAbove: above})
	defer db.Close()
	pad := strings.Repeat("x", 100)
	var names []string
	total := int64(0)
	for i := 0; total <= above+above/4; i++ {
		name := fmt.Sprintf("t%d", i)
		names = append(names, name)
		mustExec(t, db.CreateTable(TableSpec{Name: name, PK: "id"}))
		// Each table's log between 10 and 15 KB, one a little larger
		// every few, all below above/16.
		for k := 0; db.st.SegmentBytes(name) < int64(10<<10+(i%4)<<10); k += 10 {
			tx := db.Begin()
			for j := k; j < k+10; j++ {
				_, err := tx.Insert(name, fmt.Appendf(nil, `{"id": %d, "pad": %q}`, j, pad))
				mustExec(t, err)
			}
			_, err := tx.Commit(ctx)
			mustExec(t, err)
		}
		own := db.st.SegmentBytes(name)
		if own > above/16 {
			t.Fatalf("table %s has %d bytes of log, more than a sixteenth of %d", name, own, above)
		}
		total += own
	}
	spilled := func(name string) bool {
		ts, _ := db.View().lookupTable(name)
		_, ok, err := db.vx.Mark(ts.spec.OID)
		mustExec(t, err)
		return ok
	}
	var held, largestHeld, smallestSpilled int64
	smallestSpilled = 1 << 62
	n := 0
	for _, name := range names {
		_, err := db.SnapshotTable(name)
		mustExec(t, err)
	}
	for _, name := range names {
		own := db.st.SegmentBytes(name)
		if spilled(name) {
			n++
			smallestSpilled = min(smallestSpilled, own)
			if ts, _ := db.View().lookupTable(name); inIndexVersions(ts) == 0 && func() bool { p, i := leftNewest(ts); return p+i == 0 }() {
				t.Fatalf("table %s spilled but holds every version and document", name)
			}
		} else {
			held += own
			largestHeld = max(largestHeld, own)
		}
	}
	if n == 0 || held > above {
		t.Fatalf("%d of %d tables spilled, %d bytes of log held in memory against %d", n, len(names), held, above)
	}
	t.Logf("%d of %d tables spilled (the smallest %d bytes of log), %d bytes held (the largest table %d)", n, len(names), smallestSpilled, held, largestHeld)
}

// TestIndexedChainIsWhole: a table the index comes to hold while its chain
// is on a whole snapshot without gaps (a directory kept without the index,
// then with it) writes a whole snapshot, with gaps, not a delta on that
// one: reopened, its rows keep their gaps rather than every version.
func TestIndexedChainIsWhole(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, dir, opts)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"status"}}))
	rng := rand.New(rand.NewPCG(5, 6))
	versionIndexWorkload(t, db, rng, 40, 10)
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	// A delta's worth: one row written, the others as the whole snapshot
	// has them.
	tx := db.Begin()
	_, err = tx.Insert("t", []byte(`{"id": 1000, "status": "new"}`))
	mustExec(t, err)
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	mustExec(t, db.Close())

	opts.VersionIndex = true
	db = openDB(t, dir, opts)
	before := historyDocs(t, db)
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)
	mustExec(t, db.Close())
	db = openDB(t, dir, opts)
	defer db.Close()
	// Every row of more than two versions (the first round's INSERT and
	// updates after it) holds a gap in their place.
	ts, _ := db.View().lookupTable("t")
	whole, rows := 0, 0
	ts.rows.Ascend(func(r row) bool {
		if len(r.versions) > 2 {
			whole++
		}
		rows++
		return true
	})
	if whole != 0 || inIndexVersions(ts) == 0 {
		t.Fatalf("reopened, %d of the %d rows the index holds have every version in memory", whole, rows)
	}
	if after := historyDocs(t, db); !maps.Equal(after, before) {
		t.Fatal("the history reads otherwise")
	}
}

// TestSpillAtOpen: a table held in memory past SpillAbove (loaded with a
// larger threshold, or before the index) spills in the background once
// the database opens with automatic snapshots, unwritten; with them off
// it stays held.
func TestSpillAtOpen(t *testing.T) {
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1, SpillAbove: 1 << 40}
	db := openDB(t, dir, opts)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"status"}}))
	versionIndexWorkload(t, db, rand.New(rand.NewPCG(7, 8)), 40, 30)
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	before := historyDocs(t, db)
	mustExec(t, db.Close())

	spilled := func(db *DB) bool {
		ts, _ := db.View().lookupTable("t")
		_, ok, err := db.vx.Mark(ts.spec.OID)
		mustExec(t, err)
		return ok
	}
	opts.SpillAbove = 1 << 10
	db = openDB(t, dir, opts) // automatic snapshots off
	time.Sleep(100 * time.Millisecond)
	if spilled(db) {
		t.Fatal("a table spilled at an open without automatic snapshots")
	}
	mustExec(t, db.Close())

	opts.SnapshotEvents, opts.SnapshotBytes = 0, 0 // the defaults
	db = openDB(t, dir, opts)
	for deadline := time.Now().Add(20 * time.Second); !spilled(db); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the table did not spill after the open")
		}
	}
	mustExec(t, db.Close()) // waits for the snapshot under way
	db = openDB(t, dir, opts)
	defer db.Close()
	if ts, _ := db.View().lookupTable("t"); inIndexVersions(ts) == 0 {
		t.Fatal("reopened after the spill, the table holds every version")
	}
	if after := historyDocs(t, db); !maps.Equal(after, before) {
		t.Fatal("the history reads otherwise after the spill")
	}
}

// TestRowRunsFindInOrder checks find's walk from a position against its
// search of the whole list: keys asked in order, with keys the pass did
// not put and runs of them longer than the steps it takes, a seq that is
// not the run's, and a key asked out of order.
func TestRowRunsFindInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 19))
	var runs runList
	var asked []Key
	for i := range 5000 {
		k := Key{Int: int64(i), IsInt: true}
		if i%3 == 0 {
			k = Key{Str: fmt.Sprintf("k%05d", i)}
		}
		asked = append(asked, k)
		if rng.IntN(4) == 0 || i > 2000 && i < 2100 {
			continue // not put by the pass
		}
		runs = append(runs, rowRun{key: k, seq: uint64(i) + 100, n: indexDocs(i % docEvery)})
	}
	slices.SortFunc(asked, compareKeys)
	slices.SortFunc(runs, func(a, b rowRun) int { return compareKeys(a.key, b.key) })
	at := 0
	for i, k := range asked {
		seq := uint64(0)
		if j, ok := slices.BinarySearchFunc(runs, k, func(r rowRun, k Key) int { return compareKeys(r.key, k) }); ok {
			seq = runs[j].seq
			if i%5 == 0 {
				seq++ // not the version the pass put
			}
		}
		wantN, wantOK := runs.find(k, seq, nil)
		if n, ok := runs.find(k, seq, &at); n != wantN || ok != wantOK {
			t.Fatalf("key %v seq %d: in order %d %v, searched %d %v", k, seq, n, ok, wantN, wantOK)
		}
		if i == 4000 {
			// One asked out of order: found by a search, the walk going
			// on from it.
			back := runs[5]
			wantN, wantOK := runs.find(back.key, back.seq, nil)
			if n, ok := runs.find(back.key, back.seq, &at); n != wantN || ok != wantOK || !ok {
				t.Fatalf("key %v asked out of order: %d %v, searched %d %v", back.key, n, ok, wantN, wantOK)
			}
		}
	}
	if at != len(runs) {
		t.Fatalf("the walk ends at %d of %d runs", at, len(runs))
	}
}

// TestRowInsertsInLog: the index's entry for a row whose newest version
// is an INSERT holds no document (the record's in the log), the others
// their own; the rows read the same through it all, after a reopen too.
// An index of before, whose entries held the INSERTs' documents (its mark
// says so), is checked by its own rule and gets every row's entry again
// at the next snapshot.
func TestRowInsertsInLog(t *testing.T) {
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	insert := func(k int) {
		mustCommit(t, db, func(tx *Txn) error {
			_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "n": %d}`, k, k*7))
			return err
		})
	}
	for k := range 30 {
		insert(k)
	}
	for k := 10; k < 20; k++ {
		mustCommit(t, db, func(tx *Txn) error { return tx.Patch("t", int64(k), []byte(`{"n": 1}`)) })
	}
	for k := 20; k < 30; k++ {
		mustCommit(t, db, func(tx *Txn) error { return tx.SoftDelete("t", int64(k)) })
	}
	for k := 25; k < 30; k++ {
		insert(k) // a new life
	}
	want := historyDocs(t, db)
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)
	oid := func() uint32 { ts, _ := db.View().lookupTable("t"); return ts.spec.OID }()
	// entries returns the index's row entries by key: type and document.
	type entry struct {
		typ store.EventType
		doc []byte
	}
	entries := func() map[int64]entry {
		t.Helper()
		rr, err := db.vx.NewRows()
		mustExec(t, err)
		defer rr.Close()
		out := map[int64]entry{}
		for ok := rr.Scan(oid); ok; ok = rr.Next() {
			k, _, err := readOrderedKey(rr.Key())
			mustExec(t, err)
			out[k.Int] = entry{store.EventType(rr.Version().Type), bytes.Clone(rr.Version().Doc)}
		}
		mustExec(t, rr.Err())
		return out
	}
	checkEntries := func(docsOfInserts bool) {
		t.Helper()
		es := entries()
		if len(es) != 30 {
			t.Fatalf("%d rows in the index, want 30", len(es))
		}
		for k, e := range es {
			var wantType store.EventType
			var wantDoc []byte
			switch {
			case k >= 10 && k < 20:
				wantType, wantDoc = store.EventPatch, fmt.Appendf(nil, `{"id":%d,"n":1}`, k)
			case k >= 20 && k < 25:
				wantType = store.EventSoftDelete
			default:
				wantType = store.EventInsert
				if docsOfInserts {
					wantDoc = fmt.Appendf(nil, `{"id":%d,"n":%d}`, k, k*7)
				}
			}
			if wantDoc != nil {
				d, _, err := decodeDocument(wantDoc)
				mustExec(t, err)
				wantDoc = ToJSON(d)
			}
			var got []byte
			if e.doc != nil {
				d, err := decodeDocBytes(e.doc)
				mustExec(t, err)
				got = ToJSON(d)
			}
			if e.typ != wantType || string(got) != string(wantDoc) {
				t.Fatalf("row %d: the index has a %v with %s, want a %v with %s", k, e.typ, got, wantType, wantDoc)
			}
		}
	}
	checkEntries(false)
	if got := historyDocs(t, db); !maps.Equal(got, want) {
		t.Fatal("the history reads otherwise")
	}
	mustExec(t, db.Close())
	db = openDB(t, dir, opts)
	if got := historyDocs(t, db); !maps.Equal(got, want) {
		t.Fatal("the history reads otherwise after a reopen")
	}

	// An index of before: the INSERTs' entries with their documents, and
	// a mark that does not say otherwise.
	ts, _ := db.View().lookupTable("t")
	b := db.vx.NewBatch()
	for k := range 30 {
		r, _ := ts.get(Key{Int: int64(k), IsInt: true})
		if v := r.newest(); v.typ() == store.EventInsert {
			doc, err := r.current(ts.log)
			mustExec(t, err)
			mustExec(t, b.PutRow(oid, appendOrderedKey(nil, r.key), v.seq, vindex.Version{Type: byte(v.typ()), Ms: v.ms, Doc: doc}))
		}
	}
	mustExec(t, b.SetMark(oid, vindex.Mark{Seq: seq, Rows: true, DocAfterInsert: true}))
	mustExec(t, b.Apply())
	if p := db.CheckVersionIndex(); len(p) != 0 {
		t.Fatal(p)
	}
	checkEntries(true)
	// Its rule holds it: an INSERT's entry without its document is not
	// the index of before.
	b = db.vx.NewBatch()
	r, _ := ts.get(Key{Int: 3, IsInt: true})
	mustExec(t, b.PutRow(oid, appendOrderedKey(nil, r.key), r.newest().seq, vindex.Version{Type: byte(store.EventInsert), Ms: r.newest().ms}))
	mustExec(t, b.Apply())
	if p := db.CheckVersionIndex(); len(p) == 0 {
		t.Fatal("an index of before whose INSERT lacks its document checks")
	}
	// A pass cut short after its first batch, which cleared the rows:
	// the mark no longer claims them, and the index checks.
	m, _, err := db.vx.Mark(oid)
	mustExec(t, err)
	w := newVersionWriter(db.vx, oid)
	mustExec(t, w.clearRows(m, true))
	mustExec(t, w.b.Apply())
	if m, _, err := db.vx.Mark(oid); err != nil || m.Rows || m.Seq != seq {
		t.Fatalf("the mark after the rows were cleared: %+v, %v", m, err)
	}
	if p := db.CheckVersionIndex(); len(p) != 0 {
		t.Fatal(p)
	}
	if es := entries(); len(es) != 0 {
		t.Fatalf("%d row entries after they were cleared", len(es))
	}
	// One row written, and the next snapshot puts every row's entry.
	mustCommit(t, db, func(tx *Txn) error { return tx.Patch("t", int64(12), []byte(`{"n": 1}`)) })
	want = historyDocs(t, db)
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)
	checkEntries(false)
	if got := historyDocs(t, db); !maps.Equal(got, want) {
		t.Fatal("the history reads otherwise after the index's rows were put again")
	}
}

// TestWholeSnapshotLeavesInserts: a whole snapshot of a table the version
// index holds writes the rows whose newest version is an INSERT without
// its document (v 6), its record in the log being it, and the others with
// theirs; the table reads the same after a reopen, with the newest
// documents left to the index or held, without the present file, with
// the index made again from the log, after writes and snapshots on it,
// and after a fold takes the horizon past those INSERTs.
func TestWholeSnapshotLeavesInserts(t *testing.T) {
	dir := t.TempDir()
	opts := spilledOpts()
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g"}}))
	insert := func(from, to int) {
		mustCommit(t, db, func(tx *Txn) error {
			for k := from; k < to; k++ {
				if _, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "g": %d, "n": %d}`, k, k%3, k*7)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	insert(0, 15)
	insert(15, 30)
	for k := 10; k < 20; k++ {
		mustCommit(t, db, func(tx *Txn) error { return tx.Patch("t", int64(k), []byte(`{"n": 1}`)) })
	}
	for k := 20; k < 30; k++ {
		mustCommit(t, db, func(tx *Txn) error { return tx.SoftDelete("t", int64(k)) })
	}
	insert(25, 30) // a new life
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)

	// The snapshot: the INSERTs last without their documents.
	spec := *db.work["t"].spec
	rows, h, err := readSnapshotHeader(bytes.NewReader(snapshotBytes(t, db, "t", seq)), &spec)
	mustExec(t, err)
	if h.V != wholeLogged || h.Indexed != seq {
		t.Fatalf("snapshot v %d indexed %d, want v %d indexed %d", h.V, h.Indexed, wholeLogged, seq)
	}
	logged := 0
	for range h.Rows {
		r, err := rows.next(false)
		mustExec(t, err)
		v := r.newest()
		if insert := v.typ() == store.EventInsert; insert != v.inLog() || !insert && !v.hasDoc() && !v.deleted() {
			t.Fatalf("row %v: its newest %v written with its document %v", r.key, v.typ(), v.hasDoc())
		}
		if v.inLog() {
			logged++
		}
	}
	if logged != 15 {
		t.Fatalf("%d rows written without their documents, want 15", logged)
	}

	// image is the table as reads give it now (the index's entries
	// held in memory differ with how it was loaded).
	image := func() string { return rowsImage(t, db, db.View().Seq(), "t", 3) }
	want, wantImage := historyDocs(t, db), image()
	check := func(when string) {
		t.Helper()
		if got := historyDocs(t, db); !maps.Equal(got, want) {
			t.Fatalf("%s: the history reads otherwise", when)
		}
		if got := image(); got != wantImage {
			t.Fatalf("%s: the table reads\n%s\nwant\n%s", when, got, wantImage)
		}
		if p := db.CheckVersionIndex(); len(p) != 0 {
			t.Fatalf("%s: %v", when, p)
		}
	}
	reopen := func(o Options, before func()) {
		t.Helper()
		mustExec(t, db.Close())
		if before != nil {
			before()
		}
		db = openDB(t, dir, o)
	}
	reopen(opts, nil)
	check("reopened")
	reopen(opts, func() {
		files, err := filepath.Glob(filepath.Join(dir, "tables", "t", "present.*"))
		mustExec(t, err)
		if len(files) != 1 {
			t.Fatalf("present files %v", files)
		}
		mustExec(t, os.Remove(files[0]))
	})
	check("reopened without the present file")
	held := opts
	held.NewestInIndex = false
	reopen(held, nil)
	check("reopened holding the newest documents")
	reopen(opts, func() { mustExec(t, os.RemoveAll(filepath.Join(dir, "vindex"))) })
	check("reopened with the index made again")

	// Writes on the rows loaded without their documents, a snapshot (a
	// delta on the whole one), a whole one, each read back.
	mustCommit(t, db, func(tx *Txn) error { return tx.Patch("t", int64(3), []byte(`{"n": 2}`)) })
	mustCommit(t, db, func(tx *Txn) error { return tx.SoftDelete("t", int64(4)) })
	insert(30, 32)
	_, err = db.SnapshotTable("t")
	mustExec(t, err)
	want, wantImage = historyDocs(t, db), image()
	reopen(opts, nil)
	check("a delta on it, reopened")
	mustCommit(t, db, func(tx *Txn) error { return tx.Patch("t", int64(5), []byte(`{"n": 3}`)) })
	wholeSnapshot(t, db, "t")
	want, wantImage = historyDocs(t, db), image()
	reopen(opts, nil)
	check("a whole one again, reopened")

	// A fold past the INSERTs: their documents stay, and read the same.
	last := db.View().Seq()
	_, err = db.CompactBefore("t", last)
	mustExec(t, err)
	if got := image(); got != wantImage {
		t.Fatalf("after a fold, the table reads\n%s\nwant\n%s", got, wantImage)
	}
	want = historyDocs(t, db)
	reopen(opts, nil)
	check("folded, reopened")
}

// TestSpillAtOpenInsertsInLog: a table the open spills in the background
// (spillsAtOpen) loads the rows whose newest version is an INSERT that
// follows closely on the one of the row before in the log without its
// document, the log's record being it; the others keep theirs (the first
// of such rows, rows inserted out of key order, rows patched since). A
// scan and reads by key give every row as it is, before and after the
// spill, whose index and present file check.
func TestSpillAtOpenInsertsInLog(t *testing.T) {
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1, SpillAbove: 1 << 40, CacheSize: -1}
	db := openDB(t, dir, opts)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"status"}}))
	want := map[int64]string{}
	insert := func(ids ...int64) {
		tx := db.Begin()
		for _, id := range ids {
			doc := fmt.Sprintf(`{"id": %d, "status": "s%d", "n": %d}`, id, id%3, id)
			_, err := tx.Insert("t", []byte(doc))
			mustExec(t, err)
			want[id] = doc
		}
		_, err := tx.Commit(ctx)
		mustExec(t, err)
	}
	var serial, shuffled []int64
	for id := range int64(3000) {
		serial = append(serial, id)
	}
	for i := range 100 {
		insert(serial[i*30 : (i+1)*30]...) // in key order, 30 a commit
	}
	for id := int64(10000); id < 10500; id++ {
		shuffled = append(shuffled, id)
	}
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	insert(shuffled...)
	patched := map[int64]bool{}
	for id := int64(5); id < 3000; id += 100 {
		_, err := db.Patch(ctx, "t", id, []byte(`{"n": -1}`))
		mustExec(t, err)
		want[id] = fmt.Sprintf(`{"id": %d, "status": "s%d", "n": -1}`, id, id%3)
		patched[id] = true
	}
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	mustExec(t, db.Close())

	// check reads every row of db by a scan and by key, as want has it.
	check := func(db *DB, when string) {
		t.Helper()
		v := db.View()
		n := 0
		mustExec(t, v.Scan("t", func(r *Row) bool {
			n++
			d, err := r.Doc()
			mustExec(t, err)
			w, _, err := DecodeDocument([]byte(want[r.Key.Int]))
			mustExec(t, err)
			if fmt.Sprint(d) != fmt.Sprint(w) {
				t.Fatalf("%s: row %d scans as %v, want %v", when, r.Key.Int, d, w)
			}
			return true
		}))
		if n != len(want) {
			t.Fatalf("%s: %d rows, want %d", when, n, len(want))
		}
		for _, id := range []int64{0, 1, 2999, 10000, 10499, 105} {
			r, ok, err := v.Get("t", id)
			mustExec(t, err)
			d, err := r.Doc()
			mustExec(t, err)
			if !ok || d["n"] == nil || fmt.Sprint(d["id"]) != fmt.Sprint(id) {
				t.Fatalf("%s: row %d by key: %v %v", when, id, ok, d)
			}
		}
	}

	// Which rows load without their documents, at an open that spills.
	opts.SpillAbove = 1 << 10
	db = openDB(t, dir, opts) // automatic snapshots off: nothing spills
	if got := db.spillsAtOpen(); got != nil {
		t.Fatalf("an open without automatic snapshots spills %v", got)
	}
	spec := *db.work["t"].spec
	db.opts.SnapshotEvents = DefaultSnapshotEvents // as an open that spills
	if got := db.spillsAtOpen(); !got["t"] || len(got) != 1 {
		t.Fatalf("an open spills %v, want t", got)
	}
	db.spillingAtOpen = map[string]bool{"t": true}
	ts, idx, _, err := db.readWholeSnapshot(&spec, seq)
	mustExec(t, err)
	mustExec(t, db.useIndexes(ts, idx))
	db.spillingAtOpen = nil
	inLog := map[int64]bool{}
	ts.rows.Ascend(func(r row) bool {
		if r.newest().inLog() {
			inLog[r.key.Int] = true
		}
		return true
	})
	for _, id := range serial[1:] {
		if inLog[id] == patched[id] {
			t.Fatalf("row %d loads with its document %v, patched %v", id, !inLog[id], patched[id])
		}
	}
	if inLog[0] {
		t.Fatal("the first row loads without its document")
	}
	out := 0
	for _, id := range shuffled {
		if inLog[id] {
			out++
		}
	}
	if out > len(shuffled)/10 {
		t.Fatalf("%d of %d rows inserted out of key order load without their documents", out, len(shuffled))
	}
	mustExec(t, db.Close())

	opts.SnapshotEvents, opts.SnapshotBytes = 0, 0 // the defaults: the open spills
	db = openDB(t, dir, opts)
	check(db, "at the open")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ts, _ := db.View().lookupTable("t")
		if _, ok, err := db.vx.Mark(ts.spec.OID); err != nil || ok {
			mustExec(t, err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the table did not spill after the open")
		}
	}
	mustExec(t, db.Close()) // waits for the snapshot under way
	db = openDB(t, dir, opts)
	defer db.Close()
	check(db, "after the spill")
	if bad := db.CheckVersionIndex(); len(bad) > 0 {
		t.Fatalf("the index after the spill: %v", bad)
	}
	if unusable, wrong := db.CheckPresentFiles(); len(unusable)+len(wrong) > 0 {
		t.Fatalf("the present files after the spill: %v %v", unusable, wrong)
	}
}
