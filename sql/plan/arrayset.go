package plan

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// ArraySet is an array with one element replaced (UPDATE ... SET a[i] =
// v): a NULL or empty array becomes one of that element, and a
// one-dimensional array grows to reach a subscript past its end, NULLs
// between.
type ArraySet struct {
	Base  Expr
	Index []Expr
	Val   Expr
	T     *types.T
}

// Type is the array's type.
func (e *ArraySet) Type() *types.T { return e.T }

// setElement binds SET col[i][j] = v into the SET list: several such
// items of one column apply in turn.
func (b *Binder) setElement(out []SetItem, rt *pg.ResTarget, val *pg.Node, t *Table, s *scope) ([]SetItem, error) {
	ci := t.Col(rt.Name)
	if ci < 0 || !t.Cols[ci].Type.IsArray() || t.Cols[ci].Type.Elem == nil {
		return nil, b.errorf(pgcode.DatatypeMismatch, rt.Location, "cannot subscript type %s because it does not support subscripting",
			columnTypeName(t, ci))
	}
	ct := t.Cols[ci].Type
	var base Expr
	at := -1
	for i, prev := range out {
		if prev.Col == rt.Name && len(prev.Path) == 0 {
			if _, ok := prev.E.(*ArraySet); !ok {
				return nil, b.errorf(pgcode.SyntaxError, rt.Location, "multiple assignments to same column %q", rt.Name)
			}
			base, at = prev.E, i
		}
	}
	if base == nil {
		qual := ""
		if len(s.cols) > 0 {
			qual = s.cols[0].qualifier
		}
		idx, depth, col, err := s.resolve(qual, rt.Name, b.pos(rt.Location))
		if err != nil {
			return nil, err
		}
		base = colRef(idx, depth, col)
	}
	set := &ArraySet{Base: base, T: ct}
	for _, ind := range rt.Indirection {
		ai := ind.GetAIndices()
		if ai == nil || ai.IsSlice {
			return nil, b.errorf(pgcode.FeatureNotSupported, rt.Location, "SET of an array slice or field is not supported")
		}
		x, err := b.expr(ai.Uidx, s, exprCtx{where: "UPDATE", value: true})
		if err != nil {
			return nil, err
		}
		if x, err = b.coerce(x, types.Int4, types.ContextImplicit, -1); err != nil {
			return nil, err
		}
		set.Index = append(set.Index, x)
	}
	v, err := b.expr(val, s, exprCtx{where: "UPDATE", value: true})
	if err != nil {
		return nil, err
	}
	if set.Val, err = b.coerce(v, ct.Elem.WithMod(ct.Mod), types.ContextAssignment, location(val)); err != nil {
		if pe, ok := err.(*pgcode.Error); ok && pe.Code == pgcode.DatatypeMismatch {
			return nil, b.errorf(pgcode.DatatypeMismatch, location(val), "subscripted assignment to %q requires type %s but expression is of type %s",
				rt.Name, ct.Elem, v.Type()).(*pgcode.Error).WithHint("You will need to rewrite or cast the expression.")
		}
		return nil, err
	}
	if at >= 0 {
		out[at].E = set
		return out, nil
	}
	return append(out, SetItem{Col: rt.Name, E: set}), nil
}

func columnTypeName(t *Table, i int) string {
	if i < 0 {
		return "text"
	}
	return t.Cols[i].Type.String()
}
