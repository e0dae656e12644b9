package vtable

import (
	"strconv"

	"github.com/driftdb/driftdb/sql/types"
)

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

func isColumns(c *Catalog, emit func(row)) error {
	for _, r := range c.rels {
		switch {
		case r.Table != nil && r.Kind == 'r':
			for i, col := range r.Table.Cols {
				rw := columnRow(c, r, i+1, col.Name, col.Type, !col.NotNull)
				if col.Default != "" && col.Identity == "" {
					rw["column_default"] = col.Default
				}
				if col.Identity != "" {
					rw["is_identity"] = "YES"
					rw["identity_generation"] = map[string]string{"always": "ALWAYS", "by default": "BY DEFAULT"}[col.Identity]
				}
				emit(rw)
			}
		case r.View != nil:
			ts := c.ViewColumnTypes(r.View)
			for i, name := range r.View.Columns {
				rw := columnRow(c, r, i+1, name, ts[i], true)
				rw["is_updatable"] = "NO"
				emit(rw)
			}
		case r.Virtual != nil && r.Virtual.Schema != DriftDB:
			// The catalog's own tables and views, as PostgreSQL lists
			// them. (The driftdb schema's are isColumnsWithDriftDB's.)
			for i, col := range r.Virtual.Cols {
				rw := columnRow(c, r, i+1, col.Name, col.Type, true)
				if r.Kind != 'r' {
					rw["is_updatable"] = "NO"
				}
				emit(rw)
			}
		}
	}
	return nil
}

// columnRow is a column's row of information_schema.columns.
func columnRow(c *Catalog, r *Rel, num int, name string, t *types.T, nullable bool) row {
	udt := t
	dataType := t.SQL
	if t.IsArray() {
		dataType = "ARRAY"
	}
	rw := row{"table_catalog": c.src.Database, "table_schema": nspName(r.Namespace), "table_name": r.Name,
		"column_name": name, "ordinal_position": int64(num), "is_nullable": yesNo(nullable),
		"data_type": dataType, "udt_catalog": c.src.Database, "udt_schema": PgCatalog, "udt_name": udt.Name,
		"dtd_identifier": strconv.Itoa(num), "is_self_referencing": "NO", "is_identity": "NO",
		"identity_cycle": "NO", "is_generated": "NEVER", "is_updatable": "YES"}
	switch t.Oid {
	case types.OidInt2:
		rw["numeric_precision"], rw["numeric_precision_radix"], rw["numeric_scale"] = int64(16), int64(2), int64(0)
	case types.OidInt4:
		rw["numeric_precision"], rw["numeric_precision_radix"], rw["numeric_scale"] = int64(32), int64(2), int64(0)
	case types.OidInt8:
		rw["numeric_precision"], rw["numeric_precision_radix"], rw["numeric_scale"] = int64(64), int64(2), int64(0)
	case types.OidFloat4:
		rw["numeric_precision"], rw["numeric_precision_radix"] = int64(24), int64(2)
	case types.OidFloat8:
		rw["numeric_precision"], rw["numeric_precision_radix"] = int64(53), int64(2)
	case types.OidNumeric:
		rw["numeric_precision_radix"] = int64(10)
		if t.Mod >= 0 {
			p, s := types.NumericTypmod(t.Mod)
			rw["numeric_precision"], rw["numeric_scale"] = int64(p), int64(s)
		}
	case types.OidVarchar, types.OidBpchar:
		if t.Mod >= 0 {
			rw["character_maximum_length"] = int64(t.Mod - 4)
			rw["character_octet_length"] = int64(t.Mod-4) * 4
		} else {
			rw["character_octet_length"] = int64(1073741824)
		}
	case types.OidText:
		rw["character_octet_length"] = int64(1073741824)
	case types.OidDate:
		rw["datetime_precision"] = int64(0)
	case types.OidTimestamp, types.OidTimestampTZ, types.OidTime:
		p := int64(6)
		if t.Mod >= 0 {
			p = int64(t.Mod)
		}
		rw["datetime_precision"] = p
	case types.OidInterval:
		rw["datetime_precision"] = int64(6)
	}
	if collation(t) == collDefault {
		rw["collation_catalog"], rw["collation_schema"], rw["collation_name"] = nil, nil, nil
	}
	return rw
}
