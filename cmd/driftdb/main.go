// Command driftdb uses a DriftDB data directory directly, without a server:
// create it, run DriftQL and SQL, query the past, read a row's history,
// snapshot, compact, verify, import and export.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/driftdb/driftdb/cmd/internal/bytesize"
	"github.com/driftdb/driftdb/cmd/internal/heapgov"
	"github.com/driftdb/driftdb/cmd/internal/openheap"
	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

const usage = `driftdb: an append-only database with time travel, used directly.

Usage:
  driftdb init DIR
  driftdb sql      -d DIR (-e STATEMENTS | -f FILE | < FILE) [--format F]
  driftdb select   -d DIR --table T [--where COND] [--as-of POINT] [--limit N] [--format F]
  driftdb drift    -d DIR --table T --key K [--format F]
  driftdb snapshot -d DIR --table T
  driftdb compact  -d DIR --table T [--before POINT]
  driftdb verify   -d DIR
  driftdb import   -d DIR --table T FILE.jsonl
  driftdb export   -d DIR --table T [--as-of POINT]

POINT is "@seq:N" or an RFC 3339 time. F is table (the default on a
terminal), json, jsonl or csv. Run "driftdb COMMAND -h" for a command's flags.
select, drift, verify and export open the directory read-only, so they work
while driftdb-pg serves it. Every command takes --version-index,
--newest-in-index and --spill-above (or DRIFTDB_VERSION_INDEX,
DRIFTDB_NEWEST_IN_INDEX, DRIFTDB_SPILL_ABOVE) with driftdb-pg's defaults:
give a directory the same as the server, or the snapshots a command
writes take the versions back from the index.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c := &cli{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	cmds := map[string]func([]string) error{
		"init":     c.init,
		"sql":      c.sql,
		"select":   c.selectCmd,
		"drift":    c.drift,
		"snapshot": c.snapshot,
		"compact":  c.compact,
		"verify":   c.verify,
		"import":   c.importCmd,
		"export":   c.export,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "driftdb: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := cmd(args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errDamaged):
		return 1
	}
	fmt.Fprintf(stderr, "driftdb: %s\n", describe(err))
	return 1
}

// usageError reports a missing flag or argument of a command.
func (c *cli) usageError(cmd, what string) error {
	fmt.Fprintf(c.stderr, "driftdb %s: missing %s (see driftdb %s -h)\n", cmd, what, cmd)
	return errUsage
}

var (
	errUsage   = errors.New("usage")
	errDamaged = errors.New("damaged")
)

// describe renders an error with its SQLSTATE when it has one.
func describe(err error) string {
	var coded interface{ SQLState() string }
	if !errors.As(err, &coded) {
		return err.Error()
	}
	out := fmt.Sprintf("ERROR %s: %s", coded.SQLState(), err.Error())
	var pe *pgcode.Error
	if errors.As(err, &pe) {
		if pe.Position > 0 {
			out += fmt.Sprintf(" (at character %d)", pe.Position)
		}
		if pe.Detail != "" {
			out += "\nDETAIL: " + pe.Detail
		}
		if pe.Hint != "" {
			out += "\nHINT: " + pe.Hint
		}
		if pe.Where != "" {
			out += "\nCONTEXT: " + pe.Where
		}
	}
	return out
}

type cli struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	// index is how the commands open a directory with respect to its
	// version index (--version-index, --newest-in-index).
	index struct {
		versions, newest bool
		spillAbove       bytesize.Size
		spillGiven       bool // by flag or environment
	}
}

// indexEnv names the flags of the version index that take their default
// from the environment, with the variable of each, as driftdb-pg's do.
var indexEnv = [][2]string{
	{"version-index", "DRIFTDB_VERSION_INDEX"},
	{"newest-in-index", "DRIFTDB_NEWEST_IN_INDEX"},
	{"spill-above", "DRIFTDB_SPILL_ABOVE"},
}

// flags makes a command's flag set; -d names the data directory.
func (c *cli) flags(name, synopsis string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: driftdb %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	dir := fs.String("d", "", "data directory (required)")
	c.indexFlags(fs)
	return fs, dir
}

// indexFlags adds --version-index and --newest-in-index to fs.
func (c *cli) indexFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.index.versions, "version-index", true, "keep the directory's version index (DATA/vindex) as driftdb-pg --version-index does; false holds every version in memory (DRIFTDB_VERSION_INDEX)")
	fs.BoolVar(&c.index.newest, "newest-in-index", true, "with --version-index, rows leave their newest documents to the index, as driftdb-pg --newest-in-index does (DRIFTDB_NEWEST_IN_INDEX)")
	c.index.spillAbove = engine.DefaultCacheSize
	fs.Var(&c.index.spillAbove, "spill-above", "with --version-index, how large the log may grow before the tables spill to the index, as driftdb-pg --spill-above (DRIFTDB_SPILL_ABOVE)")
}

// parseFlags parses args into fs, taking the version index's flags not
// given from the environment.
func (c *cli) parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, e := range indexEnv {
		v, ok := os.LookupEnv(e[1])
		if !ok || given[e[0]] {
			continue
		}
		if err := fs.Set(e[0], v); err != nil {
			fmt.Fprintf(c.stderr, "driftdb %s: %s=%q: %v\n", fs.Name(), e[1], v, err)
			return errUsage
		}
	}
	fs.Visit(func(f *flag.Flag) { c.index.spillGiven = c.index.spillGiven || f.Name == "spill-above" })
	return nil
}

func (c *cli) parse(fs *flag.FlagSet, args []string, dir *string) error {
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if dir != nil && *dir == "" {
		fmt.Fprintf(c.stderr, "driftdb %s: -d DIR is required\n", fs.Name())
		fs.Usage()
		return errUsage
	}
	return nil
}

// open opens the data directory. A writer that finds the lock taken gets
// the holder's pid in the error.
func (c *cli) open(dir string, readOnly bool) (*engine.DB, error) {
	if readOnly {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("no data directory at %s (create it with: driftdb init %s)", dir, dir)
		}
	}
	o := c.options()
	o.ReadOnly = readOnly
	return openDB(dir, o)
}

// openDB opens a database with the collector relaxed while the tables
// load (openheap).
func openDB(dir string, o engine.Options) (*engine.DB, error) {
	defer openheap.Relax()()
	return engine.Open(dir, o)
}

// options are the engine's options for the flags given.
func (c *cli) options() engine.Options {
	return engine.Options{
		VersionIndex: c.index.versions, NewestInIndex: c.index.versions && c.index.newest, SpillAbove: int64(c.index.spillAbove),
		// What the engine warns of (a snapshot it could not write at the
		// close, an index it rebuilds) goes to stderr.
		Logger: slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// openBulk opens dir for a bulk load: its tables are snapshotted once,
// when it closes, not again and again as they grow. A table the load
// takes past --spill-above is left held in memory by that snapshot,
// unless --spill-above was given: the server's next open spills it in
// the background, and the load is not kept waiting for it.
func (c *cli) openBulk(dir string) (*engine.DB, error) {
	o := c.options()
	o.DeferSnapshots = true
	if !c.index.spillGiven {
		o.SpillAbove = math.MaxInt64
	}
	return openDB(dir, o)
}

// governHeap keeps the collector's headroom to half the live heap once
// it passes the floor of the default cache (heapgov), unless GOGC or
// GOMEMLIMIT is set. It returns its stop. An import's heap grows with
// the rows it loads: 9 million rows of 45 bytes, 1.7 GB live, took 4.0
// GB at the peak of an import that spills (--spill-above) at Go's
// default and 3.4 GB governed, in the same time; one that does not spill
// took 3.9-4.1 GB against 3.4 GB governed, but a tenth longer, and is
// left to Go's default as the faster load.
func governHeap() (stop func()) {
	if !heapgov.Free(false) {
		return func() {}
	}
	return heapgov.Start(heapgov.Floor(engine.DefaultCacheSize), time.Second).Stop
}

func (c *cli) init(args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: driftdb init DIR\n\nFlags:\n")
		fs.PrintDefaults()
	}
	c.indexFlags(fs)
	if err := c.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	db, err := openDB(fs.Arg(0), c.options())
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "initialized DriftDB data directory %s\n", fs.Arg(0))
	return nil
}

func (c *cli) format(fs *flag.FlagSet) *string {
	return fs.String("format", "table", "output format: table, json, jsonl or csv")
}

// stringList is a flag that may be given more than once.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, "; ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func (c *cli) sql(args []string) error {
	fs, dir := c.flags("sql", "-d DIR (-e STATEMENTS ... | -f FILE | < FILE)")
	var exprs stringList
	fs.Var(&exprs, "e", "statements to run; may be given more than once, to run in order")
	file := fs.String("f", "", "file of statements to run")
	format := c.format(fs)
	if err := c.parse(fs, args, dir); err != nil {
		return err
	}
	if !validFormat(*format) {
		return fmt.Errorf("unknown format %q", *format)
	}
	text := strings.Join(exprs, ";\n")
	switch {
	case len(exprs) > 0 && *file != "":
		return fmt.Errorf("give -e or -f, not both")
	case *file != "":
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		text = string(b)
	case len(exprs) == 0:
		b, err := io.ReadAll(c.stdin)
		if err != nil {
			return err
		}
		text = string(b)
	}
	db, err := c.open(*dir, false)
	var lockErr error
	if engine.Code(err) == engine.CodeObjectInUse {
		// Another process writes here: reads still work, read-only.
		lockErr = err
		db, err = c.open(*dir, true)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := sql.NewSession(db, sql.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	stmts, err := s.Parse(text)
	if err != nil {
		return err
	}
	// Several statements run in one implicit transaction block, as psql -c
	// sends them to PostgreSQL: an error rolls back those before it.
	for _, st := range stmts {
		var r *sql.Result
		if len(stmts) > 1 {
			err = s.BeginImplicit()
		}
		if err == nil {
			r, err = st.Execute(c.ctx, nil)
		}
		for _, n := range s.TakeNotices() {
			fmt.Fprintf(c.stderr, "%s: %s\n", n.Severity(), n.Message)
		}
		if err != nil {
			s.EndImplicit(c.ctx, false)
			if lockErr != nil && pgcode.Of(err) == pgcode.ReadOnlySQLTransaction {
				return lockErr
			}
			return err
		}
		if err := c.printResult(r, s.TypesContext(), *format); err != nil {
			s.EndImplicit(c.ctx, false)
			return err
		}
	}
	if err := s.EndImplicit(c.ctx, true); err != nil {
		return err
	}
	if s.TxStatus() != 'I' {
		fmt.Fprintln(c.stderr, "NOTICE: the transaction was left open and is rolled back")
	}
	return nil
}

// printResult prints rows, or the command tag of a statement without rows.
func (c *cli) printResult(r *sql.Result, tc *types.Context, format string) error {
	if r.Columns == nil {
		if format == "table" {
			fmt.Fprintln(c.stdout, r.Tag)
		}
		return nil
	}
	return writeTable(c.stdout, &table{cols: r.Columns, rows: r.Rows, tc: tc}, format)
}

// quoteIdent quotes a name for SQL.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString quotes a string literal for SQL.
func quoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// query runs one statement on a read-only open and prints its result.
func (c *cli) query(dir, text, format string, params ...types.Datum) error {
	if !validFormat(format) {
		return fmt.Errorf("unknown format %q", format)
	}
	db, err := c.open(dir, true)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := sql.NewSession(db, sql.Options{})
	if err != nil {
		return err
	}
	rs, err := s.Exec(c.ctx, text, params...)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if err := c.printResult(r, s.TypesContext(), format); err != nil {
			return err
		}
	}
	return nil
}

func (c *cli) selectCmd(args []string) error {
	fs, dir := c.flags("select", "-d DIR --table T [--where COND] [--as-of POINT] [--limit N]")
	tbl := fs.String("table", "", "table to read (required)")
	where := fs.String("where", "", `condition, for example 'status="active"'`)
	asOf := fs.String("as-of", "", `read the past: "@seq:N" or an RFC 3339 time`)
	limit := fs.Int("limit", -1, "at most this many rows")
	format := c.format(fs)
	if err := c.parse(fs, args, dir); err != nil {
		return err
	}
	if *tbl == "" {
		return c.usageError("select", "--table")
	}
	q := "SELECT * FROM " + quoteIdent(*tbl)
	if *where != "" {
		q += " WHERE " + *where
	}
	if *asOf != "" {
		q += " AS OF " + quoteString(*asOf)
	}
	if *limit >= 0 {
		q += fmt.Sprintf(" LIMIT %d", *limit)
	}
	return c.query(*dir, q, *format)
}

func (c *cli) drift(args []string) error {
	fs, dir := c.flags("drift", "-d DIR --table T --key K")
	tbl := fs.String("table", "", "table (required)")
	key := fs.String("key", "", "primary key of the row (required)")
	format := c.format(fs)
	if err := c.parse(fs, args, dir); err != nil {
		return err
	}
	if *tbl == "" || *key == "" {
		return c.usageError("drift", "--table and --key")
	}
	return c.query(*dir, "SHOW DRIFT "+quoteIdent(*tbl)+" KEY $1", *format, *key)
}

// write runs one maintenance statement as the writer.
func (c *cli) write(dir, text string) error {
	db, err := c.open(dir, false)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := sql.NewSession(db, sql.Options{})
	if err != nil {
		return err
	}
	_, err = s.Exec(c.ctx, text)
	return err
}

func (c *cli) snapshot(args []string) error {
	fs, dir := c.flags("snapshot", "-d DIR --table T")
	tbl := fs.String("table", "", "table (required)")
	if err := c.parse(fs, args, dir); err != nil {
		return err
	}
	if *tbl == "" {
		return c.usageError("snapshot", "--table")
	}
	p := newProgress(c.stderr, "snapshot "+*tbl, 0)
	err := c.write(*dir, "SNAPSHOT "+quoteIdent(*tbl))
	p.finish()
	if err == nil {
		fmt.Fprintf(c.stdout, "snapshot of %s written\n", *tbl)
	}
	return err
}

func (c *cli) compact(args []string) error {
	fs, dir := c.flags("compact", "-d DIR --table T [--before POINT]")
	tbl := fs.String("table", "", "table (required)")
	before := fs.String("before", "", `fold history before "@seq:N" or an RFC 3339 time`)
	if err := c.parse(fs, args, dir); err != nil {
		return err
	}
	if *tbl == "" {
		return c.usageError("compact", "--table")
	}
	q := "COMPACT " + quoteIdent(*tbl)
	if *before != "" {
		q += " BEFORE " + quoteString(*before)
	}
	p := newProgress(c.stderr, "compact "+*tbl, 0)
	err := c.write(*dir, q)
	p.finish()
	if err == nil {
		fmt.Fprintf(c.stdout, "%s compacted\n", *tbl)
	}
	return err
}

func (c *cli) verify(args []string) error {
	fs, dir := c.flags("verify", "-d DIR")
	if err := c.parse(fs, args, dir); err != nil {
		return err
	}
	rep, err := store.Verify(vfs.OS(), *dir)
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(c.stdout, p.String())
	}
	damaged := rep.Damaged()
	if !damaged {
		// Every table must also load: schemas, snapshots and replay.
		db, err := openDB(*dir, engine.Options{ReadOnly: true, VersionIndex: true})
		if err != nil {
			fmt.Fprintf(c.stdout, "tables do not load: %v\n", err)
			damaged = true
		} else {
			// Every payload must decode as reads decode it: a record can be
			// well framed, with a good CRC, and still not be a document.
			for _, p := range db.CheckPayloads() {
				fmt.Fprintln(c.stdout, p)
				damaged = true
			}
			// Index files are caches: an unusable one is reported, and
			// rebuilt from the rows, but is no damage.
			for _, p := range db.CheckIndexFiles() {
				fmt.Fprintln(c.stdout, p)
			}
			// An index that does not find a row under its value gives
			// wrong answers: that is damage (removing the table's index
			// files makes the next open rebuild them from the rows).
			for _, p := range db.CheckIndexes() {
				fmt.Fprintln(c.stdout, p)
				damaged = true
			}
			// The version index, where there is one, must hold what the
			// rows hold up to its marks: AS OF and history reads of the
			// versions a snapshot left to it read it. A difference is
			// damage; removing DIR/vindex makes the next open rebuild it
			// from the log.
			for _, p := range db.CheckVersionIndex() {
				fmt.Fprintln(c.stdout, p)
				damaged = true
			}
			// Present files are caches too: one that does not read is
			// read around; one that reads a document its row does not
			// have at that seq would give wrong answers.
			unusable, wrong := db.CheckPresentFiles()
			for _, p := range unusable {
				fmt.Fprintln(c.stdout, p)
			}
			for _, p := range wrong {
				fmt.Fprintln(c.stdout, p)
				damaged = true
			}
			// Extents files hold the index's spilled versions a second
			// time, clustered by row: one the server would not take, or
			// whose damage its reads go around, is reported; one it would
			// take that does not hold what the index holds is damage
			// (removing DIR/extents makes the server write them again).
			unusable, wrong = db.CheckExtents()
			for _, p := range unusable {
				fmt.Fprintln(c.stdout, p)
			}
			for _, p := range wrong {
				fmt.Fprintln(c.stdout, p)
				damaged = true
			}
			db.Close()
		}
	}
	fmt.Fprintf(c.stdout, "%d tables, %d segments, %d records, %d bytes, %d snapshots: ",
		rep.Streams, rep.Segments, rep.Records, rep.Bytes, rep.Snapshots)
	if damaged {
		fmt.Fprintln(c.stdout, "DAMAGED")
		return errDamaged
	}
	fmt.Fprintln(c.stdout, "ok")
	return nil
}

func (c *cli) importCmd(args []string) error {
	fs, dir := c.flags("import", "-d DIR --table T [--format jsonl|csv|text] [--header] FILE")
	tbl := fs.String("table", "", "table (required)")
	batch := fs.Int("batch", 0, "documents per transaction (jsonl; default 1000), or rows per COPY, each its own transaction (csv and text; by default a quarter of the rows imported before it, from 100000 to 400000)")
	format := fs.String("format", "", "jsonl (documents, one a line), csv or text (rows, as COPY reads them); by default from the file's extension, else jsonl")
	header := fs.Bool("header", false, "csv and text: the first line names the columns")
	if err := c.parse(fs, args, dir); err != nil {
		return err
	}
	if *tbl == "" || fs.NArg() != 1 || *batch < 0 {
		return c.usageError("import", "--table and one FILE")
	}
	if *format == "" {
		switch strings.ToLower(filepath.Ext(fs.Arg(0))) {
		case ".csv":
			*format = "csv"
		case ".tsv", ".txt":
			*format = "text"
		default:
			*format = "jsonl"
		}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	var total int64
	if st, err := f.Stat(); err == nil {
		total = st.Size()
	}
	db, err := c.openBulk(*dir)
	if err != nil {
		return err
	}
	if c.index.spillGiven {
		defer governHeap()() // until after the close, whose spill is the peak
	}
	defer db.Close()
	p := newProgress(c.stderr, "import "+*tbl, total)
	switch *format {
	case "jsonl":
	case "csv", "text":
		return c.importCopy(db, *tbl, *format, *header, *batch, f, p)
	default:
		return c.usageError("import", "--format is jsonl, csv or text")
	}
	if *batch == 0 {
		*batch = 1000
	}
	// The lines are read and decoded on a goroutine of their own, a batch
	// at a time, beside the inserts and commits; each keeps its place, so
	// an error is reported at its line after the lines before it went in.
	type doc struct {
		line  int
		doc   map[string]any
		order []string
		err   error
	}
	docs := make(chan []doc, 4)
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		defer close(docs)
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), store.MaxRecordSize)
		var part []doc
		send := func() bool {
			select {
			case docs <- part:
				part = nil
				return true
			case <-quit:
				return false
			}
		}
		line := 0
		for sc.Scan() {
			line++
			p.add(int64(len(sc.Bytes()) + 1))
			text := bytes.TrimSpace(sc.Bytes())
			if len(text) == 0 {
				continue
			}
			d := doc{line: line}
			d.doc, d.order, d.err = engine.DecodeDocument(text)
			if part = append(part, d); len(part) == 256 && !send() {
				return
			}
		}
		if err := sc.Err(); err != nil {
			part = append(part, doc{err: err}) // line 0: the file's, not a line's
		}
		send()
	}()
	// A batch is checked and accepted when it is submitted, and set on
	// its way to disk; the next one is filled while it is written, and
	// waits for it before it goes itself. A batch accepted after one
	// that then fails to be written fails with it (ENGINE.md).
	var inFlight *engine.Commit
	inFlightLine := 0
	wait := func() error {
		if inFlight == nil {
			return nil
		}
		_, err := inFlight.Wait()
		if err != nil {
			return fmt.Errorf("line %d: %w", inFlightLine, err)
		}
		return nil
	}
	// A batch is submitted (checked and accepted) on a goroutine of its
	// own while the next is filled, each after the one before.
	type submitted struct {
		cm   *engine.Commit
		err  error
		docs []doc
	}
	var submitting chan submitted // the batch being submitted
	// accepted waits for the batch being submitted to be accepted and
	// set on its way to disk.
	accepted := func() error {
		if submitting == nil {
			return nil
		}
		sb := <-submitting
		submitting = nil
		line := sb.docs[len(sb.docs)-1].line
		if sb.err != nil {
			// Checked against the batch before it, which this one's
			// inserts did not see: find the line that fails now that
			// they do.
			if werr := wait(); werr != nil {
				return werr
			}
			retry := db.Begin()
			defer retry.Rollback()
			for _, d := range sb.docs {
				if _, ierr := retry.InsertDoc(*tbl, d.doc, d.order); ierr != nil {
					return fmt.Errorf("line %d: %w", d.line, ierr)
				}
			}
			return fmt.Errorf("line %d: %w", line, sb.err)
		}
		if err := wait(); err != nil {
			return err
		}
		inFlight, inFlightLine = sb.cm, line
		return nil
	}
	// settle waits for every batch submitted to be written.
	settle := func() error {
		if err := accepted(); err != nil {
			return err
		}
		return wait()
	}
	var batchDocs []doc // the documents of the transaction being filled
	submit := func(tx *engine.Txn) error {
		if err := accepted(); err != nil {
			tx.Rollback()
			return err
		}
		ch, docs := make(chan submitted, 1), batchDocs
		go func() {
			cm, err := tx.Submit(c.ctx)
			if err == nil {
				cm.Start()
			}
			ch <- submitted{cm, err, docs}
		}()
		submitting, batchDocs = ch, nil
		return nil
	}
	tx := db.Begin()
	n := 0
	for part := range docs {
		for _, d := range part {
			err := d.err
			if err == nil {
				_, err = tx.InsertDoc(*tbl, d.doc, d.order)
			}
			if err != nil {
				tx.Rollback()
				if werr := settle(); werr != nil {
					return werr
				}
				if d.line == 0 {
					return err
				}
				return fmt.Errorf("line %d: %w", d.line, err)
			}
			n++
			batchDocs = append(batchDocs, d)
			if tx.Writes() >= *batch {
				if err := submit(tx); err != nil {
					return err
				}
				tx = db.Begin()
			}
		}
	}
	if len(batchDocs) > 0 {
		if err := submit(tx); err != nil {
			return err
		}
	} else {
		tx.Rollback()
	}
	if err := settle(); err != nil {
		return err
	}
	p.finish()
	fmt.Fprintf(c.stdout, "imported %d documents into %s\n", n, *tbl)
	return nil
}

// importCopy loads rows of csv or text through COPY ... FROM STDIN, the
// path psql's \copy takes: the table's defaults, checks and constraints
// apply. The rows go in as COPYs of batch rows each (0: copySize).
func (c *cli) importCopy(db *engine.DB, table, format string, header bool, batch int, f io.Reader, p *progress) error {
	s, err := sql.NewSession(db, sql.Options{})
	if err != nil {
		return err
	}
	// A header names the columns the rows hold, in their order; the
	// lines an error names count it, as PostgreSQL's COPY ... HEADER
	// counts it.
	cols, headerLines := "", 0
	if header {
		headerLines = 1
		br := bufio.NewReader(f)
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return err
		}
		p.add(int64(len(line)))
		line = strings.TrimRight(line, "\r\n")
		var names []string
		if format == "csv" {
			if names, err = csv.NewReader(strings.NewReader(line)).Read(); err != nil {
				return fmt.Errorf("header line: %w", err)
			}
		} else {
			names = strings.Split(line, "\t")
		}
		for i, n := range names {
			names[i] = quoteIdent(n)
		}
		cols = " (" + strings.Join(names, ", ") + ")"
		f = br
	}
	stmt := fmt.Sprintf("COPY %s%s FROM STDIN (FORMAT %s)", quoteIdent(table), cols, format)
	// One COPY for every batch rows, each its own transaction: a COPY
	// holds its rows until it commits (9 million rows of 45 bytes as one:
	// 9.3 GB of RSS). Each COPY reads its lines of the data and keeps
	// what follows for the next (CopyIn.SetLineLimit), so rows end where
	// COPY ends them. A COPY is done (its rows checked and applied, then
	// written and synced) on a goroutine of its own while the next one is
	// filled, on a session of its own, and each is done only after the one
	// before: the rows go in in the file's order. A COPY filled while the
	// one before was being done did not see that one's rows: when it
	// fails, it is run again from its bytes once the one before is in, for
	// the error its rows give (a key of the COPY before, with its line)
	// or none.
	var sessions [2]*sql.Session
	sessions[0] = s
	var total int64
	size := func(before int) int { // the rows of a COPY after before rows
		if batch > 0 {
			return batch
		}
		return copySize(before)
	}
	cur := &copyBatch{first: headerLines, size: size(0)} // the COPY being filled
	var pending chan copyDone
	// spare is the bytes of a COPY that is in, for the next one to fill:
	// each took new ones, grown by doubling (three times the file's size
	// made and dropped).
	var spare []byte
	begin := func(b *copyBatch) error {
		ss := &sessions[b.i%2]
		if *ss == nil {
			var err error
			if *ss, err = sql.NewSession(db, sql.Options{}); err != nil {
				return err
			}
		}
		rs, err := (*ss).Exec(c.ctx, stmt)
		if err != nil {
			return err
		}
		b.cin = rs[0].CopyIn
		b.cin.SetLineLimit(b.size)
		return nil
	}
	// wait returns once the COPY being done is in, or fails.
	wait := func() error {
		if pending == nil {
			return nil
		}
		d := <-pending
		pending = nil
		if d.err != nil && d.b.i > 0 {
			// Filled beside the COPY before it: run again now that that
			// one is in.
			d.err = begin(d.b)
			if d.err == nil {
				if d.err = d.b.cin.Write(d.b.raw); d.err == nil {
					d.n, d.err = d.b.done()
				}
			}
		}
		if d.err != nil {
			return shiftCopyLine(d.err, d.b.first)
		}
		total += d.n
		spare = d.b.raw[:0]
		return nil
	}
	// failed reports err of the COPY being filled, after any error of
	// the one before it.
	failed := func(err error) error {
		if werr := wait(); werr != nil {
			return werr
		}
		return shiftCopyLine(err, cur.first)
	}
	// done sets the COPY filled on its way, once the one before is in.
	done := func() error {
		if err := wait(); err != nil {
			cur.cin.Fail("the COPY before failed")
			return err
		}
		b, ch := cur, make(chan copyDone, 1)
		go func() {
			n, err := b.done()
			ch <- copyDone{b, n, err}
		}()
		pending = ch
		next := b.first + b.size
		cur = &copyBatch{i: b.i + 1, first: next, size: size(next - headerLines), raw: spare}
		spare = nil
		return nil
	}
	if err := begin(cur); err != nil {
		return err
	}
	buf := make([]byte, 256<<10)
	for !cur.cin.Ended() {
		n, rerr := f.Read(buf)
		p.add(int64(n))
		for data := buf[:n]; len(data) > 0 && !cur.cin.Ended(); {
			if err := cur.cin.Write(data); err != nil {
				return failed(err)
			}
			rest := cur.cin.Rest() // after the COPY's last line: the next one's
			cur.raw = append(cur.raw, data[:len(data)-len(rest)]...)
			if !cur.cin.Full() {
				break
			}
			if err := done(); err != nil {
				return err
			}
			if err := begin(cur); err != nil {
				return failed(err)
			}
			data = rest
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			cur.cin.Fail(rerr.Error())
			if werr := wait(); werr != nil {
				return werr
			}
			return rerr
		}
	}
	if err := done(); err != nil {
		return err
	}
	if err := wait(); err != nil {
		return err
	}
	p.finish()
	fmt.Fprintf(c.stdout, "imported %d rows into %s\n", total, table)
	return nil
}

// copyBatch is one COPY of an import: the i-th, of size lines from the
// file's line first on, and the bytes of its rows, to run them again.
type copyBatch struct {
	cin         *sql.CopyIn
	raw         []byte
	i           int
	first, size int
}

// done ends the COPY and returns how many rows it took.
func (b *copyBatch) done() (int64, error) {
	res, err := b.cin.Done()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimPrefix(res.Tag, "COPY "), 10, 64)
}

// copyDone is what the goroutine ending a COPY reports.
type copyDone struct {
	b   *copyBatch
	n   int64
	err error
}

// copySize is how many rows one COPY of an import of csv or text takes
// after before rows, unless --batch says: a quarter of them, at least
// 100,000 and at most 400,000. A commit of rows whose keys come in no
// order touches nearly every leaf of the table's trees, which it copies
// (the state before it is a reader's), so that COPYs of a fixed size
// cost in proportion to the rows already in, at each of them: 4 million
// rows in random order with an index on a column of three values took
// 33.5-35 s in COPYs of 50,000 rows, 23 s of 200,000, 18.7 s of 400,000
// and 18.3-19.5 s so (PostgreSQL's \copy 11.6-12.8 s); 9 million rows in
// key order 14.5-16.0, 14.6, 15.5 and 14.6-15.9 s (PostgreSQL 15.1). A
// COPY holds its rows until it commits, and two are under way, one
// filled while the one before commits: 9 million rows took 4.3 GB at
// the peak against 3.9-4.1 in COPYs of 50,000.
func copySize(before int) int { return min(max(before/4, 100_000), 400_000) }

// shiftCopyLine makes the line a COPY error names (CONTEXT: COPY t, line
// n) the file's, for a COPY that began after before lines.
func shiftCopyLine(err error, before int) error {
	var pe *pgcode.Error
	if before == 0 || !errors.As(err, &pe) {
		return err
	}
	m := copyLineRE.FindStringSubmatchIndex(pe.Where)
	if m == nil {
		return err
	}
	n, _ := strconv.Atoi(pe.Where[m[2]:m[3]])
	out := *pe
	out.Where = pe.Where[:m[2]] + strconv.Itoa(n+before) + pe.Where[m[3]:]
	return &out
}

var copyLineRE = regexp.MustCompile(`^COPY [^,]*, line (\d+)`)

func (c *cli) export(args []string) error {
	fs, dir := c.flags("export", "-d DIR --table T [--as-of POINT]")
	tbl := fs.String("table", "", "table (required)")
	asOf := fs.String("as-of", "", `export the past: "@seq:N" or an RFC 3339 time`)
	if err := c.parse(fs, args, dir); err != nil {
		return err
	}
	if *tbl == "" {
		return c.usageError("export", "--table")
	}
	db, err := c.open(*dir, true)
	if err != nil {
		return err
	}
	defer db.Close()
	var v *engine.View
	if *asOf == "" {
		v = db.View()
	} else {
		if v, err = sql.ViewAt(db, *asOf); err != nil {
			return err
		}
	}
	// The hidden key of a table without a primary key, or with one of
	// several columns, is DriftDB's, not the data's: an import gives
	// the rows keys of their own.
	hidden := ""
	if spec, err := v.Spec(*tbl); err == nil && (spec.RowID || len(spec.PKColumns) > 0) {
		hidden = spec.PK
	}
	w := bufio.NewWriterSize(c.stdout, 1<<16)
	p := newProgress(c.stderr, "export "+*tbl, 0)
	var werr error
	err = v.Scan(*tbl, func(r *engine.Row) bool {
		doc, err := r.Doc()
		if err != nil {
			werr = err
			return false
		}
		if hidden != "" {
			delete(doc, hidden)
		}
		w.Write(engine.ToJSON(doc))
		if werr = w.WriteByte('\n'); werr != nil {
			return false
		}
		p.add(1)
		return true
	})
	p.finish()
	if err == nil {
		err = werr
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}
