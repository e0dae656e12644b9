package engine

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Comparison of document values with SQL semantics, shared by indexes and
// the query layer so that an index lookup and a scan agree on every answer.

// kind orders the kinds of values for sorting (ORDER BY) across kinds, as
// jsonb does: null < strings < numbers < booleans < arrays < objects.
type kind int

const (
	kindNull kind = iota
	kindString
	kindNumber
	kindBool
	kindArray
	kindObject
)

func kindOf(v any) kind {
	switch v.(type) {
	case nil:
		return kindNull
	case string:
		return kindString
	case int64, int, float64, json.Number:
		return kindNumber
	case bool:
		return kindBool
	case []any:
		return kindArray
	case map[string]any:
		return kindObject
	}
	return kindNull
}

// CompareValues orders two non-NULL values; comparable is false when they
// are of different kinds (a SQL comparison between them is false, never an
// accident of representation).
func CompareValues(a, b any) (c int, comparable bool) {
	ka, kb := kindOf(a), kindOf(b)
	if ka != kb {
		return 0, false
	}
	switch ka {
	case kindString:
		return strings.Compare(a.(string), b.(string)), true
	case kindNumber:
		return compareNumbers(a, b), true
	case kindBool:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0, true
		case !x:
			return -1, true
		}
		return 1, true
	case kindArray, kindObject:
		return strings.Compare(string(ToJSON(a)), string(ToJSON(b))), true
	}
	return 0, true
}

// SortCompare is the total order ORDER BY uses: NULLs last (as PostgreSQL
// does ascending), then by kind, then by value.
func SortCompare(a, b any) int {
	ka, kb := kindOf(a), kindOf(b)
	if ka == kindNull || kb == kindNull {
		switch {
		case ka == kb:
			return 0
		case ka == kindNull:
			return 1
		}
		return -1
	}
	if ka != kb {
		return int(ka) - int(kb)
	}
	c, _ := CompareValues(a, b)
	return c
}

// compareNumbers compares two numbers exactly: int64s as integers, floats
// as floats, and anything involving an exact decimal through big.Rat.
func compareNumbers(a, b any) int {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpInt(x, y)
		case float64:
			return -cmpFloatInt(y, x)
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmpFloat(x, y)
		case int64:
			return cmpFloatInt(x, y)
		}
	}
	ra, oka := toRat(a)
	rb, okb := toRat(b)
	if !oka || !okb {
		// NaN or infinities: fall back to float order.
		return cmpFloat(toFloat(a), toFloat(b))
	}
	return ra.Cmp(rb)
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func cmpFloat(x, y float64) int {
	// NaN sorts above every number, as in PostgreSQL.
	switch {
	case math.IsNaN(x) && math.IsNaN(y):
		return 0
	case math.IsNaN(x):
		return 1
	case math.IsNaN(y):
		return -1
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// cmpFloatInt compares a float with an int64 without losing precision.
func cmpFloatInt(x float64, y int64) int {
	if math.IsNaN(x) {
		return 1
	}
	if x >= 9.3e18 {
		return 1
	}
	if x <= -9.3e18 {
		return -1
	}
	t := math.Trunc(x)
	if c := cmpInt(int64(t), y); c != 0 {
		return c
	}
	return cmpFloat(x, t)
}

func toRat(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(x), true
	case int:
		return new(big.Rat).SetInt64(int64(x)), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(x), true
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		return r, ok
	}
	return nil, false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case float64:
		return x
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	}
	return math.NaN()
}

// EqualValues is SQL equality of two non-NULL values.
func EqualValues(a, b any) bool {
	c, ok := CompareValues(a, b)
	return ok && c == 0
}
