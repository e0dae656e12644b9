package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/pgwire"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binary builds the command (once per test run) and returns its path.
func builtBinary(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "driftdb-bin-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", binDir+"/", "../cmd/...").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}

// driftdb runs the command line and returns stdout, stderr and the exit
// status.
func driftdb(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(builtBinary(t, "driftdb"), args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

var tsRE = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00`)

// TestReadmeManualUsage runs every command of the README's manual usage, in
// the README's order, and checks what each prints.
func TestReadmeManualUsage(t *testing.T) {
	dir := t.TempDir()
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"init", "./mydata"}, "initialized DriftDB data directory ./mydata\n"},
		{[]string{"sql", "-d", "./mydata", "-e", `CREATE TABLE users (pk=id, INDEX(email, status))`}, "CREATE TABLE\n"},
		{[]string{"sql", "-d", "./mydata", "-e", `INSERT INTO users {"id": "user1", "email": "alice@example.com", "status": "active"}`}, "INSERT 0 1\n"},
		{[]string{"select", "-d", "./mydata", "--table", "users", "--where", `status="active"`},
			" id   |       email       | status\n------+-------------------+-------\nuser1 | alice@example.com | active\n(1 row)\n"},
		{[]string{"select", "-d", "./mydata", "--table", "users", "--as-of", "@seq:100"}, "ERROR"},
		{[]string{"select", "-d", "./mydata", "--table", "users", "--as-of", "@seq:1", "--format", "jsonl"},
			`{"id":"user1","email":"alice@example.com","status":"active"}` + "\n"},
		{[]string{"drift", "-d", "./mydata", "--table", "users", "--key", "user1", "--format", "csv"},
			"seq,ts,event,change,doc\n1,TS,INSERT,\"{\"\"id\"\": \"\"user1\"\", \"\"email\"\": \"\"alice@example.com\"\", \"\"status\"\": \"\"active\"\"}\",\"{\"\"id\"\": \"\"user1\"\", \"\"email\"\": \"\"alice@example.com\"\", \"\"status\"\": \"\"active\"\"}\"\n"},
		{[]string{"snapshot", "-d", "./mydata", "--table", "users"}, "snapshot of users written\n"},
		{[]string{"compact", "-d", "./mydata", "--table", "users"}, "users compacted\n"},
		{[]string{"verify", "-d", "./mydata"}, "1 tables, 1 segments, 1 records, 104 bytes, 1 snapshots: ok\n"},
	}
	for _, st := range steps {
		out, errOut, code := driftdb(t, dir, st.args...)
		out = tsRE.ReplaceAllString(out, "TS")
		if st.want == "ERROR" {
			// @seq:100 is past the head: a clear error, exit 1.
			if code != 1 || !strings.Contains(errOut, "22023") || !strings.Contains(errOut, "past the latest committed seq 1") {
				t.Fatalf("%v: exit %d, stderr %q", st.args, code, errOut)
			}
			continue
		}
		if code != 0 || out != st.want {
			t.Fatalf("driftdb %v: exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", st.args, code, out, st.want, errOut)
		}
	}
}

// TestCLIBesideServer: while driftdb-pg holds the writer lock, select,
// drift and verify work read-only and a write fails naming the holder's
// pid.
func TestCLIBesideServer(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE t (pk=id)`)
	mustExec(t, c, `INSERT INTO t {"id": 1, "v": "x"}`)
	out, errOut, code := driftdb(t, "", "select", "-d", s.dir, "--table", "t", "--format", "jsonl")
	if code != 0 || out != `{"id":1,"v":"x"}`+"\n" {
		t.Fatalf("select beside the server: %d %q %q", code, out, errOut)
	}
	if _, errOut, code := driftdb(t, "", "verify", "-d", s.dir); code != 0 {
		t.Fatalf("verify beside the server: %d %s", code, errOut)
	}
	_, errOut, code = driftdb(t, "", "sql", "-d", s.dir, "-e", `INSERT INTO t {"id": 2}`)
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("write beside the server: exit %d, %q", code, errOut)
	}
}

// TestCLIBesideServerIndex: the command line, a process of its own, reads
// a table whose history the server spilled to its version index beside
// the running server: that index as it is (no warning that it does not
// open, which an index of its own made from the log came with), the
// row's versions in it, a state at a seq they hold, and verify; the
// server serves on, writes and snapshots again, and a command after that
// reads the new state.
func TestCLIBesideServerIndex(t *testing.T) {
	s := startServerOn(t, pgwire.Config{}, t.TempDir(), engine.Options{VersionIndex: true, NewestInIndex: true, SnapshotEvents: -1, SnapshotBytes: -1})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE u (id int8 PRIMARY KEY, v int8 NOT NULL)`)
	mustExec(t, c, `INSERT INTO u SELECT i, i * 10 FROM generate_series(1, 3000) AS i`)
	mustExec(t, c, `SNAPSHOT u`) // the table spills
	mustExec(t, c, `UPDATE u SET v = v + 1`)
	mustExec(t, c, `SNAPSHOT u`) // the INSERTs go to the index, a gap in each row
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := driftdb(t, "", args...)
		if code != 0 || errOut != "" {
			t.Fatalf("driftdb %v beside the server: exit %d, stderr %q", args, code, errOut)
		}
		return out
	}
	out := run("drift", "-d", s.dir, "--table", "u", "--key", "7", "--format", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "INSERT") || !strings.Contains(lines[1], "70") || !strings.Contains(lines[2], "71") {
		t.Fatalf("drift of row 7 beside the server: %q", out)
	}
	first := strings.SplitN(lines[1], ",", 2)[0]
	if got := run("select", "-d", s.dir, "--table", "u", "--where", "id = 7", "--as-of", "@seq:"+first, "--format", "csv"); got != "id,v\n7,70\n" {
		t.Fatalf("row 7 as of seq %s beside the server: %q", first, got)
	}
	run("verify", "-d", s.dir)
	mustExec(t, c, `UPDATE u SET v = v + 1 WHERE id <= 1000`)
	mustExec(t, c, `SNAPSHOT u`)
	want := fmt.Sprintf("count,sum\n3000,%d\n", 3000*3001/2*10+3000+1000)
	if got := run("sql", "-d", s.dir, "-e", "SELECT count(*), sum(v) FROM u", "--format", "csv"); got != want {
		t.Fatalf("the table beside the server after more writes: %q, want %q", got, want)
	}
	var n int64
	if err := c.QueryRow(bg, `SELECT sum(v) FROM u`).Scan(&n); err != nil || n != 3000*3001/2*10+3000+1000 {
		t.Fatalf("the server after the commands: %d %v", n, err)
	}
}

// TestCLIErrorsAndFormats: bad input gets a message on stderr and exit 1;
// usage errors exit 2; import and export round-trip JSON lines.
func TestCLIErrorsAndFormats(t *testing.T) {
	dir := t.TempDir()
	driftdb(t, dir, "init", "d")
	if _, errOut, code := driftdb(t, dir, "sql", "-d", "d", "-e", "SELEC 1"); code != 1 || !strings.Contains(errOut, "ERROR 42601: syntax error at or near \"SELEC\" (at character 1)") {
		t.Fatalf("syntax error: %d %q", code, errOut)
	}
	if _, _, code := driftdb(t, dir, "select", "--table", "x"); code != 2 {
		t.Fatalf("missing -d: exit %d", code)
	}
	if out, _, code := driftdb(t, dir, "--help"); code != 0 || !strings.Contains(out, "driftdb import") {
		t.Fatalf("help: %d %q", code, out)
	}
	driftdb(t, dir, "sql", "-d", "d", "-e", "CREATE TABLE t (pk=id)")
	lines := `{"id": 1, "n": 1.5}` + "\n" + `{"id": 2, "tags": ["a"]}` + "\n"
	os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte(lines), 0o644)
	if out, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "t", "in.jsonl"); code != 0 || out != "imported 2 documents into t\n" {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	out, _, code := driftdb(t, dir, "export", "-d", "d", "--table", "t")
	if code != 0 || out != `{"n": 1.5, "id": 1}`+"\n"+`{"id": 2, "tags": ["a"]}`+"\n" {
		t.Fatalf("export: %d %q", code, out)
	}
	// -e may repeat: the statements run in order.
	out, errOut, code := driftdb(t, dir, "sql", "-d", "d", "-e", `INSERT INTO t {"id": 10}`, "-e", "SELECT id FROM t WHERE id = 10")
	if code != 0 || !strings.HasPrefix(out, "INSERT 0 1\n") || !strings.Contains(out, "10") {
		t.Fatalf("repeated -e: %d %q %q", code, out, errOut)
	}
	os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte(`{"id": 3}`+"\n"+`{"id": `+"\n"), 0o644)
	if _, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "t", "bad.jsonl"); code != 1 || !strings.Contains(errOut, "line 2") {
		t.Fatalf("bad import: %d %q", code, errOut)
	}
	// Past the first batches the lines keep their order: a key repeated at
	// line 300 is the error, not the broken line 500 read before it went in.
	var many strings.Builder
	for i := 1; i <= 600; i++ {
		switch i {
		case 300:
			many.WriteString(`{"id": 1001}` + "\n") // line 1's
		case 500:
			many.WriteString(`{"id": ` + "\n")
		default:
			fmt.Fprintf(&many, `{"id": %d}`+"\n", 1000+i)
		}
	}
	os.WriteFile(filepath.Join(dir, "many.jsonl"), []byte(many.String()), 0o644)
	if _, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "t", "--batch", "100000", "many.jsonl"); code != 1 || !strings.Contains(errOut, "line 300") || !strings.Contains(errOut, "23505") {
		t.Fatalf("import with a repeated key before a broken line: %d %q", code, errOut)
	}
	// A key of the batch before, which may still be on its way to disk
	// while the next one is filled, fails at its own line; the batches
	// before the one that repeats it are in, that one is not.
	var across strings.Builder
	for i := 1; i <= 350; i++ {
		k := 5000 + i
		if i == 250 {
			k = 5000 + 150 // a key of the batch just before
		}
		fmt.Fprintf(&across, `{"id": %d}`+"\n", k)
	}
	os.WriteFile(filepath.Join(dir, "across.jsonl"), []byte(across.String()), 0o644)
	if _, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "t", "--batch", "100", "across.jsonl"); code != 1 || !strings.Contains(errOut, "line 250:") || !strings.Contains(errOut, "23505") {
		t.Fatalf("import with a key of an earlier batch: %d %q", code, errOut)
	}
	if out, _, _ := driftdb(t, dir, "sql", "-d", "d", "-e", "SELECT count(*) FROM t WHERE id > 5000", "--format", "csv"); out != "count\n200\n" {
		t.Fatalf("after an import that failed in its third batch: %q", out)
	}
	// Text that is not UTF-8 is refused, not repaired into U+FFFD.
	os.WriteFile(filepath.Join(dir, "latin1.jsonl"), []byte("{\"id\": 4, \"s\": \"caf\xe9\"}\n"), 0o644)
	if _, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "t", "latin1.jsonl"); code != 1 || !strings.Contains(errOut, "22021") {
		t.Fatalf("import of Latin-1 text: %d %q", code, errOut)
	}
	if out, _, _ := driftdb(t, dir, "sql", "-d", "d", "-e", "SELECT count(*) FROM t WHERE id = 4", "--format", "csv"); out != "count\n0\n" {
		t.Fatalf("the refused line was stored: %q", out)
	}
	// Rows of csv go in through COPY: the table's checks apply, and a
	// file is all or nothing.
	driftdb(t, dir, "sql", "-d", "d", "-e", "CREATE TABLE r (id int8 PRIMARY KEY, name text NOT NULL, n int4 CHECK (n > 0) DEFAULT 7)")
	os.WriteFile(filepath.Join(dir, "r.csv"), []byte("id,name\n1,one\n2,\"t,wo\"\n"), 0o644)
	if out, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "r", "--header", "r.csv"); code != 0 || out != "imported 2 rows into r\n" {
		t.Fatalf("csv import: %d %q %q", code, out, errOut)
	}
	os.WriteFile(filepath.Join(dir, "bad.tsv"), []byte("3\tthree\t1\n4\tfour\t0\n"), 0o644)
	if _, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "r", "bad.tsv"); code != 1 || !strings.Contains(errOut, "23514") || !strings.Contains(errOut, "line 2") {
		t.Fatalf("text import with a failing check: %d %q", code, errOut)
	}
	if out, _, _ := driftdb(t, dir, "sql", "-d", "d", "-e", "SELECT id, name, n FROM r ORDER BY id", "--format", "csv"); out != "id,name,n\n1,one,7\n2,\"t,wo\",7\n" {
		t.Fatalf("after the imports: %q", out)
	}
}

// TestCLINoPrimaryKey: export of a table without a primary key writes its
// columns, not the hidden key, so an import gives the rows keys of their
// own; csv goes in through COPY's column list.
func TestCLINoPrimaryKey(t *testing.T) {
	dir := t.TempDir()
	driftdb(t, dir, "init", "d")
	driftdb(t, dir, "sql", "-d", "d", "-e", "CREATE TABLE log (at int, msg text); INSERT INTO log VALUES (1, 'a'), (1, 'a')")
	out, errOut, code := driftdb(t, dir, "export", "-d", "d", "--table", "log")
	if code != 0 || out != `{"at": 1, "msg": "a"}`+"\n"+`{"at": 1, "msg": "a"}`+"\n" {
		t.Fatalf("export: %d %q %q", code, out, errOut)
	}
	os.WriteFile(filepath.Join(dir, "log.jsonl"), []byte(out), 0o644)
	if out, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "log", "log.jsonl"); code != 0 || out != "imported 2 documents into log\n" {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	os.WriteFile(filepath.Join(dir, "log.csv"), []byte("at,msg\n2,b\n"), 0o644)
	if out, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "log", "--header", "log.csv"); code != 0 || out != "imported 1 rows into log\n" {
		t.Fatalf("csv import: %d %q %q", code, out, errOut)
	}
	if out, _, _ := driftdb(t, dir, "sql", "-d", "d", "-e", "SELECT _rowid, at, msg FROM log ORDER BY _rowid", "--format", "csv"); out != "_rowid,at,msg\n1,1,a\n2,1,a\n3,1,a\n4,1,a\n5,2,b\n" {
		t.Fatalf("after the imports: %q", out)
	}
}

// TestCLIVersionIndex: the command line keeps a directory's version index
// as driftdb-pg does, with its defaults, flags and environment: an import
// of a small table stays in memory (no present file), and once told to
// spill (--spill-above, DRIFTDB_SPILL_ABOVE) updates and a snapshot leave
// the old versions and the newest documents to the index (a present file
// beside it), read back by select AS OF, drift and verify.
func TestCLIVersionIndex(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := driftdb(t, dir, "init", "d"); code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	if _, errOut, code := driftdb(t, dir, "sql", "-d", "d", "--version-index", "-e", "CREATE TABLE u (id int8 PRIMARY KEY, v int8 NOT NULL)"); code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	var rows strings.Builder
	for i := 1; i <= 3000; i++ {
		fmt.Fprintf(&rows, "%d,%d\n", i, i*10)
	}
	os.WriteFile(filepath.Join(dir, "u.csv"), []byte(rows.String()), 0o644)
	if out, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "u", "u.csv"); code != 0 || out != "imported 3000 rows into u\n" {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	present := func() []string {
		p, _ := filepath.Glob(filepath.Join(dir, "d", "tables", "u", "present.*"))
		return p
	}
	if p := present(); len(p) != 0 {
		t.Fatalf("present files after an import far below --spill-above: %v", p)
	}
	// An import long enough to snapshot the table at its end: held in
	// memory (the server's next open spills it), and spilled when given
	// --spill-above.
	var long strings.Builder
	for i := 1; i <= 12000; i++ {
		fmt.Fprintf(&long, "%d,%d\n", i, i)
	}
	os.WriteFile(filepath.Join(dir, "w.csv"), []byte(long.String()), 0o644)
	for _, c := range []struct {
		table   string
		args    []string
		present int
	}{{"w0", nil, 0}, {"w1", []string{"--spill-above", "0"}, 1}} {
		if _, errOut, code := driftdb(t, dir, "sql", "-d", "d", "-e", "CREATE TABLE "+c.table+" (id int8 PRIMARY KEY, v int8 NOT NULL)"); code != 0 {
			t.Fatalf("create %s: %d %s", c.table, code, errOut)
		}
		args := append([]string{"import", "-d", "d", "--table", c.table}, c.args...)
		if out, errOut, code := driftdb(t, dir, append(args, "w.csv")...); code != 0 || out != "imported 12000 rows into "+c.table+"\n" {
			t.Fatalf("import into %s: %d %q %q", c.table, code, out, errOut)
		}
		snaps, _ := filepath.Glob(filepath.Join(dir, "d", "tables", c.table, "snapshots", "*"))
		p, _ := filepath.Glob(filepath.Join(dir, "d", "tables", c.table, "present.*"))
		if len(snaps) == 0 || len(p) != c.present {
			t.Fatalf("import into %s %v: snapshots %v, present files %v, want %d", c.table, c.args, snaps, p, c.present)
		}
	}
	t.Setenv("DRIFTDB_SPILL_ABOVE", "0")
	t.Setenv("DRIFTDB_VERSION_INDEX", "true")
	t.Setenv("DRIFTDB_NEWEST_IN_INDEX", "true")
	for range 2 {
		if out, errOut, code := driftdb(t, dir, "sql", "-d", "d", "-e", "UPDATE u SET v = v + 1"); code != 0 || out != "UPDATE 3000\n" {
			t.Fatalf("update: %d %q %q", code, out, errOut)
		}
	}
	if _, errOut, code := driftdb(t, dir, "snapshot", "-d", "d", "--table", "u"); code != 0 {
		t.Fatalf("snapshot: %d %s", code, errOut)
	}
	if p := present(); len(p) != 1 {
		t.Fatalf("present files after the snapshot: %v, want one", p)
	}
	out, errOut, code := driftdb(t, dir, "drift", "-d", "d", "--table", "u", "--key", "7", "--format", "csv")
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, "70") || !strings.Contains(out, "72") {
		t.Fatalf("drift of row 7: %d %q %q", code, out, errOut)
	}
	// The row's first version, by its seq: the import's.
	first := regexp.MustCompile(`(?m)^(\d+),`).FindStringSubmatch(out[strings.Index(out, "\n")+1:])
	if first == nil {
		t.Fatalf("no seq in the drift of row 7: %q", out)
	}
	out, errOut, code = driftdb(t, dir, "select", "-d", "d", "--table", "u", "--where", "id = 7", "--as-of", "@seq:"+first[1], "--format", "csv")
	if code != 0 || out != "id,v\n7,70\n" {
		t.Fatalf("row 7 as of its first version: %d %q %q", code, out, errOut)
	}
	out, _, _ = driftdb(t, dir, "sql", "-d", "d", "-e", "SELECT count(*), sum(v) FROM u", "--format", "csv")
	if want := fmt.Sprintf("count,sum\n3000,%d\n", 3000*3001/2*10+2*3000); out != want {
		t.Fatalf("the present: %q, want %q", out, want)
	}
	if out, errOut, code := driftdb(t, dir, "verify", "-d", "d"); code != 0 {
		t.Fatalf("verify: %d %q %q", code, out, errOut)
	}
	t.Setenv("DRIFTDB_NEWEST_IN_INDEX", "maybe")
	if _, errOut, code := driftdb(t, dir, "select", "-d", "d", "--table", "u"); code != 2 || !strings.Contains(errOut, "DRIFTDB_NEWEST_IN_INDEX") {
		t.Fatalf("a variable that is not a boolean: exit %d, %q", code, errOut)
	}
	t.Setenv("DRIFTDB_NEWEST_IN_INDEX", "true")
	t.Setenv("DRIFTDB_SPILL_ABOVE", "lots")
	if _, errOut, code := driftdb(t, dir, "select", "-d", "d", "--table", "u"); code != 2 || !strings.Contains(errOut, "DRIFTDB_SPILL_ABOVE") {
		t.Fatalf("a variable that is not a size: exit %d, %q", code, errOut)
	}
}

// TestCLIWarnings: what the engine warns of while a command runs goes to
// stderr, the command's result to stdout as ever (an index file that
// cannot be used: the index is built again from the rows).
func TestCLIWarnings(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := driftdb(t, dir, "init", "d"); code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	if _, errOut, code := driftdb(t, dir, "sql", "-d", "d", "-e",
		"CREATE TABLE u (id int8 PRIMARY KEY, g text); CREATE INDEX ON u (g); INSERT INTO u VALUES (1, 'a'), (2, 'b'), (3, 'a')"); code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	if _, errOut, code := driftdb(t, dir, "snapshot", "-d", "d", "--table", "u"); code != 0 || errOut != "" {
		t.Fatalf("snapshot: %d %q", code, errOut)
	}
	idx := filepath.Join(dir, "d", "tables", "u", "indexes", "g.idx")
	b, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(idx, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := driftdb(t, dir, "select", "-d", "d", "--table", "u", "--where", "g = 'a'", "--format", "csv")
	if code != 0 || out != "id,g\n1,a\n3,a\n" {
		t.Fatalf("select: %d %q %q", code, out, errOut)
	}
	if !strings.Contains(errOut, "level=WARN") || !strings.Contains(errOut, "rebuilding an index") || !strings.Contains(errOut, "field=g") {
		t.Fatalf("no warning of the index file on stderr: %q", errOut)
	}
}

// TestCLIImportInCopies imports csv and text in COPYs of --batch rows,
// each committed: quoted newlines and escaped ones do not end a row, the
// end marker ends the data, and an error names the file's line, after
// the rows of the COPYs before it went in.
func TestCLIImportInCopies(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := driftdb(t, dir, "init", "d"); code != 0 {
		t.Fatalf("init: %d %s", code, errOut)
	}
	for _, tbl := range []string{"c", "x", "e"} {
		if _, errOut, code := driftdb(t, dir, "sql", "-d", "d", "-e", "CREATE TABLE "+tbl+" (id int8 PRIMARY KEY, note text)"); code != 0 {
			t.Fatalf("create: %d %s", code, errOut)
		}
	}
	var csvData, textData strings.Builder
	csvData.WriteString("id,note\n")
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&csvData, "%d,\"line %d\nand \"\"more\"\"\"\n", i, i)
		fmt.Fprintf(&textData, "%d\tline %d\\nand \\\\more\\\n%d\n", i, i, i)
	}
	textData.WriteString("\\.\n26\tafter the end\n")
	os.WriteFile(filepath.Join(dir, "c.csv"), []byte(csvData.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "x.txt"), []byte(textData.String()), 0o644)
	if out, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "c", "--header", "--batch", "4", "c.csv"); code != 0 || out != "imported 25 rows into c\n" {
		t.Fatalf("csv: %d %q %q", code, out, errOut)
	}
	if out, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "x", "--format", "text", "--batch", "4", "x.txt"); code != 0 || out != "imported 25 rows into x\n" {
		t.Fatalf("text: %d %q %q", code, out, errOut)
	}
	for _, c := range []struct{ table, want string }{
		{"c", `E'line 7\nand "more"'`},
		{"x", `E'line 7\nand \\more\n7'`},
	} {
		out, errOut, code := driftdb(t, dir, "sql", "-d", "d", "--format", "csv", "-e",
			"SELECT count(*), count(*) FILTER (WHERE id = 7 AND note = "+c.want+") FROM "+c.table)
		if code != 0 || out != "count,count\n25,1\n" {
			t.Fatalf("%s: %d %q %q", c.table, code, out, errOut)
		}
	}
	// Row 10 of 12 does not read: the two COPYs of 4 before it are in,
	// the error names the file's line 10.
	var bad strings.Builder
	for i := 1; i <= 12; i++ {
		v := strconv.Itoa(i)
		if i == 10 {
			v = "ten"
		}
		fmt.Fprintf(&bad, "%s,n\n", v)
	}
	os.WriteFile(filepath.Join(dir, "e.csv"), []byte(bad.String()), 0o644)
	_, errOut, code := driftdb(t, dir, "import", "-d", "d", "--table", "e", "--batch", "4", "e.csv")
	if code != 1 || !strings.Contains(errOut, "22P02") || !strings.Contains(errOut, "COPY e, line 10, column id") {
		t.Fatalf("a bad row: %d %q", code, errOut)
	}
	if out, _, _ := driftdb(t, dir, "sql", "-d", "d", "--format", "csv", "-e", "SELECT count(*), max(id) FROM e"); out != "count,max\n8,8\n" {
		t.Fatalf("after the bad row: %q, want the two COPYs before it", out)
	}
	// With a header, the lines an error names count it, as PostgreSQL's
	// COPY ... HEADER does: the bad row is the file's line 6.
	os.WriteFile(filepath.Join(dir, "h.csv"), []byte("id,note\n20,a\n21,b\n22,c\n23,d\nnot,e\n"), 0o644)
	_, errOut, code = driftdb(t, dir, "import", "-d", "d", "--table", "e", "--header", "--batch", "2", "h.csv")
	if code != 1 || !strings.Contains(errOut, "COPY e, line 6, column id") {
		t.Fatalf("a bad row after a header: %d %q", code, errOut)
	}
	// A key of the COPY before, which may still be being done while this
	// one is filled, again on line 7: the error names it, and neither it
	// nor the COPY after it is in.
	if _, errOut, code := driftdb(t, dir, "sql", "-d", "d", "-e", "CREATE TABLE u (id int8 PRIMARY KEY, note text)"); code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	os.WriteFile(filepath.Join(dir, "u.csv"), []byte("1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n3,again\n8,h\n9,i\n10,j\n11,k\n12,l\n13,m\n"), 0o644)
	_, errOut, code = driftdb(t, dir, "import", "-d", "d", "--table", "u", "--batch", "4", "u.csv")
	if code != 1 || !strings.Contains(errOut, "23505") || !strings.Contains(errOut, "COPY u, line 7") {
		t.Fatalf("a key again: %d %q", code, errOut)
	}
	if out, _, _ := driftdb(t, dir, "sql", "-d", "d", "--format", "csv", "-e", "SELECT count(*), max(id) FROM u"); out != "count,max\n4,4\n" {
		t.Fatalf("after the key again: %q, want the COPY before it", out)
	}
	// Without --batch the COPYs grow with the rows in (a quarter of them,
	// from 100,000 to 400,000): 100,000 rows five times, then 125,000,
	// then 156,250 from the file's line 625,001. Row 700,000 does not
	// read: the error names its line, and the COPYs before its own are in.
	if _, errOut, code := driftdb(t, dir, "sql", "-d", "d", "-e", "CREATE TABLE big (id int8 PRIMARY KEY, note text)"); code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	var big bytes.Buffer
	for i := 1; i <= 720_000; i++ {
		if i == 700_000 {
			big.WriteString("seven hundred thousand,n\n")
			continue
		}
		fmt.Fprintf(&big, "%d,n\n", i)
	}
	os.WriteFile(filepath.Join(dir, "big.csv"), big.Bytes(), 0o644)
	_, errOut, code = driftdb(t, dir, "import", "-d", "d", "--table", "big", "big.csv")
	if code != 1 || !strings.Contains(errOut, "22P02") || !strings.Contains(errOut, "COPY big, line 700000, column id") {
		t.Fatalf("a bad row of a large import: %d %q", code, errOut)
	}
	if out, _, _ := driftdb(t, dir, "sql", "-d", "d", "--format", "csv", "-e", "SELECT count(*), max(id) FROM big"); out != "count,max\n625000,625000\n" {
		t.Fatalf("after the bad row of a large import: %q, want the COPYs before its own", out)
	}
}
