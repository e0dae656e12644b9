package exec

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/store"
)

// scanOp reads a table's rows: one by key, through an index cursor, or a
// cursor over the whole table, a bounded chunk at a time.
type scanOp struct {
	env  *Env
	n    *plan.Scan
	cur  *engine.Cursor
	rows []engine.Row // AccessKey, AccessKeyList: the rows, until returned
	done bool
	// AccessIndexList: the view, and the values whose rows are still to
	// read after the cursor's.
	view   *engine.View
	values []any
	preds  []engine.Pred
	filter func(Row) (bool, error)
	names  []string // fields to read, packed
	at     []int    // where each packed field goes in the row
	sys    []int    // the system columns read (n.Sys not SysNone)
	// lend says the filter reads the strings of a row where its document
	// lies (engine.Row.FieldsLent), and a row it lets through has them
	// copied when the document was only lent: most rows a filter sees, it
	// drops.
	lend bool
	// filtered says filter is a condition of its own, not the scan's
	// access (a row the cursor gives may still fail it).
	filtered bool
	vals     []any
	row      Row
	boxes    engine.Boxes
}

func newScan(env *Env, n *plan.Scan) (Operator, error) {
	if n.Travel.Kind == plan.TravelBetween || n.Travel.Kind == plan.TravelAll {
		return newHistoryScan(env, n)
	}
	view, err := env.viewFor(n.Travel)
	if err != nil {
		return nil, err
	}
	op := newFiller(env, n)
	// The access answers its own conditions (Scan.Answered) but for a
	// range of keys read as a whole scan, below.
	filter := n.RowFilter()
	switch n.Access {
	case plan.AccessKey:
		k, err := env.keyValue(n.Key)
		if err != nil {
			return nil, err
		}
		if k == nil {
			op.done = true
			break
		}
		r, found, err := getByKey(view.Get, n.Table, k)
		if err != nil {
			return nil, err
		}
		if found {
			op.rows = []engine.Row{r}
		} else {
			op.done = true
		}
	case plan.AccessKeyList, plan.AccessIndexList:
		vals, err := env.listValues(n)
		if err != nil {
			return nil, err
		}
		if n.Access == plan.AccessIndexList && len(vals) > 0 {
			op.view, op.values = view, vals[1:]
			if op.cur, err = view.IndexCursor(n.Table, n.Field, engine.OpEq, vals[0]); err != nil {
				return nil, err
			}
			break
		}
		for _, k := range vals {
			r, found, err := getByKey(view.Get, n.Table, k)
			if err != nil {
				return nil, err
			}
			if found {
				op.rows = append(op.rows, r)
			}
		}
		op.done = len(op.rows) == 0
	case plan.AccessIndex:
		k, err := env.keyValue(n.Key)
		if err != nil {
			return nil, err
		}
		if k == nil {
			op.done = true
			break
		}
		if op.cur, err = view.IndexCursor(n.Table, n.Field, engine.Op(n.Op), k); err != nil {
			return nil, err
		}
	case plan.AccessRange:
		var bounds [2]*engine.Bound
		for i, e := range []plan.Expr{n.Lo, n.Hi} {
			if e == nil {
				continue
			}
			v, err := env.keyValue(e)
			if err != nil {
				return nil, err
			}
			if v == nil {
				op.done = true // a comparison with NULL holds for no row
				return op, nil
			}
			bounds[i] = &engine.Bound{Value: v, Incl: []bool{n.LoIncl, n.HiIncl}[i]}
		}
		if n.Field == n.Fields[0] {
			// A range of the primary key; bounds that are no keys of the
			// table (the filter decides) make it a scan.
			var ok bool
			if op.cur, ok, err = view.KeyRange(n.Table, bounds[0], bounds[1]); err != nil {
				return nil, err
			}
			if !ok {
				filter = n.Filter
				if op.cur, err = view.Cursor(n.Table); err != nil {
					return nil, err
				}
			}
		} else if op.cur, err = view.IndexRange(n.Table, n.Field, bounds[0], bounds[1], false); err != nil {
			return nil, err
		}
	default:
		if env.split != nil && env.split.scan == n {
			op.cur = env.split.cur
		} else if op.cur, err = view.Cursor(n.Table); err != nil {
			return nil, err
		}
	}
	if op.filter, err = env.truth(filter); err != nil {
		return nil, err
	}
	op.filtered = filter != nil
	op.lend = filter != nil && op.lendable()
	if op.cur != nil && len(n.Preds) > 0 {
		preds, none, err := env.scanPreds(n.Preds)
		if err != nil {
			return nil, err
		}
		op.preds, op.done = preds, none
	}
	if err := op.prepare(); err != nil {
		return nil, err
	}
	return op, nil
}

// prepare sets up the operator's cursor before its first row.
func (op *scanOp) prepare() error {
	if op.cur == nil || op.done {
		return nil
	}
	if len(op.names) == 0 && !slices.Contains(op.n.Sys, plan.SysDoc) {
		op.cur.NoDocuments() // a count: the rows' keys are enough
	}
	if op.n.Desc {
		if err := op.cur.Reverse(); err != nil {
			return err
		}
	}
	if len(op.preds) > 0 {
		return op.cur.Where(op.preds...)
	}
	return nil
}

// listValues evaluates the values a scan by a list of keys or of an
// index's values reads, as documents hold them: in the engine's order,
// each once, NULLs (which equal nothing) left out.
func (env *Env) listValues(n *plan.Scan) ([]any, error) {
	var out []any
	if n.ListArray != nil {
		f, err := env.compile(n.ListArray)
		if err != nil {
			return nil, err
		}
		a, err := f(nil)
		if err != nil || a == nil {
			return nil, err
		}
		for _, v := range a.(*types.DArray).Vals {
			if v == nil {
				continue
			}
			d, err := toDoc(v, n.ListArray.Type().Elem, env.Fn.Types)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	} else {
		for _, e := range n.List {
			v, err := env.keyValue(e)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out = append(out, v)
			}
		}
	}
	slices.SortFunc(out, func(a, b any) int {
		c, _ := engine.CompareValues(a, b)
		return c
	})
	return slices.CompactFunc(out, func(a, b any) bool {
		c, ok := engine.CompareValues(a, b)
		return ok && c == 0
	}), nil
}

// scanPreds evaluates a scan's predicates for the engine. A comparison
// with NULL holds for no row (none); one whose value documents do not
// hold as a string, a number or a boolean is left to the filter.
func (env *Env) scanPreds(ps []plan.ScanPred) (out []engine.Pred, none bool, err error) {
	for _, p := range ps {
		v, err := env.keyValue(p.Val)
		if err != nil {
			return nil, false, err
		}
		switch v.(type) {
		case nil:
			return nil, true, nil
		case string, int64, json.Number, bool:
			out = append(out, engine.Pred{Field: p.Field, Op: engine.Op(p.Op), Value: v})
		}
	}
	return out, false, nil
}

// getByKey reads the row of a table whose key is k; a value that is no
// key of the table (a string for an integer key) has none.
func getByKey(get func(table string, key any) (engine.Row, bool, error), table string, k any) (engine.Row, bool, error) {
	r, found, err := get(table, k)
	if err != nil {
		if c := engine.Code(err); c == engine.CodeInvalidText || c == engine.CodeDatatypeMismatch {
			return engine.Row{}, false, nil
		}
		return engine.Row{}, false, err
	}
	return r, found, nil
}

// newFiller makes a scanOp that only fills rows (fill) with the columns
// n reads.
func newFiller(env *Env, n *plan.Scan) *scanOp {
	// The row and the fields read share one allocation.
	buf := make([]any, len(n.Cols)+len(n.Fields))
	op := &scanOp{env: env, n: n, row: buf[:len(n.Cols):len(n.Cols)]}
	k := slices.Index(n.Fields, "")
	if k < 0 {
		k = len(n.Fields)
	}
	if k <= len(identity) && !slices.ContainsFunc(n.Fields[k:], func(f string) bool { return f != "" }) {
		// The columns are fields in order, then system columns: the
		// usual case, with nothing to make.
		op.names, op.at = n.Fields[:k:k], identity[:k:k]
	} else {
		for i, f := range n.Fields {
			if f != "" {
				op.names = append(op.names, f)
				op.at = append(op.at, i)
			}
		}
	}
	op.vals = buf[len(n.Cols):][:len(op.names)]
	for i, s := range n.Sys {
		if s != plan.SysNone {
			op.sys = append(op.sys, i)
		}
	}
	return op
}

// lendable reports whether the row a scan fills may hold strings of a
// document lent to it: the values of its columns' types are plain
// strings (copied once the filter lets the row through) or are made anew
// from the document's (numbers, booleans, numerics), and it reads no
// whole document.
func (op *scanOp) lendable() bool {
	if len(op.sys) > 0 {
		return false
	}
	for _, at := range op.at {
		switch op.n.Cols[at].Type.Family {
		case types.IntFamily, types.OidFamily, types.FloatFamily, types.BoolFamily, types.StringFamily, types.DecimalFamily:
		default:
			return false
		}
	}
	return true
}

// identity is 0, 1, 2 ...: the positions of a scan whose columns are all
// fields.
var identity = func() []int {
	s := make([]int, 64)
	for i := range s {
		s[i] = i
	}
	return s
}()

// fetchOp reads the rest of each input row by its key (plan.Fetch).
type fetchOp struct {
	env  *Env
	in   Operator
	fill *scanOp
	view *engine.View
}

func newFetch(env *Env, n *plan.Fetch) (Operator, error) {
	view, err := env.viewFor(n.Scan.Travel)
	if err != nil {
		return nil, err
	}
	in, err := build(env, n.Input)
	if err != nil {
		return nil, err
	}
	return &fetchOp{env: env, in: in, fill: newFiller(env, n.Scan), view: view}, nil
}

func (op *fetchOp) Next() (Row, error) {
	r, err := op.in.Next()
	if err != nil || r == nil {
		return nil, err
	}
	n := op.fill.n
	k, err := toDoc(r[0], n.Cols[0].Type, op.env.Fn.Types)
	if err != nil {
		return nil, err
	}
	er, found, err := op.view.Get(n.Table, k)
	if err != nil {
		return nil, err
	}
	if !found {
		// The scan below read this row at the same view.
		return nil, pgcode.Newf(pgcode.InternalError, "table %q: row %v read by the scan is gone at its view", n.Table, r[0])
	}
	if err := op.fill.fill(&er); err != nil {
		return nil, err
	}
	return op.fill.row, nil
}

func (op *fetchOp) Close() { op.in.Close() }

// viewFor returns the view a table reference reads at.
func (env *Env) viewFor(tr plan.Travel) (*engine.View, error) {
	if tr.Kind != plan.TravelAsOf {
		return env.View(nil, false)
	}
	f, err := env.compile(tr.From)
	if err != nil {
		return nil, err
	}
	p, err := f(nil)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, pgcode.New(pgcode.InvalidParameterValue, "AS OF point is NULL")
	}
	return env.View(p, true)
}

// keyValue evaluates a key or index value and converts it to what
// documents hold.
func (env *Env) keyValue(e plan.Expr) (any, error) {
	f, err := env.compile(e)
	if err != nil {
		return nil, err
	}
	v, err := f(nil)
	if err != nil || v == nil {
		return nil, err
	}
	return toDoc(v, e.Type(), env.Fn.Types)
}

func (op *scanOp) Next() (Row, error) {
	for {
		var r *engine.Row
		switch {
		case op.done:
			return nil, nil
		case op.rows != nil:
			r, op.rows = &op.rows[0], op.rows[1:]
			if len(op.rows) == 0 {
				op.rows, op.done = nil, true
			}
		default:
			var err error
			if r, err = op.cur.Next(op.env.Ctx); err != nil {
				return nil, err
			}
			if r == nil && len(op.values) > 0 {
				// The next value's rows (AccessIndexList).
				op.cur.Close()
				v := op.values[0]
				op.values = op.values[1:]
				if op.cur, err = op.view.IndexCursor(op.n.Table, op.n.Field, engine.OpEq, v); err != nil {
					return nil, err
				}
				if err := op.prepare(); err != nil {
					return nil, err
				}
				continue
			}
			if r == nil {
				op.done = true
				return nil, nil
			}
		}
		if err := op.fill(r); err != nil {
			return nil, err
		}
		ok, err := op.filter(op.row)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		op.keep(r)
		if op.n.Lock && op.env.Txn != nil {
			if err := op.env.Txn.Lock(op.n.Table, r.Key.Value()); err != nil {
				return nil, err
			}
		}
		return op.row, nil
	}
}

// keep copies the strings of the operator's row that are r's document's,
// lent to it (lend), for a row that is returned.
func (op *scanOp) keep(r *engine.Row) {
	if op.lend && r.Lent() {
		for _, at := range op.at {
			if s, ok := op.row[at].(string); ok {
				op.row[at] = strings.Clone(s)
			}
		}
	}
}

// fill converts an engine row into the operator's row.
func (op *scanOp) fill(r *engine.Row) error {
	n, c := op.n, op.env.Fn.Types
	if len(op.names) > 0 {
		fields := r.Fields
		if op.lend {
			fields = r.FieldsLent
		}
		if err := fields(op.names, op.vals, &op.boxes); err != nil {
			return err
		}
		for i, at := range op.at {
			d, err := fromDoc(op.vals[i], n.Cols[at].Type, c)
			if err != nil {
				return pgcode.Newf(pgcode.DataCorrupted, "table %q key %s column %q: %v", n.Table, r.Key, n.Cols[at].Name, err)
			}
			op.row[at] = d
		}
	}
	for _, i := range op.sys {
		switch n.Sys[i] {
		case plan.SysSeq:
			op.row[i] = int64(r.Seq)
		case plan.SysTS:
			op.row[i] = types.TimestampTZFromUnixMs(r.UnixMs)
		case plan.SysDoc:
			doc, err := r.Doc()
			if err != nil {
				return err
			}
			op.row[i] = types.DJSONB{V: doc}
		}
	}
	return nil
}

func (op *scanOp) Close() {
	if op.cur != nil {
		op.cur.Close()
		op.cur = nil
	}
	op.done = true
}

// historyOp reads every version of a table's rows in a span (FOR
// SYSTEM_TIME BETWEEN / ALL), each as a row with its system columns:
// versions made by the events with from < seq <= to, in key order and
// oldest first within a row. A version a SOFT_DELETE or TRUNCATE made
// has NULL columns and _event says which.
type historyOp struct {
	*scanOp
	hc *engine.HistoryCursor
}

func newHistoryScan(env *Env, n *plan.Scan) (Operator, error) {
	view, err := env.View(nil, false)
	if err != nil {
		return nil, err
	}
	from, to := view.Horizon(n.Table), view.Seq()
	if n.Travel.Kind == plan.TravelBetween {
		// BETWEEN a AND b: the events from a to b, both included.
		lo, err := env.viewFor(plan.Travel{Kind: plan.TravelAsOf, From: n.Travel.From})
		if err != nil {
			return nil, err
		}
		to = view.Seq()
		hi, err := env.viewFor(plan.Travel{Kind: plan.TravelAsOf, From: n.Travel.To})
		switch {
		case err == nil:
			to = hi.Seq()
		case !errors.Is(err, engine.ErrPastEnd):
			// An end after the last event (a later seq, a time to come)
			// is the last event.
			return nil, err
		}
		from = max(lo.Seq(), 1) - 1
	}
	op := &historyOp{scanOp: newFiller(env, n)}
	if op.filter, err = env.truth(n.Filter); err != nil {
		return nil, err
	}
	if op.hc, err = view.HistoryCursor(n.Table, from, to); err != nil {
		return nil, err
	}
	return op, nil
}

func (op *historyOp) Next() (Row, error) {
	for {
		if op.hc == nil {
			return nil, nil
		}
		h, err := op.hc.Next(op.env.Ctx)
		if err != nil || h == nil {
			return nil, err
		}
		if err := op.fill(&h.Row); err != nil {
			return nil, err
		}
		if h.Deleted() && len(op.n.Fields) > 0 && op.n.Fields[0] != "" {
			// A deleted version keeps its key.
			if op.row[0], err = fromDoc(h.Key.Value(), op.n.Cols[0].Type, op.env.Fn.Types); err != nil {
				return nil, err
			}
		}
		for i, s := range op.n.Sys {
			switch s {
			case plan.SysEvent:
				op.row[i] = EventName(h.Type)
			case plan.SysDoc:
				if h.Deleted() {
					op.row[i] = nil
				}
			}
		}
		ok, err := op.filter(op.row)
		if err != nil {
			return nil, err
		}
		if ok {
			return op.row, nil
		}
	}
}

func (op *historyOp) Close() {
	if op.hc != nil {
		op.hc.Close()
		op.hc = nil
	}
}

// EventName is an event type as _event shows it.
func EventName(t store.EventType) string {
	switch t {
	case store.EventInsert:
		return "INSERT"
	case store.EventPatch:
		return "PATCH"
	case store.EventSoftDelete:
		return "SOFT_DELETE"
	case store.EventTruncate:
		return "TRUNCATE"
	}
	return strings.ToUpper(t.String())
}

// normalizeJSON turns a decoded JSON value into a document value.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		return engine.JSONNumber(x)
	case []any:
		for i := range x {
			x[i] = normalizeJSON(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalizeJSON(x[k])
		}
	}
	return v
}

func bytesReader(s string) *strings.Reader { return strings.NewReader(s) }

// scanBound is a bound a top-N sort keeps on the cursor of the table scan
// it reads, through projections and filters: once the sort holds its N
// rows, a row whose first sort key comes after the worst of them cannot
// take its place, and the cursor drops it before it is copied or decoded
// (engine.Cursor.Bound). The bound is inclusive, as a row that ties with
// the worst on the first key is decided by the others; and it keeps the
// rows whose key is NULL when NULLs come first.
//
// It is kept only where the engine orders the key's stored values as SQL
// does (integer columns, bounded by an int64), and where no row it drops
// would have made a difference before the sort: every expression the rows
// meet on their way to it (filters, projections, the other sort keys)
// reads only its row and can neither fail nor have an effect.
//
// Checking the bound costs the cursor a walk over each document, which
// rows that come in the sort's order (each better than the last) pay in
// vain: the bound is lifted (engine.Cursor.Lift) while it drops too few of
// the rows of a window, and set again once the sort finds it would drop
// many.
type scanBound struct {
	scan *scanOp
	pred engine.Pred // its Value, the worst row's first key, once set
	h    int         // the handle of the cursor's bound, once set
	set  bool        // whether it is
	// lifted: the cursor does not check the bound; got counts the rows
	// the sort has got in this window, would those of them that did not
	// enter it (while lifted), and dropped is the cursor's count of rows
	// dropped when the window began.
	lifted  bool
	got     int
	would   int
	dropped int64
}

// boundWindow is how many rows a top-N gets between two judgements of
// its bound.
const boundWindow = 1024

// topNBounds counts the top-N sorts that have bounded their scan.
var topNBounds atomic.Int64

// TopNBounds returns how many top-N sorts since the process started have
// passed a bound on their first key down to the cursor of their scan.
func TopNBounds() int64 { return topNBounds.Load() }

// boundFor returns the bound a top-N sort n, reading from in, may keep on
// its scan's cursor, or nil when it may keep none.
func boundFor(n *plan.Sort, in Operator) *scanBound {
	key := n.Keys[0]
	for _, k := range n.Keys[1:] {
		if !cannotFail(k.E) {
			return nil
		}
	}
	c, ok := key.E.(*plan.ColRef)
	if !ok || !boundableType(c.T) {
		return nil
	}
	var scan *plan.Scan
	for node := n.Input; scan == nil; {
		switch x := node.(type) {
		case *plan.Project:
			if c, ok = x.Exprs[c.Idx].(*plan.ColRef); !ok || !cannotFail(x.Exprs...) {
				return nil
			}
			node = x.Input
		case *plan.Filter:
			if !cannotFail(x.Cond) {
				return nil
			}
			node = x.Input
		case *plan.Scan:
			scan = x
		default:
			return nil
		}
	}
	if scan.Lock || c.Idx >= len(scan.Fields) || scan.Fields[c.Idx] == "" ||
		!boundableType(scan.Cols[c.Idx].Type) || !cannotFail(scan.Filter) {
		return nil
	}
	op := scanOpOf(in)
	if op == nil || op.n != scan || op.cur == nil {
		return nil
	}
	p := engine.Pred{Field: scan.Fields[c.Idx], Op: engine.OpLe, KeepNull: key.NullsFirst}
	if key.Desc {
		p.Op = engine.OpGe
	}
	return &scanBound{scan: op, pred: p}
}

// boundableType reports whether the engine compares a column's stored
// values as SQL compares the column's: integers.
func boundableType(t *types.T) bool {
	return t.Oid == types.OidInt2 || t.Oid == types.OidInt4 || t.Oid == types.OidInt8
}

// scanOpOf returns the table scan an operator reads through projections
// and filters, or nil.
func scanOpOf(op Operator) *scanOp {
	for {
		switch x := op.(type) {
		case *statsOp:
			op = x.in
		case *projectOp:
			op = x.in
		case *filterOp:
			op = x.in
		case *scanOp:
			return x
		default:
			return nil
		}
	}
}

// cannotFail reports whether expressions read only their row, constants
// and parameters, and neither fail nor have an effect whatever the row:
// comparisons of numbers, strings and booleans, combined with AND, OR,
// NOT, IS [NOT] NULL and COALESCE.
func cannotFail(es ...plan.Expr) bool {
	ok := true
	for _, e := range es {
		plan.Walk(e, func(e plan.Expr) bool {
			if !ok {
				return false
			}
			switch x := e.(type) {
			case *plan.ColRef, *plan.Const, *plan.Param, *plan.And, *plan.Or, *plan.Not, *plan.IsNull, *plan.Coalesce:
			case *plan.Call:
				ok = isComparison(x)
			default:
				ok = false
			}
			return ok
		})
	}
	return ok
}

// isComparison reports whether a call compares two numbers, strings or
// booleans, which cannot fail.
func isComparison(c *plan.Call) bool {
	switch c.Fn.Name {
	case "=", "<>", "<", "<=", ">", ">=":
	default:
		return false
	}
	if len(c.Args) != 2 {
		return false
	}
	for _, a := range c.Args {
		switch a.Type().Family {
		case types.IntFamily, types.FloatFamily, types.DecimalFamily, types.StringFamily, types.BoolFamily:
		default:
			return false
		}
	}
	return true
}

// tighten moves the bound to the first key of the sort's worst row (its
// heap's top), setting it the first time.
func (b *scanBound) tighten(worst *sortRow) error {
	if b == nil {
		return nil
	}
	v, ok := worst.keys[0].(int64)
	cur := b.scan.cur
	if !ok || cur == nil {
		// A NULL worst: with NULLs last any row may enter, and with
		// NULLs first the bound set before, if any, still holds.
		return nil
	}
	switch {
	case !b.set:
		b.pred.Value = worst.keys[0]
		h, err := cur.Bound(b.pred)
		if err != nil {
			return err
		}
		b.h, b.set, b.dropped = h, true, cur.Dropped()
		topNBounds.Add(1)
	case b.pred.Value.(int64) == v:
	case b.lifted:
		b.pred.Value = worst.keys[0]
	default:
		b.pred.Value = worst.keys[0]
		return cur.Tighten(b.h, b.pred.Value)
	}
	return nil
}

// saw notes a row the sort got from its input, and whether it entered the
// first N, and at the end of a window lifts the bound or sets it again.
func (b *scanBound) saw(entered bool) error {
	if b == nil || !b.set {
		return nil
	}
	b.got++
	if !entered {
		b.would++
	}
	if b.got < boundWindow {
		return nil
	}
	cur := b.scan.cur
	if cur == nil {
		return nil
	}
	var err error
	switch {
	case !b.lifted && cur.Dropped()-b.dropped < int64(b.got/4):
		// The bound dropped less than a fifth of the rows read.
		b.lifted = true
		err = cur.Lift(b.h)
	case b.lifted && b.would >= b.got/2:
		b.lifted = false
		err = cur.Tighten(b.h, b.pred.Value)
	}
	b.got, b.would, b.dropped = 0, 0, cur.Dropped()
	return err
}
