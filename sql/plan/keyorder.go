package plan

import "github.com/driftdb/driftdb/sql/types"

// keyOrder drops a sort that a table's scan already gives: a scan reads
// its rows in primary key order (by key, a range of keys, or an index
// equality, whose rows come in key order too), so an ORDER BY that starts
// with the key, ascending, needs no sort, and a LIMIT above it stops the
// scan after its rows; descending, a whole scan or a range of keys reads
// the rows from the last key down (Scan.Desc):
//
//	Sort(key)                       Project(exprs)
//	  Project(exprs)          =>      Scan
//	    Scan
//
// Only an integer key qualifies: its order in the table is the numbers'
// order, which is what the sort would give (a text key's order in the
// table is its bytes', a collation's order is not). A key of several
// columns, a table without one, and a scan of versions keep their sort.
func keyOrder(n Node) Node {
	return rewriteSorts(n, func(s *Sort) Node {
		if scan, ok := sortedByKey(s); ok {
			scan.Desc = s.Keys[0].Desc
			return s.Input
		}
		return s
	})
}

// sortedByKey returns the scan under s (through a projection) when s
// sorts by its primary key first, in an order the scan can give: the
// keys after it never decide, as no two rows share a key.
func sortedByKey(s *Sort) (*Scan, bool) {
	if len(s.Keys) == 0 {
		return nil, false
	}
	ref, ok := s.Keys[0].E.(*ColRef)
	if !ok {
		return nil, false
	}
	in := s.Input
	if p, ok := in.(*Project); ok {
		if ref, ok = p.Exprs[ref.Idx].(*ColRef); !ok {
			return nil, false
		}
		in = p.Input
	}
	scan, ok := in.(*Scan)
	if !ok || ref.Idx != 0 || !keyOrdered(scan, s.Keys[0].Desc) {
		return nil, false
	}
	t := scan.Cols[0].Type
	return scan, t != nil && t.Family == types.IntFamily && declaredKey(scan)
}

// declaredKey reports whether the scan's table declares its key column,
// so that every key has the column's type (a table of documents may hold
// keys of several kinds).
func declaredKey(scan *Scan) bool {
	for _, c := range scan.Spec.Columns {
		if c.Name == scan.Spec.PK || c.Field == scan.Spec.PK {
			return true
		}
	}
	return false
}

// keyOrdered reports whether scan gives its rows in the order of its
// primary key (desc: descending), one row a key: its column 0. An index
// equality gives them ascending only.
func keyOrdered(scan *Scan, desc bool) bool {
	if scan.RowID || len(scan.KeyFields) > 1 || len(scan.Fields) == 0 || scan.Fields[0] == "" || scan.Spec == nil ||
		scan.Travel.Kind == TravelBetween || scan.Travel.Kind == TravelAll {
		return false
	}
	switch scan.Access {
	case AccessScan, AccessKey:
		return true
	case AccessIndex:
		return !desc
	case AccessRange:
		return scan.Field == scan.Fields[0]
	}
	return false
}
