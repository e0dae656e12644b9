package engine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	if err != nil || !ok || m.Seq != wantSeq || m.Horizon != wantHorizon {
		t.Fatalf("mark %+v (%v, %v), want seq %d horizon %d", m, ok, err, wantSeq, wantHorizon)
	}
}

// TestVersionIndexOnDisk keeps the version index of a table through
// snapshots, a reopen, a fold, damage and a drop, checking it against the
// rows after each.
func TestVersionIndexOnDisk(t *testing.T) {
	dir := t.TempDir()
	opts := Options{VersionIndex: true, SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"status"}}))
	rng := rand.New(rand.NewPCG(1, 2))
	versionIndexWorkload(t, db, rng, 40, 30)
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)

	// Reopened, the rows let go of most patches' documents: the index
	// rebuilds them from its own patches.
	mustExec(t, db.Close())
	db = openDB(t, dir, opts)
	ts, _ := db.View().lookupTable("t")
	chained := 0
	ts.rows.Ascend(func(r row) bool {
		for i := range r.versions {
			if v := &r.versions[i]; v.d == nil && v.p != nil {
				chained++
			}
		}
		return true
	})
	if chained == 0 {
		t.Fatal("no version rebuilt from patches: the chain went untested")
	}
	checkVersionIndex(t, db, seq, 0)
	versionIndexWorkload(t, db, rng, 40, 10)
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, 0)

	// A fold drops history: the next snapshot writes the table anew.
	h, err := db.CompactBefore("t", seq-100)
	mustExec(t, err)
	seq, err = db.SnapshotTable("t")
	mustExec(t, err)
	checkVersionIndex(t, db, seq, h)

	// A version the rows do not have is found.
	b := db.vx.NewBatch()
	mustExec(t, b.PutVersion(ts.spec.OID, appendOrderedKey(nil, Key{Int: 3, IsInt: true}), seq-1, vindex.Version{Type: 2, Patch: []byte{0x80}}))
	mustExec(t, b.Apply())
	if p := db.CheckVersionIndex(); len(p) != 1 {
		t.Fatalf("a version the rows lack: %v", p)
	}

	// A damaged index is made again.
	mustExec(t, db.Close())
	files, _ := filepath.Glob(filepath.Join(dir, versionIndexDir, "MANIFEST-*"))
	if len(files) == 0 {
		t.Fatal("no manifest in the version index")
	}
	for _, f := range files {
		mustExec(t, os.WriteFile(f, []byte("not a manifest"), 0o644))
	}
	db = openDB(t, dir, opts)
	if _, ok, _ := db.vx.Mark(ts.spec.OID); ok {
		t.Fatal("a mark survived the damage")
	}
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
}
