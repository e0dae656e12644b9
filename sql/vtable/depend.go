package vtable

// pg_depend: the dependencies PostgreSQL records that tools read. A
// sequence a column owns depends on the column: 'i' (internal) for an
// identity column's, 'a' (auto) for one OWNED BY (a serial column's).
// information_schema.columns reads the identity sequences through it.

func init() {
	builders["pg_catalog.pg_depend"] = pgDepend
}

func pgDepend(c *Catalog, emit func(row)) error {
	pgClass, ok := c.RelByName(PgCatalog + ".pg_class")
	if !ok {
		return nil
	}
	for _, s := range c.Seqs {
		if s.OwnedBy.Table == "" {
			continue
		}
		t, ok := c.RelByName(s.OwnedBy.Table)
		if !ok || t.Table == nil {
			continue
		}
		for i, col := range t.Table.Cols {
			if col.Name != s.OwnedBy.Column {
				continue
			}
			deptype := "a"
			if col.Identity != "" {
				deptype = "i"
			}
			emit(row{"classid": pgClass.Oid, "objid": int64(s.OID), "objsubid": int64(0), "refclassid": pgClass.Oid,
				"refobjid": t.Oid, "refobjsubid": int64(i + 1), "deptype": deptype})
		}
	}
	return nil
}
