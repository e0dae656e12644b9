package builtins

import (
	"math"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The jsonb operators and the functions behind them: field and element
// access (->, ->>, #>, #>>), containment (@>, <@), key existence (?, ?|,
// ?&), concatenation (||) and deletion (-, #-), with PostgreSQL 15's
// rules for raw scalars (a top-level scalar behaves as an array of one
// element where PostgreSQL lets it) and for paths.
//
// A document value is shared: a stored row's document may be the very
// value an operator is given. Nothing here changes a value it was given;
// what changes is copied along the way.

// doc returns a jsonb argument's document value.
func doc(d types.Datum) any { return d.(types.DJSONB).V }

// jsonbOf wraps a document value as a jsonb datum.
func jsonbOf(v any) types.DJSONB { return types.DJSONB{V: v} }

// isJSONBScalar reports whether a document value is neither an array nor
// an object.
func isJSONBScalar(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return false
	}
	return true
}

// jsonbTypeof names a document value's kind as jsonb_typeof does.
func jsonbTypeof(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "number"
}

// jsonbText is a document value as the text operators (->>, #>>) give
// it: a string without its quotes, JSON null as SQL NULL, anything else
// in jsonb's text form.
func jsonbText(v any) types.Datum {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	}
	return types.FormatText(jsonbOf(v), types.JSONB, nil)
}

// jsonbEqual reports whether two document values are equal as jsonb.
func jsonbEqual(a, b any) bool {
	return types.Compare(jsonbOf(a), jsonbOf(b), types.JSONB) == 0
}

// strtoint reads an array index from a path element as PostgreSQL's
// strtoint does: leading white space, a sign, digits and nothing after,
// within int4's range.
func strtoint(s string) (int, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return 0, false
	}
	n := int64(0)
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
		if n > math.MaxInt32+1 {
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	if n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

// element returns the element at a subscript of an array of n elements,
// a negative one counting from the end; ok is false outside the array.
func element(n, i int) (int, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// fieldOf is jsonb -> text: an object's field.
func fieldOf(v any, key string) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	f, ok := m[key]
	return f, ok
}

// elementOf is jsonb -> int: an array's element. A raw scalar is an
// array of one element here, as it is to PostgreSQL.
func elementOf(v any, i int) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return nil, false
	case []any:
		i, ok := element(len(x), i)
		if !ok {
			return nil, false
		}
		return x[i], true
	}
	if _, ok := element(1, i); !ok {
		return nil, false
	}
	return v, true
}

// pathOf is jsonb #> text[]: the value at a path of keys and array
// subscripts; ok is false where the path leads nowhere (a NULL element,
// a subscript that is no integer, a missing key, a scalar on the way).
func pathOf(v any, path *types.DArray) (any, bool) {
	for _, p := range path.Vals {
		if p == nil {
			return nil, false
		}
		key := p.(string)
		switch x := v.(type) {
		case map[string]any:
			f, ok := x[key]
			if !ok {
				return nil, false
			}
			v = f
		case []any:
			n, ok := strtoint(key)
			if !ok {
				return nil, false
			}
			i, ok := element(len(x), n)
			if !ok {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// jsonbContains is jsonb @> jsonb. Containers must match in kind, but an
// array contains a scalar at the top level (a raw scalar is an array of
// one element to PostgreSQL); a scalar never contains a container.
func jsonbContains(a, b any) bool {
	sa, sb := isJSONBScalar(a), isJSONBScalar(b)
	switch {
	case sa && sb:
		return jsonbEqual(a, b)
	case sa:
		return false
	case sb:
		if arr, ok := a.([]any); ok {
			return jsonArrayContains(arr, []any{b})
		}
		return false
	}
	return deepContains(a, b)
}

// deepContains compares two values below the top level: kinds must be
// the same, scalars equal, objects and arrays contained.
func deepContains(a, b any) bool {
	switch y := b.(type) {
	case map[string]any:
		x, ok := a.(map[string]any)
		if !ok || len(x) < len(y) {
			return false
		}
		for k, vb := range y {
			va, ok := x[k]
			if !ok || !deepContains(va, vb) {
				return false
			}
		}
		return true
	case []any:
		x, ok := a.([]any)
		return ok && jsonArrayContains(x, y)
	}
	if !isJSONBScalar(a) {
		return false
	}
	return jsonbEqual(a, b)
}

// jsonArrayContains reports whether every element of y is in x: a scalar as
// an equal element, a container as one some element of x contains.
func jsonArrayContains(x, y []any) bool {
	for _, e := range y {
		found := false
		for _, f := range x {
			if isJSONBScalar(e) != isJSONBScalar(f) {
				continue
			}
			if deepContains(f, e) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// jsonbExists is jsonb ? text: a key of an object, or a string element
// of an array (or the raw scalar string itself).
func jsonbExists(v any, key string) bool {
	switch x := v.(type) {
	case map[string]any:
		_, ok := x[key]
		return ok
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s == key {
				return true
			}
		}
		return false
	case string:
		return x == key
	}
	return false
}

// jsonbExistsKeys is ?| (any) and ?& (all); NULL keys are skipped.
func jsonbExistsKeys(v any, keys *types.DArray, all bool) bool {
	for _, k := range keys.Vals {
		if k == nil {
			continue
		}
		ok := jsonbExists(v, k.(string))
		if ok && !all {
			return true
		}
		if !ok && all {
			return false
		}
	}
	return all
}

// jsonbConcat is jsonb || jsonb: two objects merge, the right's fields
// winning; otherwise both sides become arrays (a scalar or an object an
// array of one) and are joined.
func jsonbConcat(a, b any) any {
	if x, ok := a.(map[string]any); ok {
		if y, ok := b.(map[string]any); ok {
			out := make(map[string]any, len(x)+len(y))
			for k, v := range x {
				out[k] = v
			}
			for k, v := range y {
				out[k] = v
			}
			return out
		}
	}
	asArray := func(v any) []any {
		if arr, ok := v.([]any); ok {
			return arr
		}
		return []any{v}
	}
	x, y := asArray(a), asArray(b)
	out := make([]any, 0, len(x)+len(y))
	return append(append(out, x...), y...)
}

var errDeleteScalar = pgcode.New(pgcode.InvalidParameterValue, "cannot delete from scalar")

// jsonbDeleteKeys is jsonb - text and jsonb - text[]: the fields of an
// object, or the string elements of an array, that match a key.
func jsonbDeleteKeys(v any, keys []string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		drop := false
		for _, k := range keys {
			if _, ok := x[k]; ok {
				drop = true
			}
		}
		if !drop {
			return v, nil
		}
		out := make(map[string]any, len(x))
		for k, f := range x {
			out[k] = f
		}
		for _, k := range keys {
			delete(out, k)
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
	elems:
		for _, e := range x {
			if s, ok := e.(string); ok {
				for _, k := range keys {
					if s == k {
						continue elems
					}
				}
			}
			out = append(out, e)
		}
		return out, nil
	}
	return nil, errDeleteScalar
}

// jsonbDeleteIndex is jsonb - int: an array's element.
func jsonbDeleteIndex(v any, i int) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot delete from object using integer index")
	case []any:
		i, ok := element(len(x), i)
		if !ok {
			return v, nil
		}
		out := make([]any, 0, len(x)-1)
		return append(append(out, x[:i]...), x[i+1:]...), nil
	}
	return nil, errDeleteScalar
}

// textElems returns a text[]'s elements, NULLs left out.
func textElems(a *types.DArray) []string {
	out := make([]string, 0, len(a.Vals))
	for _, v := range a.Vals {
		if v != nil {
			out = append(out, v.(string))
		}
	}
	return out
}

// variadicPath adapts a body taking (jsonb, text[]) to a VARIADIC text
// call, whose elements arrive one argument each: a NULL element is an
// element of the array, only a NULL document makes the result NULL.
func variadicPath(f fnBody) fnBody {
	return func(c *Context, a []types.Datum) (types.Datum, error) {
		if a[0] == nil {
			return nil, nil
		}
		path := &types.DArray{Elem: types.Text, Vals: append([]types.Datum(nil), a[1:]...)}
		return f(c, []types.Datum{a[0], path})
	}
}

var _ = register(jsonbOps()...)

func jsonbOps() []*Overload {
	J, T, I, B := types.JSONB, types.Text, types.Int4, types.Bool
	TA := types.ArrayOf(types.Text)
	field := func(_ *Context, a []types.Datum) (types.Datum, error) {
		if f, ok := fieldOf(doc(a[0]), str(a[1])); ok {
			return jsonbOf(f), nil
		}
		return nil, nil
	}
	fieldText := func(_ *Context, a []types.Datum) (types.Datum, error) {
		if f, ok := fieldOf(doc(a[0]), str(a[1])); ok {
			return jsonbText(f), nil
		}
		return nil, nil
	}
	elem := func(_ *Context, a []types.Datum) (types.Datum, error) {
		if e, ok := elementOf(doc(a[0]), int(a[1].(int64))); ok {
			return jsonbOf(e), nil
		}
		return nil, nil
	}
	elemText := func(_ *Context, a []types.Datum) (types.Datum, error) {
		if e, ok := elementOf(doc(a[0]), int(a[1].(int64))); ok {
			return jsonbText(e), nil
		}
		return nil, nil
	}
	path := func(_ *Context, a []types.Datum) (types.Datum, error) {
		if v, ok := pathOf(doc(a[0]), a[1].(*types.DArray)); ok {
			return jsonbOf(v), nil
		}
		return nil, nil
	}
	pathText := func(_ *Context, a []types.Datum) (types.Datum, error) {
		if v, ok := pathOf(doc(a[0]), a[1].(*types.DArray)); ok {
			return jsonbText(v), nil
		}
		return nil, nil
	}
	contains := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbContains(doc(a[0]), doc(a[1])), nil
	}
	contained := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbContains(doc(a[1]), doc(a[0])), nil
	}
	exists := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbExists(doc(a[0]), str(a[1])), nil
	}
	existsAny := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbExistsKeys(doc(a[0]), a[1].(*types.DArray), false), nil
	}
	existsAll := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbExistsKeys(doc(a[0]), a[1].(*types.DArray), true), nil
	}
	concat := func(_ *Context, a []types.Datum) (types.Datum, error) {
		return jsonbOf(jsonbConcat(doc(a[0]), doc(a[1]))), nil
	}
	deleteKey := func(_ *Context, a []types.Datum) (types.Datum, error) {
		v, err := jsonbDeleteKeys(doc(a[0]), []string{str(a[1])})
		if err != nil {
			return nil, err
		}
		return jsonbOf(v), nil
	}
	deleteKeys := func(_ *Context, a []types.Datum) (types.Datum, error) {
		v, err := jsonbDeleteKeys(doc(a[0]), textElems(a[1].(*types.DArray)))
		if err != nil {
			return nil, err
		}
		return jsonbOf(v), nil
	}
	deleteIndex := func(_ *Context, a []types.Datum) (types.Datum, error) {
		v, err := jsonbDeleteIndex(doc(a[0]), int(a[1].(int64)))
		if err != nil {
			return nil, err
		}
		return jsonbOf(v), nil
	}
	deletePath := func(_ *Context, a []types.Datum) (types.Datum, error) {
		v := doc(a[0])
		if isJSONBScalar(v) {
			return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot delete path in scalar")
		}
		if jsonbLen(v) == 0 {
			return a[0], nil
		}
		out, err := setPath(v, a[1].(*types.DArray), nil, pathDelete)
		if err != nil {
			return nil, err
		}
		return jsonbOf(out), nil
	}
	cmp := func(holds func(int) bool) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) {
			return holds(types.Compare(a[0], a[1], types.JSONB)), nil
		}
	}
	return []*Overload{
		// jsonb_cmp gives -1, 0 or 1; PostgreSQL's may be any number of
		// the sign, where strings differ.
		def(4044, "jsonb_cmp", ts(J, J), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return int64(types.Compare(a[0], a[1], types.JSONB)), nil
		}),
		def(4043, "jsonb_eq", ts(J, J), B, cmp(cmpOps["="])),
		def(4038, "jsonb_ne", ts(J, J), B, cmp(cmpOps["<>"])),
		def(4039, "jsonb_lt", ts(J, J), B, cmp(cmpOps["<"])),
		def(4041, "jsonb_le", ts(J, J), B, cmp(cmpOps["<="])),
		def(4040, "jsonb_gt", ts(J, J), B, cmp(cmpOps[">"])),
		def(4042, "jsonb_ge", ts(J, J), B, cmp(cmpOps[">="])),
		def(3478, "->", ts(J, T), J, field),
		def(3478, "jsonb_object_field", ts(J, T), J, field),
		def(3214, "->>", ts(J, T), T, fieldText),
		def(3214, "jsonb_object_field_text", ts(J, T), T, fieldText),
		def(3215, "->", ts(J, I), J, elem),
		def(3215, "jsonb_array_element", ts(J, I), J, elem),
		def(3216, "->>", ts(J, I), T, elemText),
		def(3216, "jsonb_array_element_text", ts(J, I), T, elemText),
		def(3217, "#>", ts(J, TA), J, path),
		def(3217, "jsonb_extract_path", ts(J), J, variadicPath(path)).variadic(T).lenient(),
		def(3940, "#>>", ts(J, TA), T, pathText),
		def(3940, "jsonb_extract_path_text", ts(J), T, variadicPath(pathText)).variadic(T).lenient(),
		def(4046, "@>", ts(J, J), B, contains),
		def(4046, "jsonb_contains", ts(J, J), B, contains),
		def(4050, "<@", ts(J, J), B, contained),
		def(4050, "jsonb_contained", ts(J, J), B, contained),
		def(4047, "?", ts(J, T), B, exists),
		def(4047, "jsonb_exists", ts(J, T), B, exists),
		def(4048, "?|", ts(J, TA), B, existsAny),
		def(4048, "jsonb_exists_any", ts(J, TA), B, existsAny),
		def(4049, "?&", ts(J, TA), B, existsAll),
		def(4049, "jsonb_exists_all", ts(J, TA), B, existsAll),
		def(3301, "||", ts(J, J), J, concat),
		def(3301, "jsonb_concat", ts(J, J), J, concat),
		def(3302, "-", ts(J, T), J, deleteKey),
		def(3302, "jsonb_delete", ts(J, T), J, deleteKey),
		def(3303, "-", ts(J, I), J, deleteIndex),
		def(3303, "jsonb_delete", ts(J, I), J, deleteIndex),
		def(3343, "-", ts(J, TA), J, deleteKeys),
		def(3343, "jsonb_delete", ts(J), J, variadicPath(deleteKeys)).variadic(T).lenient(),
		def(3304, "#-", ts(J, TA), J, deletePath),
		def(3304, "jsonb_delete_path", ts(J, TA), J, deletePath),
	}
}
