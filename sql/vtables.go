package sql

import (
	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// vtableSource is what the session's virtual tables (pg_catalog,
// information_schema) are made from at a view. The scans of one
// statement at one view share one source, so that the catalog is loaded
// once for all of them (information_schema's views join a dozen catalog
// tables).
func (s *Session) vtableSource(v *engine.View) *vtable.Source {
	if s.vsrc != nil && s.vsrcView == v && s.vsrcGen == s.stmtGen {
		return s.vsrc
	}
	s.vsrc, s.vsrcView, s.vsrcGen = s.newVtableSource(v), v, s.stmtGen
	return s.vsrc
}

func (s *Session) newVtableSource(v *engine.View) *vtable.Source {
	return &vtable.Source{
		View:      v,
		DB:        s.db,
		User:      s.opts.User,
		Database:  s.opts.Database,
		ViewTypes: func(def engine.ViewDef) []*types.T { return s.viewColumnTypes(v, def) },
		DefaultText: func(text string, t *types.T) string {
			return defaultText(text, t, !s.publicOnPath())
		},
		CheckText: checkText,
		Settings: func() [][2]string {
			var out [][2]string
			for _, name := range s.settingNames() {
				val, _ := s.Setting(name)
				out = append(out, [2]string{name, val})
			}
			return out
		},
		TypeOf:   columnType,
		Cursors:  s.Cursors,
		Prepared: s.preparedStatements,
		Activity: s.activities,
	}
}

// columnType is the SQL type of a table's column, as the binder gives it.
func columnType(c engine.Column) *types.T {
	if c.SQLType != "" {
		if t := declaredType(c.SQLType); t != nil {
			return t
		}
	}
	return plan.TypeOfEngine(c.Type, c.Typmod)
}

// vcatalog loads the catalog as the session reads the database now.
//
// One statement loads it once: the catalog functions it calls row after
// row (pg_table_is_visible, regclass output) share it.
func (s *Session) vcatalog() (*vtable.Catalog, error) {
	if s.vcat != nil && s.vcatGen == s.stmtGen {
		return s.vcat, nil
	}
	v, err := s.readView()
	if err != nil {
		return nil, err
	}
	c, err := vtable.Load(s.vtableSource(v))
	if err != nil {
		return nil, err
	}
	s.vcat, s.vcatGen = c, s.stmtGen
	return c, nil
}

// IndexDef answers pg_get_indexdef.
func (f fnSession) IndexDef(oid int64, col int) (string, bool, error) {
	c, err := f.s.vcatalog()
	if err != nil {
		return "", false, err
	}
	r, ok := c.RelByOid(oid)
	if !ok || r.Index == nil {
		return "", false, nil
	}
	if col > 0 {
		return c.IndexColumn(r.Index, col)
	}
	return c.IndexDef(r.Index), true, nil
}

// ConstraintDef answers pg_get_constraintdef.
func (f fnSession) ConstraintDef(oid int64) (string, bool, error) {
	c, err := f.s.vcatalog()
	if err != nil {
		return "", false, err
	}
	k, ok := c.ConstraintByOid(oid)
	if !ok {
		return "", false, nil
	}
	return c.ConstraintDef(k), true, nil
}

// RelationVisible answers pg_table_is_visible.
func (f fnSession) RelationVisible(oid int64) (visible, found bool, err error) {
	c, err := f.s.vcatalog()
	if err != nil {
		return false, false, err
	}
	r, ok := c.RelByOid(oid)
	if !ok {
		return false, false, nil
	}
	// information_schema is not on the search path: its relations exist
	// but are not visible.
	return r.Namespace != vtable.OidInformationSchema, true, nil
}

// regLookup resolves a name given as reg* input ('t'::regclass,
// 'now'::regproc) from the catalog as the session reads it.
func (s *Session) regLookup(t *types.T, name string) (types.Oid, error) {
	switch t.Oid {
	case types.OidRegtype:
		if rt, ok := types.ByName(name); ok {
			return rt.Oid, nil
		}
		return 0, pgcode.Newf(pgcode.UndefinedObject, "type %q does not exist", name)
	case types.OidRegproc:
		oid, err := builtins.LookupRegproc(name)
		return types.Oid(oid), err
	case types.OidRegprocedure:
		oid, err := builtins.LookupRegprocedure(name)
		return types.Oid(oid), err
	case types.OidRegoper:
		oid, err := builtins.LookupRegoper(name)
		return types.Oid(oid), err
	case types.OidRegoperator:
		oid, err := builtins.LookupRegoperator(name)
		return types.Oid(oid), err
	case types.OidRegnamespace:
		return s.namespaceOid(name)
	case types.OidRegrole:
		return s.roleOid(name)
	case types.OidRegclass:
	default:
		return 0, pgcode.Newf(pgcode.FeatureNotSupported, "%s input by name is not supported", t.SQL)
	}
	schema, n, err := relationName(name)
	if err != nil {
		return 0, err
	}
	c, err := s.vcatalog()
	if err != nil {
		return 0, err
	}
	key := n
	if schema != "" {
		key = schema + "." + n
	}
	if r, ok := c.RelByName(key); ok {
		return types.Oid(r.Oid), nil
	}
	return 0, pgcode.Newf(pgcode.UndefinedTable, "relation %q does not exist", key)
}

// namespaceOid resolves regnamespace input: a schema's name.
func (s *Session) namespaceOid(name string) (types.Oid, error) {
	parts, err := builtins.SplitQualifiedName(name)
	if err != nil {
		return 0, err
	}
	if len(parts) != 1 {
		return 0, pgcode.New(pgcode.InvalidTextRepresentation, "invalid name syntax")
	}
	if oid, ok := vtable.NamespaceOid(parts[0]); ok {
		return types.Oid(oid), nil
	}
	return 0, pgcode.Newf(pgcode.InvalidSchemaName, "schema %q does not exist", parts[0])
}

// roleOid resolves regrole input: the session's role or
// pg_database_owner.
func (s *Session) roleOid(name string) (types.Oid, error) {
	parts, err := builtins.SplitQualifiedName(name)
	if err != nil {
		return 0, err
	}
	if len(parts) != 1 {
		return 0, pgcode.New(pgcode.InvalidTextRepresentation, "invalid name syntax")
	}
	switch parts[0] {
	case s.opts.User:
		return vtable.OidSuperuser, nil
	case "pg_database_owner":
		return vtable.OidDatabaseOwner, nil
	}
	return 0, pgcode.Newf(pgcode.UndefinedObject, "role %q does not exist", parts[0])
}

// regName names an OID for reg* output.
func (s *Session) regName(t *types.T, oid types.Oid) (string, bool) {
	switch t.Oid {
	case types.OidRegproc:
		return builtins.RegprocName(uint32(oid))
	case types.OidRegprocedure:
		return builtins.RegprocedureName(uint32(oid))
	case types.OidRegoper:
		return builtins.RegoperName(uint32(oid))
	case types.OidRegoperator:
		return builtins.RegoperatorName(uint32(oid))
	case types.OidRegnamespace:
		name, ok := vtable.NamespaceName(int64(oid))
		return builtins.QuoteIdent(name), ok
	case types.OidRegrole:
		switch oid {
		case vtable.OidSuperuser:
			return builtins.QuoteIdent(s.opts.User), true
		case vtable.OidDatabaseOwner:
			return "pg_database_owner", true
		}
		return "", false
	case types.OidRegclass:
	default:
		return "", false
	}
	c, err := s.vcatalog()
	if err != nil {
		return "", false
	}
	r, ok := c.RelByOid(int64(oid))
	if !ok {
		return "", false
	}
	switch r.Namespace {
	case vtable.OidPgCatalog:
		return r.Name, true // on the search path
	case vtable.OidInformationSchema:
		return vtable.InformationSchema + "." + r.Name, true
	}
	if r.Namespace == vtable.OidDriftDB {
		return vtable.DriftDB + "." + builtins.QuoteIdent(r.Name), true // not on the search path
	}
	return builtins.QuoteIdent(r.Name), true
}

// SerialSequence answers pg_get_serial_sequence: the sequence a column
// owns, schema-qualified.
func (f fnSession) SerialSequence(table, column string) (string, bool, error) {
	t, err := sequenceName(table)
	if err != nil {
		return "", false, err
	}
	for _, sq := range f.s.db.Sequences() {
		if sq.OwnedBy.Table == t && sq.OwnedBy.Column == column {
			return "public." + builtins.QuoteIdent(sq.Name), true, nil
		}
	}
	return "", false, nil
}

// tableOids gives the result columns that show a table's column their
// table's OID, as the catalog numbers it (RowDescription carries it, and
// drivers look the table up by it). A user table's OID is in its spec;
// the whole catalog is loaded only for a column of a virtual table.
func (s *Session) tableOids(cols []Column) {
	var v *engine.View
	var c *vtable.Catalog
	for i := range cols {
		if cols[i].Table == "" {
			continue
		}
		if v == nil {
			var err error
			if v, err = s.readView(); err != nil {
				return
			}
		}
		if spec, err := v.Spec(cols[i].Table); err == nil && spec.OID != 0 {
			cols[i].TableOid = spec.OID
			continue
		}
		if c == nil {
			var err error
			if c, err = s.vcatalog(); err != nil {
				return
			}
		}
		if r, ok := c.RelByName(cols[i].Table); ok {
			cols[i].TableOid = uint32(r.Oid)
		}
	}
}
