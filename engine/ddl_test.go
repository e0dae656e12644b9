package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// ddlDB opens a database on a fresh MemFS; reopen opens it again.
func ddlDB(t *testing.T) (db *DB, mem *vfs.MemFS, reopen func() *DB) {
	t.Helper()
	mem = vfs.NewMem()
	opts := Options{Store: store.Options{FS: mem}, SnapshotEvents: -1, SnapshotBytes: -1}
	db = openDB(t, "/data", opts)
	cur := db
	t.Cleanup(func() { cur.Close() })
	return db, mem, func() *DB {
		t.Helper()
		mustExec(t, cur.Close())
		cur = openDB(t, "/data", opts)
		return cur
	}
}

func insertN(t *testing.T, db *DB, table string, from, to int) {
	t.Helper()
	tx := db.Begin()
	for i := from; i < to; i++ {
		_, err := tx.Insert(table, fmt.Appendf(nil, `{"id": %d, "s": "v%d"}`, i, i%3))
		mustExec(t, err)
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
}

// TestDropTable: a dropped table is gone from every query, AS OF before
// the drop too, with its files; a transaction over it and another table
// stays whole in the other across reopens; the last seq survives the
// drop when the table held it; a new table of the name starts empty; IF
// EXISTS makes a missing table no error.
func TestDropTable(t *testing.T) {
	db, mem, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "keep", PK: "id"}))
	mustExec(t, db.CreateTable(TableSpec{Name: "gone", PK: "id", Indexes: []string{"s"}}))
	insertN(t, db, "gone", 0, 50)
	tx := db.Begin()
	_, err := tx.Insert("keep", []byte(`{"id": 1}`))
	mustExec(t, err)
	_, err = tx.Insert("gone", []byte(`{"id": 100}`))
	mustExec(t, err)
	_, err = tx.Commit(ctx)
	mustExec(t, err)
	_, err = db.SnapshotTable("gone")
	mustExec(t, err)
	insertN(t, db, "gone", 200, 210) // the newest seq is the dropped table's
	before := db.Seq()

	mustExec(t, db.DropTable("gone", false))
	if err := db.DropTable("gone", false); Code(err) != CodeUndefinedTable || !strings.Contains(err.Error(), `table "gone" does not exist`) {
		t.Fatalf("second drop: %v", err)
	}
	mustExec(t, db.DropTable("gone", true))
	check := func(db *DB, what string) {
		t.Helper()
		if got := db.Tables(); !reflect.DeepEqual(got, []string{"keep"}) {
			t.Fatalf("%s: tables %v", what, got)
		}
		if _, _, err := db.View().Get("gone", 1); Code(err) != CodeUndefinedTable {
			t.Fatalf("%s: get from the dropped table: %v", what, err)
		}
		v, err := db.ViewAt(before)
		mustExec(t, err)
		if _, err := v.Cursor("gone"); Code(err) != CodeUndefinedTable {
			t.Fatalf("%s: AS OF before the drop: %v", what, err)
		}
		if got := liveKeys(t, db.View(), "keep"); !reflect.DeepEqual(got, []string{"1"}) {
			t.Fatalf("%s: the other table of the transaction: %v", what, got)
		}
		if db.Seq() < before {
			t.Fatalf("%s: seq %d went back from %d", what, db.Seq(), before)
		}
		if _, err := mem.Stat("/data/tables/gone"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s: the table's directory: %v", what, err)
		}
	}
	check(db, "at once")
	db = reopen()
	check(db, "after a reopen")
	seq, err := db.Insert(ctx, "keep", []byte(`{"id": 2}`))
	mustExec(t, err)
	if seq != before+1 {
		t.Fatalf("first seq after the drop and a reopen: %d, want %d", seq, before+1)
	}

	mustExec(t, db.CreateTable(TableSpec{Name: "gone", PK: "id"}))
	if got := liveKeys(t, db.View(), "gone"); len(got) != 0 {
		t.Fatalf("new table of the dropped one's name: %v", got)
	}
	insertN(t, db, "gone", 0, 3)
	db = reopen()
	if got := liveKeys(t, db.View(), "gone"); !reflect.DeepEqual(got, []string{"0", "1", "2"}) {
		t.Fatalf("new table after a reopen: %v", got)
	}
	if h, err := db.View().History("gone", 100); err != nil || len(h) != 0 {
		t.Fatalf("history of the old table's row in the new one: %v %v", h, err)
	}
}

// TestDropTableOpenTransaction: a transaction that wrote to a table that
// was dropped, or dropped and made again, since fails at commit and
// writes nothing; a statement outside a transaction runs again on the
// new table.
func TestDropTableOpenTransaction(t *testing.T) {
	db, _, _ := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	insertN(t, db, "t", 0, 3)

	tx := db.Begin()
	mustExec(t, tx.Patch("t", 1, []byte(`{"x": 1}`)))
	mustExec(t, db.DropTable("t", false))
	if _, err := tx.Commit(ctx); Code(err) != CodeUndefinedTable {
		t.Fatalf("commit to a dropped table: %v", err)
	}

	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	tx = db.Begin()
	_, err := tx.Insert("t", []byte(`{"id": 7}`))
	mustExec(t, err)
	mustExec(t, db.DropTable("t", false))
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{{Name: "id", Type: TypeInt8}, {Name: "n", Type: TypeInt8, NotNull: true}}}))
	if _, err := tx.Commit(ctx); Code(err) != CodeSerializationFailure {
		t.Fatalf("commit checked against the old table: %v", err)
	}
	if got := liveKeys(t, db.View(), "t"); len(got) != 0 {
		t.Fatalf("rows after the failed commit: %v", got)
	}
	// Autocommit runs the statement again on the new definition: the
	// new NOT NULL column refuses it.
	runs := 0
	_, err = db.Autocommit(ctx, func(tx *Txn) error {
		runs++
		if runs == 1 {
			if _, err := tx.Insert("t", []byte(`{"id": 8, "n": 1}`)); err != nil {
				return err
			}
			mustExec(t, db.DropTable("t", false))
			mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{{Name: "m", Type: TypeInt8, NotNull: true}}}))
			return nil
		}
		_, err := tx.Insert("t", []byte(`{"id": 8, "n": 1}`))
		return err
	})
	if runs != 2 || Code(err) != CodeNotNullViolation {
		t.Fatalf("autocommit over a changed table: %d runs, %v", runs, err)
	}
}

// TestRenameTable: a renamed table keeps its rows, history, indexes,
// snapshot and compaction horizon, across reopens; the old name answers
// 42P01 and is free; names in use and bad names are refused.
func TestRenameTable(t *testing.T) {
	db, _, reopen := ddlDB(t)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"s"}}))
	mustExec(t, db.CreateTable(TableSpec{Name: "other", PK: "id"}))
	insertN(t, db, "t", 0, 30)
	for i := range 30 {
		_, err := db.Patch(ctx, "t", int64(i), []byte(`{"p": 1}`))
		mustExec(t, err)
	}
	h, err := db.CompactBefore("t", 40) // history before 40 lives only in the snapshot now
	mustExec(t, err)
	insertN(t, db, "t", 30, 35)
	mid := db.Seq()
	_, err = db.Patch(ctx, "t", 31, []byte(`{"p": 2}`))
	mustExec(t, err)

	mustExec(t, db.RenameTable("t", "t2"))
	check := func(db *DB, what string) {
		t.Helper()
		if got := db.Tables(); !reflect.DeepEqual(got, []string{"other", "t2"}) {
			t.Fatalf("%s: tables %v", what, got)
		}
		if got := len(liveKeys(t, db.View(), "t2")); got != 35 {
			t.Fatalf("%s: %d rows", what, got)
		}
		if got := len(lookupAll(t, db.View(), "t2", "s", OpEq, "v1")); got != 12 {
			t.Fatalf("%s: index finds %d rows", what, got)
		}
		v, err := db.ViewAt(mid)
		mustExec(t, err)
		if d := getDoc(t, v, "t2", 31); d["p"] != nil {
			t.Fatalf("%s: AS OF before the patch: %v", what, d)
		}
		if got := db.View().Horizon("t2"); got != h {
			t.Fatalf("%s: horizon %d, want %d", what, got, h)
		}
		if _, _, err := db.View().Get("t", 1); Code(err) != CodeUndefinedTable {
			t.Fatalf("%s: old name: %v", what, err)
		}
		if spec, _ := db.View().Spec("t2"); spec.Name != "t2" {
			t.Fatalf("%s: spec name %q", what, spec.Name)
		}
	}
	check(db, "at once")
	_, err = db.Patch(ctx, "t2", 1, []byte(`{"after": true}`))
	mustExec(t, err)
	db = reopen()
	check(db, "after a reopen")
	if d := getDoc(t, db.View(), "t2", 1); d["after"] != true {
		t.Fatalf("write after the rename: %v", d)
	}

	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"})) // the old name is free
	for _, c := range []struct {
		old, new, code string
	}{
		{"t2", "other", CodeDuplicateTable},
		{"t2", "t2", CodeDuplicateTable},
		{"nope", "x", CodeUndefinedTable},
		{"t2", "bad name", CodeInvalidName},
		{"t2", ".x", CodeInvalidName},
	} {
		if err := db.RenameTable(c.old, c.new); Code(err) != c.code {
			t.Fatalf("rename %s to %q: %v, want %s", c.old, c.new, err, c.code)
		}
	}

	// A transaction that wrote by the old name fails at commit.
	tx := db.Begin()
	mustExec(t, tx.Patch("t2", 2, []byte(`{"x": 1}`)))
	mustExec(t, db.RenameTable("t2", "t3"))
	if _, err := tx.Commit(ctx); Code(err) != CodeUndefinedTable {
		t.Fatalf("commit by the old name: %v", err)
	}
}
