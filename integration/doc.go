// Package integration tests DriftDB end to end: a real driftdb-pg server on
// a loopback port driven by real clients (pgx, psql, raw protocol bytes),
// and the driftdb command line run as a built binary.
package integration
