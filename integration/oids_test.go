package integration

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/pgwire"
)

// catalogOids returns the OID of every relation and constraint of the
// public schema, by kind and name.
func catalogOids(t *testing.T, c *pgx.Conn) map[string]uint32 {
	t.Helper()
	out := map[string]uint32{}
	for _, q := range []string{
		`SELECT 'rel ' || relname::text, oid FROM pg_class WHERE relnamespace = 2200`,
		`SELECT 'con ' || conname::text, oid FROM pg_constraint WHERE connamespace = 2200`,
		`SELECT 'def ' || adnum::text, oid FROM pg_attrdef`,
	} {
		rows, err := c.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			var oid uint32
			if err := rows.Scan(&name, &oid); err != nil {
				t.Fatal(err)
			}
			if _, ok := out[name]; ok {
				t.Fatalf("%s twice", name)
			}
			out[name] = oid
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestOidsStable checks that a relation's OID, as pg_class, regclass and
// a RowDescription show it, stays the same after other tables are made,
// after a restart and after a rename, and that AS OF shows it too.
func TestOidsStable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, stop := startStoppableOn(t, pgwire.Config{}, dir, engine.Options{})
	c := connect(t, s.url(""))
	for _, q := range []string{
		`CREATE TABLE keep (id int8 PRIMARY KEY, u text UNIQUE, n int8 DEFAULT 1 CHECK (n > 0))`,
		`CREATE INDEX keep_n ON keep (n)`,
		`CREATE SEQUENCE sq`,
		`CREATE VIEW kv AS SELECT id, n FROM keep`,
		`INSERT INTO keep VALUES (1, 'a', 1)`,
	} {
		mustExec(t, c, q)
	}
	regclass := func(c *pgx.Conn, name string) (pgClass, reg uint32) {
		t.Helper()
		q := `SELECT (SELECT oid FROM pg_class WHERE relname = $1 AND relnamespace = 2200), $1::regclass::oid`
		if err := c.QueryRow(ctx, q, name).Scan(&pgClass, &reg); err != nil {
			t.Fatal(err)
		}
		return pgClass, reg
	}
	keepOid, reg := regclass(c, "keep")
	if keepOid < 16384 || reg != keepOid {
		t.Fatalf("pg_class.oid %d, regclass %d", keepOid, reg)
	}
	want := catalogOids(t, c)
	if len(want) != 10 { // keep, keep_pkey, keep_u_key, keep_n, sq, kv; 3 constraints; n's default
		t.Fatalf("catalog %v", want)
	}
	rowDescTable := func(c *pgx.Conn) uint32 {
		t.Helper()
		rows, err := c.Query(ctx, `SELECT id FROM keep`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		return rows.FieldDescriptions()[0].TableOID
	}
	if got := rowDescTable(c); got != keepOid {
		t.Fatalf("RowDescription's table OID %d, want %d", got, keepOid)
	}

	// 100 other tables, whose names sort before and after, change none.
	for i := range 100 {
		mustExec(t, c, fmt.Sprintf(`CREATE TABLE %c%03d (id int8 PRIMARY KEY)`, "az"[i%2], i))
	}
	got := catalogOids(t, c)
	for k, o := range want {
		if got[k] != o {
			t.Fatalf("after 100 tables: %s has OID %d, had %d", k, got[k], o)
		}
	}
	if p, r := regclass(c, "keep"); p != keepOid || r != keepOid {
		t.Fatalf("after 100 tables: pg_class.oid %d, regclass %d, want %d", p, r, keepOid)
	}
	all := got
	c.Close(ctx)
	stop()

	// A restart keeps every OID, and a new connection sees them.
	s, _ = startStoppableOn(t, pgwire.Config{}, dir, engine.Options{})
	c = connect(t, s.url(""))
	defer c.Close(ctx)
	if got := catalogOids(t, c); !reflect.DeepEqual(got, all) {
		t.Fatalf("after a restart: %v\nwant %v", got, all)
	}
	if p, r := regclass(c, "keep"); p != keepOid || r != keepOid {
		t.Fatalf("after a restart: pg_class.oid %d, regclass %d, want %d", p, r, keepOid)
	}
	if got := rowDescTable(c); got != keepOid {
		t.Fatalf("after a restart: RowDescription's table OID %d, want %d", got, keepOid)
	}

	// A drop frees no OID: the next table gets one never seen.
	mustExec(t, c, `DROP TABLE a000`)
	mustExec(t, c, `CREATE TABLE fresh (id int8 PRIMARY KEY)`)
	fresh, _ := regclass(c, "fresh")
	for k, o := range all {
		if o >= fresh {
			t.Fatalf("new table's OID %d is not past %s's %d", fresh, k, o)
		}
	}

	// A rename keeps the OID; AS OF a point before it shows the same.
	var seq int64
	if err := c.QueryRow(ctx, `SELECT max(_seq) FROM keep`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `DROP VIEW kv`) // a view's table cannot be renamed
	mustExec(t, c, `ALTER TABLE keep RENAME TO kept`)
	if p, r := regclass(c, "kept"); p != keepOid || r != keepOid {
		t.Fatalf("after a rename: pg_class.oid %d, regclass %d, want %d", p, r, keepOid)
	}
	var asOf uint32
	q := fmt.Sprintf(`SELECT oid FROM pg_class AS OF '@seq:%d' WHERE relname = 'kept'`, seq)
	if err := c.QueryRow(ctx, q).Scan(&asOf); err != nil || asOf != keepOid {
		t.Fatalf("AS OF before the rename: %d %v, want %d", asOf, err, keepOid)
	}
}
