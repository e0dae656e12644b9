package builtins

import (
	"encoding/json"
	"testing"

	"github.com/driftdb/driftdb/sql/types"
)

// callOp resolves an operator or function for argument types and calls it.
func callOp(t *testing.T, name string, args []types.Datum, at ...*types.T) types.Datum {
	t.Helper()
	r, err := Resolve(name, at, Normal)
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.Fn.Fn(&Context{Types: types.DefaultContext()}, args)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Documents as the engine holds them carry numbers as int64 and float64
// too; the operators treat them as the numbers jsonb input makes.
func TestJSONBEngineNumbers(t *testing.T) {
	J, T := types.JSONB, types.Text
	d := types.DJSONB{V: map[string]any{"i": int64(7), "f": 1.5, "n": json.Number("7")}}
	if got := callOp(t, "->>", []types.Datum{d, "i"}, J, T); got != "7" {
		t.Errorf("->> int64: %v", got)
	}
	if got := callOp(t, "->>", []types.Datum{d, "f"}, J, T); got != "1.5" {
		t.Errorf("->> float64: %v", got)
	}
	if got := callOp(t, "jsonb_typeof", []types.Datum{types.DJSONB{V: int64(1)}}, J); got != "number" {
		t.Errorf("jsonb_typeof int64: %v", got)
	}
	probe := types.DJSONB{V: map[string]any{"i": json.Number("7.0"), "n": int64(7)}}
	if got := callOp(t, "@>", []types.Datum{d, probe}, J, J); got != true {
		t.Errorf("@> across number forms: %v", got)
	}
}

// Operators build new documents; the ones they are given stay as they
// were (a stored row's document may be the very value).
func TestJSONBOperatorsLeaveInputs(t *testing.T) {
	J, T := types.JSONB, types.Text
	TA := types.ArrayOf(types.Text)
	orig := func() types.DJSONB {
		return types.DJSONB{V: map[string]any{"a": []any{json.Number("1"), json.Number("2")}, "b": nil}}
	}
	path := func(p ...string) *types.DArray {
		a := &types.DArray{Elem: types.Text}
		for _, s := range p {
			a.Vals = append(a.Vals, s)
		}
		return a
	}
	d := orig()
	callOp(t, "jsonb_set", []types.Datum{d, path("a", "0"), types.DJSONB{V: "x"}}, J, TA, J)
	callOp(t, "jsonb_insert", []types.Datum{d, path("a", "0"), types.DJSONB{V: "x"}}, J, TA, J)
	callOp(t, "#-", []types.Datum{d, path("a", "1")}, J, TA)
	callOp(t, "-", []types.Datum{d, "b"}, J, T)
	callOp(t, "||", []types.Datum{d, types.DJSONB{V: map[string]any{"a": nil}}}, J, J)
	callOp(t, "jsonb_strip_nulls", []types.Datum{d}, J)
	if types.Compare(d, orig(), J) != 0 {
		t.Errorf("input changed: %s", types.FormatText(d, J, nil))
	}
}
