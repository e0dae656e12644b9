package engine

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// TestReadOnlyBesideWriter: a read-only open beside a process that holds
// the version index (a server) makes an index of its own from the log,
// in a directory under the system's temporary one that its close
// removes (in memory when there is no such directory to write), and
// answers as the writer does: every version's document, the rows now and
// as of a seq in the versions the writer's snapshot left to its index.
func TestReadOnlyBesideWriter(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := t.TempDir()
	opts := Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1}
	w := openDB(t, dir, opts)
	defer w.Close()
	mustExec(t, w.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g"}}))
	tx := w.Begin()
	for i := range 3000 {
		_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "g": %d, "s": "row %d"}`, i, i%7, i))
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	for i := range int64(3000) {
		if i%3 == 0 {
			_, err := w.Patch(ctx, "t", i, fmt.Appendf(nil, `{"g": %d}`, (i+1)%7))
			mustExec(t, err)
		}
	}
	mid := w.Seq()
	for i := range int64(3000) {
		if i%5 == 0 {
			_, err := w.Patch(ctx, "t", i, []byte(`{"s": "patched"}`))
			mustExec(t, err)
		}
	}
	_, err = w.SnapshotTable("t") // the versions go to the writer's index
	mustExec(t, err)
	if inIndexVersions(w.work["t"]) == 0 {
		t.Fatal("the snapshot left no version to the index: the test needs it to")
	}
	_, err = w.Patch(ctx, "t", int64(1), []byte(`{"s": "after"}`))
	mustExec(t, err)
	want := historyDocs(t, w)
	wantNow, wantThen := rowsImage(t, w, w.Seq(), "t", 7), rowsImage(t, w, mid, "t", 7)

	ro := openDB(t, dir, Options{ReadOnly: true, VersionIndex: true, NewestInIndex: true})
	own, _ := filepath.Glob(filepath.Join(tmp, "driftdb-index-*"))
	if len(own) != 1 {
		t.Fatalf("index directories of the read-only open: %v, want one", own)
	}
	if got := historyDocs(t, ro); !maps.Equal(got, want) {
		t.Fatalf("the read-only open's history differs: %d versions, the writer's %d", len(got), len(want))
	}
	if got := rowsImage(t, ro, ro.Seq(), "t", 7); got != wantNow {
		t.Fatalf("now, read-only:\n%s\nthe writer:\n%s", got, wantNow)
	}
	if got := rowsImage(t, ro, mid, "t", 7); got != wantThen {
		t.Fatalf("as of seq %d, read-only:\n%s\nthe writer:\n%s", mid, got, wantThen)
	}
	mustExec(t, ro.Close())
	if _, err := os.Stat(own[0]); !os.IsNotExist(err) {
		t.Fatalf("the read-only open's index is still there after its close: %v", err)
	}

	// No temporary directory to write: the index is made in memory.
	t.Setenv("TMPDIR", filepath.Join(tmp, "missing"))
	ro = openDB(t, dir, Options{ReadOnly: true, VersionIndex: true, NewestInIndex: true})
	defer ro.Close()
	if got := historyDocs(t, ro); !maps.Equal(got, want) {
		t.Fatalf("in memory, the read-only open's history differs: %d versions, the writer's %d", len(got), len(want))
	}
	if got := rowsImage(t, ro, mid, "t", 7); got != wantThen {
		t.Fatalf("in memory, as of seq %d, read-only:\n%s\nthe writer:\n%s", mid, got, wantThen)
	}
}
