package sql

import (
	"slices"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// The catalog shows the expressions it keeps as text as PostgreSQL writes
// the trees it stores: a column's default (pg_attrdef.adbin through
// pg_get_expr, information_schema.columns.column_default) and a CHECK
// constraint (pg_get_constraintdef). Each constant is labelled with the
// type the parser gave it where the label is needed ('x'::text,
// '-5'::integer, 5, 1.5, true), an operator's expression and AND, OR and
// NOT are in parentheses, an operand of another type than the operator
// takes is cast as the parser cast it ((0)::numeric), and a sequence's
// name for nextval is a regclass. Tools read these texts: to them a
// serial column is one whose default starts with "nextval(". An
// expression of a form not known here is shown as kept.

// defaultText is the catalog's text of a default kept as text for a
// column of type col; qualify names relations by their schema, for a
// search path that does not reach them.
func defaultText(text string, col *types.T, qualify bool) string {
	n, err := parser.ParseExpr(text)
	if err != nil {
		return text
	}
	w := defaultWriter{qualify: qualify}
	out, _, ok := w.expr(n, baseType(col))
	if !ok {
		return text
	}
	return out
}

// checkText is the catalog's text of a CHECK constraint's expression kept
// as text, on a table whose columns have the types cols: as PostgreSQL
// writes it, with the casts its parser put in where an operator's
// operand is of another type ((0)::numeric).
// It writes the pretty form too, and lists the names of the columns the
// expression reads.
func checkText(text string, cols map[string]*types.T) vtable.CheckDef {
	n, err := parser.ParseExpr(text)
	if err != nil {
		return vtable.CheckDef{}
	}
	var names []string
	columnRefs(n.ProtoReflect(), func(c *pg.ColumnRef) {
		if len(c.Fields) == 1 {
			if name := c.Fields[0].GetString_().GetSval(); name != "" && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	})
	def := vtable.CheckDef{Cols: names}
	w := defaultWriter{cols: cols}
	out, _, ok := w.expr(n, types.Bool)
	if !ok {
		return def
	}
	w.pretty = true
	pretty, _, ok := w.expr(n, types.Bool)
	if !ok {
		return def
	}
	def.Text, def.Pretty = out, pretty
	return def
}

// walkTree calls fn for every node of a parse tree, parents first.
func walkTree(m protoreflect.Message, fn func(proto.Message)) {
	fn(m.Interface())
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i, l := 0, v.List(); i < l.Len(); i++ {
				walkTree(l.Get(i).Message(), fn)
			}
		case fd.Message() != nil && !fd.IsMap():
			walkTree(v.Message(), fn)
		}
		return true
	})
}

// columnRefs calls f with each column reference in a parse tree.
func columnRefs(m protoreflect.Message, f func(*pg.ColumnRef)) {
	walkTree(m, func(x proto.Message) {
		if c, ok := x.(*pg.ColumnRef); ok {
			f(c)
		}
	})
}

// defaultWriter writes an expression's parse tree as PostgreSQL's
// deparser writes the tree it made of it.
type defaultWriter struct {
	// cols are the types of the columns the expression may name.
	cols map[string]*types.T
	// pretty writes pg_get_constraintdef's pretty form: without the
	// parentheses that are not needed.
	pretty bool
	// qualify names a relation (a regclass constant) by its schema, as
	// regclass output does where the search path does not reach it.
	qualify bool
}

// kind is what sort of expression a written part is, for the
// parentheses around it.
type kind uint8

const (
	kAtom kind = iota // a constant, column, call or cast
	kOp               // an operator's expression
	kAnd
	kOr
	kNot
	kNullTest
	kTop // (as a parent) the whole expression
)

// part is a written expression without the parentheses around it, with
// its sort and type (nil where unknown).
type part struct {
	text string
	kind kind
	t    *types.T
}

// wrap writes p where parent takes it: PostgreSQL's deparser puts every
// expression but an atom in parentheses; its pretty form only those that
// would not read back as the same tree.
func (w defaultWriter) wrap(p part, parent kind) string {
	if p.kind == kAtom {
		return p.text
	}
	paren := !w.pretty
	if w.pretty {
		switch parent {
		case kOp, kNullTest:
			paren = true
		case kAnd:
			paren = p.kind == kOr
		case kNot:
			paren = p.kind == kAnd || p.kind == kOr
		}
	}
	if paren {
		return "(" + p.text + ")"
	}
	return p.text
}

// expr writes n, all of it, where a value of type want is wanted (the
// type an untyped literal takes there; nil for none), and returns the
// type of what it wrote (nil where unknown). ok is false for a form it
// does not know.
func (w defaultWriter) expr(n *pg.Node, want *types.T) (string, *types.T, bool) {
	p, ok := w.node(n, want)
	if !ok {
		return "", nil, false
	}
	return w.wrap(p, kTop), p.t, true
}

// node writes n without the parentheses around it.
func (w defaultWriter) node(n *pg.Node, want *types.T) (part, bool) {
	atom := func(s string, t *types.T, ok bool) (part, bool) { return part{s, kAtom, t}, ok }
	switch x := n.Node.(type) {
	case *pg.Node_AConst:
		return atom(w.aconst(x.AConst, want))
	case *pg.Node_TypeCast:
		return atom(w.typeCast(x.TypeCast))
	case *pg.Node_FuncCall:
		return atom(w.funcCall(x.FuncCall))
	case *pg.Node_AExpr:
		return w.aexpr(x.AExpr)
	case *pg.Node_SqlvalueFunction:
		return atom(sqlValueFunction(x.SqlvalueFunction))
	case *pg.Node_ColumnRef:
		if len(x.ColumnRef.Fields) != 1 {
			return part{}, false
		}
		name := x.ColumnRef.Fields[0].GetString_().GetSval()
		t, ok := w.cols[name]
		return atom(builtins.QuoteIdent(name), t, ok)
	case *pg.Node_BoolExpr:
		return w.boolExpr(x.BoolExpr)
	case *pg.Node_NullTest:
		arg, ok := w.node(x.NullTest.Arg, nil)
		if !ok {
			return part{}, false
		}
		test := " IS NULL"
		if x.NullTest.Nulltesttype == pg.NullTestType_IS_NOT_NULL {
			test = " IS NOT NULL"
		}
		return part{w.wrap(arg, kNullTest) + test, kNullTest, types.Bool}, true
	}
	return part{}, false
}

// boolExpr writes AND, OR and NOT.
func (w defaultWriter) boolExpr(e *pg.BoolExpr) (part, bool) {
	k := map[pg.BoolExprType]kind{pg.BoolExprType_AND_EXPR: kAnd, pg.BoolExprType_OR_EXPR: kOr, pg.BoolExprType_NOT_EXPR: kNot}[e.Boolop]
	if k == kAtom || k == kNot && len(e.Args) != 1 {
		return part{}, false
	}
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		p, ok := w.node(a, types.Bool)
		if !ok {
			return part{}, false
		}
		args[i] = w.wrap(p, k)
	}
	switch k {
	case kAnd:
		return part{strings.Join(args, " AND "), k, types.Bool}, true
	case kOr:
		return part{strings.Join(args, " OR "), k, types.Bool}, true
	}
	return part{"NOT " + args[0], k, types.Bool}, true
}

// aconst writes a literal: typed as PostgreSQL's parser types it (an
// integer int4, or int8 when it does not fit; a number with a point
// numeric), a quoted string as the type it is wanted as (text where
// nothing wants a type).
func (w defaultWriter) aconst(c *pg.A_Const, want *types.T) (string, *types.T, bool) {
	switch v := c.Val.(type) {
	case *pg.A_Const_Ival:
		return defaultConstText(strconv.FormatInt(int64(v.Ival.Ival), 10), types.Int4), types.Int4, true
	case *pg.A_Const_Fval:
		s := v.Fval.Fval
		if !strings.ContainsAny(s, ".eE") {
			if _, err := strconv.ParseInt(s, 10, 64); err == nil {
				return defaultConstText(s, types.Int8), types.Int8, true
			}
		}
		d, err := types.ParseText(s, types.Numeric, nil)
		if err != nil {
			return "", nil, false
		}
		return defaultConstText(types.FormatText(d, types.Numeric, nil), types.Numeric), types.Numeric, true
	case *pg.A_Const_Boolval:
		return strconv.FormatBool(v.Boolval.Boolval), types.Bool, true
	case *pg.A_Const_Sval:
		t := want
		if t == nil || t.Oid == types.OidUnknown {
			t = types.Text
		}
		if t.Oid == types.OidRegclass {
			// A relation's name, written back as regclass output writes
			// it: DriftDB's relations are all in schema public.
			name := v.Sval.Sval
			if w.qualify && !strings.ContainsAny(name, `."`) {
				name = "public." + name
			}
			return defaultConstText(name, t), t, true
		}
		d, err := types.ParseText(v.Sval.Sval, t, nil)
		if err != nil {
			return "", nil, false
		}
		return defaultConstText(types.FormatText(d, t, nil), t), t, true
	}
	return "", nil, false
}

// typeCast writes a literal cast to a type: the constant of that type,
// or a number's constant with the cast.
func (w defaultWriter) typeCast(tc *pg.TypeCast) (string, *types.T, bool) {
	t, err := plan.TypeName(tc.TypeName)
	if err != nil || t.Mod >= 0 {
		return "", nil, false
	}
	c := tc.Arg.GetAConst()
	if c == nil {
		return "", nil, false
	}
	if c.GetSval() != nil {
		return w.aconst(c, t)
	}
	inner, it, ok := w.aconst(c, nil)
	if !ok {
		return "", nil, false
	}
	if it.Oid == t.Oid {
		return inner, t, true
	}
	return w.cast(inner, t), t, true
}

// cast writes s cast to t: (s)::t, or s::t in the pretty form.
func (w defaultWriter) cast(s string, t *types.T) string {
	if w.pretty {
		return s + "::" + typeLabel(t)
	}
	return "(" + s + ")::" + typeLabel(t)
}

// funcCall writes a call: its name and its arguments, each as the type the
// chosen overload takes. nextval, currval and setval take a sequence as
// regclass in PostgreSQL.
func (w defaultWriter) funcCall(f *pg.FuncCall) (string, *types.T, bool) {
	if f.AggStar || f.AggDistinct || f.FuncVariadic || f.Over != nil || len(f.AggOrder) > 0 || f.AggFilter != nil || len(f.Funcname) != 1 {
		return "", nil, false
	}
	name := f.Funcname[0].GetString_().GetSval()
	argTypes := make([]*types.T, len(f.Args))
	for i, a := range f.Args {
		argTypes[i] = w.operandType(a)
		if argTypes[i] == nil {
			return "", nil, false
		}
	}
	r, err := builtins.Resolve(name, argTypes, builtins.Normal)
	if err != nil {
		return "", nil, false
	}
	args := make([]string, len(f.Args))
	for i, a := range f.Args {
		want := r.ArgTypes[i]
		if i == 0 && (name == "nextval" || name == "currval" || name == "setval") {
			want = types.Regclass
			argTypes[i] = types.Unknown
		}
		s, ok := w.operand(a, argTypes[i], want, kTop)
		if !ok {
			return "", nil, false
		}
		args[i] = s
	}
	return name + "(" + strings.Join(args, ", ") + ")", r.Ret, true
}

// aexpr writes a binary operator's expression, an untyped literal as the
// other operand's type (text when both are untyped).
func (w defaultWriter) aexpr(a *pg.A_Expr) (part, bool) {
	if a.Kind != pg.A_Expr_Kind_AEXPR_OP || a.Lexpr == nil || a.Rexpr == nil || len(a.Name) != 1 {
		return part{}, false
	}
	op := a.Name[0].GetString_().GetSval()
	lt, rt := w.operandType(a.Lexpr), w.operandType(a.Rexpr)
	if lt == nil || rt == nil {
		return part{}, false
	}
	lhave, rhave := lt, rt
	switch {
	case lt.Oid == types.OidUnknown && rt.Oid == types.OidUnknown:
		lt, rt = types.Text, types.Text
	case lt.Oid == types.OidUnknown:
		lt = rt
	case rt.Oid == types.OidUnknown:
		rt = lt
	}
	r, err := builtins.Resolve(op, []*types.T{lt, rt}, builtins.Normal)
	if err != nil {
		return part{}, false
	}
	l, ok := w.operand(a.Lexpr, lhave, r.ArgTypes[0], kOp)
	if !ok {
		return part{}, false
	}
	rs, ok := w.operand(a.Rexpr, rhave, r.ArgTypes[1], kOp)
	if !ok {
		return part{}, false
	}
	return part{l + " " + op + " " + rs, kOp, r.Ret}, true
}

// operandType is the type of an operator's operand before the operator
// is resolved: unknown for a quoted string.
func (w defaultWriter) operandType(n *pg.Node) *types.T {
	if t := literalType(n); t != nil {
		return t
	}
	p, ok := w.node(n, nil)
	if !ok {
		return nil
	}
	return p.t
}

// operand writes an operator's or a function's operand of type have
// where want is taken, under parent: an untyped literal as want, another
// type with the cast the parser put in, except between integer types and
// between float types, which have operators of their own across types.
func (w defaultWriter) operand(n *pg.Node, have, want *types.T, parent kind) (string, bool) {
	p, ok := w.node(n, want)
	if !ok {
		return "", false
	}
	if have.Oid == types.OidUnknown || have.Oid == want.Oid ||
		have.Family == types.IntFamily && want.Family == types.IntFamily ||
		have.Family == types.FloatFamily && want.Family == types.FloatFamily {
		return w.wrap(p, parent), true
	}
	if p.kind == kAtom {
		return w.cast(p.text, want), true
	}
	if w.pretty {
		return "(" + p.text + ")::" + typeLabel(want), true
	}
	return "((" + p.text + "))::" + typeLabel(want), true
}

// literalType is the type the parser gives an argument before a call is
// resolved: unknown for a quoted string, the literal's type for others,
// the cast's type for a cast; nil where it cannot tell.
func literalType(n *pg.Node) *types.T {
	switch x := n.Node.(type) {
	case *pg.Node_AConst:
		switch v := x.AConst.Val.(type) {
		case *pg.A_Const_Ival:
			return types.Int4
		case *pg.A_Const_Fval:
			if !strings.ContainsAny(v.Fval.Fval, ".eE") {
				if _, err := strconv.ParseInt(v.Fval.Fval, 10, 64); err == nil {
					return types.Int8
				}
			}
			return types.Numeric
		case *pg.A_Const_Boolval:
			return types.Bool
		case *pg.A_Const_Sval:
			return types.Unknown
		}
	case *pg.Node_TypeCast:
		if t, err := plan.TypeName(x.TypeCast.TypeName); err == nil {
			return t
		}
	}
	return nil
}

// defaultConstText writes a constant's text as PostgreSQL's deparser does: an
// int4 bare unless negative; a numeric bare when it is not negative and
// has a point or an exponent; a bool bare; others quoted and labelled.
func defaultConstText(s string, t *types.T) string {
	switch t.Oid {
	case types.OidInt4:
		if !strings.HasPrefix(s, "-") {
			return s
		}
	case types.OidNumeric:
		if s != "" && s[0] >= '0' && s[0] <= '9' && strings.ContainsAny(s, ".eE") {
			return s
		}
	case types.OidBool:
		if s == "t" {
			return "true"
		}
		return "false"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'::" + typeLabel(t)
}

// typeLabel is format_type's name of a constant's type (without a type
// modifier: the parser's constants have none).
func typeLabel(t *types.T) string {
	if t.Oid == types.OidBpchar {
		return "bpchar"
	}
	return baseType(t).String()
}

// baseType is t without its type modifier.
func baseType(t *types.T) *types.T {
	if t.Mod < 0 {
		return t
	}
	return t.WithMod(-1)
}

// sqlValueFunction writes CURRENT_DATE and its kin as PostgreSQL does.
func sqlValueFunction(f *pg.SQLValueFunction) (string, *types.T, bool) {
	name := map[pg.SQLValueFunctionOp]string{
		pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:      "CURRENT_DATE",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME:      "CURRENT_TIME",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP: "CURRENT_TIMESTAMP",
		pg.SQLValueFunctionOp_SVFOP_LOCALTIME:         "LOCALTIME",
		pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP:    "LOCALTIMESTAMP",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:      "CURRENT_ROLE",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_USER:      "CURRENT_USER",
		pg.SQLValueFunctionOp_SVFOP_USER:              "USER",
		pg.SQLValueFunctionOp_SVFOP_SESSION_USER:      "SESSION_USER",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:   "CURRENT_CATALOG",
		pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:    "CURRENT_SCHEMA",
	}[f.Op]
	if name == "" {
		return "", nil, false
	}
	return name, nil, true
}
