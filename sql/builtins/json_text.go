package builtins

import (
	"encoding/json"
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The json operators and functions. A json value keeps its text, so these
// work on the text itself: what -> or json_array_elements give is the
// part of the text that holds the value, white space, key order and
// repeated keys as written (a repeated key's last value is the one ->
// finds, as in PostgreSQL). The text is valid JSON: json input checked
// it.

// jsonSkipSpace returns the index of the first byte at or after i that is
// not JSON white space.
func jsonSkipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// jsonValueEnd returns the end of the value that starts at i.
func jsonValueEnd(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '"':
		return jsonStringEnd(s, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '"':
				j = jsonStringEnd(s, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(s)
	}
	j := i
	for j < len(s) && !strings.ContainsRune(",:}] \t\n\r", rune(s[j])) {
		j++
	}
	return j
}

// jsonStringEnd returns the end of the string that starts at i, past its
// closing quote.
func jsonStringEnd(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(s)
}

// jsonUnquote decodes a JSON string token.
func jsonUnquote(tok string) string {
	var s string
	if err := json.Unmarshal([]byte(tok), &s); err != nil {
		return strings.Trim(tok, `"`)
	}
	return s
}

// jsonTrim is the text of a whole json value without the white space
// around it.
func jsonTrim(s string) string { return strings.Trim(s, " \t\n\r") }

// jsonKind is the kind of the json value whose text is s, as json_typeof
// names it.
func jsonKind(s string) string {
	if s == "" {
		return ""
	}
	switch s[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// jsonElements returns the texts of an array's elements.
func jsonElements(s string) []string {
	var out []string
	i := jsonSkipSpace(s, 1)
	for i < len(s) && s[i] != ']' {
		end := jsonValueEnd(s, i)
		out = append(out, s[i:end])
		i = jsonSkipSpace(s, end)
		if i < len(s) && s[i] == ',' {
			i = jsonSkipSpace(s, i+1)
		}
	}
	return out
}

// jsonMember is a field of a json object: its key, decoded, and the
// text of its value.
type jsonMember struct{ key, val string }

// jsonMembers returns an object's fields in the order written.
func jsonMembers(s string) []jsonMember {
	var out []jsonMember
	i := jsonSkipSpace(s, 1)
	for i < len(s) && s[i] == '"' {
		kend := jsonStringEnd(s, i)
		key := jsonUnquote(s[i:kend])
		i = jsonSkipSpace(s, kend)
		if i < len(s) && s[i] == ':' {
			i = jsonSkipSpace(s, i+1)
		}
		end := jsonValueEnd(s, i)
		out = append(out, jsonMember{key, s[i:end]})
		i = jsonSkipSpace(s, end)
		if i < len(s) && s[i] == ',' {
			i = jsonSkipSpace(s, i+1)
		}
	}
	return out
}

// jsonField is json -> text: the last field of the key.
func jsonField(s, key string) (string, bool) {
	if jsonKind(s) != "object" {
		return "", false
	}
	val, found := "", false
	for _, m := range jsonMembers(s) {
		if m.key == key {
			val, found = m.val, true
		}
	}
	return val, found
}

// jsonElement is json -> int: an array's element, a negative subscript
// counting from the end.
func jsonElement(s string, i int) (string, bool) {
	if jsonKind(s) != "array" {
		return "", false
	}
	elems := jsonElements(s)
	i, ok := element(len(elems), i)
	if !ok {
		return "", false
	}
	return elems[i], true
}

// jsonPath is json #> text[].
func jsonPath(s string, path *types.DArray) (string, bool) {
	for _, p := range path.Vals {
		if p == nil {
			return "", false
		}
		var ok bool
		switch jsonKind(s) {
		case "object":
			s, ok = jsonField(s, p.(string))
		case "array":
			var n int
			if n, ok = strtoint(p.(string)); ok {
				s, ok = jsonElement(s, n)
			}
		}
		if !ok {
			return "", false
		}
	}
	return s, true
}

// jsonAsText is a json value as the text operators give it: a string
// decoded, null as SQL NULL, anything else as written.
func jsonAsText(s string) types.Datum {
	switch jsonKind(s) {
	case "string":
		return jsonUnquote(s)
	case "null":
		return nil
	}
	return s
}

// jsonStripNulls is json_strip_nulls: the value written again without
// white space and without the object fields that are null; strings are
// written with escape_json's escapes.
func jsonStripNulls(b *strings.Builder, s string) {
	switch jsonKind(s) {
	case "object":
		b.WriteByte('{')
		n := 0
		for _, m := range jsonMembers(s) {
			if jsonKind(m.val) == "null" {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			b.WriteString(jsonQuote(m.key))
			b.WriteByte(':')
			jsonStripNulls(b, m.val)
		}
		b.WriteByte('}')
	case "array":
		b.WriteByte('[')
		for i, e := range jsonElements(s) {
			if i > 0 {
				b.WriteByte(',')
			}
			jsonStripNulls(b, e)
		}
		b.WriteByte(']')
	case "string":
		b.WriteString(jsonQuote(jsonUnquote(s)))
	default:
		b.WriteString(s)
	}
}

// jtext returns a json argument's text, trimmed.
func jtext(d types.Datum) string { return jsonTrim(string(d.(types.DJSON))) }

// jtextDecoded is jtext for the functions that decode the strings of the
// text as they read it, as PostgreSQL's do: an escape no text can hold
// (\u0000, a lone surrogate) anywhere in it is an error.
func jtextDecoded(d types.Datum) (string, error) {
	s := jtext(d)
	if strings.Contains(s, `\u`) {
		if _, err := types.ParseJSONB(s); err != nil {
			return "", err
		}
	}
	return s, nil
}

var _ = register(jsonTextFuncs()...)

func jsonTextFuncs() []*Overload {
	JS, T, I := types.JSON, types.Text, types.Int4
	TA := types.ArrayOf(types.Text)
	asJSON := func(s string, ok bool) (types.Datum, error) {
		if !ok {
			return nil, nil
		}
		return types.DJSON(s), nil
	}
	asText := func(s string, ok bool) (types.Datum, error) {
		if !ok {
			return nil, nil
		}
		return jsonAsText(s), nil
	}
	// decoded runs f on the argument's text once its strings decode.
	decoded := func(f func(s string, a []types.Datum) (types.Datum, error)) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) {
			s, err := jtextDecoded(a[0])
			if err != nil {
				return nil, err
			}
			return f(s, a)
		}
	}
	field := decoded(func(s string, a []types.Datum) (types.Datum, error) {
		return asJSON(jsonField(s, str(a[1])))
	})
	fieldText := decoded(func(s string, a []types.Datum) (types.Datum, error) {
		return asText(jsonField(s, str(a[1])))
	})
	elem := decoded(func(s string, a []types.Datum) (types.Datum, error) {
		return asJSON(jsonElement(s, int(a[1].(int64))))
	})
	elemText := decoded(func(s string, a []types.Datum) (types.Datum, error) {
		return asText(jsonElement(s, int(a[1].(int64))))
	})
	path := decoded(func(s string, a []types.Datum) (types.Datum, error) {
		return asJSON(jsonPath(s, a[1].(*types.DArray)))
	})
	pathText := decoded(func(s string, a []types.Datum) (types.Datum, error) {
		return asText(jsonPath(s, a[1].(*types.DArray)))
	})
	return []*Overload{
		def(3947, "->", ts(JS, T), JS, field),
		def(3947, "json_object_field", ts(JS, T), JS, field),
		def(3948, "->>", ts(JS, T), T, fieldText),
		def(3948, "json_object_field_text", ts(JS, T), T, fieldText),
		def(3949, "->", ts(JS, I), JS, elem),
		def(3949, "json_array_element", ts(JS, I), JS, elem),
		def(3950, "->>", ts(JS, I), T, elemText),
		def(3950, "json_array_element_text", ts(JS, I), T, elemText),
		def(3951, "#>", ts(JS, TA), JS, path),
		def(3951, "json_extract_path", ts(JS), JS, variadicPath(path)).variadic(T).lenient(),
		def(3953, "#>>", ts(JS, TA), T, pathText),
		def(3953, "json_extract_path_text", ts(JS), T, variadicPath(pathText)).variadic(T).lenient(),
		def(3968, "json_typeof", ts(JS), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return jsonKind(jtext(a[0])), nil
		}),
		def(3956, "json_array_length", ts(JS), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			s := jtext(a[0])
			switch jsonKind(s) {
			case "array":
				return int64(len(jsonElements(s))), nil
			case "object":
				return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot get array length of a non-array")
			}
			return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot get array length of a scalar")
		}),
		def(3261, "json_strip_nulls", ts(JS), JS, decoded(func(s string, _ []types.Datum) (types.Datum, error) {
			var b strings.Builder
			jsonStripNulls(&b, s)
			return types.DJSON(b.String()), nil
		})),
	}
}

var _ = register(jsonTextSRFs()...)

func jsonTextSRFs() []*Overload {
	JS, T := types.JSON, types.Text
	srf := func(oid uint32, name string, ret *types.T, cols []SRFCol, f func(*Context, []types.Datum) (Rows, error)) *Overload {
		return &Overload{Name: name, Oid: oid, Kind: SetReturning, Args: ts(JS), Ret: ret, SRF: f, SRFCols: cols, Strict: true}
	}
	elements := func(name string, text bool) func(*Context, []types.Datum) (Rows, error) {
		return func(_ *Context, a []types.Datum) (Rows, error) {
			s := jtext(a[0])
			if text {
				// Only the text form decodes the strings.
				var err error
				if s, err = jtextDecoded(a[0]); err != nil {
					return nil, err
				}
			}
			switch jsonKind(s) {
			case "array":
			case "object":
				return nil, pgcode.Newf(pgcode.InvalidParameterValue, "cannot call %s on a non-array", name)
			default:
				return nil, pgcode.Newf(pgcode.InvalidParameterValue, "cannot call %s on a scalar", name)
			}
			rows := &sliceRows{}
			for _, e := range jsonElements(s) {
				var v types.Datum = types.DJSON(e)
				if text {
					v = jsonAsText(e)
				}
				rows.rows = append(rows.rows, []types.Datum{v})
			}
			return rows, nil
		}
	}
	each := func(text bool) func(*Context, []types.Datum) (Rows, error) {
		return func(_ *Context, a []types.Datum) (Rows, error) {
			s, err := jtextDecoded(a[0])
			if err != nil {
				return nil, err
			}
			switch jsonKind(s) {
			case "object":
			case "array":
				return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot deconstruct an array as an object")
			default:
				return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot deconstruct a scalar")
			}
			rows := &sliceRows{}
			for _, m := range jsonMembers(s) {
				var v types.Datum = types.DJSON(m.val)
				if text {
					v = jsonAsText(m.val)
				}
				rows.rows = append(rows.rows, []types.Datum{m.key, v})
			}
			return rows, nil
		}
	}
	keys := func(_ *Context, a []types.Datum) (Rows, error) {
		s, err := jtextDecoded(a[0])
		if err != nil {
			return nil, err
		}
		switch jsonKind(s) {
		case "object":
		case "array":
			return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot call json_object_keys on an array")
		default:
			return nil, pgcode.New(pgcode.InvalidParameterValue, "cannot call json_object_keys on a scalar")
		}
		rows := &sliceRows{}
		for _, m := range jsonMembers(s) {
			rows.rows = append(rows.rows, []types.Datum{m.key})
		}
		return rows, nil
	}
	return []*Overload{
		srf(3955, "json_array_elements", JS, []SRFCol{{Name: "value", T: JS}}, elements("json_array_elements", false)),
		srf(3969, "json_array_elements_text", T, []SRFCol{{Name: "value", T: T}}, elements("json_array_elements_text", true)),
		srf(3958, "json_each", types.Record, []SRFCol{{Name: "key", T: T}, {Name: "value", T: JS}}, each(false)),
		srf(3959, "json_each_text", types.Record, []SRFCol{{Name: "key", T: T}, {Name: "value", T: T}}, each(true)),
		srf(3957, "json_object_keys", T, nil, keys),
	}
}
