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
// input's order, each with its calls' values appended. A row is held
// with the input columns read above the window only (plan.Window.Keep),
// then its calls' values; each call's partition key, arguments and
// ORDER BY values are taken from the row as it comes.
type windowOp struct {
	env *Env
	n   *plan.Window
	in  Operator
	// held are the rows held, each the kept columns then the calls'
	// values (width wide); rows of them.
	held  []types.Datum
	width int
	rows  int
	kept  []int // the input columns held
	calls []*windowCall
	i     int
	ready bool
	pass  bool // no call is computed
	// stream: each call numbers the rows as they come (numbers); num
	// is the last row's number, boxed from boxes.
	stream bool
	num    int64
	boxes  engine.Boxes
	out    Row // the row given then, reused
}

// windowCall is a call computed by the operator, with its partitions as
// the rows come.
type windowCall struct {
	env      *Env
	c        *plan.WindowCall
	at       int // its value's place in a held row
	col      int // and in the rows given
	pfs, afs []evalFn
	kfs      []evalFn
	filter   func(Row) (bool, error)
	parts    *tupleMap[*partition]
	order    []*partition // by first appearance
	key      []types.Datum
	// vals holds each input row's arguments and then its ORDER BY
	// values; left marks the rows the call's FILTER leaves out.
	vals []types.Datum
	left []bool
}

// argsOf returns the arguments of the i-th input row, nil when the
// FILTER left it out.
func (wc *windowCall) argsOf(i int) []types.Datum {
	if wc.left != nil && wc.left[i] {
		return nil
	}
	if len(wc.afs) == 0 {
		return noArgs
	}
	n := len(wc.afs) + len(wc.kfs)
	return wc.vals[i*n : i*n+len(wc.afs) : i*n+len(wc.afs)]
}

// noArgs are the arguments of a call that has none: not nil, which is a
// row left out.
var noArgs = []types.Datum{}

// keysOf returns the ORDER BY values of the i-th input row.
func (wc *windowCall) keysOf(i int) []types.Datum {
	n := len(wc.afs) + len(wc.kfs)
	return wc.vals[i*n+len(wc.afs) : (i+1)*n : (i+1)*n]
}

func newWindow(env *Env, n *plan.Window) (Operator, error) {
	in, err := build(env, n.Input)
	if err != nil {
		return nil, err
	}
	// Nothing reads a call: the input's rows go through as they come,
	// the calls' columns NULL.
	pass := !slices.ContainsFunc(n.Calls, func(c *plan.WindowCall) bool { return !c.Unused })
	op := &windowOp{env: env, n: n, in: in, pass: pass, stream: !pass && numbers(n)}
	for i := range n.Input.Columns() {
		if n.Keep == nil || n.Keep[i] {
			op.kept = append(op.kept, i)
		}
	}
	for i, c := range n.Calls {
		if c.Unused {
			continue
		}
		wc := &windowCall{env: env, c: c, at: len(op.kept) + len(op.calls), col: len(n.Input.Columns()) + i,
			parts: newTupleMap[*partition](typesOfExprs(c.PartitionBy))}
		if wc.pfs, err = env.compileAll(c.PartitionBy); err != nil {
			return nil, err
		}
		if wc.afs, err = env.compileAll(c.Args); err != nil {
			return nil, err
		}
		kexprs := make([]plan.Expr, len(c.OrderBy))
		for i, k := range c.OrderBy {
			kexprs[i] = k.E
		}
		if wc.kfs, err = env.compileAll(kexprs); err != nil {
			return nil, err
		}
		if wc.filter, err = env.truth(c.Filter); err != nil {
			return nil, err
		}
		wc.key = make([]types.Datum, len(wc.pfs))
		op.calls = append(op.calls, wc)
	}
	return op, nil
}

// numbers reports whether every call a window computes is the number of
// its row in the order the rows come: row_number, rank or dense_rank over
// no partition, ordered by the primary key of a scan that reads its
// table in key order (the keys are unique, so the three are the row's
// number), which the rows then need not be held for.
func numbers(n *plan.Window) bool {
	s, ok := n.Input.(*plan.Scan)
	if !ok || s.Access != plan.AccessScan || s.Desc || s.RowID || len(s.KeyFields) > 0 ||
		s.Travel.Kind == plan.TravelBetween || s.Travel.Kind == plan.TravelAll || len(s.Fields) == 0 || s.Fields[0] == "" {
		return false
	}
	for _, c := range n.Calls {
		if c.Unused {
			continue
		}
		switch c.Fn.Name {
		case "row_number", "rank", "dense_rank":
		default:
			return false
		}
		if len(c.Args) > 0 || len(c.PartitionBy) > 0 || c.Filter != nil || len(c.OrderBy) != 1 || c.OrderBy[0].Desc {
			return false
		}
		if ref, ok := c.OrderBy[0].E.(*plan.ColRef); !ok || ref.Idx != 0 {
			return false
		}
	}
	return true
}

func (op *windowOp) Next() (Row, error) {
	width := len(op.n.Cols)
	if op.pass || op.stream {
		r, err := op.in.Next()
		if err != nil || r == nil {
			return nil, err
		}
		op.out = append(op.out[:0], r...)
		op.out = append(op.out, make(Row, width-len(r))...)
		if op.stream {
			op.num++
			v := op.boxes.Int(op.num)
			for _, wc := range op.calls {
				op.out[wc.col] = v
			}
		}
		return op.out, nil
	}
	if !op.ready {
		op.ready = true
		op.width = len(op.kept) + len(op.calls)
		if err := drain(op.in, func(r Row) error {
			for _, at := range op.kept {
				op.held = append(op.held, r[at])
			}
			for _, wc := range op.calls {
				if err := wc.add(r, op.rows); err != nil {
					return err
				}
				op.held = append(op.held, nil)
			}
			op.rows++
			return nil
		}); err != nil {
			return nil, err
		}
		for _, wc := range op.calls {
			if err := op.compute(wc); err != nil {
				return nil, err
			}
		}
	}
	if op.i >= op.rows {
		return nil, nil
	}
	r := op.held[op.i*op.width : (op.i+1)*op.width]
	op.i++
	if cap(op.out) < width {
		op.out = make(Row, width)
	}
	op.out = op.out[:width]
	clear(op.out)
	for j, at := range op.kept {
		op.out[at] = r[j]
	}
	for _, wc := range op.calls {
		op.out[wc.col] = r[wc.at]
	}
	clear(r) // let the row's values go
	return op.out, nil
}

func (op *windowOp) Close() {
	op.in.Close()
	op.held = nil
}

// add takes the i-th input row r into its partition of the call.
func (wc *windowCall) add(r Row, i int) error {
	for j, f := range wc.pfs {
		v, err := f(r)
		if err != nil {
			return err
		}
		wc.key[j] = v
	}
	pp, _, added := wc.parts.ref(wc.key)
	if added {
		*pp = &partition{w: wc}
		wc.order = append(wc.order, *pp)
	}
	p := *pp
	for _, f := range wc.afs {
		v, err := f(r)
		if err != nil {
			return err
		}
		wc.vals = append(wc.vals, v)
	}
	for _, f := range wc.kfs {
		v, err := f(r)
		if err != nil {
			return err
		}
		wc.vals = append(wc.vals, v)
	}
	if wc.c.Filter != nil {
		ok, err := wc.filter(r)
		if err != nil {
			return err
		}
		wc.left = append(wc.left, !ok) // left out of the aggregate
	}
	p.rows = append(p.rows, i)
	return nil
}

// partition is the rows of one partition, in the window's order.
type partition struct {
	w     *windowCall // the call, and the rows' arguments and ORDER BY values
	rows  []int       // indexes into the operator's rows
	peerS []int
	peerE []int
	frS   []int
	frE   []int
}

func (p *partition) Len() int                 { return len(p.rows) }
func (p *partition) Args(i int) []types.Datum { return p.w.argsOf(p.rows[i]) }

// keys returns the ORDER BY values of the partition's i-th row.
func (p *partition) keys(i int) []types.Datum     { return p.w.keysOf(p.rows[i]) }
func (p *partition) Peers(i int) (start, end int) { return p.peerS[i], p.peerE[i] }
func (p *partition) Frame(i int) (start, end int) { return p.frS[i], p.frE[i] }

// compute orders each partition of a call and puts its values in the
// held rows.
func (op *windowOp) compute(wc *windowCall) error {
	so := &sortOp{n: &plan.Sort{Keys: wc.c.OrderBy}}
	for _, p := range wc.order {
		// Rows that come in the window's order (a scan in key order, by
		// its key) stay where they are.
		if !p.ordered(so) {
			p.rows = permute(p.rows, so.order(len(p.rows), p.keys))
		}
		if err := p.bounds(so); err != nil {
			return err
		}
		vals, err := p.values()
		if err != nil {
			return err
		}
		for i, ri := range p.rows {
			op.held[ri*op.width+wc.at] = vals[i]
		}
	}
	return nil
}

// ordered reports whether the partition's rows are in the order of so's
// keys, none after the next.
func (p *partition) ordered(so *sortOp) bool {
	for i := 1; i < len(p.rows); i++ {
		if so.compare(p.keys(i-1), p.keys(i)) > 0 {
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
	fn := p.w.c.Fn
	c := p.w.env.Fn
	if fn.Win != nil {
		w := fn.Win(typesOfExprs(p.w.c.Args))
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
	args := typesOfExprs(p.w.c.Args)
	if fr := p.w.c.Frame; fr != nil && fr.Exclude != plan.ExcludeNoOthers {
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
			a := p.Args(added)
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
