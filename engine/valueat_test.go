package engine

import (
	"fmt"
	"strings"
	"testing"
)

// fieldWalk is valueAt done with fieldIter, the general walk: what valueAt
// must answer.
func fieldWalk(doc []byte, name string) int {
	it := fieldsOf(doc, true)
	for it.next() {
		if string(it.key) == name {
			return it.r.i
		}
	}
	if it.err != nil {
		return -2
	}
	return -1
}

// TestValueAt compares valueAt with the general walk on documents of every
// kind of value and name, and on every truncation of them.
func TestValueAt(t *testing.T) {
	long := strings.Repeat("n", 40) // a name too long for a fixstr
	many := map[string]any{}
	var manyOrder []string
	for i := range 20 { // a map16
		k := fmt.Sprintf("f%d", i)
		many[k] = int64(i)
		manyOrder = append(manyOrder, k)
	}
	docs := []struct {
		doc   map[string]any
		order []string
	}{
		{map[string]any{"id": int64(12345), "email": "user12345@example.com", "status": "s345", "amount": int64(86415)}, []string{"id", "email", "status", "amount"}},
		{map[string]any{"a": nil, "b": true, "c": 1.5, "d": int64(-5), "e": int64(-300), "f": int64(1 << 40), "g": strings.Repeat("x", 300), "h": "ünï"},
			[]string{"a", "b", "c", "d", "e", "f", "g", "h"}},
		{map[string]any{"n": map[string]any{"amount": int64(1)}, "l": []any{int64(1), "x", map[string]any{}}, long: int64(7), "amount": int64(2)},
			[]string{"n", "l", long, "amount"}},
		{many, manyOrder},
		{map[string]any{}, nil},
	}
	names := []string{"id", "amount", "status", "h", "g", long, "f19", "f3", "missing", "", "n"}
	for _, d := range docs {
		doc := encodeDoc(d.doc, d.order)
		for end := 0; end <= len(doc); end++ {
			for _, name := range names {
				if got, want := valueAt(doc[:end], name), fieldWalk(doc[:end], name); got != want {
					t.Fatalf("valueAt(%x of %d bytes, %q) = %d, want %d", doc[:end], len(doc), name, got, want)
				}
			}
		}
	}
}

// TestRowNumber compares Row.Number with Row.Fields, the general read: an
// integer or a float where Fields gives one, FieldNull where it gives
// nil, FieldOther for any other value and FieldDamaged wherever Fields
// fails, on documents of every kind of value, on every truncation of
// them, and on rows of a transaction's own (decoded documents).
func TestRowNumber(t *testing.T) {
	docs := []map[string]any{
		{"id": int64(12345), "email": "user12345@example.com", "amount": int64(86415)},
		{"a": nil, "b": true, "c": 1.5, "d": int64(-5), "e": int64(-300), "f": int64(1 << 40), "g": int64(-1 << 63), "h": "7"},
		{"n": map[string]any{"amount": int64(1)}, "l": []any{int64(1)}, "amount": int64(127), "m": int64(128), "p": int64(1<<63 - 1)},
	}
	names := []string{"id", "amount", "email", "a", "b", "c", "d", "e", "f", "g", "h", "n", "l", "m", "p", "missing"}
	check := func(r *Row, what string) {
		t.Helper()
		for _, name := range names {
			out := []any{nil}
			err := r.Fields([]string{name}, out, nil)
			i, f, kind := r.Number(name)
			want := FieldOther
			switch x := out[0].(type) {
			case nil:
				want = FieldNull
			case int64:
				want = FieldInt
				if kind == FieldInt && i != x {
					t.Errorf("%s, %q: Number %d, Fields %d", what, name, i, x)
				}
			case float64:
				want = FieldFloat
				if kind == FieldFloat && f != x {
					t.Errorf("%s, %q: Number %v, Fields %v", what, name, f, x)
				}
			}
			if err != nil {
				want = FieldDamaged
			}
			if kind != want {
				t.Errorf("%s, %q: Number says %d, Fields gives %#v (%v)", what, name, kind, out[0], err)
			}
		}
	}
	for _, d := range docs {
		doc := encodeDoc(d, nil)
		for end := 0; end <= len(doc); end++ {
			check(&Row{doc: doc[:end]}, fmt.Sprintf("%v cut at %d", d, end))
		}
		check(&Row{dec: d}, fmt.Sprintf("decoded %v", d))
	}
	// An unsigned integer past an int64's range: another kind of value.
	big := []byte{0x81, 0xa1, 'u', 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if _, _, kind := (&Row{doc: big}).Number("u"); kind != FieldOther {
		t.Errorf("uint64 past int64: Number says %d", kind)
	}
}
