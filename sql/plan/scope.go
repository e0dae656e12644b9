package plan

import (
	"fmt"
	"slices"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// scopeCol is a column a name can refer to in an expression: a column of
// the row the expression runs on.
type scopeCol struct {
	qualifier string // the table's alias, or its name
	name      string
	t         *types.T
	hidden    bool
	table     string // the base table, for RowDescription
	attr      int16
	// doc is the index of the same table reference's _doc column (-1 for
	// none): a dotted path into a document reads it.
	doc int
	// usingHidden: a column a JOIN ... USING merged into one; the name
	// alone means the merged column, qualifier.name this one.
	usingHidden bool
	// scalarFunc marks the column of a function in FROM that yields one
	// column: the item's name alone stands for its value.
	scalarFunc bool
	// row are a record column's fields, where known.
	row []Column
	// schema is the schema of a relation named without an alias ("" for
	// other FROM items): schema.table.column names it.
	schema string
	// item numbers the table a column of a table reference reads (0 for
	// other columns): a table's columns are shown in the order of their
	// attr, which need not be the order of its row (Table.Pos).
	item int32
}

// scope is what the names of a query level refer to: its FROM clause's
// columns, in the order of the row they make.
type scope struct {
	cols   []scopeCol
	parent *scope // the enclosing query, for correlated subqueries
	// correlated is set when a name of this scope's query resolved to an
	// enclosing one.
	correlated bool
	// agg, while the select list of an aggregating query is bound, collects
	// its aggregates.
	agg *aggContext
	// win collects window functions.
	win *windowContext
	// srf, while the select list is bound, collects its set-returning
	// functions.
	srf *srfContext
	// ctes are the WITH queries visible at this level (innermost last).
	ctes []*CTE
	// unreachable are the columns of FROM items beside this query (a
	// subquery in FROM without LATERAL, a JOIN's ON condition) that it
	// cannot see: they only make a better error message.
	unreachable []scopeCol
}

// resolve finds a column by name (qual "" for an unqualified name). It
// returns the index and the depth (0: this scope; 1: the enclosing
// query...).
func (s *scope) resolve(qual, name string, pos int) (int, int, *scopeCol, error) {
	for depth, sc := 0, s; sc != nil; depth, sc = depth+1, sc.parent {
		found := -1
		qualFound := false
		for i := range sc.cols {
			c := &sc.cols[i]
			if qual != "" && c.qualifier != qual {
				continue
			}
			if qual != "" {
				qualFound = true
			}
			if c.name != name || c.usingHidden && (qual == "" || sc.merged(*c)) {
				continue
			}
			if found >= 0 {
				if qual == "" {
					return 0, 0, nil, pgcode.Newf(pgcode.AmbiguousColumn, "column reference %q is ambiguous", name).At(pos)
				}
				return 0, 0, nil, pgcode.Newf(pgcode.AmbiguousColumn, "column reference %q is ambiguous", qual+"."+name).At(pos)
			}
			found = i
		}
		if found >= 0 {
			for x := s; x != sc; x = x.parent {
				x.correlated = true
			}
			return found, depth, &sc.cols[found], nil
		}
		if qualFound {
			return 0, 0, nil, pgcode.Newf(pgcode.UndefinedColumn, "column %s.%s does not exist", qual, name).At(pos)
		}
	}
	if qual != "" && !s.hasQualifier(qual) {
		if s.canNotReach(qual) {
			return 0, 0, nil, pgcode.Newf(pgcode.UndefinedTable, "invalid reference to FROM-clause entry for table %q", qual).At(pos).
				WithHint(fmt.Sprintf("There is an entry for table %q, but it cannot be referenced from this part of the query.", qual))
		}
		return 0, 0, nil, pgcode.Newf(pgcode.UndefinedTable, "missing FROM-clause entry for table %q", qual).At(pos)
	}
	if qual != "" {
		return 0, 0, nil, pgcode.Newf(pgcode.UndefinedColumn, "column %s.%s does not exist", qual, name).At(pos)
	}
	return 0, 0, nil, pgcode.Newf(pgcode.UndefinedColumn, "column %q does not exist", name).At(pos)
}

// hasQualifier reports whether any level has a table reference named q.
func (s *scope) hasQualifier(q string) bool {
	for sc := s; sc != nil; sc = sc.parent {
		for _, c := range sc.cols {
			if c.qualifier == q {
				return true
			}
		}
	}
	return false
}

// hasSchemaQualifier reports whether any level has a relation named q,
// without an alias, of schema schema.
func (s *scope) hasSchemaQualifier(schema, q string) bool {
	for sc := s; sc != nil; sc = sc.parent {
		for _, c := range sc.cols {
			if c.qualifier == q && c.schema == schema {
				return true
			}
		}
	}
	return false
}

// hasRelation reports whether any level reads the table or view named
// name, under its name or an alias.
func (s *scope) hasRelation(name string) bool {
	for sc := s; sc != nil; sc = sc.parent {
		for _, c := range sc.cols {
			if c.table == name {
				return true
			}
		}
	}
	return false
}

// canNotReach reports whether a table reference named q stands beside
// some level of s, out of its reach.
func (s *scope) canNotReach(q string) bool {
	for sc := s; sc != nil; sc = sc.parent {
		for _, c := range sc.unreachable {
			if c.qualifier == q {
				return true
			}
		}
	}
	return false
}

// checkNames fails when a FROM item's table names repeat ones of the
// items beside it in the same FROM list.
func checkNames(left, right []scopeCol) error {
	names := map[string]bool{}
	for _, c := range left {
		if c.qualifier != "" {
			names[c.qualifier] = true
		}
	}
	for _, c := range right {
		if c.qualifier != "" && names[c.qualifier] {
			return pgcode.Newf(pgcode.DuplicateAlias, "table name %q specified more than once", c.qualifier)
		}
	}
	return nil
}

// star returns the columns * (or q.*) stands for: indexes of the
// columns of the scope depth levels up (q.* may name a FROM item of an
// enclosing query, in a correlated subquery).
func (s *scope) star(qual string, pos int) (*scope, int, []int, error) {
	if qual == "" && len(s.cols) == 0 {
		return nil, 0, nil, pgcode.New(pgcode.SyntaxError, "SELECT * with no tables specified is not valid").At(pos)
	}
	for depth, sc := 0, s; sc != nil; depth, sc = depth+1, sc.parent {
		var out []int
		seen := false
		for i, c := range sc.cols {
			if qual != "" && c.qualifier != qual {
				continue
			}
			seen = true
			if !c.hidden || qual != "" && c.usingHidden && !sc.merged(c) {
				out = append(out, i)
			}
		}
		if qual == "" || seen {
			markCorrelated(s, sc)
			return sc, depth, shown(sc.cols, out), nil
		}
	}
	return nil, 0, nil, pgcode.Newf(pgcode.UndefinedTable, "missing FROM-clause entry for table %q", qual).At(pos)
}

// shown puts idx, indexes of cols, in the order they are shown: the
// columns of each table in the order of their attribute numbers, each
// table's where its first column is.
func shown(cols []scopeCol, idx []int) []int {
	for start := 0; start < len(idx); {
		item := cols[idx[start]].item
		end := start + 1
		for end < len(idx) && item != 0 && cols[idx[end]].item == item {
			end++
		}
		if end-start > 1 {
			slices.SortStableFunc(idx[start:end], func(a, b int) int { return int(cols[a].attr) - int(cols[b].attr) })
		}
		start = end
	}
	return idx
}

// shownCols returns the indexes of the columns * shows, in its order.
func shownCols(cols []scopeCol) []int {
	var idx []int
	for i, c := range cols {
		if !c.hidden {
			idx = append(idx, i)
		}
	}
	return shown(cols, idx)
}

// merged reports whether the column a JOIN ... USING merged c into has
// c's qualifier: the join has an alias, and alias.* is the join's columns
// (the merged one once). Without an alias, q.* of a table of the join
// has the table's own column, as PostgreSQL's does.
func (s *scope) merged(c scopeCol) bool {
	for _, m := range s.cols {
		if !m.hidden && !m.usingHidden && m.name == c.name && m.qualifier == c.qualifier {
			return true
		}
	}
	return false
}

// lookupCTE finds a WITH query by name, innermost first.
func (s *scope) lookupCTE(name string) *CTE {
	for sc := s; sc != nil; sc = sc.parent {
		for i := len(sc.ctes) - 1; i >= 0; i-- {
			if sc.ctes[i].Name == name {
				return sc.ctes[i]
			}
		}
	}
	return nil
}

// columnsOf makes plan columns of scope columns.
func columnsOf(cols []scopeCol) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.name, Type: c.t, Table: c.table, Attr: c.attr, Qualifier: c.qualifier, Hidden: c.hidden}
	}
	return out
}

// scopeOf makes scope columns of a plan node's columns, qualified by
// qual (or by each column's own qualifier when qual is "").
func scopeOf(cols []Column, qual string) []scopeCol {
	out := make([]scopeCol, len(cols))
	for i, c := range cols {
		q := qual
		if q == "" {
			q = c.Qualifier
		}
		out[i] = scopeCol{qualifier: q, name: c.Name, t: c.Type, hidden: c.Hidden, table: c.Table, attr: c.Attr, doc: -1, row: c.Row}
	}
	return out
}
