// Command driftdb-pg serves a DriftDB data directory over the PostgreSQL
// wire protocol, so that psql, pgx, JDBC, psycopg, node-postgres and BI
// tools use it through their ordinary connectors.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/driftdb/driftdb/cmd/internal/bytesize"
	"github.com/driftdb/driftdb/cmd/internal/heapgov"
	"github.com/driftdb/driftdb/cmd/internal/openheap"
	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/pgwire"
	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/vindex"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// envName is the environment variable of a flag: DRIFTDB_ and the flag's
// name in capitals, dashes as underscores (DRIFTDB_DATA for -d).
func envName(flagName string) string {
	if flagName == "d" {
		return "DRIFTDB_DATA"
	}
	return "DRIFTDB_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

type options struct {
	data, listen, database, auth string
	user, password, usersFile    string
	tlsCert, tlsKey              string
	logFormat, logLevel          string
	maxConns                     int
	stmtTimeout, idleTimeout     time.Duration
	shutdownTimeout              time.Duration
	noSync                       bool
	pprof                        string
	snapshotEvents               int64
	snapshotBytes                bytesize.Size
	memoryLimit                  bytesize.Size
	cacheSize                    bytesize.Size
	spillAbove                   bytesize.Size
	versionIndex                 bool
	newestInIndex                bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("driftdb-pg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.data, "d", "./driftdb-data", "data directory, created if missing (DRIFTDB_DATA)")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:5433", "address to listen on (DRIFTDB_LISTEN)")
	fs.StringVar(&o.database, "database", "driftdb", "database name clients connect to (DRIFTDB_DATABASE)")
	fs.StringVar(&o.auth, "auth", "", "trust, scram-sha-256 or password (cleartext, TLS only); trust is the default on loopback only (DRIFTDB_AUTH)")
	fs.StringVar(&o.user, "user", "driftdb", "user for --password (DRIFTDB_USER)")
	fs.StringVar(&o.password, "password", "", "password of --user (DRIFTDB_PASSWORD)")
	fs.StringVar(&o.usersFile, "users-file", "", "file of user:password lines (DRIFTDB_USERS_FILE)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (DRIFTDB_TLS_CERT)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS key file (DRIFTDB_TLS_KEY)")
	fs.StringVar(&o.logFormat, "log-format", "", "text or json; text on a terminal by default (DRIFTDB_LOG_FORMAT)")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error (DRIFTDB_LOG_LEVEL)")
	fs.IntVar(&o.maxConns, "max-connections", 100, "most concurrent sessions (DRIFTDB_MAX_CONNECTIONS)")
	fs.DurationVar(&o.stmtTimeout, "statement-timeout", 0, "cancel statements running longer, 0 for none (DRIFTDB_STATEMENT_TIMEOUT)")
	fs.DurationVar(&o.idleTimeout, "idle-session-timeout", 0, "close sessions idle longer, 0 for never (DRIFTDB_IDLE_SESSION_TIMEOUT)")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long running statements may finish on SIGTERM (DRIFTDB_SHUTDOWN_TIMEOUT)")
	fs.BoolVar(&o.noSync, "unsafe-no-fsync", false, "UNSAFE bulk-load mode: acknowledge commits before fsync; a machine crash may lose them (DRIFTDB_UNSAFE_NO_FSYNC)")
	fs.StringVar(&o.pprof, "pprof", "", "serve Go's profiler (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060 (DRIFTDB_PPROF)")
	fs.Int64Var(&o.snapshotEvents, "snapshot-events", engine.DefaultSnapshotEvents, "snapshot a table automatically once this many events were written to it since its last snapshot, 0 for never (DRIFTDB_SNAPSHOT_EVENTS)")
	o.snapshotBytes = engine.DefaultSnapshotBytes
	fs.Var(&o.snapshotBytes, "snapshot-bytes", "snapshot a table automatically once this much log was written to it since its last snapshot (bytes, or with kB, MB, GB or TB), 0 for never (DRIFTDB_SNAPSHOT_BYTES)")
	fs.Var(&o.memoryLimit, "memory-limit", "a soft limit on the server's heap, as Go's GOMEMLIMIT (bytes, or with kB, MB, GB or TB): the garbage collector works harder as the heap nears it, trading throughput for memory; it does not bound the data itself (-spill-above does). 0 leaves it to GOMEMLIMIT (DRIFTDB_MEMORY_LIMIT)")
	o.cacheSize = engine.DefaultCacheSize
	fs.Var(&o.cacheSize, "cache-size", "memory for documents read back from the log, kept for the reads after, and with --version-index for the index's blocks, half each (bytes, or with kB, MB, GB or TB), 0 for no documents (DRIFTDB_CACHE_SIZE)")
	fs.BoolVar(&o.versionIndex, "version-index", true, "keep the version index on disk (DATA/vindex) once the data passes -spill-above: the snapshots put the tables' versions in it and the rows let them go from memory, read back from it by AS OF and history reads; false holds every version in memory (DRIFTDB_VERSION_INDEX)")
	fs.BoolVar(&o.newestInIndex, "newest-in-index", true, "with -version-index, a table that spills lets the index hold the document of its rows' newest versions too: less memory, slower reads of the present (docs/OPERATIONS.md) (DRIFTDB_NEWEST_IN_INDEX)")
	fs.Var(&o.spillAbove, "spill-above", "with -version-index, how large the log of the tables held in memory may grow (bytes, or with kB, MB, GB or TB) before they spill to the version index at their next snapshots: those with more than a sixteenth of it or the mean; 0 spills every table at its first; -cache-size by default (DRIFTDB_SPILL_ABOVE)")
	// The environment sets what the command line does not. Its values go
	// through the flags' own parsing: a bad one is an error, not ignored.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v, ok := os.LookupEnv(name); ok && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: invalid value for -%s: %w", name, v, f.Name, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	spillSet := false
	fs.Visit(func(f *flag.Flag) { spillSet = spillSet || f.Name == "spill-above" })
	if !spillSet {
		o.spillAbove = o.cacheSize
	}
	if o.snapshotEvents < 0 {
		return nil, fmt.Errorf("-snapshot-events: %d is negative (0 turns snapshots by event count off)", o.snapshotEvents)
	}
	return o, nil
}

// memoryLimit is the heap's soft limit in force, as a size, or "none".
func memoryLimit() string {
	n := debug.SetMemoryLimit(-1) // reads it
	if n == math.MaxInt64 {
		return "none"
	}
	b := bytesize.Size(n)
	return b.String()
}

// never maps a flag's 0 ("never") to the engine's negative threshold.
func never(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

func newLogger(o *options, stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	hopts := &slog.HandlerOptions{Level: level}
	format := o.logFormat
	if format == "" {
		format = "json"
		if f, ok := stderr.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, hopts)), nil
	}
	return nil, fmt.Errorf("unknown log format %q (text or json)", format)
}

// loadUsers reads a users file: one "user:password" a line, # comments.
func loadUsers(path string, into map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, p, ok := strings.Cut(line, ":")
		if !ok || u == "" {
			return fmt.Errorf("%s:%d: want user:password", path, n)
		}
		into[u] = p
	}
	return sc.Err()
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func run(args []string, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "driftdb-pg:", err)
		return 2
	}
	log, err := newLogger(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "driftdb-pg:", err)
		return 2
	}
	cfg := pgwire.Config{
		Database:           o.database,
		Auth:               o.auth,
		Users:              map[string]string{},
		MaxConnections:     o.maxConns,
		StatementTimeout:   o.stmtTimeout,
		IdleSessionTimeout: o.idleTimeout,
		Logger:             log,
	}
	if o.password != "" {
		cfg.Users[o.user] = o.password
	}
	if o.usersFile != "" {
		if err := loadUsers(o.usersFile, cfg.Users); err != nil {
			log.Error("cannot read users file", "err", err)
			return 2
		}
	}
	if cfg.Auth == "" {
		if !isLoopback(o.listen) {
			log.Error("listening beyond loopback needs an explicit --auth (scram-sha-256, or trust if you mean it)", "listen", o.listen)
			return 2
		}
		cfg.Auth = pgwire.AuthTrust
	}
	if o.tlsCert != "" || o.tlsKey != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			log.Error("cannot load TLS certificate", "err", err)
			return 2
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if o.memoryLimit > 0 {
		debug.SetMemoryLimit(int64(o.memoryLimit)) // before opening: loading counts too
	}
	// The index's block cache is C memory, allocated and freed by the
	// threads that read blocks: two arenas, and their free pages given
	// back every 10 s (vindex.TrimArenas).
	vindex.LimitArenas(2) // before those threads
	defer heapgov.Every(10*time.Second, vindex.TrimArenas)()
	restoreHeap := openheap.Relax()
	db, err := engine.Open(o.data, engine.Options{
		Logger:         log,
		Store:          store.Options{NoSync: o.noSync},
		SnapshotEvents: never(o.snapshotEvents),
		SnapshotBytes:  never(int64(o.snapshotBytes)),
		CacheSize:      never(int64(o.cacheSize)),
		VersionIndex:   o.versionIndex,
		NewestInIndex:  o.newestInIndex,
		SpillAbove:     int64(o.spillAbove),
		Extents:        true,
	})
	restoreHeap()
	if err != nil {
		log.Error("cannot open data directory", "dir", o.data, "err", err)
		return 1
	}
	// The governor starts once the tables are loaded: loading them is
	// the one time the heap only grows (openheap).
	var gov *heapgov.Governor
	if heapgov.Free(o.memoryLimit != 0) {
		gov = heapgov.Start(heapgov.Floor(int64(o.cacheSize)), time.Second)
		defer gov.Stop()
	}
	// Opening decoded the snapshots and the log: the memory it used only
	// while loading goes back to the system now, rather than staying with
	// the process until its heap grows that far again. The collection
	// runs beside the server, which does not wait for it.
	go debug.FreeOSMemory()
	srv, err := pgwire.NewServer(db, cfg)
	if err != nil {
		db.Close()
		log.Error("bad configuration", "err", err)
		return 2
	}
	// Every connection takes a file descriptor: the limit must hold them
	// all, and the store's files, so that the connection cap is reached
	// first.
	fdLimit, err := raiseFileLimit()
	if err == nil {
		err = checkDescriptors(fdLimit, o.maxConns, cfg.Sockets(), len(db.View().Tables()), db.Store().Segments())
	}
	if err != nil {
		db.Close()
		log.Error("too few file descriptors", "err", err)
		return 2
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		db.Close()
		log.Error("cannot listen", "addr", o.listen, "err", err)
		return 1
	}
	log.Info("driftdb-pg serving", "addr", ln.Addr().String(), "data", o.data, "database", cfg.Database,
		"auth", cfg.Auth, "tls", cfg.TLS != nil, "unsafe_no_fsync", o.noSync,
		"max_connections", o.maxConns, "open_files_limit", fdLimit, "memory_limit", memoryLimit(),
		"heap_governor", gov != nil, "cache_size", o.cacheSize.String(), "version_index", o.versionIndex,
		"spill_above", o.spillAbove.String())
	if o.pprof != "" {
		if err := serveProfiler(o.pprof, log); err != nil {
			ln.Close()
			db.Close()
			log.Error("cannot serve the profiler", "addr", o.pprof, "err", err)
			return 2
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	status := 0
	select {
	case sig := <-sigs:
		log.Info("shutting down", "signal", sig.String())
	case err := <-served:
		if err != nil {
			log.Error("serve failed", "err", err)
			status = 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("statements still running at the shutdown deadline were cancelled")
	}
	cancel()
	if err := db.Close(); err != nil {
		log.Error("close failed", "err", err)
		return 1
	}
	log.Info("stopped; everything is durable and the lock is released")
	return status
}
