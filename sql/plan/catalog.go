package plan

import (
	"slices"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// Catalog is what the binder needs to know of the database: its tables
// as the statement sees them (the session supplies it from its view of the
// engine).
type Catalog interface {
	// Table returns a table, or an error with 42P01.
	Table(name string) (*Table, error)
	// View returns a view's query as SQL text and its columns' names.
	View(name string) (sql string, cols []string, ok bool)
}

// SequenceCatalog is a Catalog that knows the sequences, which a query
// may read as a relation of one row (last_value, log_cnt, is_called).
type SequenceCatalog interface {
	IsSequence(name string) bool
}

// Table is a table as the binder sees it.
type Table struct {
	Name string
	// Cols are the table's columns: the primary key first, then every
	// field ever written, in first-seen order. Pos is the order the
	// table shows them in (Shown).
	Cols    []TableCol
	Indexes []string // the fields an index answers
	Spec    *engine.TableSpec
	// Rows is about how many rows the table has (engine.View.ApproxRows).
	Rows int64
}

// TableCol is a column of a table.
type TableCol struct {
	Name string
	// Field is the document field that holds the column's values: its
	// name, unless the column was renamed (documents keep their fields).
	Field    string
	Type     *types.T
	Declared bool // declared in CREATE TABLE: writes are checked
	NotNull  bool
	// Hidden marks the hidden key of a table without a primary key
	// (engine.RowIDField) or with one of several columns
	// (engine.KeyField): a system column, outside * and the default
	// column lists of INSERT and COPY, readable by name, never written.
	Hidden bool
	// Pos is the column's place among the visible ones, from 1, as
	// SELECT * shows them and pg_attribute numbers them: the declared
	// order, which need not have the key first (engine.TableSpec.ShownOrder).
	// 0 for a hidden column.
	Pos int16
}

// AttRowID is the attribute number of the hidden key _rowid of a table
// without a primary key: a system column's, after DriftDB's others.
const AttRowID = -5

// Attnum returns the attribute number of the table's column i, as
// pg_attribute numbers it: the visible columns from 1, a hidden _rowid
// AttRowID (the hidden key of a primary key of several columns is not in
// pg_attribute: 0).
func (t *Table) Attnum(i int) int16 {
	if t.Cols[i].Hidden {
		if t.Spec != nil && t.Spec.RowID {
			return AttRowID
		}
		return 0
	}
	return t.Cols[i].Pos
}

// Shown returns the indexes of the table's visible columns in the order
// it shows them (Pos): the column list of SELECT *, and of INSERT and COPY
// without one.
func (t *Table) Shown() []int {
	out := make([]int, 0, len(t.Cols))
	for i, c := range t.Cols {
		if !c.Hidden {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(a, b int) int { return int(t.Cols[a].Pos) - int(t.Cols[b].Pos) })
	return out
}

// FieldOf returns the document field of a column by name: a column that
// is no column of the table (yet) is a field of its name.
func (t *Table) FieldOf(name string) string {
	if i := t.Col(name); i >= 0 && t.Cols[i].Field != "" {
		return t.Cols[i].Field
	}
	return name
}

// Col returns the index of a column by name, or -1.
func (t *Table) Col(name string) int {
	for i, c := range t.Cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Indexed reports whether a field has an index.
func (t *Table) Indexed(field string) bool {
	for _, f := range t.Indexes {
		if f == field {
			return true
		}
	}
	return false
}

// TypeOfEngine is the SQL type of an engine column type.
func TypeOfEngine(t engine.Type, mod engine.Typmod) *types.T { return vtable.EngineType(t, mod) }
