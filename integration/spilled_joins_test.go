package integration

import (
	"fmt"
	"strings"
	"testing"
)

// TestJoinsAndWindowsOfSpilledRows runs, through a server on a table
// whose rows left their documents to the present file and the version
// index, the joins and windows that take ways of their own: a join by
// key that reads nothing of the right row but its key (asked whether the
// row is there), EXISTS by key, a hash join of more right rows than one
// part takes (built in parts side by side), and numbers over the
// primary key's order (counted as the rows come) and by partition.
func TestJoinsAndWindowsOfSpilledRows(t *testing.T) {
	const n = 70_000 // past a hash join's parts (65,536 right rows)
	c := spilledTable(t, "spj", "(id int8 PRIMARY KEY, status text NOT NULL, n int8)",
		fmt.Sprintf("SELECT i, 'st' || (i %% 7), i FROM generate_series(1, %d) AS i", n))
	sum2toN := fmt.Sprint(n*(n+1)/2 - 1) // the ids 2..n
	plans := func(q string, want string) {
		t.Helper()
		if plan := strings.Join(rowsText(t, c, "EXPLAIN "+q), "\n"); !strings.Contains(plan, want) {
			t.Fatalf("%s: plan\n%s\nwithout %q", q, plan, want)
		}
	}

	keyJoin := "SELECT count(*), sum(b.id) FROM spj a JOIN spj b ON b.id = a.n"
	wantRows(t, c, keyJoin, fmt.Sprintf("%d|%s", n-1, sum2toN))
	wantRows(t, c, "SELECT count(*) FROM spj a WHERE EXISTS (SELECT 1 FROM spj b WHERE b.id = a.n)", fmt.Sprint(n-1))
	hashJoin := "SELECT count(*), sum(a.id), min(b.status) FROM spj a JOIN spj b ON b.n = a.id"
	plans(hashJoin, "Hash Join")
	wantRows(t, c, hashJoin, fmt.Sprintf("%d|%s|st0", n-1, sum2toN))

	squares := int64(n) * (n + 1) * (2*n + 1) / 6
	wantRows(t, c, "SELECT sum(rn * id), max(rn), count(*) FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM spj) t",
		fmt.Sprintf("%d|%d|%d", squares, n, n))
	wantRows(t, c, "SELECT status, count(*) FILTER (WHERE r = 1), max(r) FROM (SELECT status, rank() OVER (PARTITION BY status ORDER BY n) AS r FROM spj) t GROUP BY status ORDER BY status LIMIT 2",
		fmt.Sprintf("st0|1|%d", n/7), fmt.Sprintf("st1|1|%d", n/7))
}
