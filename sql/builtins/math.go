package builtins

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Mathematical functions and operators over the integers, double
// precision and numeric, as PostgreSQL 15's int.c, float.c and numeric.c
// compute them: the same result types, the same scales of numeric
// results, the same errors.

var (
	errSqrtNegative = pgcode.New(pgcode.InvalidArgumentForPower, "cannot take square root of a negative number")
	errLogZero      = pgcode.New(pgcode.InvalidArgumentForLog, "cannot take logarithm of zero")
	errLogNegative  = pgcode.New(pgcode.InvalidArgumentForLog, "cannot take logarithm of a negative number")
	errZeroPowerNeg = pgcode.New(pgcode.InvalidArgumentForPower, "zero raised to a negative power is undefined")
	errComplexPower = pgcode.New(pgcode.InvalidArgumentForPower, "a negative number raised to a non-integer power yields a complex result")
	errFloatOver    = pgcode.New(pgcode.NumericValueOutOfRange, "value out of range: overflow")
	errFloatUnder   = pgcode.New(pgcode.NumericValueOutOfRange, "value out of range: underflow")
	errInputRange   = pgcode.New(pgcode.NumericValueOutOfRange, "input is out of range")
	errNumericOver  = pgcode.New(pgcode.NumericValueOutOfRange, "value overflows numeric format")
	errDivZero      = pgcode.New(pgcode.DivisionByZero, "division by zero")
)

// PostgreSQL's limits on the scale of numeric results (numeric.c).
const (
	numericMaxDisplayScale = 1000 // NUMERIC_MAX_DISPLAY_SCALE
	numericMaxResultScale  = 2000 // NUMERIC_MAX_RESULT_SCALE
	numericDscaleMax       = 0x3FFF
	numericWeightMax       = 32767
)

func errOutOfRange(what string) error {
	return pgcode.Newf(pgcode.NumericValueOutOfRange, "%s out of range", what)
}

func clampScale(s int64) int32 {
	return int32(min(max(s, 0), numericMaxDisplayScale))
}

var _ = register(mathFuncs()...)

func mathFuncs() []*Overload {
	F, N, I, I2, I8 := types.Float8, types.Numeric, types.Int4, types.Int2, types.Int8
	f1 := func(f func(x float64) (float64, error)) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) { return f(a[0].(float64)) }
	}
	n1 := func(f func(x *apd.Decimal) (types.Datum, error)) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) { return f(a[0].(*apd.Decimal)) }
	}
	n2 := func(f func(x, y *apd.Decimal) (types.Datum, error)) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) {
			return f(a[0].(*apd.Decimal), a[1].(*apd.Decimal))
		}
	}
	absInt := func(t *types.T) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) {
			x := a[0].(int64)
			if x < 0 {
				if x == math.MinInt64 {
					return nil, errOutOfRange(intName(t))
				}
				x = -x
			}
			return fitInt(x, t)
		}
	}
	absFloat := f1(func(x float64) (float64, error) { return math.Abs(x), nil })
	absNumeric := n1(func(x *apd.Decimal) (types.Datum, error) {
		if x.Form == apd.NaN {
			return x, nil
		}
		return new(apd.Decimal).Abs(x), nil
	})
	modInt := func(t *types.T) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) {
			return intArith("%", a[0].(int64), a[1].(int64), t)
		}
	}
	roundF := f1(func(x float64) (float64, error) { return math.RoundToEven(x), nil })
	truncF := f1(func(x float64) (float64, error) { return math.Trunc(x), nil })
	ceilF := f1(func(x float64) (float64, error) { return math.Ceil(x), nil })
	floorF := f1(func(x float64) (float64, error) { return math.Floor(x), nil })
	ceilN := n1(func(x *apd.Decimal) (types.Datum, error) { return numericRoundDir(x, 0, 1), nil })
	floorN := n1(func(x *apd.Decimal) (types.Datum, error) { return numericRoundDir(x, 0, -1), nil })
	powerF := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return floatPower(a[0].(float64), a[1].(float64))
	}
	powerN := n2(numericPower)
	sqrtF := f1(func(x float64) (float64, error) {
		if x < 0 {
			return 0, errSqrtNegative
		}
		return math.Sqrt(x), nil
	})
	cbrtF := f1(func(x float64) (float64, error) {
		r := cCbrt(x)
		if r == 0 && x != 0 {
			return 0, errFloatUnder
		}
		return r, nil
	})
	lnF := f1(func(x float64) (float64, error) {
		switch {
		case x == 0:
			return 0, errLogZero
		case x < 0:
			return 0, errLogNegative
		}
		return cLog(x), nil
	})
	log10F := f1(func(x float64) (float64, error) {
		switch {
		case x == 0:
			return 0, errLogZero
		case x < 0:
			return 0, errLogNegative
		}
		return cLog10(x), nil
	})
	log10N := n1(func(x *apd.Decimal) (types.Datum, error) { return numericLog(apd.New(10, 0), x) })
	signN := n1(func(x *apd.Decimal) (types.Datum, error) {
		switch {
		case x.Form == apd.NaN:
			return x, nil
		case x.Sign() > 0:
			return apd.New(1, 0), nil
		case x.Sign() < 0:
			return apd.New(-1, 0), nil
		}
		return apd.New(0, 0), nil
	})
	trig := func(f func(float64) float64) fnBody {
		return f1(func(x float64) (float64, error) {
			if math.IsNaN(x) {
				return x, nil
			}
			if math.IsInf(x, 0) {
				return 0, errInputRange
			}
			return f(x), nil
		})
	}
	arc := func(f func(float64) float64) fnBody {
		return f1(func(x float64) (float64, error) {
			if math.IsNaN(x) {
				return x, nil
			}
			if x < -1 || x > 1 {
				return 0, errInputRange
			}
			return f(x), nil
		})
	}
	out := []*Overload{
		def(1398, "abs", ts(I2), I2, absInt(I2)),
		def(1397, "abs", ts(I), I, absInt(I)),
		def(1396, "abs", ts(I8), I8, absInt(I8)),
		def(1394, "abs", ts(types.Float4), types.Float4, absFloat),
		def(1395, "abs", ts(F), F, absFloat),
		def(1705, "abs", ts(N), N, absNumeric),
		def(1253, "@", ts(I2), I2, absInt(I2)),
		def(1251, "@", ts(I), I, absInt(I)),
		def(1230, "@", ts(I8), I8, absInt(I8)),
		def(207, "@", ts(types.Float4), types.Float4, absFloat),
		def(221, "@", ts(F), F, absFloat),
		def(1704, "@", ts(N), N, absNumeric),
		def(940, "mod", ts(I2, I2), I2, modInt(I2)),
		def(941, "mod", ts(I, I), I, modInt(I)),
		def(947, "mod", ts(I8, I8), I8, modInt(I8)),
		def(1728, "mod", ts(N, N), N, n2(func(x, y *apd.Decimal) (types.Datum, error) { return numericArith("%", x, y) })),
		def(1973, "div", ts(N, N), N, n2(numericDiv)),
		def(1342, "round", ts(F), F, roundF),
		def(1708, "round", ts(N), N, n1(func(x *apd.Decimal) (types.Datum, error) { return numericRound(x, 0), nil })),
		def(1707, "round", ts(N, I), N, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return numericRound(a[0].(*apd.Decimal), a[1].(int64)), nil
		}),
		def(1343, "trunc", ts(F), F, truncF),
		def(1710, "trunc", ts(N), N, n1(func(x *apd.Decimal) (types.Datum, error) { return numericTrunc(x, 0), nil })),
		def(1709, "trunc", ts(N, I), N, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return numericTrunc(a[0].(*apd.Decimal), a[1].(int64)), nil
		}),
		def(2308, "ceil", ts(F), F, ceilF),
		def(1711, "ceil", ts(N), N, ceilN),
		def(2320, "ceiling", ts(F), F, ceilF),
		def(2167, "ceiling", ts(N), N, ceilN),
		def(2309, "floor", ts(F), F, floorF),
		def(1712, "floor", ts(N), N, floorN),
		def(2310, "sign", ts(F), F, f1(func(x float64) (float64, error) {
			switch {
			case x > 0:
				return 1, nil
			case x < 0:
				return -1, nil
			}
			return 0, nil
		})),
		def(1706, "sign", ts(N), N, signN),
		def(1368, "power", ts(F, F), F, powerF),
		def(2169, "power", ts(N, N), N, powerN),
		def(1346, "pow", ts(F, F), F, powerF),
		def(1738, "pow", ts(N, N), N, powerN),
		def(232, "^", ts(F, F), F, powerF),
		def(1739, "^", ts(N, N), N, powerN),
		def(1344, "sqrt", ts(F), F, sqrtF),
		def(1730, "sqrt", ts(N), N, n1(numericSqrt)),
		def(230, "|/", ts(F), F, sqrtF),
		def(1345, "cbrt", ts(F), F, cbrtF),
		def(231, "||/", ts(F), F, cbrtF),
		def(1347, "exp", ts(F), F, f1(func(x float64) (float64, error) {
			r := cExp(x)
			switch {
			case math.IsInf(r, 0) && !math.IsInf(x, 0):
				return 0, errFloatOver
			case r == 0 && !math.IsInf(x, 0):
				return 0, errFloatUnder
			}
			return r, nil
		})),
		def(1732, "exp", ts(N), N, n1(numericExp)),
		def(1341, "ln", ts(F), F, lnF),
		def(1734, "ln", ts(N), N, n1(numericLn)),
		def(1340, "log", ts(F), F, log10F),
		def(1741, "log", ts(N), N, log10N),
		def(1736, "log", ts(N, N), N, n2(numericLog)),
		def(1194, "log10", ts(F), F, log10F),
		def(1481, "log10", ts(N), N, log10N),
		def(1376, "factorial", ts(I8), N, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return factorial(a[0].(int64))
		}),
		def(1610, "pi", nil, F, func(*Context, []types.Datum) (types.Datum, error) { return math.Pi, nil }),
		def(1608, "degrees", ts(F), F, f1(func(x float64) (float64, error) {
			r, err := floatArith("/", x, math.Pi/180, false)
			if err != nil {
				return 0, err
			}
			return r.(float64), nil
		})),
		def(1609, "radians", ts(F), F, f1(func(x float64) (float64, error) {
			r, err := floatArith("*", x, math.Pi/180, false)
			if err != nil {
				return 0, err
			}
			return r.(float64), nil
		})),
		def(1604, "sin", ts(F), F, trig(cSin)),
		def(1605, "cos", ts(F), F, trig(cCos)),
		def(1606, "tan", ts(F), F, trig(cTan)),
		def(1607, "cot", ts(F), F, trig(func(x float64) float64 { return 1 / cTan(x) })),
		def(1600, "asin", ts(F), F, arc(cAsin)),
		def(1601, "acos", ts(F), F, arc(cAcos)),
		def(1602, "atan", ts(F), F, f1(func(x float64) (float64, error) { return cAtan(x), nil })),
		def(1603, "atan2", ts(F, F), F, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return cAtan2(a[0].(float64), a[1].(float64)), nil
		}),
		def(2462, "sinh", ts(F), F, f1(func(x float64) (float64, error) { return cSinh(x), nil })),
		def(2463, "cosh", ts(F), F, f1(func(x float64) (float64, error) { return cCosh(x), nil })),
		def(2464, "tanh", ts(F), F, f1(func(x float64) (float64, error) { return cTanh(x), nil })),
		def(2465, "asinh", ts(F), F, f1(func(x float64) (float64, error) { return cAsinh(x), nil })),
		def(2466, "acosh", ts(F), F, f1(func(x float64) (float64, error) {
			if x < 1 {
				return 0, errInputRange
			}
			return cAcosh(x), nil
		})),
		def(2467, "atanh", ts(F), F, f1(func(x float64) (float64, error) {
			if x < -1 || x > 1 {
				return 0, errInputRange
			}
			return cAtanh(x), nil
		})),
		def(320, "width_bucket", ts(F, F, F, I), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return widthBucketFloat(a[0].(float64), a[1].(float64), a[2].(float64), a[3].(int64))
		}),
		def(2170, "width_bucket", ts(N, N, N, I), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return widthBucketNumeric(a[0].(*apd.Decimal), a[1].(*apd.Decimal), a[2].(*apd.Decimal), a[3].(int64))
		}),
		def(3281, "scale", ts(N), I, n1(func(x *apd.Decimal) (types.Datum, error) {
			if x.Form != apd.Finite {
				return nil, nil
			}
			return int64(scaleOf(x)), nil
		})),
		def(5042, "min_scale", ts(N), I, n1(func(x *apd.Decimal) (types.Datum, error) {
			if x.Form != apd.Finite {
				return nil, nil
			}
			return int64(minScale(x)), nil
		})),
		def(5043, "trim_scale", ts(N), N, n1(func(x *apd.Decimal) (types.Datum, error) {
			if x.Form != apd.Finite {
				return x, nil
			}
			return withScale(x, minScale(x)), nil
		})),
	}
	for _, t := range []*types.T{I2, I, I8} {
		t := t
		oids := map[uint32][6]uint32{ // and, or, xor, not, shl, shr
			types.OidInt2: {1892, 1893, 1894, 1895, 1896, 1897},
			types.OidInt4: {1898, 1899, 1900, 1901, 1902, 1903},
			types.OidInt8: {1904, 1905, 1906, 1907, 1908, 1909},
		}[t.Oid]
		bin := func(f func(x, y int64) int64) fnBody {
			return func(_ *Context, a []types.Datum) (types.Datum, error) { return f(a[0].(int64), a[1].(int64)), nil }
		}
		width := uint(t.Len * 8)
		// Shifts as the C shifts PostgreSQL runs on x86: the count taken
		// modulo the width of int (int2 is shifted as an int), the result
		// cut to the type.
		shiftWidth := max(width, 32)
		cut := func(v int64) int64 {
			switch width {
			case 16:
				return int64(int16(v))
			case 32:
				return int64(int32(v))
			}
			return v
		}
		out = append(out,
			def(oids[0], "&", ts(t, t), t, bin(func(x, y int64) int64 { return x & y })),
			def(oids[1], "|", ts(t, t), t, bin(func(x, y int64) int64 { return x | y })),
			def(oids[2], "#", ts(t, t), t, bin(func(x, y int64) int64 { return x ^ y })),
			def(oids[3], "~", ts(t), t, func(_ *Context, a []types.Datum) (types.Datum, error) { return ^a[0].(int64), nil }),
			def(oids[4], "<<", ts(t, I), t, bin(func(x, y int64) int64 {
				n := uint(y) & (shiftWidth - 1)
				if shiftWidth == 32 {
					return cut(int64(int32(uint32(x) << n)))
				}
				return cut(int64(uint64(x) << n))
			})),
			def(oids[5], ">>", ts(t, I), t, bin(func(x, y int64) int64 {
				n := uint(y) & (shiftWidth - 1)
				if shiftWidth == 32 {
					return cut(int64(int32(x) >> n))
				}
				return cut(x >> n)
			})),
		)
	}
	gcdOids := map[uint32][2]uint32{types.OidInt4: {5044, 5046}, types.OidInt8: {5045, 5047}}
	for _, t := range []*types.T{I, I8} {
		t := t
		out = append(out,
			def(gcdOids[t.Oid][0], "gcd", ts(t, t), t, func(_ *Context, a []types.Datum) (types.Datum, error) {
				return intGCD(a[0].(int64), a[1].(int64), t)
			}),
			def(gcdOids[t.Oid][1], "lcm", ts(t, t), t, func(_ *Context, a []types.Datum) (types.Datum, error) {
				return intLCM(a[0].(int64), a[1].(int64), t)
			}))
	}
	out = append(out,
		def(5048, "gcd", ts(N, N), N, n2(numericGCD)),
		def(5049, "lcm", ts(N, N), N, n2(numericLCM)),
	)
	return out
}

// floatPower is float8's ^ with PostgreSQL's rules for NaN, zero and
// negative bases.
func floatPower(x, y float64) (types.Datum, error) {
	switch {
	case math.IsNaN(x):
		if math.IsNaN(y) || y != 0 {
			return math.NaN(), nil
		}
		return 1.0, nil
	case math.IsNaN(y):
		if x != 1 {
			return math.NaN(), nil
		}
		return 1.0, nil
	case x == 0 && y < 0:
		return nil, errZeroPowerNeg
	case x < 0 && math.Floor(y) != y && !math.IsInf(y, 0):
		return nil, errComplexPower
	}
	r := cPow(x, y)
	switch {
	case math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0):
		return nil, errFloatOver
	case r == 0 && x != 0 && !math.IsInf(x, 0) && !math.IsInf(y, 0):
		return nil, errFloatUnder
	}
	return r, nil
}

func widthBucketFloat(op, b1, b2 float64, count int64) (types.Datum, error) {
	wb := pgcode.InvalidArgumentForWidthBucket
	switch {
	case count <= 0:
		return nil, pgcode.New(wb, "count must be greater than zero")
	case math.IsNaN(op) || math.IsNaN(b1) || math.IsNaN(b2):
		return nil, pgcode.New(wb, "operand, lower bound, and upper bound cannot be NaN")
	case math.IsInf(b1, 0) || math.IsInf(b2, 0):
		return nil, pgcode.New(wb, "lower and upper bounds must be finite")
	case b1 == b2:
		return nil, pgcode.New(wb, "lower bound cannot equal upper bound")
	}
	lo, hi, v := b1, b2, op
	if b1 > b2 {
		lo, hi, v = -b1, -b2, -op
	}
	switch {
	case v < lo:
		return int64(0), nil
	case v >= hi:
		if count+1 > math.MaxInt32 {
			return nil, errOutOfRange("integer")
		}
		return count + 1, nil
	}
	var r float64
	if !math.IsInf(hi-lo, 0) {
		r = float64(count) * ((v - lo) / (hi - lo))
	} else {
		r = float64(count) * ((v/2 - lo/2) / (hi/2 - lo/2))
	}
	n := int64(r)
	if n >= count {
		n = count - 1
	}
	return n + 1, nil
}

func widthBucketNumeric(op, b1, b2 *apd.Decimal, count int64) (types.Datum, error) {
	wb := pgcode.InvalidArgumentForWidthBucket
	switch {
	case count <= 0:
		return nil, pgcode.New(wb, "count must be greater than zero")
	case op.Form == apd.NaN || b1.Form == apd.NaN || b2.Form == apd.NaN:
		return nil, pgcode.New(wb, "operand, lower bound, and upper bound cannot be NaN")
	case b1.Form == apd.Infinite || b2.Form == apd.Infinite:
		return nil, pgcode.New(wb, "lower and upper bounds must be finite")
	}
	c12 := b1.Cmp(b2)
	if c12 == 0 {
		return nil, pgcode.New(wb, "lower bound cannot equal upper bound")
	}
	below, above := op.Cmp(b1) < 0, op.Cmp(b2) >= 0
	if c12 > 0 {
		below, above = op.Cmp(b1) > 0, op.Cmp(b2) <= 0
	}
	switch {
	case below:
		return int64(0), nil
	case above:
		if count+1 > math.MaxInt32 {
			return nil, errOutOfRange("integer")
		}
		return count + 1, nil
	}
	// floor((op - b1) * count / (b2 - b1)) + 1: the quotient of two
	// values of one sign, truncated.
	num := addDecimal(op, b1, true)
	den := addDecimal(b2, b1, true)
	num.Coeff.Mul(&num.Coeff, apd.NewBigInt(count))
	q := truncQuo(num, den)
	return q.Int64() + 1, nil
}

// truncQuo is x / y truncated to an integer.
func truncQuo(x, y *apd.Decimal) *apd.BigInt {
	e := min(x.Exponent, y.Exponent)
	var a, b, q apd.BigInt
	a.Abs(&x.Coeff)
	a.Mul(&a, pow10(int64(x.Exponent-e)))
	b.Abs(&y.Coeff)
	b.Mul(&b, pow10(int64(y.Exponent-e)))
	q.Quo(&a, &b)
	if x.Negative != y.Negative {
		q.Neg(&q)
	}
	return &q
}
