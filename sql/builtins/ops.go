package builtins

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Operators over the built-in types: comparison, arithmetic, text
// concatenation and pattern matching.

// comparable are the types with the six comparison operators over two
// values of the type, in types.Compare's order.
var comparable = []*types.T{
	types.Bool, types.Int2, types.Int4, types.Int8, types.Float4, types.Float8, types.Numeric,
	types.Text, types.Name, types.Bpchar, types.Char, types.Bytea, types.UUID, types.Date, types.Time,
	types.Timestamp, types.TimestampTZ, types.Interval, types.JSONB, types.OidT,
}

// cmpOps maps an operator to what it says of a comparison's result.
var cmpOps = map[string]func(int) bool{
	"=":  func(c int) bool { return c == 0 },
	"<>": func(c int) bool { return c != 0 },
	"<":  func(c int) bool { return c < 0 },
	"<=": func(c int) bool { return c <= 0 },
	">":  func(c int) bool { return c > 0 },
	">=": func(c int) bool { return c >= 0 },
}

var _ = register(comparisonOps()...)

func comparisonOps() []*Overload {
	var out []*Overload
	for name, holds := range cmpOps {
		holds := holds
		for _, t := range comparable {
			t := t
			out = append(out, &Overload{Name: name, Args: []*types.T{t, t}, Ret: types.Bool, Strict: true,
				Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
					return holds(types.Compare(a[0], a[1], t)), nil
				}})
		}
		// Integers of different widths compare without a cast.
		ints := []*types.T{types.Int2, types.Int4, types.Int8}
		for _, x := range ints {
			for _, y := range ints {
				if x != y {
					out = append(out, &Overload{Name: name, Args: []*types.T{x, y}, Ret: types.Bool, Strict: true,
						Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
							return holds(cmpInt(a[0].(int64), a[1].(int64))), nil
						}})
				}
			}
		}
		out = append(out, &Overload{Name: name, Args: []*types.T{types.AnyArray, types.AnyArray}, Ret: types.Bool, Strict: true,
			Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
				return holds(types.Compare(a[0], a[1], types.ArrayOf(a[0].(*types.DArray).Elem))), nil
			}})
	}
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// intName is how PostgreSQL's "out of range" errors name an integer type.
func intName(t *types.T) string {
	switch t.Oid {
	case types.OidInt2:
		return "smallint"
	case types.OidInt4:
		return "integer"
	}
	return "bigint"
}

// fitInt checks that n fits the integer type t (22003 otherwise).
func fitInt(n int64, t *types.T) (types.Datum, error) {
	if _, err := fitInt64(n, t); err != nil {
		return nil, err
	}
	return n, nil
}

// fitInt64 checks that n is in the range of the integer type t.
func fitInt64(n int64, t *types.T) (int64, error) {
	switch t.Oid {
	case types.OidInt2:
		if n < math.MinInt16 || n > math.MaxInt16 {
			return 0, pgcode.Newf(pgcode.NumericValueOutOfRange, "%s out of range", intName(t))
		}
	case types.OidInt4:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return 0, pgcode.Newf(pgcode.NumericValueOutOfRange, "%s out of range", intName(t))
		}
	}
	return n, nil
}

// intArith is integer arithmetic in type t: a result that does not fit
// fails with 22003, division by zero with 22012.
func intArith(op string, x, y int64, t *types.T) (types.Datum, error) {
	r, err := intOp(op, x, y, t)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// intOp is intArith's integer.
func intOp(op string, x, y int64, t *types.T) (int64, error) {
	rng := func() error { return pgcode.Newf(pgcode.NumericValueOutOfRange, "%s out of range", intName(t)) }
	var r int64
	switch op {
	case "+":
		r = x + y
		if (r > x) != (y > 0) {
			return 0, rng()
		}
	case "-":
		r = x - y
		if (r < x) != (y > 0) {
			return 0, rng()
		}
	case "*":
		if x != 0 && y != 0 {
			r = x * y
			if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
				return 0, rng()
			}
		}
	case "/":
		if y == 0 {
			return 0, pgcode.New(pgcode.DivisionByZero, "division by zero")
		}
		if y == -1 && x == math.MinInt64 {
			return 0, rng()
		}
		r = x / y
	case "%":
		if y == 0 {
			return 0, pgcode.New(pgcode.DivisionByZero, "division by zero")
		}
		if y != -1 { // x % -1 is 0, also for the smallest x
			r = x % y
		}
	}
	return fitInt64(r, t)
}

// floatArith is float arithmetic with PostgreSQL's checks: a finite
// operation that overflows to infinity or underflows to zero is 22003.
func floatArith(op string, x, y float64, f4 bool) (types.Datum, error) {
	var r float64
	switch op {
	case "+":
		r = x + y
	case "-":
		r = x - y
	case "*":
		r = x * y
		if r == 0 && x != 0 && y != 0 {
			return nil, pgcode.New(pgcode.NumericValueOutOfRange, "value out of range: underflow")
		}
	case "/":
		if y == 0 && !math.IsNaN(x) {
			return nil, pgcode.New(pgcode.DivisionByZero, "division by zero")
		}
		r = x / y
		if r == 0 && x != 0 && !math.IsInf(y, 0) {
			return nil, pgcode.New(pgcode.NumericValueOutOfRange, "value out of range: underflow")
		}
	}
	if f4 {
		r = float64(float32(r))
	}
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return nil, pgcode.New(pgcode.NumericValueOutOfRange, "value out of range: overflow")
	}
	return r, nil
}

var _ = register(arithmeticOps()...)

func arithmeticOps() []*Overload {
	var out []*Overload
	ints := []*types.T{types.Int2, types.Int4, types.Int8}
	wider := func(a, b *types.T) *types.T {
		if a.Len >= b.Len {
			return a
		}
		return b
	}
	for _, op := range []string{"+", "-", "*", "/", "%"} {
		op := op
		for _, x := range ints {
			for _, y := range ints {
				t := wider(x, y)
				out = append(out, &Overload{Name: op, Args: []*types.T{x, y}, Ret: t, Strict: true,
					Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
						return intArith(op, a[0].(int64), a[1].(int64), t)
					},
					Int2: func(x, y int64) (int64, error) { return intOp(op, x, y, t) }})
			}
		}
		out = append(out, &Overload{Name: op, Args: []*types.T{types.Numeric, types.Numeric}, Ret: types.Numeric, Strict: true,
			Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
				return numericArith(op, a[0].(*apd.Decimal), a[1].(*apd.Decimal))
			}})
		if op == "%" {
			continue
		}
		for _, f := range []*types.T{types.Float4, types.Float8} {
			f4 := f == types.Float4
			out = append(out, &Overload{Name: op, Args: []*types.T{f, f}, Ret: f, Strict: true,
				Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
					return floatArith(op, a[0].(float64), a[1].(float64), f4)
				}})
		}
		// float4 with float8 computes in float8, as PostgreSQL's
		// float48pl and float84pl do: so float4 + int is float8.
		for _, args := range [][]*types.T{{types.Float4, types.Float8}, {types.Float8, types.Float4}} {
			out = append(out, &Overload{Name: op, Args: args, Ret: types.Float8, Strict: true,
				Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
					return floatArith(op, a[0].(float64), a[1].(float64), false)
				}})
		}
	}
	// Unary minus and plus.
	for _, t := range ints {
		t := t
		out = append(out, &Overload{Name: "-", Args: []*types.T{t}, Ret: t, Strict: true,
			Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
				x := a[0].(int64)
				if x == math.MinInt64 {
					return nil, pgcode.Newf(pgcode.NumericValueOutOfRange, "%s out of range", intName(t))
				}
				return fitInt(-x, t)
			}},
			&Overload{Name: "+", Args: []*types.T{t}, Ret: t, Strict: true,
				Fn: func(_ *Context, a []types.Datum) (types.Datum, error) { return a[0], nil }})
	}
	for _, f := range []*types.T{types.Float4, types.Float8} {
		out = append(out, &Overload{Name: "-", Args: []*types.T{f}, Ret: f, Strict: true,
			Fn: func(_ *Context, a []types.Datum) (types.Datum, error) { return -a[0].(float64), nil }},
			&Overload{Name: "+", Args: []*types.T{f}, Ret: f, Strict: true,
				Fn: func(_ *Context, a []types.Datum) (types.Datum, error) { return a[0], nil }})
	}
	out = append(out, &Overload{Name: "-", Args: []*types.T{types.Numeric}, Ret: types.Numeric, Strict: true,
		Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
			d := a[0].(*apd.Decimal)
			if d.Form == apd.NaN {
				return d, nil
			}
			n := new(apd.Decimal).Neg(d)
			if n.IsZero() {
				n.Negative = false
			}
			return n, nil
		}},
		&Overload{Name: "+", Args: []*types.T{types.Numeric}, Ret: types.Numeric, Strict: true,
			Fn: func(_ *Context, a []types.Datum) (types.Datum, error) { return a[0], nil }})
	return out
}

var _ = register(textOps()...)

func textOps() []*Overload {
	concat := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return a[0].(string) + a[1].(string), nil
	}
	out := []*Overload{
		{Name: "||", Args: []*types.T{types.Text, types.Text}, Ret: types.Text, Strict: true, Fn: concat},
	}
	// text || anynonarray and back (PostgreSQL's textanycat and
	// anytextcat): the other side cast to text, as PostgreSQL's SQL
	// functions do ($1::text || $2: true || 'x' is 'truex'). They are
	// polymorphic, as PostgreSQL declares them, so that every type that
	// is no array takes them (cstring too, which casts to text only
	// explicitly), and the resolver chooses among them as PostgreSQL
	// does ('x'::cstring || 'y' is text: the string category of text
	// wins the unknown operand over array_prepend's anycompatiblearray).
	out = append(out,
		&Overload{Name: "||", Args: []*types.T{types.Text, types.AnyNonArray}, Ret: types.Text, Strict: true,
			FnFor: func(ts []*types.T) fnBody {
				t := ts[1]
				return func(c *Context, a []types.Datum) (types.Datum, error) {
					s, err := types.Cast(a[1], t, types.Text, c.Types)
					if err != nil {
						return nil, err
					}
					return a[0].(string) + s.(string), nil
				}
			}},
		&Overload{Name: "||", Args: []*types.T{types.AnyNonArray, types.Text}, Ret: types.Text, Strict: true,
			FnFor: func(ts []*types.T) fnBody {
				t := ts[0]
				return func(c *Context, a []types.Datum) (types.Datum, error) {
					s, err := types.Cast(a[0], t, types.Text, c.Types)
					if err != nil {
						return nil, err
					}
					return s.(string) + a[1].(string), nil
				}
			}})
	like := func(name string, fold, not bool) *Overload {
		return &Overload{Name: name, Args: []*types.T{types.Text, types.Text}, Ret: types.Bool, Strict: true,
			Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
				s, p := a[0].(string), a[1].(string)
				if fold {
					s, p = strings.ToLower(s), strings.ToLower(p)
				}
				ok, err := likeMatch(s, p)
				if err != nil {
					return nil, err
				}
				return ok != not, nil
			}}
	}
	out = append(out, like("~~", false, false), like("!~~", false, true), like("~~*", true, false), like("!~~*", true, true))
	return out
}

// likeMatch matches SQL's LIKE: % any run, _ one character, \ escapes the
// next. It walks both strings once, going back only to the last % seen
// (a later % matches whatever an earlier one could), so a row costs
// O(len(s) x len(p)) at worst and allocates nothing.
func likeMatch(s, p string) (bool, error) {
	i, j := 0, 0
	starI, starJ := -1, -1 // where the last % resumes: s and p after it
	for {
		if j < len(p) {
			switch p[j] {
			case '%':
				if j++; j == len(p) {
					return true, nil // the rest of s, whatever it is
				}
				starI, starJ = i, j
				continue
			case '_':
				if i < len(s) {
					_, n := utf8.DecodeRuneInString(s[i:])
					i, j = i+n, j+1
					continue
				}
			default:
				lit := j
				if p[j] == '\\' {
					if j+1 >= len(p) {
						return false, pgcode.New(pgcode.InvalidEscapeSequence, "LIKE pattern must not end with escape character")
					}
					lit = j + 1
				}
				_, pn := utf8.DecodeRuneInString(p[lit:])
				if n := lit + pn - j; strings.HasPrefix(s[i:], p[lit:lit+pn]) {
					i, j = i+pn, j+n
					continue
				}
			}
		} else if i == len(s) {
			return true, nil
		}
		// A mismatch: the last % takes one character more.
		if starJ < 0 || starI >= len(s) {
			return false, nil
		}
		_, n := utf8.DecodeRuneInString(s[starI:])
		starI += n
		if c := p[starJ]; c != '_' && c != '\\' && c != '%' {
			// The next place the literal after the % starts (a byte
			// that starts a character in p starts one in s too).
			k := strings.IndexByte(s[starI:], c)
			if k < 0 {
				return false, nil
			}
			starI += k
		}
		i, j = starI, starJ
	}
}
