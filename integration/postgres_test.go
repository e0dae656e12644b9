package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgBin is where PostgreSQL 15's initdb and pg_ctl are looked for.
const pgBin = "/usr/lib/postgresql/15/bin"

// startPostgres returns a connection string of a PostgreSQL 15 server to
// compare with: DRIFTDB_PG_URL when set, else a throwaway cluster in the
// test's temporary directory (run as the postgres user when the test runs
// as root, since PostgreSQL refuses root), stopped when the test ends.
// Without either it returns "" and why.
func startPostgres(t *testing.T) (url, missing string) {
	t.Helper()
	if url := os.Getenv("DRIFTDB_PG_URL"); url != "" {
		return url, ""
	}
	if testing.Short() {
		return "", "-short does not start PostgreSQL 15"
	}
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		return "", fmt.Sprintf("PostgreSQL 15 is not installed (%s/initdb) and DRIFTDB_PG_URL names no server", pgBin)
	}
	asPostgres := func(name string, args ...string) *exec.Cmd {
		if os.Geteuid() == 0 {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
		}
		return exec.Command(name, args...)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "pg")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", fmt.Sprintf("running as root needs a postgres user to run PostgreSQL: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, d := range []string{filepath.Dir(root), root} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := asPostgres(filepath.Join(pgBin, "initdb"), "-D", dir, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-instructions").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	pgctl := filepath.Join(pgBin, "pg_ctl")
	if out, err := asPostgres(pgctl, "-D", dir, "-l", filepath.Join(dir, "server.log"), "-w",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, dir), "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() {
		if out, err := asPostgres(pgctl, "-D", dir, "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
			t.Errorf("pg_ctl stop: %v\n%s", err, out)
		}
	})
	url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		c, err := pgx.Connect(ctx, url)
		if err == nil {
			c.Close(ctx)
			return url, ""
		}
		if ctx.Err() != nil {
			t.Fatalf("PostgreSQL did not accept connections: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
