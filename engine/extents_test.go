package engine

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// gapReads reads seqs of every gap of table t both from the extents
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
			// The gap's first seq and its last, and a few between.
			end := r.versions[i+1].seq
			for seq := g.seq; seq < end; seq = min(seq+max(1, (end-g.seq)/6), max(seq+1, end-1)) {
				xs, xms, xdoc, ok := r.fromExtents(ts.log, i, seq)
				is, ims, idoc, err := r.indexGapAt(ts.log, i, seq)
				mustExec(t, err)
				if !ok {
					unsure++
					continue
				}
				fromExtents++
				if xs != is || xms != ims || !bytes.Equal(xdoc, idoc) || (xdoc == nil) != (idoc == nil) {
					t.Fatalf("row %s at seq %d: the extent gives seq %d ms %d %x, the index seq %d ms %d %x",
						r.key, seq, xs, xms, xdoc, is, ims, idoc)
				}
			}
		}
		return true
	})
	return fromExtents, unsure
}

// extentFiles lists the extents files of the database in dir.
func extentFileNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(dir, extentsDir))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestExtentsReads spills a table's history in several snapshots, writes
// its extents, and reads every seq of every gap from them, against the
// index's entries; and AS OF each version, against the history the rows
// gave before the spills. Snapshots after it merge the gaps with later
// versions (read from the index, the rest from the extent), the extents
// written again cover them, a fold takes them from the gaps it keeps,
// and a restart removes the files.
func TestExtentsReads(t *testing.T) {
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: true, Extents: true, SnapshotEvents: -1, SnapshotBytes: -1, CacheSize: -1, extentsAfter: time.Hour}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"status"}}))
	rng := rand.New(rand.NewPCG(7, 8))
	// Snapshots after rounds 6, 13, 20, 27 and 34, and one after them.
	versionIndexWorkload(t, db, rng, 60, 36)
	want := historyDocs(t, db)
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)
	if n, _ := gapReads(t, db); n != 0 {
		t.Fatalf("%d reads from extents not yet written", n)
	}
	mustExec(t, db.writeExtents(ctx, "t"))
	n, unsure := gapReads(t, db)
	if n == 0 || unsure != 0 {
		t.Fatalf("%d reads of gaps from the extents, %d left to the index", n, unsure)
	}
	if files := extentFileNames(t, dir); len(files) != 1 {
		t.Fatalf("extents files %v, want one", files)
	}

	// Every version AS OF its seq, as the rows gave it before the spills.
	asOf := func() {
		t.Helper()
		for vseq, doc := range want {
			v, err := db.ViewAt(vseq)
			mustExec(t, err)
			ts, _ := v.lookupTable("t")
			ts = v.trees("t", ts)
			found := false
			ts.rows.Ascend(func(r row) bool {
				s, _, d, err := r.docAt(ts.log, vseq)
				mustExec(t, err)
				if s != vseq {
					return true
				}
				found = true
				if string(d) != doc {
					t.Fatalf("seq %d: %x, want %x", vseq, d, doc)
				}
				return false
			})
			if !found {
				t.Fatalf("seq %d: no row has it", vseq)
			}
		}
	}
	before := db.ext.reads.Load()
	asOf()
	if db.ext.reads.Load() == before {
		t.Fatal("no AS OF read took the extents")
	}

	// Later versions spilled: the rows' extents answer up to their last
	// version, the index the rest.
	versionIndexWorkload(t, db, rng, 60, 4)
	_, err = db.SnapshotTable("t")
	mustExec(t, err)
	n, unsure = gapReads(t, db)
	if n == 0 || unsure == 0 {
		t.Fatalf("after a later spill: %d reads from the extents, %d from the index", n, unsure)
	}
	mustExec(t, db.writeExtents(ctx, "t"))
	if n, unsure := gapReads(t, db); n == 0 || unsure != 0 {
		t.Fatalf("extents written again: %d reads from them, %d from the index", n, unsure)
	}
	if files := extentFileNames(t, dir); len(files) != 1 {
		t.Fatalf("extents files %v, want the newest alone", files)
	}

	// A fold at the first row's INSERT: the rows inserted after it keep
	// their gaps; the table's extents go.
	h := uint64(1)
	_, err = db.CompactBefore("t", h)
	mustExec(t, err)
	if n, unsure := gapReads(t, db); n != 0 || unsure == 0 {
		t.Fatalf("after a fold: %d reads from the extents, %d from the index", n, unsure)
	}
	if files := extentFileNames(t, dir); len(files) != 0 {
		t.Fatalf("extents files after a fold: %v", files)
	}
	mustExec(t, db.writeExtents(ctx, "t"))
	if n, unsure := gapReads(t, db); n == 0 || unsure != 0 {
		t.Fatalf("after a fold, extents written again: %d reads from them, %d from the index", n, unsure)
	}

	// A dropped table's extents go with it.
	mustExec(t, db.CreateTable(TableSpec{Name: "t2", PK: "id"}))
	tx := db.Begin()
	for k := range 20 {
		_, err := tx.Insert("t2", fmt.Appendf(nil, `{"id": %d}`, k))
		mustExec(t, err)
	}
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	for k := range 20 {
		tx := db.Begin()
		mustExec(t, tx.Patch("t2", int64(k), []byte(`{"n": 1}`)))
		_, err = tx.Commit(ctx)
		mustExec(t, err)
	}
	_, err = db.SnapshotTable("t2")
	mustExec(t, err)
	mustExec(t, db.writeExtents(ctx, "t2"))
	if files := extentFileNames(t, dir); len(files) != 2 {
		t.Fatalf("extents files of two tables: %v", files)
	}
	mustExec(t, db.DropTable("t2", false))
	if files := extentFileNames(t, dir); len(files) != 1 {
		t.Fatalf("extents files after a drop: %v", files)
	}

	// A restart: no extents, until the writer writes them.
	mustExec(t, db.Close())
	if files := extentFileNames(t, dir); len(files) != 0 {
		t.Fatalf("extents files after a close: %v", files)
	}
	opts.extentsAfter = 5 * time.Second // the first write half a second after the open
	db = openDB(t, dir, opts)
	if ts, _ := db.View().lookupTable("t"); ts.log.extents.Load() != nil {
		t.Fatal("extents right after a restart")
	}
	deadline := time.Now().Add(10 * time.Second)
	for db.ext.reads.Load() == 0 {
		if n, _ := gapReads(t, db); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the extents were not written after the restart")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, unsure := gapReads(t, db); n == 0 || unsure != 0 {
		t.Fatalf("after a restart: %d reads from the extents, %d from the index", n, unsure)
	}
}

// TestExtentsBesideWrites writes a table's extents while commits and
// snapshots go on, and reads every gap both ways after.
func TestExtentsBesideWrites(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{VersionIndex: true, NewestInIndex: true, Extents: true, SnapshotEvents: -1, SnapshotBytes: -1, extentsAfter: time.Hour})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	rng := rand.New(rand.NewPCG(9, 10))
	versionIndexWorkload(t, db, rng, 100, 14)
	done := make(chan error)
	go func() {
		var err error
		for range 3 {
			if err = db.writeExtents(context.Background(), "t"); err != nil {
				break
			}
		}
		done <- err
	}()
	versionIndexWorkload(t, db, rand.New(rand.NewPCG(11, 12)), 100, 14)
	mustExec(t, <-done)
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	n, unsure := gapReads(t, db)
	t.Logf("%d reads of gaps from the extents, %d from the index", n, unsure)
	if n == 0 {
		t.Fatal("no read from the extents")
	}
}
