// Package vtable holds the virtual tables of pg_catalog and
// information_schema: their columns, as PostgreSQL 15 has them, and their
// rows, made at scan time from the statement's view of the engine (so that
// they agree with AS OF and the transaction).
//
// The OIDs of user tables, indexes, sequences, views and constraints are
// the engine's: given when the object is made and stored with it, so
// they are the same in every connection, after a restart and after a
// rename. The virtual tables' OIDs are derived from their names (see
// catalog.go).
package vtable

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/types"
)

// Schemas of the virtual tables, and their OIDs.
const (
	PgCatalog         = "pg_catalog"
	InformationSchema = "information_schema"
	Public            = "public"

	OidPgCatalog         = 11
	OidPublic            = 2200
	OidInformationSchema = 13207
	// OidSuperuser is the role that owns everything.
	OidSuperuser = 10
	// OidDatabase is the database's OID.
	OidDatabase = 5
)

// Column is a column of a virtual table.
type Column struct {
	Name string
	Type *types.T
}

// Table is a virtual table.
type Table struct {
	Schema string
	Name   string
	Cols   []Column
	// view is set for the tables that are views in PostgreSQL (relkind
	// 'v'): pg_tables, information_schema.columns ...
	view bool
	// Query, when set, defines the table as a view: a SELECT over other
	// virtual tables that the binder binds where the table is named
	// (see queries.go). Such a table has no rows of its own.
	Query string
	rows  func(c *Catalog, emit func(row)) error
}

// row is a row by column name; a column it leaves out is NULL, or in
// pg_catalog its type's zero (false, 0) where it has one.
type row map[string]types.Datum

// Source is what the rows of a virtual table are made from.
type Source struct {
	// View is the statement's view of the engine: its tables.
	View *engine.View
	// DB holds what the view does not: sequences and views.
	DB *engine.DB
	// User and Database name the session's role and database.
	User, Database string
	// Settings lists the session's settings by name (pg_settings); nil
	// leaves pg_settings empty.
	Settings func() [][2]string
	// Cursors lists the session's open cursors (pg_cursors); nil leaves
	// pg_cursors empty.
	Cursors func() []Cursor
	// Prepared lists the session's prepared statements
	// (pg_prepared_statements); nil leaves it empty.
	Prepared func() []PreparedStatement
	// DefaultText is the catalog's text of a column's default kept as
	// text, for a column of type t; nil shows it as kept.
	DefaultText func(text string, t *types.T) string
	// ViewTypes are the types of a view's columns, as its query binds;
	// nil (or a nil answer) makes them text.
	ViewTypes func(v engine.ViewDef) []*types.T
	// CheckText writes a CHECK constraint's expression kept as text, on a
	// table whose columns have the types cols; nil shows it as kept.
	CheckText func(text string, cols map[string]*types.T) CheckDef
	// TypeOf is the SQL type of a table's column (its declared type when
	// it has one); nil maps the engine's type.
	TypeOf func(c engine.Column) *types.T
	// Activity lists the server's sessions (pg_stat_activity); nil
	// leaves it empty.
	Activity func() []Activity

	// mu guards loaded, the catalog Load made from the source: the
	// scans that share a source share it.
	mu     sync.Mutex
	loaded *Catalog
}

// Activity is a session as pg_stat_activity shows it.
type Activity struct {
	PID         int
	User        string
	Application string
	// ClientAddr and ClientPort are the client's address ("" and 0: a
	// session of the server's own process).
	ClientAddr string
	ClientPort int
	// BackendStart is when the session began, XactStart its
	// transaction's start, QueryStart its last statement's and
	// StateChange when State last changed (zero: none).
	BackendStart, XactStart, QueryStart, StateChange time.Time
	// State is "active", "idle", "idle in transaction" or "idle in
	// transaction (aborted)"; "" is "active" when Active, else "idle".
	State string
	// Query is the statement it runs, or ran last.
	Query string
	// Active: it runs a statement now.
	Active bool
}

var (
	registry     map[string]*Table
	registryOnce sync.Once
)

func key(schema, name string) string { return schema + "." + name }

func load() {
	registry = map[string]*Table{}
	for k, def := range columnDefs {
		schema, name, _ := strings.Cut(k, ".")
		t := &Table{Schema: schema, Name: name, Cols: parseColumns(def)}
		t.view = schema == InformationSchema || views[name]
		t.rows = builders[k]
		t.Query = queries[k]
		registry[k] = t
	}
	for k, def := range driftdbColumns {
		_, name, _ := strings.Cut(k, ".")
		registry[k] = &Table{Schema: DriftDB, Name: name, Cols: parseColumns(def), view: driftdbViews[name]}
	}
	for k, b := range driftdbBuilders {
		if t, ok := registry[k]; ok {
			t.rows = b
		}
	}
}

// views are the pg_catalog tables that are views in PostgreSQL.
var views = map[string]bool{"pg_roles": true, "pg_user": true, "pg_settings": true, "pg_tables": true,
	"pg_views": true, "pg_indexes": true, "pg_sequences": true, "pg_stat_activity": true, "pg_matviews": true}

func parseColumns(def string) []Column {
	var cols []Column
	for _, line := range strings.Split(strings.TrimSpace(def), "\n") {
		name, typ, _ := strings.Cut(line, " ")
		cols = append(cols, Column{Name: name, Type: typeOf(typ)})
	}
	return cols
}

// typeOf maps a column type as format_type writes it to the type DriftDB
// gives the column. Types DriftDB does not have are text (aclitem, inet,
// anyarray) or oid (xid).
func typeOf(s string) *types.T {
	switch s {
	case "character varying(3)":
		return types.Varchar.WithMod(3 + 4)
	case "timestamp(2) with time zone":
		return types.TimestampTZ.WithMod(2)
	case "xid":
		return types.OidT
	case "aclitem[]":
		return types.ArrayOf(types.Text)
	case "aclitem", "inet", "anyarray", "pg_lsn":
		return types.Text
	}
	if elem, ok := strings.CutSuffix(s, "[]"); ok {
		return types.ArrayOf(typeOf(elem))
	}
	t, ok := types.ByName(s)
	if !ok {
		panic(fmt.Sprintf("vtable: no type %q", s))
	}
	return t
}

// Lookup finds a virtual table by schema and name.
func Lookup(schema, name string) (*Table, bool) {
	registryOnce.Do(load)
	t, ok := registry[key(schema, name)]
	return t, ok
}

// All returns every virtual table, sorted by schema and name.
func All() []*Table {
	registryOnce.Do(load)
	out := make([]*Table, 0, len(registry))
	for _, t := range registry {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Schema != out[j].Schema {
			return out[i].Schema < out[j].Schema
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Rows returns the table's rows as src sees the database.
func (t *Table) Rows(src *Source) ([][]types.Datum, error) {
	c, err := Load(src)
	if err != nil {
		return nil, err
	}
	return t.RowsOf(c)
}

// RowsOf returns the table's rows from a loaded catalog.
func (t *Table) RowsOf(c *Catalog) ([][]types.Datum, error) {
	if t.rows == nil {
		return nil, nil
	}
	var out [][]types.Datum
	err := t.rows(c, func(r row) {
		vals := make([]types.Datum, len(t.Cols))
		for i, col := range t.Cols {
			v, ok := r[col.Name]
			if !ok && t.Schema == PgCatalog {
				v = zero(col.Type)
			}
			vals[i] = v
		}
		out = append(out, vals)
	})
	return out, err
}

// zero is the value of a column a row leaves out.
func zero(t *types.T) types.Datum {
	switch t.Family {
	case types.BoolFamily:
		return false
	case types.IntFamily, types.OidFamily:
		return int64(0)
	case types.FloatFamily:
		return float64(0)
	}
	return nil
}
