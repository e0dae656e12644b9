package sql

import (
	"strings"
	"testing"
)

// TestKeyRangeFilter: the bounds of a range of the primary key that are
// of the key's own type are the scan's Index Cond and not checked again on
// each row (EXPLAIN has no Filter of them, as PostgreSQL's has none); a
// bound of another type (numeric, char(n) keys) and every other condition
// stay in the Filter. The rows are checked against PostgreSQL in
// sql/logictest/testdata/key_range.slt.
func TestKeyRangeFilter(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE k (id int8 PRIMARY KEY, v int8)`)
	run(t, s, `CREATE TABLE c (code char(4) PRIMARY KEY, v int8)`)
	run(t, s, `INSERT INTO k SELECT i, i % 5 FROM generate_series(1, 50) i`)
	run(t, s, `INSERT INTO c VALUES ('a', 1), ('b', 2), ('c', 3)`)
	for _, c := range []struct {
		sql, filter string // filter: "" for none
	}{
		{`SELECT v FROM k WHERE id BETWEEN 10 AND 20`, ""},
		{`SELECT v FROM k WHERE id > 10`, ""},
		{`SELECT v FROM k WHERE id >= 10 AND id < 20 AND v = 1`, "Filter: (k.v = 1)"},
		{`SELECT v FROM k WHERE id > 10 AND id > 20`, "Filter: (k.id > 20)"},
		{`SELECT v FROM c WHERE code > 'a'`, "Filter: (c.code > 'a   '::character(4))"},
		// A row comparison (keyset pagination) reads a range of its first
		// field, the key, and checks the rest.
		{`SELECT v FROM k WHERE (id, v) > (10, 2)`, "Filter: ((k.id > 10) OR ((k.id = 10) AND (k.v > 2)))"},
	} {
		var plan []string
		for _, r := range run(t, s, "EXPLAIN "+c.sql).Rows {
			plan = append(plan, strings.TrimSpace(r[0].(string)))
		}
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, "Index Cond") {
			t.Errorf("%s: no range:\n%s", c.sql, text)
		}
		var got string
		for _, l := range plan {
			if strings.HasPrefix(l, "Filter:") {
				got = l
			}
		}
		if got != c.filter {
			t.Errorf("%s: filter %q, want %q:\n%s", c.sql, got, c.filter, text)
		}
	}
	// A bound computed from a parameter, once for the execution.
	if got := render(run(t, s, `SELECT id FROM k WHERE id BETWEEN $1 AND $1 + 2 ORDER BY id DESC`, int64(7))); got != "id\n9\n8\n7" {
		t.Fatalf("a range from a parameter: %s", got)
	}
}
