package sql

import (
	"runtime"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/sql/exec"
)

// TestParallelAgg: aggregations and top-N sorts over tables large enough
// to be read in parts give exactly the rows one reader gives (GOMAXPROCS
// 1), groups in the same order: integer and text keys, filters, NULLs, every kind of
// aggregate that merges and some that do not, a transaction's own writes,
// hash joins whose probe side is read in parts, semi and anti joins
// (EXISTS), a past point, and an error in a late part.
func TestParallelAgg(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE pa (id int8 PRIMARY KEY, g text, n int8, x numeric, f float8, b bool)`)
	run(t, s, `INSERT INTO pa SELECT i, 'g' || (i % 97), CASE WHEN i % 5 = 0 THEN NULL ELSE i * 3 - 40000 END,
		(i % 7)::numeric / 3, (i % 11) * 0.5, i % 3 = 0 FROM generate_series(1, 40000) i`)
	run(t, s, `CREATE TABLE pt (k text PRIMARY KEY, v int4)`)
	run(t, s, `INSERT INTO pt SELECT 'k' || lpad((i * 7919 % 50000)::text, 6, '0'), i FROM generate_series(1, 40000) i`)
	queries := []string{
		`SELECT count(*) FROM pa`,
		`SELECT count(*), count(n), sum(n), avg(n), min(n), max(n), sum(x), avg(x), sum(f), avg(f), bool_and(b), bool_or(b), min(g), max(g) FROM pa`,
		`SELECT g, count(*), sum(n), avg(x), max(f) FROM pa GROUP BY g`,
		`SELECT g, count(*) FILTER (WHERE b), sum(n) FROM pa WHERE n BETWEEN -1000 AND 50000 GROUP BY g ORDER BY 3 DESC, 1 LIMIT 5`,
		`SELECT n % 10 AS d, array_agg(id) FROM pa WHERE id % 1000 = 7 GROUP BY 1`,
		`SELECT count(*), sum(n) FROM pa WHERE n > 1e9`,
		`SELECT length(g), count(DISTINCT g), string_agg(g, ',') FILTER (WHERE id < 30) FROM pa GROUP BY 1`,
		`SELECT count(*), sum(v), min(k), max(k) FROM pt`,
		`SELECT substr(k, 1, 3), count(*), sum(v) FROM pt GROUP BY 1`,
		`SELECT count(*), sum(n) FROM pa AS OF '@seq:2'`,
		`SELECT id, g, n FROM pa ORDER BY n DESC NULLS LAST, id LIMIT 7`,
		`SELECT id, f FROM pa WHERE b ORDER BY f, id DESC LIMIT 3 OFFSET 2`,
		`SELECT k, v FROM pt ORDER BY v % 1000, k LIMIT 5`,
		`SELECT id FROM pa ORDER BY id DESC LIMIT 0`,
		`SELECT a.g, count(*), sum(b.n) FROM pa a JOIN pa b ON b.id = a.n / 3 GROUP BY a.g`,
		`SELECT a.b, count(b.k), min(b.k) FROM pa a LEFT JOIN pt b ON b.v = a.id * 2 AND b.k > 'k02' GROUP BY a.b`,
		`SELECT a.id, b.k FROM pa a JOIN pt b ON b.v = a.id WHERE a.n > 0 ORDER BY a.n DESC, a.id LIMIT 5`,
		`SELECT g, count(*) FROM pa WHERE EXISTS (SELECT 1 FROM pa b WHERE b.id = pa.id * 2) GROUP BY g`,
		`SELECT count(*), sum(n) FROM pa WHERE NOT EXISTS (SELECT 1 FROM pa b WHERE b.id = pa.id + 3 AND b.n > 0)`,
	}
	// serial are the queries that must not run in parts (DISTINCT and
	// string_agg do not merge; an order by the key, descending, is read
	// from the last key down, with no sort).
	serial := map[string]bool{queries[6]: true, queries[13]: true}
	// answers runs the statements, and says of each query whether it
	// ran in parts.
	answers := func(procs int) (out []string, parts []bool) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		for _, q := range queries {
			before := exec.ParallelPlans()
			out = append(out, render(run(t, s, q)))
			parts = append(parts, exec.ParallelPlans() > before)
		}
		run(t, s, `BEGIN`)
		run(t, s, `INSERT INTO pa VALUES (40001, 'new', 1, 1, 1, true), (-5, 'new', 2, 2, 2, false)`)
		run(t, s, `DELETE FROM pa WHERE id % 100 = 1`)
		run(t, s, `UPDATE pa SET n = 0 WHERE id % 100 = 2`)
		out = append(out, render(run(t, s, `SELECT g, count(*), sum(n) FROM pa GROUP BY g`)))
		out = append(out, render(run(t, s, `SELECT id, n FROM pa ORDER BY n, id LIMIT 4`)))
		run(t, s, `ROLLBACK`)
		_, err := s.Exec(ctx, `SELECT g, sum(1 / (id - 39000)) FROM pa GROUP BY g`)
		out = append(out, errString(err))
		_, err = s.Exec(ctx, `SELECT id FROM pa ORDER BY 1 / (id - 39000) LIMIT 2`)
		out = append(out, errString(err))
		return out, parts
	}
	before := exec.ParallelPlans()
	one, _ := answers(1)
	if n := exec.ParallelPlans(); n != before {
		t.Fatalf("%d plans read in parts with GOMAXPROCS 1", n-before)
	}
	for _, procs := range []int{2, 4} {
		many, parts := answers(procs)
		for i, q := range queries {
			if parts[i] == serial[q] {
				t.Errorf("GOMAXPROCS %d, %s: read in parts %v, want %v", procs, q, parts[i], !serial[q])
			}
		}
		for i := range one {
			if one[i] != many[i] {
				q := "the transaction's"
				if i < len(queries) {
					q = queries[i]
				}
				t.Errorf("GOMAXPROCS %d, %s:\n%s\nwant\n%s", procs, q, cut(many[i]), cut(one[i]))
			}
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// cut shortens a long answer for an error message.
func cut(s string) string {
	if lines := strings.Split(s, "\n"); len(lines) > 12 {
		return strings.Join(lines[:12], "\n") + "\n..."
	}
	return s
}

// TestParallelGather: a filtered scan of a table large enough to be read
// in parts, under projections, gives the rows one reader gives, in the
// same order (the key's): integer and text keys, a LIMIT of many rows, a
// transaction's own writes, a past point, and an error in a late part.
// A LIMIT of a few rows, an unfiltered scan and the source of a write are
// read as one part.
func TestParallelGather(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE pg1 (id int8 PRIMARY KEY, g text, n int8, b bool)`)
	run(t, s, `INSERT INTO pg1 SELECT i, 'g' || (i % 97), CASE WHEN i % 5 = 0 THEN NULL ELSE i * 3 - 40000 END, i % 3 = 0 FROM generate_series(1, 40000) i`)
	run(t, s, `CREATE TABLE pg2 (k text PRIMARY KEY, v int4)`)
	run(t, s, `INSERT INTO pg2 SELECT 'k' || lpad((i * 7919 % 50000)::text, 6, '0'), i FROM generate_series(1, 40000) i`)
	queries := []struct {
		q     string
		parts bool
	}{
		{`SELECT id, g FROM pg1 WHERE n % 7 = 3`, true},
		{`SELECT id, upper(g) || '!' FROM pg1 WHERE g LIKE 'g1%' AND b`, true},
		{`SELECT k, v FROM pg2 WHERE v % 13 = 0`, true},
		{`SELECT id, n FROM pg1 WHERE n IS NULL OR n > 100000 LIMIT 20000`, true},
		{`SELECT id FROM pg1 WHERE n > 0 LIMIT 3`, false},
		{`SELECT id, g FROM pg1`, false},
		{`SELECT id FROM pg1 AS OF '@seq:2' WHERE n % 2 = 0`, true},
	}
	answers := func(procs int) (out []string, parts []bool) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		for _, q := range queries {
			before := exec.ParallelPlans()
			out = append(out, render(run(t, s, q.q)))
			parts = append(parts, exec.ParallelPlans() > before)
		}
		run(t, s, `BEGIN`)
		run(t, s, `INSERT INTO pg1 VALUES (40001, 'new', 7, true), (-5, 'new', 14, false)`)
		run(t, s, `DELETE FROM pg1 WHERE id % 100 = 1`)
		before := exec.ParallelPlans()
		run(t, s, `UPDATE pg1 SET n = 0 WHERE id % 100 = 2`)
		if exec.ParallelPlans() != before {
			t.Errorf("GOMAXPROCS %d: an UPDATE's rows read in parts", procs)
		}
		out = append(out, render(run(t, s, `SELECT id, n, g FROM pg1 WHERE n % 7 = 0`)))
		run(t, s, `ROLLBACK`)
		_, err := s.Exec(ctx, `SELECT id FROM pg1 WHERE 1 / (id - 39000) > 0`)
		out = append(out, errString(err))
		return out, parts
	}
	one, _ := answers(1)
	many, parts := answers(2)
	for i, q := range queries {
		if parts[i] != q.parts {
			t.Errorf("%s: read in parts %v, want %v", q.q, parts[i], q.parts)
		}
	}
	for i := range one {
		if one[i] != many[i] {
			q := "the transaction's"
			if i < len(queries) {
				q = queries[i].q
			}
			t.Errorf("%s:\n%s\nwant\n%s", q, cut(many[i]), cut(one[i]))
		}
	}
	if !strings.Contains(one[len(one)-1], "division by zero") {
		t.Errorf("the error of a late part: %s", one[len(one)-1])
	}
}
