package sql

import (
	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// vtableSource is what the session's virtual tables (pg_catalog,
// information_schema) are made from at a view.
func (s *Session) vtableSource(v *engine.View) *vtable.Source {
	return &vtable.Source{
		View:     v,
		DB:       s.db,
		User:     s.opts.User,
		Database: s.opts.Database,
		Settings: func() [][2]string {
			var out [][2]string
			for _, name := range s.settingNames() {
				val, _ := s.Setting(name)
				out = append(out, [2]string{name, val})
			}
			return out
		},
		TypeOf: columnType,
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
func (s *Session) vcatalog() (*vtable.Catalog, error) {
	v, err := s.readView()
	if err != nil {
		return nil, err
	}
	return vtable.Load(s.vtableSource(v))
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
func (f fnSession) RelationVisible(oid int64) (bool, error) {
	c, err := f.s.vcatalog()
	if err != nil {
		return false, err
	}
	_, ok := c.RelByOid(oid)
	return ok, nil
}
