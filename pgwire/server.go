package pgwire

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql"
)

// Auth methods.
const (
	AuthTrust    = "trust"
	AuthSCRAM    = "scram-sha-256"
	AuthPassword = "password" // cleartext, only over TLS
)

// Config configures a Server.
type Config struct {
	Database string            // the one database name; default "driftdb"
	Auth     string            // trust (default), scram-sha-256 or password
	Users    map[string]string // user -> password, for scram-sha-256 and password
	// TLS enables SSLRequest upgrades; nil answers 'N'.
	TLS *tls.Config
	// MaxConnections bounds concurrent sessions (default 100); one more
	// gets 53300. The server keeps at most MaxConnections+SpareSockets
	// sockets open (see Sockets): past that it accepts no more until one
	// closes, and new clients wait in the listen backlog.
	MaxConnections int
	// MaxMessageSize bounds a message body after authentication (default
	// 64 MiB); before it the bound is 16 KiB.
	MaxMessageSize int
	// StatementTimeout cancels statements running longer (0: none; the
	// session's statement_timeout setting can set one too).
	StatementTimeout time.Duration
	// IdleSessionTimeout closes sessions idle longer (0: none).
	IdleSessionTimeout time.Duration
	Logger             *slog.Logger
}

// EnsureDefaults fills unset fields.
func (c *Config) EnsureDefaults() {
	if c.Database == "" {
		c.Database = "driftdb"
	}
	if c.Auth == "" {
		c.Auth = AuthTrust
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = 100
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = 64 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports settings that cannot work.
func (c *Config) Validate() error {
	switch c.Auth {
	case AuthTrust:
	case AuthSCRAM, AuthPassword:
		if len(c.Users) == 0 {
			return fmt.Errorf("pgwire: auth %s needs at least one user with a password", c.Auth)
		}
		if c.Auth == AuthPassword && c.TLS == nil {
			return errors.New("pgwire: cleartext password authentication needs TLS")
		}
	default:
		return fmt.Errorf("pgwire: unknown auth method %q (trust, scram-sha-256, password)", c.Auth)
	}
	if c.MaxConnections < 1 {
		return errors.New("pgwire: max connections must be at least 1")
	}
	return nil
}

// preAuthMaxBody bounds messages before authentication.
const preAuthMaxBody = 16 << 10

// SpareSockets is how many sockets the server keeps open beyond
// MaxConnections: connections in their startup, clients told 53300 when
// every session is taken, and CancelRequests, which must get through when
// the sessions are all busy.
const SpareSockets = 16

// Sockets is the most sockets a server with this configuration keeps
// open: the file descriptors its connections can take.
func (c *Config) Sockets() int {
	n := c.MaxConnections
	if n == 0 {
		n = 100
	}
	return n + SpareSockets
}

// Accept backs off after a failure that a retry may overcome (out of file
// descriptors or buffers, a connection aborted before it was accepted),
// from acceptDelayMin doubling to acceptDelayMax, as net/http does.
const (
	acceptDelayMin = 5 * time.Millisecond
	acceptDelayMax = time.Second
	// acceptLogEvery bounds how often such failures are logged.
	acceptLogEvery = 10 * time.Second
)

// Server serves one database over the PostgreSQL protocol.
type Server struct {
	db  *engine.DB
	cfg Config
	log *slog.Logger

	// cache holds parsed statements of the simple protocol, shared by
	// every session.
	cache *sql.StmtCache
	// verifiers are the users' SCRAM verifiers (scram-sha-256 only).
	verifiers *verifiers
	// logins slows down failed logins per client address.
	logins *loginThrottle

	// sockets holds a token for each socket open: Serve takes one before
	// it accepts, a connection gives it back when it closes.
	sockets chan struct{}

	mu       sync.Mutex
	conns    map[uint32]*conn // by process id
	ln       []net.Listener
	closing  bool
	nextPID  atomic.Uint32
	wg       sync.WaitGroup
	shutdown chan struct{}
}

// NewServer returns a server for db.
func NewServer(db *engine.DB, cfg Config) (*Server, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{db: db, cfg: cfg, log: cfg.Logger, conns: map[uint32]*conn{}, shutdown: make(chan struct{}),
		cache: sql.NewStmtCache(4096), sockets: make(chan struct{}, cfg.Sockets()), logins: newLoginThrottle()}
	s.nextPID.Store(uint32(os.Getpid()) << 8)
	if cfg.Auth == AuthSCRAM {
		var err error
		if s.verifiers, err = newVerifiers(cfg.Users); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Serve accepts connections on l until Shutdown. A failure to accept that
// may pass (no file descriptor or buffer left, a connection aborted
// early) is logged and retried after a pause, as net/http does: it never
// ends Serve. With Config.Sockets sockets open, Serve waits for one to
// close before it accepts again.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return net.ErrClosed
	}
	s.ln = append(s.ln, l)
	s.mu.Unlock()
	var (
		delay   time.Duration // the pause after the last failure; 0 after a success
		logged  time.Time     // when a failure was last logged
		skipped int           // failures not logged since
	)
	for {
		select {
		case s.sockets <- struct{}{}:
		case <-s.shutdown:
			return nil
		}
		nc, err := l.Accept()
		if err != nil {
			<-s.sockets
			select {
			case <-s.shutdown:
				return nil
			default:
			}
			if !retryAccept(err) {
				return err
			}
			delay = min(max(2*delay, acceptDelayMin), acceptDelayMax)
			if now := time.Now(); now.Sub(logged) >= acceptLogEvery {
				s.log.Error("accept failed; retrying", "err", err, "retry_in", delay, "failures_not_logged", skipped)
				logged, skipped = now, 0
			} else {
				skipped++
			}
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-s.shutdown:
				t.Stop()
				return nil
			}
			continue
		}
		delay = 0
		s.wg.Add(1)
		go func() {
			defer func() {
				<-s.sockets
				s.wg.Done()
			}()
			s.handle(nc)
		}()
	}
}

// retryAccept reports whether an accept failure may pass: the process or
// the system is out of file descriptors or memory for sockets, a client
// gave up before its connection was accepted, or a timeout.
func retryAccept(err error) bool {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EPROTO, syscall.EPERM, syscall.EINTR, syscall.EAGAIN} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Shutdown stops accepting, lets running statements finish until ctx ends,
// then closes every connection.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		close(s.shutdown)
		for _, l := range s.ln {
			l.Close()
		}
	}
	for _, c := range s.conns {
		c.closeWhenIdle()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for _, c := range s.conns {
			c.cancelRunning()
			c.nc.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// register adds a connection and gives it a process id and secret key;
// it reports false when the server is full or closing.
func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || len(s.conns) >= s.cfg.MaxConnections {
		return false
	}
	c.pid = s.nextPID.Add(1)
	c.secret = make([]byte, 4)
	rand.Read(c.secret)
	s.conns[c.pid] = c
	return true
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.conns, c.pid)
	s.mu.Unlock()
}

// cancel handles a CancelRequest: it cancels the running statement of the
// connection whose key matches.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c != nil && len(secret) == len(c.secret) && string(secret) == string(c.secret) {
		c.cancelRunning()
	}
}

// handle runs one connection from startup to close, recovering from any
// panic so that one client never takes the server down.
// panicMessage is logged when a connection's goroutine panics: the
// connection is closed and every other goes on.
const panicMessage = "connection panicked; closing it"

func (s *Server) handle(nc net.Conn) {
	c := &conn{srv: s, nc: nc, log: s.log.With("remote", nc.RemoteAddr().String())}
	defer func() {
		if r := recover(); r != nil {
			c.log.Error(panicMessage, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
		c.close()
	}()
	c.serve()
}

// splitOptions parses the startup "options" parameter: "-c name=value"
// and "--name=value" items.
func splitOptions(opts string) map[string]string {
	out := map[string]string{}
	fields := strings.Fields(opts)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch {
		case f == "-c" && i+1 < len(fields):
			i++
			f = fields[i]
		case strings.HasPrefix(f, "-c"):
			f = f[2:]
		case strings.HasPrefix(f, "--"):
			f = f[2:]
		default:
			continue
		}
		if k, v, ok := strings.Cut(f, "="); ok {
			out[strings.ToLower(strings.ReplaceAll(k, "-", "_"))] = v
		}
	}
	return out
}
