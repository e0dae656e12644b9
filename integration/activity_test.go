package integration

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/pgwire"
)

// backend is a row of pg_stat_activity.
type backend struct {
	pid                 uint32
	app, state, query   string
	xact, client        bool
	backendType, dbName string
}

// activity reads pg_stat_activity, by application name.
func activity(t *testing.T, c *pgx.Conn) map[string]backend {
	t.Helper()
	rows, err := c.Query(context.Background(), `SELECT pid, application_name, state, query, xact_start IS NOT NULL,
		client_addr = '127.0.0.1' AND client_port > 0, backend_type, datname FROM pg_stat_activity`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]backend{}
	for rows.Next() {
		var b backend
		var pid int32
		if err := rows.Scan(&pid, &b.app, &b.state, &b.query, &b.xact, &b.client, &b.backendType, &b.dbName); err != nil {
			t.Fatal(err)
		}
		b.pid = uint32(pid)
		out[b.app] = b
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitActivity reads pg_stat_activity until ok accepts it.
func waitActivity(t *testing.T, c *pgx.Conn, what string, ok func(map[string]backend) bool) map[string]backend {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := activity(t, c)
		if ok(a) {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("pg_stat_activity never showed %s: %+v", what, a)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStatActivity(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	ctx := context.Background()
	idle := connect(t, s.url("application_name=idle"))
	inTx := connect(t, s.url("application_name=intx"))
	sleeper := connect(t, s.url("application_name=sleeper"))
	reader := connect(t, s.url("application_name=reader"))

	mustExec(t, idle, "SELECT 1 AS idle_marker")
	mustExec(t, inTx, "BEGIN")
	mustExec(t, inTx, "SELECT 2 AS tx_marker")
	failed := connect(t, s.url("application_name=failed"))
	mustExec(t, failed, "BEGIN")
	if _, err := failed.Exec(ctx, "SELECT 1/0"); sqlState(err) != "22012" {
		t.Fatalf("SELECT 1/0: %v", err)
	}
	slept := make(chan error, 1)
	go func() {
		_, err := sleeper.Exec(ctx, "SELECT pg_sleep(5)")
		slept <- err
	}()

	a := waitActivity(t, reader, "the sleeping session", func(a map[string]backend) bool {
		return a["sleeper"].state == "active"
	})
	want := map[string]backend{
		"idle":    {pid: idle.PgConn().PID(), state: "idle", query: "SELECT 1 AS idle_marker"},
		"intx":    {pid: inTx.PgConn().PID(), state: "idle in transaction", query: "SELECT 2 AS tx_marker", xact: true},
		"sleeper": {pid: sleeper.PgConn().PID(), state: "active", query: "SELECT pg_sleep(5)", xact: true},
		"reader":  {pid: reader.PgConn().PID(), state: "active", xact: true},
		// An aborted transaction shows no start, as PostgreSQL's.
		"failed": {pid: failed.PgConn().PID(), state: "idle in transaction (aborted)", query: "SELECT 1/0"},
	}
	if len(a) != len(want) {
		t.Errorf("pg_stat_activity has %d sessions, want %d: %+v", len(a), len(want), a)
	}
	for app, w := range want {
		got := a[app]
		if got.pid != w.pid || got.state != w.state || got.xact != w.xact || !got.client ||
			got.backendType != "client backend" || got.dbName != "driftdb" ||
			(w.query != "" && got.query != w.query) {
			t.Errorf("%s: got %+v, want %+v", app, got, w)
		}
	}
	if q := a["reader"].query; len(q) < 20 || q[:20] != "SELECT pid, applicat" {
		t.Errorf("reader's own query: %q", q)
	}
	var own int32
	if err := reader.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&own); err != nil || uint32(own) != reader.PgConn().PID() {
		t.Errorf("pg_backend_pid() = %d, %v; BackendKeyData said %d", own, err, reader.PgConn().PID())
	}

	// pg_cancel_backend cancels the sleeping statement.
	var sent bool
	if err := reader.QueryRow(ctx, "SELECT pg_cancel_backend($1)", int32(want["sleeper"].pid)).Scan(&sent); err != nil || !sent {
		t.Fatalf("pg_cancel_backend = %v, %v", sent, err)
	}
	select {
	case err := <-slept:
		if sqlState(err) != "57014" {
			t.Errorf("cancelled pg_sleep: %v, want 57014", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("pg_cancel_backend did not cancel pg_sleep")
	}
	waitActivity(t, reader, "the cancelled session idle", func(a map[string]backend) bool {
		return a["sleeper"].state == "idle" && a["sleeper"].query == "SELECT pg_sleep(5)"
	})

	// An unknown pid is no error.
	if err := reader.QueryRow(ctx, "SELECT pg_cancel_backend(1) OR pg_terminate_backend(1)").Scan(&sent); err != nil || sent {
		t.Errorf("signal to an unknown pid = %v, %v", sent, err)
	}

	// pg_terminate_backend closes a connection; it leaves the view.
	if err := reader.QueryRow(ctx, "SELECT pg_terminate_backend($1)", int32(want["intx"].pid)).Scan(&sent); err != nil || !sent {
		t.Fatalf("pg_terminate_backend = %v, %v", sent, err)
	}
	waitActivity(t, reader, "the terminated session gone", func(a map[string]backend) bool {
		_, ok := a["intx"]
		return !ok
	})
	if _, err := inTx.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("a terminated connection still runs statements")
	}

	// A connection that closes leaves the view.
	idle.Close(ctx)
	waitActivity(t, reader, "the closed session gone", func(a map[string]backend) bool {
		_, ok := a["idle"]
		return !ok && len(a) == 3
	})
}

// TestTerminateRunning ends a connection in the middle of a statement:
// the client learns 57P01.
func TestTerminateRunning(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	ctx := context.Background()
	victim := connect(t, s.url("application_name=victim"))
	reader := connect(t, s.url(""))
	slept := make(chan error, 1)
	go func() {
		_, err := victim.Exec(ctx, "SELECT pg_sleep(5)")
		slept <- err
	}()
	waitActivity(t, reader, "the sleeping session", func(a map[string]backend) bool {
		return a["victim"].state == "active"
	})
	var sent bool
	if err := reader.QueryRow(ctx, "SELECT pg_terminate_backend($1, 2000)", int32(victim.PgConn().PID())).Scan(&sent); err != nil || !sent {
		t.Fatalf("pg_terminate_backend = %v, %v", sent, err)
	}
	select {
	case err := <-slept:
		if sqlState(err) != "57P01" {
			t.Errorf("terminated pg_sleep: %v, want 57P01", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("pg_terminate_backend did not end pg_sleep")
	}
	if a := activity(t, reader); len(a) != 1 {
		t.Errorf("after pg_terminate_backend with a timeout: %+v", a)
	}
}
