package engine

import (
	"errors"
	"fmt"
	"testing"
)

// viewState reports the view name's query ("" when there is none) and
// checks that every view reads only relations that exist.
func viewState(db *DB, name string) (string, error) {
	for _, d := range db.Views() {
		for _, r := range d.Tables {
			if _, ok := db.ViewDef(r); ok {
				continue
			}
			if _, err := db.View().Spec(r); err != nil {
				return "", fmt.Errorf("view %s reads %s: %v", d.Name, r, err)
			}
		}
	}
	d, ok := db.ViewDef(name)
	if !ok {
		return "", nil
	}
	return d.SQL, nil
}

// crashViewDDL runs op under crashDDL with the state "query of view name
// is from" before and "to" after ("" for no view).
func crashViewDDL(t *testing.T, setup func(db *DB), op func(db *DB) error, name, from, to string) {
	t.Helper()
	before, after := crashDDL(t, setup, op, func(db *DB, image bool) (bool, error) {
		q, err := viewState(db, name)
		switch {
		case err != nil:
			return false, err
		case q == from:
			return false, nil
		case q == to:
			return true, nil
		}
		return false, fmt.Errorf("view %s is %q, want %q or %q", name, q, from, to)
	}, "keep")
	if before == 0 || after == 0 {
		t.Fatalf("crash images: %d before, %d after", before, after)
	}
}

func viewSetup(t *testing.T) func(db *DB) {
	return func(db *DB) {
		ddlSetup(t)(db)
		mustExec(t, db.CreateView(ViewDef{Name: "v", SQL: "SELECT id FROM t", Columns: []string{"id"}, Tables: []string{"t"}}, false))
	}
}

// TestCreateViewCrash: a crash while a view is created leaves it whole or
// missing.
func TestCreateViewCrash(t *testing.T) {
	crashViewDDL(t, ddlSetup(t), func(db *DB) error {
		return db.CreateView(ViewDef{Name: "v", SQL: "SELECT id FROM t", Columns: []string{"id"}, Tables: []string{"t"}}, false)
	}, "v", "", "SELECT id FROM t")
}

// TestReplaceViewCrash: a crash while a view is replaced leaves the old
// definition or the new one.
func TestReplaceViewCrash(t *testing.T) {
	crashViewDDL(t, viewSetup(t), func(db *DB) error {
		return db.CreateView(ViewDef{Name: "v", SQL: "SELECT id, s FROM t", Columns: []string{"id", "s"}, Tables: []string{"t"}}, true)
	}, "v", "SELECT id FROM t", "SELECT id, s FROM t")
}

// TestDropViewCrash: a crash while a view is dropped leaves it whole or
// gone.
func TestDropViewCrash(t *testing.T) {
	crashViewDDL(t, viewSetup(t), func(db *DB) error { return db.DropView("v", false) }, "v", "SELECT id FROM t", "")
}

// TestDropTableCascadeCrash: a crash while a table and the views reading
// it are dropped never leaves a view reading a relation that is gone;
// the table goes last.
func TestDropTableCascadeCrash(t *testing.T) {
	setup := func(db *DB) {
		viewSetup(t)(db)
		mustExec(t, db.CreateView(ViewDef{Name: "w", SQL: "SELECT id FROM v", Columns: []string{"id"}, Tables: []string{"v"}}, false))
		mustExec(t, db.CreateView(ViewDef{Name: "k", SQL: "SELECT id FROM keep", Columns: []string{"id"}, Tables: []string{"keep"}}, false))
	}
	before, after := crashDDL(t, setup, func(db *DB) error { return db.DropTableCascade("t", false) },
		func(db *DB, image bool) (bool, error) {
			if _, err := viewState(db, "v"); err != nil {
				return false, err
			}
			if _, ok := db.ViewDef("k"); !ok {
				return false, errors.New("view k is gone")
			}
			_, terr := db.View().Spec("t")
			return errors.Is(terr, ErrNoTable), nil
		}, "keep")
	if before == 0 || after == 0 {
		t.Fatalf("crash images: %d before, %d after", before, after)
	}
}
