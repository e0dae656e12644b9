package integration

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/pgwire"
)

// TestPrepareExecuteSQL: PREPARE, EXECUTE and DEALLOCATE as statements,
// through pgx's extended protocol (EXECUTE described before it runs: its
// rows' columns are the prepared query's) and its simple protocol. The
// statements' answers and errors beside PostgreSQL's are in
// sql/logictest/testdata/prepare.slt.
func TestPrepareExecuteSQL(t *testing.T) {
	for _, mode := range []string{"cache_statement", "simple_protocol", "exec"} {
		t.Run(mode, func(t *testing.T) {
			s := startServer(t, pgwire.Config{})
			c := connect(t, s.url("default_query_exec_mode="+mode))
			mustExec(t, c, `CREATE TABLE pe (id int8 PRIMARY KEY, name text)`)
			mustExec(t, c, `PREPARE ins(int8, text) AS INSERT INTO pe VALUES ($1, $2)`)
			for i := 1; i <= 5; i++ {
				if tag := mustExec(t, c, fmt.Sprintf(`EXECUTE ins(%d, 'n%d')`, i, i)); tag.String() != "INSERT 0 1" {
					t.Fatalf("tag %q", tag)
				}
			}
			mustExec(t, c, `PREPARE pick AS SELECT id, name FROM pe WHERE id BETWEEN $1 AND $1 + 1 ORDER BY id`)
			rows, err := c.Query(bg, `EXECUTE pick(3)`)
			if err != nil {
				t.Fatal(err)
			}
			type row struct {
				ID   int64
				Name string
			}
			got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
			if err != nil || fmt.Sprint(got) != "[{3 n3} {4 n4}]" {
				t.Fatalf("EXECUTE pick(3): %v %v", got, err)
			}
			if fds := rows.FieldDescriptions(); len(fds) != 2 || fds[0].Name != "id" || fds[1].Name != "name" {
				t.Fatalf("columns %v", fds)
			}
			mustExec(t, c, `DEALLOCATE pick`)
			_, err = c.Exec(bg, `EXECUTE pick(3)`)
			if sqlState(err) != "26000" {
				t.Fatalf("after DEALLOCATE: %v", err)
			}
			mustExec(t, c, `DEALLOCATE ALL`)
			if _, err := c.Exec(bg, `EXECUTE ins(9, 'x')`); sqlState(err) != "26000" {
				t.Fatalf("after DEALLOCATE ALL: %v", err)
			}
		})
	}
}
