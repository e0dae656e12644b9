package integration

import (
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/pgwire"
)

// TestInvalidUTF8 sends text that is not UTF-8 on every path a client
// has (simple and extended protocol, text and binary parameters, names,
// startup parameters): each is refused with 22021 and PostgreSQL's words
// before anything runs, and the table holds only what was valid.
func TestInvalidUTF8(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE t (id int8 PRIMARY KEY, name text, doc jsonb)`)
	mustExec(t, c, `INSERT INTO t (id, name) VALUES (1, 'fine')`)
	const bad = "x\xc3(y"
	const msg = `invalid byte sequence for encoding "UTF8": 0xc3 0x28`

	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	send := func(msgs ...pgproto3.FrontendMessage) string {
		t.Helper()
		for _, m := range msgs {
			fe.Send(m)
		}
		fe.Flush()
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
			case *pgproto3.ReadyForQuery:
				return strings.Join(out, " ")
			}
			out = append(out, name)
		}
	}
	refused := "ErrorResponse(22021 " + msg + ")"
	for _, tc := range []struct {
		name string
		msgs []pgproto3.FrontendMessage
		want string
	}{
		{"simple", []pgproto3.FrontendMessage{&pgproto3.Query{String: "INSERT INTO t (id, name) VALUES (5, '" + bad + "')"}}, refused},
		{"simple, after a valid statement", []pgproto3.FrontendMessage{&pgproto3.Query{String: "INSERT INTO t (id) VALUES (6); SELECT '" + bad + "'"}}, refused},
		{"simple, in a comment", []pgproto3.FrontendMessage{&pgproto3.Query{String: "SELECT 1 -- " + bad}}, refused},
		{"parse", []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "SELECT '" + bad + "'"}, &pgproto3.Sync{}}, refused},
		{"statement name", []pgproto3.FrontendMessage{&pgproto3.Parse{Name: bad, Query: "SELECT 1"}, &pgproto3.Sync{}}, refused},
		{"text parameter", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "INSERT INTO t (id, name) VALUES (7, $1)"},
			&pgproto3.Bind{Parameters: [][]byte{[]byte(bad)}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
			"ParseComplete " + refused},
		{"binary text parameter", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "INSERT INTO t (id, name) VALUES (8, $1)", ParameterOIDs: []uint32{25}},
			&pgproto3.Bind{Parameters: [][]byte{[]byte(bad)}, ParameterFormatCodes: []int16{1}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
			"ParseComplete " + refused},
		{"binary jsonb parameter", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "INSERT INTO t (id, doc) VALUES (9, $1)", ParameterOIDs: []uint32{3802}},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("\x01\"" + bad + "\"")}, ParameterFormatCodes: []int16{1}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
			"ParseComplete " + refused},
		{"a number's text", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "SELECT $1::int8", ParameterOIDs: []uint32{20}},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("1\xff")}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
			`ParseComplete ErrorResponse(22021 invalid byte sequence for encoding "UTF8": 0xff)`},
		{"NUL in text", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "INSERT INTO t (id, name) VALUES (10, $1)"},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("a\x00b")}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
			`ParseComplete ErrorResponse(22021 invalid byte sequence for encoding "UTF8": 0x00)`},
		{"portal name", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "SELECT 1"}, &pgproto3.Bind{DestinationPortal: bad}, &pgproto3.Sync{}},
			"ParseComplete " + refused},
		{"binary bytea is no text", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "SELECT length($1::bytea)", ParameterOIDs: []uint32{17}},
			&pgproto3.Bind{Parameters: [][]byte{[]byte(bad)}, ParameterFormatCodes: []int16{1}}, &pgproto3.Execute{}, &pgproto3.Sync{}},
			"ParseComplete BindComplete DataRow CommandComplete"},
	} {
		if got := send(tc.msgs...); got != tc.want {
			t.Fatalf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	// pgx, with a []byte argument.
	if _, err := c.Exec(bg, `INSERT INTO t (id, name) VALUES ($1, $2)`, 11, []byte(bad)); sqlState(err) != "22021" {
		t.Fatalf("pgx []byte argument: %v", err)
	}
	// Nothing of it was stored, and what is there is UTF-8.
	rows, err := c.Query(bg, `SELECT id, coalesce(name, '') FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil || !utf8.ValidString(name) {
			t.Fatalf("row %d: %q %v", id, name, err)
		}
		ids = append(ids, id)
	}
	if len(ids) != 1 || ids[0] != 1 {
		t.Fatalf("rows %v, want only 1", ids)
	}
	// A startup parameter.
	raw, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	rfe := pgproto3.NewFrontend(raw, raw)
	rfe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "driftdb", "database": "driftdb", "application_name": bad}})
	rfe.Flush()
	m, err := rfe.Receive()
	if e, ok := m.(*pgproto3.ErrorResponse); err != nil || !ok || e.Severity != "FATAL" || e.Code != "22021" || e.Message != msg {
		t.Fatalf("startup parameter: %#v %v", m, err)
	}
	ok, err := pgx.Connect(bg, s.url("application_name=caf%C3%A9"))
	if err != nil {
		t.Fatalf("a valid non-ASCII startup parameter: %v", err)
	}
	ok.Close(bg)
}
