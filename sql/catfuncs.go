package sql

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
)

// What the catalog functions of builtins ask the session: relations by
// OID, their sizes on disk, the transaction's number.

// Relation answers the privilege and size functions.
func (f fnSession) Relation(oid int64) (builtins.Relation, bool, error) {
	c, err := f.s.vcatalog()
	if err != nil {
		return builtins.Relation{}, false, err
	}
	r, ok := c.RelByOid(oid)
	if !ok {
		return builtins.Relation{}, false, nil
	}
	out := builtins.Relation{Name: r.Name, Kind: r.Kind}
	switch {
	case r.Kind == 'i':
		for i, field := range r.Index.Fields {
			if n := r.Index.Attnums[i]; n > 0 {
				field = r.Table.Cols[n-1].Name
			}
			out.Columns = append(out.Columns, field)
		}
	case r.Table != nil:
		for _, col := range r.Table.Cols {
			out.Columns = append(out.Columns, col.Name)
		}
		for _, ix := range r.Table.Indexes {
			out.Indexes = append(out.Indexes, ix.Rel.Oid)
		}
	case r.View != nil:
		out.Columns = append(out.Columns, r.View.Columns...)
		out.Query = r.View.SQL
	case r.Virtual != nil:
		for _, col := range r.Virtual.Cols {
			out.Columns = append(out.Columns, col.Name)
		}
		out.Query = r.Virtual.Query
	case r.Kind == 'S':
		out.Columns = []string{"last_value", "log_cnt", "is_called"}
	}
	return out, true, nil
}

// RelationSize is the bytes a relation keeps in the data directory: a
// table's main fork is its directory (event log, snapshots, metadata)
// but for its index files; a secondary index's is its index file, which
// is a cache and may be missing; a table's "indexes" fork adds up its
// index files. The primary key's index, views, sequences and the virtual
// tables keep nothing of their own: 0, as are the fsm, vm and init forks.
func (f fnSession) RelationSize(oid int64, fork string) (int64, error) {
	dir := f.s.db.Dir()
	c, err := f.s.vcatalog()
	if err != nil || dir == "" {
		return 0, err
	}
	r, ok := c.RelByOid(oid)
	if !ok {
		return 0, nil
	}
	switch {
	case r.Kind == 'r' && r.Table != nil && fork == "main":
		tableDir := filepath.Join(dir, "tables", r.Name)
		return dirSize(tableDir, filepath.Join(tableDir, "indexes")), nil
	case r.Kind == 'r' && r.Table != nil && fork == "indexes":
		return dirSize(filepath.Join(dir, "tables", r.Name, "indexes"), ""), nil
	case r.Kind == 'i' && !r.Index.Primary && fork == "main" && len(r.Index.Fields) == 1:
		st, err := os.Stat(filepath.Join(dir, "tables", r.Table.Rel.Name, "indexes", r.Index.Fields[0]+".idx"))
		if err != nil {
			return 0, nil
		}
		return st.Size(), nil
	}
	return 0, nil
}

// DatabaseSize answers pg_database_size: the bytes of the data directory.
func (f fnSession) DatabaseSize() (int64, error) {
	dir := f.s.db.Dir()
	if dir == "" {
		return 0, nil
	}
	return dirSize(dir, ""), nil
}

// dirSize adds up the sizes of the files under dir, but for those under
// skip; a file that goes away meanwhile counts nothing.
func dirSize(dir, skip string) int64 {
	var n int64
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if path == skip {
				return filepath.SkipDir
			}
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}

// xactNumber is the number txid_current gives a session's transaction:
// taken the first time it is asked for, then the same until the
// transaction ends.
type xactNumber struct {
	n   int64
	txn *engine.Txn // the transaction block it was given in
	gen uint64      // or the statement, outside of one
}

// lastXact is the last transaction number given out. Numbers grow with
// the database's commit sequence, so that they grow across restarts too.
var lastXact atomic.Int64

// XactID answers txid_current and pg_current_xact_id.
func (f fnSession) XactID() int64 {
	s := f.s
	x := &s.xact
	if x.n != 0 && (s.txn != nil && x.txn == s.txn || s.txn == nil && x.txn == nil && x.gen == s.stmtGen) {
		return x.n
	}
	floor := int64(s.db.Seq()) + 1
	for {
		last := lastXact.Load()
		n := max(last+1, floor)
		if lastXact.CompareAndSwap(last, n) {
			*x = xactNumber{n: n, txn: s.txn, gen: s.stmtGen}
			return n
		}
	}
}

var _ builtins.RelationReader = fnSession{}
var _ builtins.XactReader = fnSession{}
var _ builtins.DatabaseSizer = fnSession{}
