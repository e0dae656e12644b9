package pgwire

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/engine"
)

// childEnv names the role a re-executed test binary plays.
const childEnv = "PGWIRE_TEST_CHILD"

// emfileChild serves a database with a limit on open files just above
// what it holds when it starts, and more connections allowed than that:
// accepting runs out of descriptors. It prints its address and serves
// until its standard input closes.
func emfileChild() int {
	dir, err := os.MkdirTemp("", "emfile")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	db, err := engine.Open(dir, engine.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	srv, err := NewServer(db, Config{MaxConnections: 1000, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	lim := uint64(len(fds) + 8)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: lim, Max: lim}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Println("ADDR", ln.Addr().String())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	return 0
}

// startup opens a session on addr and reports how the server answered
// within wait: "ready", an error's SQLSTATE, "waiting" or "closed".
func startup(addr string, wait time.Duration) (net.Conn, string) {
	nc, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		return nil, "dial: " + err.Error()
	}
	nc.SetDeadline(time.Now().Add(wait))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "driftdb", "database": "driftdb"}})
	fe.Flush()
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
			return nc, "ready"
		}
	}
}

// TestAcceptOutOfDescriptors runs a server whose process runs out of file
// descriptors while clients connect: Serve goes on (it logs the failure
// and retries after a pause), the clients it cannot take wait, and once
// connections close it serves again.
func TestAcceptOutOfDescriptors(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=emfile")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if err != nil || !ok {
		t.Fatalf("child: %q %v", line, err)
	}
	var (
		mu    sync.Mutex
		open  []net.Conn
		count = map[string]int{}
		wg    sync.WaitGroup
	)
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, how := startup(addr, 2*time.Second)
			mu.Lock()
			defer mu.Unlock()
			count[how]++
			if nc != nil {
				open = append(open, nc)
			}
		}()
	}
	wg.Wait()
	t.Logf("30 connections to a server out of descriptors: %v", count)
	if count["ready"] == 0 || count["waiting"] == 0 || count["ready"]+count["waiting"] != 30 {
		t.Fatalf("want some sessions and the other clients waiting: %v", count)
	}
	for _, nc := range open {
		nc.Close()
	}
	// The pause between retries is at most a second.
	nc, how := startup(addr, 5*time.Second)
	if how != "ready" {
		t.Fatalf("after the connections closed: %s", how)
	}
	nc.Close()
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"accept failed; retrying"`) || !strings.Contains(logs.String(), "too many open files") {
		t.Fatalf("no accept failure logged:\n%s", logs.String())
	}
	if n := strings.Count(logs.String(), `"msg":"accept failed; retrying"`); n > 2 {
		t.Fatalf("accept failures logged %d times in a few seconds: not rate-limited\n%s", n, logs.String())
	}
}
