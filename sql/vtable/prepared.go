package vtable

import (
	"time"

	"github.com/driftdb/driftdb/sql/types"
)

// PreparedStatement is a prepared statement of the session, as
// pg_prepared_statements shows it: one PREPARE made (FromSQL), or one
// the extended protocol's Parse named.
type PreparedStatement struct {
	Name      string
	Statement string // the text that prepared it
	Prepared  time.Time
	Params    []*types.T
	FromSQL   bool
}

func init() {
	columnDefs["pg_catalog.pg_prepared_statements"] = `
name text
statement text
prepare_time timestamp with time zone
parameter_types regtype[]
from_sql boolean
generic_plans bigint
custom_plans bigint`
	builders["pg_catalog.pg_prepared_statements"] = pgPreparedStatements
	views["pg_prepared_statements"] = true
}

func pgPreparedStatements(c *Catalog, emit func(row)) error {
	if c.src.Prepared == nil {
		return nil
	}
	for _, p := range c.src.Prepared() {
		params := &types.DArray{Elem: types.Regtype, Vals: []types.Datum{}}
		for _, t := range p.Params {
			params.Vals = append(params.Vals, int64(t.Oid))
		}
		emit(row{"name": p.Name, "statement": p.Statement, "prepare_time": types.TimestampTZFromTime(p.Prepared),
			"parameter_types": params, "from_sql": p.FromSQL, "generic_plans": int64(0), "custom_plans": int64(0)})
	}
	return nil
}
