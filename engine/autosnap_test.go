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
	db.startSnapshots([]string{"t"})
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
