package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/driftdb/driftdb/store"
)

// colNames lists a table's columns as name or name(field).
func colNames(t *testing.T, v *View, table string) string {
	t.Helper()
	cols, err := v.Columns(table)
	mustExec(t, err)
	var out []string
	for _, c := range cols {
		s := c.Name
		if c.Field != c.Name {
			s += "(" + c.Field + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func column(t *testing.T, v *View, table, name string) Column {
	t.Helper()
	cols, err := v.Columns(table)
	mustExec(t, err)
	for _, c := range cols {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no column %q in %s", name, colNames(t, v, table))
	return Column{}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if Code(err) != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
}

// TestAddColumn: a declared column is added after the declared ones; rows
// there read NULL for it, or get the fill value by a PATCH each (in their
// history, not AS OF before); NOT NULL needs a fill when there are rows;
// the value and the name are checked; all of it survives a reopen and a
// snapshot.
func TestAddColumn(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: "int4"}, {Name: "name", Type: "text"}}}))
	for i := range 5 {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "name": "n%d", "extra": %d}`, i, i, i))
		mustExec(t, err)
	}
	_, err := db.SoftDelete(ctx, "t", 4)
	mustExec(t, err)
	before := db.Seq()

	wantCode(t, "NOT NULL without a value, rows there", db.AddColumn("t", ColumnSpec{Name: "score", Type: TypeInt8, NotNull: true}, nil), CodeNotNullViolation)
	wantCode(t, "a name in use", db.AddColumn("t", ColumnSpec{Name: "name", Type: TypeText}, nil), CodeDuplicateColumn)
	wantCode(t, "an inferred column's name", db.AddColumn("t", ColumnSpec{Name: "extra", Type: TypeText}, nil), CodeDuplicateColumn)
	wantCode(t, "a fill of the wrong type", db.AddColumn("t", ColumnSpec{Name: "score", Type: TypeInt8}, "x"), CodeDatatypeMismatch)
	wantCode(t, "a bad type", db.AddColumn("t", ColumnSpec{Name: "score", Type: "nosuch"}, nil), CodeDatatypeMismatch)
	wantCode(t, "an unknown table", db.AddColumn("nope", ColumnSpec{Name: "x", Type: TypeText}, nil), CodeUndefinedTable)
	if db.Seq() != before {
		t.Fatalf("refused changes wrote: seq %d, was %d", db.Seq(), before)
	}

	mustExec(t, db.AddColumn("t", ColumnSpec{Name: "note", Type: "varchar(20)", Default: "'x'"}, nil))
	mustExec(t, db.AddColumn("t", ColumnSpec{Name: "status", Type: TypeText, NotNull: true, Default: "'new'"}, "new"))
	mustExec(t, db.AddColumn("t", ColumnSpec{Name: "price", Type: TypeNumeric, Typmod: Typmod{Precision: 6, Scale: 2}}, json.Number("1.005")))
	check := func(db *DB, what string) {
		t.Helper()
		v := db.View()
		if got := colNames(t, v, "t"); got != "id name note status price extra" {
			t.Fatalf("%s: columns %s", what, got)
		}
		note := column(t, v, "t", "note")
		if !note.Declared || note.Type != TypeText || note.SQLType != "varchar(20)" || note.Default != "'x'" {
			t.Fatalf("%s: column note %+v", what, note)
		}
		if c := column(t, v, "t", "status"); !c.NotNull || c.Default != "'new'" {
			t.Fatalf("%s: column status %+v", what, c)
		}
		for i := range 4 {
			d := getDoc(t, v, "t", i)
			if _, ok := d["note"]; ok || d["status"] != "new" || d["price"] != json.Number("1.01") {
				t.Fatalf("%s: row %d: %v", what, i, d)
			}
		}
		h, err := v.History("t", 4)
		mustExec(t, err)
		if len(h) != 2 {
			t.Fatalf("%s: the deleted row was changed: %v", what, h)
		}
		old, err := db.ViewAt(before)
		mustExec(t, err)
		if d := getDoc(t, old, "t", 1); d["status"] != nil {
			t.Fatalf("%s: AS OF before the change: %v", what, d)
		}
		h, err = v.History("t", 1)
		mustExec(t, err)
		if len(h) != 3 || h[1].Type != store.EventPatch || !reflect.DeepEqual(h[1].Change, map[string]any{"status": "new"}) {
			t.Fatalf("%s: history of a filled row: %+v", what, h)
		}
	}
	check(db, "at once")
	if db.Seq() != before+8 {
		t.Fatalf("seq %d after filling 4 rows twice, want %d", db.Seq(), before+8)
	}
	_, err = db.Insert(ctx, "t", []byte(`{"id": 9, "status": 5}`))
	wantCode(t, "a write of the wrong type to the new column", err, CodeDatatypeMismatch)
	_, err = db.Insert(ctx, "t", []byte(`{"id": 9}`))
	wantCode(t, "a write without the new NOT NULL column", err, CodeNotNullViolation)
	db = reopen()
	check(db, "after a reopen")
	_, err = db.SnapshotTable("t")
	mustExec(t, err)
	db = reopen()
	check(db, "from a snapshot")

	// On an empty table, NOT NULL needs no value.
	mustExec(t, db.CreateTable(TableSpec{Name: "e", PK: "id"}))
	mustExec(t, db.AddColumn("e", ColumnSpec{Name: "must", Type: TypeInt8, NotNull: true}, nil))
}

// TestAddColumnOpenTransaction: a transaction that wrote before a column
// was added fails at commit; a statement outside one runs again and
// meets the new column.
func TestAddColumnOpenTransaction(t *testing.T) {
	db, _, _ := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	tx := db.Begin()
	_, err := tx.Insert("t", []byte(`{"id": 1, "n": "text"}`))
	mustExec(t, err)
	mustExec(t, db.AddColumn("t", ColumnSpec{Name: "n", Type: TypeInt8}, nil))
	_, err = tx.Commit(ctx)
	wantCode(t, "commit of a write checked before the column was added", err, CodeSerializationFailure)
	_, err = db.Insert(ctx, "t", []byte(`{"id": 1, "n": "text"}`))
	wantCode(t, "the same write now", err, CodeDatatypeMismatch)
}

// TestDropColumn: a dropped column leaves the column list, live rows lose
// their values by a PATCH each, the history keeps them, its indexes go;
// the column stays gone after a reopen, from the log and from a snapshot
// made before the drop; written again, the field is a new column, last.
func TestDropColumn(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"x", "x.y", "z"},
		Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "d", Type: TypeText}}}))
	for i := range 6 {
		doc := fmt.Sprintf(`{"id": %d, "d": "d%d", "x": %d, "z": 1}`, i, i, i)
		if i == 5 {
			doc = `{"id": 5, "d": "d5", "z": 1}` // no x
		}
		_, err := db.Insert(ctx, "t", []byte(doc))
		mustExec(t, err)
	}
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	before := db.Seq()

	wantCode(t, "drop of the primary key", db.DropColumn("t", "id"), CodeDependentObjects)
	wantCode(t, "drop of an unknown column", db.DropColumn("t", "nope"), CodeUndefinedColumn)
	mustExec(t, db.DropColumn("t", "x"))
	mustExec(t, db.DropColumn("t", "d"))
	check := func(db *DB, what string) {
		t.Helper()
		v := db.View()
		if got := colNames(t, v, "t"); got != "id z" {
			t.Fatalf("%s: columns %s", what, got)
		}
		if v.Indexed("t", "x") || v.Indexed("t", "x.y") || !v.Indexed("t", "z") {
			t.Fatalf("%s: indexes on x %v, x.y %v, z %v", what, v.Indexed("t", "x"), v.Indexed("t", "x.y"), v.Indexed("t", "z"))
		}
		if d := getDoc(t, v, "t", 2); !reflect.DeepEqual(d, map[string]any{"id": int64(2), "z": int64(1)}) {
			t.Fatalf("%s: row after the drops: %v", what, d)
		}
		old, err := db.ViewAt(before)
		mustExec(t, err)
		if d := getDoc(t, old, "t", 2); d["x"] != int64(2) || d["d"] != "d2" {
			t.Fatalf("%s: AS OF before the drops: %v", what, d)
		}
		h, err := v.History("t", 5)
		mustExec(t, err)
		if len(h) != 2 { // no x to remove: only d
			t.Fatalf("%s: history of the row without x: %+v", what, h)
		}
	}
	check(db, "at once")
	if db.Seq() != before+11 {
		t.Fatalf("seq %d after the drops, want %d (5 rows with x, 6 with d)", db.Seq(), before+11)
	}
	db = reopen()
	check(db, "after a reopen")

	// Written again, x is a new column, last; old rows have none.
	_, err = db.Insert(ctx, "t", []byte(`{"id": 10, "x": "again", "d": 1}`))
	mustExec(t, err)
	for round := range 2 {
		v := db.View()
		if got := colNames(t, v, "t"); got != "id z x d" {
			t.Fatalf("round %d: columns %s", round, got)
		}
		if c := column(t, v, "t", "d"); c.Declared || c.Type != TypeInt8 {
			t.Fatalf("round %d: column d written again: %+v", round, c)
		}
		if d := getDoc(t, v, "t", 1); d["x"] != nil {
			t.Fatalf("round %d: old row: %v", round, d)
		}
		db = reopen()
	}
	_, err = db.SnapshotTable("t")
	mustExec(t, err)
	db = reopen()
	if got := colNames(t, db.View(), "t"); got != "id z x d" {
		t.Fatalf("from a snapshot after the drop: columns %s", got)
	}
}

// TestRenameColumn: a renamed column keeps its field (documents and
// indexes are unchanged); writes by the new name, and by the old one
// while no column takes it, go to the field; a column that takes the old
// name gets a field of its own; all of it survives a reopen.
func TestRenameColumn(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"name", "tag"},
		Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "name", Type: TypeText, NotNull: true}}}))
	_, err := db.Insert(ctx, "t", []byte(`{"id": 1, "name": "a", "tag": "x"}`))
	mustExec(t, err)

	mustExec(t, db.RenameColumn("t", "name", "label"))
	mustExec(t, db.RenameColumn("t", "tag", "kind")) // an inferred column
	mustExec(t, db.RenameColumn("t", "id", "ident")) // the key
	wantCode(t, "rename to a name in use", db.RenameColumn("t", "label", "kind"), CodeDuplicateColumn)
	wantCode(t, "rename of an unknown column", db.RenameColumn("t", "name", "x"), CodeUndefinedColumn)
	if got := colNames(t, db.View(), "t"); got != "ident(id) label(name) kind(tag)" {
		t.Fatalf("columns %s", got)
	}
	_, err = db.Insert(ctx, "t", []byte(`{"ident": 2, "label": "b", "kind": "y"}`))
	mustExec(t, err)
	_, err = db.Insert(ctx, "t", []byte(`{"id": 3, "name": "c"}`)) // the old names are the fields
	mustExec(t, err)
	_, err = db.Insert(ctx, "t", []byte(`{"id": 4}`))
	wantCode(t, "a write without the renamed NOT NULL column", err, CodeNotNullViolation)
	_, err = db.Insert(ctx, "t", []byte(`{"id": 4, "label": "d", "name": "e"}`))
	wantCode(t, "a column by its name and its field", err, CodeDuplicateColumn)
	_, err = db.Patch(ctx, "t", 2, []byte(`{"label": "bb"}`))
	mustExec(t, err)
	if d := getDoc(t, db.View(), "t", 2); !reflect.DeepEqual(d, map[string]any{"id": int64(2), "name": "bb", "tag": "y"}) {
		t.Fatalf("a row written by the new names: %v", d)
	}
	if got := lookupAll(t, db.View(), "t", "name", OpEq, "c"); len(got) != 1 {
		t.Fatalf("index on the renamed column's field: %v", got)
	}

	// A column that takes the old name gets a field of its own.
	mustExec(t, db.AddColumn("t", ColumnSpec{Name: "name", Type: TypeInt8}, int64(0)))
	_, err = db.Insert(ctx, "t", []byte(`{"id": 5, "label": "e", "name": 7}`))
	mustExec(t, err)
	for round := range 2 {
		v := db.View()
		if got := colNames(t, v, "t"); got != "ident(id) label(name) name(name~2) kind(tag)" {
			t.Fatalf("round %d: columns %s", round, got)
		}
		if d := getDoc(t, v, "t", 5); d["name"] != "e" || d["name~2"] != int64(7) {
			t.Fatalf("round %d: row written after the new column: %v", round, d)
		}
		if d := getDoc(t, v, "t", 1); d["name"] != "a" || d["name~2"] != int64(0) {
			t.Fatalf("round %d: old row: %v", round, d)
		}
		db = reopen()
	}
	// Renaming back where the field is free gives the column its field's
	// name again.
	mustExec(t, db.RenameColumn("t", "kind", "tag"))
	if got := colNames(t, db.View(), "t"); got != "ident(id) label(name) name(name~2) tag" {
		t.Fatalf("columns %s", got)
	}
	spec, err := db.View().Spec("t")
	mustExec(t, err)
	if len(spec.Renamed) != 0 {
		t.Fatalf("renamed back, the spec still renames: %+v", spec.Renamed)
	}
}

// TestColumnConstraints: NOT NULL set and dropped, DEFAULT text, CHECK
// constraints added (checked against the rows by the caller's function)
// and dropped; kept across a reopen.
func TestColumnConstraints(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "score", Type: TypeInt8}}}))
	insertN(t, db, "t", 0, 3)
	_, err := db.Patch(ctx, "t", 0, []byte(`{"score": 5}`))
	mustExec(t, err)

	wantCode(t, "NOT NULL over rows without a value", db.SetColumnNotNull("t", "score", true), CodeNotNullViolation)
	for _, k := range []int64{1, 2} {
		_, err := db.Patch(ctx, "t", k, []byte(`{"score": -1}`))
		mustExec(t, err)
	}
	mustExec(t, db.SetColumnNotNull("t", "score", true))
	_, err = db.Insert(ctx, "t", []byte(`{"id": 9}`))
	wantCode(t, "insert without the NOT NULL column", err, CodeNotNullViolation)
	wantCode(t, "DROP NOT NULL of the key", db.SetColumnNotNull("t", "id", false), CodeInvalidTableDefinition)
	wantCode(t, "NOT NULL of an inferred column", db.SetColumnNotNull("t", "s", true), CodeFeatureUnsupported)
	wantCode(t, "DEFAULT of an unknown column", db.SetColumnDefault("t", "nope", "1"), CodeUndefinedColumn)
	mustExec(t, db.SetColumnDefault("t", "score", "0"))

	var seen []string
	err = db.AddCheck("t", CheckSpec{Name: "positive", Expr: "score >= 0"}, func(r *Row) error {
		seen = append(seen, keyText(r.Key))
		d, err := r.Doc()
		if err != nil {
			return err
		}
		if d["score"].(int64) < 0 {
			return &Error{Code: "23514", Msg: "check constraint \"positive\" is violated by some row"}
		}
		return nil
	})
	if Code(err) != "23514" || !reflect.DeepEqual(seen, []string{"0", "1"}) {
		t.Fatalf("check over the rows: %v, rows seen %v", err, seen)
	}
	mustExec(t, db.AddCheck("t", CheckSpec{Name: "small", Expr: "score < 100"}, func(*Row) error { return nil }))
	wantCode(t, "a check name in use", db.AddCheck("t", CheckSpec{Name: "small", Expr: "true"}, nil), CodeDuplicateObject)
	mustExec(t, db.AddCheck("t", CheckSpec{Name: "other", Expr: "score <> 7"}, nil))
	mustExec(t, db.DropCheck("t", "other"))
	wantCode(t, "drop of a missing check", db.DropCheck("t", "other"), CodeUndefinedObject)
	for round := range 2 {
		spec, err := db.View().Spec("t")
		mustExec(t, err)
		if len(spec.Checks) != 1 || spec.Checks[0].OID < FirstOID ||
			!reflect.DeepEqual(spec.Checks, []CheckSpec{{Name: "small", Expr: "score < 100", OID: spec.Checks[0].OID}}) {
			t.Fatalf("round %d: checks %+v", round, spec.Checks)
		}
		if c := column(t, db.View(), "t", "score"); !c.NotNull || c.Default != "0" {
			t.Fatalf("round %d: column score %+v", round, c)
		}
		db = reopen()
	}
	mustExec(t, db.SetColumnNotNull("t", "score", false))
	_, err = db.Insert(ctx, "t", []byte(`{"id": 9}`))
	mustExec(t, err)
	mustExec(t, db.SetColumnDefault("t", "score", ""))
	if c := column(t, db.View(), "t", "score"); c.NotNull || c.Default != "" {
		t.Fatalf("column score after the drops: %+v", c)
	}
}

// TestAlterLargeTable: ADD COLUMN with a value and DROP COLUMN over more
// rows than a commit holds its index entries for: the alteration's commit
// places them on another goroutine (made slow here), and the table it
// publishes under the writer mutex has them all.
func TestAlterLargeTable(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{SnapshotEvents: -1})
	defer func() { db.Close() }()
	db.testPlacing = func() { time.Sleep(50 * time.Millisecond) }
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g", "f"}}))
	n := 2 * holdMin
	tx := db.Begin()
	for i := range n {
		_, err := tx.Insert("t", fmt.Appendf(nil, `{"id": %d, "g": %d}`, i, i%7))
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	mustExec(t, db.AddColumn("t", ColumnSpec{Name: "f", Type: TypeInt8}, int64(5)))
	rows := 0
	mustExec(t, db.View().IndexLookup("t", "f", OpEq, int64(5), func(*Row) bool { rows++; return true }))
	if rows != n {
		t.Fatalf("f = 5 after ADD COLUMN: %d rows, want %d", rows, n)
	}
	if p := db.CheckIndexes(); len(p) != 0 {
		t.Fatal(p)
	}
	mustExec(t, db.DropColumn("t", "f"))
	if p := db.CheckIndexes(); len(p) != 0 {
		t.Fatal(p)
	}
}

// TestSetColumnTypeKept: a new SQL type of a declared column is in the
// table's definition after a reopen; a change of the stored type is
// refused.
func TestSetColumnTypeKept(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{})
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{
		{Name: "id", Type: TypeInt8}, {Name: "n", Type: TypeText, SQLType: "character varying(5)"}}}))
	mustExec(t, db.SetColumnType("t", "n", TypeText, "character varying(50)", Typmod{}))
	if err := db.SetColumnType("t", "n", TypeInt8, "", Typmod{}); Code(err) != CodeFeatureUnsupported {
		t.Fatalf("a change of the stored type: %v", err)
	}
	mustExec(t, db.Close())
	db = openDB(t, dir, Options{})
	defer db.Close()
	spec, err := db.View().Spec("t")
	if err != nil {
		t.Fatal(err)
	}
	if got := spec.Columns[1].SQLType; got != "character varying(50)" {
		t.Fatalf("after a reopen: %q", got)
	}
}
