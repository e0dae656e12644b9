package engine

import (
	"fmt"
	"reflect"
	"testing"
)

// TestAutomaticSnapshotNotRepeated: commits that find a table due while a
// snapshot of it is being written ask for it again; once that snapshot is
// done the table is no longer due, and the request is dropped instead of
// writing the same table a second time.
func TestAutomaticSnapshotNotRepeated(t *testing.T) {
	db := openDB(t, t.TempDir(), Options{SnapshotEvents: 10})
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	for i := range 10 {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d}`, i))
		mustExec(t, err)
	}
	db.bg.Wait()
	snaps := func() []uint64 {
		t.Helper()
		seqs, err := db.st.Snapshots("t")
		mustExec(t, err)
		return seqs
	}
	first := snaps()
	if len(first) != 1 {
		t.Fatalf("snapshots after 10 events: %v, want one", first)
	}
	// The request of a commit that saw the table due before that
	// snapshot reset it, arriving after two more commits.
	for i := 10; i < 12; i++ {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d}`, i))
		mustExec(t, err)
	}
	db.startSnapshots([]string{"t"}, false)
	db.bg.Wait()
	if got := snaps(); !reflect.DeepEqual(got, first) {
		t.Fatalf("a request for a table no longer due wrote a snapshot: %v, had %v", got, first)
	}
	// The two commits since count toward the next snapshot.
	for i := 12; i < 20; i++ {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d}`, i))
		mustExec(t, err)
	}
	db.bg.Wait()
	if got := snaps(); len(got) != 2 || got[0] != db.Seq() {
		t.Fatalf("snapshots after 10 more events: %v, want a new one at %d", got, db.Seq())
	}
}

// TestDeferSnapshots: with DeferSnapshots, a table that grows past the
// automatic threshold many times over gets no snapshot while open, and one
// whole snapshot, with its index files, when it closes; the next open
// loads it and replays nothing.
func TestDeferSnapshots(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{SnapshotEvents: 100, DeferSnapshots: true})
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g"}}))
	n := closeSnapshotEvents + 500
	for from := 0; from < n; from += 500 {
		tx := db.Begin()
		for k := from; k < from+500; k++ {
			_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "g": %d}`, k, k%7))
			mustExec(t, err)
		}
		_, err := tx.Commit(ctx)
		mustExec(t, err)
	}
	db.bg.Wait()
	if seqs, err := db.st.Snapshots("t"); err != nil || len(seqs) != 0 {
		t.Fatalf("snapshots while open: %v (%v), want none", seqs, err)
	}
	last := db.Seq()
	mustExec(t, db.Close())

	db = openDB(t, dir, Options{SnapshotEvents: 100})
	defer db.Close()
	if seqs, err := db.st.Snapshots("t"); err != nil || !reflect.DeepEqual(seqs, []uint64{last}) {
		t.Fatalf("snapshots after close: %v (%v), want [%d]", seqs, err, last)
	}
	c := &chainCase{t: t, db: db}
	if ch := c.chain(); ch.full != last || ch.deltas != 0 {
		t.Fatalf("chain %+v, want a whole snapshot at %d", ch, last)
	}
	if _, err := readIndexFile(db.st.FS(), db.st.StreamDir("t"), "g", last); err != nil {
		t.Fatalf("index file of the snapshot at close: %v", err)
	}
	w := db.work["t"]
	if w.eventsSince != 0 {
		t.Fatalf("open replayed %d events, want none", w.eventsSince)
	}
	rows := 0
	mustExec(t, db.View().IndexLookup("t", "g", OpEq, int64(3), func(*Row) bool { rows++; return true }))
	if want := (n + 3) / 7; rows != want {
		t.Fatalf("g = 3: %d rows, want %d", rows, want)
	}
}
