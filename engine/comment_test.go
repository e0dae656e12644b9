package engine

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/driftdb/driftdb/store/vfs"
)

// TestCommentsReopen: the comments of a table, its columns (an inferred
// one too), its indexes, a view and its columns and a sequence survive a
// reopen; renames keep them, drops take them; a definition written
// without comments reads unchanged.
func TestCommentsReopen(t *testing.T) {
	db, mem, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"s"},
		Columns: []ColumnSpec{{Name: "id", Type: "int8"}, {Name: "name", Type: "text"}}}))
	insertN(t, db, "t", 0, 3)
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id FROM t", Columns: []string{"id"}, Tables: []string{"t"}}, false))
	mustExec(t, db.CreateSequence("q", SequenceOptions{}))
	_, err := db.Nextval("q")
	mustExec(t, err)

	spec, err := db.View().Spec("t")
	mustExec(t, err)
	plain := spec.plainIndexOID("s")
	mustExec(t, db.CommentTable("t", "a table"))
	mustExec(t, db.CommentColumn("t", "name", "a name"))
	mustExec(t, db.CommentColumn("t", "s", "inferred"))
	mustExec(t, db.CommentIndex("t", spec.PKIndexOID, "the key"))
	mustExec(t, db.CommentIndex("t", plain, "plain"))
	mustExec(t, db.CommentView("v", "", "a view"))
	mustExec(t, db.CommentView("v", "id", "an id"))
	mustExec(t, db.CommentSequence("q", "a sequence"))
	wantCode(t, "an unknown column", db.CommentColumn("t", "nope", "x"), CodeUndefinedColumn)
	wantCode(t, "an unknown view column", db.CommentView("v", "nope", "x"), CodeUndefinedColumn)
	wantCode(t, "an unknown index", db.CommentIndex("t", 1, "x"), CodeUndefinedObject)
	wantCode(t, "an unknown table", db.CommentTable("nope", "x"), CodeUndefinedTable)
	wantCode(t, "an unknown sequence", db.CommentSequence("nope", "x"), CodeUndefinedTable)

	check := func(db *DB, table, when string) {
		t.Helper()
		spec, err := db.View().Spec(table)
		mustExec(t, err)
		got := fmt.Sprint(spec.Comment, spec.ColumnComments, spec.IndexComments)
		want := fmt.Sprint("a table", map[string]string{"name": "a name", "s": "inferred"},
			map[uint32]string{spec.PKIndexOID: "the key", plain: "plain"})
		if got != want {
			t.Fatalf("%s: table comments %s, want %s", when, got, want)
		}
		v, _ := db.ViewDef("v")
		if v.Comment != "a view" || v.ColumnComments["id"] != "an id" {
			t.Fatalf("%s: view comments %q %v", when, v.Comment, v.ColumnComments)
		}
		q, err := db.SequenceInfo("q")
		mustExec(t, err)
		if q.Comment != "a sequence" {
			t.Fatalf("%s: sequence comment %q", when, q.Comment)
		}
	}
	check(db, "t", "as made")
	v1, err := db.Nextval("q")
	mustExec(t, err)
	db = reopen()
	check(db, "t", "after a reopen")
	if v2, err := db.Nextval("q"); err != nil || v2 <= v1 {
		t.Fatalf("nextval after a reopen: %d, %v (was %d)", v2, err, v1)
	}

	// A replaced view keeps its comments.
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id, name FROM t", Columns: []string{"id", "name"}, Tables: []string{"t"}}, true))
	if v, _ := db.ViewDef("v"); v.Comment != "a view" || v.ColumnComments["id"] != "an id" {
		t.Fatalf("a replaced view's comments: %q %v", v.Comment, v.ColumnComments)
	}
	// A dropped view's go with it.
	mustExec(t, db.DropView("v", false))
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id FROM t", Columns: []string{"id"}, Tables: []string{"t"}}, false))
	if v, _ := db.ViewDef("v"); v.Comment != "" || v.ColumnComments != nil {
		t.Fatalf("a new view has the dropped one's comments: %+v", v)
	}
	mustExec(t, db.CommentView("v", "", "a view"))
	mustExec(t, db.CommentView("v", "id", "an id"))
	mustExec(t, db.DropView("v", false))

	// Renames keep them.
	mustExec(t, db.RenameColumn("t", "name", "label"))
	mustExec(t, db.RenameTable("t", "u"))
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id FROM u", Columns: []string{"id"}, Tables: []string{"u"}}, false))
	mustExec(t, db.CommentView("v", "", "a view"))
	mustExec(t, db.CommentView("v", "id", "an id"))
	db = reopen()
	check(db, "u", "after renames")

	// "" removes a comment; drops take them.
	mustExec(t, db.CommentTable("u", ""))
	mustExec(t, db.CommentColumn("u", "label", ""))
	mustExec(t, db.DropColumn("u", "s"))
	spec, err = db.View().Spec("u")
	mustExec(t, err)
	if spec.Comment != "" || len(spec.ColumnComments) != 0 || len(spec.IndexComments) != 1 {
		t.Fatalf("after removals: %q %v %v", spec.Comment, spec.ColumnComments, spec.IndexComments)
	}

	// A view file and a sequence file written before comments were kept
	// read as before, and are written without the field.
	b, err := vfs.ReadFile(mem, filepath.Join("/data", viewDir, "v.json"))
	mustExec(t, err)
	var vf map[string]any
	mustExec(t, json.Unmarshal(b, &vf))
	if vf["comment"] != "a view" {
		t.Fatalf("view file: %s", b)
	}
	mustExec(t, db.CommentView("v", "", ""))
	mustExec(t, db.CommentView("v", "id", ""))
	b, err = vfs.ReadFile(mem, filepath.Join("/data", viewDir, "v.json"))
	mustExec(t, err)
	if string(b) != `{"sql":"SELECT id FROM u","columns":["id"],"tables":["u"],"oid":`+fmt.Sprint(vf["oid"])+`}` {
		t.Fatalf("view file without comments: %s", b)
	}
}
