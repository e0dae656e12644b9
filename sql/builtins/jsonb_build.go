package builtins

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// SQL values as JSON: to_jsonb and to_json, jsonb_build_object,
// jsonb_build_array and their json twins. A value becomes JSON by its
// type, as PostgreSQL's datum_to_json and datum_to_jsonb decide: booleans
// and numbers as themselves (but NaN and the infinities, which JSON has no
// number for, as strings), dates and timestamps as ISO 8601 strings, json
// and jsonb as their documents, arrays as arrays, anything else as the
// string its type's output function writes.

// jsonQuote writes s as a JSON string.
func jsonQuote(s string) string { return types.FormatText(jsonbOf(s), types.JSONB, nil) }

// xsdTimestamp turns a timestamp's ISO text into the form JSON gets
// (XML Schema's): a T between date and time, a zone with its minutes.
func xsdTimestamp(s string, zone bool) string {
	if s == "infinity" || s == "-infinity" {
		return s
	}
	s, bc := strings.CutSuffix(s, " BC")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		s = s[:i] + "T" + s[i+1:]
	}
	if zone {
		if i := strings.LastIndexAny(s, "+-"); i > strings.IndexByte(s, 'T') && len(s)-i == 3 {
			s += ":00"
		}
	}
	if bc {
		s += " BC"
	}
	return s
}

// jsonScalarText is a scalar's text as JSON writes it, before any
// quoting: dates and timestamps in ISO 8601, the rest by the type's
// output function.
func jsonScalarText(c *Context, v types.Datum, t *types.T) string {
	switch t.Family {
	case types.BoolFamily:
		if v.(bool) {
			return "true"
		}
		return "false"
	case types.TimestampFamily:
		return xsdTimestamp(outText(c, v, t), false)
	case types.TimestampTZFamily:
		return xsdTimestamp(outText(c, v, t), true)
	}
	return outText(c, v, t)
}

// jsonNumberText reports whether a number's output text is a JSON number
// (NaN and Infinity are not: their text has an n).
func jsonNumberText(s string) bool { return !strings.ContainsAny(s, "nN") }

// known is a value's type, an untyped one's unknown.
func known(t *types.T) *types.T {
	if t == nil {
		return types.Unknown
	}
	return t
}

// arrayElemAt is an array type's element type, from the value where the
// type does not say.
func arrayElemAt(v types.Datum, t *types.T) *types.T {
	if a, ok := v.(*types.DArray); ok && a.Elem != nil {
		return a.Elem
	}
	if t.Elem != nil {
		return t.Elem
	}
	return types.Text
}

// toJSONB converts a SQL value of type t to a document value, as to_jsonb
// does.
func toJSONB(c *Context, v types.Datum, t *types.T) (any, error) {
	if v == nil {
		return nil, nil
	}
	t = known(t)
	switch t.Family {
	case types.BoolFamily:
		return v.(bool), nil
	case types.IntFamily:
		return json.Number(strconv.FormatInt(v.(int64), 10)), nil
	case types.FloatFamily, types.DecimalFamily:
		s := outText(c, v, t)
		if !jsonNumberText(s) {
			return s, nil
		}
		if t.Family == types.FloatFamily {
			// numeric's reading of float's text: 1e+300 as its digits.
			d, err := types.ParseText(s, types.Numeric, nil)
			if err != nil {
				return nil, err
			}
			s = types.FormatText(d, types.Numeric, nil)
		}
		return json.Number(s), nil
	case types.JSONBFamily:
		return v.(types.DJSONB).V, nil
	case types.JSONFamily:
		j, err := types.ParseJSONB(string(v.(types.DJSON)))
		if err != nil {
			return nil, err
		}
		return j.V, nil
	case types.RecordFamily:
		r, ok := v.(*types.DRecord)
		if !ok {
			break
		}
		out := make(map[string]any, len(r.Vals))
		for i, f := range r.Vals {
			j, err := toJSONB(c, f, r.Types[i])
			if err != nil {
				return nil, err
			}
			out[r.Names[i]] = j
		}
		return out, nil
	case types.ArrayFamily:
		elem := arrayElemAt(v, t)
		arr := v.(*types.DArray)
		out := make([]any, len(arr.Vals))
		for i, e := range arr.Vals {
			var err error
			if out[i], err = toJSONB(c, e, elem); err != nil {
				return nil, err
			}
		}
		if len(arr.Dims) > 1 {
			return nestJSON(out, arr.Dims), nil
		}
		return out, nil
	}
	return jsonScalarText(c, v, t), nil
}

// appendJSON writes a SQL value of type t as to_json does. Arrays are
// written without spaces, as array_to_json writes them.
func appendJSON(c *Context, b *strings.Builder, v types.Datum, t *types.T) {
	if v == nil {
		b.WriteString("null")
		return
	}
	t = known(t)
	switch t.Family {
	case types.BoolFamily:
		b.WriteString(jsonScalarText(c, v, t))
		return
	case types.IntFamily, types.FloatFamily, types.DecimalFamily:
		s := outText(c, v, t)
		if jsonNumberText(s) {
			b.WriteString(s)
		} else {
			b.WriteString(jsonQuote(s))
		}
		return
	case types.JSONFamily:
		b.WriteString(string(v.(types.DJSON)))
		return
	case types.JSONBFamily:
		b.WriteString(types.FormatText(v, t, nil))
		return
	case types.ArrayFamily:
		appendJSONArray(c, b, v.(*types.DArray), arrayElemAt(v, t), false)
		return
	case types.RecordFamily:
		if r, ok := v.(*types.DRecord); ok {
			appendJSONRecord(c, b, r, ",")
			return
		}
	}
	b.WriteString(jsonQuote(jsonScalarText(c, v, t)))
}

// appendJSONRecord writes a row as a JSON object of its fields, sep
// between them (row_to_json's pretty form puts a line feed after each
// comma).
func appendJSONRecord(c *Context, b *strings.Builder, r *types.DRecord, sep string) {
	b.WriteByte('{')
	for i, f := range r.Vals {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(jsonQuote(r.Names[i]))
		b.WriteByte(':')
		appendJSON(c, b, f, r.Types[i])
	}
	b.WriteByte('}')
}

// jsonKey is a value of type t as the key of a JSON object: its text,
// which only a scalar has.
func jsonKey(c *Context, v types.Datum, t *types.T) (string, error) {
	t = known(t)
	switch t.Family {
	case types.ArrayFamily, types.JSONFamily, types.JSONBFamily, types.RecordFamily:
		return "", pgcode.New(pgcode.InvalidParameterValue, "key value must be scalar, not array, composite, or json")
	}
	return jsonScalarText(c, v, t), nil
}

// buildPairs checks jsonb_build_object's and json_build_object's
// arguments: keys and values in turn, no key NULL.
func buildPairs(name string, a []types.Datum) error {
	if len(a)%2 != 0 {
		return pgcode.New(pgcode.InvalidParameterValue, "argument list must have even number of elements").
			WithHint("The arguments of " + name + "() must consist of alternating keys and values.")
	}
	for i := 0; i < len(a); i += 2 {
		switch {
		case a[i] != nil:
		case name == "json_build_object":
			return pgcode.Newf(pgcode.InvalidParameterValue, "argument %d cannot be null", i+1).
				WithHint("Object keys should be text.")
		default:
			return pgcode.Newf(pgcode.InvalidParameterValue, "argument %d: key must not be null", i+1)
		}
	}
	return nil
}

var _ = register(jsonBuildFuncs()...)

func jsonBuildFuncs() []*Overload {
	J, JS := types.JSONB, types.JSON
	any1 := ts(types.AnyElement)
	toJSONBFn := func(at []*types.T) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			v, err := toJSONB(c, a[0], argType(at, 0))
			if err != nil {
				return nil, err
			}
			return jsonbOf(v), nil
		}
	}
	toJSONFn := func(at []*types.T) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			var b strings.Builder
			appendJSON(c, &b, a[0], argType(at, 0))
			return types.DJSON(b.String()), nil
		}
	}
	rowToJSON := func(at []*types.T) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			r, ok := a[0].(*types.DRecord)
			if !ok || !a[1].(bool) {
				return toJSONFn(at)(c, a[:1])
			}
			var b strings.Builder
			appendJSONRecord(c, &b, r, ",\n ")
			return types.DJSON(b.String()), nil
		}
	}
	buildObject := func(at []*types.T) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			if err := buildPairs("jsonb_build_object", a); err != nil {
				return nil, err
			}
			out := make(map[string]any, len(a)/2)
			for i := 0; i < len(a); i += 2 {
				k, err := jsonKey(c, a[i], argType(at, i))
				if err != nil {
					return nil, err
				}
				if out[k], err = toJSONB(c, a[i+1], argType(at, i+1)); err != nil {
					return nil, err
				}
			}
			return jsonbOf(out), nil
		}
	}
	buildArray := func(at []*types.T) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			out := make([]any, len(a))
			for i, v := range a {
				var err error
				if out[i], err = toJSONB(c, v, argType(at, i)); err != nil {
					return nil, err
				}
			}
			return jsonbOf(out), nil
		}
	}
	buildJSONObject := func(at []*types.T) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			if err := buildPairs("json_build_object", a); err != nil {
				return nil, err
			}
			var b strings.Builder
			b.WriteByte('{')
			for i := 0; i < len(a); i += 2 {
				k, err := jsonKey(c, a[i], argType(at, i))
				if err != nil {
					return nil, err
				}
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(jsonQuote(k))
				b.WriteString(" : ")
				appendJSON(c, &b, a[i+1], argType(at, i+1))
			}
			b.WriteByte('}')
			return types.DJSON(b.String()), nil
		}
	}
	buildJSONArray := func(at []*types.T) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			var b strings.Builder
			b.WriteByte('[')
			for i, v := range a {
				if i > 0 {
					b.WriteString(", ")
				}
				appendJSON(c, &b, v, argType(at, i))
			}
			b.WriteByte(']')
			return types.DJSON(b.String()), nil
		}
	}
	emptyObject := func(*Context, []types.Datum) (types.Datum, error) { return jsonbOf(map[string]any{}), nil }
	emptyArray := func(*Context, []types.Datum) (types.Datum, error) { return jsonbOf([]any{}), nil }
	constant := func(v types.Datum) fnBody {
		return func(*Context, []types.Datum) (types.Datum, error) { return v, nil }
	}
	arrayToJSON := func(at []*types.T) fnBody {
		return func(c *Context, a []types.Datum) (types.Datum, error) {
			t := argType(at, 0)
			if len(a) < 2 || !a[1].(bool) {
				var b strings.Builder
				appendJSON(c, &b, a[0], t)
				return types.DJSON(b.String()), nil
			}
			// Pretty: each item after the first on a line of its own.
			var b strings.Builder
			appendJSONArray(c, &b, a[0].(*types.DArray), arrayElemAt(a[0], known(t)), true)
			return types.DJSON(b.String()), nil
		}
	}
	return []*Overload{
		def(3153, "array_to_json", ts(types.AnyArray), JS, nil).stable().forTypes(arrayToJSON),
		def(3154, "array_to_json", ts(types.AnyArray, types.Bool), JS, nil).stable().forTypes(arrayToJSON),
		def(3787, "to_jsonb", any1, J, nil).stable().forTypes(toJSONBFn),
		def(3176, "to_json", any1, JS, nil).stable().forTypes(toJSONFn),
		def(3155, "row_to_json", ts(types.Record), JS, nil).stable().forTypes(toJSONFn),
		def(3156, "row_to_json", ts(types.Record, types.Bool), JS, nil).stable().forTypes(rowToJSON),
		def(3273, "jsonb_build_object", nil, J, nil).variadic(types.AnyT).lenient().stable().forTypes(buildObject),
		def(3274, "jsonb_build_object", nil, J, emptyObject).stable(),
		def(3271, "jsonb_build_array", nil, J, nil).variadic(types.AnyT).lenient().stable().forTypes(buildArray),
		def(3272, "jsonb_build_array", nil, J, emptyArray).stable(),
		def(3200, "json_build_object", nil, JS, nil).variadic(types.AnyT).lenient().stable().forTypes(buildJSONObject),
		def(3201, "json_build_object", nil, JS, constant(types.DJSON("{}"))).stable(),
		def(3198, "json_build_array", nil, JS, nil).variadic(types.AnyT).lenient().stable().forTypes(buildJSONArray),
		def(3199, "json_build_array", nil, JS, constant(types.DJSON("[]"))).stable(),
	}
}
