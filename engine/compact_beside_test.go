package engine

import (
	"fmt"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// TestCompactBesideWriter: COMPACT BEFORE folds a copy of the table while
// commits go on (those made between the fold and the install do not wait
// for it), and the table it installs answers as the same history never
// compacted does, at the horizon, between it and those commits, and
// after them: rows, index lookups and each row's versions.
func TestCompactBesideWriter(t *testing.T) {
	var seqs []uint64
	run := func(compact bool) (*DB, func()) {
		db := openDB(t, t.TempDir(), Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1})
		mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id", Indexes: []string{"g"}}))
		write := func(from, n int) {
			for i := from; i < from+n; i++ {
				_, err := db.Insert(ctx, "u", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i, i%5))
				mustExec(t, err)
				if i%3 == 0 && (i/2)%7 != 6 { // never a deleted row
					_, err = db.Patch(ctx, "u", int64(i/2), fmt.Appendf(nil, `{"g": %d}`, (i+1)%5))
					mustExec(t, err)
				}
				if i%7 == 0 && i > 0 {
					_, err = db.SoftDelete(ctx, "u", int64(i-1))
					mustExec(t, err)
				}
			}
		}
		write(0, 300)
		h := db.Seq()
		write(300, 100)
		mid := db.Seq()
		during := func() { write(400, 100) }
		if compact {
			db.testFolded = during
			_, err := db.CompactBefore("u", h)
			mustExec(t, err)
			db.testFolded = nil
		} else {
			during()
		}
		write(500, 50)
		seqs = []uint64{h, mid, mid + 40, db.Seq()}
		return db, func() { db.Close() }
	}
	image := func(db *DB) string { return historyImage(t, db, seqs, []int64{1, 2, 150, 450}, seqs[0]) }
	ref, closeRef := run(false)
	defer closeRef()
	want := image(ref)
	db, closeDB := run(true)
	defer closeDB()
	if got := image(db); got != want {
		t.Fatalf("after COMPACT BEFORE beside the writer:\n%.2000s\nwant\n%.2000s", got, want)
	}
	v, err := db.ViewAt(seqs[0] - 1)
	if err == nil {
		err = v.Scan("u", func(*Row) bool { return true })
	}
	if err == nil {
		t.Fatal("a read before the horizon did not fail")
	}
}
