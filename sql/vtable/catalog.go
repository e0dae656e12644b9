package vtable

import (
	"hash/fnv"
	"sort"
	"strings"
	"sync"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/types"
)

// Catalog is the database's relations as one view sees them, with their
// OIDs.
type Catalog struct {
	src    *Source
	Tables []*TableInfo
	Seqs   []engine.SequenceInfo
	Views  []engine.ViewDef
	rels   []*Rel
	byName map[string]*Rel
	byOid  map[int64]*Rel
	cons   []*Constraint
	conOid map[int64]*Constraint
	// viewTypes caches the types of views' columns by view name.
	viewTypes map[string][]*types.T
}

// ViewColumnTypes returns the types of a view's columns: those of its
// query's columns, text where they cannot be known.
func (c *Catalog) ViewColumnTypes(v *engine.ViewDef) []*types.T {
	if ts, ok := c.viewTypes[v.Name]; ok {
		return ts
	}
	var ts []*types.T
	if c.src.ViewTypes != nil {
		ts = c.src.ViewTypes(*v)
	}
	if len(ts) != len(v.Columns) {
		ts = make([]*types.T, len(v.Columns))
		for i := range ts {
			ts[i] = types.Text
		}
	}
	if c.viewTypes == nil {
		c.viewTypes = map[string][]*types.T{}
	}
	c.viewTypes[v.Name] = ts
	return ts
}

// Rel is a relation: a table, index, sequence or view, of the user's
// (public) or a virtual table (pg_catalog, information_schema).
type Rel struct {
	Oid       int64
	Name      string
	Namespace int64
	Kind      byte       // 'r', 'i', 'S', 'v'
	Table     *TableInfo // a table, or an index's table
	Index     *IndexInfo // an index
	Virtual   *Table     // a virtual table
	View      *engine.ViewDef
	// Comment is the relation's comment (COMMENT ON), "" for none.
	Comment string
}

// TableInfo is a user table.
type TableInfo struct {
	Rel     *Rel
	Spec    *engine.TableSpec
	Cols    []ColInfo
	Indexes []*IndexInfo
}

// ColInfo is a column of a table.
type ColInfo struct {
	Name     string
	Type     *types.T
	NotNull  bool
	Default  string
	Identity string
	// DefaultOid is the OID of the default (pg_attrdef's).
	DefaultOid int64
	// Comment is the column's comment (COMMENT ON COLUMN).
	Comment string
}

// IndexInfo is an index of a table: the primary key's, a unique
// constraint's or one made by CREATE INDEX.
type IndexInfo struct {
	Rel     *Rel
	Fields  []string // document fields or paths
	Attnums []int    // the columns' numbers; 0 for a path into one
	Unique  bool
	Primary bool
	// Constraint is set when a constraint (PRIMARY KEY, UNIQUE) made the
	// index.
	Constraint bool
	conOid     int64 // the constraint's OID
}

// Constraint is a table constraint: 'p' primary key, 'u' unique, 'c'
// check.
type Constraint struct {
	Oid   int64
	Name  string
	Type  byte
	Table *TableInfo
	Index *IndexInfo // 'p' and 'u'
	Expr  string     // 'c'
	// Pretty is a CHECK's expression in pg_get_constraintdef's pretty
	// form, where it is written as PostgreSQL writes it; Cols are the
	// numbers of the columns it reads.
	Pretty string
	Cols   []int
}

// User relations' OIDs are those the engine gave them (engine.FirstOID
// and up, as PostgreSQL's FirstNormalObjectId); the virtual tables' are
// below: PostgreSQL's for the tables and views it has (pg_class is 1259),
// derived from their names for the others.
const (
	firstUserOid   = engine.FirstOID
	firstSystemOid = 12000
)

// hashOid derives an OID in [lo, hi) from a name.
func hashOid(name string, lo, hi int64) int64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return lo + int64(h.Sum32())%(hi-lo)
}

// assignOids gives each name an OID in [lo, hi): its hash, or on a
// collision the next free one, the names taken in sorted order.
func assignOids(names []string, lo, hi int64, used map[int64]bool) map[string]int64 {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	out := make(map[string]int64, len(names))
	for _, n := range sorted {
		o := hashOid(n, lo, hi)
		for used[o] {
			o++
			if o >= hi {
				o = lo
			}
		}
		used[o] = true
		out[n] = o
	}
	return out
}

// Load reads the relations src's view sees, once per source: the scans
// that share a source share the catalog.
func Load(src *Source) (*Catalog, error) {
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.loaded != nil {
		return src.loaded, nil
	}
	c, err := loadCatalog(src)
	if err == nil {
		src.loaded = c
	}
	return c, err
}

func loadCatalog(src *Source) (*Catalog, error) {
	c := &Catalog{src: src, byName: map[string]*Rel{}, byOid: map[int64]*Rel{}, conOid: map[int64]*Constraint{}}
	if err := c.loadTables(); err != nil {
		return nil, err
	}
	if src.DB != nil {
		c.Seqs = src.DB.Sequences()
		c.Views = src.DB.Views()
	}
	for _, s := range c.Seqs {
		c.rels = append(c.rels, &Rel{Oid: int64(s.OID), Name: s.Name, Kind: 'S', Namespace: OidPublic, Comment: s.Comment})
	}
	for i := range c.Views {
		v := &c.Views[i]
		c.rels = append(c.rels, &Rel{Oid: int64(v.OID), Name: v.Name, Kind: 'v', Namespace: OidPublic, View: v, Comment: v.Comment})
	}
	c.addVirtual()
	for _, r := range c.rels {
		c.byOid[r.Oid] = r
		if r.Namespace == OidPublic {
			c.byName[r.Name] = r
		} else if _, ok := c.byName[r.Name]; !ok && r.Namespace == OidPgCatalog {
			c.byName[r.Name] = r
		}
		c.byName[nspName(r.Namespace)+"."+r.Name] = r
	}
	c.loadConstraints()
	c.writeChecks()
	return c, nil
}

func (c *Catalog) loadTables() error {
	v := c.src.View
	if v == nil {
		return nil
	}
	var now *engine.View
	if c.src.DB != nil {
		now = c.src.DB.View()
	}
	for _, name := range v.Tables() {
		spec, err := v.Spec(name)
		if err != nil {
			return err
		}
		notes := commentsOf(now, name, spec)
		cols, err := v.Columns(name)
		if err != nil {
			return err
		}
		t := &TableInfo{Spec: spec}
		t.Rel = &Rel{Oid: int64(spec.OID), Name: name, Kind: 'r', Namespace: OidPublic, Table: t, Comment: notes.Comment}
		c.rels = append(c.rels, t.Rel)
		c.Tables = append(c.Tables, t)
		attnum := map[string]int{}
		if (spec.RowID || len(spec.PKColumns) > 0) && len(cols) > 0 && cols[0].Field == spec.PK {
			cols = cols[1:] // the hidden key: a system column (driftdb.go) or none
		}
		shown := make([]engine.Column, 0, len(cols))
		for _, i := range spec.ShownOrder(cols) {
			shown = append(shown, cols[i])
		}
		for i, col := range shown {
			ci := ColInfo{Name: col.Name, Type: c.typeOf(col), NotNull: col.NotNull || col.Field == spec.PK,
				Default: col.Default, Identity: col.Identity, Comment: notes.ColumnComments[col.Field]}
			for _, d := range spec.Columns {
				if d.Name == col.Name {
					ci.NotNull = ci.NotNull || d.NotNull
					if ci.Default == "" {
						ci.Default = d.Default
					}
					if ci.Default == d.Default {
						ci.DefaultOid = int64(d.DefaultOID)
					}
					if ci.Identity == "" {
						ci.Identity = d.Identity
					}
				}
			}
			if ci.Default != "" && c.src.DefaultText != nil {
				ci.Default = c.src.DefaultText(ci.Default, ci.Type)
			}
			t.Cols = append(t.Cols, ci)
			attnum[col.Field] = i + 1
			if col.Field == "" {
				attnum[col.Name] = i + 1
			}
		}
		if !spec.RowID {
			pk := &IndexInfo{Fields: []string{spec.PK}, Unique: true, Primary: true, Constraint: true, conOid: int64(spec.PKConstraintOID)}
			if len(spec.PKColumns) > 0 {
				pk.Fields = spec.PKColumns
			}
			pk.Rel = &Rel{Oid: int64(spec.PKIndexOID), Name: name + "_pkey", Kind: 'i', Namespace: OidPublic, Table: t, Index: pk}
			t.Indexes = append(t.Indexes, pk)
		}
		ixs, err := v.Indexes(name)
		if err != nil {
			return err
		}
		for _, ix := range ixs {
			ii := &IndexInfo{Fields: ix.Fields, Unique: ix.Unique, Constraint: ix.Unique && strings.HasSuffix(ix.Name, "_key"),
				conOid: int64(ix.ConstraintOID)}
			ii.Rel = &Rel{Oid: int64(ix.OID), Name: ix.Name, Kind: 'i', Namespace: OidPublic, Table: t, Index: ii}
			t.Indexes = append(t.Indexes, ii)
		}
		for _, ix := range t.Indexes {
			ix.Rel.Comment = notes.IndexComments[uint32(ix.Rel.Oid)]
			for _, f := range ix.Fields {
				ix.Attnums = append(ix.Attnums, attnum[f])
			}
			c.rels = append(c.rels, ix.Rel)
		}
	}
	return nil
}

// commentsOf returns the definition that holds the current comments of
// a table: comments are not versioned, so a transaction's view or a view
// of the past shows them as they are now (a transaction sees its own
// COMMENT, which takes effect when it runs). It is spec when the table is
// gone or there is no current view.
func commentsOf(now *engine.View, name string, spec *engine.TableSpec) *engine.TableSpec {
	if now == nil {
		return spec
	}
	if cur, err := now.Spec(name); err == nil && cur.OID == spec.OID {
		return cur
	}
	return spec
}

func (c *Catalog) typeOf(col engine.Column) *types.T {
	if c.src.TypeOf != nil {
		if t := c.src.TypeOf(col); t != nil {
			return t
		}
	}
	return EngineType(col.Type, col.Typmod)
}

// EngineType is the SQL type of an engine column type (plan.TypeOfEngine
// for the binder).
func EngineType(t engine.Type, mod engine.Typmod) *types.T {
	switch t {
	case engine.TypeInt8:
		return types.Int8
	case engine.TypeFloat8:
		return types.Float8
	case engine.TypeNumeric:
		if mod.Precision > 0 {
			return types.Numeric.WithMod(mod.Mod())
		}
		return types.Numeric
	case engine.TypeBool:
		return types.Bool
	case engine.TypeJSONB:
		return types.JSONB
	case engine.TypeTimestamptz:
		return types.TimestampTZ
	}
	return types.Text
}

// virtualOids are the virtual tables' OIDs by qualified name:
// PostgreSQL's where it has the table, else one derived from the name in
// [firstSystemOid, firstUserOid) that none of PostgreSQL's takes.
var virtualOids = sync.OnceValue(func() map[string]int64 {
	out := map[string]int64{}
	used := map[int64]bool{}
	var derived []string
	for _, t := range All() {
		k := key(t.Schema, t.Name)
		if oid, ok := builtins.CatalogRelationOid(k); ok {
			out[k] = int64(oid)
			used[int64(oid)] = true
		} else {
			derived = append(derived, k)
		}
	}
	for k, oid := range assignOids(derived, firstSystemOid, firstUserOid, used) {
		out[k] = oid
	}
	return out
})

// addVirtual adds the virtual tables as relations of their schemas.
func (c *Catalog) addVirtual() {
	oids := virtualOids()
	for _, t := range All() {
		kind := byte('r')
		if t.view {
			kind = 'v'
		}
		ns := int64(OidPgCatalog)
		switch t.Schema {
		case InformationSchema:
			ns = OidInformationSchema
		case DriftDB:
			ns = OidDriftDB
		}
		c.rels = append(c.rels, &Rel{Oid: oids[key(t.Schema, t.Name)], Name: t.Name, Namespace: ns, Kind: kind, Virtual: t})
	}
}

func (c *Catalog) loadConstraints() {
	for _, t := range c.Tables {
		for _, ix := range t.Indexes {
			if ix.Constraint {
				typ := byte('u')
				if ix.Primary {
					typ = 'p'
				}
				c.cons = append(c.cons, &Constraint{Oid: ix.conOid, Name: ix.Rel.Name, Type: typ, Table: t, Index: ix})
			}
		}
		for _, ck := range t.Spec.Checks {
			c.cons = append(c.cons, &Constraint{Oid: int64(ck.OID), Name: ck.Name, Type: 'c', Table: t, Expr: ck.Expr})
		}
	}
	for _, k := range c.cons {
		c.conOid[k.Oid] = k
	}
}

func nspName(oid int64) string {
	switch oid {
	case OidPgCatalog:
		return PgCatalog
	case OidInformationSchema:
		return InformationSchema
	case OidDriftDB:
		return DriftDB
	}
	return Public
}

// Rels returns every relation.
func (c *Catalog) Rels() []*Rel { return c.rels }

// RelByName finds a relation by name, qualified by its schema or not
// (then a user relation, else a pg_catalog one).
func (c *Catalog) RelByName(name string) (*Rel, bool) {
	r, ok := c.byName[name]
	return r, ok
}

// RelByOid finds a relation by OID.
func (c *Catalog) RelByOid(oid int64) (*Rel, bool) {
	r, ok := c.byOid[oid]
	return r, ok
}

// ConstraintByOid finds a constraint by OID.
func (c *Catalog) ConstraintByOid(oid int64) (*Constraint, bool) {
	k, ok := c.conOid[oid]
	return k, ok
}
