// Package driftql parses what DriftDB's users and PostgreSQL clients type:
// DriftQL (CREATE TABLE t (pk=id, INDEX(...)), INSERT INTO t {json}, PATCH,
// SOFT DELETE, SHOW DRIFT, SNAPSHOT, COMPACT, AS OF) and the SQL around it
// that drivers send (SELECT with expressions, INSERT ... VALUES, UPDATE,
// DELETE, BEGIN/COMMIT/ROLLBACK, SET/SHOW/RESET).
//
// The grammar is participle struct tags on the AST types; Grammar prints it
// as EBNF. Parse returns statements with their source text, and syntax
// errors as *Error with line, column and the character position PostgreSQL
// reports.
//
// Quoting: single quotes always make a string; double quotes make a name,
// except where a value stands (the right side of a comparison, an IN list,
// KEY, AS OF, BEFORE, SET), where a lone double-quoted token is a string, as
// DriftQL writes status="paid". A dotted "users"."status" is always a name.
//
// The package imports nothing else of DriftDB and knows nothing of tables.
// Package sql/parser tries this grammar where PostgreSQL's refuses a
// statement, and package sql runs what it reads.
package driftql
