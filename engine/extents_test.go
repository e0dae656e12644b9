package engine

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// gapReads reads every seq of every gap of table t both from the extents
// and from the index's entries, failing where they differ, and returns
// how many the extents answered and how many they left to the index.
func gapReads(t *testing.T, db *DB) (fromExtents, unsure int) {
	t.Helper()
	v := db.View()
	ts, _ := v.lookupTable("t")
	ts = v.trees("t", ts)
	ts.rows.Ascend(func(r row) bool {
		for i := range r.versions {
			g := &r.versions[i]
			if !g.gap() {
				continue
			}
			for seq := g.seq; seq < r.versions[i+1].seq; seq++ {
				xs, xms, xdoc, ok := r.fromExtents(ts.log, i, seq)
				is, ims, idoc, err := r.indexGapAt(ts.log, i, seq)
				mustExec(t, err)
				if !ok {
					unsure++
					continue
				}
				fromExtents++
				if xs != is || xms != ims || !bytes.Equal(xdoc, idoc) || (xdoc == nil) != (idoc == nil) {
					t.Fatalf("row %s at seq %d: the extents give seq %d ms %d %x, the index seq %d ms %d %x",
						r.key, seq, xs, xms, xdoc, is, ims, idoc)
				}
			}
		}
		return true
	})
	return fromExtents, unsure
}

// TestExtentsReads spills a table's history in several snapshots, each
// writing an extent of each row it puts versions of, and reads every seq
// of every gap from the extents, against the index's entries and against
// the history the rows gave before the spills. A fold then takes the
// rows' extents away (they count versions from a first the fold drops),
// and a restart removes the files: the reads go to the index, and give
// the same answers.
func TestExtentsReads(t *testing.T) {
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1, CacheSize: -1}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"status"}}))
	rng := rand.New(rand.NewPCG(7, 8))
	// Snapshots after rounds 6, 13, 20, 27 and 34, and one after the
	// last: six spills, rows of up to six extents each.
	versionIndexWorkload(t, db, rng, 60, 36)
	want := historyDocs(t, db)
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)
	n, unsure := gapReads(t, db)
	if n == 0 || unsure != 0 {
		t.Fatalf("%d reads of gaps from the extents, %d left to the index", n, unsure)
	}
	if got := db.ext.reads.Load(); got < int64(n) {
		t.Fatalf("%d reads counted, %d made", got, n)
	}
	files, err := os.ReadDir(filepath.Join(dir, extentsDir))
	mustExec(t, err)
	if len(files) != 6 {
		t.Fatalf("%d extents files after six spills, want 6", len(files))
	}

	// Every version through AS OF reads, as before the spills.
	asOf := func() {
		t.Helper()
		for vseq, doc := range want {
			v, err := db.ViewAt(vseq)
			mustExec(t, err)
			ts, _ := v.lookupTable("t")
			ts = v.trees("t", ts)
			found := false
			ts.rows.Ascend(func(r row) bool {
				if i := r.index(vseq); i >= 0 && r.versions[i].seq <= vseq {
					s, _, d, err := r.docAt(ts.log, vseq)
					mustExec(t, err)
					if s == vseq {
						found = true
						if string(d) != doc {
							t.Fatalf("seq %d: %x, want %x", vseq, d, doc)
						}
						return false
					}
				}
				return true
			})
			if !found {
				t.Fatalf("seq %d: no row has it", vseq)
			}
		}
	}
	asOf()
	reads := db.ext.reads.Load()

	// A fold at the first row's INSERT: the rows inserted after it keep
	// their gaps, which lose their extents (the extents count a row's
	// versions from its first, and a fold may drop it), and the snapshot
	// the fold writes puts the rows' versions again, with no extent for a
	// row with a gap.
	h := uint64(1)
	_, err = db.CompactBefore("t", h)
	mustExec(t, err)
	n, unsure = gapReads(t, db)
	if unsure == 0 {
		t.Fatalf("after a fold: every read of %d from the extents", n)
	}
	// The snapshot after more writes writes extents that chain to none
	// of the fold's gaps: the reads of those gaps' older versions go to
	// the index.
	versionIndexWorkload(t, db, rng, 60, 3)
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, h)
	n2, unsure2 := gapReads(t, db)
	t.Logf("before the fold: %d reads of gaps from the extents, %d AS OF reads; after it: %d from the extents and %d from the index; after a snapshot: %d and %d",
		reads, len(want), n, unsure, n2, unsure2)
	if n2 <= n || unsure2 == 0 {
		t.Fatalf("after a fold and a snapshot: %d reads from the extents, %d from the index", n2, unsure2)
	}

	// A restart: no extents, the same answers.
	mustExec(t, db.Close())
	db = openDB(t, dir, opts)
	if files, err := os.ReadDir(filepath.Join(dir, extentsDir)); err != nil || len(files) != 0 {
		t.Fatalf("extents files after a restart: %d (%v)", len(files), err)
	}
	if n, _ := gapReads(t, db); n != 0 {
		t.Fatalf("%d reads from the extents after a restart", n)
	}
}

// TestExtentsNotAdjacent: a pass whose trim does not run leaves its
// extents unreferenced, and the rows hold the versions it put. The next
// pass's extents chain to the gaps' older extents, not adjacent to them:
// a read of a seq in the versions between goes to the index, and gives
// the same answer.
func TestExtentsNotAdjacent(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	rng := rand.New(rand.NewPCG(9, 10))
	versionIndexWorkload(t, db, rng, 40, 6)
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	versionIndexWorkload(t, db, rng, 40, 6)
	// A pass with no trim after it.
	db.snapMu.Lock()
	var ts *tableState
	db.locked(func() { ts = db.work["t"] })
	_, err = db.indexVersions(ts, db.visible.Load())
	if err == nil {
		err = db.vx.Flush()
	}
	db.snapMu.Unlock()
	mustExec(t, err)
	versionIndexWorkload(t, db, rng, 40, 6)
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)
	n, unsure := gapReads(t, db)
	t.Logf("%d reads of gaps from the extents, %d from the index", n, unsure)
	if n == 0 || unsure == 0 {
		t.Fatalf("%d reads of gaps from the extents, %d from the index", n, unsure)
	}
}
