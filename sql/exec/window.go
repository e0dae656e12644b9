package exec

import (
	"sort"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// windowOp computes window functions: it reads its whole input, and for
// each call splits the rows into partitions, orders each, and computes
// the call's value for every row over its frame. Rows come out in the
// input's order, each with its calls' values appended.
type windowOp struct {
	env   *Env
	n     *plan.Window
	in    Operator
	rows  []Row
	i     int
	ready bool
}

func newWindow(env *Env, n *plan.Window) (Operator, error) {
	in, err := build(env, n.Input)
	if err != nil {
		return nil, err
	}
	return &windowOp{env: env, n: n, in: in}, nil
}

func (op *windowOp) Next() (Row, error) {
	if !op.ready {
		op.ready = true
		width := len(op.n.Cols)
		if err := drain(op.in, func(r Row) error {
			row := make(Row, width)
			copy(row, r)
			op.rows = append(op.rows, row)
			return nil
		}); err != nil {
			return nil, err
		}
		base := len(op.n.Input.Columns())
		for i, c := range op.n.Calls {
			if err := op.compute(c, base+i); err != nil {
				return nil, err
			}
		}
	}
	if op.i >= len(op.rows) {
		return nil, nil
	}
	r := op.rows[op.i]
	op.rows[op.i] = nil
	op.i++
	return r, nil
}

func (op *windowOp) Close() {
	op.in.Close()
	op.rows = nil
}

// partition is the rows of one partition, in the window's order.
type partition struct {
	env   *Env
	call  *plan.WindowCall
	rows  []int // indexes into the operator's rows
	args  [][]types.Datum
	keys  [][]types.Datum // ORDER BY values
	peerS []int
	peerE []int
	frS   []int
	frE   []int
}

func (p *partition) Len() int                     { return len(p.rows) }
func (p *partition) Args(i int) []types.Datum     { return p.args[i] }
func (p *partition) Peers(i int) (start, end int) { return p.peerS[i], p.peerE[i] }
func (p *partition) Frame(i int) (start, end int) { return p.frS[i], p.frE[i] }

// compute fills column col with a call's values.
func (op *windowOp) compute(c *plan.WindowCall, col int) error {
	env := op.env
	pfs, err := env.compileAll(c.PartitionBy)
	if err != nil {
		return err
	}
	afs, err := env.compileAll(c.Args)
	if err != nil {
		return err
	}
	kexprs := make([]plan.Expr, len(c.OrderBy))
	for i, k := range c.OrderBy {
		kexprs[i] = k.E
	}
	kfs, err := env.compileAll(kexprs)
	if err != nil {
		return err
	}
	filter, err := env.truth(c.Filter)
	if err != nil {
		return err
	}
	// Partitions by their keys, in order of first appearance.
	parts := newTupleMap[*partition](typesOfExprs(c.PartitionBy))
	var order []*partition
	key := make([]types.Datum, len(pfs))
	for i, r := range op.rows {
		for j, f := range pfs {
			v, err := f(r)
			if err != nil {
				return err
			}
			key[j] = v
		}
		pp, _, added := parts.ref(key)
		if added {
			*pp = &partition{env: env, call: c}
			order = append(order, *pp)
		}
		p := *pp
		args := make([]types.Datum, len(afs))
		for j, f := range afs {
			if args[j], err = f(r); err != nil {
				return err
			}
		}
		keys := make([]types.Datum, len(kfs))
		for j, f := range kfs {
			if keys[j], err = f(r); err != nil {
				return err
			}
		}
		if c.Filter != nil {
			ok, err := filter(r)
			if err != nil {
				return err
			}
			if !ok {
				args = nil // filtered out of the aggregate
			}
		}
		p.rows = append(p.rows, i)
		p.args = append(p.args, args)
		p.keys = append(p.keys, keys)
	}
	so := &sortOp{n: &plan.Sort{Keys: c.OrderBy}}
	for _, p := range order {
		idx := make([]int, len(p.rows))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			return so.less(&sortRow{keys: p.keys[idx[a]]}, &sortRow{keys: p.keys[idx[b]]})
		})
		p.rows, p.args, p.keys = permute(p.rows, idx), permute(p.args, idx), permute(p.keys, idx)
		if err := p.bounds(so); err != nil {
			return err
		}
		vals, err := p.values()
		if err != nil {
			return err
		}
		for i, ri := range p.rows {
			op.rows[ri][col] = vals[i]
		}
	}
	return nil
}

func permute[T any](s []T, idx []int) []T {
	out := make([]T, len(s))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}

// bounds works out every row's peer group and frame.
func (p *partition) bounds(so *sortOp) error {
	n := len(p.rows)
	p.peerS, p.peerE, p.frS, p.frE = make([]int, n), make([]int, n), make([]int, n), make([]int, n)
	for i := 0; i < n; {
		j := i + 1
		for j < n && len(p.call.OrderBy) > 0 && !so.less(&sortRow{keys: p.keys[i]}, &sortRow{keys: p.keys[j]}) {
			j++
		}
		if len(p.call.OrderBy) == 0 {
			j = n // without ORDER BY every row is a peer of every other
		}
		for k := i; k < j; k++ {
			p.peerS[k], p.peerE[k] = i, j
		}
		i = j
	}
	fr := p.call.Frame
	for i := 0; i < n; i++ {
		if fr == nil {
			p.frS[i], p.frE[i] = 0, p.peerE[i]
			continue
		}
		s, err := p.bound(fr, fr.Start, i, true)
		if err != nil {
			return err
		}
		e, err := p.bound(fr, fr.End, i, false)
		if err != nil {
			return err
		}
		p.frS[i], p.frE[i] = max(0, min(s, n)), max(0, min(e, n))
	}
	return nil
}

// bound is one end of row i's frame: an index for the start, one past it
// for the end.
func (p *partition) bound(fr *plan.WindowFrame, b plan.FrameBound, i int, start bool) (int, error) {
	n := len(p.rows)
	switch b.Kind {
	case plan.BoundUnboundedPreceding:
		return 0, nil
	case plan.BoundUnboundedFollowing:
		return n, nil
	case plan.BoundCurrentRow:
		if fr.Rows {
			if start {
				return i, nil
			}
			return i + 1, nil
		}
		if start {
			return p.peerS[i], nil
		}
		return p.peerE[i], nil
	}
	f, err := p.env.compile(b.Offset)
	if err != nil {
		return 0, err
	}
	off, err := f(nil)
	if err != nil {
		return 0, err
	}
	if off == nil {
		return 0, pgcode.New(pgcode.NullValueNotAllowed, "frame starting offset must not be null")
	}
	if fr.Rows {
		k := off.(int64)
		if k < 0 {
			return 0, pgcode.New(pgcode.InvalidParameterValue, "frame starting offset must not be negative")
		}
		pos := int64(i)
		if b.Kind == plan.BoundPreceding {
			pos -= k
		} else {
			pos += k
		}
		if !start {
			pos++
		}
		return int(max(min(pos, int64(n)), 0)), nil
	}
	// RANGE with an offset: rows whose ORDER BY value is within the
	// offset of this row's.
	if len(p.call.OrderBy) != 1 {
		return 0, pgcode.New(pgcode.WindowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
	}
	key := p.call.OrderBy[0]
	cur := p.keys[i][0]
	if cur == nil {
		if start {
			return p.peerS[i], nil
		}
		return p.peerE[i], nil
	}
	desc := key.Desc
	forward := (b.Kind == plan.BoundFollowing) != desc
	limit, err := rangeShift(cur, off, forward)
	if err != nil {
		return 0, err
	}
	t := key.E.Type()
	if start {
		for j := 0; j < n; j++ {
			v := p.keys[j][0]
			if v == nil {
				continue
			}
			c := types.Compare(v, limit, t)
			if desc {
				c = -c
			}
			if c >= 0 {
				return j, nil
			}
		}
		return n, nil
	}
	for j := n - 1; j >= 0; j-- {
		v := p.keys[j][0]
		if v == nil {
			continue
		}
		c := types.Compare(v, limit, t)
		if desc {
			c = -c
		}
		if c <= 0 {
			return j + 1, nil
		}
	}
	return 0, nil
}

// rangeShift adds (forward) or subtracts an offset from a value.
func rangeShift(v, off types.Datum, forward bool) (types.Datum, error) {
	switch x := v.(type) {
	case int64:
		k, ok := off.(int64)
		if !ok {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "RANGE offset of this type is not supported")
		}
		if forward {
			return x + k, nil
		}
		return x - k, nil
	case float64:
		k, ok := off.(float64)
		if !ok {
			if ki, ok := off.(int64); ok {
				k = float64(ki)
			}
		}
		if forward {
			return x + k, nil
		}
		return x - k, nil
	case *apd.Decimal:
		k, ok := off.(*apd.Decimal)
		if !ok {
			if ki, ok := off.(int64); ok {
				k = apd.New(ki, 0)
			}
		}
		if k == nil {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "RANGE offset of this type is not supported")
		}
		out := new(apd.Decimal)
		var err error
		if forward {
			_, err = apd.BaseContext.WithPrecision(1000).Add(out, x, k)
		} else {
			_, err = apd.BaseContext.WithPrecision(1000).Sub(out, x, k)
		}
		return out, err
	}
	return nil, pgcode.New(pgcode.FeatureNotSupported, "RANGE with an offset is supported for numbers only")
}

// values computes the call for every row of the partition.
func (p *partition) values() ([]types.Datum, error) {
	n := len(p.rows)
	out := make([]types.Datum, n)
	fn := p.call.Fn
	c := p.env.Fn
	if fn.Win != nil {
		w := fn.Win(typesOfExprs(p.call.Args))
		for i := 0; i < n; i++ {
			v, err := w.Compute(c, p, i)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	// An aggregate over each row's frame. Frames that start at the
	// partition's start grow: add rows as they come.
	args := typesOfExprs(p.call.Args)
	var acc builtins.Accumulator
	added := 0
	for i := 0; i < n; i++ {
		s, e := p.frS[i], p.frE[i]
		if s != 0 || acc == nil || e < added {
			acc, added = fn.Agg(args), s
		}
		for ; added < e; added++ {
			a := p.args[added]
			if a == nil || fn.Strict && hasNull(a) {
				continue
			}
			if err := acc.Add(c, a); err != nil {
				return nil, err
			}
		}
		v, err := acc.Result(c)
		if err != nil {
			return nil, err
		}
		out[i] = v
		if s != 0 {
			acc = nil
		}
	}
	return out, nil
}

func hasNull(args []types.Datum) bool {
	for _, a := range args {
		if a == nil {
			return true
		}
	}
	return false
}
