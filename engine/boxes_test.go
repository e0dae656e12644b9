package engine

import (
	"fmt"
	"runtime"
	"testing"
)

// TestBoxes: values boxed from slabs keep their values and types across
// many slabs and garbage collections, and compare and switch on type as
// ordinary boxes do.
func TestBoxes(t *testing.T) {
	var b Boxes
	var vals []any
	for i := range 3 * boxSlab {
		vals = append(vals, b.Int(int64(i*1000-7)), b.String(fmt.Sprint("s", i)))
	}
	b = Boxes{}
	runtime.GC()
	runtime.GC()
	for i := range 3 * boxSlab {
		n, ok := vals[2*i].(int64)
		if !ok || n != int64(i*1000-7) || vals[2*i] != any(int64(i*1000-7)) {
			t.Fatalf("int %d: %v", i, vals[2*i])
		}
		if s, ok := vals[2*i+1].(string); !ok || s != fmt.Sprint("s", i) {
			t.Fatalf("string %d: %v", i, vals[2*i+1])
		}
	}
	var nilBoxes *Boxes
	if v := nilBoxes.Int(1 << 40); v != any(int64(1<<40)) {
		t.Fatalf("nil Boxes: %v", v)
	}
}
