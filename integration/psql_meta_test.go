package integration

import (
	"bytes"
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

// psqlMetaDB is the database name psql connects to in TestPsqlMeta, on
// DriftDB and on PostgreSQL alike, so that \l prints the same line.
const psqlMetaDB = "client_psql"

// TestPsqlMeta runs each testdata/psql/*.sql with psql (meta-commands:
// \d and its variants, \x, \copy) and compares what it prints with the
// .out file beside it. The scripts run as user postgres in a directory of
// their own holding the other files of testdata/psql (what \copy reads
// and writes).
//
// A script with a line "-- postgres: same" prints the same on PostgreSQL
// 15: with a server at hand (DRIFTDB_PG_URL) the test runs it there too,
// in a fresh database, and checks the .out file against it. A script whose
// first line is "-- pending: reason" names something DriftDB lacks: it
// runs, and a difference skips it with the reason.
func TestPsqlMeta(t *testing.T) {
	psql := psqlPath(t)
	scripts, _ := filepath.Glob("testdata/psql/*.sql")
	if len(scripts) == 0 {
		t.Fatal("no testdata/psql/*.sql")
	}
	pgURL := ""
	if os.Getenv("DRIFTDB_PG_URL") != "" {
		pgURL, _ = startPostgres(t)
	}
	for _, script := range scripts {
		t.Run(filepath.Base(script), func(t *testing.T) {
			text, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			pending, isPending := strings.CutPrefix(firstLine(text), "-- pending: ")
			if !isPending {
				pending = ""
			}
			golden := strings.TrimSuffix(script, ".sql") + ".out"
			s := startServer(t, pgwire.Config{Database: psqlMetaDB})
			host, port, _ := net.SplitHostPort(s.addr)
			got := runPsqlScript(t, psql, script, "host="+host+" port="+port+" user=postgres dbname="+psqlMetaDB+" sslmode=disable", pending == "")
			var ref []byte
			if pgURL != "" && bytes.Contains(text, []byte("\n-- postgres: same\n")) {
				ref = runPsqlScript(t, psql, script, freshPostgresDB(t, pgURL, psqlMetaDB), true)
			}
			// -update writes what PostgreSQL prints where it is the
			// reference, else what DriftDB prints (never for a pending
			// script).
			if update := ref; *updatePsql && (update != nil || pending == "") {
				if update == nil {
					update = got
				}
				if err := os.WriteFile(golden, update, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if ref != nil && !bytes.Equal(ref, want) {
				t.Errorf("PostgreSQL prints, for %s:\n%s", script, ref)
			}
			if !bytes.Equal(got, want) {
				if pending != "" {
					t.Skipf("pending: %s", pending)
				}
				t.Fatalf("psql output differs from %s:\n%s", golden, got)
			}
			if pending != "" {
				t.Logf("%s passes: its pending line can go", script)
			}
		})
	}
}

// runPsqlScript runs a script with psql on the connection conn, in a
// temporary directory holding copies of the script's data files, and
// returns what psql printed; with stop, an error ends the script and
// fails the test.
func runPsqlScript(t *testing.T, psql, script, conn string, stop bool) []byte {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(script), "*"))
	for _, f := range files {
		if ext := filepath.Ext(f); ext == ".sql" || ext == ".out" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-X", "-d", conn, "-f", abs}
	if stop {
		args = append(args, "-v", "ON_ERROR_STOP=1")
	}
	cmd := exec.Command(psql, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PGTZ=UTC", "PGDATESTYLE=ISO, MDY")
	out, err := cmd.CombinedOutput()
	if err != nil && stop {
		t.Fatalf("psql %s: %v\n%s", script, err, out)
	}
	// psql names the script in its error messages by the path it was
	// given: write it as the repository has it.
	return bytes.ReplaceAll(out, []byte(abs), []byte(script))
}

// freshPostgresDB drops and creates the database name on the PostgreSQL
// server at base (UTF-8, collation C.UTF-8, as DriftDB reports its
// database) and returns a psql connection string for it.
func freshPostgresDB(t *testing.T, base, name string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	defer c.Close(ctx)
	for _, q := range []string{
		"DROP DATABASE IF EXISTS " + name + " WITH (FORCE)",
		"CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("PostgreSQL: %s: %v", q, err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	u.User = url.User("postgres")
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	return u.String()
}

// firstLine returns the first line of text, without its newline.
func firstLine(text []byte) string {
	line, _, _ := bytes.Cut(text, []byte("\n"))
	return string(line)
}
