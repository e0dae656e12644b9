package plan

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// VirtualScan reads a virtual table of pg_catalog or information_schema:
// its rows are made when the scan starts, from the view the statement
// reads (Travel as for a Scan). Its last column is the hidden tableoid.
type VirtualScan struct {
	Table  *vtable.Table
	Travel Travel
	Cols   []Column
}

// Columns returns the table's columns.
func (n *VirtualScan) Columns() []Column { return n.Cols }

// ColTableOid is the system column that holds a row's table's OID.
const ColTableOid = "tableoid"

// virtualSchema reports whether a schema holds virtual tables only.
func virtualSchema(name string) bool {
	return name == vtable.PgCatalog || name == vtable.InformationSchema || name == vtable.DriftDB
}

// driftdbFunc returns the name under which builtins registers a function
// of the driftdb schema called by its qualified name (driftdb.history),
// or false for a name of another schema. The schema is not on the search
// path: history(...) alone is no such function.
func driftdbFunc(parts []string) (string, bool) {
	if len(parts) != 2 || parts[0] != vtable.DriftDB {
		return "", false
	}
	return vtable.DriftDB + "." + parts[1], true
}

// virtualTable binds a table of pg_catalog or information_schema, or
// fails with 42P01 when there is none of the name. A table defined by a
// query over others binds as a view.
func (b *Binder) virtualTable(rv *pg.RangeVar, schema string, s *scope) (Node, []scopeCol, error) {
	t, ok := vtable.Lookup(schema, rv.Relname)
	if !ok {
		name := rv.Relname
		if rv.Schemaname != "" {
			name = rv.Schemaname + "." + name
		}
		return nil, nil, b.errorf(pgcode.UndefinedTable, rv.Location, "relation %q does not exist", name)
	}
	if t.Query != "" {
		return b.virtualView(rv, t, s)
	}
	travel, err := b.travelFor(rv.Location)
	if err != nil {
		return nil, nil, err
	}
	if travel.Kind == TravelBetween || travel.Kind == TravelAll {
		return nil, nil, b.errorf(pgcode.FeatureNotSupported, rv.Location, "history of %s.%s is not supported", schema, rv.Relname)
	}
	qual := rv.Relname
	if rv.Alias != nil {
		qual = rv.Alias.Aliasname
	}
	n := &VirtualScan{Table: t, Travel: travel}
	for _, c := range t.Cols {
		n.Cols = append(n.Cols, Column{Name: c.Name, Type: c.Type, Qualifier: qual})
	}
	// tableoid, the system column of every relation: the catalog table's
	// own OID, which pg_description.classoid and pg_depend.classid hold.
	n.Cols = append(n.Cols, Column{Name: ColTableOid, Type: types.OidT, Qualifier: qual, Hidden: true})
	cols, err := aliased(n.Cols, rv.Alias)
	if err != nil {
		return nil, nil, err
	}
	n.Cols = cols
	return n, scopeOf(cols, qual), nil
}

// virtualView binds a virtual table defined by a query, as a view. Unlike
// a user's view it may travel on its own: an AS OF clause on its
// reference applies to the catalog tables the query reads.
func (b *Binder) virtualView(rv *pg.RangeVar, t *vtable.Table, s *scope) (Node, []scopeCol, error) {
	names := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		names[i] = c.Name
	}
	saved := b.travel
	defer func() { b.travel = saved }()
	for _, c := range saved {
		if c.Ref == int(rv.Location) {
			own := c
			own.Ref = -1
			b.travel = []TravelClause{own}
		}
	}
	return b.view(rv, t.Query, names, s)
}
