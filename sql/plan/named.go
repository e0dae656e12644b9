package plan

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// callArgs binds a function call's arguments. Arguments passed by name
// (f(a => 1)) are put in their places among the named arguments of the
// function's overload that names them, the ones left out taking their
// defaults.
func (b *Binder) callArgs(name string, nodes []*pg.Node, s *scope, ec exprCtx, loc int32) ([]Expr, error) {
	firstNamed := -1
	for i, n := range nodes {
		if n.GetNamedArgExpr() != nil {
			firstNamed = i
			break
		}
	}
	if firstNamed < 0 {
		return b.args(nodes, s, ec)
	}
	args, err := b.args(nodes[:firstNamed], s, ec)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(nodes)-firstNamed)
	named := make([]Expr, 0, len(nodes)-firstNamed)
	for _, n := range nodes[firstNamed:] {
		na := n.GetNamedArgExpr()
		if na == nil {
			return nil, b.errorf(pgcode.SyntaxError, location(n), "positional argument cannot follow named argument")
		}
		for _, prev := range names {
			if prev == na.Name {
				return nil, b.errorf(pgcode.SyntaxError, na.Location, "argument name %q used more than once", na.Name)
			}
		}
		e, err := b.expr(na.Arg, s, exprCtx{where: ec.where, value: true})
		if err != nil {
			return nil, err
		}
		names = append(names, na.Name)
		named = append(named, e)
	}
	for _, o := range builtins.Lookup(name) {
		if out, ok := placeNamed(o, args, names, named); ok {
			return out, nil
		}
	}
	sig := make([]string, 0, len(args)+len(named))
	for _, a := range args {
		sig = append(sig, a.Type().SQL)
	}
	for i, n := range names {
		sig = append(sig, n+" => "+named[i].Type().SQL)
	}
	return nil, b.errorf(pgcode.UndefinedFunction, loc, "function %s(%s) does not exist", name, strings.Join(sig, ", ")).(*pgcode.Error).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

// placeNamed lays out a call's arguments for an overload that names its
// arguments: the positional ones first, the named ones where their names
// say, defaults for the rest.
func placeNamed(o *builtins.Overload, positional []Expr, names []string, named []Expr) ([]Expr, bool) {
	n := len(o.ArgNames)
	if n == 0 || len(positional) > n {
		return nil, false
	}
	out := make([]Expr, n)
	copy(out, positional)
	for i, name := range names {
		at := -1
		for j, an := range o.ArgNames {
			if an == name {
				at = j
			}
		}
		if at < 0 || out[at] != nil {
			return nil, false
		}
		out[at] = named[i]
	}
	first := n - len(o.Defaults)
	for i := range out {
		if out[i] != nil {
			continue
		}
		if i < first {
			return nil, false
		}
		out[i] = &Const{Val: o.Defaults[i-first], T: o.Args[i]}
	}
	return out, true
}
