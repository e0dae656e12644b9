// Package logictest runs SQL logic tests: files of statements and queries
// with the results they must give, in the spirit of SQLite's sqllogictest
// and CockroachDB's logic tests. The same file runs against DriftDB and
// against PostgreSQL, so that "expected" means what PostgreSQL does; cases
// that only DriftDB has (time travel, DriftQL) are marked.
//
// A file is a sequence of records separated by blank lines:
//
//	# a comment
//	statement ok
//	CREATE TABLE t (id int8 PRIMARY KEY, v text)
//
//	statement error 23505
//	INSERT INTO t VALUES (1, 'a')
//
//	query IT rowsort
//	SELECT id, v FROM t
//	----
//	1 a
//	2 NULL
//
//	onlyif driftdb
//	query I
//	SELECT count(*) FROM t AS OF '@seq:1'
//	----
//	1
//
// statement ok: the SQL must run without error. statement error CODE
// [REGEXP]: it must fail with that SQLSTATE (and a message matching the
// regular expression, when given). query TYPES [nosort|rowsort|valuesort]:
// one letter per result column (I integer, R real or numeric, T text, B
// boolean, any other letter is fine too: the letters count the columns),
// then the SQL, a line "----", and the rows, one per line, values in
// PostgreSQL's text format separated by single spaces; NULL is written
// NULL and the empty string (empty). query error CODE [REGEXP] is a query
// that must fail. A record may be preceded by "onlyif NAME" or "skipif
// NAME" (NAME is driftdb or postgres), and the whole file by "# only
// driftdb" on its first line.
//
// Statements of one record may span lines; a record's SQL is sent as one
// simple-protocol query, so values come back in text format exactly as
// the server prints them.
package logictest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Record is one statement or query of a file.
type Record struct {
	Line     int    // where the record starts, 1-based
	Kind     string // "statement" or "query"
	Types    string // query: the column letters
	Sort     string // query: nosort, rowsort or valuesort
	ErrCode  string // the SQLSTATE an error record wants ("" when it must succeed)
	ErrRE    string // and its message, when given
	SQL      string
	Expected []string // query: the result lines
	OnlyIf   []string
	SkipIf   []string
}

// File is a parsed logic test file.
type File struct {
	Name    string
	Records []*Record
	// Only names the one system the whole file is for ("" for both).
	Only string
}

// Parse reads a logic test file.
func Parse(name string, r io.Reader) (*File, error) {
	f := &File{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return sc.Text(), true
	}
	var onlyIf, skipIf []string
	for {
		text, ok := next()
		if !ok {
			break
		}
		if line == 1 {
			if sys, ok := strings.CutPrefix(strings.TrimSpace(text), "# only "); ok {
				f.Only = strings.TrimSpace(sys)
			}
		}
		t := strings.TrimSpace(text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		fields := strings.Fields(t)
		switch fields[0] {
		case "onlyif":
			if len(fields) < 2 {
				return nil, fmt.Errorf("%s:%d: onlyif without a name", name, line)
			}
			onlyIf = append(onlyIf, fields[1])
			continue
		case "skipif":
			if len(fields) < 2 {
				return nil, fmt.Errorf("%s:%d: skipif without a name", name, line)
			}
			skipIf = append(skipIf, fields[1])
			continue
		case "statement", "query":
		default:
			return nil, fmt.Errorf("%s:%d: want statement or query, not %q", name, line, fields[0])
		}
		rec := &Record{Line: line, Kind: fields[0], OnlyIf: onlyIf, SkipIf: skipIf, Sort: "nosort"}
		onlyIf, skipIf = nil, nil
		switch {
		case len(fields) >= 3 && fields[1] == "error":
			rec.ErrCode = fields[2]
			if i := strings.Index(t, fields[2]); len(fields) > 3 {
				rec.ErrRE = strings.TrimSpace(t[i+len(fields[2]):])
			}
		case fields[0] == "statement":
			if len(fields) != 2 || fields[1] != "ok" {
				return nil, fmt.Errorf("%s:%d: want statement ok or statement error CODE", name, line)
			}
		default:
			if len(fields) < 2 {
				return nil, fmt.Errorf("%s:%d: query without column types", name, line)
			}
			rec.Types = fields[1]
			if len(fields) > 2 {
				rec.Sort = fields[2]
				switch rec.Sort {
				case "nosort", "rowsort", "valuesort":
				default:
					return nil, fmt.Errorf("%s:%d: unknown sort mode %q", name, line, rec.Sort)
				}
			}
		}
		var sql []string
		inResult := false
		for {
			text, ok := next()
			if !ok || strings.TrimSpace(text) == "" {
				break
			}
			if rec.Kind == "query" && rec.ErrCode == "" && text == "----" {
				inResult = true
				continue
			}
			if inResult {
				rec.Expected = append(rec.Expected, text)
			} else {
				sql = append(sql, text)
			}
		}
		if len(sql) == 0 {
			return nil, fmt.Errorf("%s:%d: %s without SQL", name, rec.Line, rec.Kind)
		}
		rec.SQL = strings.Join(sql, "\n")
		f.Records = append(f.Records, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// ParseFile reads a logic test file from disk.
func ParseFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return Parse(path, fh)
}

// Runs reports whether the record runs on the named system.
func (r *Record) Runs(system string) bool {
	for _, s := range r.SkipIf {
		if s == system {
			return false
		}
	}
	if len(r.OnlyIf) == 0 {
		return true
	}
	for _, s := range r.OnlyIf {
		if s == system {
			return true
		}
	}
	return false
}

// Failure is a record whose outcome differs from what the file says.
type Failure struct {
	Record *Record
	Got    []string // the result lines, or the error, as the file would write them
	Msg    string
}

func (f *Failure) Error() string {
	return fmt.Sprintf("line %d: %s\n%s\n  got:\n    %s\n  want:\n    %s", f.Record.Line, f.Msg, indent(f.Record.SQL),
		strings.Join(f.Got, "\n    "), strings.Join(f.Record.Expected, "\n    "))
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

// Run runs one record on a connection: nil when the outcome is what the
// record says, else a *Failure (or the error that kept it from running).
// Got is filled in for queries either way, so that a caller can rewrite the
// file from it.
func Run(ctx context.Context, c *pgconn.PgConn, r *Record) (got []string, err error) {
	results, err := readAll(c.Exec(ctx, r.SQL))
	var pgErr *pgconn.PgError
	if err != nil && !asPgError(err, &pgErr) {
		return nil, err // the connection, not the statement
	}
	if r.ErrCode != "" {
		if pgErr == nil {
			return nil, &Failure{Record: r, Msg: "succeeded, want error " + r.ErrCode}
		}
		if pgErr.Code != r.ErrCode {
			return nil, &Failure{Record: r, Got: []string{pgErr.Code + " " + pgErr.Message}, Msg: "wrong error code, want " + r.ErrCode}
		}
		if r.ErrRE != "" {
			re, err := regexp.Compile(r.ErrRE)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", r.Line, err)
			}
			if !re.MatchString(pgErr.Message) {
				return nil, &Failure{Record: r, Got: []string{pgErr.Code + " " + pgErr.Message}, Msg: "message does not match " + r.ErrRE}
			}
		}
		return nil, nil
	}
	if pgErr != nil {
		return nil, &Failure{Record: r, Got: []string{pgErr.Code + " " + pgErr.Message}, Msg: "failed"}
	}
	if r.Kind == "statement" {
		return nil, nil
	}
	if len(results) == 0 {
		return nil, &Failure{Record: r, Msg: "no result"}
	}
	res := results[len(results)-1]
	if len(res.FieldDescriptions) != len(r.Types) {
		return nil, &Failure{Record: r, Msg: fmt.Sprintf("%d columns, the record's types say %d", len(res.FieldDescriptions), len(r.Types))}
	}
	got = Format(res.Rows, r.Sort)
	if !equal(got, r.Expected) {
		return got, &Failure{Record: r, Got: got, Msg: "result differs"}
	}
	return got, nil
}

// readAll reads every result of a query. pgconn's ReadAll leaves a
// result's column descriptions out when it has no rows: take them from
// the reader.
func readAll(mrr *pgconn.MultiResultReader) ([]*pgconn.Result, error) {
	var out []*pgconn.Result
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		fds := append([]pgconn.FieldDescription(nil), rr.FieldDescriptions()...)
		res := rr.Read()
		res.FieldDescriptions = fds
		out = append(out, res)
	}
	return out, mrr.Close()
}

// Format writes rows as a file writes them, sorted as mode says.
func Format(rows [][][]byte, mode string) []string {
	var lines []string
	switch mode {
	case "valuesort":
		var vals []string
		for _, row := range rows {
			for _, v := range row {
				vals = append(vals, value(v))
			}
		}
		sort.Strings(vals)
		return vals
	default:
		for _, row := range rows {
			vals := make([]string, len(row))
			for i, v := range row {
				vals[i] = value(v)
			}
			lines = append(lines, strings.Join(vals, " "))
		}
	}
	if mode == "rowsort" {
		sort.Strings(lines)
	}
	return lines
}

func value(v []byte) string {
	switch {
	case v == nil:
		return "NULL"
	case len(v) == 0:
		return "(empty)"
	}
	return string(v)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func asPgError(err error, out **pgconn.PgError) bool { return errors.As(err, out) }

// Rewrite writes the file back with the expected rows of each query
// replaced by got[record] where given: for refreshing expectations after a
// reviewed change.
func Rewrite(path string, got map[int][]string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		rows, ok := got[i+1]
		if !ok {
			continue
		}
		// Copy the record's SQL up to "----", then replace its rows.
		for i+1 < len(lines) && lines[i+1] != "----" && strings.TrimSpace(lines[i+1]) != "" {
			i++
			out = append(out, lines[i])
		}
		out = append(out, "----")
		if i+1 < len(lines) && lines[i+1] == "----" {
			i++
			for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
				i++
			}
		}
		out = append(out, rows...)
	}
	return os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644)
}
