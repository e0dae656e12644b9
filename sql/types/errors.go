package types

import (
	"errors"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// Errors are *pgcode.Error values with PostgreSQL's code and message. The
// messages quote the input as PostgreSQL does: between double quotes,
// without escaping.

func quoted(s string) string { return `"` + s + `"` }

// errSyntax is 22P02 "invalid input syntax for type <name>: "<s>"".
func errSyntax(typeName, s string) *pgcode.Error {
	return pgcode.New(pgcode.InvalidTextRepresentation,
		"invalid input syntax for type "+typeName+": "+quoted(s))
}

// errRange is 22003 "value "<s>" is out of range for type <name>".
func errRange(s, typeName string) *pgcode.Error {
	return pgcode.New(pgcode.NumericValueOutOfRange,
		"value "+quoted(s)+" is out of range for type "+typeName)
}

// fromEngine turns an error of the engine (which carries its own code)
// into a *pgcode.Error with the same code, message and detail.
func fromEngine(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgcode.Error
	if errors.As(err, &pe) {
		return pe
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		return &pgcode.Error{Code: pgcode.Code(ee.Code), Message: ee.Error(), Detail: ee.Detail}
	}
	return pgcode.Wrap(pgcode.Of(err), err, err.Error())
}

// errUnsupported is 0A000 for a type this package has no values of.
func errUnsupported(t *T) *pgcode.Error {
	return pgcode.Newf(pgcode.FeatureNotSupported, "type %s is not supported here", t.String())
}
