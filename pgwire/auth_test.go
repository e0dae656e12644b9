package pgwire

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"

	"github.com/driftdb/driftdb/engine"
)

// testServer serves a new database with cfg on a loopback port until the
// test ends.
func testServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	db, err := engine.Open(t.TempDir(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		db.Close()
	})
	return srv, ln.Addr().String()
}

// BenchmarkBareStartup is a client that sends a startup packet, gets the
// server's SCRAM challenge and goes away: what the server spends on a
// connection before the client has proven anything.
func BenchmarkBareStartup(b *testing.B) {
	_, addr := testServer(b, Config{Auth: AuthSCRAM, Users: map[string]string{"driftdb": "secret"}})
	for _, user := range []string{"driftdb", "nobody"} {
		b.Run(user, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				nc, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				fe := pgproto3.NewFrontend(nc, nc)
				fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
					Parameters: map[string]string{"user": user, "database": "driftdb"}})
				fe.Flush()
				m, err := fe.Receive()
				if _, ok := m.(*pgproto3.AuthenticationSASL); !ok || err != nil {
					b.Fatalf("%T %v", m, err)
				}
				nc.Close()
			}
		})
	}
}

// scramSalt runs a SCRAM exchange for user with a wrong password and
// returns the salt the server gave and its final answer's SQLSTATE.
func scramSalt(t *testing.T, addr, user string) (string, string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": user, "database": "driftdb"}})
	fe.Flush()
	if m, err := fe.Receive(); err != nil {
		t.Fatal(err)
	} else if _, ok := m.(*pgproto3.AuthenticationSASL); !ok {
		t.Fatalf("%s: %T before any password, want AuthenticationSASL", user, m)
	}
	client, err := scram.SHA256.NewClient("", "wrong", "")
	if err != nil {
		t.Fatal(err)
	}
	conv := client.NewConversation()
	first, _ := conv.Step("")
	fe.Send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte(first)})
	fe.Flush()
	m, err := fe.Receive()
	cont, ok := m.(*pgproto3.AuthenticationSASLContinue)
	if err != nil || !ok {
		t.Fatalf("%s: %T %v, want AuthenticationSASLContinue", user, m, err)
	}
	var salt string
	for _, f := range strings.Split(string(cont.Data), ",") {
		if v, ok := strings.CutPrefix(f, "s="); ok {
			salt = v
		}
	}
	final, err := conv.Step(string(cont.Data))
	if err != nil {
		t.Fatal(err)
	}
	fe.Send(&pgproto3.SASLResponse{Data: []byte(final)})
	fe.Flush()
	m, err = fe.Receive()
	e, ok := m.(*pgproto3.ErrorResponse)
	if err != nil || !ok {
		t.Fatalf("%s: %T %v, want an error", user, m, err)
	}
	return salt, e.Code
}

// TestSCRAMUnknownUser: an unknown user goes through the same exchange as
// a known one with a wrong password: a salt that stays the same from one
// attempt to the next, then 28P01.
func TestSCRAMUnknownUser(t *testing.T) {
	_, addr := testServer(t, Config{Auth: AuthSCRAM, Users: map[string]string{"alice": "secret"}})
	salts := map[string]string{}
	for range 2 {
		for _, user := range []string{"alice", "nobody", "nobody2"} {
			salt, code := scramSalt(t, addr, user)
			if code != "28P01" || salt == "" {
				t.Fatalf("%s: salt %q, %s", user, salt, code)
			}
			if old, ok := salts[user]; ok && old != salt {
				t.Fatalf("%s: salt %q, then %q", user, old, salt)
			}
			salts[user] = salt
		}
	}
	if salts["nobody"] == salts["nobody2"] || salts["nobody"] == salts["alice"] {
		t.Fatalf("salts shared between users: %v", salts)
	}
}
