package builtins

import (
	"strings"

	"github.com/driftdb/driftdb/sql/types"
)

// Functions pg_dump and other catalog readers call that DriftDB answers
// for objects it does not have (privileges, triggers) or in catalog forms
// of its own (a name's bytes, a row's options).

// acldefault: DriftDB keeps no privileges (every *acl column of the
// catalog is NULL, the default), so an object's default ACL is NULL too:
// pg_dump then finds nothing to GRANT.
var _ = register(def(3943, "acldefault", ts(types.Char, types.OidT), types.ArrayOf(types.Text),
	func(*Context, []types.Datum) (types.Datum, error) { return nil, nil }))

// NameSubscript is name[i]: PostgreSQL's name is an array of 64 bytes, the
// unused ones zero, and a subscript reads one ("char"); pg_dump reads
// typname[0]. It is no function of pg_proc: the binder calls it for the
// subscript.
var NameSubscript = &Overload{Name: "name_subscript", Args: ts(types.Name, types.Int4), Ret: types.Char, Strict: true,
	Fn: func(_ *Context, a []types.Datum) (types.Datum, error) {
		s, i := str(a[0]), a[1].(int64)
		switch {
		case i < 0 || i >= 64:
			return nil, nil
		case i >= int64(len(s)):
			return "", nil
		}
		return s[i : i+1], nil
	}}

// pg_options_to_table splits the options of a catalog row (reloptions,
// fdwoptions: "name=value") into rows of name and value.
var _ = register(&Overload{Name: "pg_options_to_table", Oid: 2289, Kind: SetReturning, Args: ts(types.ArrayOf(types.Text)),
	Ret: types.Record, SRFCols: []SRFCol{{Name: "option_name", T: types.Text}, {Name: "option_value", T: types.Text}}, Strict: true,
	SRF: func(_ *Context, a []types.Datum) (Rows, error) {
		arr, _ := a[0].(*types.DArray)
		var rows [][]types.Datum
		if arr != nil {
			for _, v := range arr.Vals {
				s, ok := v.(string)
				if !ok {
					continue
				}
				name, value, found := strings.Cut(s, "=")
				if !found {
					rows = append(rows, []types.Datum{name, nil})
					continue
				}
				rows = append(rows, []types.Datum{name, value})
			}
		}
		return &sliceRows{rows: rows}, nil
	}})

// pg_get_triggerdef: DriftDB has no triggers, so no OID is a trigger's;
// PostgreSQL answers NULL for such an OID.
var _ = register(
	def(1662, "pg_get_triggerdef", ts(types.OidT), types.Text, func(*Context, []types.Datum) (types.Datum, error) { return nil, nil }).stable(),
	def(2730, "pg_get_triggerdef", ts(types.OidT, types.Bool), types.Text, func(*Context, []types.Datum) (types.Datum, error) { return nil, nil }).stable(),
)
