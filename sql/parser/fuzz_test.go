package parser

import (
	"testing"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// FuzzParse: any text parses or fails with a SQLSTATE; nothing panics,
// and every statement has its text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "SELECT * FROM t AS OF '@seq:5' WHERE a = 1", "SELECT * FROM t FOR SYSTEM_TIME BETWEEN 1 AND $1",
		`INSERT INTO t {"a": [1, {"b": null}]}`, `PATCH t KEY "x" SET {"a": 1}`, "SELECT 1; SELECT $$a;b$$; COMMIT",
		"SELECT 1 AS of, 2 FROM t AS of", "SELECT (((1)))::int8 + -2 || 'x'", "SELECT 'unterminated",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		sts, err := Parse(text)
		if err != nil {
			if pgcode.Of(err) == "" {
				t.Fatalf("%q: error without a code: %v", text, err)
			}
			return
		}
		for _, st := range sts {
			if (st.Stmt == nil) == (st.DriftQL == nil) {
				t.Fatalf("%q: statement with neither or both trees", text)
			}
		}
	})
}
