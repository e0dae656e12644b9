package engine

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// wantErrHint checks err's SQLSTATE, message, detail and hint.
func wantErrHint(t *testing.T, err error, code, msg, detail, hint string) {
	t.Helper()
	wantErr(t, err, code, msg)
	var e *Error
	if !errors.As(err, &e) || e.Detail != detail || e.Hint != hint {
		t.Fatalf("error %q: detail %q hint %q, want %q %q", err, e.Detail, e.Hint, detail, hint)
	}
}

func viewNames(db *DB) []string {
	var out []string
	for _, d := range db.Views() {
		out = append(out, d.Name)
	}
	return out
}

// viewTables makes tables t and u, a sequence s and an index ti on t.
func viewTables(t *testing.T, db *DB) {
	t.Helper()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "b", Type: TypeText}}}))
	mustExec(t, db.CreateTable(TableSpec{Name: "u", PK: "id"}))
	mustExec(t, db.CreateSequence("s", SequenceOptions{}))
	mustExec(t, db.AddIndex("t", IndexSpec{Name: "ti", Fields: []string{"b"}}))
}

func TestViewCreate(t *testing.T) {
	db, _, _ := ddlDB(t)
	viewTables(t, db)
	v := ViewDef{Name: "v", SQL: "SELECT id, b FROM t", Columns: []string{"id", "b"}, Tables: []string{"t", "t"}}
	mustExec(t, db.CreateView(v, false))
	got, ok := db.ViewDef("v")
	want := ViewDef{Name: "v", SQL: "SELECT id, b FROM t", Columns: []string{"id", "b"}, Tables: []string{"t"}, OID: got.OID}
	if !ok || !reflect.DeepEqual(got, want) || got.OID < FirstOID {
		t.Fatalf("ViewDef: %+v %v, want %+v", got, ok, want)
	}
	got.Columns[0] = "changed" // a copy: the stored definition stays
	if d, _ := db.ViewDef("v"); d.Columns[0] != "id" {
		t.Fatal("ViewDef returned the stored slice")
	}
	if _, ok := db.ViewDef("t"); ok {
		t.Fatal("a table is a view")
	}
	mustExec(t, db.CreateView(ViewDef{Name: "a", SQL: "SELECT 1", Columns: []string{"?column?"}}, false))
	if n := viewNames(db); !reflect.DeepEqual(n, []string{"a", "v"}) {
		t.Fatalf("Views: %v", n)
	}

	wantErr(t, db.CreateView(v, false), "42P07", `relation "v" already exists`)
	for _, name := range []string{"t", "s", "ti"} {
		wantErr(t, db.CreateView(ViewDef{Name: name, SQL: "SELECT 1"}, false), "42P07", fmt.Sprintf("relation %q already exists", name))
		wantErr(t, db.CreateView(ViewDef{Name: name, SQL: "SELECT 1"}, true), "42809", fmt.Sprintf("%q is not a view", name))
	}
	// Every other relation refuses a view's name.
	wantErr(t, db.CreateTable(TableSpec{Name: "v", PK: "id"}), "42P07", `relation "v" already exists`)
	wantErr(t, db.CreateTable(TableSpec{Name: "x", PK: "id", IndexDefs: []IndexSpec{{Name: "v", Fields: []string{"id"}}}}), "42P07", `relation "v" already exists`)
	wantErr(t, db.CreateSequence("v", SequenceOptions{}), "42P07", `relation "v" already exists`)
	wantErr(t, db.AddIndex("t", IndexSpec{Name: "v", Fields: []string{"id"}}), "42P07", `relation "v" already exists`)
	wantErr(t, db.RenameTable("u", "v"), "42P07", `relation "v" already exists`)
	// A table may not take an index's name either, as in PostgreSQL.
	wantErr(t, db.CreateTable(TableSpec{Name: "ti", PK: "id"}), "42P07", `relation "ti" already exists`)

	wantErr(t, db.CreateView(ViewDef{Name: "1x", SQL: "SELECT 1"}, false), "42602", `invalid view name "1x"`)
	wantErr(t, db.CreateView(ViewDef{Name: "x", SQL: " "}, false), "22023", `view "x" has no query`)
	wantErr(t, db.CreateView(ViewDef{Name: "x", SQL: "SELECT 1, 2", Columns: []string{"a", "a"}}, false), "42701", `column "a" specified more than once`)
	wantErr(t, db.CreateView(ViewDef{Name: "x", SQL: "SELECT * FROM nope", Tables: []string{"nope"}}, false), "42P01", `relation "nope" does not exist`)
	wantErr(t, db.CreateView(ViewDef{Name: "x", SQL: "SELECT * FROM s", Tables: []string{"s"}}, false), "42P01", `relation "s" does not exist`)
	if n := viewNames(db); !reflect.DeepEqual(n, []string{"a", "v"}) {
		t.Fatalf("Views after failures: %v", n)
	}
}

func TestViewReplace(t *testing.T) {
	db, _, _ := ddlDB(t)
	viewTables(t, db)
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id, b FROM t", Columns: []string{"id", "b"}, Tables: []string{"t"}}, false))
	// A missing view is simply created by a replace.
	mustExec(t, db.CreateView(ViewDef{Name: "w", SQL: "SELECT id FROM v", Columns: []string{"id"}, Tables: []string{"v"}}, true))
	wantErr(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id FROM t", Columns: []string{"id"}, Tables: []string{"t"}}, true),
		"42P16", "cannot drop columns from view")
	wantErrHint(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id, b AS c FROM t", Columns: []string{"id", "c"}, Tables: []string{"t"}}, true),
		"42P16", `cannot change name of view column "b" to "c"`, "",
		"Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.")
	// A view may not read itself, directly or through another.
	wantErr(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id, b FROM v", Columns: []string{"id", "b"}, Tables: []string{"v"}}, true),
		"42P17", `infinite recursion detected in rules for relation "v"`)
	wantErr(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id, 'x' AS b FROM w", Columns: []string{"id", "b"}, Tables: []string{"w"}}, true),
		"42P17", `infinite recursion detected in rules for relation "v"`)

	before, _ := db.ViewDef("v")
	next := ViewDef{Name: "v", SQL: "SELECT id, b, 1 AS z FROM u JOIN t USING (id)", Columns: []string{"id", "b", "z"}, Tables: []string{"u", "t"}, OID: 1}
	mustExec(t, db.CreateView(next, true))
	got, _ := db.ViewDef("v")
	next.Tables = []string{"t", "u"}
	next.OID = before.OID // a replace keeps the view's OID
	if !reflect.DeepEqual(got, next) {
		t.Fatalf("after replace: %+v, want %+v", got, next)
	}
}

func TestViewDrop(t *testing.T) {
	db, _, _ := ddlDB(t)
	viewTables(t, db)
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id, b FROM t", Columns: []string{"id", "b"}, Tables: []string{"t"}}, false))
	mustExec(t, db.CreateView(ViewDef{Name: "w", SQL: "SELECT id FROM v JOIN u USING (id)", Columns: []string{"id"}, Tables: []string{"v", "u"}}, false))

	wantErr(t, db.DropView("nope", false), "42P01", `view "nope" does not exist`)
	mustExec(t, db.DropView("nope", true))
	for _, c := range []struct{ name, hint string }{
		{"t", "Use DROP TABLE to remove a table."},
		{"s", "Use DROP SEQUENCE to remove a sequence."},
		{"ti", "Use DROP INDEX to remove an index."},
	} {
		for _, ifExists := range []bool{false, true} {
			wantErrHint(t, db.DropView(c.name, ifExists), "42809", fmt.Sprintf("%q is not a view", c.name), "", c.hint)
		}
	}
	wantErrHint(t, db.DropTable("v", false), "42809", `"v" is not a table`, "", "Use DROP VIEW to remove a view.")
	wantErrHint(t, db.DropTable("v", true), "42809", `"v" is not a table`, "", "Use DROP VIEW to remove a view.")
	wantErrHint(t, db.DropTableCascade("v", true), "42809", `"v" is not a table`, "", "Use DROP VIEW to remove a view.")
	wantErrHint(t, db.DropSequence("v", false), "42809", `"v" is not a sequence`, "", "Use DROP VIEW to remove a view.")

	const hint = "Use DROP ... CASCADE to drop the dependent objects too."
	wantErrHint(t, db.DropTable("t", false), "2BP01", "cannot drop table t because other objects depend on it",
		"view v depends on table t\nview w depends on view v", hint)
	wantErrHint(t, db.DropTable("u", true), "2BP01", "cannot drop table u because other objects depend on it",
		"view w depends on table u", hint)
	wantErrHint(t, db.DropView("v", false), "2BP01", "cannot drop view v because other objects depend on it",
		"view w depends on view v", hint)
	wantErr(t, db.RenameTable("t", "t2"), "0A000", "cannot rename table t because views depend on it")
	if n := viewNames(db); !reflect.DeepEqual(n, []string{"v", "w"}) {
		t.Fatalf("Views after refused drops: %v", n)
	}

	mustExec(t, db.DropView("w", false))
	mustExec(t, db.RenameTable("u", "u2"))
	mustExec(t, db.DropViewCascade("v", false))
	if n := viewNames(db); n != nil {
		t.Fatalf("Views after drops: %v", n)
	}
	mustExec(t, db.DropTable("t", false))
}

// TestDropTableCascade: the views that read a table, directly or through
// other views, go with it; other views stay.
func TestDropTableCascade(t *testing.T) {
	db, _, reopen := ddlDB(t)
	viewTables(t, db)
	mk := func(name string, tables ...string) {
		mustExec(t, db.CreateView(ViewDef{Name: name, SQL: "SELECT 1", Columns: []string{"x"}, Tables: tables}, false))
	}
	mk("b", "t")
	mk("a", "t", "b") // reads t and, through b, t again
	mk("c", "u", "a")
	mk("d", "u")
	wantErrHint(t, db.DropTable("t", false), "2BP01", "cannot drop table t because other objects depend on it",
		"view a depends on table t\nview c depends on view a\nview b depends on table t\nview a depends on view b",
		"Use DROP ... CASCADE to drop the dependent objects too.")
	mustExec(t, db.DropTableCascade("t", false))
	if n := viewNames(db); !reflect.DeepEqual(n, []string{"d"}) {
		t.Fatalf("Views after cascade: %v", n)
	}
	if _, err := db.View().Spec("t"); !errors.Is(err, ErrNoTable) {
		t.Fatalf("table after cascade: %v", err)
	}
	mustExec(t, db.DropTableCascade("t", true))
	wantErr(t, db.DropTableCascade("t", false), "42P01", `table "t" does not exist`)
	db = reopen()
	if n := viewNames(db); !reflect.DeepEqual(n, []string{"d"}) {
		t.Fatalf("Views after reopen: %v", n)
	}
}

// TestViewReopen: views survive a close, snapshots and compaction; a
// read-only open lists them and refuses changes.
func TestViewReopen(t *testing.T) {
	db, mem, reopen := ddlDB(t)
	viewTables(t, db)
	insertN(t, db, "t", 0, 20)
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id, b FROM t", Columns: []string{"id", "b"}, Tables: []string{"t"}}, false))
	mustExec(t, db.CreateView(ViewDef{Name: "e", SQL: "SELECT", Columns: nil}, false))
	mustExec(t, db.CreateView(ViewDef{Name: "gone", SQL: "SELECT 1", Columns: []string{"x"}}, false))
	mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id, b, 2 AS z FROM t", Columns: []string{"id", "b", "z"}, Tables: []string{"t"}}, true))
	mustExec(t, db.DropView("gone", false))
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	_, err = db.CompactBefore("t", db.Seq()-5)
	mustExec(t, err)
	before := db.Views()
	db = reopen()
	if after := db.Views(); fmt.Sprint(after) != fmt.Sprint(before) || len(after) != 2 {
		t.Fatalf("after reopen:\n%+v\nwant\n%+v", after, before)
	}
	wantErr(t, db.DropTable("t", false), "2BP01", "cannot drop table t because other objects depend on it")
	mustExec(t, db.Close())

	ro, err := Open("/data", Options{Store: store.Options{FS: mem}, ReadOnly: true})
	mustExec(t, err)
	if got := ro.Views(); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Fatalf("read-only open sees %+v", got)
	}
	if Code(ro.CreateView(ViewDef{Name: "x", SQL: "SELECT 1"}, false)) != CodeReadOnly {
		t.Fatal("CreateView on a read-only open")
	}
	if Code(ro.DropView("v", false)) != CodeReadOnly {
		t.Fatal("DropView on a read-only open")
	}
	mustExec(t, ro.Close())
	db = reopen()
	if len(db.Views()) != 2 {
		t.Fatalf("after the read-only open: %+v", db.Views())
	}
}

// TestViewConcurrent: readers see each view whole while a writer
// replaces, drops and creates views and tables.
func TestViewConcurrent(t *testing.T) {
	db, _, _ := ddlDB(t)
	viewTables(t, db)
	def := func(i int) ViewDef {
		cols := []string{"id"}
		for j := range i % 5 {
			cols = append(cols, fmt.Sprintf("c%d", j))
		}
		return ViewDef{Name: "v", SQL: fmt.Sprintf("SELECT %d", i%5), Columns: cols, Tables: []string{"t"}}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	check := func(d ViewDef) {
		if want := fmt.Sprintf("SELECT %d", len(d.Columns)-1); d.SQL != want {
			t.Errorf("torn view: %+v", d)
		}
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if d, ok := db.ViewDef("v"); ok {
					check(d)
				}
				for _, d := range db.Views() {
					if d.Name == "v" {
						check(d)
					}
				}
			}
		}()
	}
	for i := range 100 {
		if i%5 == 0 {
			mustExec(t, db.DropView("v", true))
		}
		mustExec(t, db.CreateView(def(i), true))
		mustExec(t, db.CreateView(ViewDef{Name: fmt.Sprintf("x%d", i), SQL: "SELECT 1"}, false))
	}
	close(stop)
	wg.Wait()
	if n := len(db.Views()); n != 101 {
		t.Fatalf("%d views, want 101", n)
	}
}
