package integration

import (
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/pgwire"
)

// TestPgDump: PostgreSQL 15's pg_dump dumps a DriftDB database (its
// tables, keys, indexes, defaults, sequences with their values, views, and
// rows), leaving out the driftdb schema (an extension's members), and
// with a PostgreSQL server at hand the dump restores there with psql
// without an error, to the same rows.
func TestPgDump(t *testing.T) {
	dump := filepath.Join(pgBin, "pg_dump")
	if _, err := os.Stat(dump); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pg_dump is not installed: %v", err)
		}
		t.Skip("pg_dump is not installed")
	}
	psql := psqlPath(t)
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	for _, q := range []string{
		`CREATE TABLE orders (customer text NOT NULL, id serial PRIMARY KEY, amount numeric(10,2) DEFAULT 0, tags text[], at timestamptz)`,
		`CREATE INDEX orders_customer ON orders (customer)`,
		`INSERT INTO orders (customer, amount, tags, at) VALUES ('ann', 12.50, '{a,b}', '2026-12-01 10:00:00+00'), ('bob', 3, NULL, NULL), ('o''neil', 7.25, '{}', '2026-12-02 00:00:00+00')`,
		`UPDATE orders SET amount = 13 WHERE customer = 'ann'`,
		`CREATE TABLE notes (note text)`,
		`INSERT INTO notes VALUES ('tab	and newline
end'), (NULL)`,
		`CREATE SEQUENCE tickets START 100`,
		`SELECT nextval('tickets'), nextval('tickets')`,
		`CREATE VIEW big AS WITH w AS (SELECT id, amount FROM orders) SELECT id FROM w WHERE amount > 5`,
	} {
		mustExec(t, c, q)
	}
	host, port, _ := net.SplitHostPort(s.addr)
	cmd := exec.Command(dump, "--no-owner", "-h", host, "-p", port, "-U", "driftdb", "driftdb")
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("pg_dump: %v\n%s", err, stderr)
	}
	text := string(out)
	for _, want := range []string{"CREATE TABLE public.orders", "ADD CONSTRAINT orders_pkey PRIMARY KEY (id)",
		"CREATE INDEX orders_customer ON public.orders", "COPY public.orders (customer, id, amount, tags, at) FROM stdin",
		"SELECT pg_catalog.setval('public.tickets', 101, true)", "CREATE VIEW public.big", "FROM public.orders"} {
		if !strings.Contains(text, want) {
			t.Errorf("the dump has no %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "driftdb.") {
		t.Errorf("the dump names the driftdb schema:\n%s", text)
	}
	pgURL, missing := startPostgres(t)
	if pgURL == "" {
		t.Skip(missing)
	}
	ctx := context.Background()
	admin := connect(t, pgURL)
	for _, q := range []string{"DROP DATABASE IF EXISTS driftdb_dump", "CREATE DATABASE driftdb_dump"} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("PostgreSQL: %s: %v", q, err)
		}
	}
	pu, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	pu.Path = "/driftdb_dump"
	file := filepath.Join(t.TempDir(), "dump.sql")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	restore := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pu.String(), "-f", file)
	if msg, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, msg)
	}
	pg := connect(t, pu.String())
	for _, q := range []string{
		`SELECT customer || '|' || id || '|' || amount || '|' || coalesce(tags::text, '-') || '|' || coalesce(extract(epoch FROM at)::bigint::text, '-') FROM orders ORDER BY id`,
		`SELECT coalesce(note, '-') FROM notes ORDER BY 1`,
		`SELECT nextval('tickets')::text`,
		`SELECT id::text FROM big ORDER BY id`,
		`SELECT nextval('orders_id_seq')::text`,
	} {
		got, want := column(t, c, q), column(t, pg, q)
		if got != want {
			t.Errorf("%s: DriftDB\n%s\nrestored in PostgreSQL\n%s", q, got, want)
		}
	}
}

// column runs a query and returns its first column, a row a line.
func column(t *testing.T, c *pgx.Conn, q string) string {
	t.Helper()
	rows, err := c.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	vals, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return strings.Join(vals, "\n")
}
