package plan

import (
	"github.com/driftdb/driftdb/sql/parser"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// TravelClause is a time travel clause the parser cut out of a statement:
// Ref is the byte offset of the table reference it follows (-1: the
// statement's), Exprs its points.
type TravelClause struct {
	Ref   int
	Kind  TravelKind
	Exprs []*pg.Node
	Pos   int // 1-based character position, for errors
}

// Binder binds one statement. It is used once.
type Binder struct {
	cat Catalog
	// params holds the type of each $n: the client's, or inferred from
	// where the parameter stands (types.Unknown until then).
	params []*types.T
	// text is the statement's text and offset where it starts in the text
	// the client sent: error positions count characters from there.
	text   string
	offset int
	// travel are the statement's time travel clauses.
	travel []TravelClause
	tctx   *types.Context
	// topSelect is the statement's own SELECT; wrote is set when a
	// data-modifying statement in its WITH was bound.
	topSelect *pg.SelectStmt
	wrote     bool
	viewDepth int // views being bound, one in another
	// sets and setCol are the grouping sets of the query level being
	// bound and the column of its Agg that numbers them (GROUPING).
	sets   [][]int
	setCol int
	// Volatile is set when the statement calls a volatile function (its
	// plan cannot be reused for another execution's constants).
	Volatile bool
	// items numbers the tables of the statement's FROM items (scopeCol.item).
	items int32
}

// NewBinder returns a binder for a statement of text (starting at offset
// characters into what the client sent), with the parameter types the
// client gave (0 entries or types.Unknown: infer).
func NewBinder(cat Catalog, text string, offset int, params []*types.T, travel []TravelClause, tctx *types.Context) *Binder {
	return &Binder{cat: cat, text: text, offset: offset, params: append([]*types.T(nil), params...), travel: travel, tctx: tctx}
}

// Params returns the parameters' types after binding: each as given, or
// as inferred, or text where nothing said.
func (b *Binder) Params() []*types.T {
	out := make([]*types.T, len(b.params))
	for i, t := range b.params {
		if t == nil || t.Family == types.UnknownFamily {
			t = types.Text
		}
		out[i] = t
	}
	return out
}

// pos converts a pg_query location (a byte offset in the statement's
// text, -1 for none) to the 1-based character position clients get.
func (b *Binder) pos(loc int32) int {
	return parser.Position(b.text, b.offset, loc)
}

// errorf is an error at a location.
func (b *Binder) errorf(code pgcode.Code, loc int32, format string, args ...any) error {
	return pgcode.Newf(code, format, args...).At(b.pos(loc))
}

// param returns $n's type, growing the list.
func (b *Binder) param(n int) *types.T {
	for len(b.params) < n {
		b.params = append(b.params, types.Unknown)
	}
	if b.params[n-1] == nil {
		b.params[n-1] = types.Unknown
	}
	return b.params[n-1]
}

// setParam fixes an unknown parameter's type, once.
func (b *Binder) setParam(n int, t *types.T) {
	b.param(n)
	if b.params[n-1].Family == types.UnknownFamily {
		b.params[n-1] = t
	}
}

// Query is a bound query or data-changing statement.
type Query struct {
	Plan Node
	// Cols are the result's columns (the RETURNING list's for a write; nil
	// for a write without one).
	Cols []Column
	// Writes: a query with data-modifying statements in WITH, which
	// runs as a write.
	Writes bool
	// Volatile: the query calls a volatile function (set_config,
	// nextval, an advisory lock, random ...).
	Volatile bool
}

// BindQuery binds a SELECT (or VALUES, or a set operation).
func (b *Binder) BindQuery(stmt *pg.SelectStmt) (*Query, error) {
	b.topSelect = stmt
	n, err := b.selectStmt(stmt, nil, nil)
	if err != nil {
		return nil, err
	}
	n = prune(n)
	return &Query{Plan: n, Cols: visible(n.Columns()), Writes: b.wrote, Volatile: b.Volatile}, nil
}

// visible drops hidden columns (ORDER BY's helpers never reach the
// result: the projection at the top leaves them out already).
func visible(cols []Column) []Column { return cols }
