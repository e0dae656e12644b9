package builtins

import (
	"sort"
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The jsonb functions that inspect or rebuild one document: jsonb_typeof,
// jsonb_array_length, jsonb_set, jsonb_insert, jsonb_strip_nulls and
// jsonb_pretty.

// pathOp is what setPath does at the end of its path.
type pathOp uint8

const (
	pathReplace      pathOp = iota // jsonb_set(..., false): replace what is there
	pathCreate                     // jsonb_set: replace, or add what is missing
	pathDelete                     // #-: remove what is there
	pathInsertBefore               // jsonb_insert: add before an element, or a new key
	pathInsertAfter                // jsonb_insert(..., true): add after an element
)

// creates reports whether the operation adds a value the path does not
// reach yet (a missing last key, an array subscript past either end).
func (op pathOp) creates() bool { return op != pathReplace && op != pathDelete }

// setPath rebuilds v with the operation done at path, from path element
// level on, as PostgreSQL's setPath does: only the last element may be
// missing (and is then added when the operation creates); a scalar on
// the way leaves the document as it is. v itself is never changed.
func setPath(v any, path *types.DArray, newval any, op pathOp) (any, error) {
	if len(path.Vals) == 0 {
		return v, nil
	}
	return setPathAt(v, path.Vals, 0, newval, op)
}

func setPathAt(v any, path []types.Datum, level int, newval any, op pathOp) (any, error) {
	if path[level] == nil {
		return nil, pgcode.Newf(pgcode.NullValueNotAllowed, "path element at position %d is null", level+1)
	}
	switch x := v.(type) {
	case map[string]any:
		return setPathObject(x, path, level, newval, op)
	case []any:
		return setPathArray(x, path, level, newval, op)
	}
	return v, nil
}

func copyObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func setPathObject(m map[string]any, path []types.Datum, level int, newval any, op pathOp) (any, error) {
	key := path[level].(string)
	last := level == len(path)-1
	cur, ok := m[key]
	switch {
	case !ok:
		if !last || !op.creates() {
			return m, nil
		}
		out := copyObject(m)
		out[key] = newval
		return out, nil
	case !last:
		sub, err := setPathAt(cur, path, level+1, newval, op)
		if err != nil {
			return nil, err
		}
		out := copyObject(m)
		out[key] = sub
		return out, nil
	}
	out := copyObject(m)
	switch op {
	case pathInsertBefore, pathInsertAfter:
		return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot replace existing key").
			WithHint("Try using the function jsonb_set to replace key value.")
	case pathDelete:
		delete(out, key)
	default:
		out[key] = newval
	}
	return out, nil
}

func setPathArray(arr []any, path []types.Datum, level int, newval any, op pathOp) (any, error) {
	n := len(arr)
	sub := path[level].(string)
	idx, ok := strtoint(sub)
	if !ok {
		return nil, pgcode.Newf(pgcode.InvalidTextRepresentation, "path element at position %d is not an integer: %q", level+1, sub)
	}
	before := false // a subscript before the first element
	if idx < 0 {
		if -idx > n {
			before = true
		} else {
			idx += n
		}
	}
	idx = min(idx, n)
	last := level == len(path)-1
	out := make([]any, 0, n+1)
	switch {
	case (before || n == 0) && last && op.creates():
		return append(append(out, newval), arr...), nil
	case before || idx == n:
		if last && op.creates() {
			return append(append(out, arr...), newval), nil
		}
		return arr, nil
	case !last:
		v, err := setPathAt(arr[idx], path, level+1, newval, op)
		if err != nil {
			return nil, err
		}
		out = append(append(out, arr[:idx]...), v)
		return append(out, arr[idx+1:]...), nil
	}
	out = append(out, arr[:idx]...)
	switch op {
	case pathInsertBefore:
		out = append(out, newval, arr[idx])
	case pathInsertAfter:
		out = append(out, arr[idx], newval)
	case pathReplace, pathCreate:
		out = append(out, newval)
	}
	return append(out, arr[idx+1:]...), nil
}

// jsonbLen is a container's number of elements or fields; a raw scalar
// is an array of one to PostgreSQL.
func jsonbLen(v any) int {
	switch x := v.(type) {
	case []any:
		return len(x)
	case map[string]any:
		return len(x)
	}
	return 1
}

// jsonbSet is jsonb_set and jsonb_insert.
func jsonbSet(v any, path *types.DArray, newval any, op pathOp) (types.Datum, error) {
	if isJSONBScalar(v) {
		return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot set path in scalar")
	}
	if jsonbLen(v) == 0 && op == pathReplace {
		return jsonbOf(v), nil
	}
	out, err := setPath(v, path, newval, op)
	if err != nil {
		return nil, err
	}
	return jsonbOf(out), nil
}

// stripNulls is jsonb_strip_nulls: object fields whose value is null go,
// at every depth; array elements stay.
func stripNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, f := range x {
			if f != nil {
				out[k] = stripNulls(f)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stripNulls(e)
		}
		return out
	}
	return v
}

// appendPretty writes a document as jsonb_pretty does: one element or
// field a line, indented four spaces a level; an empty container still
// opens and closes on lines of its own.
func appendPretty(b *strings.Builder, v any, depth int) {
	indent := func(d int) {
		for i := 0; i < d; i++ {
			b.WriteString("    ")
		}
	}
	switch x := v.(type) {
	case []any:
		b.WriteString("[\n")
		for i, e := range x {
			if i > 0 {
				b.WriteString(",\n")
			}
			indent(depth + 1)
			appendPretty(b, e, depth+1)
		}
		if len(x) > 0 {
			b.WriteByte('\n')
		}
		indent(depth)
		b.WriteByte(']')
	case map[string]any:
		b.WriteString("{\n")
		for i, k := range jsonbKeys(x) {
			if i > 0 {
				b.WriteString(",\n")
			}
			indent(depth + 1)
			b.WriteString(types.FormatText(jsonbOf(k), types.JSONB, nil))
			b.WriteString(": ")
			appendPretty(b, x[k], depth+1)
		}
		if len(x) > 0 {
			b.WriteByte('\n')
		}
		indent(depth)
		b.WriteByte('}')
	default:
		b.WriteString(types.FormatText(jsonbOf(v), types.JSONB, nil))
	}
}

// jsonbKeys returns an object's keys in jsonb's order: shorter keys
// first, then by bytes.
func jsonbKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortJSONBKeys(keys)
	return keys
}

func sortJSONBKeys(keys []string) {
	sort.Slice(keys, func(i, j int) bool { return jsonbKeyBefore(keys[i], keys[j]) })
}

func jsonbKeyBefore(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

var _ = register(jsonbFuncs()...)

func jsonbFuncs() []*Overload {
	J, T, B := types.JSONB, types.Text, types.Bool
	TA := types.ArrayOf(types.Text)
	set := func(_ *Context, a []types.Datum) (types.Datum, error) {
		op := pathCreate
		if len(a) > 3 && !a[3].(bool) {
			op = pathReplace
		}
		return jsonbSet(doc(a[0]), a[1].(*types.DArray), doc(a[2]), op)
	}
	insert := func(_ *Context, a []types.Datum) (types.Datum, error) {
		op := pathInsertBefore
		if len(a) > 3 && a[3].(bool) {
			op = pathInsertAfter
		}
		return jsonbSet(doc(a[0]), a[1].(*types.DArray), doc(a[2]), op)
	}
	return []*Overload{
		def(3210, "jsonb_typeof", ts(J), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return jsonbTypeof(doc(a[0])), nil
		}),
		def(3207, "jsonb_array_length", ts(J), types.Int4, func(_ *Context, a []types.Datum) (types.Datum, error) {
			switch x := doc(a[0]).(type) {
			case []any:
				return int64(len(x)), nil
			case map[string]any:
				return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot get array length of a non-array")
			}
			return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot get array length of a scalar")
		}),
		def(3305, "jsonb_set", ts(J, TA, J), J, set),
		def(3305, "jsonb_set", ts(J, TA, J, B), J, set),
		def(3579, "jsonb_insert", ts(J, TA, J), J, insert),
		def(3579, "jsonb_insert", ts(J, TA, J, B), J, insert),
		def(3262, "jsonb_strip_nulls", ts(J), J, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return jsonbOf(stripNulls(doc(a[0]))), nil
		}),
		def(3306, "jsonb_pretty", ts(J), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			var b strings.Builder
			appendPretty(&b, doc(a[0]), 0)
			return b.String(), nil
		}),
	}
}
