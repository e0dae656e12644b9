package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
)

// Documents are JSON objects held as Go values of these types only:
//
//	nil, bool, string, []any, map[string]any
//	int64        an integer that fits in 64 bits (exact)
//	float64      any other number that float64 holds exactly as written
//	json.Number  a number kept as its exact text (big integers, long decimals)
//
// decodeDocument turns JSON text into that form and also returns the
// top-level keys in the order they were written, which the column registry
// needs.

// maxDepth bounds the nesting of a document.
const maxDepth = 512

// DecodeDocument parses JSON text that must be an object, as Txn.Insert
// does, for Txn.InsertDoc: a loader may decode beside its inserts.
func DecodeDocument(text []byte) (map[string]any, []string, error) { return decodeDocument(text) }

// decodeDocument parses JSON text that must be an object.
func decodeDocument(text []byte) (map[string]any, []string, error) {
	// encoding/json would take invalid UTF-8 in strings and change it to
	// U+FFFD: refuse it instead, as PostgreSQL refuses such text.
	if !utf8.Valid(text) {
		return nil, nil, InvalidUTF8(text)
	}
	if doc, keys, ok := parseDocument(text); ok {
		return doc, keys, nil
	}
	return decodeDocumentSlow(text)
}

// decodeDocumentSlow is decodeDocument through encoding/json: the path
// that decides every text parseDocument does not take, errors included.
func decodeDocumentSlow(text []byte) (map[string]any, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, invalidJSON(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, errorf(CodeInvalidText, "document must be a JSON object")
	}
	doc, keys, err := decodeObject(dec, 1, true)
	if err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errorf(CodeInvalidText, "invalid JSON: data after the document")
	}
	return doc, keys, nil
}

func invalidJSON(err error) error {
	return &Error{Code: CodeInvalidText, Msg: "invalid JSON: " + err.Error(), Err: err}
}

// decodeObject reads the members of an object whose '{' was consumed.
func decodeObject(dec *json.Decoder, depth int, wantKeys bool) (map[string]any, []string, error) {
	if depth > maxDepth {
		return nil, nil, errorf(CodeProgramLimitReached, "document nested deeper than %d", maxDepth)
	}
	m := map[string]any{}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, invalidJSON(err)
		}
		k, ok := tok.(string)
		if !ok {
			return nil, nil, errorf(CodeInvalidText, "invalid JSON: object key is not a string")
		}
		v, err := decodeValue(dec, depth)
		if err != nil {
			return nil, nil, err
		}
		if _, dup := m[k]; !dup && wantKeys {
			keys = append(keys, k)
		}
		m[k] = v // a repeated key keeps the last value, as jsonb does
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, nil, invalidJSON(err)
	}
	return m, keys, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, invalidJSON(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m, _, err := decodeObject(dec, depth+1, false)
			return m, err
		case '[':
			if depth+1 > maxDepth {
				return nil, errorf(CodeProgramLimitReached, "document nested deeper than %d", maxDepth)
			}
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, invalidJSON(err)
			}
			return arr, nil
		}
		return nil, errorf(CodeInvalidText, "invalid JSON: unexpected %v", t)
	case json.Number:
		return normalizeNumber(t), nil
	default:
		return t, nil // nil, bool, string
	}
}

// normalizeNumber picks the exact representation of a JSON number.
func normalizeNumber(n json.Number) any {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		return n // an integer beyond int64
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return n
	}
	// Keep float64 only when it holds every significant digit written.
	if significantDigits(s) == significantDigits(strconv.FormatFloat(f, 'e', -1, 64)) {
		return f
	}
	return n
}

// significantDigits returns the digits of a number without sign, point,
// exponent, or leading and trailing zeros.
func significantDigits(s string) string {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimLeft(s, "+-")
	s = strings.ReplaceAll(s, ".", "")
	s = strings.TrimLeft(s, "0")
	s = strings.TrimRight(s, "0")
	return s
}

// encodeJSON writes a document value as JSON text, numbers exact.
func encodeJSON(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case float64:
		buf.WriteString(formatFloat(x))
	case json.Number:
		buf.WriteString(string(x))
	case string:
		b, _ := json.Marshal(x)
		buf.Write(b)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteString(", ")
			}
			encodeJSON(buf, e)
		}
		buf.WriteByte(']')
	case map[string]any:
		buf.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				buf.WriteString(", ")
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteString(": ")
			encodeJSON(buf, x[k])
		}
		buf.WriteByte('}')
	default:
		b, _ := json.Marshal(x)
		buf.Write(b)
	}
}

// formatFloat prints a float so that it reads back as the same float and
// always looks like a number JSON accepts.
func formatFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// ToJSON returns the JSON text of a document value. Object keys come in
// jsonb order: shorter keys first, then bytewise.
func ToJSON(v any) []byte {
	var buf bytes.Buffer
	encodeJSON(&buf, v)
	return buf.Bytes()
}

// sortedKeys orders object keys as jsonb does: by length, then bytewise.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortJSONBKeys(keys)
	return keys
}

func sortJSONBKeys(keys []string) {
	// insertion sort is fine for the small objects documents hold; fall
	// back to a real sort for big ones.
	less := func(a, b string) bool {
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	}
	if len(keys) > 32 {
		sort.Slice(keys, func(i, j int) bool { return less(keys[i], keys[j]) })
		return
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && less(keys[j], keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// mergePatch applies an RFC 7396 merge patch to target and returns the
// result; target is not modified.
func mergePatch(target any, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	out := make(map[string]any, len(tm)+len(pm))
	if ok {
		for k, v := range tm {
			out[k] = v
		}
	}
	for k, v := range pm {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = mergePatch(out[k], v)
	}
	return out
}

// Key is a primary key value: a string or an integer.
type Key struct {
	Int   int64
	Str   string
	IsInt bool
}

// KeyOf converts a document value to a key.
func KeyOf(v any) (Key, error) {
	switch x := v.(type) {
	case string:
		return Key{Str: x}, nil
	case int64:
		return Key{Int: x, IsInt: true}, nil
	case int:
		return Key{Int: int64(x), IsInt: true}, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return Key{Int: int64(x), IsInt: true}, nil
		}
	case nil:
		return Key{}, errors.New("primary key is null")
	}
	return Key{}, fmt.Errorf("primary key must be a string or an integer, not %s", jsonKind(v))
}

// Value returns the key as a document value.
func (k Key) Value() any {
	if k.IsInt {
		return k.Int
	}
	return k.Str
}

func (k Key) String() string {
	if k.IsInt {
		return strconv.FormatInt(k.Int, 10)
	}
	return strconv.Quote(k.Str)
}

// compareKeys orders keys: integers before strings.
func compareKeys(a, b Key) int {
	if a.IsInt != b.IsInt {
		if a.IsInt {
			return -1
		}
		return 1
	}
	if a.IsInt {
		switch {
		case a.Int < b.Int:
			return -1
		case a.Int > b.Int:
			return 1
		}
		return 0
	}
	return strings.Compare(a.Str, b.Str)
}

// jsonKind names the JSON kind of a value for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case int64, int, float64, json.Number, *apd.Decimal:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
