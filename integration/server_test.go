package integration

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/goleak"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/pgwire"
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range []string{binDir, javaDir} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// server is a driftdb-pg server on a free loopback port.
type server struct {
	addr string
	dir  string
	db   *engine.DB
	srv  *pgwire.Server
}

// startServer starts a server on a new data directory; it stops when the
// test ends.
func startServer(t testing.TB, cfg pgwire.Config) *server {
	t.Helper()
	return startServerOn(t, cfg, t.TempDir(), engine.Options{})
}

// startServerOn starts a server on the database in dir, opened with opts
// (a file system of the test's choice, say); it stops when the test ends.
func startServerOn(t testing.TB, cfg pgwire.Config, dir string, opts engine.Options) *server {
	t.Helper()
	s, _ := startStoppableOn(t, cfg, dir, opts)
	return s
}

// startStoppableOn is startServerOn with a stop function, for a test that
// stops the server itself (to start another on the same directory); the
// end of the test stops it too if the test did not.
func startStoppableOn(t testing.TB, cfg pgwire.Config, dir string, opts engine.Options) (*server, func()) {
	t.Helper()
	db, err := engine.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pgwire.NewServer(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
			<-done
			db.Close()
		})
	}
	t.Cleanup(stop)
	return &server{addr: ln.Addr().String(), dir: dir, db: db, srv: srv}, stop
}

func (s *server) url(extra string) string {
	host, port, _ := net.SplitHostPort(s.addr)
	u := fmt.Sprintf("postgres://driftdb@%s:%s/driftdb?sslmode=disable", host, port)
	if extra != "" {
		u += "&" + extra
	}
	return u
}

func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// sqlState returns the SQLSTATE of a server error.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func mustExec(t testing.TB, c *pgx.Conn, sql string, args ...any) pgconn.CommandTag {
	t.Helper()
	tag, err := c.Exec(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return tag
}

func pgwireConfigDefault() pgwire.Config { return pgwire.Config{} }
