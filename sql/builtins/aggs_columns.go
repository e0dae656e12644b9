package builtins

import (
	"strings"

	"github.com/driftdb/driftdb/sql/types"
)

// IntAdder is an Accumulator that also takes an integer argument as it
// is, not boxed into a Datum: the aggregates of an integer column a scan
// reads (exec's aggregates over columns). AddInt(v) is Add with the one
// argument v.
type IntAdder interface {
	Accumulator
	AddInt(v int64) error
}

// IntAdderOf returns acc as an IntAdder when it takes its integer
// arguments so.
func IntAdderOf(acc Accumulator) (IntAdder, bool) {
	switch a := acc.(type) {
	case *countAcc, *sumIntAcc, *sumNumAcc, *avgNumAcc:
		return a.(IntAdder), true
	case *bestAcc:
		return a, a.t.Family == types.IntFamily
	}
	return nil, false
}

func (a *countAcc) AddInt(int64) error { a.n++; return nil }

func (a *sumIntAcc) AddInt(v int64) error {
	s, err := intArith("+", a.n, v, types.Int8)
	if err != nil {
		return err
	}
	a.n, a.any = s.(int64), true
	return nil
}

func (a *sumNumAcc) AddInt(v int64) error {
	if a.addScaled(v, 0) {
		return nil
	}
	return a.Add(nil, []types.Datum{v})
}

func (a *avgNumAcc) AddInt(v int64) error {
	a.n++
	return a.sum.AddInt(v)
}

// AddInt keeps the best as an int64 Datum; it is boxed only when it
// changes.
func (a *bestAcc) AddInt(v int64) error {
	if b, ok := a.best.(int64); ok && (a.greatest && v <= b || !a.greatest && v >= b) {
		return nil
	}
	if a.best != nil {
		if _, ok := a.best.(int64); !ok {
			return a.Add(nil, []types.Datum{v})
		}
	}
	a.best = v
	return nil
}

// StringAdder is an Accumulator that also takes a text argument as it
// lies, valid for the call only (min and max of text): it copies what it
// keeps.
type StringAdder interface {
	Accumulator
	AddString(s string) error
}

// StringAdderOf returns acc as a StringAdder when it takes its text
// arguments so.
func StringAdderOf(acc Accumulator) (StringAdder, bool) {
	if a, ok := acc.(*bestAcc); ok && a.t.Family == types.StringFamily && a.t.Oid != types.OidBpchar {
		return a, true
	}
	return nil, false
}

// AddString compares text byte by byte, as types.Compare does, and
// copies a new best into the buffer of the last one.
func (a *bestAcc) AddString(s string) error {
	if a.held {
		if a.greatest && s <= string(a.text) || !a.greatest && s >= string(a.text) {
			return nil
		}
		a.text = append(a.text[:0], s...)
		return nil
	}
	switch b := a.best.(type) {
	case nil:
	case string:
		if a.greatest && s <= b || !a.greatest && s >= b {
			return nil
		}
	default:
		return a.Add(nil, []types.Datum{strings.Clone(s)})
	}
	a.text, a.held = append(a.text[:0], s...), true
	return nil
}

// FloatAdder is an Accumulator that also takes a float argument as it is,
// not boxed into a Datum (sum, avg, min and max of a float column).
type FloatAdder interface {
	Accumulator
	AddFloat(f float64) error
}

// FloatAdderOf returns acc as a FloatAdder when it takes its float
// arguments so.
func FloatAdderOf(acc Accumulator) (FloatAdder, bool) {
	switch a := acc.(type) {
	case *sumFloatAcc, *avgFloatAcc:
		return a.(FloatAdder), true
	case *bestAcc:
		return a, a.t.Family == types.FloatFamily
	}
	return nil, false
}

func (a *sumFloatAcc) AddFloat(f float64) error {
	a.f += f
	if a.f4 {
		a.f = float64(float32(a.f))
	}
	a.any = true
	return nil
}

func (a *avgFloatAcc) AddFloat(f float64) error {
	a.sum += f
	a.n++
	return nil
}

// AddFloat keeps the best as a float64 Datum, boxed only when it
// changes; NaN is above every number, as types.Compare has it.
func (a *bestAcc) AddFloat(f float64) error {
	if b, ok := a.best.(float64); ok {
		c := types.CompareFloat(f, b)
		if a.greatest && c <= 0 || !a.greatest && c >= 0 {
			return nil
		}
	} else if a.best != nil {
		return a.Add(nil, []types.Datum{f})
	}
	a.best = f
	return nil
}
