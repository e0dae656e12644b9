package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
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

// binaryServer is a driftdb-pg process started by a test.
type binaryServer struct {
	addr string
	cmd  *exec.Cmd
	logs *bytes.Buffer
	conn *pgx.Conn
}

// startBinary runs the driftdb-pg binary on a free loopback port with the
// given environment (beside the test's own) and arguments, and connects
// to it. The process is killed when the test ends, if still running.
func startBinary(t *testing.T, env []string, args ...string) *binaryServer {
	t.Helper()
	return startBinaryLimited(t, 0, env, args...)
}

// startBinaryLimited is startBinary with the limit on open files set to
// nofile in the server's process, when not 0.
func startBinaryLimited(t *testing.T, nofile int, env []string, args ...string) *binaryServer {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(builtBinary(t, "driftdb-pg"), args...)
	if nofile > 0 {
		cmd = limitedCommand(t, nofile, args...)
	}
	cmd.Env = append(append(os.Environ(), "DRIFTDB_LISTEN="+addr, "DRIFTDB_LOG_FORMAT=json"), env...)
	logs := &bytes.Buffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	url := "postgres://driftdb@" + addr + "/driftdb?sslmode=disable"
	b := &binaryServer{cmd: cmd, logs: logs, addr: addr}
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
	t.Cleanup(func() { c.Close(bg) })
	b.conn = c
	return b
}

// limitedCommand runs the driftdb-pg binary with args under a limit of
// nofile open files (soft and hard), set by the shell before it starts.
func limitedCommand(t *testing.T, nofile int, args ...string) *exec.Cmd {
	t.Helper()
	script := fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, nofile)
	return exec.Command("/bin/sh", append([]string{"-c", script, builtBinary(t, "driftdb-pg")}, args...)...)
}

// stop sends SIGTERM and waits for a clean exit.
func (b *binaryServer) stop(t *testing.T) {
	t.Helper()
	b.cmd.Process.Signal(syscall.SIGTERM)
	if err := b.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, b.logs.String())
	}
}

// TestServerBinarySignals runs the driftdb-pg binary configured through
// environment variables, writes through it, sends SIGTERM while a
// statement runs, and checks that the statement finishes, the process exits
// 0 releasing the lock, and the data is all there.
func TestServerBinarySignals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	b := startBinary(t, []string{"DRIFTDB_DATA=" + dir})
	c, cmd, logs := b.conn, b.cmd, b.logs
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

// TestServerSnapshotSettings: -snapshot-events and DRIFTDB_SNAPSHOT_BYTES
// set when tables are snapshotted automatically, 0 turns it off, and a bad
// value stops the server at start with a message naming it.
func TestServerSnapshotSettings(t *testing.T) {
	snapshots := func(dir string) int {
		ents, err := os.ReadDir(filepath.Join(dir, "tables", "t", "snapshots"))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		n := 0
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".snap") {
				n++
			}
		}
		return n
	}
	write := func(b *binaryServer) {
		mustExec(t, b.conn, `CREATE TABLE t (id int8 PRIMARY KEY)`)
		for i := range 50 {
			mustExec(t, b.conn, `INSERT INTO t (id) VALUES ($1)`, int64(i))
		}
	}

	often := filepath.Join(t.TempDir(), "often")
	b := startBinary(t, []string{"DRIFTDB_SNAPSHOT_BYTES=0"}, "-d", often, "-snapshot-events", "20")
	write(b)
	b.stop(t) // waits for snapshots in progress
	if n := snapshots(often); n < 1 {
		t.Fatalf("no automatic snapshot after 50 events with -snapshot-events 20\n%s", b.logs)
	}

	never := filepath.Join(t.TempDir(), "never")
	b = startBinary(t, []string{"DRIFTDB_SNAPSHOT_EVENTS=0"}, "-d", never, "-snapshot-bytes", "0")
	write(b)
	b.stop(t)
	if n := snapshots(never); n != 0 {
		t.Fatalf("%d automatic snapshots with both thresholds 0", n)
	}

	bytesBased := filepath.Join(t.TempDir(), "bytes")
	b = startBinary(t, []string{"DRIFTDB_SNAPSHOT_EVENTS=0", "DRIFTDB_SNAPSHOT_BYTES=1kB"}, "-d", bytesBased)
	write(b)
	b.stop(t)
	if n := snapshots(bytesBased); n < 1 {
		t.Fatalf("no automatic snapshot after 50 inserts with DRIFTDB_SNAPSHOT_BYTES=1kB\n%s", b.logs)
	}

	for _, bad := range []struct {
		env, arg, want string
	}{
		{"DRIFTDB_SNAPSHOT_BYTES=12XB", "", `DRIFTDB_SNAPSHOT_BYTES="12XB"`},
		{"DRIFTDB_MAX_CONNECTIONS=many", "", `DRIFTDB_MAX_CONNECTIONS="many"`},
		{"", "-snapshot-events=-1", "-snapshot-events: -1 is negative"},
	} {
		cmd := exec.Command(builtBinary(t, "driftdb-pg"), "-d", filepath.Join(t.TempDir(), "bad"), "-listen", freePort(t))
		if bad.arg != "" {
			cmd.Args = append(cmd.Args, bad.arg)
		}
		cmd.Env = append(os.Environ(), bad.env)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), bad.want) {
			t.Fatalf("%s %s: exit %v, output %q; want exit 2 naming %s", bad.env, bad.arg, err, out, bad.want)
		}
	}
}

// TestServerSnapshotAtShutdown: a clean shutdown snapshots a table with
// 10,000 or more events since its last snapshot, below the automatic
// threshold, and not one with fewer; the data reads back after either.
func TestServerSnapshotAtShutdown(t *testing.T) {
	snapshots := func(dir, table string) []string {
		ents, err := os.ReadDir(filepath.Join(dir, "tables", table, "snapshots"))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".snap") {
				names = append(names, e.Name())
			}
		}
		return names
	}
	dir := filepath.Join(t.TempDir(), "data")
	b := startBinary(t, nil, "-d", dir)
	mustExec(t, b.conn, `CREATE TABLE big (id int8 PRIMARY KEY, g text)`)
	mustExec(t, b.conn, `CREATE INDEX big_g ON big (g)`)
	mustExec(t, b.conn, `CREATE TABLE small (id int8 PRIMARY KEY)`)
	rows := make([][]any, 12_000)
	for i := range rows {
		rows[i] = []any{int64(i), fmt.Sprintf("g%d", i%17)}
	}
	if n, err := b.conn.CopyFrom(bg, pgx.Identifier{"big"}, []string{"id", "g"}, pgx.CopyFromRows(rows)); err != nil || n != int64(len(rows)) {
		t.Fatalf("COPY: %d %v", n, err)
	}
	for i := range 20 {
		mustExec(t, b.conn, `INSERT INTO small (id) VALUES ($1)`, int64(i))
	}
	if got := snapshots(dir, "big"); len(got) != 0 {
		t.Fatalf("snapshots of big before the shutdown: %v", got)
	}
	b.stop(t)
	if got := snapshots(dir, "big"); len(got) != 1 {
		t.Fatalf("snapshots of big after a clean shutdown: %v, want one\n%s", got, b.logs)
	}
	if _, err := os.Stat(filepath.Join(dir, "tables", "big", "indexes", "g.idx")); err != nil {
		t.Fatalf("index file of the shutdown's snapshot: %v", err)
	}
	if got := snapshots(dir, "small"); len(got) != 0 {
		t.Fatalf("snapshots of small (20 events) after a clean shutdown: %v, want none", got)
	}
	out, errOut, code := driftdb(t, "", "sql", "-d", dir, "--format", "csv",
		"-e", "SELECT count(*) FROM big WHERE g = 'g5'", "-e", "SELECT count(*) FROM small")
	if code != 0 || out != "count\n706\ncount\n20\n" {
		t.Fatalf("after restart: %d %q %q", code, out, errOut)
	}
}

// TestServerMemoryLimit: -memory-limit (DRIFTDB_MEMORY_LIMIT) sets the
// heap's soft limit, which the server reports as it starts serving; a
// value that is not a size stops it at start, naming the setting.
func TestServerMemoryLimit(t *testing.T) {
	b := startBinary(t, []string{"DRIFTDB_MEMORY_LIMIT=256MB"}, "-d", filepath.Join(t.TempDir(), "data"))
	mustExec(t, b.conn, `CREATE TABLE t (id int8 PRIMARY KEY)`)
	b.stop(t)
	if !strings.Contains(b.logs.String(), `"memory_limit":"256MB"`) {
		t.Fatalf("no memory_limit 256MB in the serving line:\n%s", b.logs)
	}
	b = startBinary(t, []string{"GOMEMLIMIT=off"}, "-d", filepath.Join(t.TempDir(), "data"))
	b.stop(t)
	if !strings.Contains(b.logs.String(), `"memory_limit":"none"`) {
		t.Fatalf("no memory_limit none without the setting:\n%s", b.logs)
	}
	cmd := exec.Command(builtBinary(t, "driftdb-pg"), "-d", filepath.Join(t.TempDir(), "bad"), "-listen", freePort(t), "-memory-limit", "lots")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "-memory-limit") {
		t.Fatalf("-memory-limit lots: exit %v, output %q; want exit 2 naming the flag", err, out)
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
