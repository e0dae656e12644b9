package sql

import (
	"testing"

	"github.com/driftdb/driftdb/sql/vtable"
)

// TestVirtualTables reads every virtual table through a session: each
// binds and runs, and its result has the columns and types the catalog
// gives it (for a table defined by a query, the query's casts must agree
// with its declared columns).
func TestVirtualTables(t *testing.T) {
	s := newSession(t)
	run(t, s, "CREATE TABLE vt (id int8 PRIMARY KEY, v text NOT NULL CHECK (v <> ''))")
	run(t, s, "CREATE SEQUENCE vt_s")
	for _, tab := range vtable.All() {
		name := tab.Schema + "." + tab.Name
		r := run(t, s, "SELECT * FROM "+name)
		if len(r.Columns) != len(tab.Cols) {
			t.Errorf("%s: %d columns, want %d", name, len(r.Columns), len(tab.Cols))
			continue
		}
		for i, c := range r.Columns {
			want := tab.Cols[i]
			if c.Name != want.Name || c.Type.Oid != want.Type.Oid || c.Type.Mod != want.Type.Mod {
				t.Errorf("%s: column %d is %s %s, want %s %s", name, i+1, c.Name, c.Type, want.Name, want.Type)
			}
		}
	}
}
