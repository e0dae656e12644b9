package integration

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// freePort returns a loopback address nobody listens on.
func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestServerBinarySignals runs the driftdb-pg binary configured through
// environment variables, writes through it, sends SIGTERM while a
// statement runs, and checks that the statement finishes, the process exits
// 0 releasing the lock, and the data is all there.
func TestServerBinarySignals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr := freePort(t)
	cmd := exec.Command(builtBinary(t, "driftdb-pg"))
	cmd.Env = append(os.Environ(), "DRIFTDB_DATA="+dir, "DRIFTDB_LISTEN="+addr, "DRIFTDB_LOG_FORMAT=json")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	url := "postgres://driftdb@" + addr + "/driftdb?sslmode=disable"
	var c *pgx.Conn
	var err error
	for range 100 {
		if c, err = pgx.Connect(bg, url); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server did not come up: %v\n%s", err, logs.String())
	}
	mustExec(t, c, `CREATE TABLE t (id int8 PRIMARY KEY)`)
	for i := range 50 {
		mustExec(t, c, `INSERT INTO t (id) VALUES ($1)`, int64(i))
	}
	slow := make(chan error, 1)
	go func() {
		_, err := c.Exec(context.Background(), `SELECT pg_sleep(0.5)`)
		slow <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-slow; err != nil {
		t.Fatalf("running statement did not finish on SIGTERM: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"stopped; everything is durable and the lock is released"`) {
		t.Fatalf("logs:\n%s", logs.String())
	}
	out, errOut, code := driftdb(t, "", "sql", "-d", dir, "-e", "SELECT count(*) FROM t", "--format", "csv")
	if code != 0 || out != "count\n50\n" {
		t.Fatalf("after restart: %d %q %q", code, out, errOut)
	}
}

// TestOversizeBeforeAuth: a startup packet over the pre-authentication
// limit closes that connection without taking a byte more.
func TestOversizeBeforeAuth(t *testing.T) {
	s := startServer(t, pgwireConfigDefault())
	nc, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	nc.Write([]byte{0x01, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00}) // claims 16 MiB
	_, err = bufio.NewReader(nc).ReadByte()
	if err == nil {
		// Some servers answer with an error first; then it must close.
		_, err = bufio.NewReader(nc).ReadByte()
	}
	if err == nil {
		t.Fatal("connection stayed open after an oversize startup packet")
	}
	healthy := connect(t, s.url(""))
	mustExec(t, healthy, "SELECT 1")
}
