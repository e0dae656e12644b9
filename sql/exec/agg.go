package exec

import (
	"context"
	"sync/atomic"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// aggOp groups its input in a hash table and computes each group's
// aggregates; without GROUP BY it yields one row, also for no input.
type aggOp struct {
	env    *Env
	n      *plan.Agg
	in     Operator
	groups []evalFn
	calls  []aggCall
	table  *tupleMap[*group]
	order  []*group
	i      int
	ready  bool
	args   []types.Datum // scratch for an aggregate's arguments
	key    Row           // scratch for a row's group key
	// parts are the other parts of a parallel aggregation (parallel.go),
	// loaded beside this one and merged into it; cancel stops them.
	parts  []*aggOp
	cancel context.CancelFunc
}

type aggCall struct {
	c        *plan.AggCall
	argTypes []*types.T
	args     []evalFn
	filter   func(Row) (bool, error)
	keys     []evalFn // ORDER BY inside the call
}

type group struct {
	key  Row
	accs []builtins.Accumulator
	// seen holds, per DISTINCT aggregate, the argument tuples added.
	seen []*tupleMap[struct{}]
	// sorted holds, per aggregate with ORDER BY, its rows to add in order.
	sorted [][]sortRow
	// adders are accs as the kinds of values they take, for an
	// aggregation read as columns (loadColumns).
	adders []colAdder
}

func newAgg(env *Env, n *plan.Agg) (Operator, error) {
	if op, err := newParallelAgg(env, n); op != nil || err != nil {
		return op, err
	}
	return newSerialAgg(env, n)
}

// maxReserve bounds the groups a hash table is sized for up front from
// the plan's last run.
const maxReserve = 1 << 20

// newSerialAgg returns an aggregation that reads its input itself.
func newSerialAgg(env *Env, n *plan.Agg) (*aggOp, error) {
	keyTypes := typesOfExprs(n.GroupBy)
	if n.Sets != nil {
		keyTypes = append(keyTypes, types.Int8) // which set
	}
	op := &aggOp{env: env, n: n, table: newTupleMap[*group](keyTypes), key: make(Row, len(n.GroupBy))}
	if g := atomic.LoadInt64(&n.Groups); g > 0 {
		op.table.reserve(int(min(g, maxReserve)))
	}
	var err error
	if op.groups, err = env.compileAll(n.GroupBy); err != nil {
		return nil, err
	}
	for _, c := range n.Aggs {
		ac := aggCall{c: c, argTypes: typesOfExprs(c.Args)}
		if ac.args, err = env.compileAll(c.Args); err != nil {
			return nil, err
		}
		if c.Filter != nil {
			if ac.filter, err = env.truth(c.Filter); err != nil {
				return nil, err
			}
		}
		for _, k := range c.OrderBy {
			f, err := env.compile(k.E)
			if err != nil {
				return nil, err
			}
			ac.keys = append(ac.keys, f)
		}
		op.calls = append(op.calls, ac)
	}
	if op.in, err = build(env, n.Input); err != nil {
		return nil, err
	}
	return op, nil
}

func (op *aggOp) newGroup(key Row) *group {
	g := &group{key: key, accs: make([]builtins.Accumulator, len(op.calls))}
	for i, c := range op.calls {
		g.accs[i] = c.c.Fn.Agg(c.argTypes)
		if c.c.Distinct {
			if g.seen == nil {
				g.seen = make([]*tupleMap[struct{}], len(op.calls))
			}
			g.seen[i] = newTupleMap[struct{}](c.argTypes)
		}
		if len(c.keys) > 0 && g.sorted == nil {
			g.sorted = make([][]sortRow, len(op.calls))
		}
	}
	return g
}

func typesOfExprs(es []plan.Expr) []*types.T {
	out := make([]*types.T, len(es))
	for i, e := range es {
		out[i] = e.Type()
	}
	return out
}

func (op *aggOp) load() error {
	if op.n.Sets != nil {
		return op.loadSets()
	}
	if cols := op.columns(); cols != nil {
		return op.loadColumns(cols)
	}
	return drain(op.in, op.addRow)
}

// addRow adds an input row to the aggregates of its group.
func (op *aggOp) addRow(r Row) error {
	var g *group
	if len(op.groups) == 0 {
		g = op.grandTotal()
	} else {
		for i, f := range op.groups {
			v, err := f(r)
			if err != nil {
				return err
			}
			op.key[i] = v
		}
		g, _ = op.groupOf(op.key)
	}
	for i := range op.calls {
		if err := op.add(g, i, r); err != nil {
			return err
		}
	}
	return nil
}

// grandTotal returns the one group of an aggregation without GROUP BY,
// made with its first row (Next makes it for none): no key to hash.
func (op *aggOp) grandTotal() *group {
	if len(op.order) == 0 {
		op.groupOf(op.key)
	}
	return op.order[0]
}

// groupOf returns the group of key, made (added) if there was none.
func (op *aggOp) groupOf(key Row) (g *group, added bool) {
	p, stored, added := op.table.ref(key)
	if added {
		*p = op.newGroup(stored)
		op.order = append(op.order, *p)
	}
	return *p, added
}

// add feeds one input row to a group's i-th aggregate.
func (op *aggOp) add(g *group, i int, r Row) error {
	ac := &op.calls[i]
	if ac.filter != nil {
		if ok, err := ac.filter(r); err != nil || !ok {
			return err
		}
	}
	// The arguments go in a scratch list, which an accumulator does not
	// keep (builtins.Accumulator); a sorted aggregate keeps a copy.
	if cap(op.args) < len(ac.args) {
		op.args = make([]types.Datum, len(ac.args))
	}
	args, null := op.args[:len(ac.args)], false
	for j, f := range ac.args {
		v, err := f(r)
		if err != nil {
			return err
		}
		args[j], null = v, null || v == nil
	}
	if null && ac.c.Fn.Strict {
		return nil // strict aggregates skip NULL inputs
	}
	if ac.c.Distinct && !g.seen[i].add(args) {
		return nil
	}
	if len(ac.keys) > 0 {
		sr := sortRow{row: copyRow(args), keys: make([]types.Datum, len(ac.keys))}
		for j, f := range ac.keys {
			v, err := f(r)
			if err != nil {
				return err
			}
			sr.keys[j] = v
		}
		g.sorted[i] = append(g.sorted[i], sr)
		return nil
	}
	return g.accs[i].Add(op.env.Fn, args)
}

func (op *aggOp) Next() (Row, error) {
	if !op.ready {
		op.ready = true
		load := op.load
		if op.parts != nil {
			load = op.loadParts
		}
		if err := load(); err != nil {
			return nil, err
		}
		atomic.StoreInt64(&op.n.Groups, int64(len(op.order)))
		if len(op.order) == 0 && len(op.groups) == 0 {
			op.order = append(op.order, op.newGroup(nil))
		}
	}
	if op.i >= len(op.order) {
		return nil, nil
	}
	g := op.order[op.i]
	op.order[op.i] = nil
	op.i++
	row := make(Row, 0, len(op.groups)+len(op.calls))
	row = append(row, g.key[:min(len(g.key), len(op.groups))]...)
	for len(row) < len(op.groups) {
		row = append(row, nil) // the grand total of no rows
	}
	for i, ac := range op.calls {
		if len(ac.keys) > 0 {
			so := &sortOp{n: &plan.Sort{Keys: ac.c.OrderBy}}
			for _, sr := range so.sortRows(g.sorted[i]) {
				if err := g.accs[i].Add(op.env.Fn, sr.row); err != nil {
					return nil, err
				}
			}
		}
		v, err := g.accs[i].Result(op.env.Fn)
		if err != nil {
			return nil, err
		}
		row = append(row, v)
	}
	if op.n.Sets != nil {
		// The number of the row's grouping set (GROUPING reads it); the
		// grand total of no rows is the empty set's.
		set := int64(-1)
		if len(g.key) > len(op.groups) {
			set = g.key[len(op.groups)].(int64)
		} else {
			for si, s := range op.n.Sets {
				if len(s) == 0 {
					set = int64(si)
				}
			}
		}
		row = append(row, set)
	}
	return row, nil
}

func (op *aggOp) Close() {
	op.in.Close()
	op.table, op.order = nil, nil
	for _, p := range op.parts {
		p.Close()
	}
	if op.cancel != nil {
		op.cancel()
	}
}

// loadSets groups each input row once per grouping set: its key holds
// the set's expressions, NULL for the others, and the set's number. The
// empty set makes a group even of no rows, as PostgreSQL's grand total.
func (op *aggOp) loadSets() error {
	vals := make(Row, len(op.groups))
	key := make(Row, len(op.groups)+1)
	err := drain(op.in, func(r Row) error {
		for i, f := range op.groups {
			v, err := f(r)
			if err != nil {
				return err
			}
			vals[i] = v
		}
		for si, set := range op.n.Sets {
			clear(key)
			for _, j := range set {
				key[j] = vals[j]
			}
			key[len(op.groups)] = int64(si)
			p, stored, added := op.table.ref(key)
			if added {
				*p = op.newGroup(stored)
				op.order = append(op.order, *p)
			}
			g := *p
			for i := range op.calls {
				if err := op.add(g, i, r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil || len(op.order) > 0 {
		return err
	}
	for _, set := range op.n.Sets {
		if len(set) == 0 {
			op.order = append(op.order, op.newGroup(nil))
		}
	}
	return nil
}
