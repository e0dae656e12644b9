package sql

import (
	"encoding/json"
	"testing"

	"github.com/driftdb/driftdb/sql/types"
)

// TestExplainJSON checks the shape of EXPLAIN (FORMAT JSON): one json
// value, an array of one object whose Plan nests its children under
// Plans, with ANALYZE's actual rows on each node.
func TestExplainJSON(t *testing.T) {
	s := newSession(t)
	run(t, s, "CREATE TABLE t (id int8 PRIMARY KEY, v text)")
	run(t, s, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
	type node struct {
		NodeType   string  `json:"Node Type"`
		Filter     string  `json:"Filter"`
		ActualRows *int64  `json:"Actual Rows"`
		Plans      []*node `json:"Plans"`
	}
	type top struct {
		Plan          *node    `json:"Plan"`
		ExecutionTime *float64 `json:"Execution Time"`
	}
	for _, c := range []struct {
		sql     string
		analyze bool
	}{
		{"EXPLAIN (FORMAT JSON) SELECT v FROM t WHERE v > 'a' ORDER BY v", false},
		{"EXPLAIN (ANALYZE, FORMAT JSON) SELECT v FROM t WHERE v > 'a' ORDER BY v", true},
	} {
		r := run(t, s, c.sql)
		if len(r.Columns) != 1 || r.Columns[0].Type != types.JSON || len(r.Rows) != 1 {
			t.Fatalf("%s: %d columns, %d rows", c.sql, len(r.Columns), len(r.Rows))
		}
		var out []top
		if err := json.Unmarshal([]byte(r.Rows[0][0].(types.DJSON)), &out); err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if len(out) != 1 || out[0].Plan == nil {
			t.Fatalf("%s: %s", c.sql, r.Rows[0][0])
		}
		if (out[0].ExecutionTime != nil) != c.analyze {
			t.Errorf("%s: execution time %v", c.sql, out[0].ExecutionTime)
		}
		var scan *node
		var walk func(n *node)
		walk = func(n *node) {
			if n.NodeType == "Seq Scan on t" {
				scan = n
			}
			for _, k := range n.Plans {
				walk(k)
			}
		}
		walk(out[0].Plan)
		if scan == nil || scan.Filter == "" {
			t.Fatalf("%s: no scan with its filter in %s", c.sql, r.Rows[0][0])
		}
		if c.analyze && (scan.ActualRows == nil || *scan.ActualRows != 2) {
			t.Errorf("%s: scan's actual rows %v, want 2", c.sql, scan.ActualRows)
		}
	}
	if _, err := s.Exec(ctx, "EXPLAIN (FORMAT YAML) SELECT 1"); err == nil {
		t.Error("EXPLAIN (FORMAT YAML) succeeded")
	}
}
