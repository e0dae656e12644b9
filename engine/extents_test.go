package engine

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftdb/driftdb/vindex"
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

	// A state a crash could leave: the directory as it is while open.
	crashed := t.TempDir()
	mustExec(t, os.CopyFS(crashed, os.DirFS(dir)))

	// A restart takes the file back: the reads take the extents at once,
	// before the writer runs.
	mustExec(t, db.Close())
	files := extentFileNames(t, dir)
	if len(files) != 1 {
		t.Fatalf("extents files after a close: %v", files)
	}
	// A read-only open (the command line's) reads through them too, and
	// leaves the directory as it is, junk included.
	mustExec(t, os.WriteFile(filepath.Join(dir, extentsDir, "junk"), nil, 0o644))
	ro := openDB(t, dir, Options{ReadOnly: true, VersionIndex: true, NewestInIndex: true})
	if n, unsure := gapReads(t, ro); n == 0 || unsure != 0 {
		t.Fatalf("read only: %d reads from the extents, %d from the index", n, unsure)
	}
	mustExec(t, ro.Close())
	if got := extentFileNames(t, dir); !slices.Equal(got, append(slices.Clone(files), "junk")) {
		t.Fatalf("extents files after a read-only open: %v", got)
	}
	mustExec(t, os.Remove(filepath.Join(dir, extentsDir, "junk")))
	db = openDB(t, dir, opts)
	if n, unsure := gapReads(t, db); n == 0 || unsure != 0 {
		t.Fatalf("after a restart: %d reads from the extents, %d from the index", n, unsure)
	}
	if got := extentFileNames(t, dir); !slices.Equal(got, files) {
		t.Fatalf("extents files after a restart: %v, want %v", got, files)
	}

	// An older file beside the newest (a removal a crash took back) goes;
	// the newest stays. Junk and names not the writer's go too.
	xdir := filepath.Join(dir, extentsDir)
	old, err := os.ReadFile(filepath.Join(xdir, files[0]))
	mustExec(t, err)
	mustExec(t, db.writeExtents(ctx, "t"))
	newest := extentFileNames(t, dir)
	mustExec(t, db.Close())
	mustExec(t, os.WriteFile(filepath.Join(xdir, files[0]), old, 0o644))
	mustExec(t, os.WriteFile(filepath.Join(xdir, "0"+newest[0]), old, 0o644))
	mustExec(t, os.WriteFile(filepath.Join(xdir, "junk"), []byte("junk"), 0o644))
	db = openDB(t, dir, opts)
	if got := extentFileNames(t, dir); !slices.Equal(got, newest) {
		t.Fatalf("extents files after a restart: %v, want %v", got, newest)
	}
	if ts, _ := db.View().lookupTable("t"); ts.log.extents.Load().num != db.ext.next.Load() {
		t.Fatalf("the table took file %d, want %d", ts.log.extents.Load().num, db.ext.next.Load())
	}
	if n, unsure := gapReads(t, db); n == 0 || unsure != 0 {
		t.Fatalf("after a restart: %d reads from the extents, %d from the index", n, unsure)
	}

	// The older file alone (the newest's name lost) still holds: no
	// version below the horizon changes.
	mustExec(t, db.Close())
	mustExec(t, os.Remove(filepath.Join(xdir, newest[0])))
	mustExec(t, os.WriteFile(filepath.Join(xdir, files[0]), old, 0o644))
	db = openDB(t, dir, opts)
	if n, unsure := gapReads(t, db); n == 0 || unsure != 0 {
		t.Fatalf("the older file: %d reads from the extents, %d from the index", n, unsure)
	}

	// A fold while the extents are not kept (the command line) leaves a
	// file of another horizon: the next open removes it.
	mustExec(t, db.Close())
	noext := opts
	noext.Extents = false
	db = openDB(t, dir, noext)
	_, err = db.CompactBefore("t", 3)
	mustExec(t, err)
	mustExec(t, db.Close())
	if files := extentFileNames(t, dir); len(files) != 1 {
		t.Fatalf("extents files after an open without them: %v", files)
	}
	// reopenWithout reopens the database, which must remove the file,
	// and reads the gaps from the index.
	reopenWithout := func(after string) {
		t.Helper()
		db = openDB(t, dir, opts)
		if files := extentFileNames(t, dir); len(files) != 0 {
			t.Fatalf("extents files after %s: %v", after, files)
		}
		if n, unsure := gapReads(t, db); n != 0 || unsure == 0 {
			t.Fatalf("after %s: %d reads from the extents, %d from the index", after, n, unsure)
		}
	}
	reopenWithout("a fold")

	// A damaged trailer: the file goes.
	mustExec(t, db.writeExtents(ctx, "t"))
	files = extentFileNames(t, dir)
	mustExec(t, db.Close())
	b, err := os.ReadFile(filepath.Join(xdir, files[0]))
	mustExec(t, err)
	b[len(b)-12] ^= 1
	mustExec(t, os.WriteFile(filepath.Join(xdir, files[0]), b, 0o644))
	reopenWithout("damage")

	// The version index made again (removed while closed): the file was
	// written from another one, and goes.
	mustExec(t, db.writeExtents(ctx, "t"))
	mustExec(t, db.Close())
	mustExec(t, os.RemoveAll(filepath.Join(dir, versionIndexDir)))
	reopenWithout("the index was made again")

	// The state a crash could leave reads as the index does, through the
	// extents when its index holds what they were written from.
	mustExec(t, db.Close())
	db = openDB(t, crashed, opts)
	n, unsure = gapReads(t, db)
	t.Logf("after a crash: %d reads from the extents, %d from the index", n, unsure)
	asOf()
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

// TestCheckExtents checks a table's extents file against the index, as
// driftdb verify does: right as written; a file with a version changed
// or left out (each well formed, its checksums right) is wrong; a file
// damaged, an older file and one of a table dropped are unusable.
func TestCheckExtents(t *testing.T) {
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: true, Extents: true, SnapshotEvents: -1, SnapshotBytes: -1, CacheSize: -1, extentsAfter: time.Hour}
	db := openDB(t, dir, opts)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	versionIndexWorkload(t, db, rand.New(rand.NewPCG(5, 6)), 40, 20)
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	mustExec(t, db.writeExtents(ctx, "t"))
	if unusable, wrong := db.CheckExtents(); len(unusable)+len(wrong) != 0 {
		t.Fatalf("extents as written: unusable %q, wrong %q", unusable, wrong)
	}
	mustExec(t, db.Close())
	xdir := filepath.Join(dir, extentsDir)
	files := extentFileNames(t, dir)
	if len(files) != 1 {
		t.Fatalf("extents files %v, want one", files)
	}
	num, _ := extentsFileNum(files[0])

	// forge writes file num+1 from file num, with change applied to the
	// third extent's versions.
	forge := func(change func(seqs []uint64, vs []vindex.Version) ([]uint64, []vindex.Version)) {
		t.Helper()
		fs := vindex.OSFS()
		x, meta, err := vindex.OpenSealedExtents(fs, filepath.Join(xdir, files[0]), num)
		mustExec(t, err)
		defer x.Close()
		w, err := vindex.CreateExtents(fs, filepath.Join(xdir, fmt.Sprintf("%d.x", num+1)), num+1)
		mustExec(t, err)
		i := 0
		mustExec(t, x.Walk(func(_ vindex.Addr, e vindex.Extent) error {
			var seqs []uint64
			var vs []vindex.Version
			for it := e.Versions(); ; {
				seq, v, ok := it.Next()
				if !ok {
					break
				}
				v.Doc, v.Patch = bytes.Clone(v.Doc), bytes.Clone(v.Patch)
				seqs, vs = append(seqs, seq), append(vs, v)
			}
			if i == 2 {
				seqs, vs = change(seqs, vs)
			}
			i++
			w.Begin(e.Prev, e.Key, e.Epoch, e.Pos)
			for j := range seqs {
				w.Add(seqs[j], vs[j])
			}
			_, _, err := w.End()
			return err
		}))
		mustExec(t, w.Seal(meta))
		mustExec(t, w.Close())
	}
	// check opens the directory as driftdb verify does and checks it.
	check := func() (unusable, wrong []string) {
		t.Helper()
		db := openDB(t, dir, Options{ReadOnly: true, VersionIndex: true})
		defer db.Close()
		return db.CheckExtents()
	}
	for _, c := range []struct {
		name   string
		change func([]uint64, []vindex.Version) ([]uint64, []vindex.Version)
		want   string
	}{
		{"a version's time", func(seqs []uint64, vs []vindex.Version) ([]uint64, []vindex.Version) {
			vs[1].Ms++
			return seqs, vs
		}, "is not the index's"},
		{"a version left out", func(seqs []uint64, vs []vindex.Version) ([]uint64, []vindex.Version) {
			return seqs[:len(seqs)-1], vs[:len(vs)-1]
		}, "versions, the index"},
	} {
		forge(c.change)
		unusable, wrong := check()
		if len(wrong) != 1 || !strings.Contains(wrong[0], c.want) || len(unusable) != 1 || !strings.Contains(unusable[0], "older than another file") {
			t.Fatalf("%s: unusable %q, wrong %q", c.name, unusable, wrong)
		}
	}

	// A byte of an extent flipped: its checksum fails, reads go around it.
	path := filepath.Join(xdir, fmt.Sprintf("%d.x", num+1))
	forge(func(seqs []uint64, vs []vindex.Version) ([]uint64, []vindex.Version) { return seqs, vs })
	if unusable, wrong := check(); len(wrong) != 0 || len(unusable) != 1 {
		t.Fatalf("a copy: unusable %q, wrong %q", unusable, wrong)
	}
	b, err := os.ReadFile(path)
	mustExec(t, err)
	b[100] ^= 0x20
	mustExec(t, os.WriteFile(path, b, 0o644))
	unusable, wrong := check()
	if len(wrong) != 0 || len(unusable) != 2 || !strings.Contains(strings.Join(unusable, " "), "checksum") {
		t.Fatalf("a byte flipped: unusable %q, wrong %q", unusable, wrong)
	}

	// The table dropped: its file is no table's.
	mustExec(t, os.Remove(path))
	db = openDB(t, dir, Options{VersionIndex: true, SnapshotEvents: -1, SnapshotBytes: -1})
	mustExec(t, db.DropTable("t", false))
	mustExec(t, db.Close())
	if unusable, wrong := check(); len(wrong) != 0 || len(unusable) != 1 || !strings.Contains(unusable[0], "not in the database") {
		t.Fatalf("the table dropped: unusable %q, wrong %q", unusable, wrong)
	}
}

// TestExtentsUnderWrites spills a table again and again with no pause as
// long as the writer waits for one (extentsAfter): the writer writes its
// extents all the same, extentsLatest of those after the passes began,
// and the reads of the gaps take them.
func TestExtentsUnderWrites(t *testing.T) {
	after := 100 * time.Millisecond
	db := openDB(t, t.TempDir(), Options{VersionIndex: true, NewestInIndex: true, Extents: true, SnapshotEvents: -1, SnapshotBytes: -1, CacheSize: -1, extentsAfter: after})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	rng := rand.New(rand.NewPCG(13, 14))
	ts, _ := db.View().lookupTable("t")
	start := time.Now()
	for ts.log.extents.Load() == nil {
		if time.Since(start) > 30*time.Second {
			t.Fatal("no extents written in 30 s of passes")
		}
		// Each round a commit and a pass, far less than after apart.
		round := time.Now()
		versionIndexWorkload(t, db, rng, 30, 1)
		_, err := db.SnapshotTable("t")
		mustExec(t, err)
		if d := time.Since(round); d > after/2 {
			t.Logf("a round took %s", d)
		}
	}
	t.Logf("extents written %s after the passes began", time.Since(start).Round(time.Millisecond))
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	if n, _ := gapReads(t, db); n == 0 {
		t.Fatal("no read from the extents")
	}
}
