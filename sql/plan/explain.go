package plan

import (
	"fmt"
	"strings"

	"github.com/driftdb/driftdb/sql/types"
)

// Explain writes a plan as EXPLAIN shows it: one line per node, children
// indented under "->", with the access path each scan takes and the
// conditions each node checks. annotate, when set, adds to a node's line
// (EXPLAIN ANALYZE's actual rows and time).
func Explain(n Node, annotate func(Node) string) []string {
	var out []string
	explain(n, 0, true, annotate, &out)
	return out
}

func explain(n Node, depth int, top bool, annotate func(Node) string, out *[]string) {
	pad := strings.Repeat(" ", max(0, depth*6-6))
	head := pad
	if !top {
		head += "->  "
	}
	detail := pad
	if !top {
		detail += "      "
	} else {
		detail += "  "
	}
	title, details, kids := describe(n)
	if annotate != nil {
		if a := annotate(n); a != "" {
			title += "  " + a
		}
	}
	*out = append(*out, head+title)
	for _, d := range details {
		*out = append(*out, detail+d)
	}
	for _, k := range kids {
		explain(k, depth+1, false, annotate, out)
	}
}

// describe gives a node's title, its detail lines and its children.
func describe(n Node) (string, []string, []Node) {
	cols := func(ns []Node) []Column {
		var c []Column
		for _, x := range ns {
			c = append(c, x.Columns()...)
		}
		return c
	}
	switch x := n.(type) {
	case *Scan:
		var d []string
		title := "Seq Scan on " + x.Table
		switch x.Access {
		case AccessKey:
			title = fmt.Sprintf("Index Scan using %s_pkey on %s", x.Table, x.Table)
			d = append(d, fmt.Sprintf("Index Cond: (%s = %s)", x.Field, FormatExpr(x.Key, x.Cols)))
			if k, ok := x.Key.(*TupleKey); ok {
				conds := make([]string, len(k.Vals))
				for i, v := range k.Vals {
					conds[i] = fmt.Sprintf("(%s = %s)", k.Names[i], FormatExpr(v, x.Cols))
				}
				d[len(d)-1] = "Index Cond: (" + strings.Join(conds, " AND ") + ")"
			}
			if x.RowID {
				// PostgreSQL's read of a row by its ctid.
				title = "Tid Scan on " + x.Table
				d[len(d)-1] = fmt.Sprintf("TID Cond: (%s = %s)", x.Field, FormatExpr(x.Key, x.Cols))
			}
		case AccessIndex:
			title = fmt.Sprintf("Index Scan using %s on %s", x.indexName(), x.Table)
			d = append(d, fmt.Sprintf("Index Cond: (%s %s %s)", x.Field, []string{"=", "<", "<=", ">", ">="}[x.Op], FormatExpr(x.Key, x.Cols)))
		case AccessKeyList, AccessIndexList:
			index := x.indexName()
			if x.Access == AccessKeyList {
				index = x.Table + "_pkey"
			}
			title = fmt.Sprintf("Index Scan using %s on %s", index, x.Table)
			list := FormatExpr(x.ListArray, x.Cols)
			if x.ListArray == nil {
				list = "ARRAY[" + formatList(x.List, x.Cols) + "]"
			}
			d = append(d, fmt.Sprintf("Index Cond: (%s = ANY (%s))", x.Field, list))
		case AccessRange:
			title = fmt.Sprintf("Index Scan using %s on %s", x.indexName(), x.Table)
			if x.Field == x.Fields[0] {
				title = fmt.Sprintf("Index Scan using %s_pkey on %s", x.Table, x.Table)
				if x.RowID {
					title = "Tid Range Scan on " + x.Table
				}
			}
			var conds []string
			if x.Lo != nil {
				conds = append(conds, fmt.Sprintf("(%s %s %s)", x.Field, map[bool]string{true: ">=", false: ">"}[x.LoIncl], FormatExpr(x.Lo, x.Cols)))
			}
			if x.Hi != nil {
				conds = append(conds, fmt.Sprintf("(%s %s %s)", x.Field, map[bool]string{true: "<=", false: "<"}[x.HiIncl], FormatExpr(x.Hi, x.Cols)))
			}
			cond := conds[0]
			if len(conds) > 1 {
				cond = "(" + strings.Join(conds, " AND ") + ")"
			}
			if x.RowID && x.Field == x.Fields[0] {
				d = append(d, "TID Cond: "+cond)
			} else {
				d = append(d, "Index Cond: "+cond)
			}
		}
		if x.Desc && x.Access != AccessKey {
			// The key's order, backwards: PostgreSQL's read of its
			// primary key index from the end.
			title = fmt.Sprintf("Index Scan Backward using %s_pkey on %s", x.Table, x.Table)
		}
		if x.Alias != x.Table && x.Alias != "" {
			title += " " + x.Alias
		}
		switch x.Travel.Kind {
		case TravelAsOf:
			d = append(d, "As Of: "+FormatExpr(x.Travel.From, nil))
		case TravelBetween:
			d = append(d, "Versions Between: "+FormatExpr(x.Travel.From, nil)+" And "+FormatExpr(x.Travel.To, nil))
		case TravelAll:
			d = append(d, "Versions: all")
		}
		if filter := x.RowFilter(); filter != nil { // the Index Cond's own conditions left out
			d = append(d, "Filter: "+FormatExpr(filter, x.Cols))
		}
		if x.Lock {
			d = append(d, "Rows checked at commit (FOR UPDATE)")
		}
		return title, d, nil
	case *Values:
		if len(x.Cols) == 0 && len(x.Rows) == 1 {
			return "Result", nil, nil
		}
		return fmt.Sprintf("Values Scan (%d rows)", len(x.Rows)), nil, nil
	case *Filter:
		return "Filter", []string{"Filter: " + FormatExpr(x.Cond, x.Input.Columns())}, []Node{x.Input}
	case *Project:
		return "Project", []string{"Output: " + formatList(x.Exprs, x.Input.Columns())}, []Node{x.Input}
	case *Join:
		kind := map[JoinKind]string{InnerJoin: "", LeftJoin: "Left ", RightJoin: "Right ", FullJoin: "Full ", CrossJoin: "", SemiJoin: "Semi ", AntiJoin: "Anti "}[x.Kind]
		all := cols([]Node{x.Left, x.Right})
		var d []string
		title := "Nested Loop"
		if kind != "" {
			title += " " + strings.TrimSpace(kind) + " Join"
		}
		if x.Lookup {
			// The right side as PostgreSQL shows an inner index scan:
			// its key comes from each left row.
			right := *x.Right.(*Scan)
			right.Access, right.Field, right.Op = AccessKey, right.Fields[0], OpEq
			right.Key = &OuterRef{Name: FormatExpr(x.EqLeft[0], x.Left.Columns())}
			if x.On != nil {
				d = append(d, "Join Filter: "+FormatExpr(x.On, all))
			}
			return title, d, []Node{x.Left, &right}
		}
		if len(x.EqLeft) > 0 {
			title = "Hash " + kind + "Join"
			var conds []string
			for i := range x.EqLeft {
				conds = append(conds, FormatExpr(x.EqLeft[i], x.Left.Columns())+" = "+FormatExpr(x.EqRight[i], x.Right.Columns()))
			}
			d = append(d, "Hash Cond: ("+strings.Join(conds, ") AND (")+")")
		}
		if x.Lateral {
			d = append(d, "Lateral: the right side runs for each left row")
		}
		if x.On != nil {
			d = append(d, "Join Filter: "+FormatExpr(x.On, all))
		}
		return strings.TrimSpace(title), d, []Node{x.Left, x.Right}
	case *Agg:
		title := "Aggregate"
		var d []string
		if len(x.GroupBy) > 0 {
			title = "HashAggregate"
			d = append(d, "Group Key: "+formatList(x.GroupBy, x.Input.Columns()))
		}
		return title, d, []Node{x.Input}
	case *Sort:
		var keys []string
		for _, k := range x.Keys {
			s := FormatExpr(k.E, x.Input.Columns())
			if k.Desc {
				s += " DESC"
			}
			keys = append(keys, s)
		}
		title := "Sort"
		if x.Limit != nil {
			title = "Sort (top-N heap: " + FormatExpr(x.Limit, nil) + " rows)"
		}
		return title, []string{"Sort Key: " + strings.Join(keys, ", ")}, []Node{x.Input}
	case *Limit:
		return "Limit", nil, []Node{x.Input}
	case *Fetch:
		return fmt.Sprintf("Fetch by key on %s", x.Scan.Table), []string{"Key: " + x.Scan.Fields[0]}, []Node{x.Input}
	case *Distinct:
		if len(x.On) > 0 {
			return "Unique", []string{"On: " + formatList(x.On, x.Input.Columns())}, []Node{x.Input}
		}
		return "HashAggregate (distinct)", nil, []Node{x.Input}
	case *SetOp:
		name := map[SetOpKind]string{Union: "Append (union)", Intersect: "HashSetOp Intersect", Except: "HashSetOp Except"}[x.Kind]
		if x.All {
			name += " All"
		}
		return name, nil, []Node{x.Left, x.Right}
	case *Window:
		return "WindowAgg", nil, []Node{x.Input}
	case *ProjectSet:
		return "ProjectSet", nil, []Node{x.Input}
	case *FuncScan:
		return "Function Scan on " + x.Name, nil, nil
	case *CTEScan:
		return "CTE Scan on " + x.CTE.Name, nil, nil
	case *VirtualScan:
		title := "Catalog Scan on " + x.Table.Schema + "." + x.Table.Name
		if len(x.Cols) > 0 && x.Cols[0].Qualifier != "" && x.Cols[0].Qualifier != x.Table.Name {
			title += " " + x.Cols[0].Qualifier
		}
		var d []string
		if x.Travel.Kind == TravelAsOf {
			d = append(d, "As Of: "+FormatExpr(x.Travel.From, nil))
		}
		return title, d, nil
	case *With:
		kids := []Node{}
		for _, c := range x.CTEs {
			kids = append(kids, c.Plan)
			if c.Recursive != nil {
				kids = append(kids, c.Recursive)
			}
		}
		return "With", nil, append(kids, x.Body)
	case *Insert:
		return "Insert on " + x.Table.Name, nil, []Node{x.Source}
	case *Update:
		return "Update on " + x.Table.Name, nil, []Node{x.Source}
	case *Delete:
		return "Delete on " + x.Table.Name, nil, []Node{x.Source}
	}
	return fmt.Sprintf("%T", n), nil, nil
}

func formatList(es []Expr, cols []Column) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = FormatExpr(e, cols)
	}
	return strings.Join(s, ", ")
}

// FormatExpr writes an expression as SQL, naming columns of cols.
func FormatExpr(e Expr, cols []Column) string {
	switch x := e.(type) {
	case nil:
		return ""
	case *Const:
		if x.Val == nil {
			return "NULL"
		}
		t := x.T
		if t.Family == types.UnknownFamily {
			t = types.Text
		}
		s := types.FormatText(x.Val, t, nil)
		switch t.Family {
		case types.IntFamily, types.FloatFamily, types.DecimalFamily, types.BoolFamily:
			return s
		}
		return "'" + strings.ReplaceAll(s, "'", "''") + "'::" + t.String()
	case *Param:
		return fmt.Sprintf("$%d", x.N)
	case *ColRef:
		if x.Idx < len(cols) {
			c := cols[x.Idx]
			if c.Qualifier != "" {
				return c.Qualifier + "." + c.Name
			}
			return c.Name
		}
		if x.Name != "" {
			return x.Name
		}
		return fmt.Sprintf("$col%d", x.Idx+1)
	case *OuterRef:
		return x.Name
	case *Call:
		if len(x.Args) == 2 && isOpName(x.Name) {
			return "(" + FormatExpr(x.Args[0], cols) + " " + x.Name + " " + FormatExpr(x.Args[1], cols) + ")"
		}
		if len(x.Args) == 1 && isOpName(x.Name) {
			return "(" + x.Name + FormatExpr(x.Args[0], cols) + ")"
		}
		return x.Name + "(" + formatList(x.Args, cols) + ")"
	case *Cast:
		return FormatExpr(x.E, cols) + "::" + x.T.String()
	case *And:
		return joinBool(x.Args, " AND ", cols)
	case *Or:
		return joinBool(x.Args, " OR ", cols)
	case *Not:
		return "(NOT " + FormatExpr(x.E, cols) + ")"
	case *IsNull:
		if x.Not {
			return "(" + FormatExpr(x.E, cols) + " IS NOT NULL)"
		}
		return "(" + FormatExpr(x.E, cols) + " IS NULL)"
	case *InList:
		op := " IN "
		if x.Not {
			op = " NOT IN "
		}
		return "(" + FormatExpr(x.E, cols) + op + "(" + formatList(x.List, cols) + "))"
	case *ArrayOp:
		q := " ANY "
		if x.All {
			q = " ALL "
		}
		return "(" + FormatExpr(x.Left, cols) + " " + x.Op.Name + q + "(" + FormatExpr(x.Array, cols) + "))"
	case *Subquery:
		return "(SubPlan)"
	case *DocPath:
		return FormatExpr(x.E, cols) + "." + strings.Join(x.Path, ".")
	case *Coalesce:
		return "COALESCE(" + formatList(x.Args, cols) + ")"
	case *ArrayExpr:
		return "ARRAY[" + formatList(x.Elems, cols) + "]"
	case *Case:
		return "CASE ... END"
	}
	return fmt.Sprintf("<%T>", e)
}

func joinBool(es []Expr, sep string, cols []Column) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = FormatExpr(e, cols)
	}
	return "(" + strings.Join(s, sep) + ")"
}

func isOpName(n string) bool {
	return n != "" && !(n[0] >= 'a' && n[0] <= 'z' || n[0] >= 'A' && n[0] <= 'Z' || n[0] == '_')
}

// indexName is the name of the index the scan reads by Field.
func (s *Scan) indexName() string {
	if s.Spec != nil {
		if n := s.Spec.IndexOn(s.Field); n != "" {
			return n
		}
	}
	return s.Table + "_" + s.Field + "_idx"
}
