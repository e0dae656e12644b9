package sql

import (
	"sync"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// catalog is the binder's view of the database: the tables as the
// session's current view has them.
type catalog struct {
	s    *Session
	view *engine.View
	seen map[string]*plan.Table
	// views are the views binding read, by name, with their text: a
	// change of one binds again.
	views map[string]string
}

// Table returns a table by name.
func (c *catalog) Table(name string) (*plan.Table, error) {
	if t, ok := c.seen[name]; ok {
		return t, nil
	}
	spec, err := c.view.Spec(name)
	if err != nil {
		if engine.Code(err) == engine.CodeUndefinedTable {
			return nil, pgcode.Newf(pgcode.UndefinedTable, "relation %q does not exist", name)
		}
		return nil, err
	}
	cols, err := c.view.Columns(name)
	if err != nil {
		return nil, err
	}
	rows, err := c.view.ApproxRows(name)
	if err != nil {
		return nil, err
	}
	t := &plan.Table{Name: name, Spec: spec, Indexes: spec.Indexes, Rows: rows}
	for _, col := range cols {
		tc := plan.TableCol{Name: col.Name, Field: col.Field, Type: columnType(col), Declared: col.Declared}
		for _, d := range spec.Columns {
			if d.Name == col.Name {
				tc.NotNull = d.NotNull
			}
		}
		if col.Name == spec.PK {
			tc.NotNull = true
			tc.Hidden = spec.RowID || len(spec.PKColumns) > 0
		}
		t.Cols = append(t.Cols, tc)
	}
	pos := int16(0)
	for _, i := range spec.ShownOrder(cols) {
		if !t.Cols[i].Hidden {
			pos++
			t.Cols[i].Pos = pos
		}
	}
	if c.seen == nil {
		c.seen = map[string]*plan.Table{}
	}
	c.seen[name] = t
	return t, nil
}

// View returns a view's query and columns.
func (c *catalog) View(name string) (string, []string, bool) {
	def, ok := c.s.db.ViewDef(name)
	if !ok {
		return "", nil, false
	}
	if c.views == nil {
		c.views = map[string]string{}
	}
	c.views[name] = def.SQL
	return def.SQL, def.Columns, true
}

// declaredTypes caches the types of declared type names (int4,
// character varying(20)) by their text.
var declaredTypes sync.Map

// declaredType reads a column's declared SQL type, or nil.
func declaredType(name string) *types.T {
	if t, ok := declaredTypes.Load(name); ok {
		return t.(*types.T)
	}
	n, err := parser.ParseExpr("NULL::" + name)
	if err != nil {
		return nil
	}
	tc := n.GetTypeCast()
	if tc == nil {
		return nil
	}
	t, err := plan.TypeName(tc.TypeName)
	if err != nil {
		return nil
	}
	declaredTypes.Store(name, t)
	return t
}
