package exec

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
)

// Parallel plans. An aggregation, or a top-N sort (ORDER BY ... LIMIT),
// over a whole table's scan (through filters and projections), and a
// filtered scan whose rows are returned as they come (gatherOp), read the
// table in parts side by side, each part in a goroutine of its own with
// its own operators, then merge the parts in key order: an aggregation
// the parts' groups (the rows and their order are what a single reader
// gives), a top-N the parts' first rows (rows that tie on every sort key
// may come out in another order, as SQL allows), a scan the parts' rows
// one part after the other. It is chosen at run time,
// when the table is large enough to split (engine.View.Split) and every
// expression on the way can run on its own: no subqueries, no volatile
// functions, and aggregates that merge (builtins.Merger) without DISTINCT
// or ORDER BY. Memory: each part holds what its operator would hold alone
// (its groups, or its first rows) and a cursor's chunk; a scan's part,
// the batches it has sent ahead.

// maxParts bounds how many parts a table is read in.
const maxParts = 4

// splitPart is the cursor one part of a parallel plan reads its table's
// scan with.
type splitPart struct {
	scan *plan.Scan
	cur  *engine.Cursor
}

// newParallelAgg returns an aggregation that reads its input in parts, or
// nil when the plan or the table does not allow it.
func newParallelAgg(env *Env, n *plan.Agg) (Operator, error) {
	if !parallelOK(env) || n.Sets != nil {
		return nil, nil
	}
	scan, joins := splittable(n.Input, env.Txn != nil)
	if scan == nil || !parallelSafe(n.GroupBy...) {
		return nil, nil
	}
	for _, c := range n.Aggs {
		if c.Distinct || len(c.OrderBy) > 0 || !parallelSafe(c.Args...) || !parallelSafe(c.Filter) {
			return nil, nil
		}
		if _, ok := c.Fn.Agg(typesOfExprs(c.Args)).(builtins.Merger); !ok {
			return nil, nil
		}
	}
	ops, cancel, err := partsOf(env, scan, joins, func(penv *Env) (*aggOp, error) { return newSerialAgg(penv, n) })
	if ops == nil {
		return nil, err
	}
	ops[0].parts, ops[0].cancel = ops[1:], cancel
	parallelPlans.Add(1)
	return ops[0], nil
}

// newParallelSort returns a top-N sort (ORDER BY ... LIMIT) that reads
// its input in parts, each keeping its own first rows, or nil when the
// plan or the table does not allow it.
func newParallelSort(env *Env, n *plan.Sort) (Operator, error) {
	if n.Limit == nil || !parallelOK(env) {
		return nil, nil
	}
	scan, joins := splittable(n.Input, env.Txn != nil)
	if scan == nil {
		return nil, nil
	}
	for _, k := range n.Keys {
		if !parallelSafe(k.E) {
			return nil, nil
		}
	}
	ops, cancel, err := partsOf(env, scan, joins, func(penv *Env) (*sortOp, error) { return newSerialSort(penv, n) })
	if ops == nil {
		return nil, err
	}
	if ops[0].limit < 0 { // LIMIT ALL or NULL: a whole sort, made alone
		for _, op := range ops {
			op.Close()
		}
		cancel()
		return nil, nil
	}
	ops[0].parts, ops[0].cancel = ops[1:], cancel
	parallelPlans.Add(1)
	return ops[0], nil
}

// parallelOK reports whether a plan may run in parts at all: there is
// more than one processor, the plan is not itself a part, and EXPLAIN
// ANALYZE is not counting rows and time (which parts would share).
func parallelOK(env *Env) bool {
	return runtime.GOMAXPROCS(0) > 1 && env.Stats == nil && env.split == nil
}

// partsOf builds, with build, one operator per part of the table scan
// reads, scan and joins being what splittable found: each has an Env of
// its own, whose split gives the scan its part's cursor, whose builds
// share the right sides of the joins, and whose context cancel ends. It
// returns nil ops when the table is read as one part.
func partsOf[T interface{ Close() }](env *Env, scan *plan.Scan, joins []*plan.Join, build func(*Env) (T, error)) (ops []T, cancel context.CancelFunc, err error) {
	view, err := env.viewFor(scan.Travel)
	if err != nil {
		return nil, nil, err
	}
	curs, err := view.Split(scan.Table, min(runtime.GOMAXPROCS(0), maxParts))
	if err != nil || len(curs) < 2 {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(env.Ctx)
	builds := map[*plan.Join]*sharedBuild{}
	for _, j := range joins {
		builds[j] = &sharedBuild{}
	}
	for _, cur := range curs {
		penv := *env
		penv.Ctx, penv.split, penv.builds = ctx, &splitPart{scan: scan, cur: cur}, builds
		op, err := build(&penv)
		if err != nil {
			for _, o := range ops {
				o.Close()
			}
			cancel()
			return nil, nil, err
		}
		ops = append(ops, op)
	}
	return ops, cancel, nil
}

// loadAll loads the parts of a plan, the first in this goroutine and the
// others in goroutines of their own, and waits for all: an error in one
// cancels the others.
func loadAll[T interface{ load() error }](cancel context.CancelFunc, first T, others []T) error {
	loads := []func() error{first.load}
	for _, p := range others {
		loads = append(loads, p.load)
	}
	errs := make([]error, len(loads))
	var wg sync.WaitGroup
	for i, load := range loads[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i+1] = pgcode.New(pgcode.InternalError, fmt.Sprint("parallel plan: ", r))
					cancel()
				}
			}()
			if errs[i+1] = load(); errs[i+1] != nil {
				cancel()
			}
		}()
	}
	if errs[0] = loads[0](); errs[0] != nil {
		cancel()
	}
	wg.Wait()
	return firstError(errs)
}

// sharedBuild is the right side of a hash join in a parallel plan: the
// first part to need it builds it, and every part reads it.
type sharedBuild struct {
	once  sync.Once
	err   error
	table joinTable
}

// splittable returns the scan of a whole table that n reads through
// filters, projections and the probe side of hash joins, if every
// expression on the way can run in a part of its own, and the hash joins
// on the way (whose right sides the parts share).
//
// A lookup join's reads by key may run in parts only outside a
// transaction (txn false): a serializable transaction records them.
func splittable(n plan.Node, txn bool) (*plan.Scan, []*plan.Join) {
	var joins []*plan.Join
	for {
		switch x := safeBelow(n).(type) {
		case *plan.Join:
			if x.Kind != plan.InnerJoin && x.Kind != plan.LeftJoin && x.Kind != plan.SemiJoin && x.Kind != plan.AntiJoin || x.Lateral || x.Lookup && txn || len(x.EqLeft) == 0 ||
				!parallelSafe(x.On) || !parallelSafe(x.EqLeft...) || !parallelSafe(x.EqRight...) || !readsAlone(x.Right) {
				return nil, nil
			}
			joins = append(joins, x)
			n = x.Left
		case *plan.Scan:
			if x.Access != plan.AccessScan || x.Lock || x.Desc || x.Travel.Kind == plan.TravelBetween ||
				x.Travel.Kind == plan.TravelAll || !parallelSafe(x.Filter) {
				return nil, nil
			}
			return x, joins
		default:
			return nil, nil
		}
	}
}

// readsAlone reports whether a plan only reads a table through filters
// and projections that can run in any goroutine: a hash join's right side
// that a part builds for all.
func readsAlone(n plan.Node) bool {
	s, ok := safeBelow(n).(*plan.Scan)
	return ok && !s.Lock && parallelSafe(s.Filter, s.Key, s.Lo, s.Hi)
}

// safeBelow returns the node under the filters and projections over n
// whose expressions can run in a part of its own; the first one that
// cannot, when there is one (which is then no scan or join).
func safeBelow(n plan.Node) plan.Node {
	for {
		switch x := n.(type) {
		case *plan.Filter:
			if !parallelSafe(x.Cond) {
				return x
			}
			n = x.Input
		case *plan.Project:
			if !parallelSafe(x.Exprs...) {
				return x
			}
			n = x.Input
		default:
			return n
		}
	}
}

// parallelSafe reports whether expressions may be evaluated in a part's
// goroutine: they read only their row, constants and parameters, and call
// no volatile function.
func parallelSafe(es ...plan.Expr) bool {
	safe := true
	for _, e := range es {
		plan.Walk(e, func(e plan.Expr) bool {
			switch x := e.(type) {
			case *plan.Subquery, *plan.OuterRef, *plan.GroupingExpr:
				safe = false
			case *plan.Call:
				if x.Fn.Volatility == builtins.Volatile {
					safe = false
				}
			}
			return safe
		})
	}
	return safe
}

// loadParts loads the other parts beside op's own, then merges their
// groups into op's, in the parts' order.
func (op *aggOp) loadParts() error {
	defer op.cancel()
	if err := loadAll(op.cancel, op, op.parts); err != nil {
		return err
	}
	for _, p := range op.parts {
		for _, g := range p.order {
			ref, stored, added := op.table.ref(g.key)
			if added {
				g.key = stored
				*ref = g
				op.order = append(op.order, g)
				continue
			}
			for i, acc := range (*ref).accs {
				if err := acc.(builtins.Merger).Merge(g.accs[i]); err != nil {
					return err
				}
			}
		}
		p.Close()
	}
	return nil
}

// loadParts loads the other parts beside op's own, then keeps the first
// rows of all of theirs.
func (op *sortOp) loadParts() error {
	defer op.cancel()
	if err := loadAll(op.cancel, op, op.parts); err != nil {
		return err
	}
	for _, p := range op.parts {
		op.rows = append(op.rows, p.rows...)
		p.Close()
	}
	op.rows = op.sortRows(op.rows)
	op.rows = op.rows[:min(int64(len(op.rows)), op.limit)]
	return nil
}

// firstError returns the first of the parts' errors that is not a
// cancellation (another part's error cancels the rest), else the first
// cancellation: the statement's own, when that is what stopped them.
func firstError(errs []error) error {
	var canceled error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			if canceled == nil {
				canceled = err
			}
		default:
			return err
		}
	}
	return canceled
}

// parallelPlans counts the aggregations, sorts and filtered scans that
// read their table in parts.
var parallelPlans atomic.Int64

// ParallelPlans returns how many aggregations, sorts and filtered scans
// since the process started have read their table in parts.
func ParallelPlans() int64 { return parallelPlans.Load() }

// gatherOp reads a filtered scan in parts side by side, under the same
// filters and projections, and returns their rows in the parts' order,
// which is the scan's (each part is a range of keys, the first part's
// the lowest): the rows and their order are what a single reader gives.
// Each part runs ahead of the reader by at most gatherAhead batches of
// rows, copied as they come; a part after the one being read waits
// there. It is chosen for a scan with a filter, which most rows do not
// pass: the filter's work is what goes side by side.
type gatherOp struct {
	parts  []Operator
	outs   []chan gatherBatch
	cancel context.CancelFunc
	wg     sync.WaitGroup
	cur    int   // the part being read
	batch  []Row // its rows not yet returned
	closed bool
}

// gatherBatch is a part's next rows, or the error that ended it (the
// channel closes after its last batch).
type gatherBatch struct {
	rows []Row
	err  error
}

// gatherRows is how many rows a part sends at once, and gatherAhead how
// many batches it may send before they are read.
const (
	gatherRows  = 256
	gatherAhead = 8
)

// gatherLimit is the LIMIT (with its OFFSET) under which a scan is read
// as one part: the first rows come before parts would have started.
const gatherLimit = 10_000

// newGather returns n read in parts, or nil when n is not a filtered scan
// under filters and projections that can run on their own, or the table
// is read as one part.
func newGather(env *Env, n plan.Node) (Operator, error) {
	if !parallelOK(env) || env.writing || env.noGather {
		return nil, nil
	}
	scan, joins := splittable(n, env.Txn != nil)
	if scan == nil || len(joins) > 0 || scan.Filter == nil {
		return nil, nil
	}
	ops, cancel, err := partsOf(env, scan, nil, func(penv *Env) (Operator, error) { return build(penv, n) })
	if ops == nil {
		return nil, err
	}
	op := &gatherOp{parts: ops, cancel: cancel, outs: make([]chan gatherBatch, len(ops))}
	for i, p := range ops {
		out := make(chan gatherBatch, gatherAhead)
		op.outs[i] = out
		op.wg.Go(func() { gatherPart(p, out) })
	}
	parallelPlans.Add(1)
	return op, nil
}

// gatherPart sends p's rows to out in batches, copied, until p ends or
// fails (a cancelled part fails with the cancellation), then closes out.
func gatherPart(p Operator, out chan<- gatherBatch) {
	defer close(out)
	defer func() {
		if r := recover(); r != nil {
			out <- gatherBatch{err: pgcode.New(pgcode.InternalError, fmt.Sprint("parallel plan: ", r))}
		}
	}()
	var rows []Row
	for {
		r, err := p.Next()
		if err != nil || r == nil {
			if len(rows) > 0 {
				out <- gatherBatch{rows: rows}
			}
			if err != nil {
				out <- gatherBatch{err: err}
			}
			return
		}
		rows = append(rows, append(Row(nil), r...))
		if len(rows) == gatherRows {
			out <- gatherBatch{rows: rows}
			rows = nil
		}
	}
}

func (op *gatherOp) Next() (Row, error) {
	for len(op.batch) == 0 {
		if op.cur == len(op.outs) {
			return nil, nil
		}
		b, ok := <-op.outs[op.cur]
		switch {
		case !ok:
			op.cur++
		case b.err != nil:
			return nil, b.err
		default:
			op.batch = b.rows
		}
	}
	r := op.batch[0]
	op.batch = op.batch[1:]
	return r, nil
}

// Close cancels the parts, lets every one finish, and closes them.
func (op *gatherOp) Close() {
	if op.closed {
		return
	}
	op.closed = true
	op.cancel()
	for _, out := range op.outs {
		for range out { // a part blocked on its next batch sends it, then sees the cancellation
		}
	}
	op.wg.Wait()
	for _, p := range op.parts {
		p.Close()
	}
}
