package builtins

import (
	"crypto/sha256"
	"crypto/sha512"

	"github.com/driftdb/driftdb/sql/types"
)

// string_to_table, num_nulls and num_nonnulls, the bitwise aggregates and
// the SHA-2 digests of bytea beside sha256.

var _ = register(moreFuncs()...)

func moreFuncs() []*Overload {
	T, BA := types.Text, types.Bytea
	stringTable := func(_ *Context, a []types.Datum) (Rows, error) {
		arr, err := stringToArray(nil, a)
		if err != nil || arr == nil {
			return &sliceRows{}, err
		}
		var rows [][]types.Datum
		for _, v := range arr.(*types.DArray).Vals {
			rows = append(rows, []types.Datum{v})
		}
		return &sliceRows{rows: rows}, nil
	}
	nulls := func(count bool) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) {
			n := int64(0)
			for _, v := range a {
				if (v == nil) == count {
					n++
				}
			}
			return n, nil
		}
	}
	out := []*Overload{
		{Name: "string_to_table", Oid: 6160, Kind: SetReturning, Args: ts(T, T), Ret: T,
			SRFCols: []SRFCol{{Name: "string_to_table", T: T}}, SRF: stringTable},
		{Name: "string_to_table", Oid: 6161, Kind: SetReturning, Args: ts(T, T, T), Ret: T,
			SRFCols: []SRFCol{{Name: "string_to_table", T: T}}, SRF: stringTable},
		def(438, "num_nulls", nil, types.Int4, nulls(true)).variadic(types.AnyT).lenient(),
		def(440, "num_nonnulls", nil, types.Int4, nulls(false)).variadic(types.AnyT).lenient(),
		def(3419, "sha224", ts(BA), BA, hashOf(sha256.New224)),
		def(3421, "sha384", ts(BA), BA, hashOf(sha512.New384)),
		def(3422, "sha512", ts(BA), BA, hashOf(sha512.New)),
	}
	for _, t := range []*types.T{types.Int2, types.Int4, types.Int8} {
		for _, op := range []string{"bit_and", "bit_or", "bit_xor"} {
			op := op
			out = append(out, &Overload{Name: op, Kind: Aggregate, Args: ts(t), Ret: t, Strict: true,
				Agg: func([]*types.T) Accumulator { return &bitAcc{op: op} }})
		}
	}
	return out
}

// bitAcc is bit_and, bit_or or bit_xor: NULL over no rows.
type bitAcc struct {
	op    string
	v     int64
	found bool
}

func (a *bitAcc) Add(_ *Context, v []types.Datum) error {
	a.fold(v[0].(int64))
	return nil
}

func (a *bitAcc) fold(x int64) {
	switch {
	case !a.found:
		a.v = x
	case a.op == "bit_and":
		a.v &= x
	case a.op == "bit_or":
		a.v |= x
	default:
		a.v ^= x
	}
	a.found = true
}

func (a *bitAcc) Result(*Context) (types.Datum, error) {
	if !a.found {
		return nil, nil
	}
	return a.v, nil
}

// Merge folds another part's result in (parallel aggregation).
func (a *bitAcc) Merge(o Accumulator) error {
	if b := o.(*bitAcc); b.found {
		a.fold(b.v)
	}
	return nil
}
