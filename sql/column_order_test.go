package sql

import (
	"errors"
	"testing"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// TestDeclaredColumnOrder: a table whose primary key is not its first
// column shows its columns as declared, after a reopen too, and a row a
// constraint refuses is told in that order (column_order.slt has the rest,
// against PostgreSQL).
func TestDeclaredColumnOrder(t *testing.T) {
	open := reopener(t)
	db, s := open()
	run(t, s, "CREATE TABLE t (a text, id text PRIMARY KEY, b text NOT NULL)")
	run(t, s, "INSERT INTO t VALUES ('x', 'k1', 'y')")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, s = open()
	defer db.Close()
	run(t, s, "INSERT INTO t VALUES ('x2', 'k2', 'y2')")
	if got, want := render(run(t, s, "SELECT * FROM t ORDER BY id")), "a|id|b\nx|k1|y\nx2|k2|y2"; got != want {
		t.Fatalf("after reopen:\n%s\nwant:\n%s", got, want)
	}
	_, err := s.Exec(ctx, "INSERT INTO t VALUES ('x3', 'k3', NULL)")
	var pe *pgcode.Error
	if !errors.As(err, &pe) || pe.Code != pgcode.NotNullViolation {
		t.Fatalf("a null b: %v", err)
	}
	if want := "Failing row contains (x3, k3, null)."; pe.Detail != want {
		t.Fatalf("detail %q, want %q", pe.Detail, want)
	}
}
