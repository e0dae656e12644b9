package sql

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/vtable"
)

// COMMENT ON TABLE, COLUMN, VIEW, INDEX and SEQUENCE. The engine keeps a
// comment with its object; pg_description shows it. Like the other
// changes of definition, a comment takes effect when its statement runs.

// commentKinds are the objects COMMENT ON takes, by the kind of
// relation each is.
var commentKinds = map[pg.ObjectType]string{
	pg.ObjectType_OBJECT_TABLE:    "table",
	pg.ObjectType_OBJECT_VIEW:     "view",
	pg.ObjectType_OBJECT_INDEX:    "index",
	pg.ObjectType_OBJECT_SEQUENCE: "sequence",
}

// commentStmt runs COMMENT ON ... IS 'text' | NULL; an empty text, like
// NULL, removes the comment.
func (s *Session) commentStmt(c *pg.CommentStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	names, err := commentNames(c.Object)
	if err != nil {
		return nil, err
	}
	if c.Objtype == pg.ObjectType_OBJECT_COLUMN {
		err = s.commentColumn(names, c.Comment)
	} else if want, ok := commentKinds[c.Objtype]; ok {
		err = s.commentRelation(names, want, c.Comment)
	} else {
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "COMMENT ON %s is not supported", strings.TrimPrefix(c.Objtype.String(), "OBJECT_"))
	}
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "COMMENT"}, nil
}

// commentNames reads the dotted name of a COMMENT's object.
func commentNames(n *pg.Node) ([]string, error) {
	var out []string
	for _, it := range n.GetList().GetItems() {
		out = append(out, it.GetString_().GetSval())
	}
	if len(out) == 0 {
		return nil, pgcode.New(pgcode.SyntaxError, "syntax error in COMMENT")
	}
	return out, nil
}

// commentRel is a relation COMMENT ON names.
type commentRel struct {
	name  string
	kind  string // "table", "view", "index" or "sequence"
	table string // an index's table
	oid   uint32 // an index's
}

// commentTarget finds the relation a COMMENT names: [schema.]name.
func (s *Session) commentTarget(names []string) (commentRel, error) {
	full := strings.Join(names, ".")
	switch len(names) {
	case 1:
	case 2:
		switch names[0] {
		case vtable.Public:
		case vtable.PgCatalog, vtable.InformationSchema, vtable.DriftDB:
			return commentRel{}, pgcode.Newf(pgcode.FeatureNotSupported, "cannot comment on %q: it is a system catalog object", full)
		default:
			return commentRel{}, pgcode.Newf(pgcode.InvalidSchemaName, "schema %q does not exist", names[0])
		}
	default:
		return commentRel{}, pgcode.Newf(pgcode.FeatureNotSupported, "cross-database references are not implemented: %q", full)
	}
	name := names[len(names)-1]
	r := commentRel{name: name}
	v := s.db.View()
	if _, ok := s.db.ViewDef(name); ok {
		r.kind = "view"
	} else if _, err := v.Spec(name); err == nil {
		r.kind = "table"
	} else if _, err := s.db.SequenceInfo(name); err == nil {
		r.kind = "sequence"
	} else if t, ix, ok := v.IndexNamed(name); ok {
		r.kind, r.table, r.oid = "index", t, ix.OID
	} else if t, ok := strings.CutSuffix(name, "_pkey"); ok {
		if spec, err := v.Spec(t); err == nil && !spec.RowID {
			r.kind, r.table, r.oid = "index", t, spec.PKIndexOID
		}
	}
	if r.kind == "" {
		return commentRel{}, pgcode.Newf(pgcode.UndefinedTable, "relation %q does not exist", full)
	}
	return r, nil
}

// commentRelation sets the comment of a table, view, index or sequence.
func (s *Session) commentRelation(names []string, want, comment string) error {
	r, err := s.commentTarget(names)
	if err != nil {
		return err
	}
	if r.kind != want {
		article := "a"
		if want == "index" {
			article = "an"
		}
		return pgcode.Newf(pgcode.WrongObjectType, "%q is not %s %s", r.name, article, want)
	}
	switch r.kind {
	case "table":
		return s.db.CommentTable(r.name, comment)
	case "view":
		return s.db.CommentView(r.name, "", comment)
	case "index":
		return s.db.CommentIndex(r.table, r.oid, comment)
	default:
		return s.db.CommentSequence(r.name, comment)
	}
}

// commentColumn sets the comment of a column of a table or view:
// [schema.]relation.column.
func (s *Session) commentColumn(names []string, comment string) error {
	if len(names) < 2 {
		return pgcode.New(pgcode.SyntaxError, "column name must be qualified")
	}
	if len(names) > 3 {
		return pgcode.Newf(pgcode.SyntaxError, "improper qualified name (too many dotted names): %s", strings.Join(names, "."))
	}
	col := names[len(names)-1]
	r, err := s.commentTarget(names[:len(names)-1])
	if err != nil {
		return err
	}
	switch r.kind {
	case "table":
		return s.db.CommentColumn(r.name, col, comment)
	case "view":
		return s.db.CommentView(r.name, col, comment)
	}
	detail := fmt.Sprintf("This operation is not supported for %s.", map[string]string{"index": "indexes", "sequence": "sequences"}[r.kind])
	return pgcode.Newf(pgcode.WrongObjectType, "cannot set comment on relation %q", r.name).WithDetail(detail)
}
