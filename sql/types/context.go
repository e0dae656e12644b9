package types

import "time"

// Context holds the session settings that text input and output depend
// on. It is a plain struct the session fills in; DefaultContext returns
// PostgreSQL's defaults, and a nil *Context means those defaults too.
//
// Only the output styles PostgreSQL uses by default are produced:
// DateStyle ISO and IntervalStyle postgres. DateOrder is the second half
// of DateStyle (MDY, DMY or YMD) and decides how input such as 1/2/2025
// is read.
type Context struct {
	// TimeZone is the session's time zone: timestamptz values are shown
	// in it, and timestamps without a zone in their text are read in it.
	// nil means UTC.
	TimeZone *time.Location
	// ExtraFloatDigits is extra_float_digits (-15 to 3). Above 0, floats
	// are written with the fewest digits that read back as the same value
	// (PostgreSQL 12 and later); at 0 or below, with 15 (float8) or 6
	// (float4) significant digits plus this number. PostgreSQL's default
	// is 1: DefaultContext sets it; a zero Context has 0.
	ExtraFloatDigits int
	// DateOrder is how a date of three numbers is read (DateStyle's
	// second part). The zero value is MDY, PostgreSQL's default.
	DateOrder DateOrder
	// Now returns the current time, for 'now', 'today', 'tomorrow' and
	// 'yesterday' (PostgreSQL uses the transaction's start). nil means
	// time.Now.
	Now func() time.Time
	// RegLookup resolves a name given as reg* input ('pg_class'::regclass)
	// to an OID; the catalog owns the names. nil: only numbers are read.
	RegLookup func(t *T, name string) (Oid, error)
	// RegName names an OID for reg* output (a regclass shows its
	// relation's name); nil or false: the number.
	RegName func(t *T, oid Oid) (string, bool)
}

// DateOrder is the order of day, month and year in a date written with
// three numbers.
type DateOrder uint8

// Date orders.
const (
	DateOrderMDY DateOrder = iota
	DateOrderDMY
	DateOrderYMD
)

// DefaultContext returns PostgreSQL 15's defaults: UTC, extra_float_digits
// 1, DateStyle ISO, MDY, the wall clock.
func DefaultContext() *Context { return &Context{ExtraFloatDigits: 1} }

var defaultContext = DefaultContext()

func ctxOrDefault(c *Context) *Context {
	if c == nil {
		return defaultContext
	}
	return c
}

func (c *Context) location() *time.Location {
	if c == nil || c.TimeZone == nil {
		return time.UTC
	}
	return c.TimeZone
}

func (c *Context) now() time.Time {
	if c == nil || c.Now == nil {
		return time.Now()
	}
	return c.Now()
}
