package builtins

import (
	"strconv"

	"github.com/driftdb/driftdb/sql/types"
)

// Functions of the system catalog that psql's \d commands and drivers'
// introspection call.

// CatalogReader is what a session answers of its catalog by OID, for the
// functions that print definitions. A Session that is no CatalogReader
// knows no relations: those functions return NULL.
type CatalogReader interface {
	// IndexDef is pg_get_indexdef's text of an index, or of its column
	// col (1-based; 0: the whole definition).
	IndexDef(oid int64, col int) (string, bool, error)
	// ConstraintDef is pg_get_constraintdef's text of a constraint.
	ConstraintDef(oid int64) (string, bool, error)
	// RelationVisible reports whether a relation exists and whether it
	// is visible: on the search path (public, pg_catalog), not in
	// information_schema.
	RelationVisible(oid int64) (visible, found bool, err error)
}

// Role OIDs pg_get_userbyid knows.
const (
	oidSuperuser     = 10
	oidDatabaseOwner = 6171
)

var _ = register(catalogFuncs()...)

func catalogFuncs() []*Overload {
	catalog := func(c *Context) (CatalogReader, bool) {
		r, ok := c.Session.(CatalogReader)
		return r, ok
	}
	indexDef := func(c *Context, oid int64, col int) (types.Datum, error) {
		r, ok := catalog(c)
		if !ok {
			return nil, nil
		}
		s, found, err := r.IndexDef(oid, col)
		if err != nil || !found {
			return nil, err
		}
		return s, nil
	}
	constraintDef := func(c *Context, a []types.Datum) (types.Datum, error) {
		r, ok := catalog(c)
		if !ok {
			return nil, nil
		}
		if p, ok := r.(prettyConstraintDefiner); ok && len(a) > 1 && a[1].(bool) {
			return prettyConstraintDef(p, a[0].(int64))
		}
		s, found, err := r.ConstraintDef(a[0].(int64))
		if err != nil || !found {
			return nil, err
		}
		return s, nil
	}
	null := func(*Context, []types.Datum) (types.Datum, error) { return nil, nil }
	expr := func(_ *Context, a []types.Datum) (types.Datum, error) {
		if len(a) > 2 && a[2].(bool) {
			return prettyExpr(str(a[0])), nil
		}
		return a[0], nil
	}
	oid := types.OidT
	return []*Overload{
		{Name: "pg_get_userbyid", Args: []*types.T{oid}, Ret: types.Name, Strict: true, Volatility: Stable,
			Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
				switch a[0].(int64) {
				case oidSuperuser:
					return c.Session.User(), nil
				case oidDatabaseOwner:
					return "pg_database_owner", nil
				}
				return "unknown (OID=" + strconv.FormatInt(a[0].(int64), 10) + ")", nil
			}},
		{Name: "pg_table_is_visible", Args: []*types.T{oid}, Ret: types.Bool, Strict: true, Volatility: Stable,
			Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
				r, ok := catalog(c)
				if !ok {
					return nil, nil
				}
				vis, found, err := r.RelationVisible(a[0].(int64))
				if err != nil || !found {
					return nil, err
				}
				return vis, nil
			}},
		{Name: "format_type", Args: []*types.T{oid, types.Int4}, Ret: types.Text, Volatility: Stable,
			Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
				if a[0] == nil {
					return nil, nil
				}
				t, ok := types.ByOid(uint32(a[0].(int64)))
				if !ok {
					return "???", nil
				}
				if a[1] != nil {
					t = t.WithMod(int32(a[1].(int64)))
				}
				return t.String(), nil
			}},
		{Name: "pg_get_indexdef", Args: []*types.T{oid}, Ret: types.Text, Strict: true, Volatility: Stable,
			Fn: func(c *Context, a []types.Datum) (types.Datum, error) { return indexDef(c, a[0].(int64), 0) }},
		{Name: "pg_get_indexdef", Args: []*types.T{oid, types.Int4, types.Bool}, Ret: types.Text, Strict: true, Volatility: Stable,
			Fn: func(c *Context, a []types.Datum) (types.Datum, error) {
				return indexDef(c, a[0].(int64), int(a[1].(int64)))
			}},
		{Name: "pg_get_constraintdef", Args: []*types.T{oid}, Ret: types.Text, Strict: true, Volatility: Stable, Fn: constraintDef},
		{Name: "pg_get_constraintdef", Args: []*types.T{oid, types.Bool}, Ret: types.Text, Strict: true, Volatility: Stable, Fn: constraintDef},
		// Expressions of the catalog (defaults, checks) are kept as SQL
		// text: the node tree is its own deparsed form.
		{Name: "pg_get_expr", Args: []*types.T{types.PgNodeTree, oid}, Ret: types.Text, Strict: true, Volatility: Stable, Fn: expr},
		{Name: "pg_get_expr", Args: []*types.T{types.PgNodeTree, oid, types.Bool}, Ret: types.Text, Strict: true, Volatility: Stable, Fn: expr},
		{Name: "obj_description", Args: []*types.T{oid}, Ret: types.Text, Strict: true, Volatility: Stable, Fn: objDescriptionAny},
		{Name: "obj_description", Args: []*types.T{oid, types.Name}, Ret: types.Text, Strict: true, Volatility: Stable, Fn: objDescription},
		{Name: "col_description", Args: []*types.T{oid, types.Int4}, Ret: types.Text, Strict: true, Volatility: Stable, Fn: colDescription},
		{Name: "shobj_description", Args: []*types.T{oid, types.Name}, Ret: types.Text, Strict: true, Volatility: Stable, Fn: null},
		// DriftDB has no extended statistics and no publications.
		{Name: "pg_get_statisticsobjdef_columns", Args: []*types.T{oid}, Ret: types.Text, Strict: true, Volatility: Stable, Fn: null},
		{Name: "pg_relation_is_publishable", Args: []*types.T{types.Regclass}, Ret: types.Bool, Strict: true, Volatility: Stable,
			Fn: func(*Context, []types.Datum) (types.Datum, error) { return false, nil }},
		{Name: "pg_encoding_to_char", Args: []*types.T{types.Int4}, Ret: types.Name, Strict: true, Volatility: Stable,
			Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
				switch a[0].(int64) {
				case 0:
					return "SQL_ASCII", nil
				case 6:
					return "UTF8", nil
				}
				return "", nil
			}},
	}
}
