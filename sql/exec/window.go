package exec

import (
	"slices"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
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
	pass  bool // no call is computed
	out   Row  // the row given then, reused
}

func newWindow(env *Env, n *plan.Window) (Operator, error) {
	in, err := build(env, n.Input)
	if err != nil {
		return nil, err
	}
	// Nothing reads a call: the input's rows go through as they come,
	// the calls' columns NULL.
	pass := !slices.ContainsFunc(n.Calls, func(c *plan.WindowCall) bool { return !c.Unused })
	return &windowOp{env: env, n: n, in: in, pass: pass}, nil
}

func (op *windowOp) Next() (Row, error) {
	width := len(op.n.Cols)
	if op.pass {
		r, err := op.in.Next()
		if err != nil || r == nil {
			return nil, err
		}
		op.out = append(op.out[:0], r...)
		op.out = append(op.out, make(Row, width-len(r))...)
		return op.out, nil
	}
	if !op.ready {
		op.ready = true
		var slab []types.Datum // the rows' space, a block at a time
		if err := drain(op.in, func(r Row) error {
			if len(slab) < width {
				slab = make([]types.Datum, 1024*width)
			}
			row := Row(slab[:width:width])
			slab = slab[width:]
			copy(row, r)
			op.rows = append(op.rows, row)
			return nil
		}); err != nil {
			return nil, err
		}
		base := len(op.n.Input.Columns())
		for i, c := range op.n.Calls {
			if c.Unused {
				continue
			}
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
	// Each row's arguments and ORDER BY values, in two blocks.
	na, nk := len(afs), len(kfs)
	argSlab, keySlab := make([]types.Datum, len(op.rows)*na), make([]types.Datum, len(op.rows)*nk)
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
		args := argSlab[i*na : (i+1)*na : (i+1)*na]
		for j, f := range afs {
			if args[j], err = f(r); err != nil {
				return err
			}
		}
		keys := keySlab[i*nk : (i+1)*nk : (i+1)*nk]
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
		// Rows that come in the window's order (a scan in key order, by
		// its key) stay where they are.
		if !p.ordered(so) {
			idx := so.order(len(p.rows), func(i int) []types.Datum { return p.keys[i] })
			p.rows, p.args, p.keys = permute(p.rows, idx), permute(p.args, idx), permute(p.keys, idx)
		}
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

// ordered reports whether the partition's rows are in the order of so's
// keys, none after the next.
func (p *partition) ordered(so *sortOp) bool {
	for i := 1; i < len(p.keys); i++ {
		if so.compare(p.keys[i-1], p.keys[i]) > 0 {
			return false
		}
	}
	return true
}

func permute[T any](s []T, idx []int) []T {
	out := make([]T, len(s))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}

// values computes the call for every row of the partition.
func (p *partition) values() ([]types.Datum, error) {
	n := len(p.rows)
	out := make([]types.Datum, n)
	fn := p.call.Fn
	c := p.env.Fn
	if fn.Win != nil {
		w := fn.Win(typesOfExprs(p.call.Args))
		if iw, ok := w.(builtins.IntWindowFunc); ok {
			// Integers boxed from slabs, not one allocation a row.
			var boxes engine.Boxes
			for i := 0; i < n; i++ {
				v, err := iw.ComputeInt(c, p, i)
				if err != nil {
					return nil, err
				}
				out[i] = boxes.Int(v)
			}
			return out, nil
		}
		for i := 0; i < n; i++ {
			v, err := w.Compute(c, p, i)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	args := typesOfExprs(p.call.Args)
	if fr := p.call.Frame; fr != nil && fr.Exclude != plan.ExcludeNoOthers {
		return p.excludingValues(args)
	}
	// An aggregate over each row's frame. Frames that start at the
	// partition's start grow: add rows as they come.
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
