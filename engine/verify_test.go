package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// TestCheckIndexes: an index as commits leave it (large ones, whose
// entries are placed after the writer mutex goes, and small ones), as a
// snapshot's index file brings it back and as a replay rebuilds it finds
// every version under its value; an index file that reads back but lacks
// an entry is reported, with the version it misses.
func TestCheckIndexes(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SnapshotEvents: -1, Store: store.Options{NoSync: true}}
	db := openDB(t, dir, opts)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g", "n.c"}}))
	check := func(db *DB, when string) {
		t.Helper()
		if p := db.CheckIndexes(); len(p) != 0 {
			t.Fatalf("%s: %v", when, p)
		}
	}
	// A large commit, then small ones that change values, keep them,
	// drop the field, delete rows and bring them back.
	tx := db.Begin()
	for k := range 2 * holdMin {
		_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "g": %d, "n": {"c": "c%d"}}`, k, k%5, k%3))
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	for k := range 40 {
		_, err := db.Patch(ctx, "t", int64(k), fmt.Appendf(nil, `{"g": %d}`, k%7))
		mustExec(t, err)
		_, err = db.Patch(ctx, "t", int64(k), []byte(`{"x": 1}`)) // g kept
		mustExec(t, err)
		switch k % 4 {
		case 0:
			_, err = db.Patch(ctx, "t", int64(k), []byte(`{"g": null}`))
		case 1:
			_, err = db.SoftDelete(ctx, "t", int64(k))
			mustExec(t, err)
			_, err = db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "g": %d}`, k, k%5))
		case 2:
			_, err = db.Patch(ctx, "t", int64(k), fmt.Appendf(nil, `{"g": %d}`, k%5)) // back to the first value
		}
		mustExec(t, err)
	}
	check(db, "after the commits")
	if _, err := db.SnapshotTable("t"); err != nil {
		t.Fatal(err)
	}
	_, err = db.Patch(ctx, "t", int64(3), []byte(`{"g": 99}`))
	mustExec(t, err)
	mustExec(t, db.Close())

	db = openDB(t, dir, opts) // the index files, then the log after them
	check(db, "after a reopen")

	// Damage: the index file of g, written again without one entry.
	var snap uint64
	db.locked(func() {
		w := db.work["t"]
		snap = w.snaps.full
		if _, had := w.indexes["g"].Delete(newEntry(int64(3), Key{Int: 3, IsInt: true}, 4)); !had {
			t.Fatal("no entry of g = 3 for key 3 at seq 4")
		}
		mustExec(t, writeIndexFiles(db.st.FS(), db.st.StreamDir("t"), w, snap))
	})
	mustExec(t, db.Close())
	db = openDB(t, dir, opts)
	defer db.Close()
	p := db.CheckIndexes()
	if len(p) != 1 || !strings.Contains(p[0], `index on g: 1 versions`) || !strings.Contains(p[0], "key 3 seq 4 value 3") {
		t.Fatalf("with an entry missing from g's index file: %q", p)
	}
}
