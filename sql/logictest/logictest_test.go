package logictest

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/pgwire"
)

var pendingToo = flag.Bool("pending", false, "TestLogic runs testdata/pending/*.slt too, to see how far DriftDB is with them")

var rewrite = flag.Bool("rewrite", false, "rewrite the expected rows of testdata/*.slt from what the server returns (PostgreSQL's, with TestLogicPostgres)")

// pgURLVar names the environment variable that points the tests at a
// PostgreSQL 15 server (a superuser, so that each file gets a database of
// its own); .ci/run sets it.
const pgURLVar = "DRIFTDB_PG_URL"

// files reads the logic test files: testdata/*.slt, which every run
// takes, and with pending also testdata/pending/*.slt, files of features
// DriftDB does not have yet: PostgreSQL runs them (so their expectations
// are checked as they are written), DriftDB not until a file moves up
// into testdata/ with the feature.
func files(t *testing.T, pending bool) []*File {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.slt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata/*.slt: %v", err)
	}
	if pending {
		more, _ := filepath.Glob("testdata/pending/*.slt")
		paths = append(paths, more...)
	}
	var out []*File
	for _, p := range paths {
		f, err := ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// TestLogic runs every file against a DriftDB server of its own on a
// loopback port.
func TestLogic(t *testing.T) {
	for _, f := range files(t, *pendingToo) {
		if f.Only != "" && f.Only != "driftdb" {
			continue
		}
		t.Run(filepath.Base(f.Name), func(t *testing.T) {
			addr := startDriftDB(t)
			runFile(t, f, "driftdb", "postgres://driftdb@"+addr+"/driftdb?sslmode=disable")
		})
	}
}

// TestLogicPostgres runs every file that is not DriftDB's alone against
// PostgreSQL, in a fresh database per file: the expectations are what
// PostgreSQL does.
func TestLogicPostgres(t *testing.T) {
	url := os.Getenv(pgURLVar)
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI runs the logic tests against PostgreSQL too", pgURLVar)
		}
		t.Skipf("%s is not set (for example postgres://postgres@127.0.0.1:5432/postgres)", pgURLVar)
	}
	ctx := context.Background()
	admin, err := pgconn.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for i, f := range files(t, true) {
		if f.Only != "" && f.Only != "postgres" {
			continue
		}
		t.Run(strings.TrimPrefix(f.Name, "testdata/"), func(t *testing.T) {
			db := fmt.Sprintf("driftdb_logic_%d_%d", os.Getpid(), i)
			if _, err := admin.Exec(ctx, "CREATE DATABASE "+db).ReadAll(); err != nil {
				t.Fatal(err)
			}
			defer func() { admin.Exec(ctx, "DROP DATABASE "+db+" WITH (FORCE)").ReadAll() }()
			cfg, err := pgconn.ParseConfig(url)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Database = db
			runFileConfig(t, f, "postgres", cfg)
		})
	}
}

func runFile(t *testing.T, f *File, system, url string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	runFileConfig(t, f, system, cfg)
}

func runFileConfig(t *testing.T, f *File, system string, cfg *pgconn.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	got := map[int][]string{}
	ran := 0
	for _, r := range f.Records {
		if !r.Runs(system) {
			continue
		}
		ran++
		rows, err := Run(ctx, c, r)
		if *rewrite && r.Kind == "query" && r.ErrCode == "" && rows != nil {
			got[r.Line] = rows
			continue
		}
		if err != nil {
			if _, ok := err.(*Failure); !ok {
				t.Fatalf("%s:%d: %v", f.Name, r.Line, err)
			}
			t.Errorf("%s:%v", f.Name, err)
		}
	}
	if ran == 0 {
		t.Fatalf("%s: no record runs on %s", f.Name, system)
	}
	if *rewrite && len(got) > 0 {
		if err := Rewrite(f.Name, got); err != nil {
			t.Fatal(err)
		}
	}
}

// startDriftDB serves a new data directory on a loopback port until the
// test ends.
func startDriftDB(t *testing.T) string {
	t.Helper()
	db, err := engine.Open(t.TempDir(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pgwire.NewServer(db, pgwire.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		db.Close()
	})
	return ln.Addr().String()
}

// TestParse checks the file format's reader on a small file.
func TestParse(t *testing.T) {
	f, err := Parse("x.slt", strings.NewReader(`# only driftdb
statement ok
CREATE TABLE t (id int8 PRIMARY KEY)

skipif postgres
statement error 23505 duplicate key
INSERT INTO t VALUES (1)

query IT rowsort
SELECT 1,
  'a'
----
1 a

query error 42P01
SELECT * FROM nope
`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Only != "driftdb" || len(f.Records) != 4 {
		t.Fatalf("file: %+v", f)
	}
	r := f.Records
	if r[1].ErrCode != "23505" || r[1].ErrRE != "duplicate key" || r[1].Runs("postgres") || !r[1].Runs("driftdb") {
		t.Fatalf("record 2: %+v", r[1])
	}
	if r[2].Types != "IT" || r[2].Sort != "rowsort" || r[2].SQL != "SELECT 1,\n  'a'" || len(r[2].Expected) != 1 || r[2].Line != 9 {
		t.Fatalf("record 3: %+v", r[2])
	}
	if r[3].Kind != "query" || r[3].ErrCode != "42P01" {
		t.Fatalf("record 4: %+v", r[3])
	}
	for _, bad := range []string{"statement maybe\nSELECT 1\n", "query\nSELECT 1\n", "frobnicate\n", "statement ok\n"} {
		if _, err := Parse("bad.slt", strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
