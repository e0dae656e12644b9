package builtins

import (
	"math"

	"github.com/driftdb/driftdb/sql/types"
)

// Functions of the driftdb schema (called by their qualified name,
// driftdb.history(...): the schema is not on the search path), and the
// comment functions that document it.

// HistoryReader is what a session answers for driftdb.history. A Session
// that is no HistoryReader has no tables: the function fails.
type HistoryReader interface {
	// TableHistory returns the versions of the table with OID table
	// made by the events from seq from to seq to, both included (all
	// there is with from 0 and to the largest int64), as rows of
	// HistoryCols, at the statement's view.
	TableHistory(c *Context, table, from, to int64) (Rows, error)
}

// Describer is what a session answers of pg_description for
// obj_description and col_description. A Session that is no Describer
// has no comments: they return NULL.
type Describer interface {
	// Description returns the comment of an object by its OID, the OID
	// of its catalog (0: any) and a column number (0: the object).
	Description(objOid, classOid int64, subID int) (string, bool, error)
	// CatalogOid returns the OID of a catalog table by name (pg_class).
	CatalogOid(name string) (int64, bool, error)
}

// HistoryOid is driftdb.history's pg_proc OID (vtable.OidHistoryFunc); the
// overload with a span of seqs has the next.
const HistoryOid = 11901

// HistoryCols are the columns of driftdb.history.
var HistoryCols = []SRFCol{
	{Name: "key", T: types.Text},
	{Name: "seq", T: types.Int8},
	{Name: "ts", T: types.TimestampTZ},
	{Name: "event", T: types.Text},
	{Name: "doc", T: types.JSONB},
	{Name: "change", T: types.JSONB},
}

var _ = register(
	&Overload{Name: "driftdb.history", Oid: HistoryOid, Kind: SetReturning, Args: ts(types.Regclass),
		Ret: types.Record, SRFCols: HistoryCols, Strict: true, Volatility: Stable, ArgNames: []string{"tab"},
		SRF: func(c *Context, a []types.Datum) (Rows, error) {
			return tableHistory(c, a[0].(int64), 0, math.MaxInt64)
		}},
	// driftdb.history(tab, from_seq, to_seq): the versions the events
	// from from_seq to to_seq made, as FOR SYSTEM_TIME FROM ... TO reads
	// them.
	&Overload{Name: "driftdb.history", Oid: HistoryOid + 1, Kind: SetReturning, Args: ts(types.Regclass, types.Int8, types.Int8),
		Ret: types.Record, SRFCols: HistoryCols, Strict: true, Volatility: Stable, ArgNames: []string{"tab", "from_seq", "to_seq"},
		SRF: func(c *Context, a []types.Datum) (Rows, error) {
			return tableHistory(c, a[0].(int64), a[1].(int64), a[2].(int64))
		}},
)

func tableHistory(c *Context, table, from, to int64) (Rows, error) {
	r, ok := c.Session.(HistoryReader)
	if !ok {
		return &sliceRows{}, nil
	}
	return r.TableHistory(c, table, from, to)
}

// objDescription is obj_description(oid, name): the comment of an object
// of the catalog named.
func objDescription(c *Context, a []types.Datum) (types.Datum, error) {
	d, ok := c.Session.(Describer)
	if !ok {
		return nil, nil
	}
	class, found, err := d.CatalogOid(a[1].(string))
	if err != nil || !found {
		return nil, err
	}
	return describe(d, a[0].(int64), class, 0)
}

// objDescriptionAny is obj_description(oid): the comment of an object of
// any catalog (PostgreSQL keeps it for compatibility).
func objDescriptionAny(c *Context, a []types.Datum) (types.Datum, error) {
	d, ok := c.Session.(Describer)
	if !ok {
		return nil, nil
	}
	return describe(d, a[0].(int64), 0, 0)
}

// colDescription is col_description(table oid, column number).
func colDescription(c *Context, a []types.Datum) (types.Datum, error) {
	d, ok := c.Session.(Describer)
	if !ok {
		return nil, nil
	}
	class, found, err := d.CatalogOid("pg_class")
	if err != nil || !found {
		return nil, err
	}
	return describe(d, a[0].(int64), class, int(a[1].(int64)))
}

func describe(d Describer, obj, class int64, sub int) (types.Datum, error) {
	s, found, err := d.Description(obj, class, sub)
	if err != nil || !found {
		return nil, err
	}
	return s, nil
}
