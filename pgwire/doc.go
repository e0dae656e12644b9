// Package pgwire is DriftDB's PostgreSQL protocol frontend: connections,
// startup (SSLRequest with TLS, GSSENCRequest, CancelRequest), trust,
// SCRAM-SHA-256 and TLS-only cleartext authentication, the simple and the
// extended query protocols, text and binary encoding of values, errors with
// their SQLSTATE, and the limits that keep one client from hurting others
// (message size, connection and socket counts, statement and idle
// timeouts, failed logins slowed per address, a panic recovered per
// connection, rows streamed in bounded batches so that a client that does
// not read holds up only its own statement).
//
// Every statement runs through a sql.Session, the path the command line
// uses too. The protocol messages come from
// github.com/jackc/pgx/v5/pgproto3, which caps message bodies before
// allocating them.
package pgwire
