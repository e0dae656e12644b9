package parser

import (
	"strings"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// Time travel clauses, as the parser finds them among the scanner's
// tokens:
//
//	table AS OF point                         the table as it was at point
//	table FOR SYSTEM_TIME AS OF point         the same, in SQL:2011's words
//	table FOR SYSTEM_TIME BETWEEN a AND b     every version made from a to b
//	table FOR SYSTEM_TIME FROM a TO b         the same
//	table FOR SYSTEM_TIME ALL                 every version
//	... AS OF point                           at the end of a statement: the
//	                                          point of every table it reads
//
// A point is an expression: a seq (5, '@seq:5', "@seq:5"), a time
// ('2025-01-01T00:00:00Z', now() - interval '1 hour') or a parameter.
// "AS OF" that is an alias named "of" (SELECT 1 AS of) is left alone: a
// clause's point must follow it.

// cutTravel finds the time travel clauses of one statement's text and
// returns them with the text the grammar should read: the clauses
// replaced by blanks.
func cutTravel(text string) ([]Travel, string, error) {
	if !hasWordFold(text, "of") && !containsFold(text, "system_time") {
		return nil, text, nil
	}
	res, err := pg.Scan(text)
	if err != nil {
		return nil, text, nil // the grammar reports it
	}
	toks := res.Tokens
	var out []Travel
	var blanks [][2]int
	depth := 0
	inFrom := map[int]bool{}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.Token {
		case pg.Token_ASCII_40:
			depth++
			inFrom[depth] = false
			continue
		case pg.Token_ASCII_41:
			depth--
			continue
		case pg.Token_FROM:
			inFrom[depth] = true
			continue
		case pg.Token_WHERE, pg.Token_GROUP_P, pg.Token_HAVING, pg.Token_WINDOW, pg.Token_ORDER,
			pg.Token_LIMIT, pg.Token_OFFSET, pg.Token_UNION, pg.Token_INTERSECT, pg.Token_EXCEPT,
			pg.Token_RETURNING, pg.Token_SET:
			inFrom[depth] = false
			continue
		}
		var kind TravelKind
		var next int // the first token of the first point
		switch {
		case t.Token == pg.Token_AS && at(toks, i+1, pg.Token_OF) && startsPoint(text, toks, i+2):
			kind, next = TravelAsOf, i+2
		case t.Token == pg.Token_FOR && i+1 < len(toks) && toks[i+1].Token == pg.Token_IDENT &&
			strings.EqualFold(tokText(text, toks[i+1]), "system_time"):
			switch {
			case at(toks, i+2, pg.Token_AS) && at(toks, i+3, pg.Token_OF):
				kind, next = TravelAsOf, i+4
			case at(toks, i+2, pg.Token_BETWEEN), at(toks, i+2, pg.Token_FROM):
				kind, next = TravelBetween, i+3
			case at(toks, i+2, pg.Token_ALL):
				kind, next = TravelAll, i+3
			default:
				return nil, text, syntaxErrorAt(text, toks, i+2)
			}
		default:
			continue
		}
		tr := Travel{Kind: kind, Ref: tableRef(toks, i, inFrom[depth]), Pos: utf8.RuneCountInString(text[:t.Start]) + 1}
		end := next
		switch kind {
		case TravelAsOf:
			e, stop, err := point(text, toks, next, 0)
			if err != nil {
				return nil, text, err
			}
			tr.Exprs, end = []*pg.Node{e}, stop
		case TravelBetween:
			sep := pg.Token_AND
			if toks[i+2].Token == pg.Token_FROM {
				sep = pg.Token_TO
			}
			a, stop, err := point(text, toks, next, sep)
			if err != nil {
				return nil, text, err
			}
			if !at(toks, stop, sep) {
				return nil, text, syntaxErrorAt(text, toks, stop)
			}
			b, stop, err := point(text, toks, stop+1, 0)
			if err != nil {
				return nil, text, err
			}
			tr.Exprs, end = []*pg.Node{a, b}, stop
		}
		endByte := len(text)
		if end < len(toks) {
			endByte = int(toks[end].Start)
		}
		blanks = append(blanks, [2]int{int(t.Start), endByte})
		out = append(out, tr)
		i = end - 1
	}
	if len(out) == 0 {
		return nil, text, nil
	}
	b := []byte(text)
	for _, r := range blanks {
		for j := r[0]; j < r[1]; j++ {
			if b[j] != '\n' {
				b[j] = ' '
			}
		}
	}
	return out, string(b), nil
}

// point reads the expression that starts at token i and returns it with
// the index of the token after it. It ends, outside parentheses, at a
// comma, a closing parenthesis, a semicolon, a keyword that starts the
// next clause, the separator sep (AND, TO) or a name that follows a
// complete operand (an alias).
func point(text string, toks []*pg.ScanToken, i int, sep pg.Token) (*pg.Node, int, error) {
	start, depth, j := i, 0, i
	operand := false
loop:
	for ; j < len(toks); j++ {
		t := toks[j]
		if depth == 0 {
			switch t.Token {
			case pg.Token_ASCII_44, pg.Token_ASCII_41, pg.Token_ASCII_59, pg.Token_AS,
				pg.Token_WHERE, pg.Token_GROUP_P, pg.Token_HAVING, pg.Token_WINDOW, pg.Token_ORDER,
				pg.Token_LIMIT, pg.Token_OFFSET, pg.Token_UNION, pg.Token_INTERSECT, pg.Token_EXCEPT,
				pg.Token_FETCH, pg.Token_FOR, pg.Token_RETURNING, pg.Token_ON, pg.Token_USING,
				pg.Token_JOIN, pg.Token_INNER_P, pg.Token_LEFT, pg.Token_RIGHT, pg.Token_FULL,
				pg.Token_CROSS, pg.Token_NATURAL, pg.Token_VALUES, pg.Token_SELECT, pg.Token_SET,
				pg.Token_DEFAULT, pg.Token_OVERRIDING:
				break loop
			case pg.Token_IDENT:
				if operand && !at(toks, j+1, pg.Token_ASCII_40) && !at(toks, j+1, pg.Token_ASCII_46) {
					break loop // an alias
				}
			}
			if sep != 0 && t.Token == sep {
				break loop
			}
		}
		switch t.Token {
		case pg.Token_ASCII_40, pg.Token_ASCII_91:
			depth++
		case pg.Token_ASCII_41, pg.Token_ASCII_93:
			depth--
		}
		switch t.Token {
		case pg.Token_SCONST, pg.Token_ICONST, pg.Token_FCONST, pg.Token_PARAM, pg.Token_IDENT,
			pg.Token_ASCII_41, pg.Token_ASCII_93:
			operand = true
		default:
			operand = t.Token == pg.Token_CURRENT_TIMESTAMP || t.Token == pg.Token_CURRENT_DATE || t.Token == pg.Token_LOCALTIMESTAMP
		}
	}
	if j == start {
		return nil, j, syntaxErrorAt(text, toks, j)
	}
	s, e := int(toks[start].Start), int(toks[j-1].End)
	// The expression read alone, at the same byte offsets, so that its
	// locations and errors point into the statement.
	var probe string
	if s >= len("SELECT ") {
		probe = "SELECT" + strings.Repeat(" ", s-len("SELECT")) + text[s:e]
	} else {
		probe = "SELECT " + text[s:e]
	}
	res, err := pg.Parse(probe)
	if err != nil {
		return nil, j, convert(err)
	}
	if len(res.Stmts) != 1 {
		return nil, j, syntaxErrorAt(text, toks, start)
	}
	sel := res.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 || len(sel.FromClause) > 0 || sel.WhereClause != nil {
		return nil, j, syntaxErrorAt(text, toks, start)
	}
	return sel.TargetList[0].GetResTarget().Val, j, nil
}

// startsPoint reports whether the token at i can start a point: a
// constant, a parameter, a quoted name ("@seq:5"), a sign, a
// parenthesis or a function call; not the FROM, comma or end that follow
// an alias named "of".
func startsPoint(text string, toks []*pg.ScanToken, i int) bool {
	if i >= len(toks) {
		return false
	}
	switch t := toks[i]; t.Token {
	case pg.Token_SCONST, pg.Token_ICONST, pg.Token_FCONST, pg.Token_PARAM, pg.Token_ASCII_40,
		pg.Token_ASCII_45, pg.Token_ASCII_43, pg.Token_CURRENT_TIMESTAMP, pg.Token_TIMESTAMP,
		pg.Token_CURRENT_DATE, pg.Token_LOCALTIMESTAMP:
		return true
	case pg.Token_IDENT:
		return strings.HasPrefix(tokText(text, t), `"`) || at(toks, i+1, pg.Token_ASCII_40)
	}
	return false
}

// tableRef returns the byte offset of the table name that ends just
// before token i, when a table reference of a FROM clause stands there;
// else -1 (a clause for the whole statement).
func tableRef(toks []*pg.ScanToken, i int, inFrom bool) int {
	j := i - 1
	if j < 0 || !isName(toks[j]) {
		return -1
	}
	for j >= 2 && toks[j-1].Token == pg.Token_ASCII_46 && isName(toks[j-2]) {
		j -= 2
	}
	if j == 0 {
		return -1
	}
	switch toks[j-1].Token {
	case pg.Token_FROM, pg.Token_JOIN, pg.Token_ONLY:
		return int(toks[j].Start)
	case pg.Token_ASCII_44:
		if inFrom {
			return int(toks[j].Start)
		}
	}
	return -1
}

// isName reports whether a token can be a table's name.
func isName(t *pg.ScanToken) bool {
	return t.Token == pg.Token_IDENT || t.KeywordKind == pg.KeywordKind_UNRESERVED_KEYWORD || t.KeywordKind == pg.KeywordKind_COL_NAME_KEYWORD
}

func at(toks []*pg.ScanToken, i int, tok pg.Token) bool {
	return i < len(toks) && toks[i].Token == tok
}

func tokText(text string, t *pg.ScanToken) string { return text[t.Start:t.End] }

// syntaxErrorAt is PostgreSQL's syntax error at token i (or at the end).
func syntaxErrorAt(text string, toks []*pg.ScanToken, i int) error {
	if i >= len(toks) {
		return pgcode.New(pgcode.SyntaxError, "syntax error at end of input").At(utf8.RuneCountInString(text) + 1)
	}
	t := toks[i]
	return pgcode.Newf(pgcode.SyntaxError, "syntax error at or near %q", tokText(text, t)).At(utf8.RuneCountInString(text[:t.Start]) + 1)
}

// hasWordFold reports whether text holds word (lower case ASCII) as a
// word of its own, in any case.
func hasWordFold(text, word string) bool {
	for i := 0; i+len(word) <= len(text); i++ {
		if text[i]|0x20 != word[0] {
			continue
		}
		if (i == 0 || !identByte(text[i-1])) && strings.EqualFold(text[i:i+len(word)], word) &&
			(i+len(word) == len(text) || !identByte(text[i+len(word)])) {
			return true
		}
	}
	return false
}

func containsFold(text, sub string) bool {
	for i := 0; i+len(sub) <= len(text); i++ {
		if text[i]|0x20 == sub[0] && strings.EqualFold(text[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func identByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
