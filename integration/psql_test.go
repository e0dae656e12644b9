package integration

import (
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/pgwire"
)

var updatePsql = flag.Bool("update", false, "rewrite testdata/*.out from what psql prints")

// psqlPath finds psql; CI must have it, elsewhere the test is skipped.
func psqlPath(t *testing.T) string {
	p, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("psql is not installed (apt-get install postgresql-client)")
		}
		t.Skip("psql is not installed")
	}
	return p
}

// TestPsqlScripts runs testdata/*.sql with psql -X -v ON_ERROR_STOP=1 and
// compares the output with testdata/*.out.
func TestPsqlScripts(t *testing.T) {
	psql := psqlPath(t)
	scripts, _ := filepath.Glob("testdata/*.sql")
	for _, script := range scripts {
		t.Run(filepath.Base(script), func(t *testing.T) {
			s := startServer(t, pgwire.Config{})
			host, port, _ := net.SplitHostPort(s.addr)
			cmd := exec.Command(psql, "-X", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb", "-f", script)
			cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("psql: %v\n%s", err, out)
			}
			golden := strings.TrimSuffix(script, ".sql") + ".out"
			if *updatePsql {
				os.WriteFile(golden, out, 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if string(out) != string(want) {
				t.Fatalf("psql output differs from %s:\n%s", golden, out)
			}
		})
	}
}
