package sql

import (
	"context"
	"fmt"
	"sort"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// PREPARE, EXECUTE and DEALLOCATE: prepared statements by SQL. The
// session keeps them by name (apart from the protocol's named statements,
// which pgwire keeps) until DEALLOCATE, DISCARD ALL or its end.

// prepareStmt runs PREPARE name [(types)] AS statement: the statement is
// bound now, as PostgreSQL analyses it, so that a missing table or column
// is this statement's error.
func (st *Stmt) prepareStmt(p *pg.PrepareStmt) (*Result, error) {
	s := st.s
	if _, ok := s.prepared[p.Name]; ok {
		return nil, pgcode.Newf(pgcode.DuplicatePreparedStatement, "prepared statement %q already exists", p.Name)
	}
	var given []*types.T
	for _, a := range p.Argtypes {
		t, err := plan.TypeName(a.GetTypeName())
		if err != nil {
			return nil, err
		}
		given = append(given, t)
	}
	inner := &Stmt{s: s, p: st.p.With(p.Query)}
	pts, _, err := inner.Describe(given)
	if err != nil {
		return nil, err
	}
	inner.given = pts // unknown parameters as inferred, for EXECUTE's values
	if s.prepared == nil {
		s.prepared = map[string]*sqlPrepared{}
	}
	s.prepared[p.Name] = &sqlPrepared{st: inner, text: st.p.SQL, at: s.opts.Now()}
	return &Result{Tag: "PREPARE"}, nil
}

// executeStmt runs EXECUTE name [(values)]: each value is computed and
// converted to its parameter's type, then the prepared statement runs with
// them, its rows and tag the statement's.
func (st *Stmt) executeStmt(ctx context.Context, e *pg.ExecuteStmt, params []types.Datum) (*Result, error) {
	inner, err := st.s.preparedNamed(e.Name)
	if err != nil {
		return nil, err
	}
	if len(e.Params) != len(inner.given) {
		return nil, pgcode.Newf(pgcode.SyntaxError, "wrong number of parameters for prepared statement %q", e.Name).
			WithDetail(fmt.Sprintf("Expected %d parameters but got %d.", len(inner.given), len(e.Params)))
	}
	var values []types.Datum
	if len(e.Params) > 0 {
		// SELECT v1::t1, v2::t2, ...: the values as the statement's
		// parameters need them, computed with the EXECUTE's own.
		sel := &pg.SelectStmt{Op: pg.SetOperation_SETOP_NONE, LimitOption: pg.LimitOption_LIMIT_OPTION_DEFAULT}
		for i, v := range e.Params {
			if sl := findSubLink(v.ProtoReflect()); sl != nil {
				return nil, pgcode.New(pgcode.FeatureNotSupported, "cannot use subquery in EXECUTE parameter").At(st.p.Pos(sl.Location))
			}
			tn, err := typeNameNode(inner.given[i])
			if err != nil {
				return nil, err
			}
			sel.TargetList = append(sel.TargetList, &pg.Node{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{
				Val: &pg.Node{Node: &pg.Node_TypeCast{TypeCast: &pg.TypeCast{Arg: v, TypeName: tn, Location: -1}}}}}})
		}
		vals := &Stmt{s: st.s, p: st.p.With(&pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}}), given: st.given}
		r, err := vals.run(ctx, params)
		if err == nil {
			var row []types.Datum
			if row, err = r.Next(ctx); err == nil && row != nil {
				values = append(values, row...)
			}
			r.Close()
		}
		if err != nil {
			return nil, err
		}
	}
	return inner.run(ctx, values)
}

// sqlPrepared is a statement PREPARE made: the statement, the PREPARE's
// text and when it ran (pg_prepared_statements).
type sqlPrepared struct {
	st   *Stmt
	text string
	at   time.Time
}

// preparedStatements lists the session's prepared statements by name:
// PREPARE's, then the protocol's (pg_prepared_statements).
func (s *Session) preparedStatements() []vtable.PreparedStatement {
	var out []vtable.PreparedStatement
	for name, p := range s.prepared {
		out = append(out, vtable.PreparedStatement{Name: name, Statement: p.text, Prepared: p.at, Params: p.st.given, FromSQL: true})
	}
	if s.opts.Statements != nil {
		out = append(out, s.opts.Statements()...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// deallocateStmt runs DEALLOCATE [PREPARE] name | ALL.
func (s *Session) deallocateStmt(d *pg.DeallocateStmt) (*Result, error) {
	if d.Isall {
		s.prepared = nil
		return &Result{Tag: "DEALLOCATE ALL"}, nil
	}
	if _, err := s.preparedNamed(d.Name); err != nil {
		return nil, err
	}
	delete(s.prepared, d.Name)
	return &Result{Tag: "DEALLOCATE"}, nil
}

// preparedNamed returns the statement PREPARE made under name.
func (s *Session) preparedNamed(name string) (*Stmt, error) {
	if p, ok := s.prepared[name]; ok {
		return p.st, nil
	}
	return nil, pgcode.Newf(pgcode.InvalidSQLStatementName, "prepared statement %q does not exist", name)
}

// typeNameNode is a type as the grammar's TypeName, to cast to.
func typeNameNode(t *types.T) (*pg.TypeName, error) {
	n, err := parser.ParseExpr("NULL::" + t.String())
	if err != nil {
		return nil, pgcode.Newf(pgcode.InternalError, "type %s does not read back: %v", t, err)
	}
	tc := n.GetTypeCast()
	if tc == nil {
		return nil, pgcode.Newf(pgcode.InternalError, "type %s does not read back", t)
	}
	return tc.TypeName, nil
}

// findSubLink returns the first subquery in a parse tree, if any.
func findSubLink(m protoreflect.Message) *pg.SubLink {
	var found *pg.SubLink
	walkTree(m, func(x proto.Message) {
		if sl, ok := x.(*pg.SubLink); ok && found == nil {
			found = sl
		}
	})
	return found
}
