package vtable

import (
	"regexp"
	"strings"
)

// pg_depend: the dependencies PostgreSQL records that tools read. A
// sequence a column owns depends on the column: 'i' (internal) for an
// identity column's, 'a' (auto) for one OWNED BY (a serial column's).
// information_schema.columns reads the identity sequences through it. A
// view depends on what it reads ('n'). The
// driftdb schema and its objects are members ('e') of the extension
// driftdb.

func init() {
	builders["pg_catalog.pg_depend"] = pgDepend
}

// nextvalOf finds the sequence a default's nextval('...') reads.
var nextvalOf = regexp.MustCompile(`nextval\('([^']+)'`)

func pgDepend(c *Catalog, emit func(row)) error {
	pgClass, ok := c.RelByName(PgCatalog + ".pg_class")
	if !ok {
		return nil
	}
	// The driftdb schema and its objects are the driftdb extension's.
	if ext, ok := c.RelByName(PgCatalog + ".pg_extension"); ok {
		member := func(classid, objid int64) {
			emit(row{"classid": classid, "objid": objid, "objsubid": int64(0), "refclassid": ext.Oid,
				"refobjid": int64(OidDriftDBExtension), "refobjsubid": int64(0), "deptype": "e"})
		}
		if ns, ok := c.RelByName(PgCatalog + ".pg_namespace"); ok {
			member(ns.Oid, OidDriftDB)
		}
		if proc, ok := c.RelByName(PgCatalog + ".pg_proc"); ok {
			member(proc.Oid, OidHistoryFunc)
			member(proc.Oid, OidHistorySpanFunc)
		}
		for _, r := range c.rels {
			if r.Virtual != nil && r.Virtual.Schema == DriftDB {
				member(pgClass.Oid, r.Oid)
			}
		}
	}
	// A view depends on the relations it reads ('n'), which pg_dump
	// orders its dump by. (PostgreSQL records it of the view's rewrite
	// rule; DriftDB has no rules, so of the view itself.)
	for _, r := range c.rels {
		if r.View == nil {
			continue
		}
		for _, name := range r.View.Tables {
			if dep, ok := c.RelByName(name); ok {
				emit(row{"classid": pgClass.Oid, "objid": r.Oid, "objsubid": int64(0), "refclassid": pgClass.Oid,
					"refobjid": dep.Oid, "refobjsubid": int64(0), "deptype": "n"})
			}
		}
	}
	// A column's default that calls nextval of a sequence depends on it
	// (pg_dump then writes the default after the sequence).
	if attrdef, ok := c.RelByName(PgCatalog + ".pg_attrdef"); ok {
		for _, t := range c.Tables {
			for _, col := range t.Cols {
				if col.DefaultOid == 0 {
					continue
				}
				m := nextvalOf.FindStringSubmatch(col.Default)
				if m == nil {
					continue
				}
				name := m[1]
				if i := strings.LastIndexByte(name, '.'); i >= 0 {
					name = name[i+1:]
				}
				if seq, ok := c.RelByName(name); ok && seq.Kind == 'S' {
					emit(row{"classid": attrdef.Oid, "objid": col.DefaultOid, "objsubid": int64(0), "refclassid": pgClass.Oid,
						"refobjid": seq.Oid, "refobjsubid": int64(0), "deptype": "n"})
				}
			}
		}
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
