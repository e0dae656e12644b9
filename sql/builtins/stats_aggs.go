package builtins

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/types"
)

// The statistical aggregates of one variable: var_samp, var_pop,
// stddev_samp, stddev_pop, and variance and stddev, which are the
// sample forms. Integers and numerics give an exact numeric result, as
// PostgreSQL's numeric_stddev_internal computes it; floats give float8,
// by the Youngs-Cramer updates of float8_accum.

var _ = register(statsAggregates()...)

// statKind says which statistic an aggregate computes.
type statKind struct {
	sample, stddev bool
}

func statsAggregates() []*Overload {
	kinds := map[string]statKind{
		"var_samp":    {sample: true},
		"variance":    {sample: true},
		"var_pop":     {},
		"stddev_samp": {sample: true, stddev: true},
		"stddev":      {sample: true, stddev: true},
		"stddev_pop":  {stddev: true},
	}
	var out []*Overload
	for _, name := range []string{"var_samp", "variance", "var_pop", "stddev_samp", "stddev", "stddev_pop"} {
		k := kinds[name]
		for _, t := range []*types.T{types.Int2, types.Int4, types.Int8, types.Numeric} {
			out = append(out, &Overload{Name: name, Kind: Aggregate, Args: ts(t), Ret: types.Numeric, Strict: true,
				Agg: func([]*types.T) Accumulator { return &numStatAcc{kind: k} }})
		}
		for _, t := range []*types.T{types.Float4, types.Float8} {
			out = append(out, &Overload{Name: name, Kind: Aggregate, Args: ts(t), Ret: types.Float8, Strict: true,
				Agg: func([]*types.T) Accumulator { return &floatStatAcc{kind: k} }})
		}
	}
	return out
}

// numStatAcc keeps the count, the exact sum and the exact sum of squares
// of integer or numeric inputs, and how many were NaN or infinite.
type numStatAcc struct {
	kind     statKind
	n        int64
	special  int64 // NaN and infinite inputs
	maxScale int32
	sumX     *apd.Decimal
	sumX2    *apd.Decimal
}

func (a *numStatAcc) Add(_ *Context, v []types.Datum) error {
	var x *apd.Decimal
	switch n := v[0].(type) {
	case int64:
		x = apd.New(n, 0)
	case *apd.Decimal:
		x = n
	default:
		return nil
	}
	a.n++
	if x.Form != apd.Finite {
		a.special++
		return nil
	}
	a.maxScale = max(a.maxScale, scaleOf(x))
	sq := &apd.Decimal{Exponent: 2 * x.Exponent}
	sq.Coeff.Mul(&x.Coeff, &x.Coeff)
	if a.sumX == nil {
		a.sumX, a.sumX2 = x, sq
		return nil
	}
	a.sumX = addDecimal(a.sumX, x, false)
	a.sumX2 = addDecimal(a.sumX2, sq, false)
	return nil
}

func (a *numStatAcc) Result(*Context) (types.Datum, error) {
	if a.n == 0 || a.kind.sample && a.n <= 1 {
		return nil, nil
	}
	if a.special > 0 {
		return decimalNaN, nil
	}
	n := apd.New(a.n, 0)
	// numerator = N * sumX2 - sumX * sumX, exact, at twice the inputs'
	// largest scale.
	sq := &apd.Decimal{Exponent: 2 * a.sumX.Exponent}
	sq.Coeff.Mul(&a.sumX.Coeff, &a.sumX.Coeff)
	nx2 := &apd.Decimal{Exponent: a.sumX2.Exponent, Negative: a.sumX2.Negative}
	nx2.Coeff.Mul(&a.sumX2.Coeff, &n.Coeff)
	num := atScale(addDecimal(nx2, sq, true), 2*a.maxScale)
	if num.Sign() <= 0 {
		return apd.New(0, 0), nil
	}
	// The denominator N * (N - 1), or N * N, exactly.
	d := &apd.Decimal{}
	if a.kind.sample {
		d.Coeff.Mul(&n.Coeff, apd.NewBigInt(a.n-1))
	} else {
		d.Coeff.Mul(&n.Coeff, &n.Coeff)
	}
	rscale := divScale(num, d)
	v := divRound(num, d, rscale)
	if a.kind.stddev {
		v = sqrtRound(v, rscale)
	}
	return v, nil
}

// atScale writes d with exactly scale digits after the point, when its
// exponent allows it without rounding (a larger exponent is brought down).
func atScale(d *apd.Decimal, scale int32) *apd.Decimal {
	if d.Exponent <= -scale {
		return d
	}
	out := &apd.Decimal{Exponent: -scale, Negative: d.Negative}
	out.Coeff.Mul(&d.Coeff, pow10(int64(d.Exponent+scale)))
	return out
}

// floatStatAcc is float8_accum's state: N, Sx and Sxx, the sum of
// squared differences from the mean, updated as Youngs and Cramer do.
type floatStatAcc struct {
	kind       statKind
	n, sx, sx2 float64
}

func (a *floatStatAcc) Add(_ *Context, v []types.Datum) error {
	x, ok := v[0].(float64)
	if !ok {
		return nil
	}
	n := a.n + 1
	sx := a.sx + x
	sxx := a.sx2
	if a.n > 0 {
		tmp := x*n - sx
		sxx += tmp * tmp / (n * a.n)
		if math.IsInf(sx, 0) || math.IsInf(sxx, 0) {
			if !math.IsInf(a.sx, 0) && !math.IsInf(x, 0) {
				return errFloatOver
			}
			sxx = math.NaN()
		}
	} else if math.IsNaN(x) || math.IsInf(x, 0) {
		sxx = math.NaN()
	}
	a.n, a.sx, a.sx2 = n, sx, sxx
	return nil
}

func (a *floatStatAcc) Result(*Context) (types.Datum, error) {
	den := a.n
	if a.kind.sample {
		if a.n <= 1 {
			return nil, nil
		}
		den = a.n - 1
	} else if a.n == 0 {
		return nil, nil
	}
	v := a.sx2 / den
	if a.kind.stddev {
		v = math.Sqrt(v)
	}
	return v, nil
}
