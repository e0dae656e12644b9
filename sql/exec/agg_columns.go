package exec

import (
	"slices"
	"strings"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// aggColumns is an aggregation straight over a scan whose rows feed it
// without being made into rows: each aggregate is count(*), count of a
// column, or takes an integer or float column, read as the engine reads
// it (engine.Row.Number), or a text column, read where the document
// lies, as is each GROUP BY key.
type aggColumns struct {
	// calls[i] is the field the i-th aggregate takes: of ints, or of
	// strs for min and max of text (str); -1 for count(*).
	calls []colCall
	// ints are the fields read as numbers (Row.Number), at intAt in the
	// scan's row; needInt says a field is some aggregate's integer, and
	// needFloat some aggregate's float (a field only counted takes any
	// value).
	ints      []string
	intAt     []int
	needInt   []bool
	needFloat []bool
	// strs are the fields of text read where they lie, at strAt.
	strs  []string
	strAt []int
	// keys are the fields of the GROUP BY columns, of types keyTypes, at
	// keyAt in the scan's row.
	keys     []string
	keyTypes []*types.T
	keyAt    []int
}

// colNumber is what a row holds in a field of ints (Row.Number).
type colNumber struct {
	i    int64
	f    float64
	kind engine.FieldKind
}

// colAdder is a group's aggregate as the kind of value it takes.
type colAdder struct {
	i builtins.IntAdder
	f builtins.FloatAdder
	s builtins.StringAdder
}

// colCall is the field an aggregate read as columns takes.
type colCall struct {
	f   int // -1: none (count(*))
	str bool
	flt bool // a float aggregate's field
}

// columns returns how an aggregation reads its scan's rows as columns,
// when each aggregate is count(*), count of a column, sum, avg, min or
// max of an integer or float column, or min or max of a text column,
// with no FILTER, DISTINCT or ORDER BY, and each GROUP BY key is a column
// of a type whose values are plain strings or are made anew from the
// document's (numbers, booleans): each row would otherwise be made, its
// values boxed, and each aggregate's arguments and each key evaluated
// from it. Nil when the plan is not of that shape.
func (op *aggOp) columns() *aggColumns {
	sc, ok := op.in.(*scanOp)
	if !ok || sc.cur == nil || sc.rows != nil || len(sc.values) > 0 || sc.n.Lock {
		return nil
	}
	// field returns the document's field of a column of the scan's row,
	// when e is one.
	field := func(e plan.Expr) (string, *types.T, int, bool) {
		ref, ok := e.(*plan.ColRef)
		if !ok || ref.Idx >= len(sc.n.Fields) || sc.n.Fields[ref.Idx] == "" {
			return "", nil, 0, false
		}
		return sc.n.Fields[ref.Idx], sc.n.Cols[ref.Idx].Type, ref.Idx, true
	}
	ac := &aggColumns{calls: make([]colCall, len(op.calls))}
	for _, e := range op.n.GroupBy {
		f, t, at, ok := field(e)
		if !ok {
			return nil
		}
		switch t.Family {
		case types.IntFamily, types.OidFamily, types.FloatFamily, types.BoolFamily, types.StringFamily, types.DecimalFamily:
		default:
			return nil
		}
		ac.keys, ac.keyTypes, ac.keyAt = append(ac.keys, f), append(ac.keyTypes, t), append(ac.keyAt, at)
	}
	for i, c := range op.calls {
		if c.filter != nil || c.c.Distinct || len(c.keys) > 0 || len(c.c.Args) > 1 {
			return nil
		}
		acc := c.c.Fn.Agg(c.argTypes)
		_, ints := builtins.IntAdderOf(acc)
		_, strs := builtins.StringAdderOf(acc)
		_, flts := builtins.FloatAdderOf(acc)
		if len(c.c.Args) == 0 && ints {
			ac.calls[i].f = -1 // count(*)
			continue
		}
		if len(c.c.Args) == 0 {
			return nil
		}
		f, t, at, ok := field(c.c.Args[0])
		counts := c.c.Fn.Name == "count"
		switch {
		case !ok:
			return nil
		case strs:
			// Each field is read once a row, for all its aggregates.
			ac.calls[i] = colCall{f: slices.Index(ac.strs, f), str: true}
			if ac.calls[i].f < 0 {
				ac.calls[i].f = len(ac.strs)
				ac.strs, ac.strAt = append(ac.strs, f), append(ac.strAt, at)
			}
		case ints && (t.Family == types.IntFamily || counts), flts && t.Family == types.FloatFamily:
			ac.calls[i] = colCall{f: slices.Index(ac.ints, f), flt: flts}
			if ac.calls[i].f < 0 {
				ac.calls[i].f = len(ac.ints)
				ac.ints, ac.intAt = append(ac.ints, f), append(ac.intAt, at)
				ac.needInt, ac.needFloat = append(ac.needInt, false), append(ac.needFloat, false)
			}
			ac.needInt[ac.calls[i].f] = ac.needInt[ac.calls[i].f] || ints && !counts
			ac.needFloat[ac.calls[i].f] = ac.needFloat[ac.calls[i].f] || flts
		default:
			return nil
		}
	}
	return ac
}

// other says a row's fields, nums and strs, do not feed the
// aggregates as they are: a damaged document, or a field another kind of
// value where an integer or a text is wanted.
func (cols *aggColumns) other(nums []colNumber, strs []any) bool {
	for f, n := range nums {
		switch k := n.kind; {
		case k == engine.FieldDamaged:
			return true
		case k == engine.FieldOther && (cols.needInt[f] || cols.needFloat[f]):
			return true
		case k == engine.FieldFloat && cols.needInt[f]:
			return true
		}
	}
	for _, v := range strs {
		switch v.(type) {
		case nil, string:
		default:
			return true
		}
	}
	return false
}

// loadColumns feeds the scan's rows to their groups' aggregates as cols
// reads them. A row whose columns do not read so (a damaged document)
// goes the usual way, which tells what is wrong. A scan with a condition
// of its own fills each row for it, its strings where they lie, and the
// rows it lets through are read from what it filled: the aggregates keep
// no string of theirs, and a group's key copies its own.
func (op *aggOp) loadColumns(cols *aggColumns) error {
	sc := op.in.(*scanOp)
	nums := make([]colNumber, len(cols.ints))
	strVals := make([]any, len(cols.strs))
	keyVals := make([]any, len(cols.keys))
	var boxes engine.Boxes
	for !sc.done { // done already: a condition no row meets
		r, err := sc.cur.Next(op.env.Ctx)
		if err != nil {
			return err
		}
		if r == nil {
			sc.done = true
			break
		}
		var g *group
		other := false
		if sc.filtered {
			if err := sc.fill(r); err != nil {
				return err
			}
			ok, err := sc.filter(sc.row)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			cols.filled(sc.row, nums, strVals)
			if other = cols.other(nums, strVals); !other {
				for i, at := range cols.keyAt {
					op.key[i] = sc.row[at]
				}
				g = op.groupWithKey()
			}
		} else {
			if len(cols.keys) == 0 {
				g = op.grandTotal()
			} else {
				g, other = op.columnsGroup(r, cols, keyVals, &boxes)
			}
			for i, f := range cols.ints {
				n := &nums[i]
				n.i, n.f, n.kind = r.Number(f)
			}
			if len(cols.strs) > 0 && r.FieldsLent(cols.strs, strVals, &boxes) != nil {
				other = true
			}
			other = other || cols.other(nums, strVals)
		}
		if other {
			if !sc.filtered {
				if err := sc.fill(r); err != nil {
					return err
				}
			}
			sc.keep(r)
			if err := op.addRow(sc.row); err != nil {
				return err
			}
			continue
		}
		if err := op.addColumns(g, cols, nums, strVals); err != nil {
			return err
		}
	}
	return nil
}

// filled reads the columns of a filled row into nums and strs.
func (cols *aggColumns) filled(row Row, nums []colNumber, strs []any) {
	for i, at := range cols.strAt {
		strs[i] = row[at]
	}
	for i, at := range cols.intAt {
		switch v := row[at].(type) {
		case nil:
			nums[i] = colNumber{kind: engine.FieldNull}
		case int64:
			nums[i] = colNumber{i: v, kind: engine.FieldInt}
		case float64:
			nums[i] = colNumber{f: v, kind: engine.FieldFloat}
		default:
			nums[i] = colNumber{kind: engine.FieldOther}
		}
	}
}

// addColumns adds a row's numbers, nums, and texts, strs, to g's
// aggregates.
func (op *aggOp) addColumns(g *group, cols *aggColumns, nums []colNumber, strs []any) error {
	if g.adders == nil {
		g.adders = make([]colAdder, len(g.accs))
		for i, acc := range g.accs {
			a := &g.adders[i]
			switch c := cols.calls[i]; {
			case c.str:
				a.s, _ = builtins.StringAdderOf(acc)
			case c.flt:
				a.f, _ = builtins.FloatAdderOf(acc)
			default:
				a.i, _ = builtins.IntAdderOf(acc)
			}
		}
	}
	for i, c := range cols.calls {
		// count(*) counts every row; the aggregates of a column are
		// strict: a NULL is passed by (count takes any other value).
		a := &g.adders[i]
		var n colNumber
		if c.f >= 0 && !c.str {
			n = nums[c.f]
		}
		var err error
		switch {
		case c.str:
			if s, ok := strs[c.f].(string); ok {
				err = a.s.AddString(s)
			}
		case c.flt:
			// A float column's integer is the float it stands for.
			switch n.kind {
			case engine.FieldFloat:
				err = a.f.AddFloat(n.f)
			case engine.FieldInt:
				err = a.f.AddFloat(float64(n.i))
			}
		case c.f < 0 || n.kind != engine.FieldNull:
			err = a.i.AddInt(n.i)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// columnsGroup returns the group of row r by its key columns, read where
// its document lies. other says the key does not read so.
func (op *aggOp) columnsGroup(r *engine.Row, cols *aggColumns, keyVals []any, boxes *engine.Boxes) (g *group, other bool) {
	if r.FieldsLent(cols.keys, keyVals, boxes) != nil {
		return nil, true
	}
	for i, v := range keyVals {
		d, err := fromDoc(v, cols.keyTypes[i], op.env.Fn.Types)
		if err != nil {
			return nil, true
		}
		op.key[i] = d
	}
	return op.groupWithKey(), false
}

// groupWithKey returns the group of the key in op.key, read from a row
// (its strings where they lie): the group's key, when it is made, keeps
// copies of them.
func (op *aggOp) groupWithKey() *group {
	if len(op.key) == 0 {
		return op.grandTotal()
	}
	g, added := op.groupOf(op.key)
	if added {
		for i, v := range g.key {
			if s, ok := v.(string); ok {
				g.key[i] = strings.Clone(s)
			}
		}
	}
	return g
}
