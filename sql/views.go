package sql

import (
	"context"
	"slices"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
)

// Views: CREATE [OR REPLACE] VIEW keeps the query as text (written back
// from its tree) with its columns' names and the tables it reads; a query
// that names the view binds that text where the name stands. Views are
// not versioned: AS OF reads the view's current query over the tables as
// they were.

// createView runs CREATE [OR REPLACE] VIEW.
func (s *Session) createView(ctx context.Context, v *pg.ViewStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	name, err := relName(v.View)
	if err != nil {
		return nil, err
	}
	if v.View.Relpersistence == "t" {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "temporary views are not supported")
	}
	if v.WithCheckOption != pg.ViewCheckOption_NO_CHECK_OPTION {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "WITH CHECK OPTION is not supported: DriftDB's views are read-only")
	}
	text, err := pg.Deparse(&pg.ParseResult{Version: treeVersion(), Stmts: []*pg.RawStmt{{Stmt: v.Query}}})
	if err != nil {
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "view query cannot be kept: %v", err)
	}
	// Bind the query as it will be bound when read: its columns and the
	// relations it reads.
	ps, err := parser.Parse(text)
	if err != nil || len(ps) != 1 || ps[0].Stmt.GetSelectStmt() == nil {
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "view query does not read back: %v", err)
	}
	cat := &catalog{s: s, view: s.db.View()}
	b := plan.NewBinder(cat, "", 0, nil, nil, s.TypesContext())
	q, err := b.BindQuery(ps[0].Stmt.GetSelectStmt())
	if err != nil {
		return nil, err
	}
	if q.Writes || len(b.Params()) > 0 {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "a view's query must read only, without parameters")
	}
	def := engine.ViewDef{Name: name, SQL: text}
	for _, c := range q.Cols {
		if !c.Hidden {
			def.Columns = append(def.Columns, c.Name)
		}
	}
	if len(v.Aliases) > len(def.Columns) {
		return nil, pgcode.New(pgcode.SyntaxError, "CREATE VIEW specifies more column names than columns")
	}
	for i, a := range v.Aliases {
		def.Columns[i] = a.GetString_().GetSval()
	}
	for t := range cat.seen {
		def.Tables = append(def.Tables, t)
	}
	for t := range cat.views {
		def.Tables = append(def.Tables, t)
	}
	slices.Sort(def.Tables)
	if err := s.db.CreateView(def, v.Replace); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE VIEW"}, nil
}
