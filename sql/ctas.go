package sql

import (
	"context"
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// CREATE TABLE ... AS and SELECT ... INTO make a table of a query's
// columns and fill it with its rows. The table is made when the statement
// runs, as every DDL statement's change is (ddl.go): a ROLLBACK of its
// transaction block takes its rows back, not the table. A statement that
// fails leaves no table.

// isSelectInto reports whether a statement is SELECT ... INTO, which
// makes a table (createTableAs), not a query.
func isSelectInto(n *pg.Node) bool {
	sel := n.GetSelectStmt()
	return sel != nil && sel.IntoClause != nil
}

// selectInto runs SELECT ... INTO name: CREATE TABLE name AS the SELECT
// without its INTO.
func (st *Stmt) selectInto(ctx context.Context, sel *pg.SelectStmt, params []types.Datum) (*Result, error) {
	q := proto.Clone(sel).(*pg.SelectStmt)
	into := q.IntoClause
	q.IntoClause = nil
	return st.createTableAs(ctx, into, &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: q}}, false, params)
}

// createTableAs runs CREATE TABLE name [(columns)] AS query [WITH [NO]
// DATA], and SELECT ... INTO name.
func (st *Stmt) createTableAs(ctx context.Context, into *pg.IntoClause, query *pg.Node, ifNotExists bool, params []types.Datum) (*Result, error) {
	s := st.s
	if err := s.writable(); err != nil {
		return nil, err
	}
	rv := into.Rel
	name, err := relName(rv)
	if err != nil {
		return nil, err
	}
	switch {
	case rv.Relpersistence == "t":
		return nil, pgcode.New(pgcode.FeatureNotSupported, "temporary tables are not supported")
	case query.GetSelectStmt() == nil:
		return nil, pgcode.New(pgcode.FeatureNotSupported, "CREATE TABLE AS EXECUTE is not supported")
	case into.OnCommit != pg.OnCommitAction_ONCOMMIT_NOOP && into.OnCommit != pg.OnCommitAction_ON_COMMIT_ACTION_UNDEFINED:
		return nil, pgcode.New(pgcode.FeatureNotSupported, "ON COMMIT is not supported")
	}
	if _, err := s.db.View().Spec(name); err == nil {
		if ifNotExists {
			s.notice(fmt.Sprintf("relation %q already exists, skipping", name))
			return &Result{Tag: "CREATE TABLE AS"}, nil
		}
		return nil, pgcode.Newf(pgcode.DuplicateTable, "relation %q already exists", name)
	}
	// The query's columns, as it binds now: their names (or the ones
	// given) and types make the table.
	q, err := st.binder(&catalog{s: s, view: s.db.View()}).BindQuery(query.GetSelectStmt())
	if err != nil {
		return nil, err
	}
	var cols []plan.Column
	for _, c := range q.Cols {
		if !c.Hidden {
			cols = append(cols, c)
		}
	}
	if len(into.ColNames) > len(cols) {
		return nil, pgcode.New(pgcode.SyntaxError, "too many column names were specified")
	}
	var def strings.Builder
	fmt.Fprintf(&def, "CREATE TABLE %s (", quoteIdent(name))
	seen := map[string]bool{}
	for i, c := range cols {
		if i < len(into.ColNames) {
			c.Name = into.ColNames[i].GetString_().GetSval()
		}
		if seen[c.Name] {
			return nil, pgcode.Newf(pgcode.DuplicateColumn, "column %q specified more than once", c.Name)
		}
		seen[c.Name] = true
		t := c.Type
		switch t.Family {
		case types.UnknownFamily:
			t = types.Text // a literal of no type, as PostgreSQL makes it
		case types.RecordFamily:
			return nil, pgcode.Newf(pgcode.InvalidTableDefinition, "column %q has pseudo-type record", c.Name)
		}
		if i > 0 {
			def.WriteString(", ")
		}
		fmt.Fprintf(&def, "%s %s", quoteIdent(c.Name), t.String())
	}
	def.WriteString(")")
	if _, err := s.execInternal(ctx, def.String()); err != nil {
		return nil, err
	}
	if into.SkipData {
		return &Result{Tag: "CREATE TABLE AS"}, nil
	}
	ins := &pg.InsertStmt{Relation: proto.Clone(rv).(*pg.RangeVar), SelectStmt: query}
	fill := &Stmt{s: s, p: st.p.With(&pg.Node{Node: &pg.Node_InsertStmt{InsertStmt: ins}}), given: st.given}
	r, err := fill.Execute(ctx, params)
	if err != nil {
		// The statement fails whole: the table it made goes (directly:
		// a transaction block the failure aborted runs no DROP).
		if derr := s.db.DropTable(name, false); derr != nil {
			return nil, fmt.Errorf("%w (and the table it made stays: %v)", err, derr)
		}
		return nil, err
	}
	n := strings.TrimPrefix(r.Tag, "INSERT 0 ")
	return &Result{Tag: "SELECT " + n}, nil
}

// execInternal runs a statement the session makes itself (no plan cache).
func (s *Session) execInternal(ctx context.Context, text string) (*Result, error) {
	ps, err := s.Parse(text)
	if err != nil {
		return nil, err
	}
	return ps[0].Execute(ctx, nil)
}
