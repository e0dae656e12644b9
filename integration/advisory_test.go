package integration

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/pgwire"
)

// TestAdvisoryLocks: pg_advisory_lock and its kin between sessions of a
// real server, as migration tools use them: a lock held keeps the others
// out (try reports false, a lock waits until it is given back, a shared
// wait until the exclusive hold goes), shared locks share, a
// transaction's lock goes at its end and a session's at its close, a
// circle of waits fails with 40P01, and statement_timeout ends a wait
// with 57014.
func TestAdvisoryLocks(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c1, c2 := connect(t, s.url("")), connect(t, s.url(""))
	try := func(c *pgx.Conn, sql string, want bool) {
		t.Helper()
		var got bool
		if err := c.QueryRow(bg, sql).Scan(&got); err != nil || got != want {
			t.Fatalf("%s: %v %v, want %v", sql, got, err, want)
		}
	}
	mustExec(t, c1, `SELECT pg_advisory_lock(7)`)
	try(c2, `SELECT pg_try_advisory_lock(7)`, false)
	try(c1, `SELECT pg_try_advisory_lock(7)`, true)    // its own, again
	try(c2, `SELECT pg_try_advisory_lock(1, 7)`, true) // a pair is another key
	// A waiting lock is given when the last hold goes.
	got := make(chan error, 1)
	go func() {
		_, err := c2.Exec(bg, `SELECT pg_advisory_lock(7)`)
		got <- err
	}()
	try(c1, `SELECT pg_advisory_unlock(7)`, true)
	select {
	case err := <-got:
		t.Fatalf("the wait ended with a hold left: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	try(c1, `SELECT pg_advisory_unlock(7)`, true)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	try(c1, `SELECT pg_advisory_unlock(7)`, false) // none left
	try(c1, `SELECT pg_try_advisory_lock(7)`, false)
	mustExec(t, c2, `SELECT pg_advisory_unlock_all()`)
	try(c1, `SELECT pg_try_advisory_lock(7)`, true)

	// Shared locks share; an exclusive one waits for them.
	mustExec(t, c1, `SELECT pg_advisory_lock_shared(8)`)
	try(c2, `SELECT pg_try_advisory_lock_shared(8)`, true)
	try(c2, `SELECT pg_try_advisory_lock(8)`, false)
	try(c1, `SELECT pg_advisory_unlock_shared(8)`, true)
	try(c2, `SELECT pg_try_advisory_lock(8)`, true)
	// A shared wait is given once the exclusive hold goes, though its
	// session keeps a shared one.
	go func() {
		_, err := c1.Exec(bg, `SELECT pg_advisory_lock_shared(8)`)
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	try(c2, `SELECT pg_advisory_unlock(8)`, true)
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a shared wait stays after the exclusive hold went")
	}
	try(c1, `SELECT pg_advisory_unlock_shared(8)`, true)
	try(c2, `SELECT pg_advisory_unlock_shared(8)`, true)

	// A transaction's lock lasts until its end.
	mustExec(t, c1, `BEGIN`)
	mustExec(t, c1, `SELECT pg_advisory_xact_lock(9)`)
	try(c2, `SELECT pg_try_advisory_lock(9)`, false)
	mustExec(t, c1, `COMMIT`)
	try(c2, `SELECT pg_try_advisory_xact_lock(9)`, true) // and, outside a block, the statement's
	try(c1, `SELECT pg_try_advisory_lock(9)`, true)

	// A circle of waits: the second waiter fails.
	mustExec(t, c2, `SELECT pg_advisory_unlock_all()`)
	mustExec(t, c1, `SELECT pg_advisory_unlock_all()`)
	mustExec(t, c1, `SELECT pg_advisory_lock(1)`)
	mustExec(t, c2, `SELECT pg_advisory_lock(2)`)
	go func() {
		_, err := c1.Exec(bg, `SELECT pg_advisory_lock(2)`)
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	_, err := c2.Exec(bg, `SELECT pg_advisory_lock(1)`)
	if sqlState(err) != "40P01" {
		t.Fatalf("a circle of waits: %v", err)
	}
	mustExec(t, c2, `SELECT pg_advisory_unlock_all()`)
	if err := <-got; err != nil {
		t.Fatal(err)
	}

	// A session's locks go with it; a wait ends with statement_timeout.
	c3 := connect(t, s.url(""))
	mustExec(t, c3, `SELECT pg_advisory_lock(10)`)
	mustExec(t, c2, `SET statement_timeout = '100ms'`)
	if _, err := c2.Exec(bg, `SELECT pg_advisory_lock(10)`); sqlState(err) != "57014" {
		t.Fatalf("a wait past statement_timeout: %v", err)
	}
	mustExec(t, c2, `SET statement_timeout = 0`)
	if err := c3.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ok bool
		if err := c2.QueryRow(bg, `SELECT pg_try_advisory_lock(10)`).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lock of a closed session is still held")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
