package sql

import (
	"context"
	"fmt"
	"strings"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/exec"
	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// explain runs EXPLAIN [ANALYZE]: the plan of a query or write, one line
// per node, with the access path each table is read by. ANALYZE runs the
// statement (a write is written, as in PostgreSQL) and adds each node's
// rows and time.
func (st *Stmt) explain(ctx context.Context, ex *pg.ExplainStmt, params []types.Datum) (*Result, error) {
	analyze, jsonFormat := false, false
	for _, o := range ex.Options {
		d := o.GetDefElem()
		switch d.Defname {
		case "analyze":
			analyze = constText(d.Arg) != "false"
		case "format":
			f := constText(d.Arg)
			if s := d.Arg.GetString_(); s != nil {
				f = s.Sval
			}
			switch strings.ToLower(f) {
			case "text":
				jsonFormat = false
			case "json":
				jsonFormat = true
			default:
				return nil, pgcode.Newf(pgcode.FeatureNotSupported, "EXPLAIN format %s is not supported; use TEXT or JSON", f)
			}
		}
	}
	inner := &Stmt{s: st.s, p: &parser.Statement{}}
	*inner.p = *st.p
	inner.p.Stmt = ex.Query
	if !inner.isQuery() {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "EXPLAIN explains SELECT, INSERT, UPDATE and DELETE")
	}
	b, err := inner.bind()
	if err != nil {
		return nil, err
	}
	var stats map[plan.Node]*exec.NodeStats
	var total time.Duration
	if analyze {
		stats = map[plan.Node]*exec.NodeStats{}
		start := time.Now()
		if err := st.runAnalyzed(ctx, b, params, stats); err != nil {
			return nil, err
		}
		total = time.Since(start)
	}
	if jsonFormat {
		return explainJSON(b.q.Plan, stats, analyze, total)
	}
	var annotate func(plan.Node) string
	if stats != nil {
		annotate = func(n plan.Node) string {
			s := stats[n]
			if s == nil {
				return "(never executed)"
			}
			return fmt.Sprintf("(actual time=%.3f ms rows=%d loops=%d)", float64(s.Time.Microseconds())/1000, s.Rows, s.Loops)
		}
	}
	lines := plan.Explain(b.q.Plan, annotate)
	if analyze {
		lines = append(lines, fmt.Sprintf("Execution Time: %.3f ms", float64(total.Microseconds())/1000))
	}
	r := &Result{Columns: []Column{{Name: "QUERY PLAN", Type: types.Text}}, Tag: "EXPLAIN"}
	for _, l := range lines {
		r.Rows = append(r.Rows, []types.Datum{strings.TrimRight(l, " ")})
	}
	return r, nil
}

// explainJSON makes the result of EXPLAIN (FORMAT JSON): one json value.
func explainJSON(n plan.Node, stats map[plan.Node]*exec.NodeStats, analyze bool, total time.Duration) (*Result, error) {
	var annotate func(plan.Node) []plan.Field
	var extra []plan.Field
	if analyze {
		annotate = func(n plan.Node) []plan.Field {
			s := stats[n]
			if s == nil {
				return []plan.Field{{Key: "Actual Loops", Value: 0}}
			}
			return []plan.Field{
				{Key: "Actual Total Time", Value: float64(s.Time.Microseconds()) / 1000},
				{Key: "Actual Rows", Value: s.Rows},
				{Key: "Actual Loops", Value: s.Loops},
			}
		}
		extra = append(extra, plan.Field{Key: "Execution Time", Value: float64(total.Microseconds()) / 1000})
	}
	text, err := plan.ExplainJSON(n, annotate, extra...)
	if err != nil {
		return nil, err
	}
	return &Result{Columns: []Column{{Name: "QUERY PLAN", Type: types.JSON}}, Tag: "EXPLAIN", Rows: [][]types.Datum{{types.DJSON(text)}}}, nil
}

// runAnalyzed runs a bound statement to its end, collecting each node's
// statistics.
func (st *Stmt) runAnalyzed(ctx context.Context, b *bound, params []types.Datum, stats map[plan.Node]*exec.NodeStats) error {
	s := st.s
	run := func(tx *engine.Txn) error {
		env := st.env(ctx, params, tx)
		env.Stats = stats
		op, err := exec.Start(env, b.q.Plan)
		if err != nil {
			return err
		}
		defer op.Close()
		for {
			r, err := op.Next()
			if err != nil || r == nil {
				return err
			}
		}
	}
	switch b.q.Plan.(type) {
	case *plan.Insert, *plan.Update, *plan.Delete:
		if err := s.writable(); err != nil {
			return err
		}
		again := func(tx *engine.Txn) error {
			clear(stats)
			return run(tx)
		}
		if s.txn != nil {
			err := s.writeInBlock(ctx, func(_ context.Context, tx *engine.Txn) error { return again(tx) })
			s.KeepResult() // its report is made from this run
			return err
		}
		cm, err := s.db.Autocommit(ctx, again)
		if err != nil {
			return err
		}
		return s.finish(cm)
	}
	return run(nil)
}
