package sql

import (
	"testing"

	"github.com/driftdb/driftdb/engine"
)

// reopener returns a function that opens a database in a directory of
// the test's, the same at each call, and a session on it.
func reopener(t *testing.T) func() (*engine.DB, *Session) {
	dir := t.TempDir()
	return func() (*engine.DB, *Session) {
		db, err := engine.Open(dir, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSession(db, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db, s
	}
}

// TestNoPrimaryKeyReopen: the rows of a table without a primary key, and
// its row-id counter, survive a reopen of the database.
func TestNoPrimaryKeyReopen(t *testing.T) {
	open := reopener(t)
	db, s := open()
	run(t, s, "CREATE TABLE t (a int, b text)")
	run(t, s, "INSERT INTO t VALUES (1, 'x'), (1, 'x')")
	run(t, s, "DELETE FROM t WHERE _rowid = 2")
	run(t, s, "INSERT INTO t VALUES (2, 'y')")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, s = open()
	defer db.Close()
	run(t, s, "INSERT INTO t VALUES (3, 'z')")
	got := render(run(t, s, "SELECT _rowid, * FROM t ORDER BY _rowid"))
	want := "_rowid|a|b\n1|1|x\n3|2|y\n4|3|z"
	if got != want {
		t.Fatalf("after reopen:\n%s\nwant:\n%s", got, want)
	}
	if got := render(run(t, s, "SELECT * FROM t WHERE _rowid = 3")); got != "a|b\n2|y" {
		t.Fatalf("by key: %s", got)
	}
}
