package plan

// prune works out which columns each Scan must read: a column no operator
// above it uses is not decoded (its value stays NULL in the row). Every
// output column of the plan's root is used.
func prune(n Node) Node {
	used := make([]bool, len(n.Columns()))
	for i := range used {
		used[i] = true
	}
	need(n, used)
	return n
}

// need marks, below n, the columns n's used output columns depend on.
func need(n Node, used []bool) {
	switch x := n.(type) {
	case *Scan:
		// The scan's own conditions: those its access does not answer
		// (an index equality it reads by needs no column), but all of
		// them for a range of keys, which may be read as a whole scan.
		used = append([]bool(nil), used...)
		if x.Access == AccessRange {
			exprNeeds(x.Filter, used)
		} else {
			exprNeeds(x.RowFilter(), used)
		}
		for i := range x.Cols {
			if !used[i] {
				x.Fields[i] = ""
				x.Sys[i] = SysNone
			}
		}
	case *Filter:
		u := append([]bool(nil), used...)
		exprNeeds(x.Cond, u)
		need(x.Input, u)
	case *Project:
		u := make([]bool, len(x.Input.Columns()))
		for i, e := range x.Exprs {
			if used[i] {
				exprNeeds(e, u)
			}
		}
		need(x.Input, u)
	case *Join:
		nl := len(x.Left.Columns())
		// A semi or anti join gives its left rows only: its conditions
		// read the right side's columns too.
		u := make([]bool, nl+len(x.Right.Columns()))
		copy(u, used)
		exprNeeds(x.On, u)
		for _, e := range x.EqLeft {
			exprNeeds(e, u)
		}
		for _, e := range x.EqRight {
			exprNeeds(e, u[nl:])
		}
		if x.Lateral {
			for i := range u[:nl] {
				u[i] = true // the right side reads the left row
			}
		}
		need(x.Left, u[:nl])
		need(x.Right, u[nl:])
	case *Agg:
		u := make([]bool, len(x.Input.Columns()))
		for _, g := range x.GroupBy {
			exprNeeds(g, u)
		}
		for _, a := range x.Aggs {
			for _, e := range a.Args {
				exprNeeds(e, u)
			}
			exprNeeds(a.Filter, u)
			for _, k := range a.OrderBy {
				exprNeeds(k.E, u)
			}
		}
		need(x.Input, u)
	case *Sort:
		u := append([]bool(nil), used...)
		for _, k := range x.Keys {
			exprNeeds(k.E, u)
		}
		need(x.Input, u)
	case *Limit:
		need(x.Input, used)
	case *Distinct:
		u := make([]bool, len(used))
		for i := range u {
			u[i] = true // every column decides what is distinct
		}
		need(x.Input, u)
	case *SetOp:
		all := make([]bool, len(x.Cols))
		for i := range all {
			all[i] = true
		}
		need(x.Left, all)
		need(x.Right, all)
	case *Window:
		nin := len(x.Input.Columns())
		x.Keep = append([]bool(nil), used[:nin]...)
		u := append([]bool(nil), used[:nin]...)
		for i, c := range x.Calls {
			if c.Unused = !used[nin+i]; c.Unused {
				continue
			}
			for _, e := range c.Args {
				exprNeeds(e, u)
			}
			for _, e := range c.PartitionBy {
				exprNeeds(e, u)
			}
			for _, k := range c.OrderBy {
				exprNeeds(k.E, u)
			}
			exprNeeds(c.Filter, u)
		}
		need(x.Input, u)
	case *ProjectSet:
		nin := len(x.Input.Columns())
		u := append([]bool(nil), used[:nin]...)
		for _, c := range x.Calls {
			for _, e := range c.Args {
				exprNeeds(e, u)
			}
		}
		need(x.Input, u)
	case *With:
		for _, c := range x.CTEs {
			needAll(c.Plan)
			if c.Recursive != nil {
				needAll(c.Recursive)
			}
		}
		need(x.Body, used)
	case *Values, *FuncScan, *CTEScan:
	}
	// Subqueries in expressions are pruned on their own.
}

func needAll(n Node) {
	u := make([]bool, len(n.Columns()))
	for i := range u {
		u[i] = true
	}
	need(n, u)
}

// exprNeeds marks the columns an expression reads (and prunes the plans of
// its subqueries).
func exprNeeds(e Expr, u []bool) {
	Walk(e, func(x Expr) bool {
		switch y := x.(type) {
		case *ColRef:
			if y.Idx < len(u) {
				u[y.Idx] = true
			}
		case *Subquery:
			needAll(y.Plan)
			if y.Correlated {
				// It reads this level's row through OuterRefs: keep all of it.
				for i := range u {
					u[i] = true
				}
			}
		}
		return true
	})
}
