package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/pgwire"
)

// kinds receives messages up to ReadyForQuery and names them, with the
// tag of CommandComplete, the code of ErrorResponse and the values of
// DataRow.
func kinds(t *testing.T, fe *pgproto3.Frontend) string {
	t.Helper()
	var out []string
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatalf("after %v: %v", out, err)
		}
		name := strings.TrimPrefix(typeName(m), "*pgproto3.")
		switch m := m.(type) {
		case *pgproto3.CommandComplete:
			name += "(" + string(m.CommandTag) + ")"
		case *pgproto3.ErrorResponse:
			name += "(" + m.Code + ")"
		case *pgproto3.DataRow:
			var vals []string
			for _, v := range m.Values {
				vals = append(vals, string(v))
			}
			name += "(" + strings.Join(vals, ",") + ")"
		case *pgproto3.ReadyForQuery:
			return strings.Join(append(out, name+"("+string(m.TxStatus)+")"), " ")
		}
		out = append(out, name)
	}
}

// pipeline sends each query as Parse, Bind and Execute of the unnamed
// statement and portal, then one Sync.
func pipeline(fe *pgproto3.Frontend, queries ...string) {
	for _, m := range executes(queries...) {
		fe.Send(m)
	}
	fe.Send(&pgproto3.Sync{})
}

// executes are the messages that run each query as Parse, Bind and
// Execute of the unnamed statement and portal.
func executes(queries ...string) []pgproto3.FrontendMessage {
	var ms []pgproto3.FrontendMessage
	for _, q := range queries {
		ms = append(ms, &pgproto3.Parse{Query: q}, &pgproto3.Bind{}, &pgproto3.Execute{})
	}
	return ms
}

// exchange sends messages and names the replies up to ReadyForQuery
// (kinds).
func exchange(t *testing.T, fe *pgproto3.Frontend, ms ...pgproto3.FrontendMessage) string {
	t.Helper()
	for _, m := range ms {
		fe.Send(m)
	}
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	return kinds(t, fe)
}

// TestCommitReply checks the reply to a statement that commits, which the
// server holds until the commit is durable: a pipelined statement after it
// sees its row, and another session sees the row as soon as the reply
// arrives.
func TestCommitReply(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	a := connect(t, s.url(""))
	b := connect(t, s.url(""))
	mustExec(t, a, `CREATE TABLE t (pk=id)`)
	mustExec(t, a, `INSERT INTO t {"id": 1, "v": "a"}`)

	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	pipeline(fe, "INSERT INTO t (id, v) VALUES (2, 'b')", "SELECT v FROM t WHERE id = 2")
	fe.Flush()
	want := "ParseComplete BindComplete CommandComplete(INSERT 0 1) ParseComplete BindComplete DataRow(b) CommandComplete(SELECT 1) ReadyForQuery(I)"
	if got := kinds(t, fe); got != want {
		t.Fatalf("pipelined insert then select:\n got %s\nwant %s", got, want)
	}
	fe.Send(&pgproto3.Query{String: "INSERT INTO t (id, v) VALUES (3, 'c'); SELECT v FROM t WHERE id = 3"})
	fe.Flush()
	want = "CommandComplete(INSERT 0 1) RowDescription DataRow(c) CommandComplete(SELECT 1) ReadyForQuery(I)"
	if got := kinds(t, fe); got != want {
		t.Fatalf("insert then select in one query:\n got %s\nwant %s", got, want)
	}
	// An explicit transaction: COMMIT's reply waits for durability too.
	fe.Send(&pgproto3.Query{String: "BEGIN; INSERT INTO t (id, v) VALUES (4, 'd'); COMMIT"})
	fe.Flush()
	want = "CommandComplete(BEGIN) CommandComplete(INSERT 0 1) CommandComplete(COMMIT) ReadyForQuery(I)"
	if got := kinds(t, fe); got != want {
		t.Fatalf("transaction:\n got %s\nwant %s", got, want)
	}

	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		for id := 10; id < 210; id++ {
			if _, err := a.Exec(bg, `INSERT INTO t (id, v) VALUES ($1, 'x')`, mode, id); err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := b.QueryRow(bg, `SELECT count(*) FROM t WHERE id = $1`, mode, id).Scan(&n); err != nil || n != 1 {
				t.Fatalf("mode %v: row %d acknowledged to one session, %d rows of it seen by another (%v)", mode, id, n, err)
			}
		}
		mustExec(t, a, `DELETE FROM t WHERE id >= 10`)
	}
}

// breakSegments makes every write to the table's segment files fail from
// now on, as a failing disk would: their descriptors in this process are
// replaced with a read-only one.
func breakSegments(t *testing.T, dir, table string) {
	t.Helper()
	ro, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	segs := filepath.Join(dir, "tables", table, "segments") + string(filepath.Separator)
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil || !strings.HasPrefix(target, segs) || !strings.HasSuffix(target, ".seg") {
			continue
		}
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if err := syscall.Dup3(int(ro.Fd()), fd, syscall.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("no open segment file under %s", segs)
	}
}

// TestCommitFailureReply breaks the disk under a statement that commits:
// the client gets the error in place of the statement's success, and the
// row is nowhere to be seen. The statements of one simple query, and
// those of the extended protocol up to a Sync, commit together after the
// last, in their implicit block, as PostgreSQL's do: their replies, then
// the commit's error.
func TestCommitFailureReply(t *testing.T) {
	cases := []struct {
		name string
		send func(fe *pgproto3.Frontend)
		want string
	}{
		{"extended", func(fe *pgproto3.Frontend) {
			pipeline(fe, "INSERT INTO t (id) VALUES (2)", "SELECT 1")
		}, "ParseComplete BindComplete CommandComplete(INSERT 0 1) ParseComplete BindComplete DataRow(1) CommandComplete(SELECT 1) ErrorResponse(58030) ReadyForQuery(I)"},
		{"extended, reply at Sync", func(fe *pgproto3.Frontend) {
			pipeline(fe, "INSERT INTO t (id) VALUES (2)")
		}, "ParseComplete BindComplete ErrorResponse(58030) ReadyForQuery(I)"},
		{"simple", func(fe *pgproto3.Frontend) {
			fe.Send(&pgproto3.Query{String: "INSERT INTO t (id) VALUES (2)"})
		}, "ErrorResponse(58030) ReadyForQuery(I)"},
		{"simple, two statements", func(fe *pgproto3.Frontend) {
			fe.Send(&pgproto3.Query{String: "INSERT INTO t (id) VALUES (2); SELECT 1"})
		}, "CommandComplete(INSERT 0 1) RowDescription DataRow(1) CommandComplete(SELECT 1) ErrorResponse(58030) ReadyForQuery(I)"},
		{"simple, last statement", func(fe *pgproto3.Frontend) {
			fe.Send(&pgproto3.Query{String: "SELECT 1; INSERT INTO t (id) VALUES (2)"})
		}, "RowDescription DataRow(1) CommandComplete(SELECT 1) CommandComplete(INSERT 0 1) ErrorResponse(58030) ReadyForQuery(I)"},
		{"commit", func(fe *pgproto3.Frontend) {
			fe.Send(&pgproto3.Query{String: "BEGIN; INSERT INTO t (id) VALUES (2); COMMIT"})
		}, "CommandComplete(BEGIN) CommandComplete(INSERT 0 1) ErrorResponse(58030) ReadyForQuery(I)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, pgwire.Config{})
			c := connect(t, s.url(""))
			mustExec(t, c, `CREATE TABLE t (pk=id)`)
			mustExec(t, c, `INSERT INTO t {"id": 1}`)
			nc, fe := rawStartup(t, s.addr)
			defer nc.Close()
			breakSegments(t, s.dir, "t")
			tc.send(fe)
			fe.Flush()
			if got := kinds(t, fe); got != tc.want {
				t.Fatalf("\n got %s\nwant %s", got, tc.want)
			}
			var n int64
			if err := c.QueryRow(bg, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("after the failed commit: %d rows, %v; want the 1 committed before", n, err)
			}
		})
	}
}

// TestCommitReplyLarge holds a reply bigger than the socket takes at once
// behind a commit, from a client that reads it late: the goroutine that
// finishes the commit sends what fits, the connection's own goroutine the
// rest, in order, and the session goes on (its idle timeout not taken for
// the wake-up).
func TestCommitReplyLarge(t *testing.T) {
	s := startServer(t, pgwire.Config{IdleSessionTimeout: 5 * time.Second})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE big (id int8 PRIMARY KEY, blob text)`)
	mustExec(t, c, `CREATE TABLE t (pk=id)`)
	mustExec(t, c, `INSERT INTO t {"id": 1}`)
	blob := strings.Repeat("x", 100<<10)
	const rows = 160 // 16 MB of results
	for i := 0; i < rows; i++ {
		mustExec(t, c, `INSERT INTO big (id, blob) VALUES ($1, $2)`, i, blob)
	}
	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	fe.Send(&pgproto3.Query{String: "SELECT id, blob FROM big ORDER BY id; INSERT INTO t (id) VALUES (2)"})
	fe.Flush()
	time.Sleep(300 * time.Millisecond) // the server's writes fill the socket meanwhile
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	var got []string
	n := 0
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatalf("after %d rows, %v: %v", n, got, err)
		}
		switch m := m.(type) {
		case *pgproto3.DataRow:
			if string(m.Values[0]) != strconv.Itoa(n) || string(m.Values[1]) != blob {
				t.Fatalf("row %d: id %q, blob of %d bytes", n, m.Values[0], len(m.Values[1]))
			}
			n++
			continue
		case *pgproto3.CommandComplete:
			got = append(got, string(m.CommandTag))
			continue
		case *pgproto3.ReadyForQuery:
		default:
			got = append(got, typeName(m))
			continue
		}
		break
	}
	if n != rows || strings.Join(got, ",") != "*pgproto3.RowDescription,SELECT 160,INSERT 0 1" {
		t.Fatalf("%d rows, then %v", n, got)
	}
	fe.Send(&pgproto3.Query{String: "SELECT count(*) FROM t"})
	fe.Flush()
	if k := kinds(t, fe); k != "RowDescription DataRow(2) CommandComplete(SELECT 1) ReadyForQuery(I)" {
		t.Fatalf("next query: %s", k)
	}
}
