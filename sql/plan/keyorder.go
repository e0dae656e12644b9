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
// An integer key's order in the table is the numbers', a text key's its
// bytes', which is what the sort gives (keyTypeOrdered). A key of several
// columns, a table without one, a table of documents (keys of any kind)
// and a scan of versions keep their sort.
func keyOrder(n Node) Node {
	return rewriteSorts(n, func(s *Sort) Node {
		if scan, ok := sortedByKey(s); ok {
			scan.Desc = s.Keys[0].Desc
			return s.Input
		}
		return s
	})
}

// sortedByKey returns the scan under s when s sorts by its primary key
// first, in an order the scan can give: through projections and filters,
// and through
// the left side of inner, left, semi and anti joins, which give their left
// rows in the order they come, each with its matches. The keys after it
// never decide where no two rows share the key: above a scan, or a semi
// or anti join (a left row at most once); above other joins (a left row
// once for each match) the sort must have no other key.
func sortedByKey(s *Sort) (*Scan, bool) {
	if len(s.Keys) == 0 {
		return nil, false
	}
	ref, ok := s.Keys[0].E.(*ColRef)
	if !ok {
		return nil, false
	}
	in := s.Input
	for {
		switch x := in.(type) {
		case *Project:
			if ref, ok = x.Exprs[ref.Idx].(*ColRef); !ok {
				return nil, false
			}
			in = x.Input
			continue
		case *Filter:
			in = x.Input
			continue
		case *Join:
			switch {
			case x.Lateral || ref.Idx >= len(x.Left.Columns()):
				return nil, false
			case x.Kind == SemiJoin || x.Kind == AntiJoin:
			case (x.Kind == InnerJoin || x.Kind == LeftJoin) && len(s.Keys) == 1:
			default:
				return nil, false
			}
			in = x.Left
			continue
		}
		break
	}
	scan, ok := in.(*Scan)
	if !ok || ref.Idx != 0 || !keyOrdered(scan, s.Keys[0].Desc) {
		return nil, false
	}
	return scan, keyTypeOrdered(scan.Cols[0].Type) && declaredKey(scan)
}

// keyTypeOrdered reports whether keys of type t are in the table in the
// order ORDER BY gives them: integers by number, text and varchar by
// their bytes (DriftDB's only collation, C). Not bpchar, whose order
// leaves out trailing spaces the keys keep.
func keyTypeOrdered(t *types.T) bool {
	return t != nil && (t.Family == types.IntFamily || t.Family == types.StringFamily && t.Oid != types.OidBpchar)
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
	case AccessKeyList:
		return !desc // the keys are read in ascending order
	}
	return false
}
