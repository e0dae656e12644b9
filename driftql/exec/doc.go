// Package exec runs parsed DriftQL and SQL statements against the engine.
// It is the one path both the driftdb command line and the driftdb-pg
// server execute through: a Session holds a client's transaction and
// settings, Parse binds statements to it, Describe types them (parameter
// and result OIDs) and Execute runs them.
//
// Planning is simple and exact: a top-level "pk = constant" condition reads
// one row, a condition on an indexed field reads through the index, and
// anything else scans the table; the whole WHERE clause is then applied to
// every candidate. Results are materialized rows of Go values matching
// their column type OIDs.
package exec
