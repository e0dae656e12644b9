package driftql

import (
	"reflect"
	"testing"
)

func TestAppendLifted(t *testing.T) {
	cases := []struct {
		in, out string
		lits    []Literal
		ok      bool
	}{
		{`SELECT * FROM t WHERE id = 42`, `SELECT * FROM t WHERE id = $1`, []Literal{{Number: true, Text: "42"}}, true},
		{`select a from t where s='it''s' and n>=1.5e3 and m<>-1`, `select a from t where s=$1 and n>=$2 and m<>-1`,
			[]Literal{{Text: "it's"}, {Number: true, Text: "1.5e3"}}, true},
		{`SELECT 1, 'x' FROM t LIMIT 10`, `SELECT 1, 'x' FROM t LIMIT 10`, nil, true},
		{`INSERT INTO t {"a": 1, "b": "x = 2"}`, `INSERT INTO t {"a": 1, "b": "x = 2"}`, nil, true},
		{`SELECT * FROM t WHERE status="paid" AND x = E'a\n'`, `SELECT * FROM t WHERE status="paid" AND x = E'a\n'`, nil, true},
		{`SELECT * FROM t WHERE a = 1 -- = 2` + "\n" + `AND b = 'y' /* = 3 */`, `SELECT * FROM t WHERE a = $1 -- = 2` + "\n" + `AND b = $2 /* = 3 */`,
			[]Literal{{Number: true, Text: "1"}, {Text: "y"}}, true},
		{`SELECT * FROM t WHERE id = $1`, "", nil, false},
		{`SELECT 'unterminated`, "", nil, false},
		{`SET application_name = 'psql'; SELECT x FROM t WHERE y < 3`, `SET application_name = $1; SELECT x FROM t WHERE y < $2`,
			[]Literal{{Text: "psql"}, {Number: true, Text: "3"}}, true},
		{`SELECT * FROM t WHERE s = 'status-' || 42 AS OF 7`, `SELECT * FROM t WHERE s = $1 || $2 AS OF $3`,
			[]Literal{{Text: "status-"}, {Number: true, Text: "42"}, {Number: true, Text: "7"}}, true},
		{`select * from t as of '2025-01-01T00:00:00Z'`, `select * from t as of $1`, []Literal{{Text: "2025-01-01T00:00:00Z"}}, true},
		{`INSERT INTO t (a, b) VALUES (1, 'x'), (2.5, lower('Y')) RETURNING a, 3`, `INSERT INTO t (a, b) VALUES ($1, $2), ($3, lower($4)) RETURNING a, 3`,
			[]Literal{{Number: true, Text: "1"}, {Text: "x"}, {Number: true, Text: "2.5"}, {Text: "Y"}}, true},
		{`INSERT INTO t {"a": 1}; SELECT f(1, 2) FROM t`, `INSERT INTO t {"a": 1}; SELECT f(1, 2) FROM t`, nil, true},
		{`PATCH t KEY 5 SET {"a": 1}`, `PATCH t KEY $1 SET {"a": 1}`, []Literal{{Number: true, Text: "5"}}, true},
	}
	// The buffers are reused from case to case, as a session does.
	var buf []byte
	var lits []Literal
	for _, c := range cases {
		var ok bool
		buf, lits, ok = AppendLifted(buf[:0], lits[:0], c.in)
		out := string(buf)
		same := len(lits) == len(c.lits) && (len(lits) == 0 || reflect.DeepEqual(lits, c.lits))
		if ok != c.ok || (ok && (out != c.out || !same)) {
			t.Errorf("%s:\n got %q %v %v\nwant %q %v %v", c.in, out, lits, ok, c.out, c.lits, c.ok)
		}
	}
}
