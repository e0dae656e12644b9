package engine

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/driftdb/driftdb/store"
)

// Named and unique indexes.
//
// A unique index makes the values of its fields, taken together, unique
// among the live rows of its table. NULL (or a missing field) never
// conflicts, as in PostgreSQL. A write is checked twice: when it is made,
// against the transaction's snapshot and its own earlier writes; and at
// commit, against the latest state, where of two transactions writing the
// same value the second to commit fails. Both fail with 23505 and
// PostgreSQL's message. The candidates come from the index on the first
// field, which holds every value each row ever had: each is checked
// against the row's version that counts, so that the answer is exact.

// AddIndex adds a named index to a table (CREATE [UNIQUE] INDEX, a UNIQUE
// constraint) and builds it. A field that is a column's name stands for
// its column's field; the first path element of each field must be a
// column (42703). Index names are unique in the database (42P07, as
// PostgreSQL's relations); an empty name gets PostgreSQL's default
// (<table>_<fields>_key or _idx). A unique index over rows that already
// share a value fails with 23505 and is not made.
func (db *DB) AddIndex(table string, ix IndexSpec) error {
	if len(ix.Fields) == 0 {
		return errorf(CodeInvalidParameter, "an index needs a field")
	}
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	// The index of the first field is built beside the writer first, and
	// a unique index's duplicates are looked for there too: under the
	// writer mutex only the rows written since are.
	var fields []string
	var ts0 *tableState
	db.wmu.Lock()
	if ts, ok := db.work[table]; ok {
		ts0 = ts
		for _, f := range ix.Fields {
			if f, err := ts.indexField(f); err == nil {
				fields = append(fields, f)
			}
		}
	}
	db.wmu.Unlock()
	var built *backfill
	if len(fields) == len(ix.Fields) {
		var err error
		if built, err = db.backfillIndex(table, fields[0]); err != nil {
			return err
		}
		if built != nil && ix.Unique {
			pre := ix
			pre.Fields = fields
			if err := ts0.copyDuplicate(built, pre); err != nil {
				return err
			}
		}
	}
	made := ""
	err := db.alterLocked(table, func(a *alteration) error {
		a.built = built
		ix.Fields = slices.Clone(ix.Fields)
		for i, f := range ix.Fields {
			var err error
			if ix.Fields[i], err = a.ts.indexField(f); err != nil {
				return err
			}
		}
		if _, indexed := a.ts.indexes[ix.Fields[0]]; !indexed {
			made = ix.Fields[0]
		}
		if ix.Name == "" {
			ix.Name = defaultIndexName(table, ix.Fields, ix.Unique)
		}
		if db.relationKind(ix.Name) != "" {
			return errorf(CodeDuplicateTable, "relation %q already exists", ix.Name)
		}
		ix.OID, ix.ConstraintOID = 0, 0
		a.spec.IndexDefs = append(a.spec.IndexDefs, ix)
		if !ix.Unique {
			return nil
		}
		if built.fits(a.ts, ix.Fields[0]) && slices.Equal(ix.Fields, fields) {
			return a.ts.changedDuplicate(ix, built)
		}
		return a.ts.findDuplicate(a.ts.rows, ix)
	})
	if err == nil && made != "" {
		db.indexMade(table, made)
	}
	return err
}

// indexField returns the stored field an index on column (or dotted path)
// f reads: a renamed column's field.
func (ts *tableState) indexField(f string) (string, error) {
	head, rest, dotted := strings.Cut(f, ".")
	if ff, ok := ts.cols.rules.fields[head]; ok {
		head = ff
	}
	if _, ok := ts.cols.index[head]; !ok {
		return "", errorf(CodeUndefinedColumn, "column %q does not exist", f)
	}
	if dotted {
		head += "." + rest
	}
	return head, nil
}

// DropIndex removes the index name of a table; a missing one fails with
// 42704. The index's field stays indexed while another index starts with
// it.
func (db *DB) DropIndex(table, name string) error {
	return db.alter(table, func(a *alteration) error {
		for _, d := range a.spec.indexes() {
			if d.Name == name {
				a.spec.dropIndex(name, d.Fields[0])
				return nil
			}
		}
		return errorf(CodeUndefinedObject, "index %q does not exist", name)
	})
}

// dropIndex removes the index def name (or the plain index on field0),
// and the indexing of field0 unless another def starts with it.
func (s *TableSpec) dropIndex(name, field0 string) {
	s.IndexDefs = deleteFunc(s.IndexDefs, func(d IndexSpec) bool { return d.Name == name })
	if !slices.ContainsFunc(s.IndexDefs, func(d IndexSpec) bool { return d.Fields[0] == field0 }) {
		s.Indexes = deleteFunc(s.Indexes, func(f string) bool { return f == field0 })
	}
}

// indexNamed returns the table that has an index called name, or "".
// Callers hold wmu.
func (db *DB) indexNamed(name string) string {
	for t, ts := range db.work {
		for _, d := range ts.spec.indexes() {
			if d.Name == name {
				return t
			}
		}
	}
	return ""
}

// Indexes returns a table's indexes, named (see TableSpec.Indexes).
func (v *View) Indexes(table string) ([]IndexSpec, error) {
	ts, ok := v.lookupTable(table)
	if !ok {
		return nil, noTable(table)
	}
	return ts.spec.indexes(), nil
}

// IndexNamed finds the index called name in any table (DROP INDEX names
// no table).
func (v *View) IndexNamed(name string) (table string, ix IndexSpec, ok bool) {
	for _, t := range v.Tables() {
		ts, _ := v.lookupTable(t)
		for _, d := range ts.spec.indexes() {
			if d.Name == name {
				return t, d, true
			}
		}
	}
	return "", IndexSpec{}, false
}

// uniqueKey returns the values of the index's fields in doc, or nil when
// one is NULL or missing: such a row never conflicts.
func uniqueKey(ix IndexSpec, doc map[string]any) []any {
	vals := make([]any, len(ix.Fields))
	for i, f := range ix.Fields {
		v, ok := lookupPath(doc, f)
		if !ok || v == nil {
			return nil
		}
		vals[i] = v
	}
	return vals
}

func sameKeyValues(a, b []any) bool {
	for i := range a {
		if !EqualValues(a[i], b[i]) {
			return false
		}
	}
	return true
}

// uniqueError is PostgreSQL's unique violation for the index ix and the
// values vals.
func uniqueError(ts *tableState, ix IndexSpec, vals []any) error {
	cols := make([]string, len(ix.Fields))
	texts := make([]string, len(vals))
	for i, f := range ix.Fields {
		cols[i] = ts.cols.rules.nameOf(f)
		texts[i] = valueText(vals[i])
	}
	return &Error{Code: CodeUniqueViolation, Err: ErrDuplicateKey,
		Msg:    fmt.Sprintf("duplicate key value violates unique constraint %q", ix.Name),
		Detail: fmt.Sprintf("Key (%s)=(%s) already exists.", strings.Join(cols, ", "), strings.Join(texts, ", ")),
		Table:  ts.spec.Name, Constraint: ix.Name}
}

// duplicateKey is the error of a second row with a primary key value in
// table, as PostgreSQL words it.
func duplicateKey(table, col, key string) error {
	constraint := table + "_pkey"
	return &Error{Code: CodeUniqueViolation, Err: ErrDuplicateKey,
		Msg:    fmt.Sprintf("duplicate key value violates unique constraint %q", constraint),
		Detail: fmt.Sprintf("Key (%s)=(%s) already exists.", col, key),
		Table:  table, Constraint: constraint}
}

// valueText is a value as PostgreSQL shows it in a message.
func valueText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return string(ToJSON(v))
}

// candidates calls fn with each key idx has an entry of value v for, with
// seq <= seq, once per key, in key order.
func candidates(idx entrySource, v any, seq uint64, fn func(Key) error) error {
	if idx == nil {
		return nil // a state from before the index: the commit checks
	}
	var err error
	var last Key
	first := true
	idx.AscendGreaterOrEqual(newEntry(v, minKey, 0), func(e indexEntry) bool {
		if c, ok := CompareValues(e.val, v); !ok || c != 0 {
			return false
		}
		if e.seq > seq || !first && e.key == last {
			return true
		}
		first, last = false, e.key
		err = fn(e.key)
		return err == nil
	})
	if err == nil {
		err = idx.Err()
	}
	return err
}

// checkUnique checks, when the transaction writes doc as the row k of
// table ts (prev, its document before, or nil), that no other live row
// has the values of a unique index doc has: among the rows of its
// snapshot (a row changed since then fails with 40001: a fresh snapshot
// may find no conflict) and those it wrote.
func (tx *Txn) checkUnique(ts *tableState, k Key, doc, prev map[string]any) error {
	uniques := ts.spec.uniques()
	if len(uniques) == 0 {
		return nil
	}
	name := ts.spec.Name
	trees := tx.view.trees(name, ts)
	trunc := tx.pending.isTruncated(name)
	for _, ix := range uniques {
		vals := uniqueKey(ix, doc)
		if vals == nil {
			continue
		}
		if prev != nil {
			if pv := uniqueKey(ix, prev); pv != nil && sameKeyValues(pv, vals) {
				continue // unchanged: checked when it was written
			}
		}
		conflictsWith := func(other map[string]any) bool {
			ov := uniqueKey(ix, other)
			return ov != nil && sameKeyValues(ov, vals)
		}
		// The transaction's own rows.
		if t := tx.uniq[uniqKey(name, ix.Fields[0])]; t != nil {
			err := candidates(treeEntries{t}, vals[0], ^uint64(0), func(c Key) error {
				if p, ok := tx.pending.get(name, c); ok && c != k && p.doc != nil && conflictsWith(p.doc) {
					return uniqueError(ts, ix, vals)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		// The snapshot's rows the transaction did not write.
		if trunc {
			continue
		}
		err := candidates(trees.entries(ix.Fields[0], tx.view.seq), vals[0], tx.view.seq, func(c Key) error {
			if c == k {
				return nil
			}
			if _, mine := tx.pending.held(name, c); mine {
				return nil
			}
			r, _ := ts.find(c) // a key not found: a row that has no version
			_, _, raw, err := r.docAt(ts.log, tx.view.seq)
			if raw == nil {
				return err
			}
			other, err := decodeDocBytes(raw)
			if err != nil || !conflictsWith(other) {
				return err
			}
			if r.newest().seq > tx.view.seq {
				return conflict(name, c, r.newest().seq)
			}
			return uniqueError(ts, ix, vals)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// noteUnique records the row k the transaction wrote, with document doc,
// in its own index of each unique index's first field, for checkUnique.
func (tx *Txn) noteUnique(ts *tableState, k Key, doc map[string]any) {
	for _, ix := range ts.spec.uniques() {
		v, ok := lookupPath(doc, ix.Fields[0])
		if !ok || v == nil {
			continue
		}
		key := uniqKey(ts.spec.Name, ix.Fields[0])
		t := tx.uniq[key]
		if t == nil {
			if tx.uniq == nil {
				tx.uniq = map[string]*indexTree{}
			}
			t = newIndexTree()
			tx.uniq[key] = t
		}
		t.ReplaceOrInsert(newEntry(v, k, 0))
	}
}

func uniqKey(table, field string) string { return table + "\x00" + field }

// checkUniqueLatest checks, at commit, the row the event ev just made in
// the working state: no other live row may have the values of a unique
// index it has. The writer holds every accepted commit, so the second of
// two transactions writing the same values fails here.
func (ts *tableState) checkUniqueLatest(ev *event, r row) error {
	uniques := ts.spec.uniques()
	if len(uniques) == 0 || !r.live() {
		return nil
	}
	var doc map[string]any
	for _, ix := range uniques {
		if ev.typ == store.EventPatch && !patchTouches(ev.patch, ix) {
			continue
		}
		if doc == nil {
			if ev.typ == store.EventInsert && ev.doc != nil {
				doc = ev.doc
			} else { // a patch, or an insert held encoded only (keepDocs)
				var err error
				if doc, err = decodeDocBytes(r.newest().doc()); err != nil {
					return err
				}
			}
		}
		vals := uniqueKey(ix, doc)
		if vals == nil {
			continue
		}
		err := candidates(ts.entries(ix.Fields[0], ^uint64(0)), vals[0], ^uint64(0), func(c Key) error {
			if c == ev.key {
				return nil
			}
			other, ok := ts.get(c)
			if !ok {
				return nil
			}
			ov, err := ts.liveUniqueKey(ix, other)
			if err != nil {
				return err
			}
			if ov != nil && sameKeyValues(ov, vals) {
				return uniqueError(ts, ix, vals)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// patchTouches reports whether a merge patch sets or removes a field of
// the index (the top-level field of each path).
func patchTouches(patch map[string]any, ix IndexSpec) bool {
	for _, f := range ix.Fields {
		head, _, _ := strings.Cut(f, ".")
		if _, ok := patch[head]; ok {
			return true
		}
		if _, ok := patch[f]; ok {
			return true
		}
	}
	return false
}

// findDuplicate fails with 23505 when two live rows of rows share the
// values of unique index ix.
func (ts *tableState) findDuplicate(rows *rowTree, ix IndexSpec) error {
	var vals [][]any
	err := writtenSince(rows, 0, func(r row) error { // every row: seqs start at 1
		k, err := ts.liveUniqueKey(ix, r)
		if k != nil {
			vals = append(vals, k)
		}
		return err
	})
	if err != nil {
		return err
	}
	return ts.duplicateAmong(ix, vals)
}

// copyDuplicate is findDuplicate over the copy b was built from, whose
// rows not written since the build the version index's current entries
// give in the order of their values when b was built there: then only
// the rows that share a value of the first field are read.
func (ts *tableState) copyDuplicate(b *backfill, ix IndexSpec) error {
	if !b.indexed {
		return ts.findDuplicate(b.rows, ix)
	}
	return ts.indexedDuplicate(b, ix)
}

// indexedDuplicate fails with 23505 when two live rows of b's copy that
// were not written since b.upTo share the values of ix, an index whose
// first field's entries b built into the version index (buildIndexed): a
// walk of the current entries at b.upTo groups the rows by that field's
// value (equal values encode alike), and each group of two or more has
// its rows' values read and compared, the current entries being those
// of the rows live then and perhaps more (a row whose value went to null
// keeps its entry). The memory is a group's, not the table's. The rows
// written since are changedDuplicate's.
func (ts *tableState) indexedDuplicate(b *backfill, ix IndexSpec) error {
	lg := ts.log
	r, err := lg.vx.NewCurrent()
	if err != nil {
		return err
	}
	defer r.Close()
	var value []byte // the group's value, encoded
	var group []Key
	check := func() error {
		if len(group) < 2 {
			return nil
		}
		var vals [][]any
		for _, k := range group {
			row, ok := b.rows.Get(row{key: k})
			if !ok || row.newest().seq > b.upTo {
				continue
			}
			v, err := ts.liveUniqueKey(ix, row)
			if err != nil {
				return err
			}
			if v != nil {
				vals = append(vals, v)
			}
		}
		return ts.duplicateAmong(ix, vals)
	}
	var y yielder
	for ok := r.Seek(lg.oid, b.field, nil); ok; ok = r.Next() {
		y.tick()
		e := r.Entry()
		rest, err := skipOrderedValue(e)
		var k Key
		if err == nil {
			k, _, err = readOrderedKey(rest)
		}
		if err != nil {
			return fmt.Errorf("an entry that does not decode: %x: %w", e, err)
		}
		if v := e[:len(e)-len(rest)]; !bytes.Equal(v, value) {
			if err := check(); err != nil {
				return err
			}
			value, group = append(value[:0], v...), group[:0]
		}
		group = append(group, k)
	}
	if err := r.Err(); err != nil {
		return err
	}
	return check()
}

// changedDuplicate is findDuplicate under the writer mutex once b, the
// index of ix's first field built beside the writer, was checked for
// duplicates as of its copy: only the rows written since are read, each
// against the others and, through b, against the rows not written since.
func (ts *tableState) changedDuplicate(ix IndexSpec, b *backfill) error {
	var keys []Key
	var vals [][]any
	err := writtenSince(ts.rows, b.upTo, func(r row) error {
		k, err := ts.liveUniqueKey(ix, r)
		if k != nil {
			keys, vals = append(keys, r.key), append(vals, k)
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := ts.duplicateAmong(ix, slices.Clone(vals)); err != nil {
		return err
	}
	for i, k := range keys {
		err := candidates(treeSource(b.tree, ts.log, b.field, b.upTo), vals[i][0], b.upTo, func(c Key) error {
			other, ok := ts.get(c)
			if c == k || !ok || other.newest().seq > b.upTo {
				return nil // written since: compared above
			}
			o, err := ts.liveUniqueKey(ix, other)
			if err == nil && o != nil && sameKeyValues(o, vals[i]) {
				err = ts.duplicated(ix, vals[i])
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// duplicateAmong fails with 23505 when two of vals, values of unique
// index ix, are the same; it sorts vals.
func (ts *tableState) duplicateAmong(ix IndexSpec, vals [][]any) error {
	slices.SortFunc(vals, func(x, y []any) int {
		for i := range x {
			if c := SortCompare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	for i := 1; i < len(vals); i++ {
		if sameKeyValues(vals[i-1], vals[i]) {
			return ts.duplicated(ix, vals[i])
		}
	}
	return nil
}

// liveUniqueKey is uniqueKeyAt of a row's newest version; nil when the
// row is deleted.
func (ts *tableState) liveUniqueKey(ix IndexSpec, r row) ([]any, error) {
	if !r.live() {
		return nil, nil
	}
	doc, err := r.current(ts.log)
	if err != nil {
		return nil, err
	}
	return uniqueKeyAt(ix, doc)
}

// uniqueKeyAt is uniqueKey on an encoded document, reading its fields
// only.
func uniqueKeyAt(ix IndexSpec, doc []byte) ([]any, error) {
	var dec map[string]any
	vals := make([]any, len(ix.Fields))
	for i, f := range ix.Fields {
		v, ok, err := fieldAt(doc, f, &dec)
		if err != nil || !ok || v == nil {
			return nil, err
		}
		vals[i] = v
	}
	return vals, nil
}

// duplicated is the error of a unique index that cannot be made: two
// live rows hold vals.
func (ts *tableState) duplicated(ix IndexSpec, vals []any) error {
	cols := make([]string, len(ix.Fields))
	texts := make([]string, len(ix.Fields))
	for j, f := range ix.Fields {
		cols[j], texts[j] = ts.cols.rules.nameOf(f), valueText(vals[j])
	}
	return &Error{Code: CodeUniqueViolation, Err: ErrDuplicateKey,
		Msg:    fmt.Sprintf("could not create unique index %q", ix.Name),
		Detail: fmt.Sprintf("Key (%s)=(%s) is duplicated.", strings.Join(cols, ", "), strings.Join(texts, ", "))}
}
