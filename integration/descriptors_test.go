package integration

import (
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// tryStartup opens a connection and sends a startup packet; it reports
// how the server answered within wait: "ready", an error's SQLSTATE,
// "waiting" (nothing yet) or "closed". A connection that got "ready" or
// "waiting" is left open for the caller to close.
func tryStartup(addr string, wait time.Duration) (net.Conn, string) {
	nc, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		return nil, "dial: " + err.Error()
	}
	nc.SetDeadline(time.Now().Add(wait))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "driftdb", "database": "driftdb"}})
	if err := fe.Flush(); err != nil {
		nc.Close()
		return nil, "closed"
	}
	for {
		m, err := fe.Receive()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return nc, "waiting"
			}
			nc.Close()
			return nil, "closed"
		}
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			nc.Close()
			return nil, m.Code
		case *pgproto3.ReadyForQuery:
			nc.SetDeadline(time.Time{})
			return nc, "ready"
		}
	}
}

// TestFileDescriptorLimit runs the server under a limit of 256 open files
// with its default 100 connections and opens 300: the server stays up,
// 100 sessions start, the others are told 53300 or wait, and once they
// close it serves again. A --max-connections that the limit cannot hold
// stops the server at start, naming both numbers.
func TestFileDescriptorLimit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	b := startBinaryLimited(t, 256, []string{"DRIFTDB_DATA=" + dir})
	mustExec(t, b.conn, `CREATE TABLE t (pk=id)`)
	mustExec(t, b.conn, `INSERT INTO t {"id": 1}`)
	var (
		mu    sync.Mutex
		open  []net.Conn
		count = map[string]int{}
		wg    sync.WaitGroup
	)
	for range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, how := tryStartup(b.addr, 3*time.Second)
			mu.Lock()
			defer mu.Unlock()
			count[how]++
			if nc != nil {
				open = append(open, nc)
			}
		}()
	}
	wg.Wait()
	t.Logf("300 connections beside one session: %v", count)
	if count["ready"] != 99 || count["ready"]+count["53300"]+count["waiting"] != 300 {
		t.Fatalf("want 99 sessions (the 100th is the test's own) and the rest told 53300 or waiting: %v", count)
	}
	if err := b.conn.Ping(bg); err != nil {
		t.Fatalf("the first session, meanwhile: %v", err)
	}
	for _, nc := range open {
		nc.Close()
	}
	var c *pgx.Conn
	var err error
	for range 50 { // the server sees the closes in its own time
		if c, err = pgx.Connect(bg, "postgres://driftdb@"+b.addr+"/driftdb?sslmode=disable"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("after the others closed: %v", err)
	}
	var n int64
	if err := c.QueryRow(bg, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the others closed: %d, %v", n, err)
	}
	c.Close(bg)
	b.conn.Close(bg)
	b.stop(t)
	if logs := b.logs.String(); strings.Contains(logs, "serve failed") || strings.Contains(logs, "accept failed") {
		t.Fatalf("logs:\n%s", logs)
	}

	// More connections than the limit holds: refused at start.
	cmd := limitedCommand(t, 256, "-d", dir, "--max-connections", "300", "--listen", freePort(t))
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "--max-connections 300 needs up to 383 file descriptors") ||
		!strings.Contains(string(out), "the limit on open files is 256") || !strings.Contains(string(out), "lower --max-connections to 173") {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
}
