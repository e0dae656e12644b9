package parser

import (
	"strconv"
	"strings"

	"github.com/driftdb/driftdb/driftql"
)

// LitKind is the type PostgreSQL gives a constant of the text.
type LitKind uint8

// Constant kinds.
const (
	LitUnknown LitKind = iota // a quoted string: its type comes from where it stands
	LitInt4                   // digits that fit an integer
	LitInt8                   // digits that fit a bigint
	LitNumeric                // any other number
)

// Lifted is a statement text with constants replaced by parameters.
type Lifted struct {
	// Text is the text with $1, $2, ... where the constants stood.
	Text string
	// Values are the constants as text (a string's value, a number as
	// written), Kinds their types.
	Values []string
	Kinds  []LitKind
}

// Lift replaces the constants of text that stand after a comparison, ||,
// AS OF, KEY or in a VALUES list with parameters (see
// driftql.AppendLifted), so that statements that differ only in those
// constants share one text and one parse. It reports false for text it
// leaves alone: text that already has parameters, that has none of those
// constants, or that it cannot scan with certainty.
func Lift(text string) (Lifted, bool) {
	out, lits, ok := driftql.AppendLifted(make([]byte, 0, len(text)+8), nil, text)
	if !ok || len(lits) == 0 {
		return Lifted{}, false
	}
	l := Lifted{Text: string(out), Values: make([]string, len(lits)), Kinds: make([]LitKind, len(lits))}
	for i, c := range lits {
		l.Values[i] = c.Text
		if c.Number {
			l.Kinds[i] = numberKind(c.Text)
		}
	}
	return l, true
}

// numberKind types a numeric constant as PostgreSQL does: integer digits
// as the narrowest integer type they fit, anything else numeric.
func numberKind(s string) LitKind {
	if strings.ContainsAny(s, ".eE") {
		return LitNumeric
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return LitNumeric
	case n <= 1<<31-1:
		return LitInt4
	}
	return LitInt8
}
