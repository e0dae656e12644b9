package plan

import (
	"fmt"
	"slices"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// A table's DEFAULTs and CHECKs are kept as SQL text in its definition
// (engine.TableSpec); a write binds them with the statement.

// Check is a CHECK constraint bound over the row written: the table's
// columns (TableRow). A row passes unless the expression is false.
type Check struct {
	Name string
	E    Expr
}

// parseExpr reads the text of a kept expression.
func parseExpr(text string) (*pg.Node, error) {
	n, err := parser.ParseExpr(text)
	if err != nil {
		return nil, pgcode.Newf(pgcode.InternalError, "kept expression %q does not parse: %v", text, err)
	}
	return n, nil
}

// columnDefault binds the DEFAULT of a column, coerced to it; nil when it
// has none.
func (b *Binder) columnDefault(t *Table, col string) (Expr, error) {
	if t.Spec == nil {
		return nil, nil
	}
	for _, c := range t.Spec.Columns {
		if c.Name != col || c.Default == "" {
			continue
		}
		n, err := parseExpr(c.Default)
		if err != nil {
			return nil, err
		}
		// The expression's positions are in its own text: errors carry
		// none.
		saved := b.text
		b.text = ""
		e, err := b.expr(n, nil, exprCtx{where: "DEFAULT", value: true})
		b.text = saved
		if err != nil {
			return nil, err
		}
		return b.assign(e, t, col, -1)
	}
	return nil, nil
}

// checks binds the table's CHECK constraints over its row.
func (b *Binder) checks(t *Table) ([]Check, error) {
	if t.Spec == nil || len(t.Spec.Checks) == 0 {
		return nil, nil
	}
	s := &scope{cols: b.tableScope(t, t.Name)}
	var out []Check
	for _, c := range t.Spec.Checks {
		n, err := parseExpr(c.Expr)
		if err != nil {
			return nil, err
		}
		saved := b.text
		b.text = ""
		e, err := b.expr(n, s, exprCtx{where: "CHECK", value: true})
		b.text = saved
		if err != nil {
			return nil, err
		}
		if e, err = b.coerce(e, types.Bool, types.ContextImplicit, -1); err != nil {
			return nil, err
		}
		out = append(out, Check{Name: c.Name, E: e})
	}
	return out, nil
}

// withDefaults adds to an INSERT the columns it does not write that have
// a DEFAULT: the source's rows get the default's value.
func (b *Binder) withDefaults(t *Table, node *Insert, src Node) (Node, error) {
	if t.Spec == nil {
		return src, nil
	}
	var names []string
	var exprs []Expr
	for _, c := range t.Spec.Columns {
		if c.Default == "" || slices.Contains(node.Names, c.Name) {
			continue
		}
		e, err := b.columnDefault(t, c.Name)
		if err != nil {
			return nil, err
		}
		names, exprs = append(names, c.Name), append(exprs, e)
	}
	if len(names) == 0 {
		return src, nil
	}
	node.Names = append(node.Names, names...)
	if v, ok := src.(*Values); ok {
		// VALUES rows get the defaults as items of their own (COPY's
		// inserter runs one such row at a time).
		for i := range v.Rows {
			v.Rows[i] = append(v.Rows[i], exprs...)
		}
		for i, e := range exprs {
			v.Cols = append(v.Cols, Column{Name: names[i], Type: outputType(e)})
		}
		return v, nil
	}
	proj := &Project{Input: src}
	for i, c := range src.Columns() {
		proj.Exprs = append(proj.Exprs, &ColRef{Idx: i, T: c.Type, Name: c.Name})
		proj.Cols = append(proj.Cols, c)
	}
	for i, e := range exprs {
		proj.Exprs = append(proj.Exprs, e)
		proj.Cols = append(proj.Cols, Column{Name: names[i], Type: outputType(e)})
	}
	return proj, nil
}

// checkIdentity refuses a value written to a GENERATED ALWAYS identity
// column, unless the INSERT says OVERRIDING SYSTEM VALUE.
func checkIdentity(t *Table, col string, override pg.OverridingKind) error {
	if t.Spec == nil || override == pg.OverridingKind_OVERRIDING_SYSTEM_VALUE {
		return nil
	}
	for _, c := range t.Spec.Columns {
		if c.Name == col && c.Identity == "always" {
			return pgcode.Newf(pgcode.GeneratedAlways, "cannot insert a non-DEFAULT value into column %q", col).
				WithDetail(fmt.Sprintf("Column %q is an identity column defined as GENERATED ALWAYS.", col)).
				WithHint("Use OVERRIDING SYSTEM VALUE to override.")
		}
	}
	return nil
}
