// Package pgcode owns DriftDB's SQLSTATE codes: every code a client can
// see is a named constant here, with PostgreSQL's name for it, and Error
// carries a code, a message, and where PostgreSQL gives them a detail, a
// hint and a position. Of finds the code of any error, wherever in a chain
// of wrapped errors it was set.
//
// The package imports nothing of DriftDB's, so that every layer (the
// engine, the SQL layer, the protocol server) takes its codes from this one
// list.
package pgcode

import (
	"errors"
	"fmt"
)

// Code is a SQLSTATE: five characters, the first two its class.
type Code string

// Class returns the code's class ("23" for 23505).
func (c Code) Class() string { return string(c[:2]) }

// Codes, by class, with PostgreSQL's condition names (Appendix A of its
// manual). Add a code here before using it anywhere.
const (
	// Class 00: successful completion; 01: warning; 02: no data.
	SuccessfulCompletion Code = "00000"
	Warning              Code = "01000"
	NoData               Code = "02000"

	// Class 08: connection exception.
	ProtocolViolation Code = "08P01"

	// Class 0A: feature not supported.
	FeatureNotSupported Code = "0A000"

	// Class 21: cardinality violation.
	CardinalityViolation Code = "21000"

	// Class 22: data exception.
	DataException                 Code = "22000"
	StringDataRightTruncation     Code = "22001"
	NullValueNotAllowed           Code = "22004"
	InvalidDatetimeFormat         Code = "22007"
	DatetimeFieldOverflow         Code = "22008"
	InvalidTimeZoneDisplacement   Code = "22009"
	NumericValueOutOfRange        Code = "22003"
	DivisionByZero                Code = "22012"
	IntervalFieldOverflow         Code = "22015"
	InvalidArgumentForLog         Code = "2201E"
	InvalidArgumentForPower       Code = "2201F"
	InvalidArgumentForWidthBucket Code = "2201G"
	InvalidRegularExpression      Code = "2201B"
	InvalidRowCountInLimit        Code = "2201W"
	InvalidRowCountInResultOffset Code = "2201X"
	CharacterNotInRepertoire      Code = "22021"
	IndicatorOverflow             Code = "22022"
	InvalidParameterValue         Code = "22023"
	InvalidEscapeSequence         Code = "22025"
	InvalidUseOfEscapeCharacter   Code = "2200C"
	StringDataLengthMismatch      Code = "22026"
	InvalidTextRepresentation     Code = "22P02"
	InvalidBinaryRepresentation   Code = "22P03"
	BadCopyFileFormat             Code = "22P04"
	ArraySubscriptError           Code = "2202E"
	UntranslatableCharacter       Code = "22P05"
	InvalidJSONText               Code = "22032"
	SQLJSONScalarRequired         Code = "2203F"
	SQLJSONObjectNotFound         Code = "2203C"
	SQLJSONArrayNotFound          Code = "2203A"
	MostSpecificTypeMismatch      Code = "2200G"
	NonstandardUseOfEscapeChar    Code = "22P06"
	ZeroLengthCharacterString     Code = "2200F"
	SubstringError                Code = "22011"
	InvalidArgumentForNtile       Code = "22014"
	InvalidArgumentForNthValue    Code = "22016"
	InvalidPrecedingFollowingSize Code = "22013"
	TrimError                     Code = "22027"

	// Class 23: integrity constraint violation.
	IntegrityConstraintViolation Code = "23000"
	RestrictViolation            Code = "23001"
	NotNullViolation             Code = "23502"
	ForeignKeyViolation          Code = "23503"
	UniqueViolation              Code = "23505"
	CheckViolation               Code = "23514"
	GeneratedAlways              Code = "428C9"

	// Class 24: invalid cursor state; 25: invalid transaction state.
	InvalidCursorState      Code = "24000"
	ActiveSQLTransaction    Code = "25001"
	NoActiveSQLTransaction  Code = "25P01"
	ReadOnlySQLTransaction  Code = "25006"
	InFailedSQLTransaction  Code = "25P02"
	InvalidTransactionState Code = "25000"

	// Class 2B: dependent privilege descriptors (objects) still exist.
	DependentObjectsStillExist Code = "2BP01"

	// Class 39: external routine invocation exception (pgcrypto's errors).
	ExternalRoutineInvocationException Code = "39000"

	// Class 3B: savepoint exception.
	InvalidSavepointSpecification Code = "3B001"

	// Class 26: invalid SQL statement name; 28: authorization.
	InvalidSQLStatementName           Code = "26000"
	InvalidAuthorizationSpecification Code = "28000"
	InvalidPassword                   Code = "28P01"

	// Class 34: invalid cursor name; 3D: invalid catalog name; 3F: schema.
	InvalidCursorName  Code = "34000"
	InvalidCatalogName Code = "3D000"
	InvalidSchemaName  Code = "3F000"

	// Class 40: transaction rollback.
	SerializationFailure Code = "40001"
	DeadlockDetected     Code = "40P01"

	// Class 42: syntax error or access rule violation.
	SyntaxError                Code = "42601"
	InsufficientPrivilege      Code = "42501"
	GroupingError              Code = "42803"
	WindowingError             Code = "42P20"
	InvalidRecursion           Code = "42P19"
	InvalidForeignKey          Code = "42830"
	InvalidName                Code = "42602"
	NameTooLong                Code = "42622"
	DatatypeMismatch           Code = "42804"
	IndeterminateDatatype      Code = "42P18"
	CollationMismatch          Code = "42P21"
	WrongObjectType            Code = "42809"
	UndefinedColumn            Code = "42703"
	UndefinedFunction          Code = "42883"
	UndefinedTable             Code = "42P01"
	UndefinedParameter         Code = "42P02"
	UndefinedObject            Code = "42704"
	DuplicateColumn            Code = "42701"
	DuplicateCursor            Code = "42P03"
	DuplicateDatabase          Code = "42P04"
	DuplicatePreparedStatement Code = "42P05"
	DuplicateSchema            Code = "42P06"
	DuplicateTable             Code = "42P07"
	DuplicateAlias             Code = "42712"
	DuplicateObject            Code = "42710"
	AmbiguousColumn            Code = "42702"
	AmbiguousFunction          Code = "42725"
	AmbiguousParameter         Code = "42P08"
	AmbiguousAlias             Code = "42P09"
	InvalidColumnReference     Code = "42P10"
	InvalidColumnDefinition    Code = "42611"
	InvalidTableDefinition     Code = "42P16"
	InvalidObjectDefinition    Code = "42P17"
	CannotCoerce               Code = "42846"
	InvalidFunctionDefinition  Code = "42P13"

	// Class 44: WITH CHECK OPTION violation.
	WithCheckOptionViolation Code = "44000"

	// Class 53: insufficient resources; 54: program limit exceeded.
	InsufficientResources Code = "53000"
	DiskFull              Code = "53100"
	OutOfMemory           Code = "53200"
	TooManyConnections    Code = "53300"
	ProgramLimitExceeded  Code = "54000"
	StatementTooComplex   Code = "54001"
	TooManyColumns        Code = "54011"
	TooManyArguments      Code = "54023"

	// Class 55: object not in prerequisite state.
	ObjectNotInPrerequisiteState Code = "55000"
	ObjectInUse                  Code = "55006"
	CantChangeRuntimeParam       Code = "55P02"
	LockNotAvailable             Code = "55P03"

	// Class 57: operator intervention.
	QueryCanceled      Code = "57014"
	AdminShutdown      Code = "57P01"
	CrashShutdown      Code = "57P02"
	CannotConnectNow   Code = "57P03"
	IdleSessionTimeout Code = "57P05"

	// Class 58: system error.
	SystemError Code = "58000"
	IOError     Code = "58030"

	// Class XX: internal error.
	InternalError Code = "XX000"
	DataCorrupted Code = "XX001"
)

// Error is an error with a SQLSTATE, as a client sees it.
type Error struct {
	Code    Code
	Message string
	Detail  string
	Hint    string
	// Position is the 1-based character position in the statement text
	// that the error points at; 0 when none.
	Position int
	// Where is the context the error arose in (the CONTEXT line of psql):
	// which parameter, which function.
	Where string
	// Err is the cause, if any.
	Err error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// SQLState returns the code as text (the interface by which Of finds the
// code of errors of other packages too).
func (e *Error) SQLState() string { return string(e.Code) }

// New returns an error with code and a message.
func New(code Code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Newf returns an error with code and a formatted message.
func Newf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap gives err a code and a message, keeping it as the cause.
func Wrap(code Code, err error, msg string) *Error {
	return &Error{Code: code, Message: msg, Err: err}
}

// WithDetail sets the detail and returns e.
func (e *Error) WithDetail(detail string) *Error { e.Detail = detail; return e }

// WithHint sets the hint and returns e.
func (e *Error) WithHint(hint string) *Error { e.Hint = hint; return e }

// WithWhere sets the context and returns e.
func (e *Error) WithWhere(where string) *Error { e.Where = where; return e }

// ErrorPosition, DetailText, HintText and WhereText give the fields to
// the protocol server, which finds them by these methods on errors of
// other packages too.
func (e *Error) ErrorPosition() int { return e.Position }

// DetailText returns the detail.
func (e *Error) DetailText() string { return e.Detail }

// HintText returns the hint.
func (e *Error) HintText() string { return e.Hint }

// WhereText returns the context.
func (e *Error) WhereText() string { return e.Where }

// At sets the position and returns e.
func (e *Error) At(pos int) *Error { e.Position = pos; return e }

// From returns err as an *Error: err itself if it is one, else a new
// Error with err's code (Of), message, and the detail, hint, position and
// context its chain offers (by the methods DetailText, HintText,
// ErrorPosition, WhereText), err as its cause. Changing the result
// changes nothing of err.
func From(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) && pe == err {
		out := *pe
		return &out
	}
	out := &Error{Code: Of(err), Message: err.Error(), Err: err}
	var de interface{ DetailText() string }
	if errors.As(err, &de) {
		out.Detail = de.DetailText()
	}
	var he interface{ HintText() string }
	if errors.As(err, &he) {
		out.Hint = he.HintText()
	}
	var po interface{ ErrorPosition() int }
	if errors.As(err, &po) {
		out.Position = po.ErrorPosition()
	}
	var we interface{ WhereText() string }
	if errors.As(err, &we) {
		out.Where = we.WhereText()
	}
	return out
}

// Of returns the SQLSTATE of the first error in err's chain that has one
// (any error with a SQLState() string method), or InternalError; nil for
// nil.
func Of(err error) Code {
	if err == nil {
		return ""
	}
	var c interface{ SQLState() string }
	if errors.As(err, &c) {
		return Code(c.SQLState())
	}
	return InternalError
}
