package sql

import (
	"fmt"
	"strings"
	"testing"
)

// TestKeyOrderPlans: an ORDER BY that starts with the primary key,
// ascending, over a scan of the table by key, by a range of keys or by an
// index equality, reads the rows in the table's order with no sort (a
// LIMIT then stops the scan), and descending, over a scan or a range of
// keys, reads them from the last key down, also through the left side of
// inner, left, semi and anti joins, for integer and text keys; a
// descending order over an index equality, a char(n) key, a table of
// documents, an order by another column,
// an index range (value order), a history scan, the right side of a join,
// right and full joins, and a second key where a join repeats a left row
// keep their sort. The rows are those PostgreSQL gives
// (sql/logictest/testdata/order_by_key.slt).
func TestKeyOrderPlans(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE k (id int8 PRIMARY KEY, status text, v int8)`)
	run(t, s, `CREATE INDEX k_status ON k (status)`)
	run(t, s, `CREATE TABLE s (name text PRIMARY KEY, v int8)`)
	run(t, s, `CREATE TABLE c (code char(4) PRIMARY KEY, v int8)`)
	run(t, s, `CREATE TABLE d (pk=id)`)
	run(t, s, `INSERT INTO k SELECT i, 's' || (i % 3), 100 - i FROM generate_series(1, 50) i`)
	run(t, s, `CREATE TABLE o (id int8 PRIMARY KEY, kid int8, total int8)`)
	run(t, s, `INSERT INTO o SELECT i, i % 60, i * 10 FROM generate_series(1, 200) i`)
	for _, c := range []struct {
		sql    string
		sorted bool
	}{
		{`SELECT v FROM k ORDER BY id LIMIT 5`, false},
		{`SELECT * FROM k ORDER BY id`, false},
		{`SELECT v FROM k ORDER BY id, v LIMIT 5 OFFSET 3`, false},
		{`SELECT v FROM k WHERE id BETWEEN 10 AND 20 ORDER BY id LIMIT 3`, false},
		{`SELECT v FROM k WHERE status = 's1' ORDER BY id LIMIT 3`, false},
		{`SELECT v FROM k WHERE v > 60 ORDER BY k.id LIMIT 3`, false},
		{`SELECT v FROM k ORDER BY id DESC LIMIT 5`, false},
		{`SELECT v FROM k WHERE id < 30 ORDER BY id DESC, v LIMIT 5`, false},
		{`SELECT v FROM k WHERE status = 's1' ORDER BY id DESC LIMIT 3`, true},
		{`SELECT v FROM k ORDER BY v, id LIMIT 5`, true},
		{`SELECT v FROM k WHERE status > 's0' ORDER BY id LIMIT 3`, true},
		{`SELECT v FROM s ORDER BY name LIMIT 5`, false},
		{`SELECT v FROM s WHERE name >= 'm' ORDER BY name DESC LIMIT 5`, false},
		{`SELECT v FROM c ORDER BY code LIMIT 5`, true},
		{`SELECT * FROM d ORDER BY id LIMIT 5`, true},
		{`SELECT v FROM k FOR SYSTEM_TIME ALL ORDER BY id LIMIT 5`, true},
		// Joins give their left rows in order.
		{`SELECT o.id, k.v FROM o JOIN k ON k.id = o.kid ORDER BY o.id DESC LIMIT 5`, false},
		{`SELECT o.id, k.v FROM o LEFT JOIN k ON k.id = o.kid WHERE o.total > 100 ORDER BY o.id LIMIT 5`, false},
		{`SELECT id FROM o WHERE kid IN (SELECT id FROM k WHERE v > 70) ORDER BY id, total LIMIT 5`, false},
		{`SELECT id FROM o WHERE NOT EXISTS (SELECT 1 FROM k WHERE k.id = o.kid) ORDER BY id DESC LIMIT 5`, false},
		{`SELECT k.id, o.id FROM k JOIN o ON o.kid = k.id ORDER BY k.id, o.id LIMIT 5`, true},
		{`SELECT o.id, k.v FROM o JOIN k ON k.id = o.kid ORDER BY k.id LIMIT 5`, true},
		{`SELECT o.id, k.v FROM o RIGHT JOIN k ON k.id = o.kid ORDER BY o.id LIMIT 5`, true},
		{`SELECT o.id, k.v FROM o FULL JOIN k ON k.id = o.kid ORDER BY o.id LIMIT 5`, true},
	} {
		var plan []string
		for _, r := range run(t, s, "EXPLAIN "+c.sql).Rows {
			plan = append(plan, r[0].(string))
		}
		text := strings.Join(plan, "\n")
		if got := strings.Contains(text, "Sort"); got != c.sorted {
			t.Errorf("%s: sorted %v, want %v:\n%s", c.sql, got, c.sorted, text)
		}
	}
}

// TestKeyOrderDescAggregate: rows read from the last key down keep that
// order into an aggregate over them, on a table large enough to be read
// in parts side by side (which merge in ascending key order): such a scan
// is read whole, by one reader.
func TestKeyOrderDescAggregate(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE big (id int8 PRIMARY KEY, v int8)`)
	run(t, s, `INSERT INTO big SELECT i, i % 7 FROM generate_series(1, 40000) i`)
	res := run(t, s, `SELECT (array_agg(id))[1:3]::text, count(*) FROM (SELECT id FROM big ORDER BY id DESC) s`)
	if got := fmt.Sprint(res.Rows[0]...); got != "{40000,39999,39998}40000" {
		t.Fatalf("the first ids of a descending scan, and how many: %s", got)
	}
}
