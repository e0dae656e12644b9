package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A system is one database under test, reached by pgbench and pgx.
type system struct {
	name     string // "driftdb" or "postgresql"
	host     string
	port     string
	user, db string
	dataDir  string
	conn     *pgx.Conn
	stop     func()
	// pid is the server's process (DriftDB's; PostgreSQL's is many).
	pid int
	// ready is how long the server took from its start to take a
	// connection.
	ready time.Duration
}

// rssMB returns the resident memory of the server process in MiB.
func (s *system) rssMB() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", s.pid)
}

func (s *system) url() string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", s.user, net.JoinHostPort(s.host, s.port), s.db)
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

func (s *system) connect(ctx context.Context, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		c, err := pgx.Connect(ctx, s.url())
		if err == nil {
			s.conn = c
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startDriftDB(ctx context.Context, cfg config) (*system, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &system{name: "driftdb", host: "127.0.0.1", port: port, user: "driftdb", db: "driftdb",
		dataDir: filepath.Join(cfg.scratch, "driftdb")}
	var logs bytes.Buffer
	cmd := exec.Command(cfg.server, "-d", s.dataDir, "-listen", net.JoinHostPort(s.host, port),
		"-log-level", "warn", "-log-format", "text", "-max-connections", "200")
	cmd.Stderr = &logs
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.pid = cmd.Process.Pid
	s.stop = func() {
		if s.conn != nil {
			s.conn.Close(context.Background())
		}
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	if err := s.connect(ctx, 120*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("did not come up: %w\n%s", err, logs.String())
	}
	s.ready = time.Since(started)
	return s, nil
}

// startPostgres creates a cluster with initdb's defaults (fsync and
// synchronous_commit on) in the scratch directory and starts it on a free
// loopback port. As root it runs the server as the postgres user.
func startPostgres(ctx context.Context, cfg config) (*system, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.scratch, "postgres")
	s := &system{name: "postgresql", host: "127.0.0.1", port: port, user: "postgres", db: "postgres", dataDir: dir}
	asPostgres := func(name string, args ...string) *exec.Cmd {
		if os.Geteuid() == 0 {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
		}
		return exec.Command(name, args...)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(cfg.scratch, 0o755); err != nil {
			return nil, err
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	initdb := asPostgres(filepath.Join(cfg.pgBin, "initdb"), "-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	pgctl := filepath.Join(cfg.pgBin, "pg_ctl")
	start := asPostgres(pgctl, "-D", dir, "-l", filepath.Join(dir, "server.log"), "-w",
		"-o", fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1", port, dir), "start")
	if out, err := start.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		return nil, fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	s.stop = func() {
		if s.conn != nil {
			s.conn.Close(context.Background())
		}
		asPostgres(pgctl, "-D", dir, "-m", "fast", "-w", "stop").Run()
	}
	if err := s.connect(ctx, 20*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *system) scalar(ctx context.Context, sql string) (string, error) {
	var v any
	if err := s.conn.QueryRow(ctx, sql).Scan(&v); err != nil {
		return "", err
	}
	return fmt.Sprint(v), nil
}

// seq returns the newest seq DriftDB has committed to users.
func (s *system) seq(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn.QueryRow(ctx, "SELECT max(_seq) FROM users").Scan(&n)
	return n, err
}

var schema = []string{
	`CREATE TABLE users (id int8 PRIMARY KEY, email text NOT NULL, status text NOT NULL, amount int8 NOT NULL)`,
	`CREATE INDEX users_status ON users (status)`,
	`CREATE TABLE orders (id int8 PRIMARY KEY, user_id int8 NOT NULL, status text NOT NULL, amount int8 NOT NULL)`,
	`CREATE INDEX orders_status ON orders (status)`,
	`CREATE TABLE bulk (id int8 PRIMARY KEY, email text NOT NULL, status text NOT NULL, amount int8 NOT NULL)`,
	`CREATE INDEX bulk_status ON bulk (status)`,
	`CREATE TABLE copied (id int8 PRIMARY KEY, email text NOT NULL, status text NOT NULL, amount int8 NOT NULL, note text)`,
	`CREATE INDEX copied_status ON copied (status)`,
}

// load creates the tables and fills users: cfg.rows rows, each status
// shared by about 10 of them.
func (s *system) load(ctx context.Context, cfg config) error {
	for _, q := range schema {
		if _, err := s.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	var b strings.Builder
	for lo := 1; lo <= cfg.rows; lo += 1000 {
		b.Reset()
		b.WriteString("INSERT INTO users (id, email, status, amount) VALUES ")
		for id := lo; id < lo+1000 && id <= cfg.rows; id++ {
			if id > lo {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d, 'user%d@example.com', 'status-%d', %d)", id, id, id%cfg.statuses, id*7%100_000)
		}
		if _, err := s.conn.Exec(ctx, b.String()); err != nil {
			return err
		}
	}
	if s.name == "postgresql" {
		for _, q := range []string{"VACUUM ANALYZE", "CHECKPOINT"} {
			if _, err := s.conn.Exec(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}

// history updates every user cfg.history times, a transaction per 1,000
// updates, so that each key has that many versions.
func (s *system) history(ctx context.Context, cfg config) error {
	for round := 1; round <= cfg.history; round++ {
		for lo := 1; lo <= cfg.rows; lo += 1000 {
			batch := &pgx.Batch{}
			for id := lo; id < lo+1000 && id <= cfg.rows; id++ {
				batch.Queue("UPDATE users SET amount = $1 WHERE id = $2", int64(round*100_000+id), int64(id))
			}
			if err := s.inTxn(ctx, batch); err != nil {
				return err
			}
		}
	}
	return nil
}

// bulkLoad inserts rows into bulk, txn rows per transaction, each row its
// own INSERT statement, pipelined.
func (s *system) bulkLoad(ctx context.Context, rows, txn int) error {
	for lo := 1; lo <= rows; lo += txn {
		batch := &pgx.Batch{}
		for id := lo; id < lo+txn && id <= rows; id++ {
			batch.Queue("INSERT INTO bulk (id, email, status, amount) VALUES ($1, $2, $3, $4)",
				int64(id), fmt.Sprintf("user%d@example.com", id), fmt.Sprintf("status-%d", id%(rows/10)), int64(id*7%100_000))
		}
		if err := s.inTxn(ctx, batch); err != nil {
			return err
		}
	}
	if s.name == "postgresql" {
		_, err := s.conn.Exec(ctx, "VACUUM ANALYZE bulk")
		return err
	}
	return nil
}

// copyData is the csv the COPY load sends: rows of about 160 bytes, the
// statuses shared by about ten rows each and in no order.
func copyData(rows int) []byte {
	var b bytes.Buffer
	note := strings.Repeat("n", 100)
	for id := 1; id <= rows; id++ {
		fmt.Fprintf(&b, "%d,user%d@example.com,status-%d,%d,%s\n", id, id, id*7919%max(rows/10, 1), id*7%100_000, note)
	}
	return b.Bytes()
}

// copyLoad sends data by COPY FROM STDIN into copied and returns how long
// the statement took, to its reply.
func (s *system) copyLoad(ctx context.Context, data []byte, rows int) (float64, error) {
	start := time.Now()
	tag, err := s.conn.PgConn().CopyFrom(ctx, bytes.NewReader(data), "COPY copied FROM STDIN WITH (FORMAT csv)")
	secs := time.Since(start).Seconds()
	if err != nil {
		return 0, err
	}
	if tag.RowsAffected() != int64(rows) {
		return 0, fmt.Errorf("COPY %d, want %d rows", tag.RowsAffected(), rows)
	}
	return secs, nil
}

func (s *system) inTxn(ctx context.Context, batch *pgx.Batch) error {
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return err
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

// tableBytes is what a table takes on disk with its indexes: for
// PostgreSQL its relation, indexes and TOAST (not its share of the WAL);
// for DriftDB its segments (the log, which is the data), index checkpoints
// and meta.json. snapshots is what DriftDB's snapshots add on top: state
// checkpoints that make opening fast, derived from the log.
func (s *system) tableBytes(ctx context.Context, table string) (data, snapshots int64, err error) {
	if s.name == "postgresql" {
		err := s.conn.QueryRow(ctx, "SELECT pg_total_relation_size($1)", table).Scan(&data)
		return data, 0, err
	}
	dir := filepath.Join(s.dataDir, "tables", table)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(dir, path); strings.HasPrefix(rel, "snapshots"+string(filepath.Separator)) {
			snapshots += info.Size()
		} else {
			data += info.Size()
		}
		return nil
	})
	return data, snapshots, err
}

var (
	tpsRe    = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	doneRe   = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
	failedRe = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
)

// pgbench runs one workload against s and reads its throughput from
// pgbench's report and its latencies from pgbench's transaction log.
func (s *system) pgbench(ctx context.Context, cfg config, w workload, vars map[string]string) (*measurement, error) {
	logDir, err := os.MkdirTemp(cfg.scratch, "log-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(logDir)
	args := []string{"-n", "-h", s.host, "-p", s.port, "-U", s.user,
		"-c", fmt.Sprint(w.Clients), "-j", "2", "-T", fmt.Sprint(int(cfg.duration.Seconds())),
		"-M", w.Mode, "-l", "--log-prefix", filepath.Join(logDir, "tx")}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		args = append(args, "-D", k+"="+vars[k])
	}
	for _, sc := range w.Scripts {
		name, weight, _ := strings.Cut(sc, "@")
		path := filepath.Join(cfg.benchDir, name+"."+s.name+".sql")
		if _, err := os.Stat(path); err != nil {
			path = filepath.Join(cfg.benchDir, name+".sql")
		}
		if weight != "" {
			path += "@" + weight
		}
		args = append(args, "-f", path)
	}
	args = append(args, s.db)
	cmd := exec.CommandContext(ctx, "pgbench", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pgbench %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), tail(stderr.String(), 2000))
	}
	m := &measurement{}
	report := stdout.String()
	match := tpsRe.FindStringSubmatch(report)
	if match == nil {
		return nil, fmt.Errorf("no tps in pgbench output:\n%s", report)
	}
	m.TPS, _ = strconv.ParseFloat(match[1], 64)
	if match := doneRe.FindStringSubmatch(report); match != nil {
		m.Count, _ = strconv.Atoi(match[1])
	}
	if match := failedRe.FindStringSubmatch(report); match != nil {
		m.Failed, _ = strconv.Atoi(match[1])
	}
	if m.Failed > 0 || strings.Contains(stderr.String(), "aborted") {
		return nil, fmt.Errorf("pgbench reported errors:\n%s%s", report, tail(stderr.String(), 2000))
	}
	lat, err := readLatencies(logDir)
	if err != nil {
		return nil, err
	}
	if len(lat) == 0 {
		return nil, errors.New("pgbench logged no transactions")
	}
	slices.Sort(lat)
	m.P50ms = float64(lat[len(lat)/2]) / 1000
	m.P99ms = float64(lat[len(lat)*99/100]) / 1000
	return m, nil
}

// readLatencies reads the latency (µs, the third field) of every
// transaction of pgbench's per-thread log files.
func readLatencies(dir string) ([]int64, error) {
	files, err := filepath.Glob(filepath.Join(dir, "tx.*"))
	if err != nil {
		return nil, err
	}
	var lat []int64
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			if us, err := strconv.ParseInt(fields[2], 10, 64); err == nil {
				lat = append(lat, us)
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return lat, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
