package exec

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/driftql"
	"github.com/driftdb/driftdb/engine"
)

// Values during evaluation are document values (nil, bool, int64, float64,
// json.Number, string, []any, map[string]any), time.Time, and the numbers
// of numeric.go (int16, int32, *apd.Decimal).

// rowEnv is what names in an expression refer to.
type rowEnv struct {
	table, alias string
	doc          map[string]any
	row          *engine.Row // nil outside a table
}

// System columns: outside *, available by name.
const (
	colSeq = "_seq" // seq of the event that made the row's version
	colTS  = "_ts"  // its time
	colDoc = "_doc" // the whole document
)

type evaluator struct {
	ctx    context.Context
	s      *Session
	params []any
	// typed holds the float8 and numeric columns of table typedOf (when
	// typedOK), which a column read converts its numbers to (columnType).
	typedOf string
	typedOK bool
	typed   []engine.Column
}

func (ev *evaluator) truth(e *driftql.Expr, env *rowEnv) (bool, error) {
	v, err := ev.expr(e, env)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok && v != nil {
		return false, errorf(CodeDatatypeMismatch, "argument of WHERE must be type boolean, not %s", kindName(v))
	}
	return ok && b, nil
}

func (ev *evaluator) expr(e *driftql.Expr, env *rowEnv) (any, error) {
	if u := soloUnary(e); u != nil {
		return ev.unary(u, env) // a lone operand: no walk down the levels
	}
	var result any = false
	for i, a := range e.Or {
		v, err := ev.and(a, env)
		if err != nil {
			return nil, err
		}
		if len(e.Or) == 1 {
			return v, nil
		}
		if i == 0 {
			result = v
			if err := needBool(v, "OR"); err != nil {
				return nil, err
			}
			continue
		}
		if err := needBool(v, "OR"); err != nil {
			return nil, err
		}
		result = or3(result, v)
	}
	return result, nil
}

func (ev *evaluator) and(a *driftql.AndExpr, env *rowEnv) (any, error) {
	var result any = true
	for i, n := range a.And {
		v, err := ev.not(n, env)
		if err != nil {
			return nil, err
		}
		if len(a.And) == 1 {
			return v, nil
		}
		if err := needBool(v, "AND"); err != nil {
			return nil, err
		}
		if i == 0 {
			result = v
			continue
		}
		result = and3(result, v)
	}
	return result, nil
}

func needBool(v any, op string) error {
	if _, ok := v.(bool); ok || v == nil {
		return nil
	}
	return errorf(CodeDatatypeMismatch, "argument of %s must be type boolean, not %s", op, kindName(v))
}

func or3(a, b any) any {
	if a == true || b == true {
		return true
	}
	if a == nil || b == nil {
		return nil
	}
	return false
}

func and3(a, b any) any {
	if a == false || b == false {
		return false
	}
	if a == nil || b == nil {
		return nil
	}
	return true
}

func (ev *evaluator) not(n *driftql.NotExpr, env *rowEnv) (any, error) {
	v, err := ev.cmp(n.Cond, env)
	if err != nil || !n.Not {
		return v, err
	}
	if err := needBool(v, "NOT"); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	return !v.(bool), nil
}

func (ev *evaluator) cmp(c *driftql.CmpExpr, env *rowEnv) (any, error) {
	left, err := ev.add(c.Left, env)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Op != "":
		right, err := ev.add(c.Right, env)
		if err != nil {
			return nil, err
		}
		return compareOp(c.Op, left, right)
	case c.Is != nil:
		var r bool
		switch c.Is.What {
		case "NULL", "null", "Null":
			r = left == nil
		default:
			want := strings.EqualFold(c.Is.What, "TRUE")
			b, ok := left.(bool)
			r = ok && b == want
		}
		if c.Is.Not {
			r = !r
		}
		return r, nil
	case c.In != nil:
		if left == nil {
			return nil, nil
		}
		sawNull := false
		for _, x := range c.In.Values {
			v, err := ev.add(x, env)
			if err != nil {
				return nil, err
			}
			if v == nil {
				sawNull = true
				continue
			}
			if cmp, ok := compareCoerce(left, v); ok && cmp == 0 {
				return !c.In.Not, nil
			}
		}
		if sawNull {
			return nil, nil
		}
		return c.In.Not, nil
	case c.Like != nil:
		pat, err := ev.add(c.Like.Pattern, env)
		if err != nil {
			return nil, err
		}
		if left == nil || pat == nil {
			return nil, nil
		}
		ls, ok1 := left.(string)
		ps, ok2 := pat.(string)
		if !ok1 || !ok2 {
			return nil, errorf(CodeUndefinedFunction, "operator does not exist: %s LIKE %s", kindName(left), kindName(pat))
		}
		re, err := likeRegexp(ps, c.Like.ILike)
		if err != nil {
			return nil, err
		}
		return re.MatchString(ls) != c.Like.Not, nil
	case c.Between != nil:
		lo, err := ev.add(c.Between.Lo, env)
		if err != nil {
			return nil, err
		}
		hi, err := ev.add(c.Between.Hi, env)
		if err != nil {
			return nil, err
		}
		a, err := compareOp(">=", left, lo)
		if err != nil {
			return nil, err
		}
		b, err := compareOp("<=", left, hi)
		if err != nil {
			return nil, err
		}
		r := and3(a, b)
		if c.Between.Not && r != nil {
			return !r.(bool), nil
		}
		return r, nil
	}
	return left, nil
}

// compareOp applies a comparison with SQL NULL semantics. Values of kinds
// that cannot be compared are simply not equal (a document field may hold
// different kinds in different rows).
func compareOp(op string, a, b any) (any, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	c, ok := compareCoerce(a, b)
	if !ok {
		return op == "!=" || op == "<>", nil
	}
	switch op {
	case "=":
		return c == 0, nil
	case "!=", "<>":
		return c != 0, nil
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	case ">=":
		return c >= 0, nil
	}
	return nil, errorf(CodeSyntax, "unknown operator %s", op)
}

// compareCoerce compares two values, converting a string to the other
// side's kind first (as PostgreSQL resolves an untyped literal or a text
// parameter against a column).
func compareCoerce(a, b any) (int, bool) {
	if ta, ok := a.(time.Time); ok {
		tb, ok := toTime(b)
		if !ok {
			return 0, false
		}
		return ta.Compare(tb), true
	}
	if _, ok := b.(time.Time); ok {
		c, ok := compareCoerce(b, a)
		return -c, ok
	}
	if s, ok := a.(string); ok {
		if _, isStr := b.(string); !isStr {
			if conv, ok := coerceString(s, b); ok {
				a = conv
			}
		}
	} else if s, ok := b.(string); ok {
		if conv, ok := coerceString(s, a); ok {
			b = conv
		}
	}
	return engine.CompareValues(sortNumber(a), sortNumber(b))
}

// coerceString reads s as a value of like's kind.
func coerceString(s string, like any) (any, bool) {
	switch like.(type) {
	case int64, int32, int16, float64, json.Number, *apd.Decimal:
		if n, ok := parseNumber(strings.TrimSpace(s)); ok {
			return n, true
		}
	case bool:
		if b, ok := parseBool(s); ok {
			return b, true
		}
	}
	return nil, false
}

func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		t, err := engine.ParseTimestamp(x)
		return t, err == nil
	}
	return time.Time{}, false
}

func likeRegexp(pattern string, ci bool) (*regexp.Regexp, error) {
	var b strings.Builder
	if ci {
		b.WriteString("(?is)")
	} else {
		b.WriteString("(?s)")
	}
	b.WriteByte('^')
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteByte('.')
		case '\\':
			if i+1 < len(pattern) {
				i++
				b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteByte('$')
	return regexp.Compile(b.String())
}

func (ev *evaluator) add(a *driftql.AddExpr, env *rowEnv) (any, error) {
	v, err := ev.mul(a.Left, env)
	if err != nil {
		return nil, err
	}
	for _, r := range a.Rest {
		w, err := ev.mul(r.Right, env)
		if err != nil {
			return nil, err
		}
		if v, err = arith(r.Op, v, w); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (ev *evaluator) mul(m *driftql.MulExpr, env *rowEnv) (any, error) {
	v, err := ev.unary(m.Left, env)
	if err != nil {
		return nil, err
	}
	for _, r := range m.Rest {
		w, err := ev.unary(r.Right, env)
		if err != nil {
			return nil, err
		}
		if v, err = arith(r.Op, v, w); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// unary evaluates an operand: as in PostgreSQL, -x::t is -(x::t), and a
// minus before a bare number is part of the constant (-2147483648 is an
// integer).
func (ev *evaluator) unary(u *driftql.Unary, env *rowEnv) (any, error) {
	if u.Neg {
		if text, ok := constNumber(u); ok {
			return literalNumber(text)
		}
	}
	v, err := ev.primary(u.Primary, env)
	if err != nil {
		return nil, err
	}
	for _, c := range u.Casts {
		if v, err = castValue(v, c); err != nil {
			return nil, err
		}
	}
	if u.Neg {
		return negate(v)
	}
	return v, nil
}

// arith applies + - * / % ||.
func arith(op string, a, b any) (any, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	if op == "||" {
		return fmt.Sprint(textOf(a)) + fmt.Sprint(textOf(b)), nil
	}
	if s, ok := a.(string); ok {
		if n, ok := parseNumber(strings.TrimSpace(s)); ok {
			a = n
		}
	}
	if s, ok := b.(string); ok {
		if n, ok := parseNumber(strings.TrimSpace(s)); ok {
			b = n
		}
	}
	if numKindOf(a) == notNumber || numKindOf(b) == notNumber {
		return nil, errorf(CodeUndefinedFunction, "operator does not exist: %s %s %s", kindName(a), op, kindName(b))
	}
	return arithNumbers(op, a, b)
}

// toFloat converts a number to a float (for arguments such as
// pg_sleep's).
func toFloat(v any) (float64, bool) {
	if numKindOf(v) == notNumber {
		return 0, false
	}
	f, err := floatOf(v)
	return f, err == nil
}

func (ev *evaluator) primary(p *driftql.Primary, env *rowEnv) (any, error) {
	switch {
	case p.Number != nil:
		return literalNumber(*p.Number)
	case p.SQ != nil:
		return *p.SQ, nil
	case p.Str != nil:
		return *p.Str, nil
	case p.Param != nil:
		return ev.param(p.Param)
	case p.Bool != nil:
		return bool(*p.Bool), nil
	case p.Null:
		return nil, nil
	case p.Sub != nil:
		return ev.expr(p.Sub, env)
	case p.Cast != nil:
		v, err := ev.expr(p.Cast.Expr, env)
		if err != nil {
			return nil, err
		}
		return castValue(v, p.Cast.Type)
	case p.Doc != nil:
		var v any
		dec := json.NewDecoder(strings.NewReader(p.Doc.Text()))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, errorf(CodeInvalidText, "invalid JSON: %v", err)
		}
		return normalizeJSON(v), nil
	case p.Call != nil:
		return ev.call(p.Call, env)
	case p.Column != nil:
		return ev.column(p.Column, env)
	}
	return nil, errorf(CodeSyntax, "empty expression")
}

func (ev *evaluator) param(p *driftql.Param) (any, error) {
	n, err := strconv.Atoi(p.N[1:])
	if err != nil || n < 1 || n > len(ev.params) {
		return nil, errorf(CodeUndefinedParameter, "there is no parameter %s", p.N)
	}
	v := ev.params[n-1]
	if raw, ok := v.(json.RawMessage); ok {
		// A json or jsonb parameter: its value, not its text.
		var x any
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			return nil, errorf(CodeInvalidText, "parameter %s: invalid JSON: %v", p.N, err)
		}
		return normalizeJSON(x), nil
	}
	if b, ok := v.([]byte); ok {
		return string(b), nil
	}
	if i, ok := v.(int); ok {
		return int64(i), nil
	}
	if d, ok := v.(*apd.Decimal); ok {
		// A numeric parameter: checked as a literal would be.
		if err := engine.CheckNumeric(d); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// column resolves a name: a system column, a field of the document, or a
// path into it; a leading table name or alias is dropped.
func (ev *evaluator) column(p *driftql.Path, env *rowEnv) (any, error) {
	parts := p.Parts // read with Text, which does not allocate for lower-case names
	if env == nil || env.doc == nil && env.row == nil {
		if len(parts) == 1 {
			if v, ok := ev.s.keywordValue(parts[0].Text()); ok {
				return v, nil
			}
		}
		return nil, errorf(CodeUndefinedColumn, "column %q does not exist", p.String())
	}
	if len(parts) > 1 {
		if first := parts[0].Text(); first == env.table || first == env.alias {
			parts = parts[1:]
		}
	}
	switch parts[0].Text() {
	case colSeq:
		if env.row != nil {
			return int64(env.row.Seq), nil
		}
		return nil, nil
	case colTS:
		if env.row != nil && env.row.UnixMs != 0 {
			return time.UnixMilli(env.row.UnixMs).UTC(), nil
		}
		return nil, nil
	case colDoc:
		return env.doc, nil
	}
	var cur any = env.doc
	for _, part := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, nil
		}
		if cur, ok = m[part.Text()]; !ok {
			if len(parts) == 1 {
				if v, ok := ev.s.keywordValue(part.Text()); ok {
					return v, nil
				}
			}
			return nil, nil
		}
	}
	if len(parts) == 1 {
		return ev.columnType(env.table, parts[0].Text(), cur)
	}
	return cur, nil
}

// columnType gives a number read from a column its column's type: in a
// numeric column an integer or a float is numeric (a float is the decimal
// it was written as), in a float8 column an integer is a float. Columns
// of other types hold one kind of number, or several (jsonb), which keep
// their own.
func (ev *evaluator) columnType(table, name string, v any) (any, error) {
	switch v.(type) {
	case int64, float64:
	default:
		return v, nil
	}
	if !ev.typedOK || ev.typedOf != table {
		ev.typedOf, ev.typedOK, ev.typed = table, true, nil
		cols, _ := ev.s.tableCols(table)
		for _, c := range cols {
			if c.Type == engine.TypeFloat8 || c.Type == engine.TypeNumeric {
				ev.typed = append(ev.typed, c)
			}
		}
	}
	for _, c := range ev.typed {
		if c.Name != name {
			continue
		}
		switch x := v.(type) {
		case int64:
			if c.Type == engine.TypeFloat8 {
				return float64(x), nil
			}
			return apd.New(x, 0), nil
		case float64:
			if c.Type == engine.TypeNumeric {
				return engine.FloatNumeric(x, -1)
			}
		}
	}
	return v, nil
}

// normalizeJSON turns decoded JSON numbers into document values.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		return engine.JSONNumber(x)
	case []any:
		for i := range x {
			x[i] = normalizeJSON(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalizeJSON(x[k])
		}
	}
	return v
}

// castValue converts v to the named type.
func castValue(v any, t *driftql.TypeName) (any, error) {
	if v == nil {
		return nil, nil
	}
	name := t.Text()
	oid, ok := oidOfTypeName(name)
	if !ok {
		return nil, errorf(CodeUndefinedObject, "type %q does not exist", name)
	}
	var mod engine.Typmod
	if oid == OIDNumeric {
		var err error
		if mod, err = numericTypmod(t.Args); err != nil {
			return nil, err
		}
	}
	return castTo(v, oid, mod)
}

// castTo converts v to the type oid (with a numeric's typmod).
func castTo(v any, oid uint32, mod engine.Typmod) (any, error) {
	switch oid {
	case OIDInt8:
		return castInt(v, kindInt8)
	case OIDInt4:
		return castInt(v, kindInt4)
	case OIDInt2:
		return castInt(v, kindInt2)
	case OIDFloat8, OIDFloat4:
		return castFloat(v, oid == OIDFloat4)
	case OIDNumeric:
		return castNumeric(v, mod)
	case OIDBool:
		out := outValue(v, OIDBool)
		if out == nil {
			return nil, errorf(CodeInvalidText, "invalid input syntax for type boolean: %q", fmt.Sprint(textOf(v)))
		}
		return out, nil
	case OIDJSONB, OIDJSON:
		if s, ok := v.(string); ok {
			var x any
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			if err := dec.Decode(&x); err != nil {
				return nil, errorf(CodeInvalidText, "invalid input syntax for type json")
			}
			return normalizeJSON(x), nil
		}
		if n := numKindOf(v); n != notNumber {
			return docNumber(v)
		}
		return v, nil
	case OIDBytea:
		if s, ok := v.(string); ok && strings.HasPrefix(s, `\x`) {
			b, err := hex.DecodeString(s[2:])
			if err != nil {
				return nil, errorf(CodeInvalidText, "invalid hexadecimal data for type bytea")
			}
			return b, nil
		}
		return v, nil
	case OIDTimestamptz, OIDTimestamp, OIDDate:
		t, ok := toTime(v)
		if !ok {
			return nil, errorf(CodeInvalidDatetime, "invalid input syntax for type timestamp: %q", fmt.Sprint(textOf(v)))
		}
		if oid == OIDDate {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		return t, nil
	}
	return textOf(v), nil
}

func kindName(v any) string {
	switch v.(type) {
	case nil:
		return "unknown"
	case bool:
		return "boolean"
	case int64:
		return "bigint"
	case int32:
		return "integer"
	case int16:
		return "smallint"
	case float64:
		return "double precision"
	case json.Number, *apd.Decimal:
		return "numeric"
	case string:
		return "text"
	case time.Time:
		return "timestamp with time zone"
	case []any, map[string]any:
		return "jsonb"
	}
	return fmt.Sprintf("%T", v)
}
