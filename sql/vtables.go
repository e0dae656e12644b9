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
