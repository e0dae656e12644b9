// Package engine owns DriftDB's tables: documents and their versions, time
// travel, secondary indexes, transactions, snapshots and compaction, on top
// of the append-only log of package store.
//
// A table is a set of rows keyed by their primary key. Every write (INSERT,
// PATCH, SOFT_DELETE) is an event with a global seq; a row keeps every
// version it ever had, so a read at any committed seq is a binary search in
// each row's versions, never a replay.
//
// Invariants:
//   - One writer: seqs and unix_ms are assigned under the writer mutex, in
//     the order batches are handed to the store; unix_ms never decreases.
//   - A transaction is validated against the latest state at commit and
//     written as one store batch; it becomes visible (the published seq
//     moves past it) only once the store says it is durable.
//   - Readers take a View at a committed seq and never take the writer
//     mutex: they read immutable row versions through copy-on-write B-trees
//     published with atomic pointers, and ignore versions above their seq.
//   - After a failed write the database refuses writes until reopened.
//
// The engine knows no SQL and no protocol; its errors carry SQLSTATE codes
// (see Code) so that the layers above can report them.
package engine
