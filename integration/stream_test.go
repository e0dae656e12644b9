package integration

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/pgwire"
)

// fillBig makes table big with n rows of about 150 bytes of text each,
// straight through the engine.
func fillBig(t *testing.T, db *engine.DB, n int) {
	t.Helper()
	if err := db.CreateTable(engine.TableSpec{Name: "big", PK: "id"}); err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("p", 100)
	tx := db.Begin()
	for i := range n {
		if _, err := tx.Insert("big", fmt.Appendf(nil, `{"id": %d, "email": "user%07d@example.com", "n": %d, "pad": %q}`, i, i, i, pad)); err != nil {
			t.Fatal(err)
		}
		if tx.Writes() == 5000 || i == n-1 {
			if _, err := tx.Commit(bg); err != nil {
				t.Fatal(err)
			}
			tx = db.Begin()
		}
	}
	tx.Rollback()
}

// liveHeap is the Go heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// settledHeap waits until the live heap stops changing (the server's
// writes are blocked, its background work is done) and returns it.
func settledHeap(t *testing.T) uint64 {
	t.Helper()
	last := liveHeap()
	for range 60 {
		time.Sleep(250 * time.Millisecond)
		h := liveHeap()
		if h < last+256<<10 && last < h+256<<10 {
			return max(h, last)
		}
		last = h
	}
	t.Fatalf("the heap kept changing: %d MB", last>>20)
	return 0
}

// stalledQuery opens a session with a small receive buffer, sends query
// and reads nothing.
func stalledQuery(t *testing.T, addr string, setup []string, query string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	nc, fe := rawStartup(t, addr)
	nc.SetDeadline(time.Time{})
	nc.(*net.TCPConn).SetReadBuffer(256 << 10)
	for _, q := range setup {
		fe.Send(&pgproto3.Query{String: q})
		fe.Flush()
		if k := kinds(t, fe); strings.Contains(k, "Error") {
			t.Fatalf("%s: %s", q, k)
		}
	}
	fe.Send(&pgproto3.Query{String: query})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	return nc, fe
}

// readRest reads a stalled query's reply: how many rows came, and how the
// reply ended (an error's SQLSTATE, "ready", or "closed").
func readRest(t *testing.T, what string, nc net.Conn, fe *pgproto3.Frontend) (int, string) {
	t.Helper()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	rows, code := 0, ""
	for {
		m, err := fe.Receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("%s: after %d rows the reply neither went on nor ended", what, rows)
			}
			if code != "" {
				return rows, code
			}
			return rows, "closed"
		}
		switch m := m.(type) {
		case *pgproto3.DataRow:
			rows++
		case *pgproto3.ErrorResponse:
			code = m.Code
		case *pgproto3.ReadyForQuery:
			if code == "" {
				code = "ready"
			}
			return rows, code
		}
	}
}

// TestSlowReaders: sessions that run SELECT * FROM big (100,000 rows,
// about 15 MB of reply each) and do not read hold the server's memory to
// a batch each, not to their results; other sessions go on meanwhile; a
// statement_timeout and a CancelRequest end such a blocked statement, and
// the readers that do read get every row.
func TestSlowReaders(t *testing.T) {
	sessions, rows := 50, 100_000
	if testing.Short() {
		sessions, rows = 20, 50_000
	}
	s := startServer(t, pgwire.Config{MaxConnections: sessions + 10})
	fillBig(t, s.db, rows)
	// One full read first: whatever reading the table sets up once (its
	// published state, the session's statement cache) is in the baseline.
	nc, fe := rawStartup(t, s.addr)
	nc.SetDeadline(time.Time{})
	fe.Send(&pgproto3.Query{String: "SELECT * FROM big"})
	fe.Flush()
	if got, end := readRest(t, "a full read", nc, fe); got != rows || end != "ready" {
		t.Fatalf("a full read: %d rows, then %s", got, end)
	}
	nc.Close()
	before := settledHeap(t)
	type stalled struct {
		nc net.Conn
		fe *pgproto3.Frontend
	}
	var all []stalled
	for range sessions {
		nc, fe := stalledQuery(t, s.addr, nil, "SELECT * FROM big")
		defer nc.Close()
		all = append(all, stalled{nc, fe})
	}
	during := settledHeap(t)
	grown := int64(during) - int64(before)
	perSession := grown / int64(sessions)
	t.Logf("%d stalled sessions of %d rows: live heap %d MB before, %d MB during (%d KB a session)",
		sessions, rows, before>>20, during>>20, perSession>>10)
	// A batch of 64 KB and a cursor's chunk each, and the session itself:
	// far below the 15 MB a materialized result takes.
	if perSession > 512<<10 {
		t.Fatalf("the live heap grew by %d KB a session", perSession>>10)
	}

	// The others are not held up.
	c := connect(t, s.url(""))
	var n int64
	if err := c.QueryRow(bg, `SELECT count(*) FROM big`).Scan(&n); err != nil || n != int64(rows) {
		t.Fatalf("another session: %d rows, %v", n, err)
	}

	// A statement timeout ends a stalled statement.
	nc, fe = stalledQuery(t, s.addr, []string{"SET statement_timeout = 300"}, "SELECT * FROM big")
	defer nc.Close()
	time.Sleep(time.Second)
	if got, end := readRest(t, "statement timeout", nc, fe); got >= rows || (end != "57014" && end != "closed") {
		t.Fatalf("statement timeout: %d rows, then %s", got, end)
	} else {
		t.Logf("statement timeout: %d rows, then %s", got, end)
	}

	// So does a CancelRequest.
	nc, fe, key := rawSession(t, s.addr)
	defer nc.Close()
	nc.SetDeadline(time.Time{})
	nc.(*net.TCPConn).SetReadBuffer(256 << 10)
	fe.Send(&pgproto3.Query{String: "SELECT * FROM big"})
	fe.Flush()
	time.Sleep(500 * time.Millisecond)
	sendCancel(t, s.addr, key)
	if got, end := readRest(t, "cancel", nc, fe); got >= rows || (end != "57014" && end != "closed") {
		t.Fatalf("cancel: %d rows, then %s", got, end)
	} else {
		t.Logf("cancel: %d rows, then %s", got, end)
	}

	// The stalled readers that read get every row and their session goes on.
	for _, st := range all[:3] {
		if got, end := readRest(t, "a slow reader", st.nc, st.fe); got != rows || end != "ready" {
			t.Fatalf("a slow reader got %d rows of %d, then %s", got, rows, end)
		}
		st.fe.Send(&pgproto3.Query{String: "SELECT 1"})
		st.fe.Flush()
		if k := kinds(t, st.fe); k != "RowDescription DataRow(1) CommandComplete(SELECT 1) ReadyForQuery(I)" {
			t.Fatalf("after the slow read: %s", k)
		}
	}
	for _, st := range all {
		st.nc.Close()
	}
}

// rawSession is rawStartup that also returns the session's cancel key.
func rawSession(t *testing.T, addr string) (net.Conn, *pgproto3.Frontend, *pgproto3.BackendKeyData) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "driftdb", "database": "driftdb"}})
	fe.Flush()
	var key *pgproto3.BackendKeyData
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		switch m := m.(type) {
		case *pgproto3.BackendKeyData:
			key = &pgproto3.BackendKeyData{ProcessID: m.ProcessID, SecretKey: append([]byte(nil), m.SecretKey...)}
		case *pgproto3.ReadyForQuery:
			if key == nil {
				t.Fatal("no BackendKeyData")
			}
			return nc, fe, key
		}
	}
}

// sendCancel sends a CancelRequest for the session of key.
func sendCancel(t *testing.T, addr string, key *pgproto3.BackendKeyData) {
	t.Helper()
	cc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	cfe := pgproto3.NewFrontend(cc, cc)
	cfe.Send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: key.SecretKey})
	if err := cfe.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestPortalSuspended: Execute with a row limit goes on from where the
// last one stopped, on a streamed result, as PostgreSQL does: rows in
// order, PortalSuspended after each full Execute, and a CommandComplete
// whose tag counts the rows of the Execute that finished the portal. The
// portal lives in a transaction block, across its Syncs (one outside a
// block ends with the Sync's transaction: TestPortalEndsWithTransaction).
func TestPortalSuspended(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	fillBig(t, s.db, 2500)
	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	fe.Send(&pgproto3.Query{String: "BEGIN"})
	fe.Send(&pgproto3.Parse{Name: "s", Query: "SELECT id FROM big WHERE n >= $1"})
	fe.Send(&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s", Parameters: [][]byte{[]byte("100")}})
	fe.Send(&pgproto3.Sync{})
	fe.Flush()
	if k := kinds(t, fe); k != "CommandComplete(BEGIN) ReadyForQuery(T)" {
		t.Fatalf("begin: %s", k)
	}
	if k := kinds(t, fe); k != "ParseComplete BindComplete ReadyForQuery(T)" {
		t.Fatalf("prepare: %s", k)
	}
	next := 100 // 2,400 rows: 100 to 2499
	for _, step := range []struct {
		limit uint32
		rows  int
		end   string
	}{
		{1000, 1000, "suspended"},
		{1000, 1000, "suspended"},
		{400, 400, "suspended"}, // the last rows, which the portal does not know yet
		{1, 0, "SELECT 0"},
		{0, 0, "SELECT 0"}, // a finished portal
	} {
		limit := step.limit
		fe.Send(&pgproto3.Execute{Portal: "p", MaxRows: limit})
		// Another statement in between: the portal's rows stay where they
		// were.
		fe.Send(&pgproto3.Parse{Query: "SELECT count(*) FROM big"})
		fe.Send(&pgproto3.Bind{})
		fe.Send(&pgproto3.Execute{})
		fe.Send(&pgproto3.Sync{})
		fe.Flush()
		got := 0
		var end string
		for end == "" {
			m, err := fe.Receive()
			if err != nil {
				t.Fatal(err)
			}
			switch m := m.(type) {
			case *pgproto3.DataRow:
				if string(m.Values[0]) != strconv.Itoa(next) {
					t.Fatalf("limit %d: row %q, want %d", limit, m.Values[0], next)
				}
				next++
				got++
			case *pgproto3.PortalSuspended:
				end = "suspended"
			case *pgproto3.CommandComplete:
				end = string(m.CommandTag)
			case *pgproto3.ErrorResponse:
				t.Fatalf("limit %d: %s %s", limit, m.Code, m.Message)
			}
		}
		if k := kinds(t, fe); k != "ParseComplete BindComplete DataRow(2500) CommandComplete(SELECT 1) ReadyForQuery(T)" {
			t.Fatalf("the statement between: %s", k)
		}
		if got != step.rows || end != step.end {
			t.Fatalf("Execute %d: %d rows, then %s; want %d, then %s", limit, got, end, step.rows, step.end)
		}
	}
	if next != 2500 {
		t.Fatalf("the portal gave rows up to %d, want 2499", next-1)
	}
}
