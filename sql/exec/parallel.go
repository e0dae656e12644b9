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

// Parallel aggregation. An aggregation over a whole table's scan (through
// filters and projections) reads the table in parts side by side, each
// part in a goroutine of its own with its own operators and hash table,
// and merges the parts' groups in key order: the result is the one a
// single reader makes, groups in the same order, while the processors
// share the work. It is chosen at run time, when the table is large
// enough to split (engine.View.Split) and every expression on the way can
// run on its own: no subqueries, no volatile functions, and aggregates
// that merge (builtins.Merger) without DISTINCT or ORDER BY.

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
	parts := min(runtime.GOMAXPROCS(0), maxParts)
	if parts < 2 || env.Stats != nil || env.split != nil || n.Sets != nil {
		return nil, nil
	}
	scan := splittable(n.Input)
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
	view, err := env.viewFor(scan.Travel)
	if err != nil {
		return nil, err
	}
	curs, err := view.Split(scan.Table, parts)
	if err != nil || len(curs) < 2 {
		return nil, err
	}
	ctx, cancel := context.WithCancel(env.Ctx)
	ops := make([]*aggOp, 0, len(curs))
	for _, cur := range curs {
		penv := *env
		penv.Ctx, penv.split = ctx, &splitPart{scan: scan, cur: cur}
		op, err := newSerialAgg(&penv, n)
		if err != nil {
			for _, o := range ops {
				o.Close()
			}
			cancel()
			return nil, err
		}
		ops = append(ops, op)
	}
	ops[0].parts, ops[0].cancel = ops[1:], cancel
	parallelAggs.Add(1)
	return ops[0], nil
}

// splittable returns the scan of a whole table that n reads through
// filters and projections, if every expression on the way can run in a
// part of its own.
func splittable(n plan.Node) *plan.Scan {
	for {
		switch x := n.(type) {
		case *plan.Filter:
			if !parallelSafe(x.Cond) {
				return nil
			}
			n = x.Input
		case *plan.Project:
			if !parallelSafe(x.Exprs...) {
				return nil
			}
			n = x.Input
		case *plan.Scan:
			if x.Access != plan.AccessScan || x.Lock || x.Travel.Kind == plan.TravelBetween ||
				x.Travel.Kind == plan.TravelAll || !parallelSafe(x.Filter) {
				return nil
			}
			return x
		default:
			return nil
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

// loadParts loads the other parts in goroutines of their own while op
// loads its own, then merges their groups into op's, in the parts' order.
func (op *aggOp) loadParts() error {
	defer op.cancel()
	errs := make([]error, len(op.parts)+1)
	var wg sync.WaitGroup
	for i, p := range op.parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i+1] = pgcode.New(pgcode.InternalError, fmt.Sprint("parallel aggregation: ", r))
					op.cancel()
				}
			}()
			if errs[i+1] = p.load(); errs[i+1] != nil {
				op.cancel()
			}
		}()
	}
	if errs[0] = op.load(); errs[0] != nil {
		op.cancel()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
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

// parallelAggs counts the aggregations that read their table in parts.
var parallelAggs atomic.Int64

// ParallelAggregations returns how many aggregations since the process
// started have read their table in parts.
func ParallelAggregations() int64 { return parallelAggs.Load() }
