package types

import "github.com/driftdb/driftdb/sql/pgcode"

// MaxArrayDims is the most dimensions an array may have (MAXDIM).
const MaxArrayDims = maxArrayDims

// NDims returns the number of dimensions of an array: 0 when it is
// empty.
func (a *DArray) NDims() int {
	switch {
	case len(a.Vals) == 0:
		return 0
	case len(a.Dims) > 1:
		return len(a.Dims)
	}
	return 1
}

// DimLens returns the length of each dimension of an array (none when it
// is empty).
func (a *DArray) DimLens() []int {
	switch {
	case len(a.Vals) == 0:
		return nil
	case len(a.Dims) > 1:
		return a.Dims
	}
	return []int{len(a.Vals)}
}

// WithDims sets an array's dimensions: dims of more than one dimension
// are kept, one dimension (or none) needs no record.
func (a *DArray) WithDims(dims []int) *DArray {
	if len(dims) > 1 && len(a.Vals) > 0 {
		a.Dims = dims
	} else {
		a.Dims = nil
	}
	return a
}

// ErrArrayDims is the error of an array whose sub-arrays differ in their
// dimensions.
func ErrArrayDims() error {
	return pgcode.New(pgcode.ArraySubscriptError, "multidimensional arrays must have array expressions with matching dimensions")
}

// appendArrayDims writes an array of several dimensions: {{1,2},{3,4}}.
func appendArrayDims(dst []byte, a *DArray, c *Context) []byte {
	nd := len(a.Dims)
	block := make([]int, nd) // elements under one item of each level
	n := 1
	for k := nd - 1; k >= 0; k-- {
		n *= a.Dims[k]
		block[k] = n
	}
	var buf []byte
	for i, v := range a.Vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		for k := range block {
			if i%block[k] == 0 {
				dst = append(dst, '{')
			}
		}
		one := DArray{Elem: a.Elem, Vals: []Datum{v}}
		buf = appendArray(buf[:0], &one, c)
		dst = append(dst, buf[1:len(buf)-1]...)
		for k := nd - 1; k >= 0 && (i+1)%block[k] == 0; k-- {
			dst = append(dst, '}')
		}
	}
	return dst
}
