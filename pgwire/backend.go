package pgwire

import (
	"context"
)

// Backend is what the protocol frontend executes against: the SQL layer
// over the engine (package driftql/exec implements it). The frontend owns
// connections, authentication, message framing and type encoding; the
// backend owns parsing, planning, transactions and session settings.
type Backend interface {
	// NewSession starts the state of one connection. params holds the
	// startup parameters after authentication (user, database,
	// application_name, ...) and every "-c name=value" of the options
	// parameter, as name -> value. An error ends the connection (with its
	// SQLSTATE, see ErrorCode).
	NewSession(ctx context.Context, params map[string]string) (Session, error)
}

// Session is the backend state of one connection: its transaction and its
// settings. The frontend calls it from one goroutine at a time.
type Session interface {
	// Parse parses a query string into its statements, in order. Empty or
	// comment-only text gives none. The simple protocol runs them all; the
	// extended protocol accepts at most one.
	Parse(sql string) ([]Statement, error)
	// TxStatus is the transaction status for ReadyForQuery: 'I' idle, 'T'
	// in a transaction, 'E' in a failed transaction.
	TxStatus() byte
	// Parameters returns the settings reported with ParameterStatus
	// (server_version, server_encoding, client_encoding, DateStyle,
	// integer_datetimes, standard_conforming_strings, TimeZone,
	// IntervalStyle, application_name, is_superuser,
	// session_authorization, ...). The frontend sends them all after
	// authentication and, after each statement, those that changed.
	Parameters() map[string]string
	// Setting returns the current value of a session setting (for example
	// statement_timeout, which the frontend enforces).
	Setting(name string) (string, bool)
	// Close releases the session; an open transaction is rolled back.
	Close() error
}

// Statement is one parsed statement.
type Statement interface {
	// Describe types the statement for the extended protocol: given the
	// parameter types the client declared (0 or missing = unspecified) it
	// returns one type OID per parameter, and the result columns (nil when
	// the statement returns no rows). It may fail, for example on an
	// unknown table.
	Describe(paramTypes []uint32) (params []uint32, cols []Column, err error)
	// Execute runs the statement with its parameters, decoded by the
	// frontend according to their OIDs (nil is NULL). The context is
	// cancelled by a CancelRequest or the statement timeout.
	Execute(ctx context.Context, params []any) (Result, error)
	// SQL returns the statement's source text.
	SQL() string
}

// Column describes one result column.
type Column struct {
	Name     string
	TypeOID  uint32
	TypeSize int16 // -1 for variable length
	TypeMod  int32 // -1 when none
	TableOID uint32
	Attr     int16 // column number in the table, 0 when not a table column
}

// Result streams the outcome of one statement. Values in a row are nil
// (NULL) or the Go type that matches the column's type OID:
//
//	bool                     bool
//	int2, int4, int8         int64
//	float4, float8           float64
//	numeric                  string (decimal text)
//	text, varchar, name      string
//	json, jsonb              []byte (JSON text)
//	timestamptz, timestamp   time.Time
//	date                     time.Time
//	uuid                     [16]byte
//	bytea                    []byte
//
// A portal that is executed with a row limit keeps its Result open between
// Execute messages.
type Result interface {
	// Columns returns the result columns (nil when there are no rows).
	Columns() []Column
	// Next advances to the next row.
	Next() bool
	// Row returns the current row; valid until the next call to Next.
	Row() []any
	// Err returns the error that stopped Next, if any.
	Err() error
	// Tag returns the CommandComplete tag (SELECT 3, INSERT 0 1, BEGIN,
	// ...), valid once Next has returned false without error.
	Tag() string
	// Close releases the result.
	Close()
}

// SQLStateError is implemented by errors that carry a SQLSTATE code. The
// frontend finds it anywhere in an error's chain (errors.As); an error
// without one is reported as XX000 internal_error.
type SQLStateError interface {
	error
	SQLState() string
}

// PositionError is implemented by errors that point at a place in the
// statement text: a 1-based character position, as PostgreSQL reports it.
type PositionError interface {
	error
	ErrorPosition() int
}

// DetailError is implemented by errors that carry a DETAIL or HINT line.
type DetailError interface {
	error
	Detail() string
	Hint() string
}
