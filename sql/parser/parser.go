// Package parser is the front end of DriftDB's SQL: it reads a query
// string into statements. PostgreSQL's own grammar (pg_query) reads every
// statement it can; DriftQL's grammar (package driftql) reads the
// statements only DriftDB has (PATCH, SOFT DELETE, SHOW DRIFT, SNAPSHOT,
// COMPACT, INSERT INTO t {doc}, CREATE TABLE t (pk=...)), and is tried only
// where PostgreSQL's grammar reports a syntax error, so that nothing
// PostgreSQL reads is read differently.
//
// Time travel clauses (AS OF, FOR SYSTEM_TIME ...) are no part of
// PostgreSQL's grammar: the parser finds them with PostgreSQL's scanner,
// blanks them out of the text it parses (so that every other position
// stays where it was) and hands them on beside the tree.
package parser

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v6"
	pgerr "github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/driftdb/driftdb/driftql"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// MaxInput bounds the statement text the parser accepts.
const MaxInput = driftql.MaxInput

// MaxParams is the highest parameter number a statement may use: a Bind
// message carries at most that many values.
const MaxParams = 65535

// Statement is one statement of a query string.
type Statement struct {
	// SQL is the statement's text as the client sent it, travel clauses
	// included; tree locations are byte offsets in it.
	SQL string
	// Offset is how many characters of the query string come before the
	// statement: error positions count from the start of the query.
	Offset int
	// Stmt is the statement as PostgreSQL's grammar reads it; nil for a
	// DriftQL statement.
	Stmt *pg.Node
	// DriftQL is the statement as DriftQL's grammar reads it, when
	// PostgreSQL's grammar does not.
	DriftQL *driftql.Statement
	// NumParams is the highest $n the statement uses.
	NumParams int
	// Travel are its time travel clauses.
	Travel []Travel
}

// Pos is the error position of the tree location loc: characters from the
// start of the query string, counting from 1; 0 for none.
func (p *Statement) Pos(loc int32) int {
	return Position(p.SQL, p.Offset, loc)
}

// Position is the error position of byte offset loc in text, a statement
// that starts offset characters into its query string: characters from
// the start of the query string, counting from 1; 0 for none.
func Position(text string, offset int, loc int32) int {
	if loc < 0 || int(loc) > len(text) {
		return 0
	}
	return offset + utf8.RuneCountInString(text[:loc]) + 1
}

// With is the statement with another tree in place of its own, as when it
// runs as another statement it implies: the text, offset, parameters and
// time travel stay, so errors point into the text sent.
func (p *Statement) With(n *pg.Node) *Statement {
	return &Statement{SQL: p.SQL, Offset: p.Offset, Stmt: n, NumParams: p.NumParams, Travel: p.Travel}
}

// TravelKind is what a time travel clause asks for. Its values are those
// of plan.TravelKind.
type TravelKind uint8

// Travel kinds.
const (
	TravelAsOf    TravelKind = iota + 1 // AS OF p, FOR SYSTEM_TIME AS OF p
	TravelBetween                       // FOR SYSTEM_TIME BETWEEN a AND b, FROM a TO b
	TravelAll                           // FOR SYSTEM_TIME ALL
)

// Travel is a time travel clause cut out of a statement.
type Travel struct {
	// Ref is the byte offset in SQL of the table reference the clause
	// follows (the location of its RangeVar), or -1 when it is given for
	// the whole statement.
	Ref   int
	Kind  TravelKind
	Exprs []*pg.Node
	// Pos is the clause's 1-based character position in the query
	// string, for errors.
	Pos int
}

// Parse reads text into its statements, in order. Empty text, or text of
// only comments and semicolons, gives none.
func Parse(text string) ([]*Statement, error) {
	if len(text) > MaxInput {
		return nil, pgcode.Newf(pgcode.ProgramLimitExceeded, "statement text of %d bytes exceeds the limit of %d", len(text), MaxInput)
	}
	if !utf8.ValidString(text) {
		return nil, invalidUTF8(text)
	}
	if n := numParams(text); n > MaxParams {
		return nil, pgcode.Newf(pgcode.ProgramLimitExceeded, "too many parameters: the statement uses $%d, a Bind carries at most %d", n, MaxParams)
	}
	if err := checkDepth(text); err != nil {
		return nil, err
	}
	// The whole text at once: one call into the grammar for the common
	// case of one statement.
	st, first := parseOne(text, 0)
	if first == nil {
		if st == nil {
			return nil, nil
		}
		return []*Statement{st}, nil
	}
	pieces, err := split(text)
	if err != nil {
		return nil, err
	}
	if len(pieces) == 1 && first != errMany {
		return nil, first
	}
	out := make([]*Statement, 0, len(pieces))
	for _, p := range pieces {
		st, err := parseOne(text[p.start:p.end], utf8.RuneCountInString(text[:p.start]))
		if err != nil {
			return nil, err
		}
		if st != nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// errMany says that a text holds more than one statement.
var errMany = errors.New("more than one statement")

// parseOne parses text that should hold one statement (nil when it holds
// none), offset characters into the query string.
func parseOne(text string, offset int) (*Statement, error) {
	travel, blanked, err := cutTravel(text)
	if err != nil {
		return nil, shift(err, offset)
	}
	res, perr := pg.Parse(blanked)
	if perr == nil {
		switch len(res.Stmts) {
		case 0:
			return nil, nil
		case 1:
		default:
			return nil, errMany
		}
		st := &Statement{SQL: text, Offset: offset, Stmt: res.Stmts[0].Stmt, NumParams: numParams(text), Travel: travel}
		for i := range st.Travel {
			st.Travel[i].Pos += offset
		}
		return st, nil
	}
	if !isSyntaxError(perr) {
		return nil, shift(convert(perr), offset)
	}
	// DriftQL's grammar reads what PostgreSQL's refuses.
	ds, derr := driftql.Parse(text)
	if derr == nil {
		switch len(ds) {
		case 0:
			return nil, nil
		case 1:
			return &Statement{SQL: text, Offset: offset, DriftQL: ds[0], NumParams: numParams(text)}, nil
		}
		return nil, errMany
	}
	// Which error to report: DriftQL's for statements only DriftQL has,
	// PostgreSQL's for the rest.
	if driftQLOnly(text) {
		return nil, shift(derr, offset)
	}
	return nil, shift(convert(perr), offset)
}

// isSyntaxError reports whether err is the grammar's refusal of the text
// (rather than a limit).
func isSyntaxError(err error) bool {
	var pe *pgerr.Error
	if !errors.As(err, &pe) {
		return false
	}
	return !strings.Contains(pe.Message, "memory exhausted") && !strings.Contains(pe.Message, "stack depth")
}

// convert gives a grammar error its SQLSTATE and position.
func convert(err error) error {
	var pe *pgerr.Error
	if !errors.As(err, &pe) {
		return pgcode.Wrap(pgcode.SyntaxError, err, err.Error())
	}
	code := pgcode.SyntaxError
	switch {
	case strings.Contains(pe.Message, "stack depth limit"):
		code = pgcode.StatementTooComplex
	case strings.HasPrefix(pe.Message, "invalid Unicode"), strings.Contains(pe.Message, "Unicode escape"):
		code = pgcode.InvalidEscapeSequence
	}
	return pgcode.New(code, pe.Message).At(pe.Cursorpos)
}

// shift moves an error's position by offset characters.
func shift(err error, offset int) error {
	if offset == 0 || err == nil {
		return err
	}
	e := pgcode.From(err)
	if e.Position > 0 {
		e.Position += offset
	}
	return e
}

// driftQLOnly reports whether text starts as only a DriftQL statement
// does.
func driftQLOnly(text string) bool {
	words := strings.Fields(stripComments(text))
	if len(words) == 0 {
		return false
	}
	switch strings.ToUpper(words[0]) {
	case "PATCH", "SOFT", "SNAPSHOT", "COMPACT":
		return true
	case "SHOW":
		return len(words) > 1 && strings.EqualFold(words[1], "DRIFT")
	case "INSERT":
		// A document ({...}) outside the string literals: a '{' in a
		// literal ('{"k": 1}' for a jsonb column) is PostgreSQL's.
		return strings.Contains(blankLiterals(text), "{")
	case "CREATE":
		return strings.Contains(strings.ToLower(text), "pk=") || strings.Contains(strings.ToLower(text), "pk =")
	}
	return false
}

// blankLiterals returns text without its single-quoted string literals
// (a doubled quote inside one is a quote; in an E'...' literal, a
// backslash escapes the next character).
func blankLiterals(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] != '\'' {
			b.WriteByte(text[i])
			continue
		}
		escapes := i > 0 && (text[i-1] == 'E' || text[i-1] == 'e') && (i == 1 || !isIdentByte(text[i-2]))
		for i++; i < len(text); i++ {
			if escapes && text[i] == '\\' {
				i++
			} else if text[i] == '\'' {
				if i+1 < len(text) && text[i+1] == '\'' {
					i++
					continue
				}
				break
			}
		}
	}
	return b.String()
}

// isIdentByte reports whether c may continue an identifier.
func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// stripComments drops a leading run of comments and blanks.
func stripComments(text string) string {
	for {
		text = strings.TrimLeft(text, " \t\r\n\f")
		switch {
		case strings.HasPrefix(text, "--"):
			i := strings.IndexByte(text, '\n')
			if i < 0 {
				return ""
			}
			text = text[i+1:]
		case strings.HasPrefix(text, "/*"):
			i := strings.Index(text, "*/")
			if i < 0 {
				return ""
			}
			text = text[i+2:]
		default:
			return text
		}
	}
}

// invalidUTF8 is the error for text that is not UTF-8, at its first bad
// byte.
func invalidUTF8(text string) error {
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	end := min(i+8, len(text))
	var hex []string
	for j := i; j < end && j < i+2; j++ {
		hex = append(hex, fmt.Sprintf("0x%02x", text[j]))
	}
	return pgcode.Newf(pgcode.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": %s", strings.Join(hex, " "))
}

// numParams returns the highest $n of text.
func numParams(text string) int {
	if strings.IndexByte(text, '$') < 0 {
		return 0
	}
	if !dollarQuoted(text) {
		return driftql.MaxParamNumber(text)
	}
	// Dollar quotes: let PostgreSQL's scanner say what is a parameter.
	res, err := pg.Scan(text)
	if err != nil {
		return driftql.MaxParamNumber(text)
	}
	n := 0
	for _, t := range res.Tokens {
		if t.Token == pg.Token_PARAM {
			var v int
			fmt.Sscanf(text[t.Start+1:t.End], "%d", &v)
			n = max(n, v)
		}
	}
	return n
}

// dollarQuoted reports whether text may hold a dollar-quoted string: a $
// not followed by a digit.
func dollarQuoted(text string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] == '$' && (i+1 == len(text) || text[i+1] < '0' || text[i+1] > '9') {
			return true
		}
	}
	return false
}

// piece is a statement's byte range in a query string.
type piece struct{ start, end int }

// split cuts text at the semicolons between statements, as PostgreSQL's
// scanner reads it.
func split(text string) ([]piece, error) {
	res, err := pg.Scan(text)
	if err != nil {
		return nil, convert(err)
	}
	var out []piece
	start, depth := 0, 0
	for _, t := range res.Tokens {
		switch t.Token {
		case pg.Token_ASCII_40, pg.Token_ASCII_91:
			depth++
		case pg.Token_ASCII_41, pg.Token_ASCII_93:
			depth--
		case pg.Token_ASCII_59:
			if depth <= 0 {
				out = append(out, piece{start, int(t.Start)})
				start, depth = int(t.End), 0
			}
		}
	}
	if strings.TrimSpace(text[start:]) != "" {
		out = append(out, piece{start, len(text)})
	}
	return out, nil
}

// ParseExpr reads the text of one expression (a kept DEFAULT or CHECK, a
// declared type as NULL::type).
func ParseExpr(text string) (*pg.Node, error) {
	res, err := pg.Parse("SELECT " + text)
	if err != nil {
		return nil, convert(err)
	}
	if len(res.Stmts) == 1 {
		if sel := res.Stmts[0].Stmt.GetSelectStmt(); sel != nil && len(sel.TargetList) == 1 && len(sel.FromClause) == 0 {
			return sel.TargetList[0].GetResTarget().Val, nil
		}
	}
	return nil, pgcode.Newf(pgcode.SyntaxError, "%q is not one expression", text)
}
