package exec

import "fmt"

// SQLSTATE codes the SQL layer reports itself (the engine's errors carry
// their own, see engine.Code).
const (
	CodeSyntax              = "42601"
	CodeUndefinedColumn     = "42703"
	CodeUndefinedTable      = "42P01"
	CodeUndefinedFunction   = "42883"
	CodeUndefinedObject     = "42704"
	CodeUndefinedParameter  = "42P02"
	CodeDatatypeMismatch    = "42804"
	CodeCannotCoerce        = "42846"
	CodeInvalidText         = "22P02"
	CodeInvalidParameter    = "22023"
	CodeInvalidDatetime     = "22007"
	CodeNumericRange        = "22003"
	CodeDivisionByZero      = "22012"
	CodeFeatureNotSupported = "0A000"
	CodeInFailedTxn         = "25P02"
	CodeReadOnlyTxn         = "25006"
	CodeCardinality         = "21000"
	CodeUndefinedSetting    = "42704"
	CodeCantChangeRuntime   = "55P02"
	CodeActiveTxn           = "25001"
)

// Error is an error of the SQL layer with its SQLSTATE.
type Error struct {
	Code string
	Msg  string
	Hint string
	Pos  int // 1-based character position in the statement, 0 when none
}

func (e *Error) Error() string { return e.Msg }

// SQLState returns the error's code.
func (e *Error) SQLState() string { return e.Code }

// ErrorPosition returns the 1-based character position (0: none).
func (e *Error) ErrorPosition() int { return e.Pos }

// Detail returns no detail.
func (e *Error) Detail() string { return "" }

// HintText returns the hint, if any.
func (e *Error) HintText() string { return e.Hint }

func errorf(code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}
