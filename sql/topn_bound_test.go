package sql

import (
	"regexp"
	"runtime"
	"strconv"
	"testing"

	"github.com/driftdb/driftdb/sql/exec"
)

// TestTopNBound: a top-N sort whose first key is an integer column of the
// table it scans passes a bound down to the scan's cursor, which then
// hands on far fewer rows than the table has, read by one reader or in
// parts; a sort whose rows meet anything on the way that could fail, or
// whose first key the engine does not order as SQL does, passes none, and
// an error a row would raise is raised.
func TestTopNBound(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE tb (id int8 PRIMARY KEY, n int4, f float8, t text, w int8)`)
	run(t, s, `INSERT INTO tb SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE i * 7919 % 100003 END, i * 0.5, 'v' || i,
		CASE WHEN i <= 5000 THEN i ELSE -i END
		FROM generate_series(1, 50000) i`)
	scanned := regexp.MustCompile(`Seq Scan on tb .*rows=(\d+)`)
	serial := func(q string) (rows int, bounded bool) {
		t.Helper()
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		before := exec.TopNBounds()
		out := render(run(t, s, "EXPLAIN ANALYZE "+q))
		m := scanned.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no scan in\n%s", q, out)
		}
		rows, _ = strconv.Atoi(m[1])
		return rows, exec.TopNBounds() > before
	}
	for _, c := range []struct {
		q   string
		max int // rows the scan may hand on
	}{
		{`SELECT id, n FROM tb ORDER BY n DESC NULLS LAST, id LIMIT 10`, 2000},
		{`SELECT id, n FROM tb ORDER BY n, id LIMIT 10`, 2000},
		{`SELECT id, n, t FROM tb ORDER BY n NULLS FIRST, id LIMIT 10 OFFSET 5000`, 25000},
		{`SELECT id AS k, n AS m FROM tb WHERE t <> 'v7' ORDER BY m DESC NULLS LAST, k LIMIT 3`, 2000},
		// Rows in the sort's order first, which lift the bound, then
		// rows it drops, which set it again.
		{`SELECT id, w FROM tb ORDER BY w DESC LIMIT 10`, 10000},
		// Every row enters: all come, the bound lifted.
		{`SELECT id, w FROM tb WHERE w > 0 ORDER BY w DESC LIMIT 10`, 5000},
	} {
		if rows, bounded := serial(c.q); !bounded || rows > c.max {
			t.Errorf("%s: the scan handed on %d rows of 50000 (bounded %v)", c.q, rows, bounded)
		}
	}
	for _, q := range []string{
		`SELECT id, t FROM tb ORDER BY t LIMIT 10`,
		`SELECT id, f FROM tb ORDER BY f DESC LIMIT 10`,
		`SELECT id, n FROM tb ORDER BY n::int8 LIMIT 10`,
		`SELECT id, n FROM tb WHERE n % 2 = 0 ORDER BY n LIMIT 10`,
		`SELECT id, n FROM tb ORDER BY n, 10 / id LIMIT 10`,
		`SELECT id, n FROM tb ORDER BY n LIMIT 10 FOR UPDATE`,
		`SELECT id, n FROM tb ORDER BY n LIMIT ALL`,
	} {
		if _, bounded := serial(q); bounded {
			t.Errorf("%s: bounded its scan", q)
		}
	}
	// The last row divides by zero: the sort must see it.
	for _, procs := range []int{1, 4} {
		prev := runtime.GOMAXPROCS(procs)
		_, err := s.Exec(ctx, `SELECT id, n FROM tb WHERE 10 / (id - 50000) < 100 ORDER BY n DESC NULLS LAST LIMIT 1`)
		runtime.GOMAXPROCS(prev)
		if err == nil {
			t.Errorf("GOMAXPROCS %d: no division by zero", procs)
		}
	}

	// In parts, each part bounds its own cursor.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	plans, bounds := exec.ParallelPlans(), exec.TopNBounds()
	got := render(run(t, s, `SELECT id, n FROM tb ORDER BY n DESC NULLS LAST, id LIMIT 3`))
	if exec.ParallelPlans() == plans {
		t.Fatal("the top-N was not read in parts")
	}
	if n := exec.TopNBounds() - bounds; n < 2 {
		t.Errorf("%d parts of the top-N bounded their cursor", n)
	}
	runtime.GOMAXPROCS(1)
	if want := render(run(t, s, `SELECT id, n FROM tb ORDER BY n DESC NULLS LAST, id LIMIT 3`)); got != want {
		t.Errorf("in parts:\n%s\nwant\n%s", got, want)
	}
}
