package integration

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/pgwire"
)

// extended runs sql through the extended protocol (Parse, Bind, Describe,
// Execute, Sync) and returns its command tag.
func extended(c *pgx.Conn, sql string) (string, error) {
	r := c.PgConn().ExecParams(bg, sql, nil, nil, nil, nil).Read()
	return r.CommandTag.String(), r.Err
}

// TestSavepointsOverTheWire: savepoints through the extended protocol
// (as pgjdbc sends them) and pgx's nested transactions (the simple
// protocol), with the transaction status ReadyForQuery reports.
func TestSavepointsOverTheWire(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE sp (id int8 PRIMARY KEY, v text)`)
	status := func() byte { return c.PgConn().TxStatus() }

	if _, err := extended(c, `SAVEPOINT a`); sqlState(err) != "25P01" {
		t.Fatalf("SAVEPOINT outside a block: %v", err)
	}
	for _, q := range []string{`BEGIN`, `INSERT INTO sp VALUES (1, 'one')`, `SAVEPOINT a`, `INSERT INTO sp VALUES (2, 'two')`} {
		if _, err := extended(c, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := extended(c, `INSERT INTO sp VALUES (1, 'again')`); sqlState(err) != "23505" {
		t.Fatalf("duplicate: %v", err)
	}
	if status() != 'E' {
		t.Fatalf("status %c after an error, want E", status())
	}
	if _, err := extended(c, `RELEASE a`); sqlState(err) != "25P02" {
		t.Fatalf("RELEASE in a failed transaction: %v", err)
	}
	if tag, err := extended(c, `ROLLBACK TO SAVEPOINT a`); err != nil || tag != "ROLLBACK" {
		t.Fatalf("ROLLBACK TO: %q %v", tag, err)
	}
	if status() != 'T' {
		t.Fatalf("status %c after ROLLBACK TO, want T", status())
	}
	if tag, err := extended(c, `RELEASE SAVEPOINT a`); err != nil || tag != "RELEASE" {
		t.Fatalf("RELEASE: %q %v", tag, err)
	}
	if _, err := extended(c, `ROLLBACK TO a`); sqlState(err) != "3B001" {
		t.Fatalf("ROLLBACK TO a released savepoint: %v", err)
	}
	if _, err := extended(c, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}

	// pgx's nested transactions: SAVEPOINT sp_1, RELEASE, ROLLBACK TO.
	tx, err := c.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	mustTx := func(tx pgx.Tx, sql string) {
		t.Helper()
		if _, err := tx.Exec(bg, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	mustTx(tx, `INSERT INTO sp VALUES (1, 'one')`)
	inner, err := tx.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	mustTx(inner, `INSERT INTO sp VALUES (2, 'two')`)
	if _, err := inner.Exec(bg, `INSERT INTO sp VALUES (1, 'again')`); sqlState(err) != "23505" {
		t.Fatalf("duplicate: %v", err)
	}
	if err := inner.Rollback(bg); err != nil {
		t.Fatal(err)
	}
	inner, err = tx.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	mustTx(inner, `INSERT INTO sp VALUES (3, 'three')`)
	if err := inner.Commit(bg); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(bg); err != nil {
		t.Fatal(err)
	}
	var got []int64
	rows, _ := c.Query(bg, `SELECT id FROM sp ORDER BY id`)
	got, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("committed %v %v, want [1 3]", got, err)
	}
}

// TestSavepointConflicts: a write undone by ROLLBACK TO, and a row locked
// FOR UPDATE since the savepoint, no longer fail the commit when another
// session changes the row; a write kept does.
func TestSavepointConflicts(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	a, b := connect(t, s.url("")), connect(t, s.url(""))
	mustExec(t, a, `CREATE TABLE acct (id int8 PRIMARY KEY, bal int8)`)
	mustExec(t, a, `INSERT INTO acct VALUES (1, 100), (2, 100), (3, 100)`)
	run := func(c *pgx.Conn, sqls ...string) {
		t.Helper()
		for _, q := range sqls {
			if _, err := c.PgConn().Exec(bg, q).ReadAll(); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	run(a, `BEGIN`, `SAVEPOINT s`, `UPDATE acct SET bal = 0 WHERE id = 1`, `SELECT * FROM acct WHERE id = 2 FOR UPDATE`, `ROLLBACK TO s`)
	run(b, `UPDATE acct SET bal = 1 WHERE id = 1`, `UPDATE acct SET bal = 2 WHERE id = 2`)
	run(a, `UPDATE acct SET bal = 3 WHERE id = 3`, `COMMIT`)

	run(a, `BEGIN`, `UPDATE acct SET bal = 30 WHERE id = 3`, `SAVEPOINT s`, `UPDATE acct SET bal = 10 WHERE id = 1`, `ROLLBACK TO s`)
	run(b, `UPDATE acct SET bal = 33 WHERE id = 3`)
	if _, err := a.PgConn().Exec(bg, `COMMIT`).ReadAll(); sqlState(err) != "40001" {
		t.Fatalf("commit over a kept write to a changed row: %v, want 40001", err)
	}
	rows, _ := a.Query(bg, `SELECT bal FROM acct ORDER BY id`)
	got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 33 {
		t.Fatalf("balances %v %v, want [1 2 33]", got, err)
	}
}

// TestSessionCharacteristicsInBlock: SET SESSION CHARACTERISTICS in a
// transaction block is undone by ROLLBACK TO and kept by COMMIT, as
// PostgreSQL keeps it.
func TestSessionCharacteristicsInBlock(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	for _, q := range []string{
		`SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE`,
		`BEGIN`,
		`SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`,
		`SAVEPOINT s`,
		`SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ`,
		`ROLLBACK TO s`,
		`COMMIT`,
	} {
		mustExec(t, c, q)
	}
	for name, want := range map[string]string{"default_transaction_read_only": "on", "default_transaction_isolation": "serializable"} {
		var got string
		if err := c.QueryRow(bg, "SHOW "+name).Scan(&got); err != nil || got != want {
			t.Errorf("%s after COMMIT: %q %v, want %q", name, got, err, want)
		}
	}
}
