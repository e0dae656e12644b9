package builtins

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The window functions: row_number, rank, dense_rank, percent_rank,
// cume_dist, ntile, lag, lead, first_value, last_value and nth_value.
// Each computes one row's value from what it sees of the row's partition
// (WindowPartition): the rows' arguments, the row's peer group and its
// frame.

var _ = register(windowFunctions()...)

func windowFunctions() []*Overload {
	I4, I8, F8 := types.Int4, types.Int8, types.Float8
	E, C := types.AnyElement, types.AnyCompat
	win := func(oid uint32, name string, args []*types.T, ret *types.T, f func(args []*types.T) WindowFunc) *Overload {
		return &Overload{Name: name, Oid: oid, Kind: Window, Args: args, Ret: ret, Win: f}
	}
	first := func(a []*types.T) *types.T { return a[0] }
	poly := func(o *Overload) *Overload { o.Ret, o.RetFn = nil, first; return o }
	out := []*Overload{
		win(3100, "row_number", nil, I8, func([]*types.T) WindowFunc { return intWin(rowNumber) }),
		win(3101, "rank", nil, I8, func([]*types.T) WindowFunc { return intWin(rank) }),
		win(3102, "dense_rank", nil, I8, func([]*types.T) WindowFunc { return &denseRank{} }),
		win(3103, "percent_rank", nil, F8, func([]*types.T) WindowFunc { return winFunc(percentRank) }),
		win(3104, "cume_dist", nil, F8, func([]*types.T) WindowFunc { return winFunc(cumeDist) }),
		win(3105, "ntile", ts(I4), I4, func([]*types.T) WindowFunc { return winFunc(ntile) }),
		poly(win(3112, "first_value", ts(E), nil, func([]*types.T) WindowFunc { return frameValue(firstInFrame) })),
		poly(win(3113, "last_value", ts(E), nil, func([]*types.T) WindowFunc { return frameValue(lastInFrame) })),
		poly(win(3114, "nth_value", ts(E, I4), nil, func([]*types.T) WindowFunc { return winFunc(nthValue) })),
	}
	for _, d := range []struct {
		name string
		oid  uint32
		sign int
	}{{"lag", 3106, -1}, {"lead", 3109, 1}} {
		sign := d.sign
		f := func([]*types.T) WindowFunc { return shiftFunc(sign) }
		out = append(out,
			poly(win(d.oid, d.name, ts(E), nil, f)),
			poly(win(d.oid+1, d.name, ts(E, I4), nil, f)),
			poly(win(d.oid+2, d.name, ts(C, I4, C), nil, f)))
	}
	return out
}

// Excluder is a WindowPartition whose frames can have holes: the rows a
// frame's EXCLUDE clause leaves out of it.
type Excluder interface {
	// Excluded reports whether row i, inside row's frame, is left out of
	// it.
	Excluded(row, i int) bool
}

// excluded reports whether row i is left out of row's frame.
func excluded(p WindowPartition, row, i int) bool {
	x, ok := p.(Excluder)
	return ok && x.Excluded(row, i)
}

// winFunc is a window function that keeps no state between rows.
type winFunc func(c *Context, p WindowPartition, row int) (types.Datum, error)

// Compute implements WindowFunc.
func (f winFunc) Compute(c *Context, p WindowPartition, row int) (types.Datum, error) {
	return f(c, p, row)
}

// IntWindowFunc is a WindowFunc whose values are integers, which it also
// gives as they are (row_number, rank, dense_rank): a caller that keeps
// many boxes them as it likes.
type IntWindowFunc interface {
	WindowFunc
	ComputeInt(c *Context, p WindowPartition, row int) (int64, error)
}

// intWin is a window function of integers that keeps no state between
// rows.
type intWin func(p WindowPartition, row int) int64

// Compute implements WindowFunc.
func (f intWin) Compute(_ *Context, p WindowPartition, row int) (types.Datum, error) {
	return f(p, row), nil
}

// ComputeInt implements IntWindowFunc.
func (f intWin) ComputeInt(_ *Context, p WindowPartition, row int) (int64, error) {
	return f(p, row), nil
}

func rowNumber(_ WindowPartition, row int) int64 { return int64(row + 1) }

// rank is the row number of the first of the row's peers.
func rank(p WindowPartition, row int) int64 {
	start, _ := p.Peers(row)
	return int64(start + 1)
}

// denseRank counts peer groups; rows come in order, so the count only
// grows.
type denseRank struct {
	lastStart int
	n         int64
}

// Compute implements WindowFunc.
func (d *denseRank) Compute(c *Context, p WindowPartition, row int) (types.Datum, error) {
	n, err := d.ComputeInt(c, p, row)
	return n, err
}

// ComputeInt implements IntWindowFunc.
func (d *denseRank) ComputeInt(_ *Context, p WindowPartition, row int) (int64, error) {
	start, _ := p.Peers(row)
	if d.n == 0 || start != d.lastStart {
		d.n++
		d.lastStart = start
	}
	return d.n, nil
}

// percentRank is (rank - 1) / (rows - 1), 0 for a partition of one row.
func percentRank(_ *Context, p WindowPartition, row int) (types.Datum, error) {
	n := p.Len()
	if n <= 1 {
		return float64(0), nil
	}
	start, _ := p.Peers(row)
	return float64(start) / float64(n-1), nil
}

// cumeDist is the share of the partition's rows up to the row's last peer.
func cumeDist(_ *Context, p WindowPartition, row int) (types.Datum, error) {
	_, end := p.Peers(row)
	return float64(end) / float64(p.Len()), nil
}

// ntile splits the partition into n buckets as equal as they come, the
// first ones a row larger when the rows do not divide evenly.
func ntile(_ *Context, p WindowPartition, row int) (types.Datum, error) {
	a := p.Args(row)[0]
	if a == nil {
		return nil, nil
	}
	buckets := a.(int64)
	if buckets <= 0 {
		return nil, pgcode.New(pgcode.InvalidArgumentForNtile, "argument of ntile must be greater than zero")
	}
	n := int64(p.Len())
	size, extra := n/buckets, n%buckets
	r := int64(row)
	// The first extra buckets hold size+1 rows.
	big := extra * (size + 1)
	if r < big {
		return r/(size+1) + 1, nil
	}
	return extra + (r-big)/size + 1, nil
}

// shiftFunc is lag (sign -1) or lead (sign 1): the argument at the row
// offset rows back or ahead in the partition, or the default.
type shiftFunc int

// Compute implements WindowFunc.
func (sign shiftFunc) Compute(_ *Context, p WindowPartition, row int) (types.Datum, error) {
	args := p.Args(row)
	off := int64(1)
	if len(args) > 1 {
		if args[1] == nil {
			return nil, nil
		}
		off = args[1].(int64)
	}
	at := int64(row) + int64(sign)*off
	if at < 0 || at >= int64(p.Len()) {
		if len(args) > 2 {
			return args[2], nil
		}
		return nil, nil
	}
	return p.Args(int(at))[0], nil
}

// frameValue is first_value or last_value: pick chooses the row of the
// frame whose argument it is (-1 for an empty frame).
type frameValue func(p WindowPartition, row int) int

// Compute implements WindowFunc.
func (f frameValue) Compute(_ *Context, p WindowPartition, row int) (types.Datum, error) {
	i := f(p, row)
	if i < 0 {
		return nil, nil
	}
	return p.Args(i)[0], nil
}

func firstInFrame(p WindowPartition, row int) int {
	start, end := p.Frame(row)
	for i := start; i < end; i++ {
		if !excluded(p, row, i) {
			return i
		}
	}
	return -1
}

func lastInFrame(p WindowPartition, row int) int {
	start, end := p.Frame(row)
	for i := end - 1; i >= start; i-- {
		if !excluded(p, row, i) {
			return i
		}
	}
	return -1
}

// nthValue is the argument at the n-th row of the frame (counting from
// 1), NULL when the frame is shorter.
func nthValue(_ *Context, p WindowPartition, row int) (types.Datum, error) {
	a := p.Args(row)[1]
	if a == nil {
		return nil, nil
	}
	n := a.(int64)
	if n <= 0 {
		return nil, pgcode.New(pgcode.InvalidArgumentForNthValue, "argument of nth_value must be greater than zero")
	}
	start, end := p.Frame(row)
	for i := start; i < end; i++ {
		if excluded(p, row, i) {
			continue
		}
		if n--; n == 0 {
			return p.Args(i)[0], nil
		}
	}
	return nil, nil
}
