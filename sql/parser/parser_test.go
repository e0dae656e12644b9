package parser

import (
	"fmt"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// TestParseStatements: statements split where PostgreSQL splits them, each
// with its own text and offset; DriftQL's statements where PostgreSQL's
// grammar refuses them.
func TestParseStatements(t *testing.T) {
	cases := []struct {
		text string
		want []string // per statement: "pg:<node type>" or "driftql"
	}{
		{"SELECT 1", []string{"pg:SelectStmt"}},
		{"", nil},
		{" ; -- nothing\n;", nil},
		{"SELECT 1; SELECT 'a;b'; SELECT $$x;y$$", []string{"pg:SelectStmt", "pg:SelectStmt", "pg:SelectStmt"}},
		{`INSERT INTO t {"id": 1, "s": "a;b"}; SELECT * FROM t`, []string{"driftql", "pg:SelectStmt"}},
		{`PATCH t KEY 1 SET {"a": 2}`, []string{"driftql"}},
		{`CREATE TABLE t (pk=id, INDEX(a))`, []string{"driftql"}},
		{`SHOW DRIFT t KEY "x"; SNAPSHOT t; COMPACT t`, []string{"driftql", "driftql", "driftql"}},
		{`CREATE TABLE t (id int PRIMARY KEY); UPDATE t SET id = 2`, []string{"pg:CreateStmt", "pg:UpdateStmt"}},
	}
	for _, c := range cases {
		sts, err := Parse(c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		var got []string
		for _, st := range sts {
			if st.DriftQL != nil {
				got = append(got, "driftql")
				continue
			}
			name := strings.TrimPrefix(strings.TrimPrefix(typeName(st.Stmt), "*pg_query.Node_"), "*pg_query.")
			got = append(got, "pg:"+name)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%q: got %v, want %v", c.text, got, c.want)
		}
	}
	sts, err := Parse("SELECT 1;\n  SELECT é, 2")
	if err != nil || len(sts) != 2 {
		t.Fatalf("two statements: %v %v", sts, err)
	}
	if sts[1].SQL != "\n  SELECT é, 2" || sts[1].Offset != 9 {
		t.Errorf("second statement: %q at %d", sts[1].SQL, sts[1].Offset)
	}
}

func typeName(n *pg.Node) string {
	switch n.Node.(type) {
	case *pg.Node_SelectStmt:
		return "SelectStmt"
	case *pg.Node_InsertStmt:
		return "InsertStmt"
	case *pg.Node_UpdateStmt:
		return "UpdateStmt"
	case *pg.Node_CreateStmt:
		return "CreateStmt"
	}
	return "other"
}

// TestParseErrors: PostgreSQL's code, message and position (counted in
// characters from the start of the whole query string).
func TestParseErrors(t *testing.T) {
	cases := []struct {
		text, code, msg string
		pos             int
	}{
		{"SELEC 1", "42601", `syntax error at or near "SELEC"`, 1},
		{"SELECT 1; SELECT FROM FROM", "42601", `syntax error at or near "FROM"`, 23},
		{"SELECT 'é'; SELEC 1", "42601", `syntax error at or near "SELEC"`, 13},
		{"SELECT 'abc", "42601", "unterminated quoted string at or near \"'abc\"", 8},
		{"PATCH t KEY", "42601", "", 0},
		// A '{' in a literal does not make an INSERT DriftQL's.
		{`INSERT INTO t VALUES (1, ?, '{"k": 1}')`, "42601", `syntax error at or near ","`, 27},
		{`INSERT INTO t VALUES (E'\'{', ?)`, "42601", `syntax error at or near ")"`, 32},
		{`INSERT INTO t {"k": ?}`, "42601", "", 0},
		{"SELECT 1 FROM t FOR SYSTEM_TIME SOMETIME", "42601", `syntax error at or near "SOMETIME"`, 33},
		{"SELECT 1 FROM t AS OF (1 +)", "42601", `syntax error at or near ")"`, 27},
		{"SELECT x\xff", "22021", "", 0},
		{"SELECT $70000", "54000", "too many parameters", 0},
		{"SELECT " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000), "42601", "", 0},
		// Left-deep chains need no grammar stack: the parser bounds them
		// before PostgreSQL's C code builds (and walks) the tree.
		{"SELECT " + strings.Repeat("1+", 100_000) + "1", "54001", "statement too complex", 0},
		{"SELECT 1" + strings.Repeat("::int", 50_000), "54001", "statement too complex", 0},
		{"SELECT " + strings.Repeat("- ", 100_000) + "1", "54001", "statement too complex", 0},
	}
	for _, c := range cases {
		_, err := Parse(c.text)
		e := pgcode.From(err)
		if err == nil || string(e.Code) != c.code || !strings.Contains(e.Message, c.msg) || c.pos > 0 && e.Position != c.pos {
			t.Errorf("%.40q: got %v (%s at %d), want %s %q at %d", c.text, err, pgcode.Of(err), e.Position, c.code, c.msg, c.pos)
		}
	}
}

// TestTravel: time travel clauses are cut out of the text the grammar
// reads, each tied to its table reference (or to the statement), with
// the rest of the text where it was.
func TestTravel(t *testing.T) {
	type clause struct {
		ref   string // the text at Ref, or "" for the statement
		kind  TravelKind
		exprs int
	}
	cases := []struct {
		text string
		want []clause
	}{
		{`SELECT * FROM t AS OF '@seq:5'`, []clause{{"t", TravelAsOf, 1}}},
		{`SELECT * FROM t AS OF "@seq:5" WHERE a = 1`, []clause{{"t", TravelAsOf, 1}}},
		{`SELECT * FROM t WHERE a = 1 AS OF 5`, []clause{{"", TravelAsOf, 1}}},
		{`SELECT * FROM s.t FOR SYSTEM_TIME AS OF now() - interval '1 hour' AS x JOIN u ON true`, []clause{{"s.t", TravelAsOf, 1}}},
		{`SELECT * FROM t FOR SYSTEM_TIME BETWEEN 1 AND $1 x, u FOR system_time ALL`, []clause{{"t", TravelBetween, 2}, {"u", TravelAll, 0}}},
		{`SELECT * FROM t FOR SYSTEM_TIME FROM '2025-01-01' TO '2026-01-01'`, []clause{{"t", TravelBetween, 2}}},
		{`SELECT * FROM t AS OF -1`, []clause{{"t", TravelAsOf, 1}}},
		{`SELECT * FROM (SELECT * FROM t AS OF 3) s, t`, []clause{{"t", TravelAsOf, 1}}},
		// An alias named "of" is no clause.
		{`SELECT 1 AS of, 2 AS OF FROM t AS of`, nil},
		{`SELECT * FROM t`, nil},
	}
	for _, c := range cases {
		sts, err := Parse(c.text)
		if err != nil || len(sts) != 1 {
			t.Errorf("%s: %v", c.text, err)
			continue
		}
		st := sts[0]
		if len(st.Travel) != len(c.want) {
			t.Errorf("%s: %d clauses, want %d", c.text, len(st.Travel), len(c.want))
			continue
		}
		for i, tr := range st.Travel {
			w := c.want[i]
			ref := ""
			if tr.Ref >= 0 {
				ref = st.SQL[tr.Ref : tr.Ref+len(w.ref)]
			}
			if ref != w.ref || tr.Kind != w.kind || len(tr.Exprs) != w.exprs {
				t.Errorf("%s: clause %d is %q %v with %d points, want %+v", c.text, i, ref, tr.Kind, len(tr.Exprs), w)
			}
		}
		// The grammar read the statement with the clauses blanked: table
		// references start where the clauses say.
		sel := st.Stmt.GetSelectStmt()
		if sel == nil {
			t.Errorf("%s: not a SELECT", c.text)
		}
	}
	// A clause's expression keeps its position in the statement.
	sts, err := Parse(`SELECT * FROM t FOR SYSTEM_TIME AS OF $2`)
	if err != nil {
		t.Fatal(err)
	}
	p := sts[0].Travel[0].Exprs[0].GetParamRef()
	if p == nil || p.Number != 2 || p.Location != 38 || sts[0].NumParams != 2 {
		t.Fatalf("point: %v, %d params", sts[0].Travel[0].Exprs[0], sts[0].NumParams)
	}
}

// TestLift: constants after comparisons become parameters typed as
// PostgreSQL types the constants.
func TestLift(t *testing.T) {
	l, ok := Lift(`SELECT * FROM t WHERE id = 5 AND a = 'x' AND b > 3000000000 AND c < 1.5`)
	if !ok || l.Text != `SELECT * FROM t WHERE id = $1 AND a = $2 AND b > $3 AND c < $4` {
		t.Fatalf("lifted: %q %v", l.Text, ok)
	}
	want := []LitKind{LitInt4, LitUnknown, LitInt8, LitNumeric}
	for i, k := range want {
		if l.Kinds[i] != k {
			t.Errorf("constant %d (%s): kind %d, want %d", i, l.Values[i], l.Kinds[i], k)
		}
	}
	if _, ok := Lift(`SELECT * FROM t WHERE id = $1`); ok {
		t.Error("text with parameters lifted")
	}
}

// TestLongStatements: long statements of flat lists are no deep trees.
func TestLongStatements(t *testing.T) {
	var values, in, or []string
	for i := range 20_000 {
		values = append(values, fmt.Sprintf("(%d, 'x' || %d, -%d)", i, i, i))
		in = append(in, fmt.Sprint(i))
		or = append(or, fmt.Sprintf("a + 1 = %d", i))
	}
	for _, q := range []string{
		"INSERT INTO t VALUES " + strings.Join(values, ", "),
		"SELECT * FROM t WHERE a IN (" + strings.Join(in, ", ") + ")",
		"SELECT * FROM t WHERE " + strings.Join(or, " OR "),
	} {
		if _, err := Parse(q); err != nil {
			t.Errorf("%.40s...: %v", q, err)
		}
	}
}
