package sql

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/driftdb/driftdb/driftql"
	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// DriftQL's own statements: CREATE TABLE t (pk=id, INDEX(a)), INSERT INTO t
// {doc}, PATCH, SOFT DELETE, SHOW DRIFT, SNAPSHOT, COMPACT. PostgreSQL's
// grammar takes everything else; these come here when it refuses them.

// drift columns of SHOW DRIFT.
var driftColumns = []Column{{Name: "seq", Type: types.Int8}, {Name: "ts", Type: types.TimestampTZ},
	{Name: "event", Type: types.Text}, {Name: "change", Type: types.JSONB}, {Name: "doc", Type: types.JSONB}}

func (st *Stmt) driftQLColumns() ([]Column, error) {
	if st.p.DriftQL.ShowDrift != nil {
		return driftColumns, nil
	}
	return nil, nil
}

// value evaluates a DriftQL value: a number, a string in either quotes, a
// parameter, TRUE/FALSE, NULL.
func driftValue(v *driftql.Value, params []types.Datum) (any, error) {
	switch {
	case v == nil:
		return nil, nil
	case v.Number != nil:
		text := *v.Number
		if v.Neg {
			text = "-" + text
		}
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
		return json.Number(text), nil
	case v.SQ != nil:
		return *v.SQ, nil
	case v.DQ != nil:
		return *v.DQ, nil
	case v.Param != nil:
		n, _ := strconv.Atoi(strings.TrimPrefix(v.Param.N, "$"))
		if n < 1 || n > len(params) {
			return nil, pgcode.Newf(pgcode.UndefinedParameter, "there is no parameter %s", v.Param.N)
		}
		return paramDoc(params[n-1]), nil
	case v.Bool != nil:
		return bool(*v.Bool), nil
	}
	return nil, nil
}

// paramDoc is a parameter's value as documents hold it.
func paramDoc(d types.Datum) any {
	switch x := d.(type) {
	case types.DJSONB:
		return x.V
	case types.DJSON:
		return string(x)
	}
	return d
}

// docText is a document given inline or as a parameter, as JSON text.
func docText(doc *driftql.JSONObject, param *driftql.Param, params []types.Datum) ([]byte, error) {
	if doc != nil {
		return []byte(doc.Text()), nil
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(param.N, "$"))
	if n < 1 || n > len(params) {
		return nil, pgcode.Newf(pgcode.UndefinedParameter, "there is no parameter %s", param.N)
	}
	switch x := params[n-1].(type) {
	case string:
		return []byte(x), nil
	case types.DJSON:
		return []byte(x), nil
	case types.DJSONB:
		return engine.ToJSON(x.V), nil
	case nil:
		return nil, pgcode.Newf(pgcode.NotNullViolation, "document parameter %s is NULL", param.N)
	}
	return nil, pgcode.Newf(pgcode.DatatypeMismatch, "document parameter %s must be JSON text", param.N)
}

// runDriftQL runs a DriftQL statement.
func (st *Stmt) runDriftQL(ctx context.Context, params []types.Datum) (*Result, error) {
	s, a := st.s, st.p.DriftQL
	switch {
	case a.CreateTable != nil:
		return s.driftCreateTable(a.CreateTable)
	case a.CreateIndex != nil:
		if err := s.writable(); err != nil {
			return nil, err
		}
		for _, f := range a.CreateIndex.Fields {
			if err := s.db.CreateIndex(a.CreateIndex.Table.Text(), f.String()); err != nil {
				return nil, err
			}
		}
		return &Result{Tag: "CREATE INDEX"}, nil
	case a.Insert != nil && (a.Insert.Doc != nil || a.Insert.DocParam != nil):
		if len(a.Insert.Returning) > 0 {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "RETURNING after a DriftQL document is not supported; use INSERT ... VALUES")
		}
		text, err := docText(a.Insert.Doc, a.Insert.DocParam, params)
		if err != nil {
			return nil, err
		}
		table := a.Insert.Table.Text()
		return s.driftWrite(ctx, "INSERT 0 1", func(tx *engine.Txn) error {
			_, err := tx.Insert(table, text)
			return err
		})
	case a.Patch != nil:
		key, err := driftValue(a.Patch.Key, params)
		if err != nil {
			return nil, err
		}
		text, err := docText(a.Patch.Doc, a.Patch.DocParam, params)
		if err != nil {
			return nil, err
		}
		table := a.Patch.Table.Text()
		return s.driftWrite(ctx, "PATCH 1", func(tx *engine.Txn) error { return tx.Patch(table, key, text) })
	case a.SoftDelete != nil:
		key, err := driftValue(a.SoftDelete.Key, params)
		if err != nil {
			return nil, err
		}
		table := a.SoftDelete.Table.Text()
		return s.driftWrite(ctx, "SOFT DELETE 1", func(tx *engine.Txn) error { return tx.SoftDelete(table, key) })
	case a.ShowDrift != nil:
		return s.showDrift(a.ShowDrift, params)
	case a.Snapshot != nil:
		if err := s.writable(); err != nil {
			return nil, err
		}
		if _, err := s.db.SnapshotTable(a.Snapshot.Table.Text()); err != nil {
			return nil, err
		}
		return &Result{Tag: "SNAPSHOT"}, nil
	case a.Compact != nil:
		return s.compact(a.Compact, params)
	}
	return nil, pgcode.Newf(pgcode.SyntaxError, "statement not supported: %s", a.SQL)
}

// driftWrite runs a DriftQL write in the transaction, or in one of its own.
func (s *Session) driftWrite(ctx context.Context, tag string, write func(*engine.Txn) error) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	if s.txn != nil {
		if err := s.writeInBlock(ctx, func(_ context.Context, tx *engine.Txn) error { return write(tx) }); err != nil {
			return nil, err
		}
		return &Result{Tag: tag}, nil
	}
	cm, err := s.db.Autocommit(ctx, write)
	if err != nil {
		return nil, err
	}
	if err := s.finish(cm); err != nil {
		return nil, err
	}
	return &Result{Tag: tag}, nil
}

// driftCreateTable runs CREATE TABLE in DriftQL's form.
func (s *Session) driftCreateTable(ct *driftql.CreateTable) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	spec := engine.TableSpec{Name: ct.Table.Text()}
	for _, el := range ct.Elems {
		switch {
		case el.PK != nil:
			spec.PK = el.PK.Text()
		case el.Index != nil:
			for _, n := range el.Index {
				spec.Indexes = append(spec.Indexes, n.Text())
			}
		case el.PrimaryKey != nil:
			if len(el.PrimaryKey) != 1 {
				return nil, pgcode.New(pgcode.FeatureNotSupported, "a primary key of several columns is not supported")
			}
			spec.PK = el.PrimaryKey[0].Text()
		case el.Column != nil:
			// SQL's column definitions, beside DriftQL's INDEX(...).
			cs, pk, err := driftColumn(el.Column)
			if err != nil {
				return nil, err
			}
			if pk {
				if spec.PK != "" && spec.PK != cs.Name {
					return nil, pgcode.Newf(pgcode.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", spec.Name)
				}
				spec.PK = cs.Name
			}
			spec.Columns = append(spec.Columns, cs)
		}
	}
	if spec.PK == "" {
		return nil, pgcode.Newf(pgcode.InvalidTableDefinition, "table %q needs a primary key: CREATE TABLE %s (pk=field, ...) or a PRIMARY KEY column", spec.Name, spec.Name)
	}
	if err := s.db.CreateTable(spec); err != nil {
		if ct.IfNotExists && engine.Code(err) == engine.CodeDuplicateTable {
			return &Result{Tag: "CREATE TABLE"}, nil
		}
		return nil, err
	}
	return &Result{Tag: "CREATE TABLE"}, nil
}

// showDrift lists every event of a row.
func (s *Session) showDrift(sd *driftql.ShowDrift, params []types.Datum) (*Result, error) {
	key, err := driftValue(sd.Key, params)
	if err != nil {
		return nil, err
	}
	v, err := s.readView()
	if err != nil {
		return nil, err
	}
	evs, err := v.History(sd.Table.Text(), key)
	if err != nil {
		return nil, err
	}
	r := &Result{Columns: driftColumns}
	for _, e := range evs {
		var change, doc types.Datum
		if e.Change != nil {
			change = types.DJSONB{V: e.Change}
		}
		if e.Doc != nil {
			doc = types.DJSONB{V: e.Doc}
		}
		r.Rows = append(r.Rows, []types.Datum{int64(e.Seq), types.DTimestampTZ(e.UnixMs*1000 - 946684800*1_000_000), e.Type.String(), change, doc})
	}
	r.Tag = fmt.Sprintf("SELECT %d", len(r.Rows))
	return r, nil
}

// compact runs COMPACT t [BEFORE point].
func (s *Session) compact(c *driftql.Compact, params []types.Datum) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	table := c.Table.Text()
	if c.Before == nil {
		if err := s.db.Compact(table); err != nil {
			return nil, err
		}
		return &Result{Tag: "COMPACT"}, nil
	}
	p, err := driftValue(c.Before, params)
	if err != nil {
		return nil, err
	}
	text, _ := p.(string)
	if n, ok := p.(int64); ok {
		text = "@seq:" + strconv.FormatInt(n, 10)
	}
	if digits, ok := strings.CutPrefix(text, "@seq:"); ok {
		n, err := strconv.ParseUint(strings.TrimSpace(digits), 10, 64)
		if err != nil {
			return nil, pgcode.Newf(pgcode.InvalidParameterValue, "invalid horizon %q: want \"@seq:N\" or an RFC 3339 time", text)
		}
		if _, err := s.db.CompactBefore(table, n); err != nil {
			return nil, err
		}
		return &Result{Tag: "COMPACT"}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return nil, pgcode.Newf(pgcode.InvalidParameterValue, "invalid horizon %q: want \"@seq:N\" or an RFC 3339 time", text)
	}
	if _, err := s.db.CompactBeforeTime(table, t); err != nil {
		return nil, err
	}
	return &Result{Tag: "COMPACT"}, nil
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

// driftColumn reads a column definition written in DriftQL's CREATE TABLE.
func driftColumn(c *driftql.ColumnElem) (engine.ColumnSpec, bool, error) {
	typ, err := engine.ParseType(c.Type.Text())
	if err != nil {
		return engine.ColumnSpec{}, false, err
	}
	cs := engine.ColumnSpec{Name: c.Name.Text(), Type: typ}
	if typ == engine.TypeNumeric && len(c.Type.Args) > 0 {
		if len(c.Type.Args) > 2 {
			return cs, false, pgcode.New(pgcode.InvalidParameterValue, "invalid NUMERIC type modifier")
		}
		p, _ := strconv.Atoi(c.Type.Args[0])
		cs.Typmod.Precision = p
		if len(c.Type.Args) == 2 {
			cs.Typmod.Scale, _ = strconv.Atoi(c.Type.Args[1])
		}
		if p == 0 {
			return cs, false, pgcode.Newf(pgcode.InvalidParameterValue, "NUMERIC precision 0 must be between 1 and %d", engine.NumericMaxPrecision)
		}
		if err := cs.Typmod.Validate(); err != nil {
			return cs, false, err
		}
	}
	pk := false
	for _, k := range c.Constraints {
		pk = pk || k.PrimaryKey
		cs.NotNull = cs.NotNull || k.NotNull
	}
	return cs, pk, nil
}
