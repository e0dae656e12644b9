package sql

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/driftdb/driftdb/sql/types"
)

// stream runs one statement with Stream.
func stream(t *testing.T, s *Session, sql string, params ...types.Datum) *Result {
	t.Helper()
	st, err := s.Parse(sql)
	if err != nil || len(st) != 1 {
		t.Fatalf("%s: %v", sql, err)
	}
	r, err := st[0].Stream(ctx, params)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return r
}

// pull reads a result's rows through Next, as text.
func pull(t *testing.T, r *Result) []string {
	t.Helper()
	var out []string
	for {
		row, err := r.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if row == nil {
			return out
		}
		out = append(out, fmt.Sprint(row...))
	}
}

func fillStreamTable(t *testing.T, s *Session, n int) {
	t.Helper()
	run(t, s, `CREATE TABLE t (id int8 PRIMARY KEY, grp int8, name text, INDEX(grp))`)
	for i := 0; i < n; i += 100 {
		sql := "INSERT INTO t (id, grp, name) VALUES "
		for j := i; j < i+100 && j < n; j++ {
			if j > i {
				sql += ", "
			}
			sql += fmt.Sprintf("(%d, %d, 'n%d')", j, j%7, j)
		}
		run(t, s, sql)
	}
}

// TestStreamMatchesExecute: every SELECT shape that streams (scan, key,
// index equality and range, WHERE, LIMIT and OFFSET, plain fields and
// expressions) returns through Next what Execute returns in Rows, with the
// same tag; so do the ones that sort or aggregate, whose operators hold
// their rows.
func TestStreamMatchesExecute(t *testing.T) {
	s := newSession(t)
	fillStreamTable(t, s, 1500)
	for _, q := range []string{
		`SELECT * FROM t`,
		`SELECT id, name FROM t WHERE id = 77`,
		`SELECT * FROM t WHERE grp = 3`,
		`SELECT id FROM t WHERE grp = 3 AND id > 700`,
		`SELECT id FROM t WHERE grp >= 5 LIMIT 20 OFFSET 300`,
		`SELECT id * 2, upper(name) FROM t WHERE name LIKE 'n1%' OFFSET 10`,
		`SELECT name FROM t LIMIT 0`,
		`SELECT name FROM t OFFSET 5000`,
		`SELECT id, _seq FROM t WHERE grp < 1 LIMIT 3`,
	} {
		r := stream(t, s, q)
		got := pull(t, r)
		want := run(t, s, q)
		var rows []string
		for _, row := range want.Rows {
			rows = append(rows, fmt.Sprint(row...))
		}
		if fmt.Sprint(got) != fmt.Sprint(rows) || r.Tag != want.Tag || r.Tag != fmt.Sprintf("SELECT %d", len(got)) {
			t.Fatalf("%s:\nstreamed %d rows (%s)\nexecuted %d rows (%s)", q, len(got), r.Tag, len(rows), want.Tag)
		}
	}
	for _, q := range []string{`SELECT id FROM t ORDER BY id DESC LIMIT 3`, `SELECT count(*) FROM t`, `SELECT 1`} {
		if r := stream(t, s, q); len(pull(t, r)) == 0 {
			t.Fatalf("%s: no rows", q)
		}
	}
}

// TestStreamSnapshot: a streamed result reads the table as it was when
// the statement started, whatever is written while it is read, and Close
// ends it.
func TestStreamSnapshot(t *testing.T) {
	s := newSession(t)
	fillStreamTable(t, s, 1000)
	w, err := NewSession(s.db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := stream(t, s, `SELECT id FROM t WHERE grp = 2`)
	r2 := stream(t, s, `SELECT id FROM t`)
	n := 0
	for {
		row, err := r.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if row == nil {
			break
		}
		if row[0].(int64)%7 != 2 {
			t.Fatalf("row %v", row)
		}
		n++
		if n%20 == 0 {
			run(t, w, fmt.Sprintf(`INSERT INTO t (id, grp) VALUES (%d, 2)`, 100000+n))
			run(t, w, fmt.Sprintf(`DELETE FROM t WHERE id = %d`, n*7+2))
		}
	}
	if n != 143 || r.Tag != "SELECT 143" {
		t.Fatalf("%d rows, tag %q; want the 143 there were at the start", n, r.Tag)
	}
	for range 10 {
		if row, err := r2.Next(ctx); row == nil || err != nil {
			t.Fatalf("before Close: %v %v", row, err)
		}
	}
	r2.Close()
	if row, err := r2.Next(ctx); row != nil || err != nil {
		t.Fatalf("after Close: %v %v", row, err)
	}
}

// TestStreamErrorFailsTransaction: a streamed statement inside a
// transaction that fails while its rows are read (here its context ends)
// fails the transaction, as an error at its start does.
func TestStreamErrorFailsTransaction(t *testing.T) {
	s := newSession(t)
	fillStreamTable(t, s, 1000)
	run(t, s, `BEGIN`)
	r := stream(t, s, `SELECT * FROM t`)
	cctx, cancel := context.WithCancel(ctx)
	if row, err := r.Next(cctx); row == nil || err != nil {
		t.Fatalf("first row: %v %v", row, err)
	}
	cancel()
	var err error
	for err == nil {
		var row []any
		if row, err = r.Next(cctx); row == nil && err == nil {
			t.Fatal("the result ended although its context was cancelled")
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel: %v", err)
	}
	if s.TxStatus() != 'E' {
		t.Fatalf("transaction status %c, want E", s.TxStatus())
	}
	wantErr(t, s, `SELECT 1`, "25P02")
	run(t, s, `ROLLBACK`)
}
