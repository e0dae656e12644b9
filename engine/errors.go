package engine

import (
	"errors"
	"fmt"
)

// SQLSTATE codes of the errors the engine returns.
const (
	CodeUniqueViolation        = "23505"
	CodeNotNullViolation       = "23502"
	CodeInvalidText            = "22P02" // malformed JSON, a value that is not of its column's type
	CodeDatatypeMismatch       = "42804"
	CodeInvalidParameter       = "22023" // bad argument: a seq past the head, a time in the future, ...
	CodeNoData                 = "02000"
	CodeUndefinedTable         = "42P01"
	CodeDuplicateTable         = "42P07"
	CodeUndefinedColumn        = "42703"
	CodeDuplicateColumn        = "42701"
	CodeUndefinedObject        = "42704" // an index, a constraint or a sequence that does not exist
	CodeDuplicateObject        = "42710" // a constraint that exists
	CodeDependentObjects       = "2BP01" // a column the primary key depends on
	CodeInvalidTableDefinition = "42P16"
	CodeInvalidName            = "42602"
	CodeReadOnly               = "25006"
	CodeSnapshotTooOld         = "22023" // before the compaction horizon (the message names it)
	CodeInternal               = "XX000"
	CodeIOError                = "58030"
	CodeDiskFull               = "53100" // a write found no space; writes go on once there is
	CodeFeatureUnsupported     = "0A000"
	CodeObjectInUse            = "55006"
	CodeProgramLimitReached    = "54000"
	CodeNumericRange           = "22003" // a number beyond its type: numeric(p,s) overflow, a numeric too long; setval out of bounds
	CodeSequenceLimit          = "2200H" // nextval past the end of a sequence that does not cycle
	CodeWrongObjectType        = "42809" // DROP SEQUENCE of a table, DROP TABLE of a sequence or a view
	CodeInvalidObjectDef       = "42P17" // a view that would read itself
)

// Error is an engine error with its SQLSTATE code.
type Error struct {
	Code   string
	Msg    string
	Detail string // more about it, for the client (PostgreSQL's DETAIL), if any
	Hint   string // what to do about it (PostgreSQL's HINT), if any
	Err    error  // the cause, if any
	// Table and Constraint name the table and the constraint a violation
	// is of (PostgreSQL's table and constraint fields), if any.
	Table, Constraint string
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// SQLState returns the error's SQLSTATE code.
func (e *Error) SQLState() string { return e.Code }

// DetailText returns the error's detail ("" when none).
func (e *Error) DetailText() string { return e.Detail }

// HintText returns the error's hint ("" when none).
func (e *Error) HintText() string { return e.Hint }

// TableName returns the table a violation is of ("" when none).
func (e *Error) TableName() string { return e.Table }

// ConstraintName returns the constraint a violation is of ("" when none).
func (e *Error) ConstraintName() string { return e.Constraint }

func errorf(code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Code returns the SQLSTATE of the first coded error in err's chain, or
// CodeInternal.
func Code(err error) string {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState()
	}
	return CodeInternal
}

// Sentinels that callers test with errors.Is; each is wrapped in an *Error
// carrying its code and a message that names the object.
var (
	ErrTableExists  = errors.New("engine: table exists")
	ErrNoTable      = errors.New("engine: no such table")
	ErrDuplicateKey = errors.New("engine: duplicate key")
	ErrNoRow        = errors.New("engine: no such row")
	ErrReadOnly     = errors.New("engine: read-only")
	ErrHorizon      = errors.New("engine: before the compaction horizon")
	// ErrPastEnd: a point in time after the last committed event (a
	// later seq, a time to come).
	ErrPastEnd    = errors.New("engine: past the last committed event")
	ErrClosed     = errors.New("engine: closed")
	ErrNoSequence = errors.New("engine: no such sequence")
	ErrNoView     = errors.New("engine: no such view")
)

func wrapf(code string, sentinel error, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
