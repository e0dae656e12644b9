package types

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// The expected answers of the text tests are PostgreSQL 15's. They live
// in testdata/*.txt, one case a line:
//
//	[@tz=Zone] kind type-or-types "input" => "output"
//	[@tz=Zone] kind type-or-types "input" !! CODE "message"
//
// kind is "in" (the type's input and output functions: SELECT $1::type),
// "cast" (from:to, an explicit cast of a value of from) or "assign"
// (from:to, a value of from stored into a column of to). When
// DRIFTDB_PG_URL names a server, every case also runs there and must
// give the recorded answer; go test -run TestPG -rewrite rewrites the
// files with the server's answers. "local" cases (now, today) skip the
// server.

var rewrite = flag.Bool("rewrite", false, "rewrite testdata expectations from the PostgreSQL at DRIFTDB_PG_URL")

type pgCase struct {
	line    int
	tz      string
	efd     string // extra_float_digits, when not 1
	order   string // the DateStyle order, when not MDY
	local   bool
	kind    string
	from    string // the type of in, cast and assign
	to      string // cast and assign
	input   string
	want    string // output, if no error
	code    string // error code, if any
	message string
}

func (c *pgCase) String() string {
	var b strings.Builder
	if c.tz != "" {
		b.WriteString("@tz=" + c.tz + " ")
	}
	if c.efd != "" {
		b.WriteString("@efd=" + c.efd + " ")
	}
	if c.order != "" {
		b.WriteString("@order=" + c.order + " ")
	}
	if c.local {
		b.WriteString("@local ")
	}
	b.WriteString(c.kind + " ")
	if c.to != "" {
		b.WriteString(c.from + ":" + c.to)
	} else {
		b.WriteString(c.from)
	}
	b.WriteString(" " + strconv.Quote(c.input))
	if c.code != "" {
		b.WriteString(" !! " + c.code + " " + strconv.Quote(c.message))
	} else {
		b.WriteString(" => " + strconv.Quote(c.want))
	}
	return b.String()
}

func parseCaseLine(line string, n int) (*pgCase, error) {
	c := &pgCase{line: n}
	rest := strings.TrimSpace(line)
	word := func() string {
		rest = strings.TrimLeft(rest, " ")
		i := strings.IndexByte(rest, ' ')
		if i < 0 {
			i = len(rest)
		}
		w := rest[:i]
		rest = rest[i:]
		return w
	}
	quotedStr := func() (string, error) {
		rest = strings.TrimLeft(rest, " ")
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return "", fmt.Errorf("line %d: want a quoted string at %q", n, rest)
		}
		rest = rest[len(q):]
		return strconv.Unquote(q)
	}
	w := word()
	for strings.HasPrefix(w, "@") {
		switch {
		case strings.HasPrefix(w, "@tz="):
			c.tz = w[4:]
		case strings.HasPrefix(w, "@efd="):
			c.efd = w[5:]
		case strings.HasPrefix(w, "@order="):
			c.order = w[7:]
		case w == "@local":
			c.local = true
		default:
			return nil, fmt.Errorf("line %d: unknown option %s", n, w)
		}
		w = word()
	}
	c.kind = w
	types := word()
	switch c.kind {
	case "in":
		c.from = types
	case "cast", "assign":
		from, to, ok := strings.Cut(types, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: want from:to", n)
		}
		c.from, c.to = from, to
	default:
		return nil, fmt.Errorf("line %d: unknown kind %q", n, c.kind)
	}
	var err error
	if c.input, err = quotedStr(); err != nil {
		return nil, err
	}
	switch op := word(); op {
	case "=>":
		if c.want, err = quotedStr(); err != nil {
			return nil, err
		}
	case "!!":
		c.code = word()
		if c.message, err = quotedStr(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("line %d: want => or !!, got %q", n, op)
	}
	return c, nil
}

// loadCases reads a case file; lines that are not cases (comments, blank
// lines) are kept for rewriting.
func loadCases(t *testing.T, path string) (cases []*pgCase, lines []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		lines = append(lines, line)
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		c, err := parseCaseLine(line, n)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases, lines
}

// testClock is the fixed "now" of local cases: 2025-01-31 12:34:56.789 UTC.
var testClock = time.Date(2025, 1, 31, 12, 34, 56, 789000000, time.UTC)

func caseContext(t *testing.T, c *pgCase) *Context {
	ctx := DefaultContext()
	ctx.Now = func() time.Time { return testClock }
	if c.tz != "" {
		ctx.TimeZone = LookupZone(c.tz)
		if ctx.TimeZone == nil {
			t.Fatalf("line %d: unknown zone %s", c.line, c.tz)
		}
	}
	if c.efd != "" {
		ctx.ExtraFloatDigits, _ = strconv.Atoi(c.efd)
	}
	switch c.order {
	case "DMY":
		ctx.DateOrder = DateOrderDMY
	case "YMD":
		ctx.DateOrder = DateOrderYMD
	}
	return ctx
}

// typeByName resolves a test's type name: a catalog name, with "[]" for
// arrays and "(n)" or "(p,s)" for a modifier.
func typeByName(t *testing.T, name string) *T {
	t.Helper()
	isArray := strings.HasSuffix(name, "[]")
	name = strings.TrimSuffix(name, "[]")
	mod := int32(-1)
	if fields, ok := strings.CutPrefix(name, "interval_"); ok {
		// interval_day_to_second(3): PostgreSQL's typmod, fields << 16 | precision.
		prec := int32(0xFFFF)
		if i := strings.IndexByte(fields, '('); i >= 0 {
			p, _ := strconv.Atoi(strings.TrimSuffix(fields[i+1:], ")"))
			prec, fields = int32(p), fields[:i]
		}
		bits := map[string]int32{"year": ivYear, "month": ivMonth, "day": ivDay, "hour": ivHour, "minute": ivMinute, "second": ivSecond}
		parts := strings.Split(fields, "_to_")
		var rng int32
		if len(parts) == 1 {
			rng = bits[parts[0]]
		} else {
			on := false
			for _, f := range []string{"year", "month", "day", "hour", "minute", "second"} {
				if f == parts[0] {
					on = true
				}
				if on {
					rng |= bits[f]
				}
				if f == parts[1] {
					break
				}
			}
		}
		typ := Interval.WithMod(rng<<16 | prec)
		if isArray {
			typ = ArrayOf(typ)
		}
		return typ
	}
	if i := strings.IndexByte(name, '('); i >= 0 {
		args := strings.Split(strings.TrimSuffix(name[i+1:], ")"), ",")
		name = name[:i]
		a, _ := strconv.Atoi(args[0])
		switch name {
		case "varchar", "bpchar", "char", "character", "character varying":
			mod = int32(a) + 4
		case "numeric", "decimal":
			s := 0
			if len(args) > 1 {
				s, _ = strconv.Atoi(args[1])
			}
			mod = int32(a<<16|s&0x7ff) + 4
		case "interval":
			mod = int32(0x7FFF<<16 | a)
		default:
			mod = int32(a)
		}
	}
	typ, ok := ByName(strings.ReplaceAll(name, "_", " "))
	if name == "char" {
		typ = Char
	}
	if !ok {
		typ, ok = ByName(name)
	}
	if !ok {
		t.Fatalf("unknown type %q", name)
	}
	typ = typ.WithMod(mod)
	if isArray {
		typ = ArrayOf(typ)
	}
	return typ
}

// sqlType writes a test's type name for PostgreSQL.
func sqlType(name string) string {
	base := strings.TrimSuffix(name, "[]")
	suffix := name[len(base):]
	if base == "char" {
		return `"char"` + suffix
	}
	if fields, ok := strings.CutPrefix(base, "interval_"); ok {
		prec := ""
		if i := strings.IndexByte(fields, '('); i >= 0 {
			prec, fields = fields[i:], fields[:i]
		}
		return "interval " + strings.ReplaceAll(fields, "_", " ") + prec + suffix
	}
	return strings.ReplaceAll(base, "_", " ") + suffix
}

// runOurs computes a case with this package: the output or the error.
func runOurs(t *testing.T, c *pgCase) (out string, err error) {
	ctx := caseContext(t, c)
	from := typeByName(t, c.from)
	d, err := ParseText(c.input, from, ctx)
	if err != nil {
		return "", err
	}
	typ := from
	if c.kind != "in" {
		to := typeByName(t, c.to)
		cc := ContextExplicit
		if c.kind == "assign" {
			cc = ContextAssignment
		}
		d, err = CastWith(d, from, to, cc, ctx)
		if err != nil {
			return "", err
		}
		typ = to
	}
	if d == nil {
		return "NULL", nil
	}
	return FormatText(d, typ, ctx), nil
}

func checkAnswer(c *pgCase, out string, err error) string {
	if c.code != "" {
		if err == nil {
			return fmt.Sprintf("got %q, want error %s %q", out, c.code, c.message)
		}
		var pe *pgcode.Error
		if !errors.As(err, &pe) {
			return fmt.Sprintf("error %v is not a *pgcode.Error", err)
		}
		if string(pe.Code) != c.code || pe.Message != c.message {
			return fmt.Sprintf("got error %s %q, want %s %q", pe.Code, pe.Message, c.code, c.message)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("got error %v (%s), want %q", err, pgcode.Of(err), c.want)
	}
	if out != c.want {
		return fmt.Sprintf("got %q, want %q", out, c.want)
	}
	return ""
}

// pgConn connects to DRIFTDB_PG_URL, or returns nil when it is not set.
func pgConn(t *testing.T) *pgx.Conn {
	url := os.Getenv("DRIFTDB_PG_URL")
	if url == "" {
		if *rewrite {
			t.Fatal("-rewrite needs DRIFTDB_PG_URL")
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("DRIFTDB_PG_URL: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for _, q := range []string{"SET DateStyle = 'ISO, MDY'", "SET IntervalStyle = postgres", "SET extra_float_digits = 1", "SET bytea_output = hex"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return conn
}

// runPG computes a case on PostgreSQL: output in text format, or the
// error's code and message.
func runPG(t *testing.T, conn *pgx.Conn, c *pgCase) (out string, code string, msg string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tz := c.tz
	if tz == "" {
		tz = "UTC"
	}
	efd, order := c.efd, c.order
	if efd == "" {
		efd = "1"
	}
	if order == "" {
		order = "MDY"
	}
	for _, q := range []string{"SET TimeZone = '" + tz + "'", "SET extra_float_digits = " + efd, "SET DateStyle = 'ISO, " + order + "'"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var sql string
	switch c.kind {
	case "in":
		sql = "SELECT $1::" + sqlType(c.from)
	case "cast":
		sql = "SELECT CAST($1::" + sqlType(c.from) + " AS " + sqlType(c.to) + ")"
	case "assign":
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS pg_temp.assign_target; CREATE TEMP TABLE assign_target (v "+sqlType(c.to)+")"); err != nil {
			t.Fatalf("line %d: %v", c.line, err)
		}
		sql = "INSERT INTO pg_temp.assign_target VALUES ($1::" + sqlType(c.from) + ") RETURNING v"
	}
	params := [][]byte{[]byte(c.input)}
	if c.kind == "in" && strings.HasPrefix(c.from, "interval_") {
		// An interval's fields change how its input reads, and a
		// parameter is read without them: ask as a literal.
		sql = "SELECT '" + strings.ReplaceAll(c.input, "'", "''") + "'::" + sqlType(c.from)
		params = nil
	}
	res := conn.PgConn().ExecParams(ctx, sql, params, nil, nil, []int16{0}).Read()
	if res.Err != nil {
		var pe *pgconn.PgError
		if errors.As(res.Err, &pe) {
			return "", pe.Code, pe.Message
		}
		t.Fatalf("line %d: %v", c.line, res.Err)
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != 1 {
		t.Fatalf("line %d: unexpected result %v", c.line, res.Rows)
	}
	if res.Rows[0][0] == nil {
		return "NULL", "", ""
	}
	return string(res.Rows[0][0]), "", ""
}

// runCaseFile checks every case of a file against this package and,
// when a server is at hand, against PostgreSQL.
func runCaseFile(t *testing.T, path string) {
	cases, lines := loadCases(t, path)
	conn := pgConn(t)
	changed := false
	for _, c := range cases {
		if conn != nil && !c.local {
			out, code, msg := runPG(t, conn, c)
			pgWant := *c
			pgWant.want, pgWant.code, pgWant.message = out, code, msg
			if pgWant.String() != c.String() {
				if *rewrite {
					lines[c.line-1] = pgWant.String()
					*c = pgWant
					changed = true
				} else {
					t.Errorf("%s:%d: PostgreSQL answers %s", path, c.line, pgWant.String())
				}
			}
		}
		out, err := runOurs(t, c)
		if msg := checkAnswer(c, out, err); msg != "" {
			t.Errorf("%s:%d: %s: %s", path, c.line, c.String(), msg)
		}
	}
	if changed {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPGTextIO(t *testing.T) { runCaseFile(t, "testdata/text_io.txt") }

func TestPGCasts(t *testing.T) { runCaseFile(t, "testdata/casts.txt") }

func TestPGCastPairs(t *testing.T) { runCaseFile(t, "testdata/cast_pairs.txt") }
