package integration

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/driftdb/driftdb/pgwire"
)

// TestListenNotify: LISTEN, NOTIFY and pg_notify between sessions of a
// real server, as job queues and subscriptions use them: an idle listener
// is sent the notification at once, with the sender's process id; a
// NOTIFY in a transaction block is sent at its commit, once however often
// it was sent, and never after a ROLLBACK; the sender gets its own; after
// UNLISTEN nothing comes.
func TestListenNotify(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	l, n := connect(t, s.url("")), connect(t, s.url(""))
	mustExec(t, l, `LISTEN jobs`)
	mustExec(t, n, `CREATE TABLE q (id int PRIMARY KEY)`)
	wait := func(c *pgx.Conn, d time.Duration) (*pgconn.Notification, error) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return c.WaitForNotification(ctx)
	}
	var senderPID uint32
	if err := n.QueryRow(bg, `SELECT pg_backend_pid()`).Scan(&senderPID); err != nil {
		t.Fatal(err)
	}
	mustExec(t, n, `NOTIFY jobs, 'one'`)
	got, err := wait(l, 5*time.Second)
	if err != nil || got.Channel != "jobs" || got.Payload != "one" || got.PID != senderPID {
		t.Fatalf("NOTIFY to an idle listener: %+v %v (sender %d)", got, err, senderPID)
	}
	// A transaction's notifications come at its commit, once each.
	mustExec(t, n, `BEGIN`)
	mustExec(t, n, `INSERT INTO q VALUES (1)`)
	mustExec(t, n, `SELECT pg_notify('jobs', 'two')`)
	mustExec(t, n, `NOTIFY jobs, 'two'`)
	if got, err := wait(l, 200*time.Millisecond); err == nil {
		t.Fatalf("a notification before the commit: %+v", got)
	}
	mustExec(t, n, `COMMIT`)
	if got, err := wait(l, 5*time.Second); err != nil || got.Payload != "two" {
		t.Fatalf("at the commit: %+v %v", got, err)
	}
	if got, err := wait(l, 200*time.Millisecond); err == nil {
		t.Fatalf("a notification twice: %+v", got)
	}
	// The row the notification announced is there to read.
	var count int
	if err := l.QueryRow(bg, `SELECT count(*) FROM q`).Scan(&count); err != nil || count != 1 {
		t.Fatalf("the committed row: %d %v", count, err)
	}
	mustExec(t, n, `BEGIN`)
	mustExec(t, n, `NOTIFY jobs, 'three'`)
	mustExec(t, n, `ROLLBACK`)
	if got, err := wait(l, 200*time.Millisecond); err == nil {
		t.Fatalf("a rolled back notification: %+v", got)
	}
	// The sender's own.
	mustExec(t, l, `NOTIFY jobs, 'self'`)
	if got, err := wait(l, 5*time.Second); err != nil || got.Payload != "self" {
		t.Fatalf("the sender's own: %+v %v", got, err)
	}
	var channels []string
	rows, err := l.Query(bg, `SELECT * FROM pg_listening_channels()`)
	if err == nil {
		channels, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil || len(channels) != 1 || channels[0] != "jobs" {
		t.Fatalf("pg_listening_channels: %v %v", channels, err)
	}
	mustExec(t, l, `UNLISTEN *`)
	mustExec(t, n, `NOTIFY jobs, 'four'`)
	if got, err := wait(l, 200*time.Millisecond); err == nil {
		t.Fatalf("after UNLISTEN: %+v", got)
	}
	if _, err := n.Exec(bg, `SELECT pg_notify('jobs', repeat('x', 8000))`); sqlState(err) != "22023" {
		t.Fatalf("a payload too long: %v", err)
	}
}

// TestListenInBlock: LISTEN and UNLISTEN in a transaction block take
// effect when it commits, as PostgreSQL's do (the same statements through
// psql printed the same on PostgreSQL 15): pg_listening_channels does not
// show them before; a ROLLBACK, or a ROLLBACK TO a savepoint taken before
// them, drops them, and the notifications sent since the savepoint too; a
// session that listens and notifies in one block gets its own.
func TestListenInBlock(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	channels := func(when, want string) {
		t.Helper()
		var got string
		if err := c.QueryRow(bg, `SELECT coalesce(string_agg(ch, ',' ORDER BY ch), '') FROM pg_listening_channels() AS ch`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s: listening on %q, want %q", when, got, want)
		}
	}
	for _, q := range []string{`BEGIN`, `LISTEN a`} {
		mustExec(t, c, q)
	}
	channels("a LISTEN in a block", "")
	mustExec(t, c, `ROLLBACK`)
	channels("after the ROLLBACK", "")
	for _, q := range []string{`BEGIN`, `LISTEN b`, `SAVEPOINT s1`, `LISTEN c`, `ROLLBACK TO s1`, `LISTEN d`, `COMMIT`} {
		mustExec(t, c, q)
	}
	channels("after the COMMIT", "b,d")
	for _, q := range []string{`BEGIN`, `UNLISTEN b`} {
		mustExec(t, c, q)
	}
	channels("an UNLISTEN in a block", "b,d")
	mustExec(t, c, `ROLLBACK`)
	channels("after its ROLLBACK", "b,d")
	for _, q := range []string{`BEGIN`, `UNLISTEN *`, `LISTEN e`, `COMMIT`} {
		mustExec(t, c, q)
	}
	channels("UNLISTEN * then LISTEN e, committed", "e")

	wait := func(d time.Duration) (*pgconn.Notification, error) {
		ctx, cancel := context.WithTimeout(bg, d)
		defer cancel()
		return c.WaitForNotification(ctx)
	}
	for _, q := range []string{`BEGIN`, `LISTEN f`, `NOTIFY f, 'own'`, `COMMIT`} {
		mustExec(t, c, q)
	}
	if got, err := wait(5 * time.Second); err != nil || got.Channel != "f" || got.Payload != "own" {
		t.Fatalf("a LISTEN and a NOTIFY in one block: %+v %v", got, err)
	}
	for _, q := range []string{`BEGIN`, `SAVEPOINT s2`, `NOTIFY e, 'rolled back'`, `ROLLBACK TO s2`, `NOTIFY e, 'kept'`, `COMMIT`} {
		mustExec(t, c, q)
	}
	if got, err := wait(5 * time.Second); err != nil || got.Payload != "kept" {
		t.Fatalf("after a ROLLBACK TO: %+v %v, want the notification kept", got, err)
	}
	if got, err := wait(200 * time.Millisecond); err == nil {
		t.Fatalf("a notification a ROLLBACK TO dropped: %+v", got)
	}
}
