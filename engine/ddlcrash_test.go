package engine

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// crashDDL runs setup, then op, on a database on a MemFS and, before every
// file operation op makes, opens the database a crash would leave (with
// only what was synced, and with every change kept) and checks it: it
// must open, state must report it as it was before op or as op leaves it,
// whole (done says which), verify must find no damage, and it must take
// a write to table probe. After op, the state must be op's. It returns
// how many crash images were before and after op's commit point. state
// is told whether it looks at a crash image, which it may change.
func crashDDL(t *testing.T, setup func(db *DB), op func(db *DB) error, state func(db *DB, image bool) (done bool, err error), probe string) (before, after int) {
	t.Helper()
	mem := vfs.NewMem()
	faults := vfs.NewFaultFS(mem)
	opts := Options{Store: store.Options{FS: faults}, SnapshotEvents: -1, SnapshotBytes: -1}
	db := openDB(t, "/data", opts)
	defer db.Close()
	setup(db)
	var failed error
	check := func(where string, fsys *vfs.MemFS) error {
		db, err := Open("/data", Options{Store: store.Options{FS: fsys}, SnapshotEvents: -1, SnapshotBytes: -1})
		if err != nil {
			return fmt.Errorf("%s: open: %w", where, err)
		}
		defer db.Close()
		done, err := state(db, true)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if done {
			after++
		} else {
			before++
		}
		if rep, err := store.Verify(fsys, "/data"); err != nil || rep.Damaged() {
			return fmt.Errorf("%s: verify: %v %v", where, err, rep.Problems)
		}
		if _, err := db.Insert(ctx, probe, []byte(`{"id": -1}`)); err != nil {
			return fmt.Errorf("%s: write after recovery: %w", where, err)
		}
		return nil
	}
	crashes := 0
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
	err := op(db)
	faults.SetHook(nil)
	if failed != nil {
		t.Fatal(failed)
	}
	mustExec(t, err)
	if done, err := state(db, false); err != nil || !done {
		t.Fatalf("after the operation: done %v, %v", done, err)
	}
	// Once op returned, a crash keeps what it did.
	beforeNow := before
	if err := check("after the operation, crashed", mem.CrashClone()); err != nil {
		t.Fatal(err)
	}
	if before != beforeNow {
		t.Fatal("a crash after the operation returned loses it")
	}
	if crashes == 0 {
		t.Fatal("the operation changed no file")
	}
	t.Logf("%d crash points: %d images before the operation, %d after", crashes, before, after)
	return before, after
}

// rowsOf returns the documents of the live rows of table, by key text.
func rowsOf(db *DB, table string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	var derr error
	err := db.View().Scan(table, func(r *Row) bool {
		var d map[string]any
		d, derr = r.Doc()
		out[keyText(r.Key)] = d
		return derr == nil
	})
	if err == nil {
		err = derr
	}
	return out, err
}

// ddlSetup makes table "keep" and table "t" (index on s), 40 rows in t,
// a transaction over both, a snapshot of t and rows after it.
func ddlSetup(t *testing.T) func(db *DB) {
	return func(db *DB) {
		mustExec(t, db.CreateTable(TableSpec{Name: "keep", PK: "id"}))
		mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"s"}}))
		insertN(t, db, "t", 0, 30)
		tx := db.Begin()
		_, err := tx.Insert("keep", []byte(`{"id": 1}`))
		mustExec(t, err)
		_, err = tx.Insert("t", []byte(`{"id": 100, "s": "both"}`))
		mustExec(t, err)
		_, err = tx.Commit(ctx)
		mustExec(t, err)
		_, err = db.SnapshotTable("t")
		mustExec(t, err)
		insertN(t, db, "t", 30, 40)
	}
}

// checkKeep checks table keep: the row the transaction over both tables
// wrote.
func checkKeep(db *DB) error {
	rows, err := rowsOf(db, "keep")
	if err != nil {
		return err
	}
	if _, ok := rows["1"]; !ok {
		return fmt.Errorf("table keep lost the row of the transaction over both tables: %v", rows)
	}
	return nil
}

// checkWhole checks that table name holds the 41 rows of ddlSetup.
func checkWhole(db *DB, name string) error {
	rows, err := rowsOf(db, name)
	if err != nil {
		return err
	}
	if len(rows) < 41 || rows["100"]["s"] != "both" {
		return fmt.Errorf("table %s holds %d rows", name, len(rows))
	}
	return nil
}

func TestDropTableCrash(t *testing.T) {
	before, after := crashDDL(t, ddlSetup(t), func(db *DB) error { return db.DropTable("t", false) },
		func(db *DB, image bool) (bool, error) {
			if err := checkKeep(db); err != nil {
				return false, err
			}
			switch tables := db.Tables(); {
			case reflect.DeepEqual(tables, []string{"keep", "t"}):
				return false, checkWhole(db, "t")
			case reflect.DeepEqual(tables, []string{"keep"}):
				if db.Seq() < 42 {
					return true, fmt.Errorf("seq %d after the drop, want at least 42", db.Seq())
				}
				if image {
					return true, db.CreateTable(TableSpec{Name: "t", PK: "id"})
				}
				return true, nil
			default:
				return false, fmt.Errorf("tables %v", tables)
			}
		}, "keep")
	if before == 0 || after == 0 {
		t.Fatalf("crash images: %d before the drop, %d after", before, after)
	}
}

func TestRenameTableCrash(t *testing.T) {
	before, after := crashDDL(t, ddlSetup(t), func(db *DB) error { return db.RenameTable("t", "u") },
		func(db *DB, _ bool) (bool, error) {
			if err := checkKeep(db); err != nil {
				return false, err
			}
			switch tables := db.Tables(); {
			case reflect.DeepEqual(tables, []string{"keep", "t"}):
				return false, checkWhole(db, "t")
			case reflect.DeepEqual(tables, []string{"keep", "u"}):
				if spec, _ := db.View().Spec("u"); spec.Name != "u" {
					return true, fmt.Errorf("renamed table's spec says %q", spec.Name)
				}
				return true, checkWhole(db, "u")
			default:
				return false, fmt.Errorf("tables %v", tables)
			}
		}, "keep")
	if before == 0 || after == 0 {
		t.Fatalf("crash images: %d before the rename, %d after", before, after)
	}
}

// columnState reports whether table t has column col, and checks that
// every live row agrees: has holds for each row's document (the field's
// value is want), or for none.
func columnState(db *DB, col string, has func(d map[string]any) bool) (bool, error) {
	cols, err := db.View().Columns("t")
	if err != nil {
		return false, err
	}
	listed := false
	for _, c := range cols {
		listed = listed || c.Name == col
	}
	rows, err := rowsOf(db, "t")
	if err != nil {
		return false, err
	}
	if len(rows) < 41 {
		return false, fmt.Errorf("table t holds %d rows", len(rows))
	}
	for k, d := range rows {
		if has(d) != listed {
			return false, fmt.Errorf("column %s listed %v, row %s: %v", col, listed, k, d)
		}
	}
	return listed, nil
}

func TestAddColumnCrash(t *testing.T) {
	before, after := crashDDL(t, ddlSetup(t),
		func(db *DB) error {
			return db.AddColumn("t", ColumnSpec{Name: "status", Type: TypeText, NotNull: true}, "new")
		},
		func(db *DB, _ bool) (bool, error) {
			if err := checkKeep(db); err != nil {
				return false, err
			}
			return columnState(db, "status", func(d map[string]any) bool { return d["status"] == "new" })
		}, "keep")
	if before == 0 || after == 0 {
		t.Fatalf("crash images: %d before, %d after", before, after)
	}
}

func TestDropColumnCrash(t *testing.T) {
	before, after := crashDDL(t, ddlSetup(t),
		func(db *DB) error { return db.DropColumn("t", "s") },
		func(db *DB, _ bool) (bool, error) {
			if err := checkKeep(db); err != nil {
				return false, err
			}
			listed, err := columnState(db, "s", func(d map[string]any) bool { _, ok := d["s"]; return ok })
			if err == nil && db.View().Indexed("t", "s") != listed {
				err = fmt.Errorf("column s listed %v, indexed %v", listed, !listed)
			}
			return !listed, err
		}, "keep")
	if before == 0 || after == 0 {
		t.Fatalf("crash images: %d before, %d after", before, after)
	}
}

func TestRenameColumnCrash(t *testing.T) {
	crashDDL(t, ddlSetup(t),
		func(db *DB) error { return db.RenameColumn("t", "s", "label") },
		func(db *DB, _ bool) (bool, error) {
			switch got := colNamesOf(db, "t"); got {
			case "id s":
				return false, checkWhole(db, "t")
			case "id label(s)":
				return true, checkWhole(db, "t")
			default:
				return false, fmt.Errorf("columns %s", got)
			}
		}, "keep")
}

func colNamesOf(db *DB, table string) string {
	cols, _ := db.View().Columns(table)
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
