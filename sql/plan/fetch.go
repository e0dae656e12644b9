package plan

// lateFetch rewrites a top-N sort of a table's rows so that the scan
// decodes only what the sort and the scan's own filter need, and the rest
// of each row is read by key for the rows the sort keeps:
//
//	Sort(keys, limit)               Project(exprs)
//	  Project(exprs)          =>      Fetch(scan's columns)
//	    Scan(columns)                   Sort(keys over the scan, limit)
//	                                      Scan(sort and filter columns, key)
//
// It applies where the sort reads a projection of one scan of the
// present or of one point in the past (not versions, not FOR UPDATE), and
// where the scan reads columns the sort does not need.
func lateFetch(n Node) Node {
	return rewriteSorts(n, func(s *Sort) Node {
		if out := fetchLater(s); out != nil {
			return out
		}
		return s
	})
}

// rewriteSorts replaces each sort of n, below any node a query's rows
// pass through, by what f makes of it, its input rewritten first.
func rewriteSorts(n Node, f func(*Sort) Node) Node {
	switch x := n.(type) {
	case *Sort:
		x.Input = rewriteSorts(x.Input, f)
		return f(x)
	case *Project:
		x.Input = rewriteSorts(x.Input, f)
	case *Filter:
		x.Input = rewriteSorts(x.Input, f)
	case *Limit:
		x.Input = rewriteSorts(x.Input, f)
	case *Distinct:
		x.Input = rewriteSorts(x.Input, f)
	case *Join:
		x.Left, x.Right = rewriteSorts(x.Left, f), rewriteSorts(x.Right, f)
	case *Agg:
		x.Input = rewriteSorts(x.Input, f)
	case *Window:
		x.Input = rewriteSorts(x.Input, f)
	case *ProjectSet:
		x.Input = rewriteSorts(x.Input, f)
	case *SetOp:
		x.Left, x.Right = rewriteSorts(x.Left, f), rewriteSorts(x.Right, f)
	case *With:
		for _, c := range x.CTEs {
			c.Plan = rewriteSorts(c.Plan, f)
		}
		x.Body = rewriteSorts(x.Body, f)
	}
	return n
}

func fetchLater(s *Sort) Node {
	proj, ok := s.Input.(*Project)
	if !ok || s.Limit == nil {
		return nil
	}
	scan, ok := proj.Input.(*Scan)
	if !ok || scan.Lock || scan.Travel.Kind == TravelBetween || scan.Travel.Kind == TravelAll ||
		len(scan.Fields) == 0 || scan.Fields[0] == "" && scan.Sys[0] == SysNone {
		return nil
	}
	// The sort keys over the scan's row.
	keys := make([]SortKey, len(s.Keys))
	for i, k := range s.Keys {
		keys[i] = k
		keys[i].E = mapExpr(k.E, func(e Expr) (Expr, bool) {
			if c, ok := e.(*ColRef); ok {
				return proj.Exprs[c.Idx], true
			}
			return e, false
		})
		if volatile(keys[i].E) {
			return nil
		}
	}
	need := make([]bool, len(scan.Cols))
	need[0] = true // the key, to fetch by
	for _, k := range keys {
		exprNeeds(k.E, need)
	}
	exprNeeds(scan.Filter, need)
	saved := 0
	slim := *scan
	slim.Fields = append([]string(nil), scan.Fields...)
	slim.Sys = append([]SysCol(nil), scan.Sys...)
	for i := range slim.Fields {
		if need[i] {
			continue
		}
		if slim.Fields[i] != "" || slim.Sys[i] != SysNone {
			saved++
		}
		slim.Fields[i], slim.Sys[i] = "", SysNone
	}
	if saved == 0 || slim.Fields[0] == "" {
		return nil // the scan reads nothing the sort does not need
	}
	return &Project{
		Input: &Fetch{Input: &Sort{Input: &slim, Keys: keys, Limit: s.Limit, Offset: s.Offset}, Scan: scan},
		Exprs: proj.Exprs,
		Cols:  proj.Cols,
	}
}

// Columns of a Fetch are its scan's.
func (f *Fetch) Columns() []Column { return f.Scan.Columns() }
