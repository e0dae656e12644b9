package builtins

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Helpers the files of functions declare their overloads with. An
// overload starts strict and immutable, as most of PostgreSQL's are; the
// modifiers say otherwise where pg_proc does.

// fnBody is a Normal overload's Go function.
type fnBody = func(c *Context, args []types.Datum) (types.Datum, error)

// def declares a scalar function or operator: its pg_proc OID, its name,
// its argument types, its result type and its body.
func def(oid uint32, name string, args []*types.T, ret *types.T, fn fnBody) *Overload {
	return &Overload{Name: name, Oid: oid, Args: args, Ret: ret, Fn: fn, Strict: true}
}

// ts lists argument types.
func ts(t ...*types.T) []*types.T { return t }

// stable marks an overload STABLE.
func (o *Overload) stable() *Overload { o.Volatility = Stable; return o }

// lenient marks an overload not strict: it sees NULL arguments.
func (o *Overload) lenient() *Overload { o.Strict = false; return o }

// variadic gives an overload a VARIADIC tail of element type t.
func (o *Overload) variadic(t *types.T) *Overload { o.Variadic = t; return o }

// Errors shared by many functions.

func errInvalidParam(format string, args ...any) error {
	return pgcode.Newf(pgcode.InvalidParameterValue, format, args...)
}
