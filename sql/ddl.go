package sql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/exec"
	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// DDL: DROP, TRUNCATE, ALTER TABLE, RENAME. A change of definition takes
// effect when its statement runs, inside a transaction block too (a
// ROLLBACK does not undo it); TRUNCATE is a write like DELETE and belongs
// to the transaction. docs/SQL.md says so.

// relName checks a relation's schema and returns its name.
func relName(rv *pg.RangeVar) (string, error) {
	if rv.Schemaname != "" && rv.Schemaname != "public" && rv.Schemaname != "pg_catalog" {
		return "", pgcode.Newf(pgcode.InvalidSchemaName, "schema %q does not exist", rv.Schemaname)
	}
	return rv.Relname, nil
}

// dropStmt runs DROP TABLE and DROP INDEX.
func (s *Session) dropStmt(d *pg.DropStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	if d.RemoveType == pg.ObjectType_OBJECT_EXTENSION {
		return s.dropExtensions(d)
	}
	var tag string
	switch d.RemoveType {
	case pg.ObjectType_OBJECT_TABLE:
		tag = "DROP TABLE"
	case pg.ObjectType_OBJECT_INDEX:
		tag = "DROP INDEX"
	case pg.ObjectType_OBJECT_SEQUENCE:
		tag = "DROP SEQUENCE"
	case pg.ObjectType_OBJECT_VIEW:
		tag = "DROP VIEW"
	default:
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "DROP %s is not supported", strings.TrimPrefix(d.RemoveType.String(), "OBJECT_"))
	}
	cascade := d.Behavior == pg.DropBehavior_DROP_CASCADE
	for _, o := range d.Objects {
		names := o.GetList().GetItems()
		name := names[len(names)-1].GetString_().GetSval()
		if len(names) > 1 {
			if schema := names[0].GetString_().GetSval(); schema != "public" {
				return nil, pgcode.Newf(pgcode.InvalidSchemaName, "schema %q does not exist", schema)
			}
		}
		var err error
		switch d.RemoveType {
		case pg.ObjectType_OBJECT_TABLE:
			if _, isView := s.db.ViewDef(name); !isView {
				if _, serr := s.db.View().Spec(name); serr != nil && engine.Code(serr) == engine.CodeUndefinedTable {
					if d.MissingOk {
						s.notice(fmt.Sprintf("table %q does not exist, skipping", name))
						continue
					}
					return nil, pgcode.Newf(pgcode.UndefinedTable, "table %q does not exist", name)
				}
			}
			if cascade {
				err = s.db.DropTableCascade(name, d.MissingOk)
			} else {
				err = s.db.DropTable(name, d.MissingOk)
			}
		case pg.ObjectType_OBJECT_VIEW:
			if _, ok := s.db.ViewDef(name); !ok && d.MissingOk {
				if _, serr := s.db.View().Spec(name); serr != nil {
					s.notice(fmt.Sprintf("view %q does not exist, skipping", name))
					continue
				}
			}
			if cascade {
				err = s.db.DropViewCascade(name, d.MissingOk)
			} else {
				err = s.db.DropView(name, d.MissingOk)
			}
		case pg.ObjectType_OBJECT_INDEX:
			table, _, ok := s.db.View().IndexNamed(name)
			if !ok {
				if d.MissingOk {
					s.notice(fmt.Sprintf("index %q does not exist, skipping", name))
					continue
				}
				return nil, pgcode.Newf(pgcode.UndefinedObject, "index %q does not exist", name)
			}
			err = s.db.DropIndex(table, name)
		case pg.ObjectType_OBJECT_SEQUENCE:
			if _, serr := s.db.SequenceInfo(name); serr != nil && errors.Is(serr, engine.ErrNoSequence) && d.MissingOk {
				s.notice(fmt.Sprintf("sequence %q does not exist, skipping", name))
				continue
			}
			err = s.db.DropSequence(name, d.MissingOk)
		}
		if err != nil {
			return nil, err
		}
	}
	return &Result{Tag: tag}, nil
}

// truncate runs TRUNCATE: every row of each table deleted, as one event
// per table in the transaction (the history stays).
func (s *Session) truncate(ctx context.Context, t *pg.TruncateStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	var names []string
	for _, r := range t.Relations {
		name, err := s.tableNamed(r.GetRangeVar())
		if err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	write := func(tx *engine.Txn) error {
		for _, n := range names {
			if err := tx.Truncate(n); err != nil {
				return err
			}
		}
		return nil
	}
	return s.driftWrite(ctx, "TRUNCATE TABLE", write)
}

// renameStmt runs ALTER TABLE ... RENAME [COLUMN] ... TO; the renames of
// other objects (an index, a constraint) are refused.
func (s *Session) renameStmt(r *pg.RenameStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	if r.RenameType != pg.ObjectType_OBJECT_TABLE && r.RenameType != pg.ObjectType_OBJECT_COLUMN {
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "ALTER %s ... RENAME is not supported", strings.TrimPrefix(r.RenameType.String(), "OBJECT_"))
	}
	name, err := s.tableNamed(r.Relation)
	if err != nil {
		return s.skipMissing(err, r.MissingOk, name)
	}
	switch r.RenameType {
	case pg.ObjectType_OBJECT_TABLE:
		err = s.db.RenameTable(name, r.Newname)
	case pg.ObjectType_OBJECT_COLUMN:
		if s.hiddenKey(name, r.Subname) {
			return nil, pgcode.Newf(pgcode.FeatureNotSupported, "cannot rename system column %q", r.Subname)
		}
		if err = s.renameColumnDependents(name, r.Subname); err == nil {
			err = s.db.RenameColumn(name, r.Subname, r.Newname)
		}
	default:
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "ALTER %s ... RENAME is not supported", strings.TrimPrefix(r.RenameType.String(), "OBJECT_"))
	}
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "ALTER TABLE"}, nil
}

// skipMissing answers ALTER TABLE IF EXISTS of a missing table with
// PostgreSQL's notice; other errors stay.
func (s *Session) skipMissing(err error, missingOK bool, name string) (*Result, error) {
	if missingOK && pgcode.Of(err) == pgcode.UndefinedTable {
		s.notice(fmt.Sprintf("relation %q does not exist, skipping", name))
		return &Result{Tag: "ALTER TABLE"}, nil
	}
	return nil, err
}

// tableNamed is the name of the table rv names: 42P01 for a missing one.
func (s *Session) tableNamed(rv *pg.RangeVar) (string, error) {
	name, err := relName(rv)
	if err != nil {
		return "", err
	}
	return name, s.tableExists(name)
}

// tableExists is 42P01 for a missing table.
func (s *Session) tableExists(name string) error {
	if _, err := s.db.View().Spec(name); err != nil {
		if engine.Code(err) == engine.CodeUndefinedTable {
			return pgcode.Newf(pgcode.UndefinedTable, "relation %q does not exist", name)
		}
		return err
	}
	return nil
}

// alterTable runs ALTER TABLE's column and constraint commands, one at a
// time.
func (s *Session) alterTable(ctx context.Context, a *pg.AlterTableStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	if a.Objtype != pg.ObjectType_OBJECT_TABLE {
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "ALTER %s is not supported", strings.TrimPrefix(a.Objtype.String(), "OBJECT_"))
	}
	name, err := s.tableNamed(a.Relation)
	if err != nil {
		return s.skipMissing(err, a.MissingOk, name)
	}
	res := &Result{Tag: "ALTER TABLE"}
	for _, c := range a.Cmds {
		cmd := c.GetAlterTableCmd()
		notice, err := s.alterCmd(ctx, name, cmd)
		if err != nil {
			return nil, err
		}
		if notice != "" {
			s.notice(notice)
		}
	}
	return res, nil
}

// hiddenKey reports whether column is the hidden key of table: _rowid of
// a table without a primary key, _pk of one whose key has several
// columns.
func (s *Session) hiddenKey(table, column string) bool {
	spec, err := s.db.View().Spec(table)
	return err == nil && (spec.RowID || len(spec.PKColumns) > 0) && column == spec.PK
}

// noPrimaryKey is the error of an attempt to give a table made without a
// primary key one: its rows are keyed by _rowid for all their history.
func noPrimaryKey(table string) error {
	return pgcode.Newf(pgcode.FeatureNotSupported, "cannot add a primary key to table %q, which was made without one", table).
		WithDetail("Its rows are keyed by the hidden column _rowid, which their history keeps.").
		WithHint("Create a new table with the primary key and copy the rows into it (INSERT INTO ... SELECT).")
}

func (s *Session) alterCmd(ctx context.Context, table string, cmd *pg.AlterTableCmd) (string, error) {
	switch cmd.Subtype {
	case pg.AlterTableType_AT_DropColumn:
		if s.hiddenKey(table, cmd.Name) {
			return "", pgcode.Newf(pgcode.FeatureNotSupported, "cannot drop system column %q", cmd.Name)
		}
	case pg.AlterTableType_AT_ColumnDefault, pg.AlterTableType_AT_SetNotNull, pg.AlterTableType_AT_DropNotNull:
		if s.hiddenKey(table, cmd.Name) {
			return "", pgcode.Newf(pgcode.FeatureNotSupported, "cannot alter system column %q", cmd.Name)
		}
	}
	switch cmd.Subtype {
	case pg.AlterTableType_AT_AddColumn:
		cd := cmd.Def.GetColumnDef()
		cs, cons, seq, err := columnSpec(table, cd)
		if err != nil {
			return "", err
		}
		if seq != nil {
			return "", pgcode.New(pgcode.FeatureNotSupported, "ADD COLUMN of a serial or identity column is not supported")
		}
		t, err := (&catalog{s: s, view: s.db.View()}).Table(table)
		if err != nil {
			return "", err
		}
		if t.Col(cs.Name) >= 0 {
			if cmd.MissingOk {
				return fmt.Sprintf("column %q of relation %q already exists, skipping", cs.Name, table), nil
			}
			return "", pgcode.Newf(pgcode.DuplicateColumn, "column %q of relation %q already exists", cs.Name, table)
		}
		for _, k := range cons {
			switch k.Contype {
			case pg.ConstrType_CONSTR_PRIMARY:
				if t.Spec.RowID {
					return "", noPrimaryKey(table)
				}
				return "", pgcode.Newf(pgcode.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", table)
			case pg.ConstrType_CONSTR_UNIQUE, pg.ConstrType_CONSTR_CHECK:
				return "", pgcode.New(pgcode.FeatureNotSupported, "ADD COLUMN with a UNIQUE or CHECK constraint is not supported; add the constraint with ADD CONSTRAINT")
			}
		}
		// The rows there get the default, evaluated once, as PostgreSQL
		// does for a default that is no volatile function.
		var fill any
		if cs.Default != "" {
			v, err := s.evalDefault(ctx, t, cs)
			if err != nil {
				return "", err
			}
			fill = v
		}
		return "", s.db.AddColumn(table, cs, fill)
	case pg.AlterTableType_AT_DropColumn:
		notice, err := s.columnDependents(table, cmd.Name, cmd.Behavior == pg.DropBehavior_DROP_CASCADE)
		if err != nil {
			return "", err
		}
		err = s.db.DropColumn(table, cmd.Name)
		if err != nil && cmd.MissingOk && pgcode.Of(err) == pgcode.UndefinedColumn {
			return fmt.Sprintf("column %q of relation %q does not exist, skipping", cmd.Name, table), nil
		}
		return notice, err
	case pg.AlterTableType_AT_AlterColumnType:
		if s.hiddenKey(table, cmd.Name) {
			return "", pgcode.Newf(pgcode.FeatureNotSupported, "cannot alter system column %q", cmd.Name)
		}
		return "", s.alterColumnType(table, cmd)
	case pg.AlterTableType_AT_ColumnDefault:
		expr := ""
		if cmd.Def != nil {
			var err error
			if expr, err = deparseExpr(cmd.Def); err != nil {
				return "", err
			}
		}
		return "", s.db.SetColumnDefault(table, cmd.Name, expr)
	case pg.AlterTableType_AT_SetNotNull:
		return "", s.db.SetColumnNotNull(table, cmd.Name, true)
	case pg.AlterTableType_AT_DropNotNull:
		return "", s.db.SetColumnNotNull(table, cmd.Name, false)
	case pg.AlterTableType_AT_AddConstraint:
		return "", s.addConstraint(ctx, table, cmd.Def.GetConstraint())
	case pg.AlterTableType_AT_DropConstraint:
		err := s.dropConstraint(table, cmd.Name)
		if err != nil && cmd.MissingOk && pgcode.Of(err) == pgcode.UndefinedObject {
			return fmt.Sprintf("constraint %q of relation %q does not exist, skipping", cmd.Name, table), nil
		}
		return "", err
	}
	return "", pgcode.Newf(pgcode.FeatureNotSupported, "ALTER TABLE %s is not supported", strings.TrimPrefix(cmd.Subtype.String(), "AT_"))
}

// addConstraint adds a UNIQUE or CHECK constraint to a table.
func (s *Session) addConstraint(ctx context.Context, table string, con *pg.Constraint) error {
	switch con.Contype {
	case pg.ConstrType_CONSTR_PRIMARY:
		if spec, err := s.db.View().Spec(table); err == nil && spec.RowID {
			return noPrimaryKey(table)
		}
		return pgcode.Newf(pgcode.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", table)
	case pg.ConstrType_CONSTR_UNIQUE:
		ix := engine.IndexSpec{Name: con.Conname, Unique: true}
		for _, k := range con.Keys {
			f := k.GetString_().GetSval()
			if s.hiddenKey(table, f) {
				return pgcode.New(pgcode.FeatureNotSupported, "index creation on system columns is not supported")
			}
			ix.Fields = append(ix.Fields, f)
		}
		if ix.Name == "" {
			ix.Name = table + "_" + strings.Join(ix.Fields, "_") + "_key"
		}
		return s.db.AddIndex(table, ix)
	case pg.ConstrType_CONSTR_CHECK:
		expr, err := deparseExpr(con.RawExpr)
		if err != nil {
			return err
		}
		name := con.Conname
		if name == "" {
			if name, err = s.uniqueCheckName(table, checkName(table, con.RawExpr)); err != nil {
				return err
			}
		}
		if err := s.checkRows(ctx, table, name, expr); err != nil {
			return err
		}
		return s.db.AddCheck(table, engine.CheckSpec{Name: name, Expr: expr}, nil)
	}
	return pgcode.Newf(pgcode.FeatureNotSupported, "constraint %s is not supported", strings.TrimPrefix(con.Contype.String(), "CONSTR_"))
}

// dropConstraint drops a UNIQUE or CHECK constraint by name.
func (s *Session) dropConstraint(table, name string) error {
	ixs, err := s.db.View().Indexes(table)
	if err != nil {
		return err
	}
	for _, ix := range ixs {
		if ix.Name == name && ix.Unique {
			return s.db.DropIndex(table, name)
		}
	}
	return s.db.DropCheck(table, name)
}

// checkName is PostgreSQL's name for an unnamed CHECK: table_column_check
// for a check of one column, else table_check.
func checkName(table string, e *pg.Node) string {
	cols := map[string]bool{}
	var walk func(n any)
	walk = func(n any) {
		switch x := n.(type) {
		case *pg.Node:
			if x == nil {
				return
			}
			if cr := x.GetColumnRef(); cr != nil {
				if f := cr.Fields; len(f) > 0 {
					cols[f[len(f)-1].GetString_().GetSval()] = true
				}
				return
			}
			walk(x.GetAExpr())
			walk(x.GetBoolExpr())
			walk(x.GetFuncCall())
			walk(x.GetTypeCast())
			walk(x.GetNullTest())
			walk(x.GetSubLink())
		case *pg.A_Expr:
			if x != nil {
				walk(x.Lexpr)
				walk(x.Rexpr)
				for _, a := range x.GetRexpr().GetList().GetItems() {
					walk(a)
				}
			}
		case *pg.BoolExpr:
			if x != nil {
				for _, a := range x.Args {
					walk(a)
				}
			}
		case *pg.FuncCall:
			if x != nil {
				for _, a := range x.Args {
					walk(a)
				}
			}
		case *pg.TypeCast:
			if x != nil {
				walk(x.Arg)
			}
		case *pg.NullTest:
			if x != nil {
				walk(x.Arg)
			}
		}
	}
	walk(e)
	if len(cols) == 1 {
		for c := range cols {
			return table + "_" + c + "_check"
		}
	}
	return table + "_check"
}

// deparseExpr writes an expression back as SQL text, to keep in a table's
// definition (DEFAULT, CHECK).
func deparseExpr(e *pg.Node) (string, error) {
	tree := &pg.ParseResult{Version: treeVersion(), Stmts: []*pg.RawStmt{{Stmt: &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: &pg.SelectStmt{
		TargetList: []*pg.Node{{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Val: e}}}},
		Op:         pg.SetOperation_SETOP_NONE, LimitOption: pg.LimitOption_LIMIT_OPTION_DEFAULT,
	}}}}}}
	text, err := pg.Deparse(tree)
	if err != nil {
		return "", pgcode.Newf(pgcode.FeatureNotSupported, "expression cannot be kept: %v", err)
	}
	return strings.TrimPrefix(text, "SELECT "), nil
}

// treeVersion is the parse tree version the grammar writes, which
// Deparse wants.
var treeVersion = sync.OnceValue(func() int32 {
	res, err := pg.Parse("SELECT 1")
	if err != nil {
		return 0
	}
	return res.Version
})

// storedType is how the engine keeps a column of SQL type t: its type,
// the declared type's text when the engine's is a wider one (int4 in int8,
// varchar(20) in text, date in timestamptz: queries see the declared
// one), and a numeric's precision and scale.
func storedType(t *types.T) (engine.Type, string, engine.Typmod, error) {
	typ, err := engine.ParseType(t.Name)
	if t.Family == types.ArrayFamily {
		// An array is a JSON array in the document.
		typ, err = engine.TypeJSONB, nil
	}
	if err != nil {
		return "", "", engine.Typmod{}, pgcode.Newf(pgcode.FeatureNotSupported, "columns of type %s are not supported yet", t)
	}
	var sqlType string
	if declared(t, typ) {
		sqlType = t.String()
	}
	var mod engine.Typmod
	if t.Oid == types.OidNumeric && t.Mod >= 0 {
		m := t.Mod - 4
		mod = engine.Typmod{Precision: int(m >> 16), Scale: int(int16(m & 0xffff))}
	}
	return typ, sqlType, mod, nil
}

// columnSpec makes a column's definition from CREATE TABLE's or ADD
// COLUMN's; it returns the constraints it leaves to the caller (PRIMARY
// KEY, UNIQUE, CHECK).
//
// A serial column, or an identity column, gets a sequence of its own
// (table_column_seq, owned by the column): seq is its options, and the
// column's default is its nextval.
func columnSpec(table string, cd *pg.ColumnDef) (cs engine.ColumnSpec, rest []*pg.Constraint, seq *engine.SequenceOptions, err error) {
	t, err := plan.TypeName(cd.TypeName)
	if err != nil {
		return engine.ColumnSpec{}, nil, nil, err
	}
	cs = engine.ColumnSpec{Name: cd.Colname, NotNull: cd.IsNotNull}
	if cs.Type, cs.SQLType, cs.Typmod, err = storedType(t); err != nil {
		return engine.ColumnSpec{}, nil, nil, err
	}
	seqType := map[types.Oid]string{types.OidInt2: "smallint", types.OidInt4: "integer", types.OidInt8: "bigint"}[t.Oid]
	if names := cd.TypeName.Names; len(names) > 0 && types.IsSerial(names[len(names)-1].GetString_().GetSval()) {
		seq = &engine.SequenceOptions{Type: seqType}
	}
	for _, k := range cd.Constraints {
		con := k.GetConstraint()
		switch con.Contype {
		case pg.ConstrType_CONSTR_NOTNULL:
			cs.NotNull = true
		case pg.ConstrType_CONSTR_NULL:
		case pg.ConstrType_CONSTR_DEFAULT:
			if cs.Default, err = deparseExpr(con.RawExpr); err != nil {
				return cs, nil, nil, err
			}
		case pg.ConstrType_CONSTR_IDENTITY:
			if seqType == "" {
				return cs, nil, nil, pgcode.Newf(pgcode.InvalidParameterValue, "identity column type must be smallint, integer, or bigint")
			}
			opts, err := sequenceOptions(con.Options)
			if err != nil {
				return cs, nil, nil, err
			}
			if opts.Type == "" {
				opts.Type = seqType
			}
			seq = &opts
			cs.Identity = engine.IdentityByDefault
			if con.GeneratedWhen == "a" {
				cs.Identity = engine.IdentityAlways
			}
		case pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_UNIQUE, pg.ConstrType_CONSTR_CHECK:
			rest = append(rest, con)
		default:
			return cs, nil, nil, pgcode.Newf(pgcode.FeatureNotSupported, "column constraint %s is not supported yet", strings.TrimPrefix(con.Contype.String(), "CONSTR_"))
		}
	}
	if seq != nil {
		if cs.Default != "" {
			return cs, nil, nil, pgcode.Newf(pgcode.SyntaxError, "multiple default values specified for column %q of table %q", cs.Name, table)
		}
		cs.NotNull = true
		cs.Default = "nextval(" + quoteLiteral(table+"_"+cs.Name+"_seq") + ")"
	}
	return cs, rest, seq, nil
}

// quoteLiteral writes s as a SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// evalDefault evaluates a column's default once, for the rows a table
// has when the column is added.
func (s *Session) evalDefault(ctx context.Context, t *plan.Table, cs engine.ColumnSpec) (any, error) {
	typ := plan.TypeOfEngine(cs.Type, cs.Typmod)
	r, err := s.queryOne(ctx, "SELECT ("+cs.Default+")::"+typ.SQL)
	if err != nil {
		return nil, err
	}
	return exec.ToDoc(r, typ, s.TypesContext())
}

// queryOne runs a query of one value in the session.
func (s *Session) queryOne(ctx context.Context, text string) (types.Datum, error) {
	ps, err := parser.Parse(text)
	if err != nil {
		return nil, err
	}
	res, err := (&Stmt{s: s, p: ps[0]}).Execute(ctx, nil)
	if err != nil {
		return nil, err
	}
	if len(res.Rows) == 0 {
		return nil, nil
	}
	return res.Rows[0][0], nil
}

// checkRows fails with 23514 when a live row of the table fails a CHECK
// expression (NULL passes, as PostgreSQL has it).
func (s *Session) checkRows(ctx context.Context, table, name, expr string) error {
	v, err := s.queryOne(ctx, "SELECT count(*) FROM "+quoteIdent(table)+" WHERE NOT ("+expr+")")
	if err != nil {
		return err
	}
	if n, _ := v.(int64); n > 0 {
		return pgcode.Newf(pgcode.CheckViolation, "check constraint %q of relation %q is violated by some row", name, table)
	}
	return nil
}

// declared reports whether a column keeps its declared SQL type beside
// the engine's: a type the engine stores in one of its own that it
// converts to and from exactly.
func declared(t *types.T, e engine.Type) bool {
	switch e {
	case engine.TypeInt8:
		return t.Oid == types.OidInt2 || t.Oid == types.OidInt4
	case engine.TypeFloat8:
		return t.Oid == types.OidFloat4
	case engine.TypeText:
		// uuid, bytea and time are kept as their text (lower-case hex,
		// hours of two digits), whose order is theirs.
		return t.Family == types.StringFamily && t.Oid != types.OidText ||
			t.Family == types.UUIDFamily || t.Family == types.BytesFamily || t.Oid == types.OidTime
	case engine.TypeTimestamptz:
		return t.Family == types.DateFamily || t.Family == types.TimestampFamily
	case engine.TypeJSONB:
		return t.Family == types.ArrayFamily
	}
	return false
}
