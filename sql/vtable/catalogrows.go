package vtable

import (
	"sort"

	"github.com/driftdb/driftdb/sql/types"
)

// What the catalog tables that tools read hold beyond their first forms:
// the types of pg_settings' values, a sequence's columns.

// settingTypes are the types of the settings' values that are not
// strings, as pg_settings.vartype names them.
var settingTypes = map[string]string{
	"bytea_output":                        "enum",
	"client_min_messages":                 "enum",
	"default_transaction_isolation":       "enum",
	"default_transaction_read_only":       "bool",
	"extra_float_digits":                  "integer",
	"idle_in_transaction_session_timeout": "integer",
	"idle_session_timeout":                "integer",
	"integer_datetimes":                   "bool",
	"intervalstyle":                       "enum",
	"lock_timeout":                        "integer",
	"max_identifier_length":               "integer",
	"max_index_keys":                      "integer",
	"row_security":                        "bool",
	"server_version_num":                  "integer",
	"standard_conforming_strings":         "bool",
	"statement_timeout":                   "integer",
	"transaction_isolation":               "enum",
	"transaction_read_only":               "bool",
	"xmloption":                           "enum",
}

// settingType is the type pg_settings.vartype gives a setting's value.
func settingType(name string) string {
	if t, ok := settingTypes[name]; ok {
		return t
	}
	return "string"
}

// sequenceAttributes emits the columns a sequence has when it is read as
// a relation (SELECT * FROM seq): last_value, log_cnt and is_called.
func sequenceAttributes(relid int64, emit func(row)) {
	emit(attribute(relid, 1, "last_value", types.Int8, true, false, ""))
	emit(attribute(relid, 2, "log_cnt", types.Int8, true, false, ""))
	emit(attribute(relid, 3, "is_called", types.Bool, true, false, ""))
}

// CheckDef is a CHECK constraint's expression as PostgreSQL writes it:
// Text as pg_get_constraintdef writes it within CHECK (...), Pretty as its
// pretty form does ("" for both where it cannot be written so), and the
// names of the columns it reads.
type CheckDef struct {
	Text, Pretty string
	Cols         []string
}

// writeChecks writes the CHECK constraints' expressions as PostgreSQL
// writes them, where the session can (Source.CheckText).
func (c *Catalog) writeChecks() {
	if c.src.CheckText == nil {
		return
	}
	for _, k := range c.cons {
		if k.Type != 'c' {
			continue
		}
		t := k.Table
		colTypes := make(map[string]*types.T, len(t.Cols))
		attnum := map[string]int{}
		for i, col := range t.Cols {
			colTypes[col.Name] = col.Type
			attnum[col.Name] = i + 1
		}
		def := c.src.CheckText(k.Expr, colTypes)
		if def.Text != "" {
			k.Expr, k.Pretty = def.Text, def.Pretty
		}
		for _, n := range def.Cols {
			if a, ok := attnum[n]; ok {
				k.Cols = append(k.Cols, a)
			}
		}
		sort.Ints(k.Cols)
	}
}

// ConstraintDefPretty is a constraint's definition as
// pg_get_constraintdef(oid, true) writes it.
func (c *Catalog) ConstraintDefPretty(k *Constraint) string {
	if k.Type == 'c' && k.Pretty != "" {
		return "CHECK (" + k.Pretty + ")"
	}
	return c.ConstraintDef(k)
}
