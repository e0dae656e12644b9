package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/pgwire"
)

// rawStartup opens a connection and completes a trust startup with the
// raw protocol.
func rawStartup(t *testing.T, addr string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "driftdb", "database": "driftdb"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return nc, fe
		}
	}
}

// TestMalformedMessages sends broken messages on one connection while a
// healthy session keeps working: the server answers with an error or
// closes that connection only.
func TestMalformedMessages(t *testing.T) {
	s := startServer(t, pgwire.Config{MaxMessageSize: 1 << 20})
	healthy := connect(t, s.url(""))
	mustExec(t, healthy, `CREATE TABLE t (pk=id)`)
	cases := map[string][]byte{
		"unknown type":      {'!', 0, 0, 0, 4},
		"length below 4":    {'Q', 0, 0, 0, 2},
		"oversize body":     {'Q', 0x7f, 0, 0, 0},
		"truncated query":   {'Q', 0, 0, 0, 100, 'S', 'E'},
		"query without nul": {'Q', 0, 0, 0, 8, 'a', 'b', 'c', 'd'},
		"bind negative len": bindWithLength(-5),
		"bind huge count":   {'B', 0, 0, 0, 12, 0, 0, 0xff, 0xff, 0, 0, 0, 0},
		"garbage":           []byte(strings.Repeat("\xff\x00garbage", 50)),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			nc, fe := rawStartup(t, s.addr)
			defer nc.Close()
			if name == "bind negative len" || name == "bind huge count" {
				fe.Send(&pgproto3.Parse{Name: "", Query: "SELECT $1::text"})
				fe.Flush()
			}
			nc.Write(raw)
			// Either an error comes back or the connection closes, or (for
			// a message cut short) the server waits for the rest; the
			// other sessions never notice.
			nc.SetReadDeadline(time.Now().Add(time.Second))
			for {
				msg, err := fe.Receive()
				if err != nil {
					break
				}
				if _, ok := msg.(*pgproto3.ErrorResponse); ok {
					break
				}
			}
			var n int64
			if err := healthy.QueryRow(bg, `SELECT count(*) FROM t`).Scan(&n); err != nil {
				t.Fatalf("healthy session broken after %s: %v", name, err)
			}
		})
	}
	// A client that stops mid-message only blocks itself.
	nc, _ := rawStartup(t, s.addr)
	nc.Write([]byte{'Q', 0, 0, 0, 50, 'S', 'E', 'L'})
	mustExec(t, healthy, `INSERT INTO t {"id": 1}`)
	nc.Close()
}

func bindWithLength(n int32) []byte {
	body := []byte{0, 0} // portal "", statement ""
	body = append(body, 0, 0)
	body = append(body, 0, 1) // one parameter
	body = binary.BigEndian.AppendUint32(body, uint32(n))
	body = append(body, 0, 0)
	msg := []byte{'B'}
	msg = binary.BigEndian.AppendUint32(msg, uint32(len(body)+4))
	return append(msg, body...)
}

// TestStartupErrors: another database name, too many clients, a version
// other than 3.0.
func TestStartupErrors(t *testing.T) {
	s := startServer(t, pgwire.Config{MaxConnections: 2})
	host, port, _ := net.SplitHostPort(s.addr)
	_, err := pgx.Connect(bg, "postgres://driftdb@"+host+":"+port+"/otherdb?sslmode=disable")
	if sqlState(err) != "3D000" {
		t.Fatalf("other database: %v", err)
	}
	connect(t, s.url(""))
	connect(t, s.url(""))
	_, err = pgx.Connect(bg, s.url(""))
	if sqlState(err) != "53300" {
		t.Fatalf("third connection: %v", err)
	}
}

// TestSCRAM: the right password gets in, a wrong one gets 28P01.
func TestSCRAM(t *testing.T) {
	s := startServer(t, pgwire.Config{Auth: pgwire.AuthSCRAM, Users: map[string]string{"alice": "s3cret"}})
	host, port, _ := net.SplitHostPort(s.addr)
	base := "postgres://alice:%s@" + host + ":" + port + "/driftdb?sslmode=disable"
	c := connect(t, strings.Replace(base, "%s", "s3cret", 1))
	var user string
	if err := c.QueryRow(bg, `SELECT current_user`).Scan(&user); err != nil || user != "alice" {
		t.Fatalf("current_user: %q %v", user, err)
	}
	if _, err := pgx.Connect(bg, strings.Replace(base, "%s", "wrong", 1)); sqlState(err) != "28P01" {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := pgx.Connect(bg, "postgres://mallory:s3cret@"+host+":"+port+"/driftdb?sslmode=disable"); sqlState(err) != "28P01" {
		t.Fatalf("unknown user: %v", err)
	}
}

// TestTLS upgrades with a generated certificate; cleartext passwords work
// over TLS and are refused without it.
func TestTLS(t *testing.T) {
	cert := selfSigned(t)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	s := startServer(t, pgwire.Config{TLS: cfg, Auth: pgwire.AuthPassword, Users: map[string]string{"driftdb": "pw"}})
	host, port, _ := net.SplitHostPort(s.addr)
	url := "postgres://driftdb:pw@" + host + ":" + port + "/driftdb?sslmode=require"
	c := connect(t, url)
	mustExec(t, c, `SELECT 1`)
	if !c.PgConn().Conn().(interface{ ConnectionState() tls.ConnectionState }).ConnectionState().HandshakeComplete {
		t.Fatal("connection is not TLS")
	}
	_, err := pgx.Connect(bg, strings.Replace(url, "sslmode=require", "sslmode=disable", 1))
	if sqlState(err) != "28000" {
		t.Fatalf("cleartext without TLS: %v", err)
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestIdleSessionTimeout closes an idle session with 57P05.
func TestIdleSessionTimeout(t *testing.T) {
	s := startServer(t, pgwire.Config{IdleSessionTimeout: 200 * time.Millisecond})
	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	msg, err := fe.Receive()
	if err != nil {
		t.Fatalf("no message before close: %v", err)
	}
	if e, ok := msg.(*pgproto3.ErrorResponse); !ok || e.Code != "57P05" {
		t.Fatalf("got %#v", msg)
	}
}

// TestExtendedProtocol drives Parse/Bind/Describe/Execute by hand: row
// limits with PortalSuspended, error then skip until Sync, and 0A000 when
// a table's columns change under a prepared statement.
func TestExtendedProtocol(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE t (pk=id)`)
	mustExec(t, c, `INSERT INTO t {"id": 1}`) // the first row types the key column
	for i := 2; i <= 5; i++ {
		mustExec(t, c, `INSERT INTO t (id) VALUES ($1)`, int64(i))
	}
	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	recv := func() pgproto3.BackendMessage {
		t.Helper()
		m, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	fe.Send(&pgproto3.Parse{Name: "s1", Query: "SELECT * FROM t"})
	fe.Send(&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1"})
	fe.Send(&pgproto3.Execute{Portal: "p1", MaxRows: 2})
	fe.Send(&pgproto3.Execute{Portal: "p1", MaxRows: 10})
	fe.Send(&pgproto3.Sync{})
	fe.Flush()
	var kinds []string
	for {
		m := recv()
		kinds = append(kinds, strings.TrimPrefix(typeName(m), "*pgproto3."))
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	want := "ParseComplete BindComplete DataRow DataRow PortalSuspended DataRow DataRow DataRow CommandComplete ReadyForQuery"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("row limits:\n got %s\nwant %s", got, want)
	}
	// An error skips everything until Sync.
	fe.Send(&pgproto3.Parse{Name: "bad", Query: "SELEC 1"})
	fe.Send(&pgproto3.Bind{PreparedStatement: "bad"})
	fe.Send(&pgproto3.Execute{})
	fe.Send(&pgproto3.Sync{})
	fe.Flush()
	if e, ok := recv().(*pgproto3.ErrorResponse); !ok || e.Code != "42601" || e.Position != 1 {
		t.Fatalf("want a syntax error with its position, got %#v", e)
	}
	if _, ok := recv().(*pgproto3.ReadyForQuery); !ok {
		t.Fatal("messages after the error were not skipped until Sync")
	}
	// New columns change SELECT *: the cached statement must be prepared
	// again.
	mustExec(t, c, `INSERT INTO t {"id": 6, "extra": true}`)
	fe.Send(&pgproto3.Bind{DestinationPortal: "p2", PreparedStatement: "s1"})
	fe.Send(&pgproto3.Execute{Portal: "p2"})
	fe.Send(&pgproto3.Sync{})
	fe.Flush()
	if _, ok := recv().(*pgproto3.BindComplete); !ok {
		t.Fatal("no BindComplete")
	}
	if e, ok := recv().(*pgproto3.ErrorResponse); !ok || e.Code != "0A000" {
		t.Fatalf("want 0A000, got %#v", e)
	}
	recv()
	// pgx re-prepares by itself after 0A000.
	rows, err := c.Query(context.Background(), `SELECT * FROM t`)
	if err == nil {
		rows.Close()
	}
	if _, err := c.Exec(bg, `SELECT * FROM t`); err != nil {
		t.Fatalf("after columns changed: %v", err)
	}
}

func typeName(m any) string { return fmt.Sprintf("%T", m) }

// TestCancelRequest cancels a running statement with a CancelRequest
// carrying the session's BackendKeyData: the statement fails with 57014
// and the session goes on.
func TestCancelRequest(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	nc, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "driftdb", "database": "driftdb"}})
	fe.Flush()
	var key *pgproto3.BackendKeyData
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if k, ok := m.(*pgproto3.BackendKeyData); ok {
			key = &pgproto3.BackendKeyData{ProcessID: k.ProcessID, SecretKey: append([]byte(nil), k.SecretKey...)}
		}
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	if key == nil {
		t.Fatal("no BackendKeyData")
	}
	fe.Send(&pgproto3.Query{String: "SELECT pg_sleep(5)"})
	fe.Flush()
	time.Sleep(100 * time.Millisecond)
	cc, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	cfe := pgproto3.NewFrontend(cc, cc)
	cfe.Send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: key.SecretKey})
	cfe.Flush()
	cc.Close()
	start := time.Now()
	m, err := fe.Receive()
	if _, ok := m.(*pgproto3.RowDescription); ok && err == nil {
		// The columns go out when the statement starts, as PostgreSQL
		// sends them; the error follows.
		m, err = fe.Receive()
	}
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := m.(*pgproto3.ErrorResponse); !ok || e.Code != "57014" || time.Since(start) > 3*time.Second {
		t.Fatalf("got %#v after %v", m, time.Since(start))
	}
	if _, ok := func() (pgproto3.BackendMessage, bool) {
		m, _ := fe.Receive()
		_, ok := m.(*pgproto3.ReadyForQuery)
		return m, ok
	}(); !ok {
		t.Fatal("no ReadyForQuery after the cancel")
	}
	// A wrong key cancels nothing.
	fe.Send(&pgproto3.Query{String: "SELECT pg_sleep(0.3)"})
	fe.Flush()
	cc, _ = net.Dial("tcp", s.addr)
	cfe = pgproto3.NewFrontend(cc, cc)
	cfe.Send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: []byte{1, 2, 3, 4}})
	cfe.Flush()
	cc.Close()
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := m.(*pgproto3.ErrorResponse); ok {
			t.Fatalf("cancelled by a wrong key: %v", e.Message)
		}
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
}

// TestStartupNegotiation: SSLRequest without TLS and GSSENCRequest are
// answered 'N' and the startup goes on; a SET of a reported setting sends
// ParameterStatus.
func TestStartupNegotiation(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	nc, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.GSSEncRequest{}, &pgproto3.SSLRequest{}} {
		b, _ := req.Encode(nil)
		nc.Write(b)
		one := make([]byte, 1)
		if _, err := nc.Read(one); err != nil || one[0] != 'N' {
			t.Fatalf("%T answered %q, %v", req, one, err)
		}
	}
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "driftdb", "database": "driftdb", "application_name": "probe"}})
	fe.Flush()
	params := map[string]string{}
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := m.(*pgproto3.ParameterStatus); ok {
			params[p.Name] = p.Value
		}
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	for name, want := range map[string]string{"server_version": "15.18", "server_encoding": "UTF8", "client_encoding": "UTF8",
		"DateStyle": "ISO, MDY", "integer_datetimes": "on", "standard_conforming_strings": "on", "TimeZone": "UTC",
		"IntervalStyle": "postgres", "application_name": "probe", "is_superuser": "on", "session_authorization": "driftdb"} {
		if params[name] != want {
			t.Errorf("ParameterStatus %s = %q, want %q", name, params[name], want)
		}
	}
	fe.Send(&pgproto3.Query{String: "SET application_name = 'renamed'"})
	fe.Flush()
	var changed string
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := m.(*pgproto3.ParameterStatus); ok && p.Name == "application_name" {
			changed = p.Value
		}
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	if changed != "renamed" {
		t.Fatalf("no ParameterStatus after SET application_name (%q)", changed)
	}
}

// TestTLSReplies: over TLS, a reply of many batches of rows arrives whole,
// and the reply to a write is held until its commit is durable: when the
// commit fails, the client gets the error, not a success.
func TestTLSReplies(t *testing.T) {
	cert := selfSigned(t)
	s := startServer(t, pgwire.Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}},
		Auth: pgwire.AuthPassword, Users: map[string]string{"driftdb": "pw"}})
	host, port, _ := net.SplitHostPort(s.addr)
	c := connect(t, "postgres://driftdb:pw@"+host+":"+port+"/driftdb?sslmode=require")
	mustExec(t, c, `CREATE TABLE t (id int8 PRIMARY KEY, pad text)`)
	const rows = 3000 // about 300 KB of reply: several batches
	pad := strings.Repeat("x", 90)
	for i := 0; i < rows; i += 500 {
		var vals []string
		for j := i; j < i+500; j++ {
			vals = append(vals, fmt.Sprintf("(%d, '%s')", j, pad))
		}
		mustExec(t, c, `INSERT INTO t (id, pad) VALUES `+strings.Join(vals, ", "))
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		r, err := c.Query(bg, `SELECT id, pad FROM t`, mode)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for r.Next() {
			var id int64
			var p string
			if err := r.Scan(&id, &p); err != nil || id != int64(n) || p != pad {
				t.Fatalf("%v: row %d: %d %q %v", mode, n, id, p, err)
			}
			n++
		}
		if r.Err() != nil || n != rows {
			t.Fatalf("%v: %d rows of %d, %v", mode, n, rows, r.Err())
		}
	}
	breakSegments(t, s.dir, "t")
	if _, err := c.Exec(bg, `INSERT INTO t (id) VALUES (-1)`); sqlState(err) != "58030" {
		t.Fatalf("a write whose commit fails, over TLS: %v, want 58030", err)
	}
}
