package integration

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/pgwire"
)

// TestInputLimits: input beyond a limit gets its SQLSTATE, and the table,
// the connection and the database go on working: a 17 MB document (54000,
// not a write failure that stops every later write), a 1,000-level JSON
// value through SQL (deeper than a document may be: 54000, and the table
// still reads and deletes), a 10,000-level one (deeper than jsonb's input
// reads: 54001, as PostgreSQL's stack depth check), text
// that is not UTF-8 (22021) and 100,000 nested parentheses (42601 "memory
// exhausted", as PostgreSQL's parser says, not a stack overflow that ends
// the process).
func TestInputLimits(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE docs (pk=id)`)
	mustExec(t, c, `CREATE TABLE nj (id int8 PRIMARY KEY, d jsonb)`)
	mustExec(t, c, `INSERT INTO nj (id, d) VALUES (0, '{"ok": true}')`)
	expect := func(what string, err error, code string) {
		t.Helper()
		if sqlState(err) != code {
			t.Fatalf("%s: %v, want %s", what, err, code)
		}
	}
	// (As parameters: the same statement with 17 MB inline would test the
	// parser's speed as much as the limit.)
	big := strings.Repeat("x", 17<<20)
	_, err := c.Exec(bg, `INSERT INTO docs $1`, `{"id": 1, "s": "`+big+`"}`)
	expect("17 MB DriftQL document", err, "54000")
	_, err = c.Exec(bg, `INSERT INTO nj (id, d) VALUES (1, $1)`, `{"s": "`+big+`"}`)
	expect("17 MB jsonb parameter", err, "54000")
	mustExec(t, c, `INSERT INTO docs {"id": 2, "s": "small"}`)

	nested := func(n int) string { return strings.Repeat(`{"a": `, n) + "1" + strings.Repeat("}", n) }
	_, err = c.Exec(bg, `INSERT INTO nj (id, d) VALUES (1, '`+nested(1000)+`')`, pgx.QueryExecModeSimpleProtocol)
	expect("1,000-level JSON literal", err, "54000") // braces in a string are not nesting
	_, err = c.Exec(bg, `INSERT INTO nj (id, d) VALUES (1, $1)`, nested(1000))
	expect("1,000-level JSON parameter", err, "54000")
	_, err = c.Exec(bg, `INSERT INTO nj (id, d) VALUES (1, '`+nested(10_000)+`')`, pgx.QueryExecModeSimpleProtocol)
	expect("10,000-level JSON literal", err, "54001")
	_, err = c.Exec(bg, `INSERT INTO nj (id, d) VALUES (1, $1)`, nested(10_000))
	expect("10,000-level JSON parameter", err, "54001")
	var n int64
	if err := c.QueryRow(bg, `SELECT count(*) FROM nj`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("table after the refused inserts: %d %v", n, err)
	}
	mustExec(t, c, `DELETE FROM nj WHERE id = 0`)

	_, err = c.Exec(bg, "INSERT INTO docs (id, v) VALUES (5, 'x\xc3(y')", pgx.QueryExecModeSimpleProtocol)
	expect("invalid UTF-8 in the statement", err, "22021")
	_, err = c.Exec(bg, "SELECT "+strings.Repeat("(", 100_000)+"1"+strings.Repeat(")", 100_000), pgx.QueryExecModeSimpleProtocol)
	expect("100,000 nested parentheses", err, "42601") // PostgreSQL's parser: "memory exhausted"
	// A chain of 100,000 additions needs no parser stack but makes a tree
	// as deep: refused before it is built (PostgreSQL: stack depth, 54001).
	_, err = c.Exec(bg, "SELECT "+strings.Repeat("1+", 100_000)+"1", pgx.QueryExecModeSimpleProtocol)
	expect("100,000 chained additions", err, "54001")

	// The connection, and another, still work; so does writing.
	mustExec(t, c, `INSERT INTO docs {"id": 3}`)
	o := connect(t, s.url(""))
	if err := o.QueryRow(bg, `SELECT count(*) FROM docs`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("docs after the refusals: %d %v", n, err)
	}
}
