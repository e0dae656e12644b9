// Package builtins is DriftDB's one registry of functions, operators,
// aggregates and window functions: a name maps to its overloads, each with
// its argument types, its result type and the Go function that computes
// it. Type checking (at Parse and Describe) and evaluation read the same
// entry, so what Describe says a function returns is what it returns.
//
// Operators are functions named by their symbol ("+", "=", "||", "->",
// "~"); a unary operator's overloads take one argument. Overload
// resolution follows PostgreSQL's rules (exact match, then implicit casts,
// unknown-typed literals, preferred types within a category).
package builtins

import (
	"context"
	"strings"
	"time"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Kind is what an overload is.
type Kind uint8

// Kinds of overloads.
const (
	Normal       Kind = iota // a scalar function or operator
	Aggregate                // an aggregate (count, sum, ...)
	Window                   // a window function (row_number, lag, ...)
	SetReturning             // a function that returns rows (generate_series, unnest)
)

// Volatility is PostgreSQL's provolatile: whether an overload's result
// depends only on its arguments (immutable: folded at plan time), on the
// statement (stable: now()), or may change on every call (volatile).
type Volatility uint8

// Volatilities.
const (
	Immutable Volatility = iota
	Stable
	Volatile
)

// Context is what a function may read besides its arguments.
type Context struct {
	Ctx   context.Context
	Types *types.Context // the session's settings for values (time zone, ...)
	// StatementTime is the start of the statement (now(), CURRENT_TIMESTAMP
	// give the transaction's, as PostgreSQL does: see TxnTime).
	StatementTime time.Time
	TxnTime       time.Time
	// Session answers what functions ask of the session and the catalog
	// (current_user, current_setting, pg_backend_pid, nextval, ...).
	Session Session
}

// Session is the part of a session that functions read.
type Session interface {
	User() string
	Database() string
	Setting(name string) (string, bool)
	SetSetting(name, value string, local bool) error
	BackendPID() int
}

// Warner is a session that takes the warnings functions raise: the client
// gets them before the statement's result, as PostgreSQL's WARNING.
type Warner interface {
	Warn(code pgcode.Code, msg string)
}

// warn raises a warning, if the session takes them.
func (c *Context) warn(code pgcode.Code, msg string) {
	if w, ok := c.Session.(Warner); ok {
		w.Warn(code, msg)
	}
}

// Overload is one signature of a function.
type Overload struct {
	Name string
	Kind Kind
	// Args are the argument types; a polymorphic one (anyelement,
	// anyarray, anycompatible, "any") matches by PostgreSQL's rules.
	Args []*types.T
	// Variadic, when set, is the element type of a trailing VARIADIC
	// argument list.
	Variadic *types.T
	// ArgNames, when set, name the arguments, so that a call may pass
	// them by name (make_interval(days => 3)); Defaults are the values of
	// the last len(Defaults) arguments when a call by name leaves them
	// out (pg_proc's proargnames and proargdefaults).
	ArgNames []string
	Defaults []types.Datum
	// Ret is the result type; RetFn, when set, works it out from the
	// argument types instead (polymorphic results).
	Ret   *types.T
	RetFn func(args []*types.T) *types.T
	// Fn computes a Normal overload. args is the caller's, reused for the
	// next call: a function that keeps it (or returns it inside a value)
	// copies it.
	Fn func(c *Context, args []types.Datum) (types.Datum, error)
	// Int2, when set, is Fn of two integers giving an integer, taking and
	// giving them as they are (the integer arithmetic): a caller that
	// has them so need not box them.
	Int2 func(x, y int64) (int64, error)
	// FnFor, when set, makes Fn for the argument types of a call: a
	// function taking "any" (concat, format, pg_typeof, to_jsonb) writes
	// or inspects each argument by its type, which a value alone does not
	// tell (a NULL, a float4 or a float8, a "char" or a text). Resolve
	// returns a copy of the overload whose Fn is FnFor(argument types).
	FnFor func(args []*types.T) func(c *Context, args []types.Datum) (types.Datum, error)
	// Agg makes an accumulator for an Aggregate (or a Window function that
	// is an aggregate over a frame).
	Agg func(args []*types.T) Accumulator
	// Win makes the state of a Window function.
	Win func(args []*types.T) WindowFunc
	// SRF starts a set-returning function's rows.
	SRF func(c *Context, args []types.Datum) (Rows, error)
	// SRFCols are the columns a set-returning function yields (one
	// column named after the function when empty).
	SRFCols []SRFCol
	// Strict: a NULL argument makes the result NULL without calling Fn
	// (PostgreSQL's STRICT).
	Strict     bool
	Volatility Volatility
	// Oid is the overload's pg_proc OID (PostgreSQL's where it has one).
	Oid uint32
}

// ReturnType returns the overload's result type for arguments of the
// given types.
func (o *Overload) ReturnType(args []*types.T) *types.T {
	if o.RetFn != nil {
		return o.RetFn(args)
	}
	return o.Ret
}

// SRFCol is a column of a set-returning function's rows.
type SRFCol struct {
	Name string
	T    *types.T // nil: the function's return type
}

// Rows are the rows of a set-returning function, one Next at a time.
type Rows interface {
	// Next returns the next row's values, or nil at the end.
	Next() ([]types.Datum, error)
}

// Accumulator computes an aggregate over the rows of a group.
type Accumulator interface {
	// Add takes one row's arguments (already past FILTER and DISTINCT).
	Add(c *Context, args []types.Datum) error
	// Result returns the aggregate of the rows added so far.
	Result(c *Context) (types.Datum, error)
}

// Remover is an Accumulator that can also take a row back out, so that a
// sliding window frame need not start over at every row.
type Remover interface {
	Accumulator
	Remove(c *Context, args []types.Datum) error
}

// WindowFunc computes a window function over a partition.
type WindowFunc interface {
	// Compute returns the value for the row at position row of the
	// partition, given the partition's rows' arguments, the peer group
	// [peerStart, peerEnd) of the row (rows equal under ORDER BY) and its
	// frame [frameStart, frameEnd).
	Compute(c *Context, part WindowPartition, row int) (types.Datum, error)
}

// WindowPartition is what a window function sees of its partition.
type WindowPartition interface {
	Len() int
	// Args returns the function's arguments at a row of the partition.
	Args(row int) []types.Datum
	// Peers returns the peer group of a row: [start, end).
	Peers(row int) (start, end int)
	// Frame returns the frame of a row: [start, end).
	Frame(row int) (start, end int)
}

// registry maps a function's name, lower case, to its overloads.
type registry map[string][]*Overload

var funcs = registry{}

// register adds overloads. It runs while the package is initialised, from
// the variables of the files that define functions; nothing registers
// later, so lookups need no lock.
func register(os ...*Overload) bool {
	for _, o := range os {
		name := strings.ToLower(o.Name)
		funcs[name] = append(funcs[name], o)
	}
	return true
}

// Lookup returns the overloads of a function or operator.
func Lookup(name string) []*Overload {
	return funcs[strings.ToLower(name)]
}

// Names returns every registered name (for pg_proc and tests).
func Names() []string {
	out := make([]string, 0, len(funcs))
	for n := range funcs {
		out = append(out, n)
	}
	return out
}
