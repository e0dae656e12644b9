// Package store owns DriftDB's bytes on disk: the append-only segment log of
// every table, the record codec and its CRC, group commit and fsync, torn-tail
// recovery, the writer lock and snapshot files.
//
// The store knows no tables, rows or columns. It keeps named streams (one per
// table, under tables/<name>/) of opaque records, each carrying a global
// sequence number, a unix_ms timestamp, an event type and a msgpack payload
// that the engine defines. See docs/FORMAT.md for the exact bytes.
//
// Every file operation goes through an FS (Options.FS; package vfs has the
// operating system's, an in-memory one that can simulate a crash, and a
// fault injector), so that tests can check what survives a machine crash
// and what a failing disk does.
//
// Invariants:
//   - A batch (one transaction, possibly over several streams) is acknowledged
//     only once every byte of it is on disk; after a crash it is either
//     entirely present or entirely absent, in every stream it touched.
//   - Readers only ever see records of acknowledged batches; they never take
//     the writer's lock.
//   - A torn or bad record at the end of the newest segment of a stream is cut
//     off at open by the writer; damage anywhere else is corruption and is
//     reported as a *CorruptionError naming file and offset.
//   - A failed fsync is never retried: the store refuses every later write
//     until it is reopened. A write that found the disk full, before any
//     fsync of its group, is taken back (every file of the group truncated
//     to its last acknowledged batch and fsynced); the store then refuses
//     writes until Resume.
package store
