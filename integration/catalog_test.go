package integration

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/pgwire"
)

// TestPsqlDescribe runs psql's describe commands, which read pg_catalog,
// and checks that their output names the tables, columns and indexes.
func TestPsqlDescribe(t *testing.T) {
	psql := psqlPath(t)
	s := startServer(t, pgwire.Config{})
	host, port, _ := net.SplitHostPort(s.addr)
	run := func(cmds ...string) string {
		t.Helper()
		args := []string{"-X", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb"}
		for _, c := range cmds {
			args = append(args, "-c", c)
		}
		cmd := exec.Command(psql, args...)
		cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("psql %q: %v\n%s", cmds, err, out)
		}
		return string(out)
	}
	run(`CREATE TABLE wide (k text PRIMARY KEY, i int8 NOT NULL, n numeric(10,2), ts timestamptz, "Mixed Case" text)`,
		`CREATE INDEX wide_i ON wide (i)`, `CREATE TABLE other (id int8 PRIMARY KEY)`)
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{`\dt`, []string{"List of relations", "public | other | table", "public | wide  | table", "(2 rows)"}},
		{`\d wide`, []string{`Table "public.wide"`, " k ", " i ", "bigint", "not null", "numeric(10,2)",
			"timestamp with time zone", "Mixed Case", `"wide_pkey" PRIMARY KEY, btree (k)`, `"wide_i" btree (i)`}},
		{`\di`, []string{"other_pkey", "wide_i", "wide_pkey", "| index |", "(3 rows)"}},
		{`\dn`, []string{"List of schemas", "public"}},
		{`\l`, []string{"List of databases", "driftdb", "UTF8"}},
	} {
		out := run(tc.cmd)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in\n%s", tc.cmd, w, out)
			}
		}
	}
}
