package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// ALTER TABLE: columns and constraints.
//
// A change of definition alone is one atomic write of schema.yaml. A
// change that also changes rows (ADD COLUMN with a value for the rows
// there, DROP COLUMN) writes those rows as events, PATCHes of every row
// concerned, all in one transaction, so their history shows the change
// and AS OF before it does not. The two must happen together across a
// crash, so such a change goes in two steps: the new definition is
// written to schema.next.yaml with the seq the transaction will end at,
// then the transaction is committed (the commit point), then
// schema.next.yaml replaces schema.yaml. Opening a table that has a
// schema.next.yaml takes it if the log holds that seq, and removes it
// otherwise.

const nextSchemaFile = "schema.next.yaml"

// pendingSchema is schema.next.yaml: a definition that holds once the
// table's log reaches CommitSeq.
type pendingSchema struct {
	CommitSeq uint64    `yaml:"commit_seq"`
	Spec      TableSpec `yaml:"spec"`
}

// alteration is a change of a table's definition being made: the new
// definition, the writes that go with it, and what follows from it.
type alteration struct {
	db   *DB
	ts   *tableState // the table's working state
	spec *TableSpec  // the new definition (a copy)
	ops  []*event    // PATCHes of rows, committed with the change
	// bump: writes checked against the old definition must be checked
	// again (the table gets a new generation).
	bump bool
	// drop is the field of a dropped column: it leaves the column list.
	drop string
	// built is an index built beside the writer for the change, if any.
	built *backfill
}

// lastSeq is the seq the alteration's writes end at, or with none the
// last seq given out.
func (a *alteration) lastSeq() uint64 { return a.db.nextSeq + uint64(len(a.ops)) - 1 }

// column finds a column of the table by name.
func (a *alteration) column(name string) (Column, error) {
	c, ok := a.ts.cols.byName(name)
	if !ok {
		return Column{}, errorf(CodeUndefinedColumn, "column %q of relation %q does not exist", name, a.ts.spec.Name)
	}
	return c, nil
}

// declared finds the declared column of a column for a change only
// declared columns take.
func (a *alteration) declared(c Column, what string) (*ColumnSpec, error) {
	for i := range a.spec.Columns {
		if a.spec.Columns[i].StoredField() == c.Field {
			return &a.spec.Columns[i], nil
		}
	}
	return nil, errorf(CodeFeatureUnsupported,
		"column %q of relation %q has no declared type (its type is inferred from its values): %s needs a declared column", c.Name, a.ts.spec.Name, what)
}

// declaredColumn finds the declared column named name, for a change only
// declared columns take.
func (a *alteration) declaredColumn(name, what string) (*ColumnSpec, error) {
	c, err := a.column(name)
	if err != nil {
		return nil, err
	}
	return a.declared(c, what)
}

// eachLive calls fn for every live row of the table, as the writer has
// it.
func (a *alteration) eachLive(fn func(r *row) error) error {
	var err error
	a.ts.rows.Ascend(func(r row) bool {
		if r.live() {
			err = fn(&r)
		}
		return err == nil
	})
	return err
}

// eachLiveDoc calls fn for every live row of the table, as the writer
// has it, with its newest version and that version's document.
func (a *alteration) eachLiveDoc(fn func(k Key, v *version, doc []byte) error) error {
	return a.eachLive(func(r *row) error {
		doc, err := r.current(a.ts.log)
		if err != nil {
			return err
		}
		return fn(r.key, r.newest(), doc)
	})
}

// patch adds a PATCH of the row with key k, setting field to v (nil
// removes it).
func (a *alteration) patch(k Key, field string, v any) error {
	p := map[string]any{field: v}
	order := []string{field}
	raw := encodeDoc(p, order)
	payload := encodeKeyed(k, raw)
	if err := checkSize("patch", payload); err != nil {
		return err
	}
	a.ops = append(a.ops, &event{tbl: a.ts.spec.Name, typ: store.EventPatch, key: k, patch: p, order: order, raw: raw, payload: payload})
	return nil
}

// alter runs f on an alteration of table and makes the change it leaves.
func (db *DB) alter(table string, f func(a *alteration) error) error {
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	return db.alterLocked(table, f)
}

// alterLocked is alter for a caller that holds snapMu.
func (db *DB) alterLocked(table string, f func(a *alteration) error) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	ts, ok := db.work[table]
	if !ok {
		return noTable(table)
	}
	a := &alteration{db: db, ts: ts, spec: ts.spec.clone()}
	if err := f(a); err != nil {
		return err
	}
	if err := a.spec.validate(); err != nil {
		return err
	}
	// A new index or constraint gets its OIDs.
	if err := db.giveOIDs(a.spec.oids()); err != nil {
		return err
	}
	return db.applyAlteration(a)
}

// applyAlteration writes an alteration and makes it the table's
// definition. Callers hold snapMu and wmu.
func (db *DB) applyAlteration(a *alteration) error {
	ts, name := a.ts, a.ts.spec.Name
	nts := ts.clone()
	nts.spec = a.spec
	nts.cols = ts.cols.rebuild(a.spec, a.drop)
	if a.bump {
		nts.gen = db.newGen()
	}
	if err := nts.syncIndexes(a.built, ts); err != nil {
		return &Error{Code: CodeInternal, Msg: err.Error(), Err: err}
	}
	fsys, dir := db.st.FS(), db.st.StreamDir(name)
	if len(a.ops) == 0 {
		if err := writeSchema(fsys, dir, a.spec); err != nil {
			return storageError(err)
		}
		db.work[name] = nts
		nts.liveCols.Store(nts.cols)
		db.publish(map[string]*tableState{name: nts})
		return nil
	}
	if err := writePendingSchema(fsys, dir, a.spec, a.lastSeq()); err != nil {
		return storageError(err)
	}
	db.work[name] = nts
	cm, err := db.commitLocked(context.Background(), db.nextSeq-1, a.ops, nil, nil)
	db.wmu.settle() // nts is published below, its index entries placed
	if err != nil {
		db.work[name] = ts
		if rerr := dropPendingSchema(fsys, dir); rerr != nil {
			db.log.Warn("cannot remove schema.next.yaml of a failed change; the next open does", "table", name, "err", rerr)
		}
		return err
	}
	// The writer mutex is held while the transaction becomes durable: no
	// commit can be checked against the half-made change meanwhile.
	if err := cm.c.Wait(); err != nil {
		if db.failed == nil {
			db.failed = err
		}
		db.wakeWaiters(true)
		return ioError(err)
	}
	if err := promotePendingSchema(fsys, dir); err != nil {
		// The change is durable (the next open takes schema.next.yaml),
		// but schema.yaml could not be replaced.
		db.log.Warn("cannot move schema.next.yaml into place; the next open does", "table", name, "err", err)
	}
	nts.liveCols.Store(nts.cols)
	db.publish(map[string]*tableState{name: nts})
	db.advance(cm.last)
	return nil
}

// syncIndexes makes the index trees those the spec lists: trees of fields
// no longer indexed go, new ones are built from the rows, or taken from
// built when it fits (cur is the state ts was cloned from).
func (ts *tableState) syncIndexes(built *backfill, cur *tableState) error {
	n := make(map[string]*indexTree, len(ts.spec.Indexes))
	var missing []string
	for _, f := range ts.spec.Indexes {
		if idx, ok := ts.indexes[f]; ok {
			n[f] = idx
		} else {
			missing = append(missing, f)
		}
	}
	ts.indexes = n
	for i, f := range missing {
		ok, err := built.install(cur, ts, f)
		if err != nil {
			return err
		}
		if ok {
			missing = append(missing[:i], missing[i+1:]...)
			break
		}
	}
	return ts.buildIndexes(missing) // the others are whole already
}

func writePendingSchema(fsys store.FS, dir string, spec *TableSpec, commitSeq uint64) error {
	b, err := yaml.Marshal(&pendingSchema{CommitSeq: commitSeq, Spec: *spec})
	if err != nil {
		return fmt.Errorf("engine: encode schema: %w", err)
	}
	return store.WriteFileAtomic(fsys, filepath.Join(dir, nextSchemaFile), b)
}

// readPendingSchema reads schema.next.yaml; nil when there is none.
func readPendingSchema(fsys store.FS, dir string) (*pendingSchema, error) {
	path := filepath.Join(dir, nextSchemaFile)
	b, err := vfs.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("engine: read %s: %w", path, err)
	}
	var p pendingSchema
	if err := yaml.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("engine: parse %s: %w", path, err)
	}
	if err := p.Spec.validate(); err != nil {
		return nil, fmt.Errorf("engine: %s: %w", path, err)
	}
	return &p, nil
}

// promotePendingSchema makes the definition in schema.next.yaml the
// table's schema.yaml, then removes schema.next.yaml (a crash between the
// two leaves both, saying the same: the next open does it again).
func promotePendingSchema(fsys store.FS, dir string) error {
	p, err := readPendingSchema(fsys, dir)
	if err != nil || p == nil {
		return err
	}
	if err := writeSchema(fsys, dir, &p.Spec); err != nil {
		return err
	}
	return dropPendingSchema(fsys, dir)
}

// dropPendingSchema removes schema.next.yaml: its change did not happen.
func dropPendingSchema(fsys store.FS, dir string) error {
	if err := fsys.Remove(filepath.Join(dir, nextSchemaFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return fsys.SyncDir(dir)
}

// AddColumn adds a declared column to a table. The rows there have no
// value for it: with fill nil they read NULL (and a NOT NULL column is
// refused, 23502, when the table has a row); otherwise each live row gets
// fill (the DEFAULT, evaluated once by the SQL layer) by a PATCH, all in
// one transaction with the change. A name in use fails with 42701. The
// column's field is its name, unless that is the field of a renamed
// column: then it gets a new one (name~2, name~3, ...).
func (db *DB) AddColumn(table string, col ColumnSpec, fill any) error {
	return db.alter(table, func(a *alteration) error {
		if _, ok := a.ts.cols.byName(col.Name); ok {
			return errorf(CodeDuplicateColumn, "column %q of relation %q already exists", col.Name, table)
		}
		if col.Name == "" {
			return errorf(CodeInvalidName, "a column needs a name")
		}
		reg := a.ts.cols
		if col.Field == "" || col.Field == col.Name {
			col.Field = ""
			for n := 2; ; n++ {
				f := col.StoredField()
				if _, used := reg.index[f]; !used {
					break
				}
				col.Field = fmt.Sprintf("%s~%d", col.Name, n)
			}
		} else if _, used := reg.index[col.Field]; used {
			return errorf(CodeDuplicateColumn, "field %q of column %q holds another column of relation %q", col.Field, col.Name, table)
		}
		col.DefaultOID = 0
		a.spec.Columns = append(a.spec.Columns, col)
		if err := a.spec.validate(); err != nil {
			return err
		}
		c := a.spec.Columns[len(a.spec.Columns)-1]
		field := c.StoredField()
		if fill == nil {
			if c.NotNull {
				return a.eachLive(func(*row) error {
					return errorf(CodeNotNullViolation, "column %q of relation %q contains null values", c.Name, table)
				})
			}
			a.bump = true
			return nil
		}
		// The value is checked (and a numeric rounded) as a write of it.
		probe := map[string]any{field: fill}
		if err := checkDoc(probe); err != nil {
			return err
		}
		if err := checkDeclared(&TableSpec{Name: table, PK: a.spec.PK, Columns: []ColumnSpec{c}}, probe); err != nil {
			return err
		}
		a.bump = true
		return a.eachLive(func(r *row) error { return a.patch(r.key, field, probe[field]) })
	})
}

// DropColumn removes a column from a table: it leaves the column list,
// and each live row that has a value for it loses it by a PATCH, all in
// one transaction with the change; its values stay in the history (AS OF
// before the drop, SHOW DRIFT, the history cursor). Indexes on it go. A
// field of that name written later makes a new column. The primary key
// cannot be dropped (2BP01).
func (db *DB) DropColumn(table, name string) error {
	err := db.alter(table, func(a *alteration) error {
		c, err := a.column(name)
		if err != nil {
			return err
		}
		if c.Field == a.spec.PK || slices.Contains(a.spec.PKColumns, c.Field) {
			return errorf(CodeDependentObjects, "cannot drop column %q of table %q: it is the primary key", name, table)
		}
		s := a.spec
		s.Columns = deleteFunc(s.Columns, func(x ColumnSpec) bool { return x.StoredField() == c.Field })
		s.Renamed = deleteFunc(s.Renamed, func(x FieldName) bool { return x.Field == c.Field })
		on := func(f string) bool { return f == c.Field || strings.HasPrefix(f, c.Field+".") }
		for _, d := range s.IndexDefs {
			if slices.ContainsFunc(d.Fields, on) {
				s.dropIndex(d.Name, d.Fields[0])
			}
		}
		s.Indexes = deleteFunc(s.Indexes, on)
		delete(s.ColumnComments, c.Field)
		err = a.eachLiveDoc(func(k Key, _ *version, doc []byte) error {
			if _, ok, err := docField(doc, c.Field); err != nil || !ok {
				return err
			}
			return a.patch(k, c.Field, nil)
		})
		if err != nil {
			return err
		}
		s.Dropped = deleteFunc(s.Dropped, func(d DroppedField) bool { return d.Field == c.Field })
		s.Dropped = append(s.Dropped, DroppedField{Field: c.Field, Seq: a.lastSeq()})
		a.drop, a.bump = c.Field, true
		return nil
	})
	if err != nil {
		return err
	}
	return db.ownerColumnChanged(table, name, "")
}

// RenameColumn renames a column. Documents keep their fields: the column
// keeps its field, and the schema maps the new name to it, for reads (a
// reader reads Column.Field) and writes (a document key that names a
// column is stored under its field). Indexes, which are on fields, stay.
// The old name then names no column; written in a document, it still
// writes this column's field, until a column takes the name (ADD COLUMN,
// or a rename): that column then gets a field of its own. A name in use
// fails with 42701. CHECK expressions are the SQL layer's to rewrite.
func (db *DB) RenameColumn(table, old, new string) error {
	err := db.alter(table, func(a *alteration) error {
		c, err := a.column(old)
		if err != nil {
			return err
		}
		if new == "" {
			return errorf(CodeInvalidName, "a column needs a name")
		}
		if _, ok := a.ts.cols.byName(new); ok {
			return errorf(CodeDuplicateColumn, "column %q of relation %q already exists", new, table)
		}
		if d, err := a.declared(c, ""); err == nil {
			d.Name, d.Field = new, c.Field
		} else {
			a.spec.Renamed = deleteFunc(a.spec.Renamed, func(x FieldName) bool { return x.Field == c.Field })
			if new != c.Field {
				a.spec.Renamed = append(a.spec.Renamed, FieldName{Field: c.Field, Name: new})
			}
		}
		a.bump = true
		return nil
	})
	if err != nil {
		return err
	}
	return db.ownerColumnChanged(table, old, new)
}

// SetColumnNotNull sets or drops NOT NULL on a declared column. Setting
// it fails with 23502 when a live row has no value for the column. The
// primary key is always NOT NULL (42P16).
func (db *DB) SetColumnNotNull(table, name string, notNull bool) error {
	return db.alter(table, func(a *alteration) error {
		c, err := a.column(name)
		if err != nil {
			return err
		}
		if c.Field == a.spec.PK || slices.Contains(a.spec.PKColumns, c.Field) {
			if notNull {
				return nil
			}
			return errorf(CodeInvalidTableDefinition, "column %q is in a primary key", name)
		}
		d, err := a.declared(c, "NOT NULL")
		if err != nil {
			return err
		}
		if notNull && !d.NotNull {
			err := a.eachLiveDoc(func(_ Key, _ *version, doc []byte) error {
				val, ok, err := docField(doc, c.Field)
				if err == nil && (!ok || val == nil) {
					err = errorf(CodeNotNullViolation, "column %q of relation %q contains null values", name, table)
				}
				return err
			})
			if err != nil {
				return err
			}
			a.bump = true
		}
		d.NotNull = notNull
		return nil
	})
}

// SetColumnType gives a declared column a new SQL type that the engine
// keeps in the same type as the old one (ALTER COLUMN TYPE of a type that
// holds every value of the old one: int4 to int8, varchar(20) to text):
// the stored values, and the history, stay as they are. The SQL layer
// decides which changes are such.
func (db *DB) SetColumnType(table, name string, typ Type, sqlType string, typmod Typmod) error {
	return db.alter(table, func(a *alteration) error {
		d, err := a.declaredColumn(name, "ALTER COLUMN TYPE")
		if err != nil {
			return err
		}
		if d.Type != typ {
			return errorf(CodeFeatureUnsupported, "column %q of relation %q: a change of its stored type (%s to %s) is not supported", name, table, d.Type, typ)
		}
		d.SQLType, d.Typmod = sqlType, typmod
		return nil
	})
}

// SetColumnDefault sets the DEFAULT expression text of a declared column
// ("" drops it). The SQL layer evaluates it; rows already there are not
// changed.
func (db *DB) SetColumnDefault(table, name, expr string) error {
	return db.alter(table, func(a *alteration) error {
		d, err := a.declaredColumn(name, "DEFAULT")
		if err != nil {
			return err
		}
		if d.Default != expr {
			d.DefaultOID = 0 // a new default is a new object (pg_attrdef)
		}
		d.Default = expr
		return nil
	})
}

// AddCheck adds a CHECK constraint to a table. The SQL layer evaluates
// CHECK expressions; the engine keeps their text. check, when given, is
// called for every live row, as the writer has it, before the constraint
// is added: its first error fails the statement (23514 is the SQL
// layer's). No write is accepted meanwhile, and writes a transaction made
// before are checked again (40001). A name in use fails with 42710.
func (db *DB) AddCheck(table string, ch CheckSpec, check func(*Row) error) error {
	return db.alter(table, func(a *alteration) error {
		for _, c := range a.spec.Checks {
			if c.Name == ch.Name {
				return errorf(CodeDuplicateObject, "constraint %q for relation %q already exists", ch.Name, table)
			}
		}
		if check != nil {
			err := a.eachLiveDoc(func(k Key, v *version, doc []byte) error {
				return check(&Row{Key: k, Seq: v.seq, UnixMs: v.ms, doc: doc})
			})
			if err != nil {
				return err
			}
		}
		ch.OID = 0
		a.spec.Checks = append(a.spec.Checks, ch)
		a.bump = true
		return nil
	})
}

// DropCheck removes a CHECK constraint; a missing one fails with 42704.
func (db *DB) DropCheck(table, name string) error {
	return db.alter(table, func(a *alteration) error {
		n := len(a.spec.Checks)
		a.spec.Checks = deleteFunc(a.spec.Checks, func(c CheckSpec) bool { return c.Name == name })
		if len(a.spec.Checks) == n {
			return errorf(CodeUndefinedObject, "constraint %q of relation %q does not exist", name, table)
		}
		return nil
	})
}

// deleteFunc is slices.DeleteFunc on a copy: the spec's slices may be
// shared with the definition being replaced.
func deleteFunc[T any](s []T, del func(T) bool) []T {
	out := make([]T, 0, len(s))
	for _, x := range s {
		if !del(x) {
			out = append(out, x)
		}
	}
	return out
}
