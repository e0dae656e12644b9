// Command pgrace races driftdb-pg against a throwaway PostgreSQL cluster on
// the same machine: it starts both, loads the same data into each, drives
// them in turn with pgbench and the scripts in bench/, and prints a table of
// throughput and latency. The results are also written as JSON and as a PNG
// chart under bench/results/.
//
//	make bench-pg BENCH_PG_FLAGS='-T 5s -rounds 3 -rows 100000 -bulk 1000000 -history 10'
//
// It runs from the repository's top directory (bench/ is a module of its
// own, so that the chart's library stays out of the server's go.mod).
//
// It needs pgbench and PostgreSQL 15's initdb and pg_ctl. Run as root, it
// runs the PostgreSQL server as the postgres user, which it must be able to.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("pgrace: ")
	cfg := config{}
	flag.DurationVar(&cfg.duration, "T", 5*time.Second, "length of each pgbench run")
	flag.IntVar(&cfg.rounds, "rounds", 3, "runs of each workload per system, in turn; the median counts")
	flag.IntVar(&cfg.rows, "rows", 100_000, "rows of the users table")
	flag.IntVar(&cfg.bulk, "bulk", 1_000_000, "rows of the bulk load, 0 to skip it")
	flag.IntVar(&cfg.copyRows, "copy", 1_000_000, "rows of the COPY load, 0 to skip it")
	flag.IntVar(&cfg.history, "history", 10, "updates per user before the AS OF workload, 0 to skip it")
	flag.DurationVar(&cfg.settle, "settle", 5*time.Minute, "longest wait for the machine to settle (processors 90% idle over 2s) before the measurements after a load or a restart, 0 not to wait")
	flag.StringVar(&cfg.only, "only", "", "comma-separated workload names to run (default all)")
	flag.StringVar(&cfg.benchDir, "dir", "bench", "directory of the pgbench scripts")
	flag.StringVar(&cfg.outDir, "out", "bench/results", "directory for the JSON and PNG results")
	flag.StringVar(&cfg.server, "server", "bin/driftdb-pg", "driftdb-pg binary")
	flag.StringVar(&cfg.pgBin, "pgbin", "/usr/lib/postgresql/15/bin", "directory of initdb and pg_ctl")
	flag.Parse()
	// An interrupt, or a reader of the output that went away, stops the
	// race: the servers are stopped and their directories removed on the
	// way out. A second interrupt kills at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, cfg, os.Stdout)
	stop()
	if err != nil {
		log.Fatal(err)
	}
}

type config struct {
	duration            time.Duration
	rows, bulk, history int
	copyRows            int
	rounds              int
	only                string
	benchDir, outDir    string
	server, pgBin       string
	statuses            int
	scratch             string
	settle              time.Duration
}

// A workload is one line of the table: a pgbench invocation run against
// each system, or against DriftDB alone.
type workload struct {
	Name    string `json:"name"`
	Clients int    `json:"clients"`
	Mode    string `json:"mode"` // simple or prepared
	// Scripts are pgbench -f arguments (name[@weight]); a system runs
	// name.<system>.sql instead of name.sql where the syntax differs.
	Scripts []string `json:"scripts"`
	// Baseline names the workload a DriftDB-only one is compared to.
	Baseline string `json:"baseline,omitempty"`
	write    bool
}

// A measurement is what one pgbench run reported.
type measurement struct {
	TPS    float64 `json:"tps"`
	P50ms  float64 `json:"p50_ms"`
	P99ms  float64 `json:"p99_ms"`
	Count  int     `json:"transactions"`
	Failed int     `json:"failed"`
	// Rounds is the tps of every round; the other fields are the median
	// round's.
	Rounds []float64 `json:"rounds_tps,omitempty"`
}

type result struct {
	workload
	DriftDB    *measurement `json:"driftdb"`
	PostgreSQL *measurement `json:"postgresql,omitempty"`
	Base       *measurement `json:"baseline_driftdb,omitempty"`
	Ratio      float64      `json:"ratio"`
}

type bulkResult struct {
	Rows           int     `json:"rows"`
	TxnSize        int     `json:"rows_per_transaction"`
	DriftDBSeconds float64 `json:"driftdb_seconds"`
	PGSeconds      float64 `json:"postgresql_seconds"`
	DriftDBBytes   int64   `json:"driftdb_bytes"`
	DriftDBSnaps   int64   `json:"driftdb_snapshot_bytes"`
	PGBytes        int64   `json:"postgresql_bytes"`
}

// copyResult is a COPY FROM STDIN (csv) of rows into an empty table with
// a primary key and a secondary index, one statement on each system.
type copyResult struct {
	Rows           int     `json:"rows"`
	DriftDBSeconds float64 `json:"driftdb_seconds"`
	PGSeconds      float64 `json:"postgresql_seconds"`
	Ratio          float64 `json:"ratio"` // DriftDB's rows/s over PostgreSQL's
}

type report struct {
	Started  time.Time     `json:"started"`
	Duration string        `json:"duration_per_run"`
	Rows     int           `json:"rows"`
	Machine  string        `json:"machine"`
	Results  []result      `json:"results"`
	Bulk     *bulkResult   `json:"bulk,omitempty"`
	Copy     *copyResult   `json:"copy,omitempty"`
	Memory   *memoryResult `json:"memory,omitempty"`
	Versions versionsInfo  `json:"versions"`
	// Settled lists the waits for the machine to settle (settle.go).
	Settled []settled `json:"settled,omitempty"`
}

// memoryResult is DriftDB's memory and opening with the history the AS OF
// race wrote: the server's resident memory while it serves, then, after a
// clean restart, how long it took to take a connection, its memory then,
// and after a count(*) and a scan of every row's document.
type memoryResult struct {
	Versions     int64   `json:"versions"` // of every table, as driftdb.tables counts them
	RSSServingMB float64 `json:"rss_mb_serving"`
	OpenSeconds  float64 `json:"open_seconds"`
	RSSOpenMB    float64 `json:"rss_mb_after_open"`
	RSSScanMB    float64 `json:"rss_mb_after_scan"`
}

type versionsInfo struct {
	PostgreSQL string `json:"postgresql"`
	DriftDB    string `json:"driftdb"`
}

func workloads() []workload {
	return []workload{
		{Name: "point select", Clients: 8, Mode: "simple", Scripts: []string{"point"}},
		{Name: "point select", Clients: 8, Mode: "prepared", Scripts: []string{"point"}},
		{Name: "indexed eq (10 rows)", Clients: 8, Mode: "simple", Scripts: []string{"status"}},
		{Name: "indexed eq (10 rows)", Clients: 8, Mode: "prepared", Scripts: []string{"status"}},
		{Name: "pk range (100 rows)", Clients: 8, Mode: "prepared", Scripts: []string{"range"}},
		{Name: "pk IN list (5 rows)", Clients: 8, Mode: "prepared", Scripts: []string{"in_list"}},
		{Name: "subquery by key (10 rows)", Clients: 8, Mode: "prepared", Scripts: []string{"subquery_key"}},
		{Name: "count(*)", Clients: 1, Mode: "prepared", Scripts: []string{"scan_count"}},
		{Name: "scan + filter", Clients: 1, Mode: "prepared", Scripts: []string{"scan_filter"}},
		{Name: "count + sum", Clients: 1, Mode: "prepared", Scripts: []string{"scan_sum"}},
		{Name: "group by", Clients: 1, Mode: "prepared", Scripts: []string{"group_by"}},
		{Name: "order by limit 10", Clients: 1, Mode: "prepared", Scripts: []string{"top_n"}},
		{Name: "join + group by", Clients: 1, Mode: "prepared", Scripts: []string{"join_agg"}},
		{Name: "insert", Clients: 1, Mode: "prepared", Scripts: []string{"insert"}, write: true},
		{Name: "insert", Clients: 16, Mode: "prepared", Scripts: []string{"insert"}, write: true},
		{Name: "update by pk", Clients: 16, Mode: "simple", Scripts: []string{"update"}, write: true},
		{Name: "mixed 80/20", Clients: 8, Mode: "simple", Scripts: []string{"point@80", "update@20"}, write: true},
	}
}

func (w workload) key() string {
	return fmt.Sprintf("%s, %d clients, %s", w.Name, w.Clients, w.Mode)
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	cfg.statuses = max(cfg.rows/10, 1)
	for _, tool := range []string{"pgbench", filepath.Join(cfg.pgBin, "initdb"), cfg.server} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (build the server with make build; PostgreSQL 15 and pgbench must be installed): %w", tool, err)
		}
	}
	scratch, err := os.MkdirTemp("", "pgrace-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	cfg.scratch = scratch

	pg, err := startPostgres(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	defer pg.stop()
	dd, err := startDriftDB(ctx, cfg)
	if err != nil {
		return fmt.Errorf("driftdb: %w", err)
	}
	// memoryRace restarts the server in place: stop the one running at
	// the end, not the one started here.
	defer func() { dd.stop() }()
	systems := []*system{dd, pg}

	rep := &report{Started: time.Now().UTC(), Duration: cfg.duration.String(), Rows: cfg.rows, Machine: machine()}
	rep.Versions.PostgreSQL, _ = pg.scalar(ctx, "SELECT version()")
	rep.Versions.DriftDB, _ = dd.scalar(ctx, "SELECT version()")

	for _, s := range systems {
		start := time.Now()
		if err := s.load(ctx, cfg); err != nil {
			return fmt.Errorf("%s: load: %w", s.name, err)
		}
		fmt.Fprintf(out, "loaded %d users into %s in %.1fs\n", cfg.rows, s.name, time.Since(start).Seconds())
	}

	selected := func(name string) bool {
		if cfg.only == "" {
			return true
		}
		for _, n := range strings.Split(cfg.only, ",") {
			if strings.EqualFold(strings.TrimSpace(n), name) {
				return true
			}
		}
		return false
	}
	wait := func(what string) error {
		s, err := settle(ctx, cfg, what, out)
		if err == nil && cfg.settle > 0 {
			rep.Settled = append(rep.Settled, s)
		}
		return err
	}
	if err := wait("the workloads"); err != nil {
		return err
	}
	vars := map[string]string{"rows": fmt.Sprint(cfg.rows), "statuses": fmt.Sprint(cfg.statuses)}
	for _, w := range workloads() {
		if !selected(w.Name) {
			continue
		}
		// DriftDB first, then PostgreSQL, round after round: each system
		// gets the machine to itself, in turn.
		ms, err := rounds(cfg.rounds, func(i int) (*measurement, error) {
			m, err := systems[i].pgbench(ctx, cfg, w, vars)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", systems[i].name, w.key(), err)
			}
			return m, nil
		}, len(systems))
		if err != nil {
			return err
		}
		r := result{workload: w, DriftDB: ms[0], PostgreSQL: ms[1]}
		r.Ratio = r.DriftDB.TPS / r.PostgreSQL.TPS
		fmt.Fprintf(out, "%-44s driftdb %9.0f tps  postgresql %9.0f tps  %.2fx  (rounds: %s / %s)\n", w.key(),
			r.DriftDB.TPS, r.PostgreSQL.TPS, r.Ratio, roundsText(r.DriftDB), roundsText(r.PostgreSQL))
		rep.Results = append(rep.Results, r)
	}

	if cfg.history > 0 && selected("point select AS OF") {
		rs, v, err := asOfRace(ctx, cfg, dd, vars, out, wait)
		if err != nil {
			return fmt.Errorf("AS OF: %w", err)
		}
		rep.Results = append(rep.Results, rs...)
		if rep.Memory, err = memoryRace(ctx, cfg, dd, out); err != nil {
			return fmt.Errorf("memory: %w", err)
		}
		// After the restart the history is read as a reopened table
		// holds it: older versions from the log.
		if err := wait("AS OF after a restart"); err != nil {
			return err
		}
		if rs, err = asOfRounds(ctx, cfg, dd, v, out, "after a restart"); err != nil {
			return fmt.Errorf("AS OF after a restart: %w", err)
		}
		rep.Results = append(rep.Results, rs...)
	}

	if cfg.bulk > 0 && selected("bulk load") {
		b, err := bulkRace(ctx, cfg, dd, pg, out)
		if err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		rep.Bulk = b
	}

	if cfg.copyRows > 0 && selected("copy load") {
		c, err := copyRace(ctx, cfg, dd, pg, out)
		if err != nil {
			return fmt.Errorf("copy load: %w", err)
		}
		rep.Copy = c
	}

	printTable(out, rep)
	return save(cfg.outDir, rep, out)
}

// asOfRace writes cfg.history updates of every user into DriftDB, then
// measures point selects at random seqs of that history against current
// point selects in the same run.
func asOfRace(ctx context.Context, cfg config, dd *system, vars map[string]string, out io.Writer, wait func(string) error) ([]result, map[string]string, error) {
	lo, err := dd.seq(ctx)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	if err := dd.history(ctx, cfg); err != nil {
		return nil, nil, err
	}
	hi, err := dd.seq(ctx)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(out, "wrote %d updates into driftdb in %.1fs (seq %d..%d)\n", cfg.history*cfg.rows, time.Since(start).Seconds(), lo, hi)
	v := map[string]string{"lo": fmt.Sprint(lo), "hi": fmt.Sprint(hi)}
	for k, x := range vars {
		v[k] = x
	}
	if err := wait("AS OF"); err != nil {
		return nil, nil, err
	}
	rs, err := asOfRounds(ctx, cfg, dd, v, out, "")
	return rs, v, err
}

// asOfRounds measures point selects at random seqs between the variables
// lo and hi against current point selects; when is added to the names of
// the workloads.
func asOfRounds(ctx context.Context, cfg config, dd *system, v map[string]string, out io.Writer, when string) ([]result, error) {
	curName, pastName := "point select (after history)", "point select AS OF"
	if when != "" {
		curName, pastName = "point select ("+when+")", "point select AS OF ("+when+")"
	}
	var rs []result
	for _, mode := range []string{"simple", "prepared"} {
		cur := workload{Name: curName, Clients: 8, Mode: mode, Scripts: []string{"point"}}
		past := workload{Name: pastName, Clients: 8, Mode: mode, Scripts: []string{"point_asof"}, Baseline: cur.key()}
		both := [2]workload{cur, past}
		ms, err := rounds(cfg.rounds, func(i int) (*measurement, error) {
			return dd.pgbench(ctx, cfg, both[i], v)
		}, len(both))
		if err != nil {
			return nil, err
		}
		mc, mp := ms[0], ms[1]
		r := result{workload: past, DriftDB: mp, Base: mc, Ratio: mp.TPS / mc.TPS}
		fmt.Fprintf(out, "%-44s driftdb %9.0f tps  current  %9.0f tps  %.2fx  (rounds: %s / %s)\n", past.key(),
			mp.TPS, mc.TPS, r.Ratio, roundsText(mp), roundsText(mc))
		rs = append(rs, r)
	}
	return rs, nil
}

// memoryRace measures DriftDB's memory while serving, and its opening
// after a clean restart (memoryResult).
func memoryRace(ctx context.Context, cfg config, dd *system, out io.Writer) (*memoryResult, error) {
	var m memoryResult
	versions, err := dd.scalar(ctx, "SELECT sum(versions)::int8 FROM driftdb.tables")
	if err != nil {
		return nil, err
	}
	if m.Versions, err = strconv.ParseInt(versions, 10, 64); err != nil {
		return nil, err
	}
	if m.RSSServingMB, err = dd.rssMB(); err != nil {
		return nil, err
	}
	dd.stop()
	nd, err := startDriftDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	*dd = *nd
	m.OpenSeconds = dd.ready.Seconds()
	if m.RSSOpenMB, err = dd.rssMB(); err != nil {
		return nil, err
	}
	for _, q := range []string{"SELECT count(*) FROM users", "SELECT sum(length(email)) FROM users"} {
		if _, err := dd.scalar(ctx, q); err != nil {
			return nil, err
		}
	}
	if m.RSSScanMB, err = dd.rssMB(); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "driftdb with %d versions: %.0f MiB serving; restarted, ready in %.2fs with %.0f MiB, %.0f MiB after a count and a scan\n",
		m.Versions, m.RSSServingMB, m.OpenSeconds, m.RSSOpenMB, m.RSSScanMB)
	return &m, nil
}

// rounds runs each contender n times, in turn (0, 1, ..., 0, 1, ...), and
// returns, for each, its run of median throughput: the machine is
// shared and noisy, and one slow moment should not decide a ratio.
func rounds(n int, run func(contender int) (*measurement, error), contenders int) ([]*measurement, error) {
	runs := make([][]*measurement, contenders)
	tps := make([][]float64, contenders) // in the order run
	for range max(n, 1) {
		for i := range contenders {
			m, err := run(i)
			if err != nil {
				return nil, err
			}
			runs[i] = append(runs[i], m)
			tps[i] = append(tps[i], m.TPS)
		}
	}
	out := make([]*measurement, contenders)
	for i, ms := range runs {
		slices.SortFunc(ms, func(a, b *measurement) int { return cmp.Compare(a.TPS, b.TPS) })
		out[i] = ms[len(ms)/2]
		out[i].Rounds = tps[i]
	}
	return out, nil
}

// roundsText lists the tps of every round of m.
func roundsText(m *measurement) string {
	parts := make([]string, len(m.Rounds))
	for i, t := range m.Rounds {
		parts[i] = fmt.Sprintf("%.0f", t)
	}
	return strings.Join(parts, " ")
}

func bulkRace(ctx context.Context, cfg config, dd, pg *system, out io.Writer) (*bulkResult, error) {
	b := &bulkResult{Rows: cfg.bulk, TxnSize: 1000}
	for _, s := range []*system{dd, pg} {
		start := time.Now()
		if err := s.bulkLoad(ctx, cfg.bulk, b.TxnSize); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		secs := time.Since(start).Seconds()
		size, snaps, err := s.tableBytes(ctx, "bulk")
		if err != nil {
			return nil, fmt.Errorf("%s: size: %w", s.name, err)
		}
		if s == dd {
			b.DriftDBSeconds, b.DriftDBBytes, b.DriftDBSnaps = secs, size, snaps
		} else {
			b.PGSeconds, b.PGBytes = secs, size
		}
		extra := ""
		if snaps > 0 {
			extra = fmt.Sprintf(" (and %.1f MiB of snapshots)", float64(snaps)/(1<<20))
		}
		fmt.Fprintf(out, "bulk load of %d rows into %s: %.1fs, %.1f MiB on disk%s\n",
			cfg.bulk, s.name, secs, float64(size)/(1<<20), extra)
	}
	return b, nil
}

// copyRace loads cfg.copyRows rows by one COPY into each system, in turn,
// the same csv text for both.
func copyRace(ctx context.Context, cfg config, dd, pg *system, out io.Writer) (*copyResult, error) {
	data := copyData(cfg.copyRows)
	c := &copyResult{Rows: cfg.copyRows}
	for _, s := range []*system{dd, pg} {
		secs, err := s.copyLoad(ctx, data, cfg.copyRows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		if s == dd {
			c.DriftDBSeconds = secs
		} else {
			c.PGSeconds = secs
		}
		fmt.Fprintf(out, "COPY of %d rows into %s: %.2fs (%.0f rows/s)\n", cfg.copyRows, s.name, secs, float64(cfg.copyRows)/secs)
	}
	c.Ratio = c.PGSeconds / c.DriftDBSeconds
	return c, nil
}

func printTable(out io.Writer, rep *report) {
	fmt.Fprintf(out, "\n%-34s %7s %8s %10s %10s %6s %8s %8s %8s %8s\n",
		"workload", "clients", "mode", "driftdb", "postgres", "ratio", "dd p50", "dd p99", "pg p50", "pg p99")
	for _, r := range rep.Results {
		other, p50, p99 := "", "", ""
		switch {
		case r.PostgreSQL != nil:
			other = fmt.Sprintf("%.0f", r.PostgreSQL.TPS)
			p50, p99 = ms(r.PostgreSQL.P50ms), ms(r.PostgreSQL.P99ms)
		case r.Base != nil:
			other = fmt.Sprintf("(%.0f)", r.Base.TPS)
		}
		fmt.Fprintf(out, "%-34s %7d %8s %10.0f %10s %5.2fx %8s %8s %8s %8s\n", r.Name, r.Clients, r.Mode,
			r.DriftDB.TPS, other, r.Ratio, ms(r.DriftDB.P50ms), ms(r.DriftDB.P99ms), p50, p99)
	}
	fmt.Fprintln(out, "tps: transactions per second; latencies in ms; a ratio in () compares AS OF with current point selects of the same run")
	if b := rep.Bulk; b != nil {
		fmt.Fprintf(out, "\nbulk load, %d rows in transactions of %d: driftdb %.1fs, postgresql %.1fs (%.2fx the speed)\n",
			b.Rows, b.TxnSize, b.DriftDBSeconds, b.PGSeconds, b.PGSeconds/b.DriftDBSeconds)
		fmt.Fprintf(out, "bytes on disk, data and indexes: driftdb %.1f MiB, postgresql %.1f MiB (%.2fx)\n",
			float64(b.DriftDBBytes)/(1<<20), float64(b.PGBytes)/(1<<20), float64(b.DriftDBBytes)/float64(b.PGBytes))
		fmt.Fprintf(out, "with driftdb's snapshots: %.1f MiB (%.2fx)\n", float64(b.DriftDBBytes+b.DriftDBSnaps)/(1<<20),
			float64(b.DriftDBBytes+b.DriftDBSnaps)/float64(b.PGBytes))
	}
	if m := rep.Memory; m != nil {
		fmt.Fprintf(out, "\ndriftdb with %d versions: %.0f MiB serving; after a restart ready in %.2fs, %.0f MiB, %.0f MiB after a count and a scan\n",
			m.Versions, m.RSSServingMB, m.OpenSeconds, m.RSSOpenMB, m.RSSScanMB)
	}
	if c := rep.Copy; c != nil {
		fmt.Fprintf(out, "\nCOPY of %d rows into an indexed table: driftdb %.2fs, postgresql %.2fs (%.2fx the speed)\n",
			c.Rows, c.DriftDBSeconds, c.PGSeconds, c.Ratio)
	}
}

func ms(v float64) string { return fmt.Sprintf("%.2f", v) }

func save(dir string, rep *report, out io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	stamp := rep.Started.Format("20060102-150405")
	png, err := chart(rep)
	if err != nil {
		return err
	}
	var errs []error
	for _, base := range []string{"pgrace-" + stamp, "latest"} {
		errs = append(errs, os.WriteFile(filepath.Join(dir, base+".json"), append(data, '\n'), 0o644))
		errs = append(errs, os.WriteFile(filepath.Join(dir, base+".png"), png, 0o644))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nresults: %s/pgrace-%s.{json,png} (and latest.{json,png})\n", dir, stamp)
	return nil
}

func machine() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	model, cpus := "", 0
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") && model == "" {
			_, model, _ = strings.Cut(line, ":")
		}
		if strings.HasPrefix(line, "processor") {
			cpus++
		}
	}
	return fmt.Sprintf("%d x %s", cpus, strings.TrimSpace(model))
}
