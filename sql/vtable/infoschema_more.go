package vtable

import (
	"strconv"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/types"
)

// More of information_schema: routines and their parameters, and the
// roles. (The views of constraints are queries: see queries.go.)

func init() {
	for name, b := range map[string]func(*Catalog, func(row)) error{
		"information_schema.routines":      isRoutines,
		"information_schema.parameters":    isParameters,
		"information_schema.enabled_roles": isEnabledRoles,
	} {
		builders[name] = b
	}
}

// dataType is information_schema's data_type of a type: ARRAY for an
// array, else format_type's name.
func dataType(t *types.T) string {
	if t.IsArray() {
		return "ARRAY"
	}
	return t.SQL
}

func specificName(p *builtins.Proc) string {
	return p.Name + "_" + strconv.FormatUint(uint64(p.Oid), 10)
}

func isRoutines(c *Catalog, emit func(row)) error {
	db := c.src.Database
	for _, p := range builtins.Procs() {
		var routineType types.Datum
		if p.Kind == 'f' {
			routineType = "FUNCTION"
		}
		emit(row{"specific_catalog": db, "specific_schema": PgCatalog, "specific_name": specificName(p),
			"routine_catalog": db, "routine_schema": PgCatalog, "routine_name": p.Name,
			"routine_type": routineType, "data_type": dataType(p.Ret), "type_udt_catalog": db,
			"type_udt_schema": PgCatalog, "type_udt_name": p.Ret.Name, "dtd_identifier": "0",
			"routine_body": "EXTERNAL", "routine_definition": p.Name, "external_language": "INTERNAL",
			"parameter_style": "GENERAL", "is_deterministic": yesNo(p.Volatility == 'i'),
			"sql_data_access": "MODIFIES", "is_null_call": yesNo(p.Strict), "schema_level_routine": "YES",
			"max_dynamic_result_sets": int64(0), "security_type": "INVOKER", "as_locator": "NO",
			"is_udt_dependent": "NO"})
	}
	return nil
}

func isParameters(c *Catalog, emit func(row)) error {
	db := c.src.Database
	for _, p := range builtins.Procs() {
		param := func(n int, mode, name string, t *types.T) {
			var pname types.Datum
			if name != "" {
				pname = name
			}
			emit(row{"specific_catalog": db, "specific_schema": PgCatalog, "specific_name": specificName(p),
				"ordinal_position": int64(n), "parameter_mode": mode, "is_result": "NO", "as_locator": "NO",
				"parameter_name": pname, "data_type": dataType(t), "udt_catalog": db, "udt_schema": PgCatalog,
				"udt_name": t.Name, "dtd_identifier": strconv.Itoa(n)})
		}
		for i, t := range p.Args {
			name := ""
			if i < len(p.Overload.ArgNames) {
				name = p.Overload.ArgNames[i]
			}
			param(i+1, "IN", name, t)
		}
		for i, col := range p.OutCols {
			t := col.T
			if t == nil {
				t = p.Overload.Ret
			}
			param(len(p.Args)+i+1, "OUT", col.Name, t)
		}
	}
	return nil
}

func isEnabledRoles(c *Catalog, emit func(row)) error {
	emit(row{"role_name": c.src.User})
	emit(row{"role_name": "pg_database_owner"})
	return nil
}
