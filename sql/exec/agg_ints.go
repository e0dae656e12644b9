package exec

import (
	"slices"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// intColumn is an aggregate that a scan's rows feed without being made
// into rows: count(*) (field -1) or an aggregate of an integer column,
// the field-th that is read of each row.
type intColumn struct {
	field int
}

// intColumns returns the aggregates of an aggregation of one group
// straight over a scan when each is count(*) or takes an integer column
// (count, sum, avg, min and max, with no FILTER, DISTINCT or ORDER BY):
// the scan's rows then go to them as the engine reads each column's
// integers (engine.Row.Int), where each row would be made, its values
// boxed, and each aggregate's arguments evaluated from it. A row whose
// column reads as neither an integer nor NULL (a damaged document) goes
// the usual way, which tells what is wrong. Nil when the plan is not of
// that shape.
func (op *aggOp) intColumns() (cols []intColumn, fields []string) {
	sc, ok := op.in.(*scanOp)
	if !ok || sc.filtered || sc.cur == nil || sc.rows != nil || len(sc.values) > 0 || sc.n.Lock {
		return nil, nil
	}
	cols = make([]intColumn, len(op.calls))
	for i, ac := range op.calls {
		if ac.filter != nil || ac.c.Distinct || len(ac.keys) > 0 || len(ac.c.Args) > 1 {
			return nil, nil
		}
		if _, ok := builtins.IntAdderOf(ac.c.Fn.Agg(ac.argTypes)); !ok {
			return nil, nil
		}
		if len(ac.c.Args) == 0 {
			cols[i].field = -1 // count(*)
			continue
		}
		ref, ok := ac.c.Args[0].(*plan.ColRef)
		if !ok || ref.Idx >= len(sc.n.Fields) || sc.n.Fields[ref.Idx] == "" ||
			sc.n.Cols[ref.Idx].Type.Family != types.IntFamily {
			return nil, nil
		}
		// Each field is read once a row, for all its aggregates.
		f := sc.n.Fields[ref.Idx]
		cols[i].field = slices.Index(fields, f)
		if cols[i].field < 0 {
			cols[i].field = len(fields)
			fields = append(fields, f)
		}
	}
	return cols, fields
}

// loadInts feeds the scan's rows to the aggregates cols of the group
// made, made with the first row, reading fields of each row.
func (op *aggOp) loadInts(made func() *group, cols []intColumn, fields []string) error {
	sc := op.in.(*scanOp)
	var g *group
	adders := make([]builtins.IntAdder, len(cols))
	vals := make([]int64, len(fields))
	kinds := make([]engine.FieldKind, len(fields))
	for !sc.done { // done already: a condition no row meets
		r, err := sc.cur.Next(op.env.Ctx)
		if err != nil {
			return err
		}
		if r == nil {
			sc.done = true
			break
		}
		if g == nil {
			g = made()
			for i := range cols {
				adders[i], _ = builtins.IntAdderOf(g.accs[i])
			}
		}
		other := false
		for i, f := range fields {
			vals[i], kinds[i] = r.Int(f)
			other = other || kinds[i] == engine.FieldOther
		}
		if other {
			if err := sc.fill(r); err != nil {
				return err
			}
			for i := range op.calls {
				if err := op.add(g, i, sc.row); err != nil {
					return err
				}
			}
			continue
		}
		for i, a := range adders {
			// count(*) counts every row; the aggregates of a column are
			// strict: a NULL is passed by.
			f := cols[i].field
			if f < 0 || kinds[f] == engine.FieldInt {
				var v int64
				if f >= 0 {
					v = vals[f]
				}
				if err := a.AddInt(v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
