package builtins

import (
	"strings"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The has_*_privilege functions. DriftDB has one role, a superuser, that
// holds every privilege on every object: the functions check that the
// role and the object exist and that the privileges are ones the object
// has, as PostgreSQL does, and answer true.

// oidDatabase is the database's OID (vtable's).
const oidDatabase = 5

// privKind is a kind of object the privilege functions take.
type privKind struct {
	name  string // has_<name>_privilege
	privs []string
	// byName resolves an object's name, or fails as PostgreSQL does for
	// one that does not exist.
	byName func(c *Context, name string) (int64, error)
	// exists reports whether an object of the kind has an OID; a
	// relation of another kind is an error.
	exists func(c *Context, oid int64) (bool, error)
}

// privilegeFuncs declares has_table_privilege and its kin, each with its
// six forms: (user name | user oid | none) x (object name | object oid),
// and has_column_privilege's twelve.
func privilegeFuncs() []*Overload {
	var out []*Overload
	for _, k := range privKinds() {
		out = append(out, privOverloads(k)...)
	}
	return append(out, columnPrivOverloads()...)
}

func privKinds() []*privKind {
	tablePrivs := []string{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "RULE"}
	return []*privKind{
		{name: "table", privs: tablePrivs, byName: relationByName, exists: relationExists(0)},
		{name: "sequence", privs: []string{"USAGE", "SELECT", "UPDATE"},
			byName: func(c *Context, name string) (int64, error) {
				oid, err := relationByName(c, name)
				if err != nil {
					return 0, err
				}
				_, err = relationExists('S')(c, oid)
				return oid, err
			}, exists: relationExists('S')},
		{name: "any_column", privs: []string{"SELECT", "INSERT", "UPDATE", "REFERENCES"},
			byName: relationByName, exists: relationExists(0)},
		{name: "database", privs: []string{"CREATE", "CONNECT", "TEMPORARY", "TEMP"},
			byName: func(c *Context, name string) (int64, error) {
				if name != c.Session.Database() {
					return 0, pgcode.Newf(pgcode.InvalidCatalogName, "database %q does not exist", name)
				}
				return oidDatabase, nil
			},
			exists: func(_ *Context, oid int64) (bool, error) { return oid == oidDatabase, nil }},
		{name: "schema", privs: []string{"CREATE", "USAGE"},
			byName: func(c *Context, name string) (int64, error) { return regLookup(c, types.Regnamespace, name) },
			exists: func(c *Context, oid int64) (bool, error) {
				switch oid {
				case 11, 2200, 13207:
					return true, nil
				}
				return false, nil
			}},
		{name: "function", privs: []string{"EXECUTE"},
			byName: func(c *Context, name string) (int64, error) {
				oid, err := LookupRegprocedure(name)
				return int64(oid), err
			},
			exists: func(_ *Context, oid int64) (bool, error) {
				_, ok := ProcByOid(uint32(oid))
				return ok, nil
			}},
	}
}

// regLookup resolves a name as reg* input does.
func regLookup(c *Context, t *types.T, name string) (int64, error) {
	d, err := types.ParseText(name, t, c.Types)
	if err != nil {
		return 0, err
	}
	return d.(int64), nil
}

func relationByName(c *Context, name string) (int64, error) {
	return regLookup(c, types.Regclass, name)
}

// relationExists reports whether a relation has an OID; kind, when not
// 0, is the kind it must be.
func relationExists(kind byte) func(c *Context, oid int64) (bool, error) {
	return func(c *Context, oid int64) (bool, error) {
		r, ok := c.Session.(RelationReader)
		if !ok {
			return false, nil
		}
		rel, found, err := r.Relation(oid)
		if err != nil || !found {
			return false, err
		}
		if kind == 'S' && rel.Kind != 'S' {
			return false, pgcode.Newf(pgcode.WrongObjectType, "%q is not a sequence", rel.Name)
		}
		return true, nil
	}
}

// roleByName checks that a role exists: the session's, pg_database_owner
// or PUBLIC, which the functions take for every role.
func roleByName(c *Context, name string) error {
	if name == c.Session.User() || name == "pg_database_owner" || name == "public" {
		return nil
	}
	return pgcode.Newf(pgcode.UndefinedObject, "role %q does not exist", name)
}

// roleExists reports whether a role OID names a role.
func roleExists(oid int64) bool { return oid == oidSuperuser || oid == oidDatabaseOwner }

// privileges reads a privilege list, "SELECT, UPDATE WITH GRANT OPTION",
// and reports whether it asks for any privilege a role can hold (RULE is
// a privilege no one holds any more).
func privileges(s string, allowed []string) (bool, error) {
	any := false
	for _, part := range strings.Split(s, ",") {
		p := strings.TrimFunc(part, func(r rune) bool { return r < 0x80 && isSpaceByte(byte(r)) })
		name := p
		if len(name) > len(" WITH GRANT OPTION") && strings.EqualFold(name[len(name)-len(" WITH GRANT OPTION"):], " WITH GRANT OPTION") {
			name = name[:len(name)-len(" WITH GRANT OPTION")]
		}
		ok := false
		for _, a := range allowed {
			if strings.EqualFold(name, a) {
				ok = true
				any = any || a != "RULE"
			}
		}
		if !ok {
			return false, pgcode.Newf(pgcode.InvalidParameterValue, "unrecognized privilege type: %q", p)
		}
	}
	return any, nil
}

func privOverloads(k *privKind) []*Overload {
	fname := "has_" + k.name + "_privilege"
	// check answers for a role known to exist (or not) and an object
	// given by OID (nil: not found, NULL) or by name.
	byOid := func(c *Context, roleOK bool, oid int64, priv string) (types.Datum, error) {
		want, err := privileges(priv, k.privs)
		if err != nil {
			return nil, err
		}
		found, err := k.exists(c, oid)
		if err != nil || !found {
			return nil, err
		}
		return roleOK && want, nil
	}
	byName := func(c *Context, roleOK bool, name, priv string) (types.Datum, error) {
		if _, err := k.byName(c, name); err != nil {
			return nil, err
		}
		want, err := privileges(priv, k.privs)
		if err != nil {
			return nil, err
		}
		return roleOK && want, nil
	}
	N, O, T := types.Name, types.OidT, types.Text
	overload := func(args []*types.T, fn fnBody) *Overload {
		o := &Overload{Name: fname, Args: args, Ret: types.Bool, Strict: true, Volatility: Stable, Fn: fn}
		return o
	}
	return []*Overload{
		overload(ts(N, T, T), func(c *Context, a []types.Datum) (types.Datum, error) {
			if err := roleByName(c, a[0].(string)); err != nil {
				return nil, err
			}
			return byName(c, true, a[1].(string), a[2].(string))
		}),
		overload(ts(N, O, T), func(c *Context, a []types.Datum) (types.Datum, error) {
			if err := roleByName(c, a[0].(string)); err != nil {
				return nil, err
			}
			return byOid(c, true, a[1].(int64), a[2].(string))
		}),
		overload(ts(O, T, T), func(c *Context, a []types.Datum) (types.Datum, error) {
			return byName(c, roleExists(a[0].(int64)), a[1].(string), a[2].(string))
		}),
		overload(ts(O, O, T), func(c *Context, a []types.Datum) (types.Datum, error) {
			return byOid(c, roleExists(a[0].(int64)), a[1].(int64), a[2].(string))
		}),
		overload(ts(T, T), func(c *Context, a []types.Datum) (types.Datum, error) {
			return byName(c, true, a[0].(string), a[1].(string))
		}),
		overload(ts(O, T), func(c *Context, a []types.Datum) (types.Datum, error) {
			return byOid(c, true, a[0].(int64), a[1].(string))
		}),
	}
}

// columnPrivOverloads declares has_column_privilege: a table by name or
// OID, a column by name or number, with or without a role.
func columnPrivOverloads() []*Overload {
	privs := []string{"SELECT", "INSERT", "UPDATE", "REFERENCES"}
	N, O, T, I2 := types.Name, types.OidT, types.Text, types.Int2
	// check answers for a table and a column; a table or column given
	// by name that does not exist is an error, by OID or number NULL.
	check := func(c *Context, roleOK bool, table types.Datum, tableByName bool, col types.Datum, priv string) (types.Datum, error) {
		var oid int64
		if tableByName {
			var err error
			if oid, err = relationByName(c, table.(string)); err != nil {
				return nil, err
			}
		} else {
			oid = table.(int64)
		}
		name, byName := col.(string)
		var attnum int64
		if !byName {
			attnum = col.(int64)
		}
		want, err := privileges(priv, privs)
		if err != nil {
			return nil, err
		}
		r, ok := c.Session.(RelationReader)
		if !ok {
			return nil, nil
		}
		rel, found, err := r.Relation(oid)
		if err != nil || !found {
			return nil, err
		}
		if byName {
			n := 0
			for i, cn := range rel.Columns {
				if cn == name {
					n = i + 1
				}
			}
			if n == 0 {
				return nil, pgcode.Newf(pgcode.UndefinedColumn, "column %q of relation %q does not exist", name, rel.Name)
			}
		} else if attnum < 1 || attnum > int64(len(rel.Columns)) {
			return nil, nil
		}
		return roleOK && want, nil
	}
	var out []*Overload
	for _, tableT := range []*types.T{T, O} {
		for _, colT := range []*types.T{T, I2} {
			tableT, colT := tableT, colT
			byName := tableT == T
			add := func(args []*types.T, fn fnBody) {
				out = append(out, &Overload{Name: "has_column_privilege", Args: args, Ret: types.Bool, Strict: true,
					Volatility: Stable, Fn: fn})
			}
			add(ts(N, tableT, colT, T), func(c *Context, a []types.Datum) (types.Datum, error) {
				if err := roleByName(c, a[0].(string)); err != nil {
					return nil, err
				}
				return check(c, true, a[1], byName, a[2], a[3].(string))
			})
			add(ts(O, tableT, colT, T), func(c *Context, a []types.Datum) (types.Datum, error) {
				return check(c, roleExists(a[0].(int64)), a[1], byName, a[2], a[3].(string))
			})
			add(ts(tableT, colT, T), func(c *Context, a []types.Datum) (types.Datum, error) {
				return check(c, true, a[0], byName, a[1], a[2].(string))
			})
		}
	}
	return out
}
