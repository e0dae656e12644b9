package integration

import (
	"testing"

	"github.com/driftdb/driftdb/pgwire"
)

// TestResultColumnOrigin: RowDescription names the table OID and column
// number a result column shows, as PostgreSQL's does: a table's column
// its table's, a view's column the view's (not the table under it), an
// expression none. Drivers read them for ResultSetMetaData.getTableName
// and isNullable.
func TestResultColumnOrigin(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE items (id int8 PRIMARY KEY, name text, price numeric)`)
	mustExec(t, c, `CREATE VIEW cheap AS SELECT name, id, price * 2 AS twice FROM items`)
	oid := func(name string) uint32 {
		var o uint32
		if err := c.QueryRow(bg, `SELECT oid FROM pg_class WHERE relname = $1`, name).Scan(&o); err != nil || o == 0 {
			t.Fatalf("oid of %s: %d %v", name, o, err)
		}
		return o
	}
	items, cheap := oid("items"), oid("cheap")
	for _, tc := range []struct {
		sql   string
		oids  []uint32
		attrs []uint16
	}{
		{`SELECT price, id, id + 1 FROM items`, []uint32{items, items, 0}, []uint16{3, 1, 0}},
		{`SELECT id, twice, name FROM cheap`, []uint32{cheap, cheap, cheap}, []uint16{2, 3, 1}},
		{`SELECT c.id, i.name FROM cheap c JOIN items i USING (id)`, []uint32{cheap, items}, []uint16{2, 2}},
	} {
		rows, err := c.Query(bg, tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		fds := rows.FieldDescriptions()
		rows.Close()
		for i, fd := range fds {
			if fd.TableOID != tc.oids[i] || fd.TableAttributeNumber != tc.attrs[i] {
				t.Errorf("%s: column %d (%s) from %d.%d, want %d.%d", tc.sql, i+1, fd.Name, fd.TableOID, fd.TableAttributeNumber, tc.oids[i], tc.attrs[i])
			}
		}
	}
}
