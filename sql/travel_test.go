package sql

import (
	"fmt"
	"testing"
)

// TestTravelPerTable: each table reference has its own point in time, so
// one query joins a table now with the same table in the past; history
// scans return every version with its system columns, and the whole
// engine queries them.
func TestTravelPerTable(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE orders (id int8 PRIMARY KEY, status text, amount numeric(10,2))`)
	run(t, s, `INSERT INTO orders VALUES (1, 'pending', 10), (2, 'pending', 20), (3, 'pending', 30)`)
	before := s.db.Seq()
	run(t, s, `UPDATE orders SET status = 'paid' WHERE id IN (1, 3)`)
	run(t, s, `DELETE FROM orders WHERE id = 2`)
	run(t, s, `UPDATE orders SET status = 'shipped' WHERE id = 3`)
	last := s.db.Seq()

	cases := []struct{ sql, want string }{
		// The present joined with the past.
		{fmt.Sprintf(`SELECT o.id, o.status, p.status FROM orders o JOIN orders FOR SYSTEM_TIME AS OF %d AS p ON p.id = o.id ORDER BY o.id`, before),
			"id|status|status\n1|paid|pending\n3|shipped|pending"},
		{fmt.Sprintf(`SELECT count(*) FROM orders AS OF '@seq:%d'`, before), "count\n3"},
		// Every version, the deleted one with its key and no columns.
		{`SELECT id, status, _event FROM orders FOR SYSTEM_TIME ALL ORDER BY id, _seq`,
			"id|status|_event\n1|pending|INSERT\n1|paid|PATCH\n2|pending|INSERT\n2|NULL|SOFT_DELETE\n3|pending|INSERT\n3|paid|PATCH\n3|shipped|PATCH"},
		// The versions the events after a point made; an end past the
		// last event is the last event.
		{fmt.Sprintf(`SELECT id, _event FROM orders FOR SYSTEM_TIME BETWEEN %d AND %d ORDER BY _seq`, before+1, last+100),
			"id|_event\n1|PATCH\n3|PATCH\n2|SOFT_DELETE\n3|PATCH"},
		{fmt.Sprintf(`SELECT count(*) FROM orders FOR SYSTEM_TIME FROM %d TO %d`, before+1, before+2), "count\n2"},
		// Orders that went from pending to paid.
		{`SELECT DISTINCT n.id FROM orders FOR SYSTEM_TIME ALL AS n
		   JOIN orders FOR SYSTEM_TIME ALL AS o ON o.id = n.id AND o._seq < n._seq
		  WHERE o.status = 'pending' AND n.status = 'paid' ORDER BY n.id`, "id\n1\n3"},
		// Conditions on the key hold for every version, not one row.
		{`SELECT _event FROM orders FOR SYSTEM_TIME ALL WHERE id = 3 ORDER BY _seq`, "_event\nINSERT\nPATCH\nPATCH"},
	}
	for _, c := range cases {
		if got := render(run(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n%s\nwant\n%s", c.sql, got, c.want)
		}
	}
	wantErr(t, s, `SELECT * FROM orders FOR SYSTEM_TIME SOMETIME`, "42601")
	wantErr(t, s, fmt.Sprintf(`SELECT * FROM orders AS OF %d`, last+1), "22023")
}
