package vtable

import (
	"strings"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/types"
)

// builders make the rows of the tables that have any; the others are
// empty.
var builders = map[string]func(c *Catalog, emit func(row)) error{
	"pg_catalog.pg_namespace":  pgNamespace,
	"pg_catalog.pg_class":      pgClass,
	"pg_catalog.pg_attribute":  pgAttribute,
	"pg_catalog.pg_type":       pgType,
	"pg_catalog.pg_index":      pgIndex,
	"pg_catalog.pg_database":   pgDatabase,
	"pg_catalog.pg_roles":      pgRoles,
	"pg_catalog.pg_user":       pgUser,
	"pg_catalog.pg_authid":     pgAuthid,
	"pg_catalog.pg_settings":   pgSettings,
	"pg_catalog.pg_am":         pgAm,
	"pg_catalog.pg_constraint": pgConstraint,
	"pg_catalog.pg_attrdef":    pgAttrdef,
	"pg_catalog.pg_tables":     pgTables,
	"pg_catalog.pg_views":      pgViews,
	"pg_catalog.pg_indexes":    pgIndexes,
	"pg_catalog.pg_sequences":  pgSequences,
	"pg_catalog.pg_sequence":   pgSequence,
}

const (
	collDefault = 100 // the database's default collation
	collC       = 950 // "C", name's
)

var namespaces = []struct {
	oid   int64
	name  string
	owner int64
}{{OidPgCatalog, PgCatalog, OidSuperuser}, {OidPublic, Public, OidDatabaseOwner}, {OidInformationSchema, InformationSchema, OidSuperuser},
	{OidDriftDB, DriftDB, OidSuperuser}}

func pgNamespace(c *Catalog, emit func(row)) error {
	for _, n := range namespaces {
		emit(row{"oid": n.oid, "nspname": n.name, "nspowner": n.owner})
	}
	return nil
}

func pgClass(c *Catalog, emit func(row)) error {
	for _, r := range c.rels {
		am, replident := int64(0), "n"
		var natts, checks int64
		hasIndex := false
		switch r.Kind {
		case 'r':
			am, replident = 2, "d"
			if r.Table != nil {
				natts, checks = int64(len(r.Table.Cols)), int64(len(r.Table.Spec.Checks))
				hasIndex = true
			} else {
				natts = int64(len(r.Virtual.Cols))
			}
		case 'i':
			am, natts = 403, int64(len(r.Index.Fields))
		case 'v':
			if r.View != nil {
				natts = int64(len(r.View.Columns))
			} else {
				natts = int64(len(r.Virtual.Cols))
			}
		case 'S':
			natts = 3
		}
		emit(row{"oid": r.Oid, "relname": r.Name, "relnamespace": r.Namespace, "relowner": int64(OidSuperuser),
			"relam": am, "relfilenode": r.Oid, "reltuples": float64(-1), "relhasindex": hasIndex,
			"relpersistence": "p", "relkind": string(r.Kind), "relnatts": natts, "relchecks": checks,
			"relhasrules": r.Kind == 'v', "relispopulated": true, "relreplident": replident})
	}
	return nil
}

// storage is what pg_attribute and pg_type say of a type's storage.
func storage(t *types.T) (length int64, byval bool, align, store string) {
	length = int64(t.Len)
	switch t.Len {
	case 1:
		return length, true, "c", "p"
	case 2:
		return length, true, "s", "p"
	case 4:
		return length, true, "i", "p"
	case 8:
		return length, true, "d", "p"
	case -1:
		if t.Family == types.DecimalFamily {
			return length, false, "i", "m"
		}
		return length, false, "i", "x"
	case -2:
		return length, false, "c", "p"
	}
	return length, false, "c", "p"
}

// collation is a type's collation: 0 for a type that has none.
func collation(t *types.T) int64 {
	switch t.Oid {
	case types.OidName:
		return collC
	case types.OidText, types.OidVarchar, types.OidBpchar:
		return collDefault
	}
	return 0
}

func attribute(relid int64, num int, name string, t *types.T, notNull, hasDef bool, identity string) row {
	length, byval, align, store := storage(t)
	ndims := int64(0)
	if t.IsArray() {
		ndims = 1
	}
	mod := int64(t.Mod)
	return row{"attrelid": relid, "attname": name, "atttypid": int64(t.Oid), "attstattarget": int64(-1),
		"attlen": length, "attnum": int64(num), "attndims": ndims, "attcacheoff": int64(-1),
		"atttypmod": mod, "attbyval": byval, "attalign": align, "attstorage": store, "attcompression": "",
		"attnotnull": notNull, "atthasdef": hasDef, "attidentity": identityCode(identity), "attgenerated": "",
		"attislocal": true, "attcollation": collation(t)}
}

func identityCode(kind string) string {
	switch kind {
	case "always":
		return "a"
	case "by default":
		return "d"
	}
	return ""
}

func pgAttribute(c *Catalog, emit func(row)) error {
	for _, r := range c.rels {
		switch {
		case r.Kind == 'r' && r.Table != nil:
			for i, col := range r.Table.Cols {
				// An identity column has no default of its own, as in
				// PostgreSQL: its sequence fills it.
				emit(attribute(r.Oid, i+1, col.Name, col.Type, col.NotNull, col.Default != "" && col.Identity == "", col.Identity))
			}
		case r.Kind == 'S':
			sequenceAttributes(r.Oid, emit)
		case r.Kind == 'i':
			for i, f := range r.Index.Fields {
				t := types.Text
				if n := r.Index.Attnums[i]; n > 0 {
					col := r.Table.Cols[n-1]
					t, f = col.Type, col.Name
				}
				emit(attribute(r.Oid, i+1, f, t, false, false, ""))
			}
		case r.View != nil:
			ts := c.ViewColumnTypes(r.View)
			for i, name := range r.View.Columns {
				emit(attribute(r.Oid, i+1, name, ts[i], false, false, ""))
			}
		case r.Virtual != nil:
			for i, col := range r.Virtual.Cols {
				emit(attribute(r.Oid, i+1, col.Name, col.Type, false, false, ""))
			}
		}
	}
	return nil
}

func pgType(c *Catalog, emit func(row)) error {
	for _, t := range types.All() {
		length, byval, align, store := storage(t)
		typtype := "b"
		if t.Category == types.CatPseudo {
			typtype = "p"
		}
		var elem int64
		if t.Elem != nil {
			elem = int64(t.Elem.Oid)
		}
		io := builtins.TypeIO(t.Oid)
		emit(row{"oid": int64(t.Oid), "typname": t.Name, "typnamespace": int64(OidPgCatalog),
			"typowner": int64(OidSuperuser), "typlen": length, "typbyval": byval, "typtype": typtype,
			"typcategory": string(t.Category), "typispreferred": t.Preferred, "typisdefined": true,
			"typdelim": ",", "typelem": elem, "typarray": int64(t.Array), "typinput": int64(io[0]),
			"typoutput": int64(io[1]), "typreceive": int64(io[2]), "typsend": int64(io[3]),
			"typmodin": int64(io[4]), "typmodout": int64(io[5]), "typalign": align,
			"typstorage": store, "typtypmod": int64(-1), "typcollation": collation(t)})
	}
	return nil
}

func int2vector(ns []int) *types.DArray {
	a := &types.DArray{Elem: types.Int2}
	for _, n := range ns {
		a.Vals = append(a.Vals, int64(n))
	}
	return a
}

func oidvector(n int, oid int64) *types.DArray {
	a := &types.DArray{Elem: types.OidT}
	for i := 0; i < n; i++ {
		a.Vals = append(a.Vals, oid)
	}
	return a
}

func pgIndex(c *Catalog, emit func(row)) error {
	for _, t := range c.Tables {
		for _, ix := range t.Indexes {
			n := int64(len(ix.Fields))
			emit(row{"indexrelid": ix.Rel.Oid, "indrelid": t.Rel.Oid, "indnatts": n, "indnkeyatts": n,
				"indisunique": ix.Unique, "indisprimary": ix.Primary, "indimmediate": true, "indisvalid": true,
				"indisready": true, "indislive": true, "indkey": int2vector(ix.Attnums),
				"indcollation": oidvector(len(ix.Fields), 0), "indclass": oidvector(len(ix.Fields), 0),
				"indoption": int2vector(make([]int, len(ix.Fields)))})
		}
	}
	return nil
}

func pgDatabase(c *Catalog, emit func(row)) error {
	emit(row{"oid": int64(OidDatabase), "datname": c.src.Database, "datdba": int64(OidSuperuser),
		"encoding": int64(6), "datlocprovider": "c", "datallowconn": true, "datconnlimit": int64(-1),
		"datcollate": "C.UTF-8", "datctype": "C.UTF-8"})
	return nil
}

func pgRoles(c *Catalog, emit func(row)) error {
	emit(row{"rolname": c.src.User, "rolsuper": true, "rolinherit": true, "rolcreaterole": true,
		"rolcreatedb": true, "rolcanlogin": true, "rolreplication": true, "rolconnlimit": int64(-1),
		"rolpassword": "********", "rolbypassrls": true, "oid": int64(OidSuperuser)})
	emit(row{"rolname": "pg_database_owner", "rolinherit": true, "rolconnlimit": int64(-1), "rolpassword": "********",
		"oid": int64(OidDatabaseOwner)})
	return nil
}

func pgAuthid(c *Catalog, emit func(row)) error {
	emit(row{"oid": int64(OidSuperuser), "rolname": c.src.User, "rolsuper": true, "rolinherit": true,
		"rolcreaterole": true, "rolcreatedb": true, "rolcanlogin": true, "rolreplication": true,
		"rolbypassrls": true, "rolconnlimit": int64(-1)})
	// pg_database_owner, the role that owns the public schema: whoever
	// owns the database is a member.
	emit(row{"oid": int64(OidDatabaseOwner), "rolname": "pg_database_owner", "rolinherit": true, "rolconnlimit": int64(-1)})
	return nil
}

func pgUser(c *Catalog, emit func(row)) error {
	emit(row{"usename": c.src.User, "usesysid": int64(OidSuperuser), "usecreatedb": true, "usesuper": true,
		"userepl": true, "usebypassrls": true, "passwd": "********"})
	return nil
}

func pgSettings(c *Catalog, emit func(row)) error {
	if c.src.Settings == nil {
		return nil
	}
	for _, s := range c.src.Settings() {
		emit(row{"name": s[0], "setting": s[1], "category": "Ungrouped", "context": "user",
			"vartype": settingType(s[0]), "source": "session", "pending_restart": false})
	}
	return nil
}

func pgAm(c *Catalog, emit func(row)) error {
	emit(row{"oid": int64(2), "amname": "heap", "amhandler": int64(0), "amtype": "t"})
	emit(row{"oid": int64(403), "amname": "btree", "amhandler": int64(0), "amtype": "i"})
	return nil
}

func pgConstraint(c *Catalog, emit func(row)) error {
	for _, k := range c.cons {
		r := row{"oid": k.Oid, "conname": k.Name, "connamespace": int64(OidPublic), "contype": string(k.Type),
			"convalidated": true, "conrelid": k.Table.Rel.Oid, "confupdtype": " ", "confdeltype": " ",
			"confmatchtype": " ", "conislocal": true}
		if k.Index != nil {
			r["conindid"] = k.Index.Rel.Oid
			r["conkey"] = int2Array(k.Index.Attnums)
		}
		if k.Type == 'c' {
			r["conbin"] = k.Expr
			if len(k.Cols) > 0 {
				r["conkey"] = int2Array(k.Cols)
			}
		}
		emit(r)
	}
	return nil
}

func int2Array(ns []int) *types.DArray {
	a := int2vector(ns)
	return a
}

func pgAttrdef(c *Catalog, emit func(row)) error {
	for _, t := range c.Tables {
		for i, col := range t.Cols {
			if col.Default == "" || col.Identity != "" {
				continue
			}
			oid := col.DefaultOid
			if oid == 0 {
				oid = hashOid(t.Rel.Name+"."+col.Name, firstUserOid, 1<<31)
			}
			emit(row{"oid": oid, "adrelid": t.Rel.Oid,
				"adnum": int64(i + 1), "adbin": col.Default})
		}
	}
	return nil
}

func pgTables(c *Catalog, emit func(row)) error {
	for _, t := range c.Tables {
		emit(row{"schemaname": Public, "tablename": t.Rel.Name, "tableowner": c.src.User,
			"hasindexes": true, "hasrules": false, "hastriggers": false, "rowsecurity": false})
	}
	for _, r := range c.rels {
		if r.Virtual != nil && !r.Virtual.view {
			emit(row{"schemaname": r.Virtual.Schema, "tablename": r.Name, "tableowner": c.src.User})
		}
	}
	return nil
}

func pgViews(c *Catalog, emit func(row)) error {
	for _, v := range c.Views {
		emit(row{"schemaname": Public, "viewname": v.Name, "viewowner": c.src.User, "definition": v.SQL + ";"})
	}
	return nil
}

func pgIndexes(c *Catalog, emit func(row)) error {
	for _, t := range c.Tables {
		for _, ix := range t.Indexes {
			emit(row{"schemaname": Public, "tablename": t.Rel.Name, "indexname": ix.Rel.Name,
				"indexdef": c.IndexDef(ix)})
		}
	}
	return nil
}

// IndexDef is an index's definition as pg_get_indexdef writes it.
func (c *Catalog) IndexDef(ix *IndexInfo) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if ix.Unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX " + builtins.QuoteIdent(ix.Rel.Name) + " ON public." + builtins.QuoteIdent(ix.Rel.Table.Rel.Name) + " USING btree (")
	b.WriteString(c.indexCols(ix))
	b.WriteString(")")
	return b.String()
}

func (c *Catalog) indexCols(ix *IndexInfo) string {
	var cols []string
	for i, f := range ix.Fields {
		if n := ix.Attnums[i]; n > 0 {
			cols = append(cols, builtins.QuoteIdent(ix.Rel.Table.Cols[n-1].Name))
		} else {
			cols = append(cols, f)
		}
	}
	return strings.Join(cols, ", ")
}

// ConstraintDef is a constraint's definition as pg_get_constraintdef
// writes it.
func (c *Catalog) ConstraintDef(k *Constraint) string {
	switch k.Type {
	case 'p':
		return "PRIMARY KEY (" + c.indexCols(k.Index) + ")"
	case 'u':
		return "UNIQUE (" + c.indexCols(k.Index) + ")"
	}
	e := strings.TrimSpace(k.Expr)
	if k.Pretty == "" && (!strings.HasPrefix(e, "(") || !strings.HasSuffix(e, ")")) {
		e = "(" + e + ")" // kept as written: no parentheses of its own
	}
	return "CHECK (" + e + ")"
}

func pgSequences(c *Catalog, emit func(row)) error {
	for _, s := range c.Seqs {
		var last types.Datum
		if s.IsCalled {
			last = s.LastValue
		}
		emit(row{"schemaname": Public, "sequencename": s.Name, "sequenceowner": c.src.User,
			"data_type": int64(seqType(s.Type).Oid), "start_value": s.Start, "min_value": s.Min,
			"max_value": s.Max, "increment_by": s.Increment, "cycle": s.Cycle, "cache_size": s.Cache,
			"last_value": last})
	}
	return nil
}

func seqType(name string) *types.T {
	switch name {
	case "smallint":
		return types.Int2
	case "integer":
		return types.Int4
	}
	return types.Int8
}

func pgSequence(c *Catalog, emit func(row)) error {
	for _, s := range c.Seqs {
		r, ok := c.byName[s.Name]
		if !ok {
			continue
		}
		emit(row{"seqrelid": r.Oid, "seqtypid": int64(seqType(s.Type).Oid), "seqstart": s.Start,
			"seqincrement": s.Increment, "seqmax": s.Max, "seqmin": s.Min, "seqcache": s.Cache, "seqcycle": s.Cycle})
	}
	return nil
}

// IndexColumn is the text of an index's column col (1-based), as
// pg_get_indexdef(index, col, pretty) writes it.
func (c *Catalog) IndexColumn(ix *IndexInfo, col int) (string, bool, error) {
	if col < 1 || col > len(ix.Fields) {
		return "", false, nil
	}
	if n := ix.Attnums[col-1]; n > 0 {
		return builtins.QuoteIdent(ix.Rel.Table.Cols[n-1].Name), true, nil
	}
	return ix.Fields[col-1], true, nil
}
