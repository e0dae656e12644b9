package sql

import (
	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/types"
)

// What the catalog answers that database tools read when they sync a
// schema: the types of a view's columns.

// viewColumnTypes binds a view's query at v and returns the types of its
// columns; nil when it no longer binds (a table it reads was altered).
func (s *Session) viewColumnTypes(v *engine.View, def engine.ViewDef) []*types.T {
	cols, err := s.viewColumns(&catalog{s: s, view: v}, def)
	if err != nil {
		return nil
	}
	var ts []*types.T
	for _, c := range cols {
		if !c.Hidden {
			ts = append(ts, c.Type)
		}
	}
	return ts
}

// ConstraintDefPretty answers pg_get_constraintdef(oid, true).
func (f fnSession) ConstraintDefPretty(oid int64) (string, bool, error) {
	c, err := f.s.vcatalog()
	if err != nil {
		return "", false, err
	}
	k, ok := c.ConstraintByOid(oid)
	if !ok {
		return "", false, nil
	}
	return c.ConstraintDefPretty(k), true, nil
}
