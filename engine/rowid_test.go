package engine

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// rowidSpec is a table without a primary key: declared columns a and b.
func rowidSpec(name string) TableSpec {
	return TableSpec{Name: name, RowID: true, Columns: []ColumnSpec{{Name: "a", Type: TypeInt8}, {Name: "b", Type: TypeText}}}
}

// insertKeys inserts docs into table in one transaction and returns the
// keys the engine gave them.
func insertKeys(t *testing.T, db *DB, table string, docs ...string) []int64 {
	t.Helper()
	tx := db.Begin()
	var out []int64
	for _, d := range docs {
		k, err := tx.Insert(table, []byte(d))
		mustExec(t, err)
		if !k.IsInt {
			t.Fatalf("key %v is no integer", k)
		}
		out = append(out, k.Int)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	return out
}

func TestRowIDTable(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(rowidSpec("t")))
	spec, err := db.View().Spec("t")
	mustExec(t, err)
	if spec.PK != RowIDField || !spec.RowID {
		t.Fatalf("spec %+v", spec)
	}
	cols, err := db.View().Columns("t")
	mustExec(t, err)
	if cols[0].Name != RowIDField || cols[0].Type != TypeInt8 || len(cols) != 3 {
		t.Fatalf("columns %+v", cols)
	}
	// Two identical rows are two rows.
	if got := insertKeys(t, db, "t", `{"a": 1, "b": "x"}`, `{"a": 1, "b": "x"}`); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("keys %v", got)
	}
	doc := getDoc(t, db.View(), "t", int64(2))
	if fmt.Sprint(doc) != "map[_rowid:2 a:1 b:x]" {
		t.Fatalf("row 2: %v", doc)
	}
	_, err = db.Insert(ctx, "t", []byte(`{"_rowid": 7, "a": 2}`))
	wantErr(t, err, CodeGeneratedAlways, `cannot insert a non-DEFAULT value into column "_rowid"`)
	_, err = db.Patch(ctx, "t", int64(1), []byte(`{"a": 5}`))
	mustExec(t, err)
	_, err = db.SoftDelete(ctx, "t", int64(2))
	mustExec(t, err)

	// The counter goes on after a reopen, a rename and a rolled back
	// insert (which, as nextval's, is not given back).
	db = reopen()
	if got := insertKeys(t, db, "t", `{"a": 3}`); got[0] != 3 {
		t.Fatalf("after reopen: key %d", got[0])
	}
	tx := db.Begin()
	_, err = tx.Insert("t", []byte(`{"a": 4}`))
	mustExec(t, err)
	tx.Rollback()
	mustExec(t, db.RenameTable("t", "u"))
	if got := insertKeys(t, db, "u", `{"a": 5}`); got[0] != 5 {
		t.Fatalf("after rename: key %d", got[0])
	}
	db = reopen()
	if got := insertKeys(t, db, "u", `{"a": 6}`); got[0] != 6 {
		t.Fatalf("after rename and reopen: key %d", got[0])
	}
	if len(db.Sequences()) != 0 {
		t.Fatalf("the counter is listed as a sequence: %+v", db.Sequences())
	}
	// A table made again under the name starts again.
	mustExec(t, db.DropTable("u", false))
	mustExec(t, db.CreateTable(rowidSpec("u")))
	if got := insertKeys(t, db, "u", `{"a": 1}`); got[0] != 1 {
		t.Fatalf("new table: key %d", got[0])
	}
}

func TestRowIDSpec(t *testing.T) {
	db, _, _ := ddlDB(t)
	s := rowidSpec("t")
	s.Columns = append(s.Columns, ColumnSpec{Name: RowIDField, Type: TypeInt8})
	wantErr(t, db.CreateTable(s), CodeDuplicateColumn, `column name "_rowid" conflicts with a system column name`)
	s = rowidSpec("t")
	s.PK = "a"
	if err := db.CreateTable(s); Code(err) != CodeInvalidTableDefinition {
		t.Fatalf("hidden key and a primary key: %v", err)
	}
	// A table with a key of its own may have a column called _rowid.
	mustExec(t, db.CreateTable(TableSpec{Name: "k", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: RowIDField, Type: TypeInt8}}}))
	_, err := db.Insert(ctx, "k", []byte(`{"id": 1, "_rowid": 9}`))
	mustExec(t, err)
}

// TestRowIDLostCounter: a counter file that is lost or behind the table
// (a crash between CreateTable's schema and the counter, a copy of the
// directory) is moved past the table's largest key when the database
// opens.
func TestRowIDLostCounter(t *testing.T) {
	db, mem, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(rowidSpec("t")))
	insertKeys(t, db, "t", `{"a": 1}`, `{"a": 2}`, `{"a": 3}`)
	mustExec(t, db.Close())
	path := filepath.Join(db.seqDirOf("t"), rowidName+".json")
	if _, err := mem.Stat(path); err != nil {
		t.Fatal(err)
	}
	mustExec(t, mem.Remove(path))
	db = reopen()
	if got := insertKeys(t, db, "t", `{"a": 4}`); got[0] != 4 {
		t.Fatalf("after the counter was lost: key %d", got[0])
	}
}

// TestRowIDCrash inserts rows one commit at a time on a MemFS and, before
// every change to a file, opens what a crash would leave: every row
// acknowledged is there, and the next insert gets a key no row had.
func TestRowIDCrash(t *testing.T) {
	mem := vfs.NewMem()
	faults := vfs.NewFaultFS(mem)
	opts := Options{Store: store.Options{FS: faults}, SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, "/data", opts)
	defer db.Close()
	mustExec(t, db.CreateTable(rowidSpec("t")))
	var acked int64 // the largest key of an acknowledged insert
	var failed error
	crashes := 0
	check := func(where string, fsys *vfs.MemFS) error {
		db, err := Open("/data", Options{Store: store.Options{FS: fsys}, SnapshotEvents: -1, SnapshotBytes: -1})
		if err != nil {
			return fmt.Errorf("%s: open: %w", where, err)
		}
		defer db.Close()
		for k := int64(1); k <= acked; k++ {
			if _, ok, err := db.View().Get("t", k); err != nil || !ok {
				return fmt.Errorf("%s: row %d of %d acknowledged is missing (%v)", where, k, acked, err)
			}
		}
		k, err := db.Begin().Insert("t", []byte(`{"a": 0}`))
		if err != nil || k.Int <= acked {
			return fmt.Errorf("%s: a new row gets key %d (%v) after %d was given", where, k.Int, err, acked)
		}
		if _, ok, _ := db.View().Get("t", k.Int); ok {
			return fmt.Errorf("%s: a new row gets key %d, which a row has", where, k.Int)
		}
		return nil
	}
	faults.SetHook(func(o vfs.Op, path string) error {
		if o&vfs.OpChange == 0 || failed != nil {
			return failed
		}
		crashes++
		where := fmt.Sprintf("crash %d before %v %s", crashes, o, path)
		failed = check(where+" (synced only)", mem.CrashClone())
		if failed == nil {
			failed = check(where+" (every change kept)", mem.CrashCloneKeeping(mem.Changes(), nil))
		}
		return failed
	})
	for i := range 40 {
		tx := db.Begin()
		k, err := tx.Insert("t", fmt.Appendf(nil, `{"a": %d}`, i))
		if err != nil {
			break
		}
		if _, err := tx.Commit(ctx); err != nil {
			break
		}
		acked = k.Int
	}
	faults.SetHook(nil)
	if failed != nil {
		t.Fatal(failed)
	}
	t.Logf("%d crash points", crashes)
}

// TestRowIDConcurrent: inserts from many goroutines get distinct keys,
// and every row is there.
func TestRowIDConcurrent(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(rowidSpec("t")))
	const workers, each = 8, 300
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range each {
				if _, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"a": %d, "b": "w"}`, w*each+i)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		mustExec(t, <-errs)
	}
	db = reopen()
	n := 0
	mustExec(t, db.View().Scan("t", func(r *Row) bool {
		n++
		return true
	}))
	if n != workers*each {
		t.Fatalf("%d rows, want %d", n, workers*each)
	}
	if got := insertKeys(t, db, "t", `{"a": -1}`); got[0] != workers*each+1 {
		t.Fatalf("next key %d", got[0])
	}
}
