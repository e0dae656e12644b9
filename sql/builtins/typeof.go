package builtins

import "github.com/driftdb/driftdb/sql/types"

// pg_typeof reports the type of its argument as the binder resolved it;
// the value itself, NULL included, does not matter.

var _ = register(
	def(1619, "pg_typeof", ts(types.AnyT), types.Regtype, nil).lenient().stable().
		forTypes(func(at []*types.T) fnBody {
			oid := int64(types.OidUnknown)
			if t := argType(at, 0); t != nil {
				oid = int64(t.Oid)
			}
			return func(*Context, []types.Datum) (types.Datum, error) { return oid, nil }
		}),
)
