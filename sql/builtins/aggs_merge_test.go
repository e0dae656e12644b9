package builtins

import (
	"fmt"
	"math"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/driftdb/driftdb/sql/types"
)

// TestMerge: for every accumulator that merges, the rows added to two
// accumulators, cut at every point and merged, give what one accumulator
// that took them all gives: also when a part is empty and when a sum
// leaves int64 part way.
func TestMerge(t *testing.T) {
	big := int64(math.MaxInt64 - 5)
	for _, c := range []struct {
		name string
		acc  func() Accumulator
		vals []types.Datum
	}{
		{"count", func() Accumulator { return &countAcc{} }, []types.Datum{int64(1), int64(2), int64(3)}},
		{"sum int4", func() Accumulator { return &sumIntAcc{} }, []types.Datum{int64(1), int64(-7), int64(40)}},
		{"sum int8", func() Accumulator { return &sumNumAcc{} }, []types.Datum{big, int64(3), big, int64(-4)}},
		{"sum numeric", func() Accumulator { return &sumNumAcc{} }, []types.Datum{apd.New(15, -1), int64(2), apd.New(-3, -2)}},
		{"sum float4", func() Accumulator { return &sumFloatAcc{f4: true} }, []types.Datum{0.1, 0.25, 3.0}},
		{"avg int8", func() Accumulator { return &avgNumAcc{} }, []types.Datum{int64(1), int64(2), big, int64(4)}},
		{"avg float8", func() Accumulator { return &avgFloatAcc{} }, []types.Datum{1.5, 2.0, -0.5}},
		{"max", func() Accumulator { return &bestAcc{t: types.Text, greatest: true} }, []types.Datum{"b", "c", "a"}},
		{"min", func() Accumulator { return &bestAcc{t: types.Int8} }, []types.Datum{int64(4), int64(-2), int64(9)}},
		{"bool_and", func() Accumulator { return &boolAcc{and: true} }, []types.Datum{true, false, true}},
		{"bool_or", func() Accumulator { return &boolAcc{} }, []types.Datum{false, true, false}},
		{"array_agg", func() Accumulator { return &arrayAcc{elem: types.Int8} }, []types.Datum{int64(3), int64(1), int64(2)}},
	} {
		whole := c.acc()
		for _, v := range c.vals {
			if err := whole.Add(nil, []types.Datum{v}); err != nil {
				t.Fatal(err)
			}
		}
		want, err := whole.Result(nil)
		if err != nil {
			t.Fatal(err)
		}
		for cut := 0; cut <= len(c.vals); cut++ {
			a, b := c.acc(), c.acc()
			for i, v := range c.vals {
				part := a
				if i >= cut {
					part = b
				}
				if err := part.Add(nil, []types.Datum{v}); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.(Merger).Merge(b); err != nil {
				t.Fatal(err)
			}
			got, err := a.Result(nil)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s cut at %d: %v, want %v", c.name, cut, got, want)
			}
		}
	}
}

// TestSumNumeric: sum over numerics gives what adding each value to the
// running decimal gives, in value and in scale: decimals of one scale
// (summed as integers), of several, past int64, with integers, to zero,
// and with NaN and the infinities.
func TestSumNumeric(t *testing.T) {
	big := apd.New(math.MaxInt64-2, -2)
	cases := [][]types.Datum{
		{apd.New(150, -2), apd.New(-325, -2), apd.New(1, -2)},
		{apd.New(150, -2), apd.New(-150, -2)},
		{apd.New(15, -1), apd.New(-3, -2), int64(2), apd.New(7, 0)},
		{big, big, apd.New(-1, -2), big},
		{int64(math.MaxInt64), int64(1), apd.New(5, -3)},
		{apd.New(1, -2), &apd.Decimal{Form: apd.Infinite}, apd.New(2, -2)},
		{apd.New(1, -2), &apd.Decimal{Form: apd.NaN}},
		{apd.New(-5, 1), apd.New(3, 1)},
	}
	for i, vals := range cases {
		acc := &sumNumAcc{}
		var want *apd.Decimal
		for _, v := range vals {
			if err := acc.Add(nil, []types.Datum{v}); err != nil {
				t.Fatal(err)
			}
			d, ok := v.(*apd.Decimal)
			if !ok {
				d = apd.New(v.(int64), 0)
			}
			if want == nil {
				want = d
				continue
			}
			s, err := numericArith("+", want, d)
			if err != nil {
				t.Fatal(err)
			}
			want = s.(*apd.Decimal)
		}
		got, err := acc.Result(nil)
		if err != nil {
			t.Fatal(err)
		}
		if g := got.(*apd.Decimal); g.String() != want.String() || g.Negative != want.Negative {
			t.Fatalf("case %d: sum %s, want %s", i, g, want)
		}
	}
}
