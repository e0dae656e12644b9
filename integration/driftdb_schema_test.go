package integration

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/pgwire"
)

// rowsText runs q and returns its rows, each as its values' text joined
// by "|" (NULL as "∅").
func rowsText(t *testing.T, c *pgx.Conn, q string, args ...any) []string {
	t.Helper()
	rows, err := c.Query(context.Background(), q, append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := rows.RawValues()
		var parts []string
		for _, v := range vals {
			if v == nil {
				parts = append(parts, "∅")
			} else {
				parts = append(parts, string(v))
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func wantRows(t *testing.T, c *pgx.Conn, q string, want ...string) {
	t.Helper()
	if got := rowsText(t, c, q); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", q, got, want)
	}
}

// TestDriftdbSchema browses the driftdb schema as a tool would: the
// schema, its view and function, their comments and the system columns'.
func TestDriftdbSchema(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	defer c.Close(ctx)
	for _, q := range []string{
		`CREATE TABLE t (id int8 PRIMARY KEY, status text)`,
		`CREATE TABLE empty (k text PRIMARY KEY)`,
		`CREATE VIEW tv AS SELECT id FROM t`,
		`INSERT INTO t VALUES (1, 'new'), (2, 'new')`,
		`UPDATE t SET status = 'paid' WHERE id = 1`,
		`DELETE FROM t WHERE id = 2`,
		`INSERT INTO t VALUES (3, 'new')`,
	} {
		mustExec(t, c, q)
	}
	var seqs []int64
	for _, r := range rowsText(t, c, `SELECT _seq FROM t FOR SYSTEM_TIME ALL ORDER BY _seq`) {
		var n int64
		fmt.Sscan(r, &n)
		seqs = append(seqs, n)
	}
	if len(seqs) != 5 {
		t.Fatalf("history seqs %v", seqs)
	}

	// The schema, as pg_namespace, information_schema and psql's \dn+
	// show it, with its comment.
	wantRows(t, c, `SELECT nspname, obj_description(oid, 'pg_namespace') IS NOT NULL FROM pg_namespace WHERE nspname = 'driftdb'`,
		"driftdb|t")
	wantRows(t, c, `SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'driftdb'`, "driftdb")
	wantRows(t, c, `SELECT table_type, (SELECT count(*) FROM information_schema.columns c WHERE c.table_schema = t.table_schema
			AND c.table_name = t.table_name) FROM information_schema.tables t WHERE table_schema = 'driftdb'`, "VIEW|10")

	// driftdb.tables: a row per table.
	wantRows(t, c, `SELECT table_name, relid = 't'::regclass, live_rows, versions, first_seq, last_seq, horizon_seq,
			last_event_at >= first_event_at, created_at <= first_event_at, created_at > now() - interval '1 minute'
			FROM driftdb.tables ORDER BY table_name`,
		"empty|f|0|0|∅|∅|∅|∅|∅|t",
		fmt.Sprintf("t|t|2|5|%d|%d|∅|t|t|t", seqs[0], seqs[4]))
	wantRows(t, c, fmt.Sprintf(`SELECT live_rows, versions FROM driftdb.tables AS OF '@seq:%d' WHERE table_name = 't'`, seqs[1]),
		"2|2")

	// driftdb.history: FOR SYSTEM_TIME ALL's versions, in FROM and in the
	// select list, by name or OID.
	want := rowsText(t, c, `SELECT id::text, _seq, _event, status FROM t FOR SYSTEM_TIME ALL ORDER BY id, _seq`)
	wantRows(t, c, `SELECT key, seq, event, doc->>'status' FROM driftdb.history('t') ORDER BY key, seq`, want...)
	wantRows(t, c, `SELECT h.event, h.change FROM driftdb.history('t'::regclass) AS h WHERE h.key = '1' ORDER BY seq`,
		`INSERT|{"id": 1, "status": "new"}`, `PATCH|{"status": "paid"}`)
	wantRows(t, c, `SELECT count(*) FROM driftdb.history((SELECT relid FROM driftdb.tables WHERE table_name = 't'))`, "5")
	wantRows(t, c, `SELECT (driftdb.history('t')).event LIMIT 1`, "INSERT")
	wantRows(t, c, `SELECT count(*) FROM driftdb.history('empty')`, "0")
	wantRows(t, c, fmt.Sprintf(`SELECT key, seq, event FROM driftdb.history('t', %d, %d) ORDER BY seq`, seqs[1], seqs[3]),
		rowsText(t, c, fmt.Sprintf(`SELECT id::text, _seq, _event FROM t FOR SYSTEM_TIME FROM %d TO %d ORDER BY _seq`, seqs[1], seqs[3]))...)
	wantRows(t, c, fmt.Sprintf(`SELECT count(*) FROM driftdb.history('t', %d, 1000000)`, seqs[4]), "1")
	var n int64
	if err := c.QueryRow(ctx, `SELECT count(*) FROM driftdb.history($1)`, "t").Scan(&n); err != nil || n != 5 {
		t.Fatalf("driftdb.history($1) over the extended protocol: %d %v", n, err)
	}
	for q, code := range map[string]string{
		`SELECT * FROM history('t')`:                "42883",
		`SELECT * FROM driftdb.history('tv')`:       "42809",
		`SELECT * FROM driftdb.history('nope')`:     "42P01",
		`SELECT * FROM driftdb.nope`:                "42P01",
		`SELECT * FROM driftdb.history('t', -1, 5)`: "22023",
	} {
		if _, err := c.Exec(ctx, q); sqlState(err) != code {
			t.Errorf("%s: %v, want %s", q, err, code)
		}
	}

	// Comments: the view and its columns, the function, the system
	// columns of every table (negative attnums, as PostgreSQL's).
	wantRows(t, c, `SELECT c.relname, c.relkind, n.nspname, obj_description(c.oid, 'pg_class') IS NOT NULL
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'driftdb'`,
		"tables|v|driftdb|t")
	wantRows(t, c, `SELECT col_description('driftdb.tables'::regclass, 4), 'driftdb.tables'::regclass::text`,
		"rows live at the statement's point in time|driftdb.tables")
	wantRows(t, c, `SELECT attname, attnum, format_type(atttypid, atttypmod), col_description(attrelid, attnum) IS NOT NULL
			FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum < 0 ORDER BY attnum DESC`,
		"_seq|-1|bigint|t", "_ts|-2|timestamp with time zone|t", "_doc|-3|jsonb|t", "_event|-4|text|t")
	wantRows(t, c, `SELECT count(*) FROM pg_description d WHERE d.classoid = 'pg_proc'::regclass
			AND d.objoid = 11901 AND d.description LIKE 'every version%'`, "1")
	wantRows(t, c, `SELECT col_description('t'::regclass, 1), obj_description('t'::regclass, 'pg_class')`, "∅|∅")

	// psql finds them.
	psql := psqlPath(t)
	host, port, _ := net.SplitHostPort(s.addr)
	for cmd, wants := range map[string][]string{
		`\dn+`:              {"driftdb", "DriftDB's history"},
		`\dv driftdb.*`:     {"driftdb | tables | view"},
		`\d driftdb.tables`: {`View "driftdb.tables"`, "live_rows", "bigint"},
	} {
		out, err := exec.Command(psql, "-X", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "driftdb",
			"-d", "driftdb", "-c", cmd).CombinedOutput()
		if err != nil {
			t.Fatalf("psql %s: %v\n%s", cmd, err, out)
		}
		for _, w := range wants {
			if !strings.Contains(string(out), w) {
				t.Errorf("psql %s: no %q in\n%s", cmd, w, out)
			}
		}
	}
}
