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
