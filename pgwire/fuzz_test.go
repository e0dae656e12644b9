package pgwire

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/engine"
)

// startupBytes is a valid StartupMessage for user and database driftdb.
func startupBytes() []byte {
	b, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "driftdb", "database": "driftdb"}}).Encode(nil)
	return b
}

func msg(typ byte, body []byte) []byte {
	out := []byte{typ}
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)+4))
	return append(out, body...)
}

// FuzzConn feeds random bytes to a session after a valid startup through
// net.Pipe: the server must neither panic nor hang, and must answer or
// close.
func FuzzConn(f *testing.F) {
	f.Add(msg('Q', []byte("SELECT 1\x00")))
	f.Add(msg('Q', []byte("CREATE TABLE t (pk=id); INSERT INTO t {\"id\": 1}; SELECT * FROM t\x00")))
	f.Add(msg('P', []byte("\x00SELECT $1::int8\x00\x00\x00")))
	f.Add(append(msg('B', []byte("\x00\x00\x00\x00\x00\x01\xff\xff\xff\xfb\x00\x00")), msg('S', nil)...))
	f.Add([]byte{'X', 0, 0, 0, 4})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	db, err := engine.Open(f.TempDir(), engine.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	srv, err := NewServer(db, Config{MaxMessageSize: 1 << 16})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.handle(server)
		}()
		client.SetDeadline(time.Now().Add(5 * time.Second))
		go func() {
			client.Write(startupBytes())
			client.Write(data)
			// Make sure the session ends: Terminate after the input.
			client.Write([]byte{'X', 0, 0, 0, 4})
		}()
		io.Copy(io.Discard, client)
		client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("session did not end")
		}
	})
}
