package sql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
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

// viewsOnColumn returns the views whose queries read column col of table,
// in name order: those that bind otherwise, or with other columns, once
// the table has no such column (a view of * over the table among them).
func (s *Session) viewsOnColumn(table, col string) []string {
	var out []string
	view := s.db.View()
	for _, def := range s.db.Views() {
		before, err := s.viewColumns(&catalog{s: s, view: view}, def)
		if err != nil {
			continue // a view that does not bind now reads nothing
		}
		after, err := s.viewColumns(&columnless{catalog: &catalog{s: s, view: view}, table: table, col: col}, def)
		if err != nil || !slices.EqualFunc(before, after, func(a, b plan.Column) bool {
			return a.Name == b.Name && types.Identical(a.Type, b.Type)
		}) {
			out = append(out, def.Name)
		}
	}
	return out
}

// viewColumns binds a view's query over cat and returns its columns.
func (s *Session) viewColumns(cat plan.Catalog, def engine.ViewDef) ([]plan.Column, error) {
	ps, err := parser.Parse(def.SQL)
	if err != nil || len(ps) != 1 || ps[0].Stmt.GetSelectStmt() == nil {
		return nil, pgcode.Newf(pgcode.InternalError, "view %s does not parse", def.Name)
	}
	q, err := plan.NewBinder(cat, "", 0, nil, nil, s.TypesContext()).BindQuery(ps[0].Stmt.GetSelectStmt())
	if err != nil {
		return nil, err
	}
	return q.Cols, nil
}

// columnless is a catalog in which one table lacks one column: what the
// views would read once it is dropped.
type columnless struct {
	*catalog
	table, col string
}

func (c *columnless) Table(name string) (*plan.Table, error) {
	t, err := c.catalog.Table(name)
	if err != nil || name != c.table {
		return t, err
	}
	i := t.Col(c.col)
	if i < 0 {
		return t, nil
	}
	cp := *t
	cp.Cols = slices.Delete(slices.Clone(t.Cols), i, i+1)
	return &cp, nil
}

// columnDependents is the check of ALTER TABLE ... DROP COLUMN: the views
// that read the column are dropped with CASCADE (the notice says which),
// else they make it fail with 2BP01, as PostgreSQL's.
func (s *Session) columnDependents(table, col string, cascade bool) (string, error) {
	views := s.viewsOnColumn(table, col)
	if len(views) == 0 {
		return "", nil
	}
	if !cascade {
		// A view that reads another of them depends on that view; the
		// others on the column, as PostgreSQL tells it.
		var detail []string
		for _, v := range views {
			line := fmt.Sprintf("view %s depends on column %s of table %s", v, col, table)
			if def, ok := s.db.ViewDef(v); ok {
				for _, r := range def.Tables {
					if r != v && slices.Contains(views, r) {
						line = fmt.Sprintf("view %s depends on view %s", v, r)
						break
					}
				}
			}
			detail = append(detail, line)
		}
		return "", pgcode.Newf(pgcode.DependentObjectsStillExist, "cannot drop column %s of table %s because other objects depend on it", col, table).
			WithDetail(strings.Join(detail, "\n")).WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
	}
	for _, v := range views {
		if _, ok := s.db.ViewDef(v); !ok {
			continue // gone with a view it read
		}
		if err := s.db.DropViewCascade(v, true); err != nil {
			return "", err
		}
	}
	if len(views) == 1 {
		return "drop cascades to view " + views[0], nil
	}
	return fmt.Sprintf("drop cascades to %d other objects", len(views)), nil
}

// renameColumnDependents refuses RENAME COLUMN of a column views read: a
// view keeps its query as text, which would still name the old column
// (as for a table, engine.RenameTable).
func (s *Session) renameColumnDependents(table, col string) error {
	views := s.viewsOnColumn(table, col)
	if len(views) == 0 {
		return nil
	}
	return pgcode.Newf(pgcode.FeatureNotSupported, "cannot rename column %s of table %s because views depend on it", col, table).
		WithDetail("views reading it: " + strings.Join(views, ", ")).
		WithHint("Drop the views, rename the column, then create them again.")
}

// QualifiedView writes a view's query with each relation it reads named
// by its schema (public; a WITH query's name stays), for pg_get_viewdef
// under a search path without public. A query that does not read back is
// returned as it is.
func (f fnSession) QualifiedView(query string) string {
	if f.s.publicOnPath() {
		return query
	}
	res, err := pg.Parse(query)
	if err != nil || len(res.Stmts) != 1 {
		return query
	}
	ctes := map[string]bool{}
	var rvs []*pg.RangeVar
	walkTree(res.Stmts[0].ProtoReflect(), func(m proto.Message) {
		switch x := m.(type) {
		case *pg.CommonTableExpr:
			ctes[x.Ctename] = true
		case *pg.RangeVar:
			rvs = append(rvs, x)
		}
	})
	for _, rv := range rvs {
		if rv.Schemaname == "" && !ctes[rv.Relname] {
			rv.Schemaname = "public"
		}
	}
	out, err := pg.Deparse(res)
	if err != nil {
		return query
	}
	return out
}

// publicOnPath reports whether the session's search path reaches schema
// public, where DriftDB's relations are: where it does not, the catalog
// names them by their schema, as PostgreSQL does (pg_dump reads views and
// defaults with an empty search path).
func (s *Session) publicOnPath() bool {
	path, _ := s.Setting("search_path")
	return slices.Contains(builtins.SearchPath(path, s.opts.User), "public")
}
