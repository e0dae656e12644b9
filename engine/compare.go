package engine

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
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
	case int64, int, float64, json.Number, *apd.Decimal:
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
// as floats, and anything else by its decimal digits (numText), which
// needs no arithmetic whatever the exponents. A float64 stands for its
// shortest decimal text, the digits it was written with (value.go keeps a
// float only when it holds them all): 0.1 as a float equals the exact
// decimal 0.1. The order is total: -Infinity < numbers < Infinity < NaN.
func compareNumbers(a, b any) int {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpInt(x, y)
		case float64:
			if c, ok := cmpFloatInt(y, x); ok {
				return -c
			}
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmpFloat(x, y)
		case int64:
			if c, ok := cmpFloatInt(x, y); ok {
				return c
			}
		}
	}
	var ba, bb [32]byte
	ta, tb := numTextOf(a, ba[:0]), numTextOf(b, bb[:0])
	return compareNumText(&ta, &tb)
}

// numTextOf takes a number apart for compareNumText; buf is scratch space
// for the text of an int64 or float64.
func numTextOf(v any, buf []byte) numText {
	var s string
	switch x := v.(type) {
	case int64:
		s = string(strconv.AppendInt(buf, x, 10))
	case int:
		s = string(strconv.AppendInt(buf, int64(x), 10))
	case float64:
		switch {
		case math.IsNaN(x):
			return numText{form: apd.NaN}
		case math.IsInf(x, 0):
			return numText{form: apd.Infinite, neg: x < 0}
		}
		s = string(strconv.AppendFloat(buf, x, 'e', -1, 64))
	case json.Number:
		s = string(x)
	case *apd.Decimal:
		s = string(AppendNumeric(buf, x))
	}
	return numTextOfText(s)
}

// numTextOfText takes apart a number's text for compareNumText; text
// that is not a number (never stored) is taken as NaN, which sorts last.
func numTextOfText(s string) numText {
	t, ok := scanNumber(s)
	if !ok {
		return numText{form: apd.NaN}
	}
	return t
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

// cmpFloatInt compares a float with an int64 when a comparison of their
// binary values gives the same answer as one of their decimal values:
// when y is exactly a float64, or x is below 2^53 (then no integer other
// than its own lies between x and its decimal text). ok is false
// otherwise (big values, compared as decimals).
func cmpFloatInt(x float64, y int64) (int, bool) {
	const exact = 1 << 53
	if math.IsNaN(x) {
		return 1, true
	}
	if (y > exact || y < -exact) && (x >= exact || x <= -exact) {
		return 0, false
	}
	if x >= 9.3e18 {
		return 1, true
	}
	if x <= -9.3e18 {
		return -1, true
	}
	t := math.Trunc(x)
	if c := cmpInt(int64(t), y); c != 0 {
		return c, true
	}
	return cmpFloat(x, t), true
}

// EqualValues is SQL equality of two non-NULL values.
func EqualValues(a, b any) bool {
	c, ok := CompareValues(a, b)
	return ok && c == 0
}
