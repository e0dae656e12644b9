package sql

import (
	"fmt"
	"slices"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/exec"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// TableHistory answers driftdb.history: the versions of the table's rows
// the events from seq from to seq to made, up to the view the session
// reads, as FOR SYSTEM_TIME FROM ... TO reads them (from 0: since the
// compaction horizon; a span that starts before it fails with 22023).
func (f fnSession) TableHistory(c *builtins.Context, oid, from, to int64) (builtins.Rows, error) {
	cat, err := f.s.vcatalog()
	if err != nil {
		return nil, err
	}
	r, ok := cat.RelByOid(oid)
	if !ok {
		return nil, pgcode.Newf(pgcode.UndefinedTable, "relation with OID %d does not exist", oid)
	}
	if r.Table == nil || r.Kind != 'r' {
		return nil, pgcode.Newf(pgcode.WrongObjectType, "%q is not a table", r.Name)
	}
	if from < 0 || to < 0 {
		return nil, pgcode.Newf(pgcode.InvalidParameterValue, "seq %d is out of range: seqs are not negative", min(from, to))
	}
	v, err := f.s.readView()
	if err != nil {
		return nil, err
	}
	lo, hi := uint64(from), uint64(to)
	if from == 0 {
		lo = v.Horizon(r.Name)
	} else {
		lo-- // the cursor starts after lo
	}
	hc, err := v.HistoryCursor(r.Name, lo, min(hi, v.Seq()))
	if err != nil {
		return nil, err
	}
	return &historyRows{c: c, hc: hc}, nil
}

// historyRows are driftdb.history's rows (builtins.HistoryCols).
type historyRows struct {
	c  *builtins.Context
	hc *engine.HistoryCursor
}

func (h *historyRows) Next() ([]types.Datum, error) {
	v, err := h.hc.Next(h.c.Ctx)
	if err != nil || v == nil {
		h.hc.Close()
		return nil, err
	}
	// Each row is a new slice: the caller may keep it.
	row := []types.Datum{fmt.Sprint(v.Key.Value()), int64(v.Seq), types.TimestampTZFromUnixMs(v.UnixMs),
		exec.EventName(v.Type), nil, nil}
	if doc, err := v.Doc(); err != nil {
		return nil, err
	} else if doc != nil {
		row[4] = types.DJSONB{V: doc}
	}
	if ch, err := v.Change(); err != nil {
		return nil, err
	} else if ch != nil {
		row[5] = types.DJSONB{V: ch}
	}
	return row, nil
}

// Description answers obj_description and col_description from the
// catalog's comments (pg_description).
func (f fnSession) Description(objOid, classOid int64, subID int) (string, bool, error) {
	c, err := f.s.vcatalog()
	if err != nil {
		return "", false, err
	}
	s, ok := c.Description(objOid, classOid, subID)
	return s, ok, nil
}

// CatalogOid returns the OID of the pg_catalog table name.
func (f fnSession) CatalogOid(name string) (int64, bool, error) {
	c, err := f.s.vcatalog()
	if err != nil {
		return 0, false, err
	}
	r, ok := c.RelByName(vtable.PgCatalog + "." + name)
	if !ok {
		return 0, false, nil
	}
	return r.Oid, true, nil
}

// relationName reads a relation's name as regclass input gives it: a name
// qualified by a schema or not, folded to lower case unless quoted. A
// schema that does not exist fails with 3F000.
func relationName(text string) (schema, name string, err error) {
	parts, err := identParts(text)
	if err != nil || slices.Contains(parts, "") {
		return "", "", pgcode.Newf(pgcode.InvalidName, "invalid name syntax")
	}
	if len(parts) > 2 {
		return "", "", pgcode.Newf(pgcode.InvalidName, "improper relation name (too many dotted names): %s", text)
	}
	if len(parts) == 1 {
		return "", parts[0], nil
	}
	switch parts[0] {
	case vtable.Public, vtable.PgCatalog, vtable.InformationSchema, vtable.DriftDB:
		return parts[0], parts[1], nil
	}
	return "", "", pgcode.Newf(pgcode.InvalidSchemaName, "schema %q does not exist", parts[0])
}
