package builtins

import (
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// jsonb_object and json_object build an object from text arrays: keys
// and values in turn in one array, or keys and values in two; every value
// a string (or null). jsonb_set_lax is jsonb_set with a choice of what a
// NULL new value does.

// objectPairs returns the keys and values jsonb_object's and
// json_object's arguments give.
func objectPairs(a []types.Datum) (keys []string, vals []types.Datum, err error) {
	var kv, vv []types.Datum
	if len(a) == 1 {
		arr := a[0].(*types.DArray)
		all := arr.Vals
		switch arr.NDims() {
		case 0, 1:
			if len(all)%2 != 0 {
				return nil, nil, pgcode.New(pgcode.ArraySubscriptError, "array must have even number of elements")
			}
		case 2:
			if arr.Dims[1] != 2 {
				return nil, nil, pgcode.New(pgcode.ArraySubscriptError, "array must have two columns")
			}
		default:
			return nil, nil, pgcode.New(pgcode.ArraySubscriptError, "wrong number of array subscripts")
		}
		for i := 0; i < len(all); i += 2 {
			kv, vv = append(kv, all[i]), append(vv, all[i+1])
		}
	} else {
		kv, vv = a[0].(*types.DArray).Vals, a[1].(*types.DArray).Vals
		if nk, nv := a[0].(*types.DArray).NDims(), a[1].(*types.DArray).NDims(); nk > 1 || nk != nv {
			// An empty array has no dimensions to PostgreSQL.
			return nil, nil, pgcode.New(pgcode.ArraySubscriptError, "wrong number of array subscripts")
		}
		if len(kv) != len(vv) {
			return nil, nil, pgcode.New(pgcode.ArraySubscriptError, "mismatched array dimensions")
		}
	}
	keys = make([]string, len(kv))
	for i, k := range kv {
		if k == nil {
			return nil, nil, pgcode.New(pgcode.NullValueNotAllowed, "null value not allowed for object key")
		}
		keys[i] = k.(string)
	}
	return keys, vv, nil
}

var nullTreatments = map[string]bool{"delete_key": true, "return_target": true, "use_json_null": true, "raise_exception": true}

// jsonbSetLax is jsonb_set_lax: a NULL new value sets JSON null, deletes
// the path, returns the target unchanged or fails, as the last argument
// says.
func jsonbSetLax(a []types.Datum) (types.Datum, error) {
	if a[0] == nil || a[1] == nil || len(a) > 3 && a[3] == nil {
		return nil, nil
	}
	treatment := "use_json_null"
	create := len(a) <= 3 || a[3].(bool)
	if len(a) > 4 {
		if a[4] == nil {
			return nil, errNullTreatment
		}
		treatment = str(a[4])
	}
	op := pathCreate
	if !create {
		op = pathReplace
	}
	target, path := doc(a[0]), a[1].(*types.DArray)
	if a[2] != nil {
		return jsonbSet(target, path, doc(a[2]), op)
	}
	if !nullTreatments[treatment] {
		return nil, errNullTreatment
	}
	switch treatment {
	case "raise_exception":
		return nil, pgcode.New(pgcode.NullValueNotAllowed, "JSON value must not be null").
			WithDetail(`Exception was raised because null_value_treatment is "raise_exception".`).
			WithHint("To avoid, either change the null_value_treatment argument or ensure that an SQL NULL is not passed.")
	case "delete_key":
		if isJSONBScalar(target) {
			return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot delete path in scalar")
		}
		if jsonbLen(target) == 0 {
			return a[0], nil
		}
		out, err := setPath(target, path, nil, pathDelete)
		if err != nil {
			return nil, err
		}
		return jsonbOf(out), nil
	case "return_target":
		return a[0], nil
	}
	return jsonbSet(target, path, nil, op)
}

var errNullTreatment = pgcode.New(pgcode.InvalidParameterValue,
	`null_value_treatment must be "delete_key", "return_target", "use_json_null", or "raise_exception"`)

var _ = register(jsonObjectFuncs()...)

func jsonObjectFuncs() []*Overload {
	J, JS, T, B := types.JSONB, types.JSON, types.Text, types.Bool
	TA := types.ArrayOf(types.Text)
	object := func(_ *Context, a []types.Datum) (types.Datum, error) {
		keys, vals, err := objectPairs(a)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(keys))
		for i, k := range keys {
			out[k] = vals[i]
		}
		return jsonbOf(out), nil
	}
	jsonObject := func(_ *Context, a []types.Datum) (types.Datum, error) {
		keys, vals, err := objectPairs(a)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(jsonQuote(k))
			b.WriteString(" : ")
			if vals[i] == nil {
				b.WriteString("null")
			} else {
				b.WriteString(jsonQuote(vals[i].(string)))
			}
		}
		b.WriteByte('}')
		return types.DJSON(b.String()), nil
	}
	lax := func(_ *Context, a []types.Datum) (types.Datum, error) { return jsonbSetLax(a) }
	return []*Overload{
		def(3263, "jsonb_object", ts(TA), J, object),
		def(3264, "jsonb_object", ts(TA, TA), J, object),
		def(3202, "json_object", ts(TA), JS, jsonObject),
		def(3203, "json_object", ts(TA, TA), JS, jsonObject),
		def(5054, "jsonb_set_lax", ts(J, TA, J), J, lax).lenient(),
		def(5054, "jsonb_set_lax", ts(J, TA, J, B), J, lax).lenient(),
		def(5054, "jsonb_set_lax", ts(J, TA, J, B, T), J, lax).lenient(),
	}
}
