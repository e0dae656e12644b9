package integration

import (
	"bytes"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/pgwire"
)

// target is a server a client program connects to.
type target struct {
	host, port, user, db string
}

// clientRun runs a client program against a server and returns what it
// printed (standard output and error).
type clientRun func(t *testing.T, to target) []byte

// checkClient runs a client program against a new DriftDB server and
// compares what it prints with the golden file, section by section: a
// line's first word names its section. The client connects as user
// postgres to a database named db.
//
// The golden file holds what PostgreSQL 15 prints: with a server at hand
// (DRIFTDB_PG_URL) the program runs there too, in a fresh database of the
// same name, and the file is checked against it; -update rewrites it from
// there. A section named in pending is one DriftDB does not pass yet, for
// the reason given: a difference there is logged, not failed.
func checkClient(t *testing.T, db, golden string, pending map[string]string, run clientRun) {
	t.Helper()
	s := startServer(t, pgwire.Config{Database: db})
	host, port, _ := net.SplitHostPort(s.addr)
	got := run(t, target{host, port, "postgres", db})
	if os.Getenv("DRIFTDB_PG_URL") != "" {
		base, _ := startPostgres(t)
		u, err := url.Parse(freshPostgresDB(t, base, db))
		if err != nil {
			t.Fatal(err)
		}
		ref := run(t, target{u.Hostname(), u.Port(), "postgres", db})
		if *updatePsql {
			if err := os.WriteFile(golden, ref, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if want, err := os.ReadFile(golden); err != nil || !bytes.Equal(ref, want) {
			t.Errorf("PostgreSQL prints, where %s says otherwise:\n%s", golden, ref)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update and DRIFTDB_PG_URL)", err)
	}
	compareSections(t, got, want, pending)
}

// compareSections compares output with the expected output section by
// section.
func compareSections(t *testing.T, got, want []byte, pending map[string]string) {
	t.Helper()
	gs, order := sections(got)
	ws, worder := sections(want)
	for _, name := range worder {
		if _, ok := gs[name]; !ok {
			order = append(order, name)
		}
	}
	for _, name := range order {
		g, w := gs[name], ws[name]
		reason, isPending := pending[name]
		switch {
		case g == w && isPending:
			t.Logf("section %q passes: it need not be pending (%s)", name, reason)
		case g == w:
		case isPending:
			t.Logf("section %q pending (%s): got\n%s", name, reason, g)
		default:
			t.Errorf("section %q: got\n%swant\n%s", name, g, w)
		}
	}
	for name := range pending {
		if _, ok := ws[name]; !ok {
			t.Errorf("pending section %q is not in the expected output", name)
		}
	}
}

// sections splits output into lines by their first word, keeping the
// order in which the sections first appear.
func sections(out []byte) (map[string]string, []string) {
	m := map[string]string{}
	var order []string
	for _, line := range strings.SplitAfter(string(out), "\n") {
		if line == "" {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if _, ok := m[name]; !ok {
			order = append(order, name)
		}
		m[name] += line
	}
	return m, order
}
