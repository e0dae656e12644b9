// Package exec runs plans: pull-based operators, one per plan node, each a
// Next/Close pair, over bounded engine cursors. A row is a []Datum; rows
// pass up one at a time, and only operators that must see all of their
// input first (sort, aggregation, hash join's build side, set operations,
// window functions) hold rows, each for the statement's time only.
//
// Every operator closes what it opened. Expressions are compiled once per
// execution into closures over the row.
package exec

import (
	"context"
	"time"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// Row is a row of values.
type Row = []types.Datum

// Operator is a running plan node.
type Operator interface {
	// Next returns the next row, or nil at the end. The row belongs to
	// the caller until its next call of Next.
	Next() (Row, error)
	// Close releases what the operator holds; it may be called before the
	// end and more than once.
	Close()
}

// Env is what a statement's operators run in.
type Env struct {
	Ctx    context.Context
	Params []types.Datum
	Fn     *builtins.Context
	// View returns the view a table reference reads: the travel point's
	// (evaluated by the caller), else the statement's default.
	View func(point types.Datum, hasPoint bool) (*engine.View, error)
	// Txn is the transaction writes go to (and FOR UPDATE locks).
	Txn *engine.Txn
	// Virtual returns what the virtual tables of pg_catalog and
	// information_schema are made from at a view; nil: the view alone.
	Virtual func(v *engine.View) *vtable.Source
	// outer is the stack of enclosing rows, for correlated subqueries and
	// the right side of a lateral join: outer[len-1] is depth 1.
	outer []Row
	// ctes holds each WITH query's rows once computed.
	ctes map[*plan.CTE]*cteRows
	// subs caches the results of uncorrelated subqueries.
	subs map[*plan.Subquery]*subResult
	// split, in a part of a parallel plan, is the cursor its table scan
	// reads (parallel.go).
	split *splitPart
	// builds are the hash joins whose right side the parts of a parallel
	// plan build once and share.
	builds map[*plan.Join]*sharedBuild
	// Stats, when set (EXPLAIN ANALYZE), collects each node's rows and
	// time.
	Stats map[plan.Node]*NodeStats
	// writing says the statement writes the rows its plan reads, as it
	// reads them: they are not read in parts that run ahead (gatherOp);
	// noGather, that a LIMIT of a few rows is being built.
	writing, noGather bool
}

// NodeStats is what EXPLAIN ANALYZE reports of a node: the rows it
// yielded, how many times it was started, and the time spent in it (its
// children's included).
type NodeStats struct {
	Rows  int64
	Loops int64
	Time  time.Duration
}

// statsOp counts a node's rows and time.
type statsOp struct {
	in Operator
	st *NodeStats
}

func (op *statsOp) Next() (Row, error) {
	start := time.Now()
	r, err := op.in.Next()
	op.st.Time += time.Since(start)
	if r != nil {
		op.st.Rows++
	}
	return r, err
}

func (op *statsOp) Close() { op.in.Close() }

// Count passes a write's count on.
func (op *statsOp) Count() int64 {
	if c, ok := op.in.(Counter); ok {
		return c.Count()
	}
	return op.st.Rows
}

// Start returns the operator of a plan.
func Start(env *Env, n plan.Node) (Operator, error) {
	return build(env, n)
}

// setCTE records the rows of a CTE for the rest of the statement.
func (env *Env) setCTE(c *plan.CTE, cr *cteRows) {
	if env.ctes == nil {
		env.ctes = map[*plan.CTE]*cteRows{}
	}
	env.ctes[c] = cr
}

// build makes the operator of a node.
func build(env *Env, n plan.Node) (Operator, error) {
	if env.Stats == nil {
		return buildOp(env, n)
	}
	start := time.Now()
	op, err := buildOp(env, n)
	if err != nil {
		return nil, err
	}
	st := env.Stats[n]
	if st == nil {
		st = &NodeStats{}
		env.Stats[n] = st
	}
	st.Loops++
	st.Time += time.Since(start)
	return &statsOp{in: op, st: st}, nil
}

func buildOp(env *Env, n plan.Node) (Operator, error) {
	switch n.(type) {
	case *plan.Scan, *plan.Filter, *plan.Project:
		if op, err := newGather(env, n); op != nil || err != nil {
			return op, err
		}
	}
	switch x := n.(type) {
	case *plan.Scan:
		return newScan(env, x)
	case *plan.Values:
		return newValues(env, x)
	case *plan.Filter:
		return newFilter(env, x)
	case *plan.Project:
		return newProject(env, x)
	case *plan.Join:
		return newJoin(env, x)
	case *plan.Agg:
		return newAgg(env, x)
	case *plan.Sort:
		return newSort(env, x)
	case *plan.Limit:
		return newLimit(env, x)
	case *plan.Distinct:
		return newDistinct(env, x)
	case *plan.SetOp:
		return newSetOp(env, x)
	case *plan.Window:
		return newWindow(env, x)
	case *plan.FuncScan:
		return newFuncScan(env, x)
	case *plan.ProjectSet:
		return newProjectSet(env, x)
	case *plan.CTEScan:
		return newCTEScan(env, x)
	case *plan.VirtualScan:
		return newVirtualScan(env, x)
	case *plan.Fetch:
		return newFetch(env, x)
	case *plan.With:
		return newWith(env, x)
	case *plan.Insert:
		return newInsert(env, x)
	case *plan.Update:
		return newUpdate(env, x)
	case *plan.Delete:
		return newDelete(env, x)
	}
	return nil, errUnsupported(n)
}

// drain reads every row of an operator and closes it.
func drain(op Operator, fn func(Row) error) error {
	defer op.Close()
	for {
		r, err := op.Next()
		if err != nil || r == nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// copyRow copies a row an operator may reuse.
func copyRow(r Row) Row { return append(Row(nil), r...) }
