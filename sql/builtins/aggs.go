package builtins

import (
	"math"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/types"
)

// The core aggregates: count, sum, avg, min, max, bool_and, bool_or,
// every, array_agg, string_agg. Each is strict (NULL inputs are skipped)
// but count(*), array_agg and the ones PostgreSQL keeps NULLs for.

var _ = register(coreAggregates()...)

func coreAggregates() []*Overload {
	out := []*Overload{
		{Name: "count", Kind: Aggregate, Ret: types.Int8, Agg: func([]*types.T) Accumulator { return &countAcc{} }},
		{Name: "count", Kind: Aggregate, Args: []*types.T{types.AnyT}, Ret: types.Int8, Strict: true,
			Agg: func([]*types.T) Accumulator { return &countAcc{} }},
	}
	// sum: int2/int4 into bigint, int8 and numeric into numeric, floats
	// in their own type.
	for _, t := range []*types.T{types.Int2, types.Int4} {
		out = append(out, &Overload{Name: "sum", Kind: Aggregate, Args: []*types.T{t}, Ret: types.Int8, Strict: true,
			Agg: func([]*types.T) Accumulator { return &sumIntAcc{} }})
	}
	for _, t := range []*types.T{types.Int8, types.Numeric} {
		out = append(out, &Overload{Name: "sum", Kind: Aggregate, Args: []*types.T{t}, Ret: types.Numeric, Strict: true,
			Agg: func([]*types.T) Accumulator { return &sumNumAcc{} }})
	}
	for _, t := range []*types.T{types.Float4, types.Float8} {
		t := t
		out = append(out, &Overload{Name: "sum", Kind: Aggregate, Args: []*types.T{t}, Ret: t, Strict: true,
			Agg: func([]*types.T) Accumulator { return &sumFloatAcc{f4: t == types.Float4} }})
	}
	// avg: integers and numeric into numeric, floats into float8.
	for _, t := range []*types.T{types.Int2, types.Int4, types.Int8, types.Numeric} {
		out = append(out, &Overload{Name: "avg", Kind: Aggregate, Args: []*types.T{t}, Ret: types.Numeric, Strict: true,
			Agg: func([]*types.T) Accumulator { return &avgNumAcc{} }})
	}
	for _, t := range []*types.T{types.Float4, types.Float8} {
		out = append(out, &Overload{Name: "avg", Kind: Aggregate, Args: []*types.T{t}, Ret: types.Float8, Strict: true,
			Agg: func([]*types.T) Accumulator { return &avgFloatAcc{} }})
	}
	for _, t := range comparable {
		t := t
		for _, name := range []string{"min", "max"} {
			greatest := name == "max"
			out = append(out, &Overload{Name: name, Kind: Aggregate, Args: []*types.T{t}, Ret: t, Strict: true,
				Agg: func([]*types.T) Accumulator { return &bestAcc{t: t, greatest: greatest} }})
		}
	}
	for _, name := range []string{"bool_and", "every", "bool_or"} {
		and := name != "bool_or"
		out = append(out, &Overload{Name: name, Kind: Aggregate, Args: []*types.T{types.Bool}, Ret: types.Bool, Strict: true,
			Agg: func([]*types.T) Accumulator { return &boolAcc{and: and} }})
	}
	out = append(out,
		&Overload{Name: "array_agg", Kind: Aggregate, Args: []*types.T{types.AnyNonArray},
			RetFn: func(a []*types.T) *types.T { return types.ArrayOf(a[0]) },
			Agg:   func(a []*types.T) Accumulator { return &arrayAcc{elem: a[0]} }},
		&Overload{Name: "string_agg", Kind: Aggregate, Args: []*types.T{types.Text, types.Text}, Ret: types.Text,
			Agg: func([]*types.T) Accumulator { return &stringAcc{} }},
	)
	return out
}

type countAcc struct{ n int64 }

func (a *countAcc) Add(*Context, []types.Datum) error    { a.n++; return nil }
func (a *countAcc) Result(*Context) (types.Datum, error) { return a.n, nil }
func (a *countAcc) Remove(*Context, []types.Datum) error { a.n--; return nil }

// sumIntAcc sums int2/int4 into int8 (which cannot overflow for fewer than
// 2^32 rows... but checks anyway).
type sumIntAcc struct {
	n   int64
	any bool
}

func (a *sumIntAcc) Add(_ *Context, v []types.Datum) error {
	s, err := intArith("+", a.n, v[0].(int64), types.Int8)
	if err != nil {
		return err
	}
	a.n, a.any = s.(int64), true
	return nil
}

func (a *sumIntAcc) Result(*Context) (types.Datum, error) {
	if !a.any {
		return nil, nil
	}
	return a.n, nil
}

// sumNumAcc sums into a numeric. Numbers of one scale, integers (scale
// 0) or a numeric(p,s) column's decimals, add up as integers in an int64
// while they fit; the other finite numbers (a quotient's scale follows
// its digits) add up in a big integer at the least exponent among them,
// added to in place: no decimal made a row. NaN and the infinities go
// into the decimal.
type sumNumAcc struct {
	d *apd.Decimal
	// s is the sum of the coefficients of the numbers of exponent exp
	// that fit it (hasS: there are some).
	s    int64
	exp  int32
	hasS bool
	// w is the sum of the other finite numbers, at exponent wexp, the
	// least of theirs (hasW: there are some).
	w    apd.BigInt
	wexp int32
	hasW bool
}

func (a *sumNumAcc) Add(_ *Context, v []types.Datum) error {
	var x *apd.Decimal
	switch n := v[0].(type) {
	case int64:
		if a.addScaled(n, 0) {
			return nil
		}
		x = apd.New(n, 0)
	case *apd.Decimal:
		if n.Form == apd.Finite && n.Coeff.IsInt64() {
			c := n.Coeff.Int64()
			if n.Negative {
				c = -c
			}
			if a.addScaled(c, n.Exponent) {
				return nil
			}
		}
		x = n
	}
	if x.Form == apd.Finite {
		a.addWide(x)
		return nil
	}
	if a.d == nil {
		a.d = x
		return nil
	}
	s, err := numericArith("+", a.d, x)
	if err != nil {
		return err
	}
	a.d = s.(*apd.Decimal)
	return nil
}

// addScaled adds c x 10^exp to the integer sum, when exp is its exponent
// (or the first) and the sum does not overflow.
func (a *sumNumAcc) addScaled(c int64, exp int32) bool {
	if a.hasS && exp != a.exp {
		return false
	}
	s := a.s + c
	if (s > a.s) != (c > 0) && c != 0 {
		return false // overflow
	}
	a.s, a.exp, a.hasS = s, exp, true
	return true
}

// addWide adds the finite x to w, at the lesser of their exponents.
func (a *sumNumAcc) addWide(x *apd.Decimal) {
	var c apd.BigInt
	if x.Negative {
		c.Neg(&x.Coeff)
	} else {
		c.Set(&x.Coeff)
	}
	switch {
	case !a.hasW:
		a.w.Set(&c)
		a.wexp, a.hasW = x.Exponent, true
		return
	case x.Exponent > a.wexp:
		c.Mul(&c, pow10(int64(x.Exponent)-int64(a.wexp)))
	case x.Exponent < a.wexp:
		a.w.Mul(&a.w, pow10(int64(a.wexp)-int64(x.Exponent)))
		a.wexp = x.Exponent
	}
	a.w.Add(&a.w, &c)
}

// wide returns w as a decimal.
func (a *sumNumAcc) wide() (*apd.Decimal, error) {
	out := &apd.Decimal{Exponent: a.wexp, Negative: a.w.Sign() < 0}
	out.Coeff.Abs(&a.w)
	return out, engine.CheckNumeric(out)
}

func (a *sumNumAcc) Result(*Context) (types.Datum, error) {
	sum := a.d
	add := func(x *apd.Decimal) error {
		if sum == nil {
			sum = x
			return nil
		}
		s, err := numericArith("+", sum, x)
		if err == nil {
			sum = s.(*apd.Decimal)
		}
		return err
	}
	if a.hasS {
		if err := add(apd.New(a.s, a.exp)); err != nil {
			return nil, err
		}
	}
	if a.hasW {
		w, err := a.wide()
		if err == nil {
			err = add(w)
		}
		if err != nil {
			return nil, err
		}
	}
	if sum == nil {
		return nil, nil
	}
	return sum, nil
}

type sumFloatAcc struct {
	f   float64
	any bool
	f4  bool
}

func (a *sumFloatAcc) Add(_ *Context, v []types.Datum) error {
	a.f += v[0].(float64)
	if a.f4 {
		a.f = float64(float32(a.f))
	}
	a.any = true
	return nil
}

func (a *sumFloatAcc) Result(*Context) (types.Datum, error) {
	if !a.any {
		return nil, nil
	}
	return a.f, nil
}

// avgNumAcc is the exact average of integers or numerics: their sum
// divided by the count with numeric division's scale.
type avgNumAcc struct {
	sum sumNumAcc
	n   int64
}

func (a *avgNumAcc) Add(c *Context, v []types.Datum) error {
	a.n++
	return a.sum.Add(c, v)
}

func (a *avgNumAcc) Result(*Context) (types.Datum, error) {
	if a.n == 0 {
		return nil, nil
	}
	sum, err := a.sum.Result(nil)
	if err != nil {
		return nil, err
	}
	return numericArith("/", sum.(*apd.Decimal), apd.New(a.n, 0))
}

type avgFloatAcc struct {
	sum float64
	n   int64
}

func (a *avgFloatAcc) Add(_ *Context, v []types.Datum) error {
	a.sum += v[0].(float64)
	a.n++
	return nil
}

func (a *avgFloatAcc) Result(*Context) (types.Datum, error) {
	if a.n == 0 {
		return nil, nil
	}
	r := a.sum / float64(a.n)
	if math.IsInf(r, 0) && !math.IsInf(a.sum, 0) {
		return nil, nil
	}
	return r, nil
}

// bestAcc is min or max.
type bestAcc struct {
	t        *types.T
	greatest bool
	best     types.Datum
	// text holds the best text AddString took, in a buffer of its own
	// that the next best is copied into (held: it is the best, not best).
	text []byte
	held bool
}

// settle makes best the best, when it is the text held.
func (a *bestAcc) settle() {
	if a.held {
		a.best, a.held = string(a.text), false
	}
}

func (a *bestAcc) Add(_ *Context, v []types.Datum) error {
	a.settle()
	if a.best == nil {
		a.best = v[0]
		return nil
	}
	c := types.Compare(v[0], a.best, a.t)
	if a.greatest && c > 0 || !a.greatest && c < 0 {
		a.best = v[0]
	}
	return nil
}

func (a *bestAcc) Result(*Context) (types.Datum, error) {
	a.settle()
	return a.best, nil
}

type boolAcc struct {
	and   bool
	value types.Datum
}

func (a *boolAcc) Add(_ *Context, v []types.Datum) error {
	b := v[0].(bool)
	switch {
	case a.value == nil:
		a.value = b
	case a.and:
		a.value = a.value.(bool) && b
	default:
		a.value = a.value.(bool) || b
	}
	return nil
}

func (a *boolAcc) Result(*Context) (types.Datum, error) { return a.value, nil }

type arrayAcc struct {
	elem *types.T
	vals []types.Datum
	any  bool
}

func (a *arrayAcc) Add(_ *Context, v []types.Datum) error {
	a.vals, a.any = append(a.vals, v[0]), true
	return nil
}

func (a *arrayAcc) Result(*Context) (types.Datum, error) {
	if !a.any {
		return nil, nil
	}
	return &types.DArray{Elem: a.elem, Vals: append([]types.Datum(nil), a.vals...)}, nil
}

type stringAcc struct {
	b   strings.Builder
	any bool
}

func (a *stringAcc) Add(_ *Context, v []types.Datum) error {
	if v[0] == nil {
		return nil
	}
	if a.any && v[1] != nil {
		a.b.WriteString(v[1].(string))
	}
	a.b.WriteString(v[0].(string))
	a.any = true
	return nil
}

func (a *stringAcc) Result(*Context) (types.Datum, error) {
	if !a.any {
		return nil, nil
	}
	return a.b.String(), nil
}
