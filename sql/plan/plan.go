// Package plan turns parsed statements into typed plans: the binder
// resolves names (tables, columns, functions, parameters) and types every
// expression, and the planner chooses how each table is read (by key,
// through an index, or by a scan with its filter pushed down), where
// filters go, how joins run and where a sort can stop early. Nothing above
// the binder sees pg_query's trees; nothing here reads a row.
package plan

import (
	"slices"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/builtins"
	"github.com/driftdb/driftdb/sql/types"
)

// Column is a column of a plan's output.
type Column struct {
	Name string
	Type *types.T
	// Table is the table a plain column comes from, Attr its 1-based
	// number there (RowDescription carries both); "" and 0 otherwise.
	Table string
	Attr  int16
	// Qualifier is the name the column can be qualified with in the query
	// (the table's alias or name); Hidden columns (the system columns
	// _seq, _ts, _doc, ...) are left out of *.
	Qualifier string
	Hidden    bool
	// Row are a record column's fields, where they are known (a
	// set-returning function's row): (col).field reads them.
	Row []Column
}

// Node is an operator of a plan.
type Node interface {
	// Columns returns the node's output columns.
	Columns() []Column
}

// TravelKind is how a table reference travels in time.
type TravelKind uint8

// Time travel kinds.
const (
	TravelNone    TravelKind = iota
	TravelAsOf               // the state at a point
	TravelBetween            // every version made between two points
	TravelAll                // every version
)

// Travel is a table reference's point in time: an expression that gives a
// seq or a time (evaluated when the statement runs, so parameters work).
type Travel struct {
	Kind     TravelKind
	From, To Expr // AsOf: From; Between: both
}

// Access is how a Scan reads its table.
type Access uint8

// Access paths.
const (
	AccessScan      Access = iota // every row, in key order
	AccessKey                     // one row by primary key (Key)
	AccessIndex                   // an index: Field Op Key
	AccessRange                   // an index range: Lo <(=) Field <(=) Hi, in Field's order
	AccessKeyList                 // rows by a list of primary keys (List or ListArray), in key order
	AccessIndexList               // an index: Field = any of a list (List or ListArray)
)

// Scan reads a table: its live rows at the statement's point (or a time
// travel point), or, with History, every version in a span.
type Scan struct {
	Table  string
	Alias  string
	Travel Travel
	// Fields are the document fields the output columns read, one per
	// column ("" for a system column, see Sys).
	Fields []string
	Sys    []SysCol
	Cols   []Column
	// Filter is the part of WHERE that this scan checks on each row
	// (pushed down); Access/Key/Field/Op choose the rows it reads.
	Filter Expr
	Access Access
	Key    Expr
	Field  string
	Op     IndexOp
	// Lo and Hi bound an AccessRange (one may be nil), LoIncl and HiIncl
	// say whether the bound itself is in.
	Lo, Hi         Expr
	LoIncl, HiIncl bool
	// List and ListArray are the values of an AccessKeyList or
	// AccessIndexList: the items of Field IN (...), or the array of
	// Field = ANY (array).
	List      []Expr
	ListArray Expr
	// Answered are the conditions of Filter that the scan's access
	// answers exactly: a bound of a range of the primary key, or the
	// equality of the index it reads by, of the column's own type. A scan
	// that reads that way need not check them on each row (RowFilter);
	// one that reads otherwise (a lookup join, bounds that are no keys of
	// the table) checks the whole Filter.
	Answered []Expr
	// Preds are conditions of Filter that the engine checks on each
	// row's stored document before the row is read (engine.Pred): a
	// prefilter that drops only rows Filter would drop.
	Preds []ScanPred
	// Lock: SELECT ... FOR UPDATE / FOR SHARE rows are checked at commit.
	Lock bool
	// Desc: the rows come in descending key order (a whole scan or a
	// range of keys), for an ORDER BY the key DESC with no sort (keyOrder).
	Desc bool
	// Indexes are the fields the table has an index on.
	Indexes []string
	// Spec is the table's definition (nil for a catalog table), for
	// EXPLAIN to name the index a lookup reads.
	Spec *engine.TableSpec
	// Rows is about how many rows the table has (Table.Rows).
	Rows int64
	// RowID: the table has no primary key; its key is the hidden _rowid
	// (EXPLAIN names no primary key index for it).
	RowID bool
	// KeyFields are the fields of a primary key of several columns, in
	// order: equalities on all of them read one row (a TupleKey).
	KeyFields []string
}

// RowFilter is the part of Filter a scan that reads by its access (a
// range of the primary key, an index equality) checks on each row:
// Filter without the conditions the access answers (Answered).
func (s *Scan) RowFilter() Expr {
	if len(s.Answered) == 0 {
		return s.Filter
	}
	var rest []Expr
	for _, c := range conjuncts0(s.Filter) {
		if !slices.Contains(s.Answered, c) {
			rest = append(rest, c)
		}
	}
	return conjoin(rest)
}

// ScanPred is a comparison of a field with a value that reads no row.
type ScanPred struct {
	Field string
	Op    IndexOp
	Val   Expr
}

// SysCol says which system column (or none) an output column of a Scan
// is.
type SysCol uint8

// System columns.
const (
	SysNone  SysCol = iota
	SysSeq          // _seq: the seq of the version
	SysTS           // _ts: its time
	SysDoc          // _doc: the whole document
	SysEvent        // _event: INSERT, PATCH or SOFT_DELETE (history scans)
	SysKey          // the primary key's value, typed as the key column
)

// IndexOp is an index comparison.
type IndexOp uint8

// Index comparisons.
const (
	OpEq IndexOp = iota
	OpLt
	OpLe
	OpGt
	OpGe
)

// Values is a VALUES list (or a SELECT without FROM: one row).
type Values struct {
	Rows [][]Expr
	Cols []Column
}

// Filter keeps the rows for which Cond is true.
type Filter struct {
	Input Node
	Cond  Expr
}

// Project computes expressions over each input row.
type Project struct {
	Input Node
	Exprs []Expr
	Cols  []Column
}

// JoinKind is the kind of a join.
type JoinKind uint8

// Join kinds.
const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	CrossJoin
	SemiJoin // rows of the left that have a match (EXISTS, IN)
	AntiJoin // rows of the left that have none (NOT EXISTS)
)

// Join combines two inputs: its rows are the left's columns then the
// right's. With EqLeft/EqRight (equality keys) it runs as a hash join;
// else as a nested loop (Lateral: the right side reads the left row).
type Join struct {
	Kind            JoinKind
	Left, Right     Node
	On              Expr // the condition, after the equality keys
	EqLeft, EqRight []Expr
	Lateral         bool
	// Lookup: the right side is a table read by its primary key, one
	// lookup per left row (EqLeft[0] gives the key), instead of a hash
	// table of all its rows: chosen when the left side reads few rows
	// (see chooseLookups).
	Lookup bool
	Cols   []Column
}

// AggCall is an aggregate in an Agg node.
type AggCall struct {
	Name     string
	Fn       *builtins.Overload
	Args     []Expr // over the Agg's input
	Distinct bool
	Filter   Expr // FILTER (WHERE ...)
	OrderBy  []SortKey
	Star     bool // count(*)
	T        *types.T
}

// Agg groups its input by GroupBy and computes aggregates per group. Its
// output is the group keys, then the aggregates. Without GroupBy it
// gives exactly one row.
type Agg struct {
	Input   Node
	GroupBy []Expr
	// Sets are the grouping sets (GROUPING SETS, ROLLUP, CUBE): each the
	// indices of the GroupBy expressions it groups by, the others NULL in
	// its rows; nil for one plain grouping by all of GroupBy.
	Sets [][]int
	Aggs []*AggCall
	Cols []Column
	// Groups is how many groups the plan's last run made (read and
	// written atomically by the executor): the next run sizes its hash
	// table for them.
	Groups int64
}

// SortKey is one ORDER BY term.
type SortKey struct {
	E          Expr
	Desc       bool
	NullsFirst bool
}

// Sort orders its input. With Limit >= 0 only the first Limit rows are
// wanted (top-N: a bounded heap).
type Sort struct {
	Input Node
	Keys  []SortKey
	// Limit, when set, makes the sort keep only its first Limit + Offset
	// rows (top-N); the Limit node above still skips Offset of them.
	Limit, Offset Expr
}

// Fetch reads, for each row of its input (a Scan's rows with only some
// columns read, in some order), the rest of the row by its primary key
// (column 0), at the view the scan read: a sort that keeps a few rows of
// many decodes only what it sorts by (see lateFetch).
type Fetch struct {
	Input Node
	Scan  *Scan // the columns to read, the table and its time travel
}

// Limit passes Count rows after skipping Offset (either may be nil).
type Limit struct {
	Input         Node
	Count, Offset Expr
	// Ties, for FETCH FIRST n ROWS WITH TIES, are the ORDER BY's keys:
	// the rows after the nth that tie with it on them come too.
	Ties []SortKey
}

// Distinct drops repeated rows (On: rows with repeated On values, keeping
// the first: DISTINCT ON).
type Distinct struct {
	Input Node
	On    []Expr
}

// SetOpKind is UNION, INTERSECT or EXCEPT.
type SetOpKind uint8

// Set operations.
const (
	Union SetOpKind = iota
	Intersect
	Except
)

// SetOp combines two inputs of the same columns.
type SetOp struct {
	Kind        SetOpKind
	All         bool
	Left, Right Node
	Cols        []Column
}

// WindowFrame is a window's frame.
type WindowFrame struct {
	Rows       bool // ROWS rather than RANGE
	Groups     bool // GROUPS rather than RANGE: offsets count peer groups
	Start, End FrameBound
	Exclude    uint8
}

// FrameBound is one end of a frame.
type FrameBound struct {
	Kind   uint8 // unbounded preceding, preceding, current row, following, unbounded following
	Offset Expr
	// RANGE with an offset: Limit computes the bound's value from the
	// current row's ORDER BY value (its ColRef 0), the offset added or
	// taken away; Key gives a row's ORDER BY value (its ColRef 0) in the
	// type of Limit, to compare with it.
	Limit, Key Expr
}

// WindowCall is a window function over a partition and an order.
type WindowCall struct {
	Name        string
	Fn          *builtins.Overload
	Args        []Expr
	PartitionBy []Expr
	OrderBy     []SortKey
	Frame       *WindowFrame
	Filter      Expr
	T           *types.T
	// Unused: nothing above reads the call's column (prune), so it is
	// not computed; its column is NULL.
	Unused bool
}

// Window computes window functions: its output is its input's columns,
// then one column per call.
type Window struct {
	Input Node
	Calls []*WindowCall
	Cols  []Column
	// Keep, once the plan is pruned, says which input columns the
	// operators above read (nil: all): the others need not be kept with
	// the rows the window holds.
	Keep []bool
}

// FuncScan is a set-returning function in FROM (generate_series, unnest,
// jsonb_array_elements, ...), or several side by side (ROWS FROM, unnest
// of several arrays): the rows last as long as the longest function's,
// the others' columns NULL once they are done.
type FuncScan struct {
	Name       string // the first function's, for EXPLAIN
	Funcs      []*SRFCall
	Ordinality bool
	Cols       []Column
}

// CTEScan reads a common table expression's rows (computed once per
// statement, shared by every reference).
type CTEScan struct {
	CTE  *CTE
	Cols []Column
}

// CTE is a WITH query. A recursive one unions its anchor (Plan) with its
// recursive part run over the rows of the last step until none come.
type CTE struct {
	Name      string
	Plan      Node
	Recursive Node // nil unless WITH RECURSIVE made it one
	UnionAll  bool
	Cols      []Column
	// Write is set for a data-modifying statement (INSERT, UPDATE or
	// DELETE): it runs once, to its end, whether its rows are read or not.
	Write bool
}

// With runs Body with its CTEs in scope.
type With struct {
	CTEs []*CTE
	Body Node
}

// Columns implementations.

func (n *Scan) Columns() []Column     { return n.Cols }
func (n *Values) Columns() []Column   { return n.Cols }
func (n *Filter) Columns() []Column   { return n.Input.Columns() }
func (n *Project) Columns() []Column  { return n.Cols }
func (n *Join) Columns() []Column     { return n.Cols }
func (n *Agg) Columns() []Column      { return n.Cols }
func (n *Sort) Columns() []Column     { return n.Input.Columns() }
func (n *Limit) Columns() []Column    { return n.Input.Columns() }
func (n *Distinct) Columns() []Column { return n.Input.Columns() }
func (n *SetOp) Columns() []Column    { return n.Cols }
func (n *Window) Columns() []Column   { return n.Cols }
func (n *FuncScan) Columns() []Column { return n.Cols }
func (n *CTEScan) Columns() []Column  { return n.Cols }
func (n *With) Columns() []Column     { return n.Body.Columns() }

// WalkNodes calls fn for n and every node under it (CTE plans included,
// subqueries in expressions not).
func WalkNodes(n Node, fn func(Node)) {
	if n == nil {
		return
	}
	fn(n)
	switch x := n.(type) {
	case *Filter:
		WalkNodes(x.Input, fn)
	case *Project:
		WalkNodes(x.Input, fn)
	case *Join:
		WalkNodes(x.Left, fn)
		WalkNodes(x.Right, fn)
	case *Agg:
		WalkNodes(x.Input, fn)
	case *Sort:
		WalkNodes(x.Input, fn)
	case *Limit:
		WalkNodes(x.Input, fn)
	case *Distinct:
		WalkNodes(x.Input, fn)
	case *SetOp:
		WalkNodes(x.Left, fn)
		WalkNodes(x.Right, fn)
	case *Window:
		WalkNodes(x.Input, fn)
	case *ProjectSet:
		WalkNodes(x.Input, fn)
	case *Fetch:
		WalkNodes(x.Input, fn)
	case *With:
		for _, c := range x.CTEs {
			WalkNodes(c.Plan, fn)
			WalkNodes(c.Recursive, fn)
		}
		WalkNodes(x.Body, fn)
	case *Insert:
		WalkNodes(x.Source, fn)
	case *Update:
		WalkNodes(x.Source, fn)
	case *Delete:
		WalkNodes(x.Source, fn)
	}
}
