package engine

import "unsafe"

// Boxes hands out the interface values (any) of decoded integers and
// strings from slabs, instead of one allocation per value: a scan reads
// many rows' fields, and each value it boxes would otherwise be a small
// allocation of its own. A value's slab lives as long as any value boxed
// in it does; slabs are never reused, so a value never changes. The zero
// Boxes is ready; a Boxes is used by one goroutine at a time.
type Boxes struct {
	ints []int64
	strs []string
}

// boxSlab is how many values a slab holds at most; the first slabs are
// smaller (boxFirst, then doubling), so that reading a row or two costs
// little.
const (
	boxSlab  = 256
	boxFirst = 4
)

// nextSlab is the size of the slab after one of n values.
func nextSlab(n int) int { return min(max(2*n, boxFirst), boxSlab) }

// eface is the layout of an interface value: its dynamic type and a
// pointer to its data.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

var (
	intType = typeWord(int64(0))
	strType = typeWord("")
)

func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// box makes the interface value of type typ whose data is at p.
func box(typ, p unsafe.Pointer) any {
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, p
	return v
}

// Int returns v as an any.
func (b *Boxes) Int(v int64) any {
	if b == nil || v >= 0 && v < 256 {
		return v // the runtime boxes small integers without allocating
	}
	if len(b.ints) == cap(b.ints) {
		b.ints = make([]int64, 0, nextSlab(cap(b.ints)))
	}
	b.ints = append(b.ints, v)
	return box(intType, unsafe.Pointer(&b.ints[len(b.ints)-1]))
}

// String returns s as an any.
func (b *Boxes) String(s string) any {
	if b == nil || s == "" {
		return s
	}
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, nextSlab(cap(b.strs)))
	}
	b.strs = append(b.strs, s)
	return box(strType, unsafe.Pointer(&b.strs[len(b.strs)-1]))
}

// boxedValue reads one value as value does, boxing an integer or a
// string from b.
func (r *mpReader) boxedValue(b *Boxes) (any, error) {
	if b == nil || r.i >= len(r.b) {
		return r.value(1)
	}
	at := r.i
	c := r.b[r.i]
	r.i++
	if v, ok, err := r.int(c); err != nil || ok {
		return b.Int(v), err
	}
	r.i = at + 1
	if isStrCode(c) {
		s, err := r.strBody(c)
		return b.String(s), err
	}
	r.i = at
	return r.value(1)
}
