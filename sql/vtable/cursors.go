package vtable

import (
	"time"

	"github.com/driftdb/driftdb/sql/types"
)

// Cursor is an open cursor of the session, as pg_cursors shows it.
type Cursor struct {
	Name       string
	Statement  string // the DECLARE statement's text
	Holdable   bool
	Binary     bool
	Scrollable bool
	Created    time.Time
}

func init() {
	columnDefs["pg_catalog.pg_cursors"] = `
name text
statement text
is_holdable boolean
is_binary boolean
is_scrollable boolean
creation_time timestamp with time zone`
	builders["pg_catalog.pg_cursors"] = pgCursors
	views["pg_cursors"] = true
}

func pgCursors(c *Catalog, emit func(row)) error {
	if c.src.Cursors == nil {
		return nil
	}
	for _, k := range c.src.Cursors() {
		emit(row{"name": k.Name, "statement": k.Statement, "is_holdable": k.Holdable, "is_binary": k.Binary,
			"is_scrollable": k.Scrollable, "creation_time": types.TimestampTZFromTime(k.Created)})
	}
	return nil
}
