package sql

import (
	"strings"
	"testing"
)

// TestJoinPlans: a join of a few rows with a table on its primary key
// reads the table by key (a nested loop over an index scan, as
// PostgreSQL shows it), as does a join with a table on its key that has
// at least half as many rows as the left side's; a join with a much
// smaller table, or on a column that is not the key, hashes; outer joins
// hash on their ON equalities. A join whose rows stream to a small LIMIT
// (no sort between, or a sort the left side's key order made go) reads by
// key too.
func TestJoinPlans(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE u (id int8 PRIMARY KEY, name text, amount int8)`)
	run(t, s, `CREATE TABLE o (id int8 PRIMARY KEY, uid int4, total int8)`)
	run(t, s, `CREATE TABLE big (id int8 PRIMARY KEY, v int8)`)
	run(t, s, `INSERT INTO u SELECT i, 'u' || i, i FROM generate_series(1, 10) i`)
	run(t, s, `INSERT INTO o SELECT i, i % 10, i FROM generate_series(1, 100) i`)
	run(t, s, `INSERT INTO big SELECT i, i FROM generate_series(1, 60) i`)
	for _, c := range []struct{ sql, want, not string }{
		{`SELECT o.id, u.name FROM o JOIN u ON u.id = o.uid WHERE o.id < 5`, "Nested Loop|Index Scan using u_pkey on u|Index Cond: (id = o.uid)", "Hash"},
		{`SELECT o.id, u.name FROM o LEFT JOIN u ON u.id = o.uid AND u.amount > 1 WHERE o.id = 5`, "Nested Loop Left Join|Filter: (u.amount > 1)", "Hash"},
		{`SELECT o.id, u.name FROM (VALUES (1), (2)) v(x) JOIN o ON o.id = v.x JOIN u ON u.id = o.uid`, "Index Scan using o_pkey on o|Index Scan using u_pkey on u", "Hash"},
		{`SELECT o.id, u.name FROM o JOIN u ON u.id = o.uid`, "Hash Join", "Nested Loop"},
		{`SELECT o.id, big.v FROM o JOIN big ON big.id = o.total`, "Nested Loop|Index Scan using big_pkey on big", "Hash"},
		{`SELECT o.id, big.v FROM big JOIN o ON o.id = big.v`, "Nested Loop|Index Scan using o_pkey on o", "Hash"},
		{`SELECT o.id, u.name FROM o JOIN u ON u.amount = o.total WHERE o.id < 5`, "Hash Join", "Nested Loop"},
		{`SELECT o.id, u.name FROM o LEFT JOIN u ON u.amount = o.total`, "Hash Left Join", "Nested Loop"},
		{`SELECT o.id FROM o FULL JOIN u ON u.id = o.uid`, "Hash Full Join", "Nested Loop"},
		// Rows that stream in key order to a small LIMIT: few left rows.
		{`SELECT o.id, u.name FROM o JOIN u ON u.id = o.uid ORDER BY o.id DESC LIMIT 5`, "Nested Loop|Index Scan Backward using o_pkey on o|Index Scan using u_pkey on u", "Hash"},
		{`SELECT o.id, u.name FROM o JOIN u ON u.id = o.uid LIMIT 5`, "Nested Loop|Index Scan using u_pkey on u", "Hash"},
		{`SELECT o.id, u.name FROM o JOIN u ON u.id = o.uid ORDER BY u.name LIMIT 5`, "Hash Join", "Nested Loop"},
		{`SELECT o.id, u.name FROM o JOIN u ON u.id = o.uid AND u.name > 'u7' ORDER BY o.id LIMIT 5`, "Hash Join", "Nested Loop"},
		{`SELECT o.id, u.name FROM o JOIN u ON u.id = o.uid WHERE o.total > 50 ORDER BY o.id LIMIT 5`, "Nested Loop|Index Scan using u_pkey on u", "Hash"},
		{`SELECT x.id, u.name FROM (SELECT id, uid FROM o ORDER BY total LIMIT 5) x JOIN u ON u.id = x.uid`, "Nested Loop|Index Scan using u_pkey on u", "Hash"},
	} {
		var plan []string
		for _, r := range run(t, s, "EXPLAIN "+c.sql).Rows {
			plan = append(plan, r[0].(string))
		}
		text := strings.Join(plan, "\n")
		for _, w := range strings.Split(c.want, "|") {
			if !strings.Contains(text, w) {
				t.Errorf("%s: no %q in\n%s", c.sql, w, text)
			}
		}
		if strings.Contains(text, c.not) {
			t.Errorf("%s: %q in\n%s", c.sql, c.not, text)
		}
	}
}

// TestExplainIndexNames: EXPLAIN names the index a scan reads as the
// catalog does: the index on the column alone, else the first that starts
// with it.
func TestExplainIndexNames(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE p (id int8 PRIMARY KEY, status text, email text, n int8)`)
	run(t, s, `CREATE INDEX p_by_status ON p (status)`)
	run(t, s, `CREATE UNIQUE INDEX p_mail ON p (email, n)`)
	run(t, s, `INSERT INTO p SELECT i, 's' || (i % 3), 'e' || i, i FROM generate_series(1, 50) i`)
	for _, c := range []struct{ sql, want string }{
		{`SELECT id FROM p WHERE status = 's1'`, "Index Scan using p_by_status on p"},
		{`SELECT id FROM p WHERE email = 'e7'`, "Index Scan using p_mail on p"},
	} {
		var plan []string
		for _, r := range run(t, s, "EXPLAIN "+c.sql).Rows {
			plan = append(plan, r[0].(string))
		}
		if text := strings.Join(plan, "\n"); !strings.Contains(text, c.want) {
			t.Errorf("%s: no %q in\n%s", c.sql, c.want, text)
		}
	}
}
