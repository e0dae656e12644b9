package integration

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/driftdb/driftdb/pgwire"
)

// The files of testdata/tools hold the statements a tool sends on connect
// and when it reads a database's schema, one file per tool. A statement
// ends with a line ending in ";". The comment lines before it say how to
// run and check it:
//
//	-- protocol: simple|extended   (once, before the first statement) how the
//	                               tool sends statements: simple queries, or
//	                               Parse/Bind/Execute with text parameters
//	-- args: TYPE VALUE, ...       parameters $1, $2... of an extended
//	                               statement, each a type name (int8, int4,
//	                               oid, varchar, text; 0 for unspecified) and
//	                               a text value
//	-- compare: COL, ...           the columns whose rows must equal
//	                               PostgreSQL's ("*" for all, "none" for none)
//	-- only: COL in V1, V2, ...    compare only the rows whose COL is one of
//	                               the values (for catalogs that differ
//	                               elsewhere)
//	-- expect: WORD, ...           words the answer must hold somewhere
//	-- fields                      the columns' types, type modifiers and
//	                               source (table and column number, which
//	                               JDBC's result set metadata reads) must
//	                               be PostgreSQL's
//	-- pending: REASON             not yet answered: run, and logged only
//
// Statement text and argument values may hold {db} (the current database's
// name), {oid:NAME} (the OID of relation NAME) and {nsp:NAME} (the OID of
// schema NAME), replaced with each server's own before they are sent.
// Other comment lines name the tool's source of the statement.

// toolsSchema is the schema the statements are run on, on DriftDB and on
// PostgreSQL alike.
var toolsSchema = []string{
	`CREATE TABLE customers (id serial PRIMARY KEY, email varchar(80) NOT NULL UNIQUE, name text DEFAULT 'anon', created timestamptz DEFAULT now())`,
	`CREATE TABLE orders (id int8 PRIMARY KEY, customer_id int4 NOT NULL, total numeric(10,2) DEFAULT 0 CHECK (total >= 0), note text)`,
	`CREATE INDEX orders_customer ON orders (customer_id)`,
	`CREATE SEQUENCE invoice_no START 100`,
	`CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 100`,
	`SET TIME ZONE 'UTC'`,
	`INSERT INTO customers (email, name, created) VALUES ('a@example.com', 'Ann', '2024-01-02 10:00:00+00'), ('b@example.com', 'Bob', '2024-01-02 12:30:00+00'), ('c@example.com', DEFAULT, '2024-01-15 08:00:00+00')`,
	`INSERT INTO orders VALUES (1, 1, 50.00, NULL), (2, 1, 150.50, 'gift'), (3, 3, 300.00, NULL)`,
}

// toolQuery is one statement of a tool's file.
type toolQuery struct {
	line    int
	sql     string
	args    []toolArg
	compare []string // nil: no comparison; "*": every column
	onlyCol string
	onlyIn  []string
	expect  []string
	fields  bool
	pending string
}

type toolArg struct {
	oid   uint32
	value string
}

// argTypes are the parameter types a file may name.
var argTypes = map[string]uint32{"0": 0, "int8": 20, "int4": 23, "int2": 21, "oid": 26, "text": 25, "varchar": 1043}

// readToolFile reads a file of testdata/tools.
func readToolFile(t *testing.T, path string) (simple bool, qs []toolQuery) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var q toolQuery
	var body []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if len(body) == 0 {
			if trimmed == "" {
				continue
			}
			if rest, ok := strings.CutPrefix(trimmed, "--"); ok {
				key, val, _ := strings.Cut(strings.TrimSpace(rest), ":")
				val = strings.TrimSpace(val)
				switch key {
				case "protocol":
					simple = val == "simple"
				case "args":
					for _, a := range splitList(val) {
						typ, v, _ := strings.Cut(a, " ")
						oid, ok := argTypes[typ]
						if !ok {
							t.Fatalf("%s:%d: unknown type %q", path, n, typ)
						}
						q.args = append(q.args, toolArg{oid, v})
					}
				case "compare":
					if val != "none" {
						q.compare = splitList(val)
					}
				case "only":
					col, vals, ok := strings.Cut(val, " in ")
					if !ok {
						t.Fatalf("%s:%d: only wants COL in V1, V2...", path, n)
					}
					q.onlyCol, q.onlyIn = strings.TrimSpace(col), splitList(vals)
				case "expect":
					q.expect = splitList(val)
				case "pending":
					q.pending = val
				case "fields":
					q.fields = true
				}
				continue
			}
			q.line = n
		}
		body = append(body, line)
		if strings.HasSuffix(trimmed, ";") {
			q.sql = strings.TrimSuffix(strings.TrimSpace(strings.Join(body, "\n")), ";")
			qs = append(qs, q)
			q, body = toolQuery{}, nil
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(body) > 0 {
		t.Fatalf("%s: statement at line %d has no closing ';'", path, q.line)
	}
	return simple, qs
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var toolPlaceholder = regexp.MustCompile(`\{(db|oid:[a-z_]+|nsp:[a-z_]+)\}`)

// toolAnswer is a statement's answer in text form.
type toolAnswer struct {
	cols   []string
	fields []string // each column's type, modifier and source
	rows   [][]*string
	err    error
}

// runTool runs q on c as the tool would, with the placeholders replaced
// by c's values.
func runTool(ctx context.Context, t *testing.T, c *pgx.Conn, simple bool, q toolQuery) toolAnswer {
	t.Helper()
	var lookupErr error
	fill := func(s string) string {
		return toolPlaceholder.ReplaceAllStringFunc(s, func(m string) string {
			m = strings.Trim(m, "{}")
			var sql string
			switch kind, name, _ := strings.Cut(m, ":"); kind {
			case "db":
				sql = "SELECT current_database()"
			case "oid":
				sql = fmt.Sprintf("SELECT '%s'::regclass::oid::text", name)
			case "nsp":
				sql = fmt.Sprintf("SELECT oid::text FROM pg_namespace WHERE nspname = '%s'", name)
			}
			var v string
			if err := c.QueryRow(ctx, sql).Scan(&v); err != nil && lookupErr == nil {
				lookupErr = fmt.Errorf("%s: %w", sql, err)
			}
			return v
		})
	}
	sql := fill(q.sql)
	var res *pgconn.Result
	if simple {
		rs, err := c.PgConn().Exec(ctx, sql).ReadAll()
		if err != nil {
			return toolAnswer{err: err}
		}
		res = rs[len(rs)-1]
	} else {
		values := make([][]byte, len(q.args))
		oids := make([]uint32, len(q.args))
		for i, a := range q.args {
			values[i], oids[i] = []byte(fill(a.value)), a.oid
		}
		res = c.PgConn().ExecParams(ctx, sql, values, oids, nil, nil).Read()
	}
	if lookupErr != nil {
		t.Fatal(lookupErr)
	}
	if res.Err != nil {
		return toolAnswer{err: res.Err}
	}
	a := toolAnswer{}
	for _, f := range res.FieldDescriptions {
		a.cols = append(a.cols, f.Name)
		source := "-"
		if f.TableOID != 0 {
			var rel string
			if err := c.QueryRow(ctx, "SELECT relname::text FROM pg_class WHERE oid = $1", f.TableOID).Scan(&rel); err != nil {
				rel = fmt.Sprintf("oid %d (%v)", f.TableOID, err)
			}
			source = fmt.Sprintf("%s.%d", rel, f.TableAttributeNumber)
		}
		a.fields = append(a.fields, fmt.Sprintf("%s type %d mod %d from %s", f.Name, f.DataTypeOID, f.TypeModifier, source))
	}
	for _, r := range res.Rows {
		row := make([]*string, len(r))
		for i, v := range r {
			if v != nil {
				s := string(v)
				row[i] = &s
			}
		}
		a.rows = append(a.rows, row)
	}
	return a
}

// view returns the rows of a as sorted lines of the columns q compares,
// keeping the rows q's only line selects.
func (a toolAnswer) view(q toolQuery) (string, error) {
	if len(a.rows) == 0 {
		// Without rows pgconn keeps no column descriptions.
		return "", nil
	}
	index := func(name string) (int, error) {
		if i := slices.Index(a.cols, name); i >= 0 {
			return i, nil
		}
		return 0, fmt.Errorf("no column %q in %q", name, a.cols)
	}
	var cols []int
	if len(q.compare) == 1 && q.compare[0] == "*" {
		for i := range a.cols {
			cols = append(cols, i)
		}
	} else {
		for _, name := range q.compare {
			i, err := index(name)
			if err != nil {
				return "", err
			}
			cols = append(cols, i)
		}
	}
	only := -1
	if q.onlyCol != "" {
		i, err := index(q.onlyCol)
		if err != nil {
			return "", err
		}
		only = i
	}
	var lines []string
	for _, r := range a.rows {
		if only >= 0 && (r[only] == nil || !slices.Contains(q.onlyIn, *r[only])) {
			continue
		}
		cells := make([]string, len(cols))
		for j, i := range cols {
			cells[j] = "NULL"
			if r[i] != nil {
				cells[j] = strconv.Quote(*r[i])
			}
		}
		lines = append(lines, strings.Join(cells, " | "))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n"), nil
}

// contains reports whether some cell of a holds w.
func (a toolAnswer) contains(w string) bool {
	if slices.Contains(a.cols, w) {
		return true
	}
	for _, r := range a.rows {
		for _, v := range r {
			if v != nil && strings.Contains(*v, w) {
				return true
			}
		}
	}
	return false
}

// TestToolsCatalogQueries replays the statements that DBeaver, Metabase,
// Grafana and Superset send on connect and on schema sync (the files of
// testdata/tools) on a small schema, and checks that each one runs, that
// the answer names what it should, and, with PostgreSQL 15 at hand, that
// the columns compared are PostgreSQL's on the same schema.
func TestToolsCatalogQueries(t *testing.T) {
	ctx := context.Background()
	files, err := filepath.Glob("testdata/tools/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in testdata/tools: %v", err)
	}
	s := startServer(t, pgwire.Config{})
	dd := connect(t, s.url(""))
	for _, q := range toolsSchema {
		if _, err := dd.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var pg *pgx.Conn
	if u, missing := startPostgres(t); u == "" {
		t.Logf("not comparing with PostgreSQL: %s", missing)
	} else {
		pg = toolsPostgres(ctx, t, u)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".sql"), func(t *testing.T) {
			simple, qs := readToolFile(t, path)
			for _, q := range qs {
				where := fmt.Sprintf("%s:%d", path, q.line)
				got := runTool(ctx, t, dd, simple, q)
				if q.pending != "" {
					if got.err == nil {
						t.Logf("%s: pending (%s), but it runs now: the mark may go", where, q.pending)
					} else {
						t.Logf("%s: pending (%s): %v", where, q.pending, got.err)
					}
					continue
				}
				if got.err != nil {
					t.Errorf("%s: %v\n%s", where, got.err, q.sql)
					continue
				}
				for _, w := range q.expect {
					w = toolPlaceholder.ReplaceAllStringFunc(w, func(m string) string {
						var v string
						name := strings.TrimSuffix(strings.TrimPrefix(m, "{oid:"), "}")
						if err := dd.QueryRow(ctx, "SELECT $1::regclass::oid::text", name).Scan(&v); err != nil {
							t.Fatal(err)
						}
						return v
					})
					if !got.contains(w) {
						t.Errorf("%s: no %q in the answer, columns %q", where, w, got.cols)
					}
				}
				if pg == nil || q.compare == nil && !q.fields {
					continue
				}
				ref := runTool(ctx, t, pg, simple, q)
				if ref.err != nil {
					t.Errorf("%s: PostgreSQL: %v", where, ref.err)
					continue
				}
				if q.fields && !slices.Equal(got.fields, ref.fields) {
					t.Errorf("%s: columns\n%s\nPostgreSQL's\n%s", where, strings.Join(got.fields, "\n"), strings.Join(ref.fields, "\n"))
				}
				if q.compare == nil {
					continue
				}
				want, err := ref.view(q)
				if err != nil {
					t.Errorf("%s: PostgreSQL's answer: %v", where, err)
					continue
				}
				have, err := got.view(q)
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				if have != want {
					t.Errorf("%s: rows of %q\n%s\nPostgreSQL's\n%s", where, q.compare, have, want)
				}
			}
		})
	}
}

// toolsPostgres makes a fresh database driftdb_tools on the PostgreSQL
// server at u, creates the schema there and returns a connection to it.
func toolsPostgres(ctx context.Context, t *testing.T, u string) *pgx.Conn {
	t.Helper()
	admin := connect(t, u)
	for _, q := range []string{"DROP DATABASE IF EXISTS driftdb_tools", "CREATE DATABASE driftdb_tools"} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("PostgreSQL: %s: %v", q, err)
		}
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pu.Path = "/driftdb_tools"
	pg := connect(t, pu.String())
	for _, q := range toolsSchema {
		if _, err := pg.Exec(ctx, q); err != nil {
			t.Fatalf("PostgreSQL: %s: %v", q, err)
		}
	}
	return pg
}

// TestToolsViewColumnSource checks that the columns read from a view name
// the view and their numbers in it in RowDescription, as PostgreSQL's do:
// JDBC's result set metadata (DBeaver's data editor) looks them up.
func TestToolsViewColumnSource(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	for _, q := range []string{
		`CREATE TABLE base (id int8 PRIMARY KEY, a text, b int4)`,
		`CREATE VIEW v AS SELECT b, id FROM base`,
		// pgconn keeps the column descriptions of a result with rows.
		`INSERT INTO base VALUES (1, 'x', 2)`,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var view, base uint32
	if err := c.QueryRow(ctx, "SELECT 'v'::regclass::oid, 'base'::regclass::oid").Scan(&view, &base); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"SELECT * FROM v", []string{"b v.1", "id v.2"}},
		{"SELECT x.id, x.b FROM v x", []string{"id v.2", "b v.1"}},
		{"SELECT v.id, base.a FROM v JOIN base USING (id)", []string{"id v.2", "a base.2"}},
	} {
		res := c.PgConn().ExecParams(ctx, tc.sql, nil, nil, nil, nil).Read()
		if res.Err != nil {
			t.Fatalf("%s: %v", tc.sql, res.Err)
		}
		var got []string
		for _, f := range res.FieldDescriptions {
			rel := map[uint32]string{view: "v", base: "base"}[f.TableOID]
			got = append(got, fmt.Sprintf("%s %s.%d", f.Name, rel, f.TableAttributeNumber))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: columns %q, want %q", tc.sql, got, tc.want)
		}
	}
}
