package engine

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/driftdb/driftdb/vindex"
)

// TestReadOnlyBesideWriter: a read-only open beside a process that holds
// the version index (a server), when the writer snapshots after each of
// its reads of that index (TestReadOnlyIndexBeside), makes an index of
// its own from the log, in a directory under the system's temporary one
// that its close removes (in memory when there is no such directory to
// write), and answers as the writer does: every version's document, the
// rows now and as of a seq in the versions the writer's snapshot left to
// its index.
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
	wantThen := rowsImage(t, w, mid, "t", 7)
	opens := 0
	ro := openDB(t, dir, Options{ReadOnly: true, VersionIndex: true, NewestInIndex: true, afterIndexOpen: func() {
		opens++
		_, err := w.Patch(ctx, "t", int64(2), fmt.Appendf(nil, `{"s": "open %d"}`, opens))
		mustExec(t, err)
		wholeSnapshot(t, w, "t")
	}})
	if opens != besideOpens+1 {
		t.Fatalf("the open read the index %d times, want %d", opens, besideOpens+1)
	}
	want, wantNow := historyDocs(t, w), rowsImage(t, w, w.Seq(), "t", 7)
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
	opens = 0
	ro = openDB(t, dir, Options{ReadOnly: true, VersionIndex: true, NewestInIndex: true, afterIndexOpen: func() {
		if opens++; opens <= besideOpens {
			_, err := w.Patch(ctx, "t", int64(2), fmt.Appendf(nil, `{"s": "in memory %d"}`, opens))
			mustExec(t, err)
			wholeSnapshot(t, w, "t")
		}
	}})
	defer ro.Close()
	if ro.vx.Beside() || opens != besideOpens+1 {
		t.Fatalf("in memory: the open read the index %d times, beside %v", opens, ro.vx.Beside())
	}
	want = historyDocs(t, w)
	if got := historyDocs(t, ro); !maps.Equal(got, want) {
		t.Fatalf("in memory, the read-only open's history differs: %d versions, the writer's %d", len(got), len(want))
	}
	if got := rowsImage(t, ro, mid, "t", 7); got != wantThen {
		t.Fatalf("in memory, as of seq %d, read-only:\n%s\nthe writer:\n%s", mid, got, wantThen)
	}
}

// TestReadOnlyIndexBeside: a read-only open beside a writer, which holds
// the version index, reads that index as it is at the open rather than
// make one of its own from the log, and reads the table as the writer
// does, history included, also after the writer wrote and snapshotted
// since. A snapshot the writer writes after the index was opened, whose
// versions that index does not hold, makes the open start again.
func TestReadOnlyIndexBeside(t *testing.T) {
	dir := t.TempDir()
	opts := spilledOpts()
	w := openDB(t, dir, opts)
	defer func() { w.Close() }()
	mustExec(t, w.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g"}}))
	mustCommit(t, w, func(tx *Txn) error {
		for k := range 300 {
			if _, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "g": %d, "n": 0}`, k, k%3)); err != nil {
				return err
			}
		}
		return nil
	})
	round := 0
	write := func() { // a round of patches, and a whole snapshot that spills them
		t.Helper()
		round++
		mustCommit(t, w, func(tx *Txn) error {
			for k := round; k < 300; k += 2 {
				if err := tx.Patch("t", int64(k), fmt.Appendf(nil, `{"n": %d}`, round)); err != nil {
					return err
				}
			}
			return nil
		})
		wholeSnapshot(t, w, "t")
	}
	write()
	write()
	image := func(db *DB) string { return rowsImage(t, db, db.View().Seq(), "t", 3) }
	roOpts := opts
	roOpts.ReadOnly = true
	// same opens db read-only and checks that it reads what the writer
	// does, with the index beside the writer's or one of its own.
	same := func(when string, beside bool) {
		t.Helper()
		ro := openDB(t, dir, roOpts)
		defer ro.Close()
		if ro.vx == nil || ro.vx.Beside() != beside || (ro.vxTemp == "") != beside {
			t.Fatalf("%s: index beside its writer %v, of its own %q; want beside %v", when, ro.vx != nil && ro.vx.Beside(), ro.vxTemp, beside)
		}
		if got, want := historyDocs(t, ro), historyDocs(t, w); !maps.Equal(got, want) {
			t.Fatalf("%s: the history reads otherwise", when)
		}
		if got, want := image(ro), image(w); got != want {
			t.Fatalf("%s: the table reads\n%s\nwant\n%s", when, got, want)
		}
	}
	same("beside", true)
	write()
	same("beside, after more writes", true)

	// The writer snapshots once the open has read the index: the open
	// starts again.
	opens := 0
	roOpts.afterIndexOpen = func() {
		if opens++; opens == 1 {
			write()
		}
	}
	same("a snapshot after the index was read", true)
	if opens != 2 {
		t.Fatalf("the open read the index %d times, want 2", opens)
	}
}

// TestReadOnlyTakesNoIndexLock: a read-only open with no writer reads the
// version index without its lock, so that a writer opening while it reads
// finds the index its own, not held by another (which it would make
// again from the log), and the reader reads on as before.
func TestReadOnlyTakesNoIndexLock(t *testing.T) {
	dir := t.TempDir()
	opts := spilledOpts()
	w := openDB(t, dir, opts)
	mustExec(t, w.CreateTable(TableSpec{Name: "t", PK: "id"}))
	mustCommit(t, w, func(tx *Txn) error {
		for k := range 200 {
			if _, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "n": 0}`, k)); err != nil {
				return err
			}
		}
		return nil
	})
	for k := range int64(200) {
		_, err := w.Patch(ctx, "t", k, []byte(`{"n": 1}`))
		mustExec(t, err)
	}
	wholeSnapshot(t, w, "t")
	id := w.vx.ID()
	want := historyDocs(t, w)
	mustExec(t, w.Close())

	roOpts := opts
	roOpts.ReadOnly = true
	ro := openDB(t, dir, roOpts)
	defer ro.Close()
	if !ro.vx.Beside() {
		t.Fatal("a read-only open took the version index's lock")
	}
	w = openDB(t, dir, opts)
	defer w.Close()
	if got := w.vx.ID(); got != id {
		t.Fatalf("the writer opened beside a reader has index %x, made again in place of %x", got, id)
	}
	for _, db := range []*DB{w, ro} {
		if got := historyDocs(t, db); !maps.Equal(got, want) {
			t.Fatalf("the history reads otherwise (read-only %v)", db.opts.ReadOnly)
		}
	}
}

// TestIndexHeldElsewhere: a writer's open that finds the version index
// held by another process (one of a release that took its lock to read
// it) fails as the directory's own lock does (55006), and leaves the
// index as it is, where it made it again from the log.
func TestIndexHeldElsewhere(t *testing.T) {
	dir := t.TempDir()
	opts := spilledOpts()
	w := openDB(t, dir, opts)
	mustExec(t, w.CreateTable(TableSpec{Name: "t", PK: "id"}))
	for k := range int64(100) {
		_, err := w.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d}`, k))
		mustExec(t, err)
	}
	wholeSnapshot(t, w, "t")
	id := w.vx.ID()
	mustExec(t, w.Close())

	other, err := vindex.Open(filepath.Join(dir, versionIndexDir), vindex.Options{})
	mustExec(t, err)
	db, err := Open(dir, opts)
	var e *Error
	if err == nil || !errors.As(err, &e) || e.Code != CodeObjectInUse {
		if db != nil {
			db.Close()
		}
		t.Fatalf("open beside another holder of the index: %v, want %s", err, CodeObjectInUse)
	}
	mustExec(t, other.Close())
	w = openDB(t, dir, opts)
	defer w.Close()
	if got := w.vx.ID(); got != id {
		t.Fatalf("the index is %x after the failed open, made again in place of %x", got, id)
	}
}
