package plan

import (
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/types"
)

// Optimize rewrites a bound plan into the one that runs: filters go down
// to the scans they test (and, at a scan, a condition on the primary key
// or an indexed field chooses how the table is read); a cross join with
// an equality between its sides becomes a hash join; a top-N sort of a
// table reads the rest of the rows it keeps by key (lateFetch); a sort
// by a table's key, which its scan gives, goes (keyOrder).
func Optimize(n Node) Node {
	n = lateFetch(keyOrder(optimize(n)))
	chooseLookups(n)
	optimizeSubqueries(n)
	// Pruned again now that the scans have their conditions: a column
	// only an index equality the scan reads by reads (Scan.Answered) is
	// not read at all (a count by an index reads no document).
	return prune(n)
}

// chooseLookups makes the hash joins of n whose right side is a table
// joined on its primary key read the right side by key for each left row
// (Join.Lookup) when that costs less than hashing the whole table: when
// the left side reads few rows (its table by key, an index or a key or
// index range, a VALUES list, a small LIMIT, or a small LIMIT above the
// join that its rows stream to), or when the right table has
// at least half as many rows as the left's (a lookup costs about what
// hashing a row does, and holds nothing). A join of a handful of rows
// with a large table then costs a handful of lookups, not a read of the
// whole table.
func chooseLookups(n Node) {
	var joins []*Join
	limited := map[*Join]bool{}
	WalkNodes(n, func(n Node) {
		switch x := n.(type) {
		case *Join:
			joins = append(joins, x)
		case *Limit:
			if smallLimit(x) {
				markStreamed(x.Input, limited)
			}
		}
	})
	// Inner joins first: whether a join's left side reads few rows
	// depends on how the joins within it read.
	for i := len(joins) - 1; i >= 0; i-- {
		j := joins[i]
		if j.Lateral || len(j.EqLeft) != 1 {
			continue
		}
		switch j.Kind {
		case InnerJoin, LeftJoin, SemiJoin, AntiJoin:
		default:
			continue
		}
		s, ok := j.Right.(*Scan)
		if !ok || s.Access != AccessScan || s.Lock || len(s.KeyFields) > 0 ||
			s.Travel.Kind == TravelBetween || s.Travel.Kind == TravelAll || len(s.Sys) > 0 && s.Sys[0] != SysNone {
			continue
		}
		r, ok := j.EqRight[0].(*ColRef)
		if !ok || r.Idx != 0 || len(s.Fields) == 0 || s.Fields[0] == "" {
			continue
		}
		if left := rowsOf(j.Left); few(j.Left) || limited[j] || left >= 0 && 2*s.Rows >= left {
			j.Lookup = true
		}
	}
}

// smallLimit reports whether l keeps at most 1000 rows: a constant
// count, as written (LIMIT 20 is an integer cast to int8).
func smallLimit(l *Limit) bool {
	e := l.Count
	for {
		c, ok := e.(*Cast)
		if !ok {
			break
		}
		e = c.E
	}
	c, ok := e.(*Const)
	if !ok || c.Val == nil {
		return false
	}
	switch v := c.Val.(type) {
	case int64:
		return v <= 1000
	case int32:
		return v <= 1000
	case int16:
		return v <= 1000
	}
	return false
}

// markStreamed marks the joins whose rows stream to a small LIMIT above
// n, through projections and the left sides of joins, with no sort
// between (keyOrder took away a sort the rows come in the order of) and
// nothing that drops joined rows (a filter, a condition of the join past
// its equality, one on an inner join's right table; a left join keeps
// every left row): such a join reads about as many left rows as the LIMIT
// keeps, and looking each one's right row up costs less than hashing the
// right table.
func markStreamed(n Node, limited map[*Join]bool) {
	for {
		switch x := n.(type) {
		case *Project:
			n = x.Input
		case *Join:
			right, _ := x.Right.(*Scan)
			if x.On != nil || right == nil || x.Kind != LeftJoin && (x.Kind != InnerJoin || right.Filter != nil) {
				return
			}
			limited[x] = true
			n = x.Left
		default:
			return
		}
	}
}

// through skips the nodes over n that pass on some of its rows, as they
// are or computed from: filters, projections, sorts and fetches.
func through(n Node) Node {
	for {
		switch x := n.(type) {
		case *Filter:
			n = x.Input
		case *Project:
			n = x.Input
		case *Sort:
			n = x.Input
		case *Fetch:
			n = x.Input
		default:
			return n
		}
	}
}

// rowsOf returns about how many rows the table a plan reads through
// filters, projections, sorts and the left side of joins has; -1 when
// it reads no one table so.
func rowsOf(n Node) int64 {
	for {
		switch x := through(n).(type) {
		case *Join:
			n = x.Left
		case *Scan:
			return x.Rows
		default:
			return -1
		}
	}
}

// few reports whether a plan reads few rows: see chooseLookups.
func few(n Node) bool {
	for {
		switch x := through(n).(type) {
		case *Limit:
			if smallLimit(x) {
				return true
			}
			n = x.Input
		case *Join:
			if x.Kind != InnerJoin && x.Kind != LeftJoin && x.Kind != SemiJoin && x.Kind != AntiJoin {
				return false
			}
			if !x.Lookup && x.Kind != SemiJoin && x.Kind != AntiJoin {
				return false // a hash join can give more rows than its left side
			}
			n = x.Left
		case *Values:
			return len(x.Rows) <= 1000
		case *Scan:
			return x.Access != AccessScan && x.Travel.Kind != TravelBetween && x.Travel.Kind != TravelAll
		default:
			return false
		}
	}
}

func optimize(n Node) Node {
	switch x := n.(type) {
	case *Filter:
		conds := conjuncts(x.Cond)
		x.Input, conds = semiJoins(x.Input, conds)
		x.Input = optimize(x.Input)
		return pushFilter(x.Input, conds)
	case *Project:
		x.Input = optimize(x.Input)
	case *Join:
		x.Left, x.Right = optimize(x.Left), optimize(x.Right)
		if x.Kind == InnerJoin && x.On != nil {
			on := x.On
			x.On = nil
			return pushFilter(x, conjuncts(on))
		}
		if x.On != nil && !x.Lateral {
			outerOn(x)
		}
	case *Agg:
		x.Input = optimize(x.Input)
	case *Sort:
		x.Input = optimize(x.Input)
	case *Limit:
		x.Input = optimize(x.Input)
	case *Distinct:
		x.Input = optimize(x.Input)
	case *SetOp:
		x.Left, x.Right = optimize(x.Left), optimize(x.Right)
	case *Window:
		x.Input = optimize(x.Input)
	case *ProjectSet:
		x.Input = optimize(x.Input)
	case *With:
		for _, c := range x.CTEs {
			c.Plan = optimize(c.Plan)
			if c.Recursive != nil {
				c.Recursive = optimize(c.Recursive)
			}
		}
		x.Body = optimize(x.Body)
	case *Insert:
		x.Source = optimize(x.Source)
	case *Update:
		x.Source = optimize(x.Source)
	case *Delete:
		x.Source = optimize(x.Source)
	}
	return n
}

// optimizeSubqueries optimizes the plan of every subquery in the
// expressions of n and of the nodes under it, once each, where the
// optimization of n has put them (a condition pushed into a scan, an
// aggregate's argument, a sort key, a value of UPDATE's SET).
func optimizeSubqueries(n Node) {
	done := map[*Subquery]bool{} // one may stand in two places
	WalkNodes(n, func(m Node) {
		nodeExprs(m, func(e Expr) {
			Walk(e, func(x Expr) bool {
				if sq, ok := x.(*Subquery); ok && !done[sq] {
					done[sq] = true
					sq.Plan = Optimize(sq.Plan)
				}
				return true
			})
		})
	})
}

// nodeExprs calls fn with each expression n holds itself (not those of
// the nodes under it).
func nodeExprs(n Node, fn func(Expr)) {
	each := func(es []Expr) {
		for _, e := range es {
			fn(e)
		}
	}
	keys := func(ks []SortKey) {
		for _, k := range ks {
			fn(k.E)
		}
	}
	switch x := n.(type) {
	case *Filter:
		fn(x.Cond)
	case *Project:
		each(x.Exprs)
	case *Scan:
		fn(x.Filter)
		fn(x.Key)
		fn(x.Lo)
		fn(x.Hi)
		each(x.List)
		fn(x.ListArray)
	case *Join:
		fn(x.On)
		each(x.EqLeft)
		each(x.EqRight)
	case *Agg:
		each(x.GroupBy)
		for _, a := range x.Aggs {
			each(a.Args)
			fn(a.Filter)
			keys(a.OrderBy)
		}
	case *Sort:
		keys(x.Keys)
		fn(x.Limit)
		fn(x.Offset)
	case *Limit:
		fn(x.Count)
		fn(x.Offset)
		keys(x.Ties)
	case *Distinct:
		each(x.On)
	case *Window:
		for _, c := range x.Calls {
			each(c.Args)
			each(c.PartitionBy)
			keys(c.OrderBy)
			fn(c.Filter)
			if c.Frame != nil {
				fn(c.Frame.Start.Offset)
				fn(c.Frame.End.Offset)
			}
		}
	case *ProjectSet:
		for _, c := range x.Calls {
			each(c.Args)
		}
	case *FuncScan:
		for _, c := range x.Funcs {
			each(c.Args)
		}
	case *Values:
		for _, r := range x.Rows {
			each(r)
		}
	case *Insert:
		for _, c := range x.Checks {
			fn(c.E)
		}
		each(x.Returning)
		if x.OnConflict != nil {
			for _, si := range x.OnConflict.Sets {
				fn(si.E)
			}
			fn(x.OnConflict.Where)
		}
	case *Update:
		for _, si := range x.Sets {
			fn(si.E)
		}
		for _, c := range x.Checks {
			fn(c.E)
		}
		each(x.Returning)
	case *Delete:
		each(x.Returning)
	}
}

// conjuncts splits a condition on AND.
func conjuncts(e Expr) []Expr {
	if a, ok := e.(*And); ok {
		var out []Expr
		for _, x := range a.Args {
			out = append(out, conjuncts(x)...)
		}
		return out
	}
	return []Expr{e}
}

func conjoin(es []Expr) Expr {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return &And{Args: es}
}

// pushFilter places conditions as low as they can go over n.
func pushFilter(n Node, conds []Expr) Node {
	if len(conds) == 0 {
		return n
	}
	switch x := n.(type) {
	case *Scan:
		return pushToScan(x, conds)
	case *Filter:
		return pushFilter(x.Input, append(conjuncts(x.Cond), conds...))
	case *Join:
		nl := len(x.Left.Columns())
		var left, right, here []Expr
		for _, c := range conds {
			lo, hi, outer := colRange(c)
			switch {
			case outer || volatile(c):
				here = append(here, c)
			case hi < nl && (x.Kind == InnerJoin || x.Kind == CrossJoin || x.Kind == LeftJoin || x.Kind == SemiJoin || x.Kind == AntiJoin):
				left = append(left, c) // a semi or anti join's rows are its left rows
			case lo >= nl && hi >= 0 && (x.Kind == InnerJoin || x.Kind == CrossJoin || x.Kind == RightJoin) && !x.Lateral:
				right = append(right, shift(c, -nl))
			default:
				here = append(here, c)
			}
		}
		x.Left = pushFilter(x.Left, left)
		x.Right = pushFilter(x.Right, right)
		if x.Kind == CrossJoin && len(here) > 0 && !x.Lateral {
			x.Kind = InnerJoin
		}
		if x.Kind == InnerJoin && !x.Lateral {
			// Equalities between the sides make a hash join.
			here = hashKeys(x, here)
			if len(here) > 0 {
				x.On = conjoin(append(conjuncts0(x.On), here...))
				return x
			}
			return x
		}
		if len(here) > 0 {
			return &Filter{Input: x, Cond: conjoin(here)}
		}
		return x
	}
	return &Filter{Input: n, Cond: conjoin(conds)}
}

// outerOn plans the ON condition of a join other than an inner one:
// equalities between the sides become hash keys, and, where the right
// side's rows only count when they match (LEFT, semi and anti joins),
// conditions on the right side alone go down into it. The rest is
// checked on each pair of rows with equal keys.
func outerOn(x *Join) {
	nl := len(x.Left.Columns())
	var rest, plain, right []Expr
	for _, c := range conjuncts(x.On) {
		if _, _, outer := colRange(c); outer || volatile(c) {
			rest = append(rest, c)
		} else {
			plain = append(plain, c)
		}
	}
	for _, c := range hashKeys(x, plain) {
		if lo, hi, _ := colRange(c); lo >= nl && hi >= 0 && (x.Kind == LeftJoin || x.Kind == SemiJoin || x.Kind == AntiJoin) {
			right = append(right, shift(c, -nl))
		} else {
			rest = append(rest, c)
		}
	}
	x.Right = pushFilter(x.Right, right)
	x.On = conjoin(rest)
}

// hashKeys makes the equalities between a join's sides among conds its
// hash keys, and returns the other conditions.
func hashKeys(x *Join, conds []Expr) []Expr {
	nl := len(x.Left.Columns())
	var rest []Expr
	for _, c := range conds {
		if l, r, ok := equiKey(c, nl); ok {
			x.EqLeft = append(x.EqLeft, l)
			x.EqRight = append(x.EqRight, r)
		} else {
			rest = append(rest, c)
		}
	}
	return rest
}

func conjuncts0(e Expr) []Expr {
	if e == nil {
		return nil
	}
	return conjuncts(e)
}

// pushToScan gives a scan its conditions: one on the key or an index
// chooses the access path (a key equality, else an index equality, else
// a range of one indexed field); all of them but a key equality, the
// bounds of a range of the key and an index equality of the column's own
// type (Scan.Answered) are checked on each row,
// and the simple comparisons among them also on the stored document first
// (Scan.Preds).
func pushToScan(s *Scan, conds []Expr) Node {
	type cand struct {
		cond  Expr
		field string
		op    IndexOp
		val   Expr
	}
	if s.Travel.Kind == TravelBetween || s.Travel.Kind == TravelAll {
		// A history scan reads every version in its span: each condition
		// is checked on each version.
		s.Filter = conjoin(append(conjuncts0(s.Filter), conds...))
		return s
	}
	var cands []cand
	var rest []Expr
	for _, c := range conds {
		if field, op, val, ok := indexable(s, c); ok {
			cands = append(cands, cand{c, field, op, val})
		} else {
			rest = append(rest, c)
		}
	}
	used := map[int]bool{} // the key equalities, which need no check
	if s.Access == AccessScan {
		for i, c := range cands {
			if c.field == s.Fields[0] && c.op == OpEq {
				s.Access, s.Key, s.Field, s.Op = AccessKey, c.val, c.field, c.op
				used[i] = true
				break
			}
		}
	}
	if s.Access == AccessScan && len(s.KeyFields) > 0 {
		// Equalities on every column of a key of several columns read
		// one row by the key they make.
		key := &TupleKey{}
		take := map[int]bool{}
		for _, f := range s.KeyFields {
			for i, c := range cands {
				if c.field == f && c.op == OpEq && !take[i] && keyValueFits(s, f, c.val) {
					key.Names, key.Vals, take[i] = append(key.Names, s.colName(f)), append(key.Vals, c.val), true
					break
				}
			}
		}
		if len(key.Vals) == len(s.KeyFields) {
			s.Access, s.Key, s.Field, s.Op = AccessKey, key, s.Fields[0], OpEq
			used = take
		}
	}
	// A list of keys, else an index equality, else a list of an index's
	// values: IN (...) and = ANY (array) read each value's rows.
	var list Expr // the condition a list access reads by
	if s.Access == AccessScan && len(s.KeyFields) == 0 && !s.RowID {
		list = s.readList(rest, func(f string) bool { return f == s.Fields[0] }, AccessKeyList)
	}
	if s.Access == AccessScan {
		for _, c := range cands {
			if c.op == OpEq && s.indexed(c.field) {
				s.Access, s.Key, s.Field, s.Op = AccessIndex, c.val, c.field, c.op
				break
			}
		}
	}
	if s.Access == AccessScan {
		list = s.readList(rest, s.indexed, AccessIndexList)
	}
	bounds := map[int]bool{} // the conditions that bound a range
	if s.Access == AccessScan {
		for i, c := range cands {
			// The primary key is a range of the table itself.
			if c.op == OpEq || !s.indexed(c.field) && c.field != s.Fields[0] || s.Access == AccessRange && c.field != s.Field {
				continue
			}
			s.Access, s.Field = AccessRange, c.field
			incl := c.op == OpLe || c.op == OpGe
			switch {
			case (c.op == OpGt || c.op == OpGe) && s.Lo == nil:
				s.Lo, s.LoIncl = c.val, incl
				bounds[i] = true
			case (c.op == OpLt || c.op == OpLe) && s.Hi == nil:
				s.Hi, s.HiIncl = c.val, incl
				bounds[i] = true
			}
		}
	}
	// A bound of the primary key's own type holds exactly for the keys
	// of the range (the engine orders integer keys as integers and text
	// keys byte by byte, as the C collation does): a read of the range
	// need not check it again.
	keyRange := s.Access == AccessRange && s.Field == s.Fields[0] && len(s.KeyFields) == 0 && !s.RowID
	for i, c := range cands {
		if used[i] {
			continue
		}
		// The index equality the scan reads by needs no check on the
		// stored document: every row it yields has the value.
		indexEq := s.Access == AccessIndex && c.field == s.Field && c.op == OpEq && c.op == s.Op && equalExpr(c.val, s.Key)
		inRange := keyRange && bounds[i] && keyValueFits(s, c.field, c.val)
		if pushable(s, c.field) && !indexEq && !inRange {
			s.Preds = append(s.Preds, ScanPred{Field: c.field, Op: c.op, Val: c.val})
		}
		// An index equality of the column's own type holds exactly for
		// the rows the index yields (the engine checks again each row
		// changed since its entry), as a bound of the key does for the
		// rows of the range: a count by an index then reads no document.
		if inRange || indexEq && keyValueFits(s, c.field, c.val) {
			s.Answered = append(s.Answered, c.cond)
		}
		rest = append(rest, c.cond)
	}
	if list != nil && s.listFits() {
		s.Answered = append(s.Answered, list)
	}
	s.Filter = conjoin(append(conjuncts0(s.Filter), rest...))
	return s
}

// readList makes s read by the first of conds that is field IN (...) or
// field = ANY (array) of constant values, field one that can (key or
// index) says is read by access, and returns that condition.
func (s *Scan) readList(conds []Expr, can func(field string) bool, access Access) Expr {
	for _, c := range conds {
		field, items, arr, ok := listable(s, c)
		if ok && can(field) {
			s.Access, s.Field, s.Op, s.List, s.ListArray = access, field, OpEq, items, arr
			return c
		}
	}
	return nil
}

// listable recognizes col IN (v1, v2 ...), col = ANY (array) and col =
// v1 OR col = v2 ..., the values fixed (the row's own columns not among them) and of the
// column's own type, as indexable does a comparison.
func listable(s *Scan, c Expr) (field string, items []Expr, arr Expr, ok bool) {
	var l Expr
	var ts []*types.T
	switch x := c.(type) {
	case *InList:
		if x.Not {
			return "", nil, nil, false
		}
		for i, it := range x.List {
			if x.Eq[i].Name != "=" || !fixed(it) {
				return "", nil, nil, false
			}
			ts = append(ts, it.Type())
		}
		l, items = x.E, x.List
	case *ArrayOp:
		if x.All || x.Op.Name != "=" || !fixed(x.Array) || x.Array.Type().Elem == nil {
			return "", nil, nil, false
		}
		l, arr, ts = x.Left, x.Array, []*types.T{x.Array.Type().Elem}
	case *Or:
		// col = a OR col = b ...: a list too.
		for _, a := range x.Args {
			call, ok := a.(*Call)
			if !ok || call.Name != "=" || len(call.Args) != 2 {
				return "", nil, nil, false
			}
			c, v := call.Args[0], call.Args[1]
			if _, ok := c.(*ColRef); !ok {
				c, v = v, c
			}
			if col, ok := c.(*ColRef); !ok || !fixed(v) || l != nil && col.Idx != l.(*ColRef).Idx {
				return "", nil, nil, false
			}
			l, items, ts = c, append(items, v), append(ts, v.Type())
		}
	default:
		return "", nil, nil, false
	}
	col, isCol := l.(*ColRef)
	if !isCol || col.Idx >= len(s.Fields) || s.Fields[col.Idx] == "" || s.Sys[col.Idx] != SysNone ||
		s.Travel.Kind == TravelBetween || s.Travel.Kind == TravelAll {
		return "", nil, nil, false
	}
	switch col.T.Family {
	case types.IntFamily, types.StringFamily, types.BoolFamily:
		// Values each equal only to itself, so that a list's are read
		// once each (not NaN, not -0 beside 0, not char(n)'s 'a' beside
		// 'a ').
		if col.T.Oid == types.OidBpchar {
			return "", nil, nil, false
		}
	default:
		return "", nil, nil, false
	}
	for _, vt := range ts {
		if !sameOrder(col.T, vt) {
			return "", nil, nil, false
		}
	}
	return s.Cols[col.Idx].Name, items, arr, true
}

// listFits reports whether the rows a list access reads are exactly
// those its condition holds for (keyValueFits of each value).
func (s *Scan) listFits() bool {
	if s.ListArray != nil {
		return typeFits(s, s.Field, s.ListArray.Type().Elem)
	}
	for _, it := range s.List {
		if !keyValueFits(s, s.Field, it) {
			return false
		}
	}
	return true
}

// keyValueFits reports whether an equality of a key column with val
// holds exactly when their key values are equal: an integer column with
// an integer, a text column (not char(n), which ignores trailing blanks)
// with text.
func keyValueFits(s *Scan, field string, val Expr) bool {
	return typeFits(s, field, val.Type())
}

// typeFits is keyValueFits for a value of type vt.
func typeFits(s *Scan, field string, vt *types.T) bool {
	for i, f := range s.Fields {
		if f != field || s.Sys[i] != SysNone {
			continue
		}
		ct := s.Cols[i].Type
		switch ct.Family {
		case types.IntFamily:
			return vt.Family == types.IntFamily
		case types.StringFamily:
			return ct.Oid != types.OidBpchar && vt.Family == types.StringFamily && vt.Oid != types.OidBpchar
		}
		return false
	}
	return false
}

// colName is the name of the column that reads field.
func (s *Scan) colName(field string) string {
	for i, f := range s.Fields {
		if f == field && s.Sys[i] == SysNone {
			return s.Cols[i].Name
		}
	}
	return field
}

// pushable reports whether comparisons on a field can be checked on the
// stored documents: those of a column whose values documents hold as
// strings, integers, numerics or booleans, compared as the engine
// compares them. (float8's text is not its value, and bpchar compares
// without trailing blanks.)
func pushable(s *Scan, field string) bool {
	for i, f := range s.Fields {
		if f != field || s.Sys[i] != SysNone {
			continue
		}
		t := s.Cols[i].Type
		switch t.Family {
		case types.StringFamily:
			return t.Oid != types.OidBpchar
		case types.IntFamily, types.DecimalFamily, types.BoolFamily:
			return true
		}
		return false
	}
	return false
}

// indexed is filled in by the binder from the catalog (Scan.Indexes).
func (s *Scan) indexed(field string) bool {
	for _, f := range s.Indexes {
		if f == field {
			return true
		}
	}
	return false
}

// indexable recognises column op value, where the column is a field of
// the scan's table and value reads no row.
func indexable(s *Scan, c Expr) (string, IndexOp, Expr, bool) {
	call, ok := c.(*Call)
	if !ok || len(call.Args) != 2 || s.Travel.Kind == TravelBetween || s.Travel.Kind == TravelAll {
		return "", 0, nil, false
	}
	op, ok := indexOps[call.Name]
	if !ok {
		return "", 0, nil, false
	}
	l, r := call.Args[0], call.Args[1]
	col, ok := l.(*ColRef)
	val := r
	if !ok {
		if col, ok = r.(*ColRef); !ok {
			return "", 0, nil, false
		}
		val, op = l, flip(op)
	}
	if col.Idx >= len(s.Fields) || s.Fields[col.Idx] == "" && s.Sys[col.Idx] != SysNone || !fixed(val) {
		return "", 0, nil, false
	}
	if !sameOrder(col.T, val.Type()) {
		return "", 0, nil, false
	}
	switch col.T.Family {
	case types.IntFamily, types.StringFamily, types.BoolFamily, types.DecimalFamily, types.FloatFamily:
	default:
		return "", 0, nil, false
	}
	return s.Cols[col.Idx].Name, op, val, true
}

// sameOrder reports whether a comparison of a column of type ct with a
// value of type vt is the column type's own (or between two integer
// types): the index orders values as the engine does, which agrees with
// SQL for one type.
func sameOrder(ct, vt *types.T) bool {
	return ct.Oid == vt.Oid || ct.Family == types.IntFamily && vt.Family == types.IntFamily
}

var indexOps = map[string]IndexOp{"=": OpEq, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe}

func flip(op IndexOp) IndexOp {
	switch op {
	case OpLt:
		return OpGt
	case OpLe:
		return OpGe
	case OpGt:
		return OpLt
	case OpGe:
		return OpLe
	}
	return op
}

// fixed reports whether an expression has one value for one run of the
// plan: it reads no row of its own query and changes nothing (constants,
// parameters, stable functions of them, and the outer query's columns a
// correlated subquery reads, whose plan is built for each outer row). A
// scan reads by such a value (u.id = o.user_id in a subquery reads u by
// key).
func fixed(e Expr) bool {
	ok := true
	Walk(e, func(x Expr) bool {
		switch y := x.(type) {
		case *ColRef, *Subquery, *aggRef, *winRef:
			ok = false
		case *Call:
			if y.Fn.Volatility == builtins.Volatile {
				ok = false
			}
		}
		return ok
	})
	return ok
}

func volatile(e Expr) bool {
	v := false
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*Call); ok && c.Fn.Volatility == builtins.Volatile {
			v = true
		}
		if _, ok := x.(*Subquery); ok {
			v = true // a subquery stays where it was written
		}
		return !v
	})
	return v
}

// colRange returns the lowest and highest column an expression reads (-1,
// -1 for none) and whether it reads an enclosing query's row.
func colRange(e Expr) (lo, hi int, outer bool) {
	lo, hi = -1, -1
	Walk(e, func(x Expr) bool {
		switch y := x.(type) {
		case *ColRef:
			if lo < 0 || y.Idx < lo {
				lo = y.Idx
			}
			if y.Idx > hi {
				hi = y.Idx
			}
		case *OuterRef:
			outer = true
		case *Subquery:
			if y.Correlated {
				outer = true
			}
		}
		return true
	})
	return lo, hi, outer
}

// shift moves an expression's column references by d.
func shift(e Expr, d int) Expr {
	return mapExpr(e, func(x Expr) (Expr, bool) {
		if c, ok := x.(*ColRef); ok {
			return &ColRef{Idx: c.Idx + d, T: c.T, Name: c.Name}, true
		}
		return x, false
	})
}

// equiKey recognises left = right between a join's sides, of one type.
func equiKey(c Expr, nl int) (Expr, Expr, bool) {
	call, ok := c.(*Call)
	if !ok || call.Name != "=" || len(call.Args) != 2 {
		return nil, nil, false
	}
	a, b := call.Args[0], call.Args[1]
	if !hashable(a.Type(), b.Type()) {
		return nil, nil, false
	}
	alo, ahi, aout := colRange(a)
	blo, bhi, bout := colRange(b)
	if aout || bout || alo < 0 || blo < 0 {
		return nil, nil, false
	}
	switch {
	case ahi < nl && blo >= nl:
		return a, shift(b, -nl), true
	case bhi < nl && alo >= nl:
		return b, shift(a, -nl), true
	}
	return nil, nil, false
}

// hashable reports whether values of types a and b that are equal hash
// alike, so that an equality between them can be a hash join's key: the
// same type, or integers of any width, or text and varchar (values of
// these families are held and hashed alike, see types.Hash).
func hashable(a, b *types.T) bool {
	switch {
	case types.Identical(a, b) || a.Oid == b.Oid:
		return true
	case a.Family == types.IntFamily && b.Family == types.IntFamily:
		return true
	case a.Family == types.StringFamily && b.Family == types.StringFamily:
		return a.Oid != types.OidBpchar && b.Oid != types.OidBpchar
	}
	return false
}

// semiJoins turns the conditions among conds that are [NOT] EXISTS of a
// correlated subquery reading one table, tied to the outer row only by
// its WHERE, into semi (anti) joins of in with that table: the subquery's
// WHERE becomes the join's condition, its equalities with the outer row
// the join's hash keys, so that the table is read once rather than once
// for each outer row. in is the FROM clause the conditions filter (a
// scan or a join), whose columns the subquery's outer references name.
// The other conditions are returned.
func semiJoins(in Node, conds []Expr) (Node, []Expr) {
	switch in.(type) {
	case *Scan, *Join:
	default:
		return in, conds
	}
	var rest []Expr
	for _, c := range conds {
		anti := false
		e := c
		if n, ok := e.(*Not); ok {
			anti, e = true, n.E
		}
		sq, ok := e.(*Subquery)
		if !ok || sq.Kind != ExistsSubquery || !sq.Correlated {
			rest = append(rest, c)
			continue
		}
		j := semiJoin(in, sq, anti)
		if j == nil {
			rest = append(rest, c)
			continue
		}
		in = j
	}
	return in, rest
}

// semiJoin makes the join of semiJoins, or returns nil where the
// subquery is not one table and a WHERE whose outer references are the
// nearest query's own columns.
func semiJoin(in Node, sq *Subquery, anti bool) *Join {
	p := sq.Plan
	if pr, ok := p.(*Project); ok {
		p = pr.Input // EXISTS reads no column
	}
	var cond Expr
	if f, ok := p.(*Filter); ok {
		cond, p = f.Cond, f.Input
	}
	s, ok := p.(*Scan)
	if !ok || s.Filter != nil || s.Lock || cond == nil {
		return nil
	}
	lcols := in.Columns()
	nl := len(lcols)
	fits := true
	on := mapExpr(cond, func(x Expr) (Expr, bool) {
		switch y := x.(type) {
		case *ColRef:
			return &ColRef{Idx: y.Idx + nl, T: y.T, Name: y.Name, Row: y.Row}, true
		case *OuterRef:
			if y.Depth != 1 || y.Idx >= nl || !types.Identical(y.T, lcols[y.Idx].Type) {
				fits = false
				return x, true
			}
			return &ColRef{Idx: y.Idx, T: y.T, Name: y.Name}, true
		case *Subquery:
			fits = false // its own outer references would name other rows
			return x, true
		}
		return x, false
	})
	if !fits {
		return nil
	}
	kind := SemiJoin
	if anti {
		kind = AntiJoin
	}
	return &Join{Kind: kind, Left: in, Right: s, On: on, Cols: lcols}
}
