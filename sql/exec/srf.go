package exec

import (
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// srfRun is one set-returning function call under way: a scalar
// function (ROWS FROM allows one) yields a single row.
type srfRun struct {
	rows  builtins.Rows
	width int
	done  bool
	rowOf []plan.Column // the row's columns, when it yields them as one record
}

// srfCompiled is a call with its arguments compiled.
type srfCompiled struct {
	call *plan.SRFCall
	args []evalFn
	vals []types.Datum
}

func (env *Env) compileSRFs(calls []*plan.SRFCall) ([]*srfCompiled, error) {
	out := make([]*srfCompiled, len(calls))
	for i, c := range calls {
		fs, err := env.compileAll(c.Args)
		if err != nil {
			return nil, err
		}
		out[i] = &srfCompiled{call: c, args: fs, vals: make([]types.Datum, len(fs))}
	}
	return out, nil
}

// start evaluates the call's arguments over row and starts it. A strict
// function of a NULL yields no rows.
func (c *srfCompiled) start(env *Env, row Row) (*srfRun, error) {
	run := &srfRun{width: len(c.call.Cols), rowOf: c.call.RowOf}
	var err error
	for i, f := range c.args {
		if c.vals[i], err = f(row); err != nil {
			return nil, err
		}
	}
	fn := c.call.Fn
	if fn.Strict {
		for _, a := range c.vals {
			if a == nil {
				if fn.SRF != nil {
					run.done = true
					return run, nil
				}
				run.rows = &oneRow{}
				return run, nil
			}
		}
	}
	if fn.SRF == nil {
		// The value is computed now: the arguments' slice is reused.
		v, err := fn.Fn(env.Fn, c.vals)
		if err != nil {
			return nil, err
		}
		run.rows = &oneRow{v: v}
		return run, nil
	}
	// A function's rows may read its arguments as they go: give it its own.
	args := append([]types.Datum(nil), c.vals...)
	if run.rows, err = fn.SRF(env.Fn, args); err != nil {
		return nil, err
	}
	return run, nil
}

// next writes the call's next row into dst (NULLs once it is done) and
// reports whether it had one.
func (r *srfRun) next(dst []types.Datum) (bool, error) {
	if !r.done {
		vals, err := r.rows.Next()
		if err != nil {
			return false, err
		}
		if vals != nil {
			if r.rowOf != nil {
				dst[0] = recordOf(vals, r.rowOf)
				return true, nil
			}
			copy(dst[:r.width], vals)
			return true, nil
		}
		r.done = true
	}
	for i := range dst[:r.width] {
		dst[i] = nil
	}
	return false, nil
}

type oneRow struct {
	v    types.Datum
	done bool
}

func (o *oneRow) Next() ([]types.Datum, error) {
	if o.done {
		return nil, nil
	}
	o.done = true
	return []types.Datum{o.v}, nil
}

// funcScanOp yields the rows of the functions of a FROM item side by
// side, until every one is done.
type funcScanOp struct {
	env   *Env
	n     *plan.FuncScan
	runs  []*srfRun
	done  bool
	ord   int64
	width int
}

func newFuncScan(env *Env, n *plan.FuncScan) (Operator, error) {
	calls, err := env.compileSRFs(n.Funcs)
	if err != nil {
		return nil, err
	}
	op := &funcScanOp{env: env, n: n, width: len(n.Cols)}
	var outer Row
	if len(env.outer) > 0 {
		outer = env.outer[len(env.outer)-1]
	}
	for _, c := range calls {
		run, err := c.start(env, outer)
		if err != nil {
			return nil, err
		}
		op.runs = append(op.runs, run)
	}
	return op, nil
}

func (op *funcScanOp) Next() (Row, error) {
	if op.done {
		return nil, nil
	}
	if err := op.env.Ctx.Err(); err != nil {
		return nil, err
	}
	row := make(Row, op.width)
	any := false
	at := 0
	for _, r := range op.runs {
		ok, err := r.next(row[at:])
		if err != nil {
			op.done = true
			return nil, err
		}
		any = any || ok
		at += r.width
	}
	if !any {
		op.done = true
		return nil, nil
	}
	if op.n.Ordinality {
		op.ord++
		row[op.width-1] = op.ord
	}
	return row, nil
}

func (op *funcScanOp) Close() { op.done = true }

// projectSetOp runs the select list's set-returning functions over each
// input row: the row repeats, with the functions' values beside it, until
// every function is done; a row for which none yields anything is gone.
type projectSetOp struct {
	env   *Env
	in    Operator
	calls []*srfCompiled
	cur   Row
	runs  []*srfRun
	width int
}

func newProjectSet(env *Env, n *plan.ProjectSet) (Operator, error) {
	calls, err := env.compileSRFs(n.Calls)
	if err != nil {
		return nil, err
	}
	in, err := build(env, n.Input)
	if err != nil {
		return nil, err
	}
	return &projectSetOp{env: env, in: in, calls: calls, runs: make([]*srfRun, len(calls)), width: len(n.Cols)}, nil
}

func (op *projectSetOp) Next() (Row, error) {
	for {
		if err := op.env.Ctx.Err(); err != nil {
			return nil, err
		}
		if op.cur == nil {
			r, err := op.in.Next()
			if err != nil || r == nil {
				return nil, err
			}
			op.cur = make(Row, len(r)) // never nil: an empty row is a row
			copy(op.cur, r)
			for i, c := range op.calls {
				if op.runs[i], err = c.start(op.env, op.cur); err != nil {
					return nil, err
				}
			}
		}
		row := make(Row, op.width)
		at := copy(row, op.cur)
		any := false
		for _, r := range op.runs {
			ok, err := r.next(row[at:])
			if err != nil {
				return nil, err
			}
			any = any || ok
			at += r.width
		}
		if any {
			return row, nil
		}
		op.cur = nil
	}
}

func (op *projectSetOp) Close() { op.in.Close() }

// recordOf makes a row value of a set-returning function's row.
func recordOf(vals []types.Datum, cols []plan.Column) *types.DRecord {
	r := &types.DRecord{Names: make([]string, len(cols)), Types: make([]*types.T, len(cols)),
		Vals: append([]types.Datum(nil), vals[:len(cols)]...)}
	for i, c := range cols {
		r.Names[i], r.Types[i] = c.Name, c.Type
	}
	return r
}
