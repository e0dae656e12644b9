package builtins

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The set-returning jsonb functions: jsonb_array_elements and
// jsonb_array_elements_text (a row an element), jsonb_each and
// jsonb_each_text (a row a field, as key and value) and
// jsonb_object_keys. Fields come in jsonb's key order.

// jsonbArrayRows makes the rows of jsonb_array_elements(_text).
func jsonbArrayRows(v any, text bool) (Rows, error) {
	arr, ok := v.([]any)
	if !ok {
		what := "a scalar"
		if _, obj := v.(map[string]any); obj {
			what = "an object"
		}
		return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot extract elements from "+what)
	}
	rows := &sliceRows{rows: make([][]types.Datum, len(arr))}
	for i, e := range arr {
		if text {
			rows.rows[i] = []types.Datum{jsonbText(e)}
		} else {
			rows.rows[i] = []types.Datum{jsonbOf(e)}
		}
	}
	return rows, nil
}

// jsonbEachRows makes the rows of jsonb_each(_text).
func jsonbEachRows(name string, v any, text bool) (Rows, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, pgcode.Newf(pgcode.InvalidParameterValue, "cannot call %s on a non-object", name)
	}
	keys := jsonbKeys(m)
	rows := &sliceRows{rows: make([][]types.Datum, len(keys))}
	for i, k := range keys {
		var val types.Datum = jsonbOf(m[k])
		if text {
			val = jsonbText(m[k])
		}
		rows.rows[i] = []types.Datum{k, val}
	}
	return rows, nil
}

// jsonbKeyRows makes the rows of jsonb_object_keys.
func jsonbKeyRows(v any) (Rows, error) {
	switch x := v.(type) {
	case map[string]any:
		keys := jsonbKeys(x)
		rows := &sliceRows{rows: make([][]types.Datum, len(keys))}
		for i, k := range keys {
			rows.rows[i] = []types.Datum{k}
		}
		return rows, nil
	case []any:
		return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot call jsonb_object_keys on an array")
	}
	return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot call jsonb_object_keys on a scalar")
}

var _ = register(jsonbSRFs()...)

func jsonbSRFs() []*Overload {
	J, T := types.JSONB, types.Text
	srf := func(oid uint32, name string, ret *types.T, cols []SRFCol, f func(*Context, []types.Datum) (Rows, error)) *Overload {
		return &Overload{Name: name, Oid: oid, Kind: SetReturning, Args: ts(J), Ret: ret, SRF: f, SRFCols: cols, Strict: true}
	}
	return []*Overload{
		srf(3219, "jsonb_array_elements", J, []SRFCol{{Name: "value", T: J}},
			func(_ *Context, a []types.Datum) (Rows, error) { return jsonbArrayRows(doc(a[0]), false) }),
		srf(3465, "jsonb_array_elements_text", T, []SRFCol{{Name: "value", T: T}},
			func(_ *Context, a []types.Datum) (Rows, error) { return jsonbArrayRows(doc(a[0]), true) }),
		srf(3208, "jsonb_each", types.Record, []SRFCol{{Name: "key", T: T}, {Name: "value", T: J}},
			func(_ *Context, a []types.Datum) (Rows, error) { return jsonbEachRows("jsonb_each", doc(a[0]), false) }),
		srf(3932, "jsonb_each_text", types.Record, []SRFCol{{Name: "key", T: T}, {Name: "value", T: T}},
			func(_ *Context, a []types.Datum) (Rows, error) {
				return jsonbEachRows("jsonb_each_text", doc(a[0]), true)
			}),
		srf(3931, "jsonb_object_keys", T, nil,
			func(_ *Context, a []types.Datum) (Rows, error) { return jsonbKeyRows(doc(a[0])) }),
	}
}
