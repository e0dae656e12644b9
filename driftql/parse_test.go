package driftql

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden parses every statement of testdata/*.driftql and compares
// the ASTs, as JSON, with testdata/*.golden (rewritten with -update).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.driftql")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stmts, err := Parse(string(src))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got, err := json.MarshalIndent(stmts, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		golden := strings.TrimSuffix(f, ".driftql") + ".golden"
		if *update {
			os.WriteFile(golden, append(got, '\n'), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if string(want) != string(got)+"\n" {
			t.Fatalf("%s: AST differs from %s (run go test -update and review the diff)", f, golden)
		}
	}
}

func parseOne(t *testing.T, src string) *Statement {
	t.Helper()
	stmts, err := Parse(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if len(stmts) != 1 {
		t.Fatalf("%s: %d statements", src, len(stmts))
	}
	return stmts[0]
}

// TestQuotingRule: a double-quoted token is a string where a value stands
// and a name elsewhere.
func TestQuotingRule(t *testing.T) {
	s := parseOne(t, `SELECT "status" FROM "users" WHERE "status" = "paid" AND "users"."kind" IN ("a", 'b')`)
	sel := s.Select
	if got := sel.Items[0].Expr.Or[0].And[0].Cond.Left.Left.Left.Primary.Column.String(); got != "status" {
		t.Fatalf("select item: %q", got)
	}
	conds := sel.Where.Or[0].And
	right := conds[0].Cond.Right.Left.Left.Primary
	if right.Str == nil || *right.Str != "paid" || right.Column != nil {
		t.Fatalf("right side of = is not a string: %+v", right)
	}
	left := conds[1].Cond.Left.Left.Left.Primary
	if left.Column == nil || left.Column.String() != "users.kind" {
		t.Fatalf("qualified name: %+v", left)
	}
	in := conds[1].Cond.In.Values
	if in[0].Left.Left.Primary.Str == nil || *in[0].Left.Left.Primary.Str != "a" || *in[1].Left.Left.Primary.SQ != "b" {
		t.Fatalf("IN list: %+v", in)
	}
	// Unquoted names fold to lower case; quoted ones keep theirs.
	s = parseOne(t, `select Amount, "CamelCase" from Orders`)
	if s.Select.From.Table.String() != "orders" ||
		s.Select.Items[0].Expr.Or[0].And[0].Cond.Left.Left.Left.Primary.Column.String() != "amount" ||
		s.Select.Items[1].Expr.Or[0].And[0].Cond.Left.Left.Left.Primary.Column.String() != "CamelCase" {
		t.Fatalf("case folding: %+v", s.Select)
	}
}

func TestDocumentText(t *testing.T) {
	s := parseOne(t, `INSERT INTO t {"z": 1, "a": {"y": [1.50, -2e3, null]}, "big": 123456789012345678901234567890, "s": "caf\u00e9\n"}`)
	want := `{"z": 1, "a": {"y": [1.50, -2e3, null]}, "big": 123456789012345678901234567890, "s": "café\n"}`
	if got := s.Insert.Doc.Text(); got != want {
		t.Fatalf("document text:\n got %s\nwant %s", got, want)
	}
	var v any
	if err := json.Unmarshal([]byte(s.Insert.Doc.Text()), &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
}

func TestStatementText(t *testing.T) {
	stmts, err := Parse("  SELECT 1 ;\n-- c\nSELECT $3, $12 ; ;")
	if err != nil || len(stmts) != 2 {
		t.Fatalf("%v %v", stmts, err)
	}
	if stmts[0].SQL != "SELECT 1" || stmts[1].SQL != "SELECT $3, $12" {
		t.Fatalf("texts %q %q", stmts[0].SQL, stmts[1].SQL)
	}
	if stmts[1].MaxParam() != 12 || stmts[0].MaxParam() != 0 {
		t.Fatalf("params %d %d", stmts[0].MaxParam(), stmts[1].MaxParam())
	}
	for _, empty := range []string{"", "  ", "-- nothing", "/* x */ ;", ";;"} {
		if st, err := Parse(empty); err != nil || len(st) != 0 {
			t.Fatalf("%q: %v %v", empty, st, err)
		}
	}
}

// TestSyntaxErrors pins the message and place of errors.
func TestSyntaxErrors(t *testing.T) {
	cases := []struct {
		src, where, msg string
		pos             int
	}{
		{`SELEC 1`, "1:1", `syntax error at or near "SELEC"`, 1},
		{`SELECT * FROM`, "1:14", `syntax error at end of input`, 14},
		{"SELECT 1;\nSELECT * FROM t WHERE", "2:22", `syntax error at end of input`, 32},
		{`INSERT INTO t {"a": }`, "1:21", `syntax error at or near "}"`, 21},
		{`SELECT 'é' FORM t`, "1:17", `syntax error at or near "t"`, 17}, // FORM is an alias, as in PostgreSQL
		{`PATCH t KEY SET {}`, "1:13", `syntax error at or near "SET"`, 13},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		e, ok := err.(*Error)
		if !ok {
			t.Fatalf("%s: %v", c.src, err)
		}
		if e.Where() != c.where || e.Msg != c.msg || e.Position != c.pos || e.SQLState() != "42601" {
			t.Errorf("%s: got %s %q pos %d, want %s %q pos %d", c.src, e.Where(), e.Msg, e.Position, c.where, c.msg, c.pos)
		}
	}
}

func TestGrammarPrints(t *testing.T) {
	if g := Grammar(); !strings.Contains(g, "Statement") || len(g) < 500 {
		t.Fatalf("grammar: %q", g)
	}
}

// TestPathNamesFolded: a parsed statement's paths carry their names folded
// once (unquoted names to lower case, quoted ones as written), and Strings
// hands them out without a copy; a Path built by hand folds on each call.
func TestPathNamesFolded(t *testing.T) {
	stmts, err := Parse(`SELECT Addr.City, "Mixed" FROM Public.Users WHERE "Zip" = 1`)
	if err != nil {
		t.Fatal(err)
	}
	sel := stmts[0].Select
	table := sel.From.Table
	if got := table.Strings(); len(got) != 2 || got[0] != "public" || got[1] != "users" {
		t.Fatalf("table path %q", got)
	}
	var paths []*Path
	WalkOperands(sel.Items[0].Expr, func(u *Unary) {
		if p := u.Primary; p != nil && p.Column != nil {
			paths = append(paths, p.Column)
		}
	})
	if len(paths) != 1 {
		t.Fatalf("found %d column paths in the first item", len(paths))
	}
	if got := paths[0].Strings(); len(got) != 2 || got[0] != "addr" || got[1] != "city" {
		t.Fatalf("column path %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = table.Strings() }); n != 0 {
		t.Fatalf("Strings of a parsed path allocates %v times", n)
	}
	byHand := &Path{Parts: []*Name{{Ident: "ABC"}, {Quoted: "Def"}}}
	if got := byHand.Strings(); len(got) != 2 || got[0] != "abc" || got[1] != "Def" {
		t.Fatalf("hand-made path %q", got)
	}
}

// TestParseLimits: text that cannot be parsed safely gets its own code
// and place: invalid UTF-8 (22021), nesting beyond MaxNesting (54001,
// whatever the depth: a goroutine's stack overflow would end the process);
// brackets inside strings, quoted names and comments do not count.
func TestParseLimits(t *testing.T) {
	deep := func(n int) string {
		return "SELECT " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n)
	}
	for _, tc := range []struct {
		name, src, code string
		pos             int
	}{
		{"utf8", "INSERT INTO t (id, v) VALUES (5, 'x\xc3(y')", "22021", 36},
		{"deep", deep(100_000), "54001", 8 + MaxNesting},
		{"deep json", "INSERT INTO t " + strings.Repeat(`{"a": `, MaxNesting+1) + "1" + strings.Repeat("}", MaxNesting+1), "54001", 15 + 6*MaxNesting},
		{"deep in", "SELECT * FROM t WHERE a IN " + strings.Repeat("(", 5000), "54001", 28 + MaxNesting},
	} {
		_, err := Parse(tc.src)
		var e *Error
		if !errors.As(err, &e) || e.SQLState() != tc.code || e.Position != tc.pos {
			t.Errorf("%s: %v (%+v), want %s at %d", tc.name, err, e, tc.code, tc.pos)
		}
	}
	if _, err := Parse(deep(MaxNesting)); err != nil {
		t.Errorf("nesting at the limit: %v", err)
	}
	quoted := strings.Repeat("(", 5000)
	for _, src := range []string{
		"SELECT '" + quoted + "'",
		`SELECT "` + quoted + `" FROM t`,
		"SELECT 1 -- " + quoted,
		"SELECT 1 /* " + quoted + " */",
		`INSERT INTO t {"id": 1, "s": "` + quoted + `\" ` + quoted + `"}`,
	} {
		if _, err := Parse(src); err != nil && strings.Contains(err.Error(), "too complex") {
			t.Errorf("brackets that are not nesting counted: %.40s...: %v", src, err)
		}
	}
}
