package exec

import (
	"cmp"
	"container/heap"
	"context"
	"math"
	"slices"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// valuesOp yields the rows of a VALUES list.
type valuesOp struct {
	rows [][]evalFn
	i    int
}

func newValues(env *Env, n *plan.Values) (Operator, error) {
	op := &valuesOp{}
	for _, r := range n.Rows {
		fs, err := env.compileAll(r)
		if err != nil {
			return nil, err
		}
		op.rows = append(op.rows, fs)
	}
	return op, nil
}

func (op *valuesOp) Next() (Row, error) {
	if op.i >= len(op.rows) {
		return nil, nil
	}
	fs := op.rows[op.i]
	op.i++
	row := make(Row, len(fs))
	for i, f := range fs {
		v, err := f(nil)
		if err != nil {
			return nil, err
		}
		row[i] = v
	}
	return row, nil
}

func (op *valuesOp) Close() { op.i = len(op.rows) }

// filterOp passes the rows its condition holds for.
type filterOp struct {
	in   Operator
	cond func(Row) (bool, error)
}

func newFilter(env *Env, n *plan.Filter) (Operator, error) {
	cond, err := env.truth(n.Cond)
	if err != nil {
		return nil, err
	}
	in, err := build(env, n.Input)
	if err != nil {
		return nil, err
	}
	return &filterOp{in: in, cond: cond}, nil
}

func (op *filterOp) Next() (Row, error) {
	for {
		r, err := op.in.Next()
		if err != nil || r == nil {
			return r, err
		}
		ok, err := op.cond(r)
		if err != nil {
			return nil, err
		}
		if ok {
			return r, nil
		}
	}
}

func (op *filterOp) Close() { op.in.Close() }

// projectOp computes its expressions over each input row.
type projectOp struct {
	in    Operator
	exprs []evalFn
}

func newProject(env *Env, n *plan.Project) (Operator, error) {
	fs, err := env.compileAll(n.Exprs)
	if err != nil {
		return nil, err
	}
	in, err := build(env, n.Input)
	if err != nil {
		return nil, err
	}
	return &projectOp{in: in, exprs: fs}, nil
}

func (op *projectOp) Next() (Row, error) {
	r, err := op.in.Next()
	if err != nil || r == nil {
		return nil, err
	}
	out := make(Row, len(op.exprs))
	for i, f := range op.exprs {
		if out[i], err = f(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (op *projectOp) Close() { op.in.Close() }

// limitOp skips Offset rows and passes Count.
type limitOp struct {
	in            Operator
	count, offset int64
	seen          int64
	// ties: WITH TIES, the keys and the nth row's values of them.
	ties     []plan.SortKey
	tieKeys  []evalFn
	last     []types.Datum
	tiesDone bool
}

func newLimit(env *Env, n *plan.Limit) (Operator, error) {
	count, err := limitValue(env, n.Count, "LIMIT", pgcode.InvalidRowCountInLimit)
	if err != nil {
		return nil, err
	}
	offset, err := limitValue(env, n.Offset, "OFFSET", pgcode.InvalidRowCountInResultOffset)
	if err != nil {
		return nil, err
	}
	if offset < 0 {
		offset = 0
	}
	// A few rows are found before parts read side by side would start:
	// the scan under them is read as one (gatherOp).
	few := count >= 0 && count+offset < gatherLimit && !env.noGather
	if few {
		env.noGather = true
	}
	in, err := build(env, n.Input)
	if few {
		env.noGather = false
	}
	if err != nil {
		return nil, err
	}
	op := &limitOp{in: in, count: count, offset: offset, ties: n.Ties}
	if len(n.Ties) > 0 {
		keys := make([]plan.Expr, len(n.Ties))
		for i, k := range n.Ties {
			keys[i] = k.E
		}
		if op.tieKeys, err = env.compileAll(keys); err != nil {
			return nil, err
		}
	}
	return op, nil
}

// limitValue evaluates LIMIT or OFFSET: -1 for none.
func limitValue(env *Env, e plan.Expr, what string, code pgcode.Code) (int64, error) {
	if e == nil {
		return -1, nil
	}
	f, err := env.compile(e)
	if err != nil {
		return 0, err
	}
	v, err := f(nil)
	if err != nil {
		return 0, err
	}
	if v == nil {
		return -1, nil
	}
	n := v.(int64)
	if n < 0 {
		return 0, pgcode.Newf(code, "%s must not be negative", what)
	}
	return n, nil
}

func (op *limitOp) Next() (Row, error) {
	for op.seen < op.offset {
		r, err := op.in.Next()
		if err != nil || r == nil {
			return nil, err
		}
		op.seen++
	}
	if op.count >= 0 && op.seen-op.offset >= op.count {
		if op.last != nil && !op.tiesDone {
			return op.nextTie()
		}
		op.in.Close()
		return nil, nil
	}
	r, err := op.in.Next()
	if err != nil || r == nil {
		return nil, err
	}
	op.seen++
	if op.tieKeys != nil && op.count >= 0 && op.seen-op.offset == op.count {
		if op.last, err = op.keyValues(r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// nextTie returns the next row if it ties with the nth on the ORDER BY's
// keys (FETCH ... WITH TIES), else ends.
func (op *limitOp) nextTie() (Row, error) {
	r, err := op.in.Next()
	if err != nil || r == nil {
		op.tiesDone = true
		return nil, err
	}
	vals, err := op.keyValues(r)
	if err != nil {
		return nil, err
	}
	for i, k := range op.ties {
		x, y := op.last[i], vals[i]
		if (x == nil) != (y == nil) || x != nil && types.Compare(x, y, k.E.Type()) != 0 {
			op.tiesDone = true
			op.in.Close()
			return nil, nil
		}
	}
	return r, nil
}

// keyValues evaluates the ORDER BY's keys of a row.
func (op *limitOp) keyValues(r Row) ([]types.Datum, error) {
	out := make([]types.Datum, len(op.tieKeys))
	for i, f := range op.tieKeys {
		v, err := f(r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (op *limitOp) Close() { op.in.Close() }

// sortOp sorts its input; with a limit it keeps only the first rows (a
// bounded heap: top-N).
type sortOp struct {
	env   *Env
	n     *plan.Sort
	in    Operator
	keys  []evalFn
	limit int64
	rows  []sortRow
	i     int
	ready bool
	// bound, for a top-N over a table scan, drops in the scan's cursor
	// the rows that cannot enter the first N (see scanBound).
	bound *scanBound
	// parts are the other parts of a parallel top-N (parallel.go);
	// cancel stops them.
	parts  []*sortOp
	cancel context.CancelFunc
}

type sortRow struct {
	row  Row
	keys []types.Datum
}

func newSort(env *Env, n *plan.Sort) (Operator, error) {
	if op, err := newParallelSort(env, n); op != nil || err != nil {
		return op, err
	}
	return newSerialSort(env, n)
}

// newSerialSort returns a sort that reads its input itself.
func newSerialSort(env *Env, n *plan.Sort) (*sortOp, error) {
	keys := make([]plan.Expr, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = k.E
	}
	fs, err := env.compileAll(keys)
	if err != nil {
		return nil, err
	}
	limit, err := limitValue(env, n.Limit, "LIMIT", pgcode.InvalidRowCountInLimit)
	if err != nil {
		return nil, err
	}
	offset, err := limitValue(env, n.Offset, "OFFSET", pgcode.InvalidRowCountInResultOffset)
	if err != nil {
		return nil, err
	}
	if limit >= 0 && offset > 0 {
		limit += min(offset, math.MaxInt64-limit) // the rows OFFSET skips are sorted too
	}
	in, err := build(env, n.Input)
	if err != nil {
		return nil, err
	}
	op := &sortOp{env: env, n: n, in: in, keys: fs, limit: limit}
	if limit > 0 {
		op.bound = boundFor(n, in)
	}
	return op, nil
}

// less orders rows by the sort keys, NULLs placed as each key says.
func (op *sortOp) less(a, b *sortRow) bool { return op.compare(a.keys, b.keys) < 0 }

// compare orders two rows' sort keys: negative when a comes first.
func (op *sortOp) compare(a, b []types.Datum) int {
	for i, k := range op.n.Keys {
		x, y := a[i], b[i]
		var c int
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			if k.NullsFirst {
				return -1
			}
			return 1
		case y == nil:
			if k.NullsFirst {
				return 1
			}
			return -1
		default:
			c = types.Compare(x, y, k.E.Type())
		}
		if c == 0 {
			continue
		}
		if k.Desc {
			return -c
		}
		return c
	}
	return 0
}

// sortRows sorts rows by the sort keys, rows with equal keys in the
// order they came (as a stable sort does).
func (op *sortOp) sortRows(rows []sortRow) []sortRow {
	return permute(rows, op.order(len(rows), func(i int) []types.Datum { return rows[i].keys }))
}

// order returns the positions of n rows whose sort keys keys gives, in
// the sort's order, equal ones in their own order. One key of a setKind
// is compared from an array of its values: each Datum is a pointer
// to follow, and the sort's time went to those reads.
func (op *sortOp) order(n int, keys func(i int) []types.Datum) []int {
	if len(op.n.Keys) == 1 {
		k := op.n.Keys[0]
		switch setKind(k.E.Type()) {
		case setInt:
			if vals, null, ok := column[int64](n, keys); ok {
				return stableOrder(n, keyOrder(k, vals, null))
			}
		case setString:
			if vals, null, ok := column[string](n, keys); ok {
				return stableOrder(n, keyOrder(k, vals, null))
			}
		}
	}
	return stableOrder(n, func(i, j int) int { return op.compare(keys(i), keys(j)) })
}

// column gathers the first sort key of n rows into an array, with a
// mark of its NULLs; ok is false if a value is not a T.
func column[T any](n int, keys func(i int) []types.Datum) (vals []T, null []bool, ok bool) {
	vals, null = make([]T, n), make([]bool, n)
	for i := range n {
		switch v := keys(i)[0].(type) {
		case nil:
			null[i] = true
		case T:
			vals[i] = v
		default:
			return nil, nil, false
		}
	}
	return vals, null, true
}

// keyOrder compares rows by one key's values, as sortOp.compare does.
func keyOrder[T cmp.Ordered](k plan.SortKey, vals []T, null []bool) func(i, j int) int {
	nullAt := 1 // where NULLs go: after the values, or before
	if k.NullsFirst {
		nullAt = -1
	}
	return func(i, j int) int {
		switch {
		case null[i] || null[j]:
			if null[i] == null[j] {
				return 0
			}
			if null[i] {
				return nullAt
			}
			return -nullAt
		case k.Desc:
			return cmp.Compare(vals[j], vals[i])
		}
		return cmp.Compare(vals[i], vals[j])
	}
}

// stableOrder returns the positions 0..n-1 in the order of cmp, equal
// ones in their own order: an unstable sort of the positions, ties
// broken by position, which compares far less than a stable merge.
func stableOrder(n int, cmp func(i, j int) int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp(a, b); c != 0 {
			return c
		}
		return a - b
	})
	return idx
}

func (op *sortOp) load() error {
	h := &topN{op: op}
	// The keys are worked out in scratch space first: under a limit, a
	// row that does not make the first N is not copied.
	scratch := sortRow{keys: make([]types.Datum, len(op.keys))}
	err := drain(op.in, func(r Row) error {
		for i, f := range op.keys {
			v, err := f(r)
			if err != nil {
				return err
			}
			scratch.keys[i] = v
		}
		if op.limit >= 0 && int64(h.Len()) >= op.limit && (op.limit == 0 || !op.less(&scratch, &h.rows[0])) {
			return op.bound.saw(false)
		}
		if err := op.bound.saw(true); err != nil {
			return err
		}
		if op.limit >= 0 && int64(h.Len()) >= op.limit {
			// The row takes the place of the last of the first N, in
			// its space: rows that come in order fill a top-N without
			// allocating.
			last := &h.rows[0]
			last.row = append(last.row[:0], r...)
			last.keys = append(last.keys[:0], scratch.keys...)
			heap.Fix(h, 0)
			return op.bound.tighten(&h.rows[0])
		}
		sr := sortRow{row: copyRow(r), keys: append([]types.Datum(nil), scratch.keys...)}
		if op.limit < 0 {
			op.rows = append(op.rows, sr)
			return nil
		}
		heap.Push(h, sr)
		if int64(h.Len()) == op.limit {
			return op.bound.tighten(&h.rows[0])
		}
		return nil
	})
	if err != nil {
		return err
	}
	if op.limit >= 0 {
		op.rows = h.rows
	}
	op.rows = op.sortRows(op.rows)
	return nil
}

func (op *sortOp) Next() (Row, error) {
	if !op.ready {
		op.ready = true
		load := op.load
		if op.parts != nil {
			load = op.loadParts
		}
		if err := load(); err != nil {
			return nil, err
		}
	}
	if op.i >= len(op.rows) {
		return nil, nil
	}
	r := op.rows[op.i].row
	op.rows[op.i] = sortRow{}
	op.i++
	return r, nil
}

func (op *sortOp) Close() {
	op.in.Close()
	op.rows = nil
	for _, p := range op.parts {
		p.Close()
	}
	if op.cancel != nil {
		op.cancel()
	}
}

// topN is a max-heap (by the sort order) of the first N rows.
type topN struct {
	op   *sortOp
	rows []sortRow
}

func (h *topN) Len() int           { return len(h.rows) }
func (h *topN) Less(i, j int) bool { return h.op.less(&h.rows[j], &h.rows[i]) }
func (h *topN) Swap(i, j int)      { h.rows[i], h.rows[j] = h.rows[j], h.rows[i] }
func (h *topN) Push(x any)         { h.rows = append(h.rows, x.(sortRow)) }
func (h *topN) Pop() any {
	r := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return r
}

// distinctOp drops rows already seen (on every column, or on On).
type distinctOp struct {
	env  *Env
	in   Operator
	on   []evalFn
	seen *tupleMap[struct{}]
	key  []types.Datum // scratch
}

func newDistinct(env *Env, n *plan.Distinct) (Operator, error) {
	in, err := build(env, n.Input)
	if err != nil {
		return nil, err
	}
	op := &distinctOp{env: env, in: in}
	if len(n.On) > 0 {
		if op.on, err = env.compileAll(n.On); err != nil {
			return nil, err
		}
		op.seen = newTupleMap[struct{}](typesOfExprs(n.On))
	} else {
		op.seen = newTupleMap[struct{}](columnTypes(n.Input.Columns()))
	}
	return op, nil
}

func (op *distinctOp) Next() (Row, error) {
	for {
		r, err := op.in.Next()
		if err != nil || r == nil {
			return r, err
		}
		key := r
		if op.on != nil {
			op.key = op.key[:0]
			for _, f := range op.on {
				v, err := f(r)
				if err != nil {
					return nil, err
				}
				op.key = append(op.key, v)
			}
			key = op.key
		}
		if op.seen.add(key) {
			return r, nil
		}
	}
}

func (op *distinctOp) Close() { op.in.Close() }

// setOpOp computes UNION, INTERSECT and EXCEPT.
type setOpOp struct {
	env         *Env
	n           *plan.SetOp
	left, right Operator
	onRight     bool
	seen        *tupleMap[int] // UNION: rows sent; INTERSECT/EXCEPT: the right's counts
	out         []Row
	ready       bool
}

func newSetOp(env *Env, n *plan.SetOp) (Operator, error) {
	l, err := build(env, n.Left)
	if err != nil {
		return nil, err
	}
	r, err := build(env, n.Right)
	if err != nil {
		l.Close()
		return nil, err
	}
	return &setOpOp{env: env, n: n, left: l, right: r, seen: newTupleMap[int](columnTypes(n.Cols))}, nil
}

// columnTypes returns the types of columns.
func columnTypes(cols []plan.Column) []*types.T {
	out := make([]*types.T, len(cols))
	for i, c := range cols {
		out[i] = c.Type
	}
	return out
}

func (op *setOpOp) Next() (Row, error) {
	if op.n.Kind == plan.Union {
		for {
			in := op.left
			if op.onRight {
				in = op.right
			}
			r, err := in.Next()
			if err != nil {
				return nil, err
			}
			if r == nil {
				if op.onRight {
					return nil, nil
				}
				op.onRight = true
				continue
			}
			if op.n.All {
				return r, nil
			}
			if op.seen.add(r) {
				return r, nil
			}
		}
	}
	if !op.ready {
		op.ready = true
		if err := drain(op.right, func(r Row) error {
			n, _, _ := op.seen.ref(r)
			*n++
			return nil
		}); err != nil {
			return nil, err
		}
		sent := newTupleMap[struct{}](columnTypes(op.n.Cols))
		err := drain(op.left, func(r Row) error {
			n, _ := op.seen.get(r)
			switch {
			case op.n.Kind == plan.Intersect && op.n.All:
				if n > 0 {
					p, _, _ := op.seen.ref(r)
					*p--
					op.out = append(op.out, copyRow(r))
				}
			case op.n.Kind == plan.Intersect:
				if n > 0 && sent.add(r) {
					op.out = append(op.out, copyRow(r))
				}
			case op.n.All: // EXCEPT ALL
				if n > 0 {
					p, _, _ := op.seen.ref(r)
					*p--
				} else {
					op.out = append(op.out, copyRow(r))
				}
			default: // EXCEPT
				if n == 0 && sent.add(r) {
					op.out = append(op.out, copyRow(r))
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(op.out) == 0 {
		return nil, nil
	}
	r := op.out[0]
	op.out = op.out[1:]
	return r, nil
}

func (op *setOpOp) Close() {
	op.left.Close()
	op.right.Close()
}

// newWith starts a query with its WITH queries: those that change data
// run first, to their end, whether the query reads their rows or not;
// the others run when first read.
func newWith(env *Env, n *plan.With) (Operator, error) {
	for _, c := range n.CTEs {
		if _, done := env.ctes[c]; c.Write && !done {
			if _, err := env.computeCTE(c); err != nil {
				return nil, err
			}
		}
	}
	return build(env, n.Body)
}

// cteRows are a WITH query's rows.
type cteRows struct {
	rows []Row
}

// cteScanOp reads a WITH query's rows, computing them on first use.
type cteScanOp struct {
	env  *Env
	n    *plan.CTEScan
	rows []Row
	i    int
}

func newCTEScan(env *Env, n *plan.CTEScan) (Operator, error) {
	cr, ok := env.ctes[n.CTE]
	if !ok {
		var err error
		if cr, err = env.computeCTE(n.CTE); err != nil {
			return nil, err
		}
	}
	return &cteScanOp{env: env, n: n, rows: cr.rows}, nil
}

// computeCTE runs a WITH query; a recursive one runs its recursive part
// over the last step's rows until a step yields none.
func (env *Env) computeCTE(c *plan.CTE) (*cteRows, error) {
	cr := &cteRows{}
	if c.Recursive == nil {
		op, err := build(env, c.Plan)
		if err != nil {
			return nil, err
		}
		if err := drain(op, func(r Row) error { cr.rows = append(cr.rows, copyRow(r)); return nil }); err != nil {
			return nil, err
		}
		env.setCTE(c, cr)
		return cr, nil
	}
	seen := newTupleMap[struct{}](columnTypes(c.Cols))
	keep := func(r Row) bool { return c.UnionAll || seen.add(r) }
	op, err := build(env, c.Plan)
	if err != nil {
		return nil, err
	}
	var work []Row
	if err := drain(op, func(r Row) error {
		if keep(r) {
			work = append(work, copyRow(r))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	cr.rows = append(cr.rows, work...)
	step := &cteRows{}
	for len(work) > 0 {
		if err := env.Ctx.Err(); err != nil {
			return nil, err
		}
		// The recursive part reads the last step's rows under the CTE's
		// name.
		step.rows = work
		env.setCTE(c, step)
		op, err := build(env, c.Recursive)
		if err != nil {
			return nil, err
		}
		var next []Row
		if err := drain(op, func(r Row) error {
			if keep(r) {
				next = append(next, copyRow(r))
			}
			return nil
		}); err != nil {
			return nil, err
		}
		cr.rows = append(cr.rows, next...)
		work = next
		step = &cteRows{}
	}
	env.setCTE(c, cr)
	return cr, nil
}

func (op *cteScanOp) Next() (Row, error) {
	if op.i >= len(op.rows) {
		return nil, nil
	}
	r := op.rows[op.i]
	op.i++
	return copyRow(r), nil
}

func (op *cteScanOp) Close() { op.i = len(op.rows) }
