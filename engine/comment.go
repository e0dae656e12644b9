package engine

import (
	"maps"
	"slices"
)

// Comments (COMMENT ON) are kept with the object they describe: a
// table's, its columns' and its indexes' in schema.yaml, a view's in its
// file, a sequence's in its file. A comment change is a change of
// definition like the others, durable when it returns; dropping the
// object drops its comments. An empty comment removes the comment.

// pruneIndexComments removes the comments of indexes the table no
// longer has.
func (s *TableSpec) pruneIndexComments() {
	if len(s.IndexComments) == 0 {
		return
	}
	have := map[uint32]bool{s.PKIndexOID: true}
	for _, d := range s.indexes() {
		have[d.OID] = true
	}
	maps.DeleteFunc(s.IndexComments, func(oid uint32, _ string) bool { return oid == 0 || !have[oid] })
	if len(s.IndexComments) == 0 {
		s.IndexComments = nil
	}
}

// setComment sets (or with "" removes) the entry k of m, which it
// returns, made if need be.
func setComment[K comparable](m map[K]string, k K, comment string) map[K]string {
	if comment == "" {
		delete(m, k)
		if len(m) == 0 {
			return nil
		}
		return m
	}
	if m == nil {
		m = map[K]string{}
	}
	m[k] = comment
	return m
}

// CommentTable sets the comment of a table ("" removes it).
func (db *DB) CommentTable(table, comment string) error {
	return db.alter(table, func(a *alteration) error {
		a.spec.Comment = comment
		return nil
	})
}

// CommentColumn sets the comment of a column of a table ("" removes
// it). The comment stays with the column through renames and goes with
// it when it is dropped.
func (db *DB) CommentColumn(table, column, comment string) error {
	return db.alter(table, func(a *alteration) error {
		c, err := a.column(column)
		if err != nil {
			return err
		}
		a.spec.ColumnComments = setComment(a.spec.ColumnComments, c.Field, comment)
		return nil
	})
}

// CommentIndex sets the comment of the index with OID oid of a table
// ("" removes it); a table without that index fails with 42704.
func (db *DB) CommentIndex(table string, oid uint32, comment string) error {
	return db.alter(table, func(a *alteration) error {
		found := oid != 0 && oid == a.spec.PKIndexOID
		for _, d := range a.spec.indexes() {
			found = found || d.OID == oid
		}
		if !found {
			return errorf(CodeUndefinedObject, "index %d of relation %q does not exist", oid, table)
		}
		a.spec.IndexComments = setComment(a.spec.IndexComments, oid, comment)
		return nil
	})
}

// CommentView sets the comment of a view, or with column set of one of
// its columns ("" removes it).
func (db *DB) CommentView(name, column, comment string) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	old, ok := db.views.get(name)
	if !ok {
		return noTable(name)
	}
	d := old.clone()
	if column == "" {
		d.Comment = comment
	} else {
		if !slices.Contains(d.Columns, column) {
			return errorf(CodeUndefinedColumn, "column %q of relation %q does not exist", column, name)
		}
		d.ColumnComments = setComment(d.ColumnComments, column, comment)
	}
	if err := db.writeView(&d); err != nil {
		return storageError(err)
	}
	db.views.put(&d)
	return nil
}

// CommentSequence sets the comment of a sequence ("" removes it).
func (db *DB) CommentSequence(name, comment string) error {
	return db.changeSequence(name, func(s *sequence) error {
		was := s.def.Comment
		s.def.Comment = comment
		if err := db.writeSequence(s, s.last, s.called); err != nil {
			s.def.Comment = was
			return storageError(err)
		}
		s.logCnt = 0
		return nil
	})
}
