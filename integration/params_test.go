package integration

import (
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/pgwire"
)

// paramList is "SELECT $1, $2, ..., $n".
func paramList(n int) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i))
	}
	return b.String()
}

// parseReply sends Parse, Describe of the statement and Sync, and returns
// what came back and how long it took.
func parseReply(t *testing.T, fe *pgproto3.Frontend, query string) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	fe.Send(&pgproto3.Parse{Query: query})
	fe.Send(&pgproto3.Describe{ObjectType: 'S'})
	fe.Send(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatalf("after %v: %v", out, err)
		}
		name := strings.TrimPrefix(typeName(m), "*pgproto3.")
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			name += "(" + m.Code + " " + m.Message + ")"
		case *pgproto3.ParameterDescription:
			name += "(" + strconv.Itoa(len(m.ParameterOIDs)) + ")"
		case *pgproto3.ReadyForQuery:
			return strings.Join(out, " "), time.Since(start)
		}
		out = append(out, name)
	}
}

// TestParseLimits: a statement with more parameters than a Bind can carry
// is refused at Parse with 54000, before it is parsed; a long Parse ends
// with the statement timeout or a CancelRequest, and the session goes on.
func TestParseLimits(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	nc, fe, key := rawSession(t, s.addr)
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(2 * time.Minute))
	got, took := parseReply(t, fe, paramList(70000))
	if !strings.HasPrefix(got, "ErrorResponse(54000 too many parameters") || took > time.Second {
		t.Fatalf("70,000 parameters: %s after %v", got, took)
	}
	// $70000 alone counts too; inside a string it is no parameter.
	if got, _ := parseReply(t, fe, "SELECT $70000"); !strings.HasPrefix(got, "ErrorResponse(54000") {
		t.Fatalf("$70000: %s", got)
	}
	if got, _ := parseReply(t, fe, "SELECT '$70000', $1"); got != "ParseComplete ParameterDescription(1) RowDescription" {
		t.Fatalf("'$70000': %s", got)
	}
	n, long := 65535, 65535 // long: a Parse of over 100 ms
	if testing.Short() {
		n = 5000
	}
	// The most a Bind carries: described whole.
	if got, took := parseReply(t, fe, paramList(n)); got != "ParseComplete ParameterDescription("+strconv.Itoa(n)+") RowDescription" {
		t.Fatalf("%d parameters: %s", n, got)
	} else {
		t.Logf("Parse and Describe of %d parameters: %v", n, took)
	}
	// ... and bound and run.
	params := make([][]byte, n)
	for i := range params {
		params[i] = []byte(strconv.Itoa(i))
	}
	fe.Send(&pgproto3.Bind{Parameters: params})
	fe.Send(&pgproto3.Execute{})
	fe.Send(&pgproto3.Sync{})
	fe.Flush()
	for done := false; !done; {
		m, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := m.(type) {
		case *pgproto3.DataRow:
			if len(m.Values) != n || string(m.Values[n-1]) != strconv.Itoa(n-1) {
				t.Fatalf("a row of %d values", len(m.Values))
			}
		case *pgproto3.ErrorResponse:
			t.Fatalf("Bind and Execute of %d parameters: %s %s", n, m.Code, m.Message)
		case *pgproto3.ReadyForQuery:
			done = true
		}
	}
	// Under a statement timeout, a Parse that takes longer ends with it.
	fe.Send(&pgproto3.Query{String: "SET statement_timeout = 100"})
	fe.Flush()
	kinds(t, fe)
	got, took = parseReply(t, fe, paramList(long))
	if !strings.HasPrefix(got, "ErrorResponse(57014 canceling statement due to statement timeout") || took > time.Second {
		t.Fatalf("a long Parse under a 100 ms timeout: %s after %v", got, took)
	}
	t.Logf("a long Parse under a 100 ms timeout answered after %v", took)
	// So does a cancel.
	fe.Send(&pgproto3.Query{String: "SET statement_timeout = 0"})
	fe.Flush()
	kinds(t, fe)
	// A cancel that comes before the server starts on the Parse cancels
	// nothing (as in PostgreSQL): on a busy machine reading the message
	// can take a while, so the cancel is sent again until the reply
	// comes. Each is handled before the server closes its connection, so
	// none is left over for the statement after.
	replied, cancels := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(cancels)
		for {
			select {
			case <-replied:
				return
			case <-time.After(100 * time.Millisecond):
				cancelAndWait(t, s.addr, key)
			}
		}
	}()
	got, took = parseReply(t, fe, paramList(long))
	close(replied)
	<-cancels
	if !strings.HasPrefix(got, "ErrorResponse(57014 canceling statement due to user request") {
		t.Fatalf("a long Parse cancelled: %s after %v", got, took)
	}
	t.Logf("a long Parse cancelled: answered after %v", took)
	// The session goes on.
	fe.Send(&pgproto3.Query{String: "SELECT 1"})
	fe.Flush()
	if k := kinds(t, fe); k != "RowDescription DataRow(1) CommandComplete(SELECT 1) ReadyForQuery(I)" {
		t.Fatalf("after: %s", k)
	}
}

// cancelAndWait sends a CancelRequest and waits until the server, having
// handled it, closes the connection.
func cancelAndWait(t *testing.T, addr string, key *pgproto3.BackendKeyData) {
	cc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer cc.Close()
	cfe := pgproto3.NewFrontend(cc, cc)
	cfe.Send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: key.SecretKey})
	if err := cfe.Flush(); err != nil {
		t.Error(err)
		return
	}
	_ = cc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.Copy(io.Discard, cc)
}
