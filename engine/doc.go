// Package engine owns DriftDB's tables: documents and their versions, time
// travel, secondary indexes, transactions, snapshots and compaction, on top
// of the append-only log of package store.
//
// A table is a set of rows keyed by their primary key. Every write (INSERT,
// PATCH, SOFT_DELETE, TRUNCATE) is an event with a global seq; a row keeps
// every version it ever had, so a read at any committed seq is a binary
// search in each row's versions, never a replay.
//
// Invariants:
//   - One writer: seqs and unix_ms are assigned under the writer mutex, in
//     the order batches are handed to the store; unix_ms never decreases.
//   - A transaction is validated against the latest state at commit and
//     written as one store batch; it becomes visible (the published seq
//     moves past it) only once the store says it is durable.
//   - Readers take a View at a committed seq and ignore every version and
//     index entry above it. Reads by key go through a lock-free point map
//     shared with the writer; a reader that walks a B-tree uses a published
//     copy-on-write clone holding its seq, and when the published one is
//     older, takes the writer mutex for the moment it takes to clone the
//     writer's trees (View.trees). Nothing a reader holds ever changes.
//   - After a failed write the database refuses writes until reopened
//     (SQLSTATE 58030), with one exception: a commit that found the disk
//     full (53100) was cut off the log again before anything of it was
//     synced, so once there is space the next write rebuilds the tables
//     the failed commits touched from the store and goes on (resume).
//
// The engine knows no SQL and no protocol; its errors carry SQLSTATE codes
// (see Code) so that the layers above can report them.
package engine
