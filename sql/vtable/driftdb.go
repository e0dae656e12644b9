package vtable

import (
	"slices"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/types"
)

// The driftdb schema: DriftDB's history, where a tool that browses the
// catalog finds it. It holds the view driftdb.tables (a row per table:
// rows, versions, the span of its history) and the function
// driftdb.history(regclass) (package builtins), and pg_description
// documents them, the schema and the system columns every table has.

// DriftDB is the schema of DriftDB's own views and functions.
const (
	DriftDB    = "driftdb"
	OidDriftDB = 11900
	// OidHistoryFunc and OidHistorySpanFunc are the pg_proc OIDs of
	// driftdb.history(regclass) and driftdb.history(regclass, bigint,
	// bigint).
	OidHistoryFunc     = 11901
	OidHistorySpanFunc = 11902
	// OidDriftDBExtension is the pg_extension row that holds the driftdb
	// schema and its objects, as an extension's members (pg_depend 'e'):
	// pg_dump leaves them out of a dump, writing CREATE EXTENSION
	// driftdb instead.
	OidDriftDBExtension = 11903
)

// System columns of every table (package plan binds them), as
// pg_attribute shows them: outside *, with negative attnums as
// PostgreSQL's system columns have.
var systemColumns = []systemColumn{
	{-1, "_seq", types.Int8, true, "DriftDB system column: the seq of the event that made the row's version"},
	{-2, "_ts", types.TimestampTZ, true, "DriftDB system column: the time of the event that made the row's version"},
	{-3, "_doc", types.JSONB, false, "DriftDB system column: the whole row as a jsonb document"},
	{-4, "_event", types.Text, false, "DriftDB system column, in FOR SYSTEM_TIME ALL, BETWEEN and FROM ... TO scans: " +
		"the event that made the version (INSERT, PATCH, SOFT_DELETE or TRUNCATE)"},
}

// systemColumn is a system column as pg_attribute and pg_description
// show it.
type systemColumn struct {
	num     int
	name    string
	t       *types.T
	notNull bool
	doc     string
}

// rowidColumn is the system column of a table without a primary key:
// the hidden key its rows are kept by (plan.AttRowID).
var rowidColumn = systemColumn{-5, engine.RowIDField, types.Int8, true,
	"DriftDB system column of a table without a primary key: the key DriftDB gave the row when it was inserted"}

// rowidSystemColumns are the system columns of a table without a
// primary key.
var rowidSystemColumns = append(slices.Clip(systemColumns), rowidColumn)

// systemColumns returns the system columns of the table.
func (t *TableInfo) systemColumns() []systemColumn {
	if t.Spec.RowID {
		return rowidSystemColumns
	}
	return systemColumns
}

// driftdbColumns are the columns of the driftdb schema's views.
var driftdbColumns = map[string]string{
	"driftdb.tables": `
table_name name
relid oid
created_at timestamp with time zone
live_rows bigint
versions bigint
first_seq bigint
last_seq bigint
first_event_at timestamp with time zone
last_event_at timestamp with time zone
horizon_seq bigint`,
}

// driftdbViews are the driftdb schema's tables that are views.
var driftdbViews = map[string]bool{"tables": true}

// driftdbBuilders make the rows of the driftdb schema's views, and of the
// pg_catalog tables that show them (they take the place of builders'
// entries of the same name).
var driftdbBuilders = map[string]func(c *Catalog, emit func(row)) error{
	"driftdb.tables":            driftdbTables,
	"pg_catalog.pg_description": descriptionRows,
	"pg_catalog.pg_attribute":   pgAttributeWithSystem,
}

// descriptions document the driftdb schema and its objects.
var (
	schemaDoc = "DriftDB's history: driftdb.tables sums up each table's rows and history, " +
		"driftdb.history(regclass [, from_seq, to_seq]) lists the versions of a table's rows. Any table's past reads with " +
		"AS OF and FOR SYSTEM_TIME, and every table has the system columns _seq, _ts and _doc."
	historyDoc = "every version of the table's rows the history keeps, oldest first within a row: " +
		"key, seq, ts, event (INSERT, PATCH, SOFT_DELETE, TRUNCATE), doc (the row after the event) and change " +
		"(what the event wrote)"
	tableDocs = map[string][]string{
		"tables": {"one row per table: its rows and its history at the statement's point in time",
			"the table's name",
			"the table's OID (pg_class.oid)",
			"when the table was made (NULL for a table made before DriftDB kept it)",
			"rows live at the statement's point in time",
			"versions the history keeps, one per event (INSERT, PATCH, SOFT_DELETE, TRUNCATE), since the compaction horizon",
			"seq of the oldest version kept",
			"seq of the newest version",
			"time of the oldest version kept",
			"time of the newest version",
			"compaction horizon: history before this seq is folded away (NULL: none)"},
	}
)

func driftdbTables(c *Catalog, emit func(row)) error {
	v := c.src.View
	if v == nil {
		return nil
	}
	for _, t := range c.Tables {
		st, err := v.Stats(t.Rel.Name)
		if err != nil {
			return err
		}
		r := row{"table_name": t.Rel.Name, "relid": t.Rel.Oid, "live_rows": st.LiveRows, "versions": st.Versions}
		if ms := t.Spec.CreatedUnixMs; ms != 0 {
			r["created_at"] = types.TimestampTZFromUnixMs(ms)
		}
		if st.Versions > 0 {
			r["first_seq"], r["last_seq"] = int64(st.FirstSeq), int64(st.LastSeq)
			r["first_event_at"], r["last_event_at"] = types.TimestampTZFromUnixMs(st.FirstUnixMs), types.TimestampTZFromUnixMs(st.LastUnixMs)
		}
		if st.Horizon != 0 {
			r["horizon_seq"] = int64(st.Horizon)
		}
		emit(r)
	}
	return nil
}

// pgAttributeWithSystem is pg_attribute with the system columns of every
// table.
func pgAttributeWithSystem(c *Catalog, emit func(row)) error {
	if err := pgAttribute(c, emit); err != nil {
		return err
	}
	for _, t := range c.Tables {
		for _, sc := range t.systemColumns() {
			emit(attribute(t.Rel.Oid, sc.num, sc.name, sc.t, sc.notNull, false, ""))
		}
	}
	return nil
}

// Description is one row of pg_description.
type Description struct {
	ObjOid, ClassOid int64
	SubID            int
	Text             string
}

// Descriptions returns the comments of the catalog's objects: the public
// schema's (PostgreSQL's), the driftdb schema, its views and their
// columns, driftdb.history, and the system columns of every table.
func (c *Catalog) Descriptions() []Description {
	classOid := func(name string) int64 {
		if r, ok := c.RelByName(PgCatalog + "." + name); ok {
			return r.Oid
		}
		return 0
	}
	pgClass, pgNamespace, pgProc := classOid("pg_class"), classOid("pg_namespace"), classOid("pg_proc")
	out := []Description{
		{OidPublic, pgNamespace, 0, "standard public schema"}, // PostgreSQL 15's, which pg_dump expects
		{OidDriftDB, pgNamespace, 0, schemaDoc},
		{OidHistoryFunc, pgProc, 0, historyDoc},
		{OidHistorySpanFunc, pgProc, 0, historyDoc + "; those the events from from_seq to to_seq made"},
	}
	for _, r := range c.rels {
		if r.Virtual == nil || r.Virtual.Schema != DriftDB {
			continue
		}
		for i, d := range tableDocs[r.Name] {
			out = append(out, Description{r.Oid, pgClass, i, d})
		}
	}
	for _, t := range c.Tables {
		for _, sc := range t.systemColumns() {
			out = append(out, Description{t.Rel.Oid, pgClass, sc.num, sc.doc})
		}
	}
	return append(out, c.userComments(pgClass)...)
}

// userComments are the comments COMMENT ON gave the user's relations and
// their columns.
func (c *Catalog) userComments(pgClass int64) []Description {
	var out []Description
	for _, r := range c.rels {
		if r.Namespace != OidPublic {
			continue
		}
		if r.Comment != "" {
			out = append(out, Description{r.Oid, pgClass, 0, r.Comment})
		}
		switch {
		case r.Kind == 'r' && r.Table != nil:
			for i, col := range r.Table.Cols {
				if col.Comment != "" {
					out = append(out, Description{r.Oid, pgClass, i + 1, col.Comment})
				}
			}
		case r.View != nil:
			for i, col := range r.View.Columns {
				if s := r.View.ColumnComments[col]; s != "" {
					out = append(out, Description{r.Oid, pgClass, i + 1, s})
				}
			}
		}
	}
	return out
}

// Description finds the comment of an object: by its OID, the OID of its
// catalog (0: any) and a column number (0: the object itself).
func (c *Catalog) Description(objOid, classOid int64, subID int) (string, bool) {
	for _, d := range c.Descriptions() {
		if d.ObjOid == objOid && (classOid == 0 || d.ClassOid == classOid) && d.SubID == subID {
			return d.Text, true
		}
	}
	return "", false
}

func descriptionRows(c *Catalog, emit func(row)) error {
	for _, d := range c.Descriptions() {
		emit(row{"objoid": d.ObjOid, "classoid": d.ClassOid, "objsubid": int64(d.SubID), "description": d.Text})
	}
	return nil
}
