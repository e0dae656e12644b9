package pgwire

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
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

// FuzzConn feeds random bytes to a session after a valid startup: the
// server must neither panic nor hang, and must end the session when its
// input ends, however the input breaks off.
func FuzzConn(f *testing.F) {
	f.Add(msg('Q', []byte("SELECT 1\x00")))
	f.Add(msg('Q', []byte("CREATE TABLE t (pk=id); INSERT INTO t {\"id\": 1}; SELECT * FROM t\x00")))
	f.Add(msg('P', []byte("\x00SELECT $1::int8\x00\x00\x00")))
	f.Add([]byte{'X', 0, 0, 0, 4})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	dir, err := os.MkdirTemp("", "driftdb-fuzzconn-")
	if err != nil {
		f.Fatal(err)
	}
	defer os.RemoveAll(dir) // not f.TempDir: fuzzing workers end without its cleanup
	db, err := engine.Open(dir, engine.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	// The server recovers a connection's panic so that the others go on;
	// the fuzzer must still see it: it is logged, and the log fails the run.
	panics := &panicLog{}
	srv, err := NewServer(db, Config{MaxMessageSize: 1 << 16, Logger: slog.New(panics)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		in := append(startupBytes(), data...)
		in = append(in, 'X', 0, 0, 0, 4) // Terminate, unless data left a message open
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.handle(&inputConn{r: bytes.NewReader(in)})
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("session did not end at the end of its input")
		}
		if p := panics.take(); p != "" {
			t.Fatalf("the session panicked: %s", p)
		}
	})
}

// panicLog is a log handler that keeps what the server logs of a
// connection's panic.
type panicLog struct {
	mu  sync.Mutex
	got []string
}

func (h *panicLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *panicLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *panicLog) WithGroup(string) slog.Handler            { return h }

func (h *panicLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != panicMessage {
		return nil
	}
	var b strings.Builder
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, "%s: %v\n", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	h.got = append(h.got, b.String())
	h.mu.Unlock()
	return nil
}

// take returns and forgets what was logged.
func (h *panicLog) take() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := strings.Join(h.got, "\n")
	h.got = nil
	return s
}

// inputConn is a connection whose client sends a fixed input, then closes;
// what the server writes is dropped.
type inputConn struct{ r io.Reader }

func (c *inputConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *inputConn) Write(p []byte) (int, error) { return len(p), nil }
func (c *inputConn) Close() error                { return nil }
func (c *inputConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5433} }
func (c *inputConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (c *inputConn) SetDeadline(time.Time) error      { return nil }
func (c *inputConn) SetReadDeadline(time.Time) error  { return nil }
func (c *inputConn) SetWriteDeadline(time.Time) error { return nil }
