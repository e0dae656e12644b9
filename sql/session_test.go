package sql

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

var ctx = context.Background()

func newSession(t *testing.T) *Session {
	t.Helper()
	db, err := engine.Open(t.TempDir(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := NewSession(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run executes sql and returns its last result rendered as text lines.
func run(t *testing.T, s *Session, sql string, params ...types.Datum) *Result {
	t.Helper()
	rs, err := s.Exec(ctx, sql, params...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(rs) == 0 {
		return nil
	}
	return rs[len(rs)-1]
}

func render(r *Result) string {
	var b strings.Builder
	for i, c := range r.Columns {
		if i > 0 {
			b.WriteString("|")
		}
		b.WriteString(c.Name)
	}
	for _, row := range r.Rows {
		b.WriteString("\n")
		for i, v := range row {
			if i > 0 {
				b.WriteString("|")
			}
			if v == nil {
				b.WriteString("NULL")
				continue
			}
			b.WriteString(types.FormatText(v, r.Columns[i].Type, nil))
		}
	}
	return b.String()
}

func wantErr(t *testing.T, s *Session, sql, code string) {
	t.Helper()
	_, err := s.Exec(ctx, sql)
	if err == nil || string(pgcode.Of(err)) != code {
		t.Fatalf("%s: got %v (%s), want %s", sql, err, pgcode.Of(err), code)
	}
}

func TestReadmeFlow(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE orders (pk=id, INDEX(status, customer_id))`)
	run(t, s, `INSERT INTO orders {"id": "order1", "status": "pending", "amount": 100, "customer_id": "cust1"}`)
	run(t, s, `INSERT INTO orders {"id": "order2", "status": "pending", "amount": 250, "customer_id": "cust2"}`)
	seq := s.db.Seq()
	run(t, s, `PATCH orders KEY "order1" SET {"status": "paid"}`)
	got := render(run(t, s, `SELECT * FROM orders WHERE status="paid"`))
	if got != "id|status|amount|customer_id\norder1|paid|100|cust1" {
		t.Fatalf("select paid:\n%s", got)
	}
	got = render(run(t, s, fmt.Sprintf(`SELECT * FROM orders WHERE customer_id="cust1" AS OF "@seq:%d"`, seq)))
	if got != "id|status|amount|customer_id\norder1|pending|100|cust1" {
		t.Fatalf("as of:\n%s", got)
	}
	// A bare integer, as a literal or as text, is a seq too.
	for _, point := range []string{fmt.Sprint(seq), fmt.Sprintf("'%d'", seq)} {
		got = render(run(t, s, `SELECT status FROM orders WHERE id = 'order1' AS OF `+point))
		if got != "status\npending" {
			t.Fatalf("as of %s:\n%s", point, got)
		}
	}
	wantErr(t, s, `SELECT * FROM orders AS OF -1`, "22023")
	wantErr(t, s, `SELECT * FROM orders AS OF 1.5`, "22023")
	run(t, s, `SOFT DELETE FROM orders KEY "order1"`)
	if got := render(run(t, s, `SELECT id FROM orders ORDER BY id`)); got != "id\norder2" {
		t.Fatalf("after delete:\n%s", got)
	}
	got = render(run(t, s, `SHOW DRIFT orders KEY "order1"`))
	lines := strings.Split(got, "\n")
	if len(lines) != 4 || !strings.Contains(lines[2], "PATCH") || !strings.Contains(lines[3], "SOFT_DELETE") {
		t.Fatalf("drift:\n%s", got)
	}
	run(t, s, `SNAPSHOT orders; COMPACT orders`)
	// SQL forms.
	if got := render(run(t, s, `SELECT "orders"."status", amount FROM orders WHERE "status" = 'pending'`)); got != "status|amount\npending|250" {
		t.Fatalf("sql quoting:\n%s", got)
	}
	if got := render(run(t, s, `SELECT count(*), sum(amount) FROM orders`)); got != "count|sum\n1|250" {
		t.Fatalf("aggregates:\n%s", got)
	}
	wantErr(t, s, `SELECT * FROM nope`, "42P01")
	wantErr(t, s, `SELECT nope FROM orders`, "42703")
	wantErr(t, s, `INSERT INTO orders {"id": "order2"}`, "23505")
	wantErr(t, s, `SELEC 1`, "42601")
	wantErr(t, s, `SELECT * FROM orders AS OF "@seq:999999"`, "22023")
}

func TestSQLDriverStatements(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE users (id int8 PRIMARY KEY, email text, status text, amount int8)`)
	run(t, s, `INSERT INTO users (id, email, status, amount) VALUES (1, 'a@x', 'active', 10), (2, 'b@x', 'idle', 20)`)
	run(t, s, `INSERT INTO users (id, email, status, amount) VALUES ($1, $2, $3, $4)`, int64(3), "c@x", "active", int64(30))
	if got := render(run(t, s, `SELECT id, email FROM users WHERE status = $1 ORDER BY amount DESC LIMIT $2`, "active", int64(1))); got != "id|email\n3|c@x" {
		t.Fatalf("params:\n%s", got)
	}
	r := run(t, s, `UPDATE users SET amount = amount + 5 WHERE id = 1`)
	if r.Tag != "UPDATE 1" {
		t.Fatalf("tag %q", r.Tag)
	}
	if got := render(run(t, s, `SELECT amount FROM users WHERE id = '1'`)); got != "amount\n15" {
		t.Fatalf("after update:\n%s", got)
	}
	run(t, s, `BEGIN`)
	run(t, s, `DELETE FROM users WHERE status = 'idle'`)
	if got := render(run(t, s, `SELECT count(*) FROM users`)); got != "count\n2" {
		t.Fatalf("inside txn:\n%s", got)
	}
	if s.TxStatus() != 'T' {
		t.Fatal("not in a transaction")
	}
	run(t, s, `ROLLBACK`)
	if got := render(run(t, s, `SELECT count(*) FROM users`)); got != "count\n3" {
		t.Fatalf("after rollback:\n%s", got)
	}
	run(t, s, `BEGIN`)
	if _, err := s.Exec(ctx, `INSERT INTO users (id) VALUES (1)`); pgcode.Of(err) != pgcode.UniqueViolation {
		t.Fatalf("dup in txn: %v", err)
	}
	if s.TxStatus() != 'E' {
		t.Fatal("failed transaction not marked")
	}
	wantErr(t, s, `SELECT 1`, "25P02")
	if r := run(t, s, `COMMIT`); r.Tag != "ROLLBACK" {
		t.Fatalf("commit of failed txn: %q", r.Tag)
	}
	if got := render(run(t, s, `SELECT version() LIKE 'PostgreSQL 15%', current_database(), current_setting('server_version')`)); got != "?column?|current_database|current_setting\nt|driftdb|15.18" {
		t.Fatalf("functions:\n%s", got)
	}
	run(t, s, `SET driftdb.as_of = '@seq:2'`)
	if got := render(run(t, s, `SELECT count(*) FROM users`)); got != "count\n2" {
		t.Fatalf("session as_of:\n%s", got)
	}
	wantErr(t, s, `INSERT INTO users (id) VALUES (9)`, "25006")
	if got := render(run(t, s, `SHOW driftdb.as_of`)); got != "driftdb.as_of\n@seq:2" {
		t.Fatalf("show:\n%s", got)
	}
	run(t, s, `RESET driftdb.as_of`)
	run(t, s, `INSERT INTO users (id) VALUES (9)`)
	wantErr(t, s, `INSERT INTO users (id, amount) VALUES (10, 'x')`, "22P02")
	wantErr(t, s, `INSERT INTO users (id, amount) VALUES (10, true)`, "42804")
	run(t, s, `INSERT INTO users (id, amount) VALUES (11, '42')`)
	if got := render(run(t, s, `SELECT amount + 1 FROM users WHERE id = 11`)); got != "?column?\n43" {
		t.Fatalf("literal into int8:\n%s", got)
	}
}

// TestIndexAgreesWithScan: a condition answered through an index returns
// what the same condition returns on a scan, also when text meets numbers.
func TestIndexAgreesWithScan(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE a (pk=id, INDEX(n, s, mixed))`)
	run(t, s, `CREATE TABLE b (pk=id)`)
	for _, tbl := range []string{"a", "b"} {
		run(t, s, `INSERT INTO `+tbl+` {"id": 1, "n": 5, "s": "5", "mixed": 5}`)
		run(t, s, `INSERT INTO `+tbl+` {"id": 2, "n": 7, "s": "x", "mixed": "5"}`)
		run(t, s, `INSERT INTO `+tbl+` {"id": 3, "n": 5.0, "s": "05", "mixed": true}`)
	}
	// Each column has its values' type (n numeric, s text, mixed jsonb):
	// comparisons are PostgreSQL's for those types.
	for _, where := range []string{`n = 5`, `n = '5'`, `n >= '6'`, `s = '5'`, `mixed = '5'`, `mixed = '"5"'`, `mixed::text = '5'`, `n < 7 AND s = '05'`} {
		a := render(run(t, s, `SELECT id FROM a WHERE `+where+` ORDER BY id`))
		b := render(run(t, s, `SELECT id FROM b WHERE `+where+` ORDER BY id`))
		if a != b {
			t.Errorf("WHERE %s: indexed %q, scanned %q", where, a, b)
		}
	}
}

// TestParseSimpleMatchesParse runs the same statements through the cached,
// constant-lifting path of the simple protocol and through plain parsing,
// on two databases, and requires identical results and errors.
func TestParseSimpleMatchesParse(t *testing.T) {
	plain := newSession(t)
	cached := newSession(t)
	cached.opts.Cache = NewStmtCache(16)
	stmts := []string{
		`CREATE TABLE t (id int8 PRIMARY KEY, s text, n numeric, b bool)`,
		`INSERT INTO t (id, s, n, b) VALUES (1, 'a', 1.5, true), (2, 'b', 2, false), (3, 'c''d', 100, true)`,
		`SELECT * FROM t WHERE id = 2`,
		`SELECT * FROM t WHERE id = 3`,
		`SELECT id FROM t WHERE id = '1'`,
		`SELECT id FROM t WHERE s = 'c''d' AND n > 50`,
		`SELECT id FROM t WHERE n >= 1.5 AND b = true ORDER BY id DESC`,
		`SELECT id FROM t WHERE n >= 2 ORDER BY 1`,
		`SELECT count(*) FROM t WHERE s <> 'zz'`,
		`UPDATE t SET n = 7 WHERE id = 1`,
		`SELECT n FROM t WHERE id = 1`,
		`SET application_name = 'x'; SHOW application_name`,
		`SELECT id FROM t WHERE id = 'nope'`,
		`SELECT * FROM t WHERE id = 999`,
		`DELETE FROM t WHERE id = 2`,
		`SELECT id FROM t WHERE id < 10 ORDER BY id`,
		`SELECT id FROM t WHERE nope = 1`,
		// Shapes seen before run the session's statements again: they
		// must see columns that appeared since, and fold names the same.
		`INSERT INTO t {"id": 4, "s": "d", "extra": 1}`,
		`SELECT * FROM t WHERE id = 4`,
		`SELECT * FROM t WHERE id = 3`,
		`INSERT INTO t (id, s, n, b) VALUES (5, 'e', 1, true)`,
		`INSERT INTO t (id, s, n, b) VALUES (6, 'f', 2, false)`,
		`SELECT ID, "s", T.n FROM T WHERE Id = 6`,
		`SELECT ID, "s", T.n FROM T WHERE Id = 5`,
		`INSERT INTO t {"id": 7, "later": "x"}`,
		`SELECT * FROM t WHERE id = 3`,
	}
	for _, sql := range stmts {
		want, werr := plain.Exec(ctx, sql)
		sts, params, err := cached.ParseSimple(sql)
		var got []*Result
		if err == nil {
			for _, st := range sts {
				r, e := st.Execute(ctx, params)
				if e != nil {
					err = e
					break
				}
				got = append(got, r)
			}
		}
		if (werr == nil) != (err == nil) || (werr != nil && pgcode.Of(werr) != pgcode.Of(err)) {
			t.Fatalf("%s: errors differ: %v / %v", sql, werr, err)
		}
		if werr != nil {
			continue
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d results, want %d", sql, len(got), len(want))
		}
		for i := range want {
			if render(got[i]) != render(want[i]) || got[i].Tag != want[i].Tag {
				t.Fatalf("%s:\n got %s (%s)\nwant %s (%s)", sql, render(got[i]), got[i].Tag, render(want[i]), want[i].Tag)
			}
		}
	}
	if n := cached.opts.Cache.ll.Len(); n == 0 || n > 16 {
		t.Fatalf("cache holds %d texts", n)
	}
}

// TestPlainColumnReads checks the direct read of plain columns against the
// general path: each query runs as written (plain columns, read straight
// from the documents) and with its columns in parentheses (expressions,
// evaluated over decoded documents); the answers must be the same.
func TestPlainColumnReads(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE t (id int8 PRIMARY KEY, a text, n numeric, flag bool)`)
	run(t, s, `CREATE INDEX ON t (a)`)
	for i := range 40 {
		doc := fmt.Sprintf(`{"id": %d, "a": "g%d", "n": %d.5, "flag": %t, "nested": {"x": %d}}`, i, i%4, i, i%3 == 0, i)
		if i%5 == 0 {
			doc = fmt.Sprintf(`{"id": %d, "a": "g%d"}`, i, i%4) // fields missing
		}
		run(t, s, `INSERT INTO t `+doc)
	}
	seq := s.db.Seq()
	run(t, s, `PATCH t KEY 3 SET {"a": "g9", "n": null}`)
	run(t, s, `SOFT DELETE FROM t KEY 7`)
	queries := []struct{ plain, expr string }{
		{`SELECT id, a, n, flag FROM t WHERE a = 'g1'`, `SELECT (id), (a), (n), (flag) FROM t WHERE a = 'g1'`},
		{`SELECT * FROM t WHERE a = 'g1'`, `SELECT (id), (a), (n), (flag), (nested) FROM t WHERE a = 'g1'`},
		{`SELECT x.id, x.a FROM t x WHERE x.a = 'g3' AND id > 10`, `SELECT (x.id), (x.a) FROM t x WHERE x.a = 'g3' AND id > 10`},
		{`SELECT a, id, a FROM t WHERE id = 3`, `SELECT (a), (id), (a) FROM t WHERE id = 3`},
		{`SELECT id, n FROM t WHERE id = 7`, `SELECT (id), (n) FROM t WHERE id = 7`},
		{`SELECT id, flag FROM t WHERE flag = true LIMIT 3 OFFSET 2`, `SELECT (id), (flag) FROM t WHERE flag = true LIMIT 3 OFFSET 2`},
		{`SELECT id FROM t WHERE a = 'g2' LIMIT 0`, `SELECT (id) FROM t WHERE a = 'g2' LIMIT 0`},
		{`SELECT id, a FROM t WHERE a >= 'g2' OFFSET 100`, `SELECT (id), (a) FROM t WHERE a >= 'g2' OFFSET 100`},
		{fmt.Sprintf(`SELECT id, a, n FROM t WHERE a = 'g3' AS OF %d`, seq), fmt.Sprintf(`SELECT (id), (a), (n) FROM t WHERE a = 'g3' AS OF %d`, seq)},
		{`SELECT id, a FROM t`, `SELECT (id), (a) FROM t`},
	}
	for _, q := range queries {
		got, want := render(run(t, s, q.plain)), render(run(t, s, q.expr))
		// Parenthesized items are named ?column?: compare the rows.
		_, gotRows, _ := strings.Cut(got, "\n")
		_, wantRows, _ := strings.Cut(want, "\n")
		if gotRows != wantRows {
			t.Errorf("%s:\n%s\nwant (from %s):\n%s", q.plain, gotRows, q.expr, wantRows)
		}
	}
	// Prepared: the same statement before and after the columns change.
	st, err := s.Parse(`SELECT id, a FROM t WHERE a = $1`)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range []string{"g1", "g2"} {
		r, err := st[0].Execute(ctx, []types.Datum{g})
		if err != nil {
			t.Fatal(err)
		}
		want := render(run(t, s, `SELECT (id), (a) FROM t WHERE a = '`+g+`'`))
		_, wantRows, _ := strings.Cut(want, "\n")
		if _, gotRows, _ := strings.Cut(render(r), "\n"); gotRows != wantRows {
			t.Errorf("prepared %s:\n%s\nwant\n%s", g, gotRows, wantRows)
		}
		run(t, s, fmt.Sprintf(`INSERT INTO t {"id": %d, "a": "g2", "extra%d": 1}`, 1000+i, i)) // a new column
	}
}

// TestStmtCacheBounds: the cache keeps at most its count of statements and
// at most maxCacheBytes of statement text, dropping the least recently used.
func TestStmtCacheBounds(t *testing.T) {
	c := NewStmtCache(4)
	for i := range 6 {
		c.put(fmt.Sprintf("SELECT %d", i), nil)
	}
	if _, ok := c.get([]byte("SELECT 1")); ok || c.ll.Len() != 4 {
		t.Fatalf("count bound: %d entries, oldest kept %v", c.ll.Len(), ok)
	}
	c = NewStmtCache(1000)
	big := strings.Repeat("x", maxCachedText)
	for i := range maxCacheBytes/maxCachedText + 3 {
		c.put(fmt.Sprintf("%d %s", i, big), nil)
	}
	if c.bytes > maxCacheBytes {
		t.Fatalf("cache holds %d bytes of text, bound %d", c.bytes, maxCacheBytes)
	}
	if _, ok := c.get([]byte("0 " + big)); ok {
		t.Fatal("oldest long statement kept past the byte bound")
	}
	if _, ok := c.get(fmt.Appendf(nil, "%d %s", maxCacheBytes/maxCachedText+2, big)); !ok {
		t.Fatal("newest long statement dropped")
	}
}

// TestColumnNames: result columns are named as PostgreSQL names them
// (FigureColname).
func TestColumnNames(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE cn (id int8 PRIMARY KEY, a int4[])`)
	r := run(t, s, `SELECT nullif(1, 2), coalesce(1, 2), CASE WHEN true THEN 1 END, a[1], greatest(1, 2),
		(information_schema._pg_expandarray(ARRAY[1])).n, 1 + 2, id::text FROM cn`)
	var got []string
	for _, c := range r.Columns {
		got = append(got, c.Name)
	}
	want := "nullif coalesce case a greatest n ?column? id"
	if strings.Join(got, " ") != want {
		t.Fatalf("names: %q, want %q", strings.Join(got, " "), want)
	}
	// A cast names its column after its type unless what it casts has a
	// name of its own: a cast of a cast, or of CASE, takes the outer
	// type's (PostgreSQL 15's names).
	r = run(t, s, `SELECT 'pg_class'::regclass::oid, 'a'::text::varchar, (CASE WHEN true THEN 1 END)::text,
		(CASE WHEN true THEN 1 ELSE 2 END)::text, 1::int::text, (x)::text, CAST(CAST(1 AS int) AS text),
		ARRAY[1]::int[]::text[], '{1}'::text::int[], (SELECT 1)::text, (SELECT 'a'::text)::varchar, '{1}'::int[]
		FROM (SELECT 1 AS x) s`)
	got = nil
	for _, c := range r.Columns {
		got = append(got, c.Name)
	}
	want = "oid varchar text text text x text array int4 ?column? text int4"
	if strings.Join(got, " ") != want {
		t.Fatalf("names: %q, want %q", strings.Join(got, " "), want)
	}
}
