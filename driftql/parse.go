package driftql

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// sqlLexer splits DriftQL and SQL into tokens. Rules are tried in order.
var sqlLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `--[^\n]*|/\*(?s:.*?)\*/`},
	{Name: "Whitespace", Pattern: `[ \t\r\n\f]+`},
	{Name: "Param", Pattern: `\$[0-9]+`},
	{Name: "Number", Pattern: `(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?`},
	{Name: "SQString", Pattern: `[eE]?'(?:[^']|'')*'`},
	{Name: "DQString", Pattern: `"(?:[^"\\]|\\(?s:.)|"")*"`},
	{Name: "Op", Pattern: `::|<>|!=|<=|>=|\|\||[-+*/%=<>(),;.{}\[\]:]`},
	{Name: "Ident", Pattern: `[A-Za-z_\x80-\x{10FFFF}][A-Za-z0-9_$\x80-\x{10FFFF}]*`},
})

var parser = participle.MustBuild[Script](
	participle.Lexer(sqlLexer),
	participle.Elide("Comment", "Whitespace"),
	participle.CaseInsensitive("Ident"),
	participle.Map(unquoteToken, "DQString", "SQString"),
	participle.UseLookahead(4),
)

// Grammar returns the grammar in EBNF.
func Grammar() string { return parser.String() }

// MaxInput bounds the text Parse accepts.
const MaxInput = 64 << 20

// MaxNesting bounds how deep parentheses, brackets and braces nest in a
// statement: the parser and everything that walks its tree recurse once per
// level, and a goroutine that overflows its stack takes the whole process
// down.
const MaxNesting = 1000

// Error is a syntax error at a place in the text, or text that cannot be
// parsed at all (Code says which).
type Error struct {
	Line, Column int // 1-based
	Offset       int // byte offset
	// Position is the 1-based character position, as PostgreSQL reports it.
	Position int
	Msg      string
	// Code is the SQLSTATE: 42601 (syntax_error) when empty; 22021 for
	// invalid UTF-8, 54000 for text beyond MaxInput, 54001 for nesting
	// beyond MaxNesting.
	Code string
}

// Error returns the message alone, as PostgreSQL words it; the place is
// in Line, Column and Position (see Where).
func (e *Error) Error() string { return e.Msg }

// Where returns "line:col".
func (e *Error) Where() string { return fmt.Sprintf("%d:%d", e.Line, e.Column) }

// SQLState returns the error's code.
func (e *Error) SQLState() string {
	if e.Code != "" {
		return e.Code
	}
	return "42601"
}

// ErrorPosition returns the 1-based character position of the error.
func (e *Error) ErrorPosition() int { return e.Position }

// Parse parses text into its statements, in order. Empty or comment-only
// text gives none.
func Parse(src string) ([]*Statement, error) {
	if len(src) > MaxInput {
		return nil, &Error{Line: 1, Column: 1, Position: 1, Code: "54000", Msg: fmt.Sprintf("statement text of %d bytes exceeds the limit of %d", len(src), MaxInput)}
	}
	if !utf8.ValidString(src) {
		return nil, invalidUTF8(src)
	}
	if off := tooDeep(src); off >= 0 {
		e := errorAt(src, off, fmt.Sprintf("statement too complex: parentheses, brackets or braces nested deeper than %d", MaxNesting))
		e.Code = "54001"
		return nil, e
	}
	script, err := parser.ParseString("", src)
	if err != nil {
		return nil, syntaxError(src, err)
	}
	for _, s := range script.Statements {
		s.SQL = strings.TrimSpace(src[s.Pos.Offset:s.EndPos.Offset])
		if err := normalize(s); err != nil {
			return nil, err
		}
		foldPaths(reflect.ValueOf(s))
	}
	return script.Statements, nil
}

// errorAt is an error at byte offset off of src.
func errorAt(src string, off int, msg string) *Error {
	line, col := 1, 1
	for _, r := range src[:off] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &Error{Line: line, Column: col, Offset: off, Position: utf8.RuneCountInString(src[:off]) + 1, Msg: msg}
}

// invalidUTF8 is the error for text that is not UTF-8 (22021), at its
// first bad byte, in PostgreSQL's words.
func invalidUTF8(src string) error {
	off := 0
	for off < len(src) {
		r, n := utf8.DecodeRuneInString(src[off:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	bad := src[off:min(len(src), off+2)]
	msg := "invalid byte sequence for encoding \"UTF8\":"
	for i := 0; i < len(bad); i++ {
		msg += fmt.Sprintf(" 0x%02x", bad[i])
	}
	e := errorAt(src, off, msg)
	e.Code = "22021"
	return e
}

// tooDeep returns the offset where parentheses, brackets and braces first
// nest deeper than MaxNesting, or -1. It skips what the lexer reads as
// strings, quoted names and comments, as the lexer does.
func tooDeep(src string) int {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '(', '[', '{':
			if depth++; depth > MaxNesting {
				return i
			}
		case ')', ']', '}':
			depth--
		case '\'':
			for i++; i < len(src); i++ { // '' stands for a quote: the loop sees two strings
				if src[i] == '\'' {
					break
				}
			}
		case '"':
			for i++; i < len(src); i++ {
				if src[i] == '\\' {
					i++
				} else if src[i] == '"' {
					break
				}
			}
		case '-':
			if i+1 < len(src) && src[i+1] == '-' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
			}
		case '/':
			if i+1 < len(src) && src[i+1] == '*' {
				end := strings.Index(src[i+2:], "*/")
				if end < 0 {
					return -1
				}
				i += 2 + end + 1
			}
		}
	}
	return -1
}

func syntaxError(src string, err error) error {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &Error{Line: 1, Column: 1, Position: 1, Msg: err.Error()}
	}
	pos := perr.Position()
	msg := perr.Message()
	var ut *participle.UnexpectedTokenError
	if errors.As(err, &ut) {
		tok := ut.Unexpected
		if tok.EOF() {
			msg = "syntax error at end of input"
		} else {
			msg = fmt.Sprintf("syntax error at or near %q", tok.Value)
		}
		if ut.Expect != "" {
			msg += " (expected " + ut.Expect + ")"
		}
	}
	off := pos.Offset
	if off > len(src) {
		off = len(src)
	}
	return &Error{Line: pos.Line, Column: pos.Column, Offset: off,
		Position: utf8.RuneCountInString(src[:off]) + 1, Msg: msg}
}

// unquoteToken turns a quoted token into its text: 'it”s' -> it's; a
// double-quoted token with backslash escapes is a JSON string ("caf\u00e9"),
// otherwise "" stands for a quote, as in SQL identifiers.
func unquoteToken(t lexer.Token) (lexer.Token, error) {
	v := t.Value
	switch t.Type {
	case sqlLexer.Symbols()["SQString"]:
		escape := v[0] == 'e' || v[0] == 'E'
		if escape {
			v = v[1:]
		}
		v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
		if escape {
			var err error
			if v, err = unescapeC(v); err != nil {
				return t, participle.Errorf(t.Pos, "%v", err)
			}
		}
	case sqlLexer.Symbols()["DQString"]:
		if strings.ContainsRune(v, '\\') {
			var s string
			if err := json.Unmarshal([]byte(v), &s); err != nil {
				return t, participle.Errorf(t.Pos, "invalid string %s: %v", v, err)
			}
			v = s
		} else {
			v = strings.ReplaceAll(v[1:len(v)-1], `""`, `"`)
		}
	}
	t.Value = v
	return t, nil
}

// unescapeC handles the backslash escapes of E'...' strings.
func unescapeC(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

func lowerASCII(s string) string { return strings.ToLower(s) }

// Text returns a name as SQL means it: unquoted names fold to lower case,
// quoted ones keep their case.
func (n *Name) Text() string {
	if n == nil {
		return ""
	}
	if n.Ident != "" {
		return strings.ToLower(n.Ident)
	}
	return n.Quoted
}

// Strings returns the parts of a path as names. The slice may be shared:
// callers must not change its elements.
func (p *Path) Strings() []string {
	if p.names != nil {
		return p.names[:len(p.names):len(p.names)]
	}
	return p.fold()
}

func (p *Path) fold() []string {
	out := make([]string, len(p.Parts))
	for i, n := range p.Parts {
		out[i] = n.Text()
	}
	return out
}

var pathType = reflect.TypeFor[Path]()

// foldPaths works out the names of every Path under v once, when the
// statement is parsed: a parsed statement is shared by sessions and never
// changed, so each execution can use them without folding or copying.
func foldPaths(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			foldPaths(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			foldPaths(v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == pathType {
			if v.CanAddr() {
				p := v.Addr().Interface().(*Path)
				p.names = p.fold()
			}
			return
		}
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				foldPaths(v.Field(i))
			}
		}
	}
}

// String joins a path with dots.
func (p *Path) String() string { return strings.Join(p.Strings(), ".") }

// Text returns the SQL type name, lower case, words joined by spaces.
func (t *TypeName) Text() string {
	return strings.ToLower(strings.Join(t.Words, " "))
}

// normalize makes the AST say what the text means: a name followed by an
// argument list is a call, and the quoting rule applies: a double-quoted
// name that stands as a value (the right side of a comparison, an element
// of an IN list, a LIKE pattern, BETWEEN bounds) is a string literal, as
// DriftQL writes status="paid". A dotted "users"."status" always stays a
// name.
func normalize(s *Statement) error {
	v := visitor{
		cmp: func(c *CmpExpr) {
			if c.Right != nil {
				valueOperand(c.Right)
			}
			if c.In != nil {
				for _, v := range c.In.Values {
					valueOperand(v)
				}
			}
			if c.Like != nil {
				valueOperand(c.Like.Pattern)
			}
			if c.Between != nil {
				valueOperand(c.Between.Lo)
				valueOperand(c.Between.Hi)
			}
		},
		primary: func(p *Primary) {
			if p.Call != nil && p.Column != nil {
				p.Call.Name, p.Column = p.Column, nil
			}
		},
	}
	for _, e := range statementExprs(s) {
		v.expr(e)
	}
	return nil
}

// valueOperand turns a lone double-quoted name into a string literal.
func valueOperand(a *AddExpr) {
	if a == nil || len(a.Rest) > 0 || len(a.Left.Rest) > 0 || a.Left.Left.Neg || len(a.Left.Left.Casts) > 0 {
		return
	}
	p := a.Left.Left.Primary
	if p == nil || p.Column == nil || p.Call != nil || len(p.Column.Parts) != 1 || p.Column.Parts[0].Ident != "" {
		return
	}
	s := p.Column.Parts[0].Quoted
	p.Str = &s
	p.Column = nil
}

// statementExprs lists the top-level expressions of a statement.
func statementExprs(s *Statement) []*Expr {
	var exprs []*Expr
	items := func(its []*SelItem) {
		for _, it := range its {
			exprs = append(exprs, it.Expr)
		}
	}
	switch {
	case s.Select != nil:
		items(s.Select.Items)
		exprs = append(exprs, s.Select.Where, s.Select.Limit, s.Select.Offset)
		for _, o := range s.Select.OrderBy {
			exprs = append(exprs, o.Expr)
		}
	case s.Update != nil:
		exprs = append(exprs, s.Update.Where)
		for _, a := range s.Update.Sets {
			exprs = append(exprs, a.Value)
		}
		items(s.Update.Returning)
	case s.Delete != nil:
		exprs = append(exprs, s.Delete.Where)
		items(s.Delete.Returning)
	case s.Insert != nil:
		for _, r := range s.Insert.Rows {
			exprs = append(exprs, r.Values...)
		}
		items(s.Insert.Returning)
	case s.CreateTable != nil:
		for _, el := range s.CreateTable.Elems {
			if el.Column != nil {
				for _, c := range el.Column.Constraints {
					exprs = append(exprs, c.Default)
				}
			}
		}
	}
	return exprs
}

// visitor walks expressions, calling cmp for every comparison and primary
// for every operand, nested ones included.
type visitor struct {
	cmp     func(*CmpExpr)
	primary func(*Primary)
	unary   func(*Unary)
}

// WalkExpr calls fn for every comparison in e, nested ones included.
func WalkExpr(e *Expr, fn func(*CmpExpr)) {
	(&visitor{cmp: fn}).expr(e)
}

// WalkOperands calls fn for every operand (with its sign and casts) in e,
// nested ones included.
func WalkOperands(e *Expr, fn func(*Unary)) {
	(&visitor{unary: fn}).expr(e)
}

func (v *visitor) expr(e *Expr) {
	if e == nil {
		return
	}
	for _, a := range e.Or {
		for _, n := range a.And {
			c := n.Cond
			if v.cmp != nil {
				v.cmp(c)
			}
			v.add(c.Left)
			v.add(c.Right)
			if c.In != nil {
				for _, x := range c.In.Values {
					v.add(x)
				}
			}
			if c.Like != nil {
				v.add(c.Like.Pattern)
			}
			if c.Between != nil {
				v.add(c.Between.Lo)
				v.add(c.Between.Hi)
			}
		}
	}
}

func (v *visitor) add(a *AddExpr) {
	if a == nil {
		return
	}
	v.mul(a.Left)
	for _, r := range a.Rest {
		v.mul(r.Right)
	}
}

func (v *visitor) mul(m *MulExpr) {
	v.un(m.Left)
	for _, r := range m.Rest {
		v.un(r.Right)
	}
}

func (v *visitor) un(u *Unary) {
	if v.unary != nil {
		v.unary(u)
	}
	v.prim(u.Primary)
}

func (v *visitor) prim(p *Primary) {
	if p == nil {
		return
	}
	if v.primary != nil {
		v.primary(p)
	}
	switch {
	case p.Sub != nil:
		v.expr(p.Sub)
	case p.Call != nil:
		for _, a := range p.Call.Args {
			v.expr(a)
		}
	case p.Cast != nil:
		v.expr(p.Cast.Expr)
	}
}

// MaxParam returns the highest $n in a statement's text (0 when none).
func (s *Statement) MaxParam() int {
	max := 0
	toks, err := sqlLexer.LexString("", s.SQL)
	if err != nil {
		return 0
	}
	paramType := sqlLexer.Symbols()["Param"]
	for {
		t, err := toks.Next()
		if err != nil || t.EOF() {
			return max
		}
		if t.Type == paramType {
			var n int
			fmt.Sscanf(t.Value[1:], "%d", &n)
			if n > max {
				max = n
			}
		}
	}
}
