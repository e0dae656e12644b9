package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/pgwire"
)

// TestCopyLikePostgres runs one psql script of COPY in and out (\copy and
// COPY ... FROM STDIN, text and csv, options, errors with their context)
// against DriftDB and PostgreSQL 15, and compares what psql prints.
func TestCopyLikePostgres(t *testing.T) {
	psql := psqlPath(t)
	pgURL, missing := startPostgres(t)
	if pgURL == "" {
		t.Skip(missing)
	}
	run := func(u string) string {
		t.Helper()
		cmd := exec.Command(psql, "-X", u, "-f", "testdata/copy/copy.sql")
		cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
		return string(out)
	}
	// PostgreSQL: in a database of its own.
	admin, err := pgx.Connect(bg, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	db := fmt.Sprintf("driftdb_copy_%d", os.Getpid())
	mustExec(t, admin, "CREATE DATABASE "+db)
	defer func() {
		admin.Exec(bg, "DROP DATABASE "+db+" WITH (FORCE)")
		admin.Close(bg)
	}()
	pu, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	pu.Path = "/" + db
	want := run(pu.String())
	s := startServer(t, pgwire.Config{})
	got := run(s.url(""))
	if got != want {
		t.Fatalf("psql prints differently:\n--- DriftDB\n%s\n--- PostgreSQL 15\n%s", got, want)
	}
}

// TestCopyDrivers: pgx's CopyFrom (binary COPY FROM STDIN) loads rows of
// every common type, COPY TO STDOUT in binary and text reads them back,
// a CopyFail writes nothing, a COPY in a transaction rolls back with it,
// and the extended protocol carries COPY too.
func TestCopyDrivers(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE cp (id int8 PRIMARY KEY, name text, amount numeric(12,2), ok bool, at timestamptz, doc jsonb, f float8)`)
	at := time.Date(2026, 12, 2, 10, 30, 0, 123000, time.UTC)
	var rows [][]any
	for i := range 5000 {
		var name any = fmt.Sprintf("row %d\twith tab", i)
		if i%7 == 0 {
			name = nil
		}
		rows = append(rows, []any{int64(i), name, fmt.Sprintf("%d.%02d", i, i%100), i%2 == 0, at.Add(time.Duration(i) * time.Second),
			map[string]any{"i": i, "s": "x"}, float64(i) / 4})
	}
	n, err := c.CopyFrom(bg, pgx.Identifier{"cp"}, []string{"id", "name", "amount", "ok", "at", "doc", "f"}, pgx.CopyFromRows(rows))
	if err != nil || n != 5000 {
		t.Fatalf("CopyFrom: %d %v", n, err)
	}
	var sum float64
	var cnt, nulls int64
	if err := c.QueryRow(bg, `SELECT count(*), sum(amount)::float8, count(*) - count(name) FROM cp`).Scan(&cnt, &sum, &nulls); err != nil ||
		cnt != 5000 || nulls != 715 {
		t.Fatalf("after CopyFrom: %d rows, %d NULL names, %v", cnt, nulls, err)
	}
	var name string
	var doc map[string]any
	var got time.Time
	if err := c.QueryRow(bg, `SELECT name, doc, at FROM cp WHERE id = 1`).Scan(&name, &doc, &got); err != nil ||
		name != "row 1\twith tab" || doc["s"] != "x" || !got.Equal(at.Add(time.Second)) {
		t.Fatalf("row 1: %q %v %v %v", name, doc, got, err)
	}

	// COPY TO STDOUT, text and binary: the text is PostgreSQL's.
	var out bytes.Buffer
	tag, err := c.PgConn().CopyTo(bg, &out, `COPY (SELECT id, name, amount, ok FROM cp WHERE id IN (1, 7) ORDER BY id) TO STDOUT`)
	if err != nil || tag.String() != "COPY 2" || out.String() != "1\trow 1\\twith tab\t1.01\tf\n7\t\\N\t7.07\tf\n" {
		t.Fatalf("COPY TO text: %q %q %v", tag, out.String(), err)
	}
	out.Reset()
	if _, err := c.PgConn().CopyTo(bg, &out, `COPY cp TO STDOUT WITH (FORMAT binary)`); err != nil ||
		!bytes.HasPrefix(out.Bytes(), []byte("PGCOPY\n\xff\r\n\x00")) || !bytes.HasSuffix(out.Bytes(), []byte{0xff, 0xff}) {
		t.Fatalf("COPY TO binary: %d bytes, %v", out.Len(), err)
	}
	// The binary rows load into another table as they are.
	mustExec(t, c, `CREATE TABLE cp2 (id int8 PRIMARY KEY, name text, amount numeric(12,2), ok bool, at timestamptz, doc jsonb, f float8)`)
	if tag, err := c.PgConn().CopyFrom(bg, bytes.NewReader(out.Bytes()), `COPY cp2 FROM STDIN WITH (FORMAT binary)`); err != nil || tag.String() != "COPY 5000" {
		t.Fatalf("COPY FROM binary: %v %v", tag, err)
	}
	var diff int64
	if err := c.QueryRow(bg, `SELECT count(*) FROM cp JOIN cp2 ON cp.id = cp2.id WHERE cp.name IS DISTINCT FROM cp2.name OR cp.amount <> cp2.amount OR cp.at <> cp2.at OR cp.doc <> cp2.doc OR cp.f <> cp2.f`).Scan(&diff); err != nil || diff != 0 {
		t.Fatalf("binary round trip: %d rows differ, %v", diff, err)
	}

	// A CopyFail writes nothing, and the session goes on.
	_, err = c.PgConn().CopyFrom(bg, failingReader{}, `COPY cp FROM STDIN`)
	if sqlState(err) != "57014" {
		t.Fatalf("CopyFail: %v", err)
	}
	// A bad row fails the whole COPY: the rows before it are not kept.
	_, err = c.PgConn().CopyFrom(bg, strings.NewReader("9001\ta\t1\tt\t2026-01-01\t{}\t1\n9002\tb\tx\tt\t2026-01-01\t{}\t1\n"), `COPY cp FROM STDIN`)
	if sqlState(err) != "22P02" || !strings.Contains(err.Error(), "numeric") {
		t.Fatalf("bad value: %v", err)
	}
	if err := c.QueryRow(bg, `SELECT count(*) FROM cp WHERE id > 9000`).Scan(&cnt); err != nil || cnt != 0 {
		t.Fatalf("rows of a failed COPY: %d %v", cnt, err)
	}
	// In a transaction, COPY's rows go with it.
	tx, err := c.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.CopyFrom(bg, pgx.Identifier{"cp"}, []string{"id"}, pgx.CopyFromRows([][]any{{int64(9100)}, {int64(9101)}})); err != nil {
		t.Fatal(err)
	}
	tx.Rollback(bg)
	if err := c.QueryRow(bg, `SELECT count(*) FROM cp WHERE id > 9000`).Scan(&cnt); err != nil || cnt != 0 {
		t.Fatalf("rows of a rolled back COPY: %d %v", cnt, err)
	}
	// A duplicate key: 23505 with PostgreSQL's detail.
	_, err = c.PgConn().CopyFrom(bg, strings.NewReader("1\n"), `COPY cp (id) FROM STDIN`)
	if sqlState(err) != "23505" || !strings.Contains(err.Error(), `"cp_pkey"`) {
		t.Fatalf("duplicate key: %v", err)
	}
	// In binary, a key the table had, in the third tuple: its line.
	dup := [][]any{{int64(9200)}, {int64(9201)}, {int64(42)}, {int64(9203)}}
	_, err = c.CopyFrom(bg, pgx.Identifier{"cp"}, []string{"id"}, pgx.CopyFromRows(dup))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" || pe.Detail != "Key (id)=(42) already exists." || pe.Where != "COPY cp, line 3" {
		t.Fatalf("binary duplicate key: %v %+v", err, pe)
	}
	if err := c.QueryRow(bg, `SELECT count(*) FROM cp`).Scan(&cnt); err != nil || cnt != 5000 {
		t.Fatalf("after the failures: %d %v", cnt, err)
	}
}

// failingReader fails at once: pgconn sends CopyFail with its message.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, fmt.Errorf("the client gave up") }

// TestCopyTimeout: a COPY FROM STDIN waiting for data that does not come
// ends with the statement timeout, and a cancel ends one too; the
// session goes on.
func TestCopyTimeout(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE ct (id int8 PRIMARY KEY)`)
	mustExec(t, c, `SET statement_timeout = 200`)
	start := time.Now()
	_, err := c.PgConn().CopyFrom(bg, stallingReader{d: time.Second}, `COPY ct FROM STDIN`)
	if sqlState(err) != "57014" || time.Since(start) > 5*time.Second {
		t.Fatalf("COPY under a 200 ms timeout: %v after %v", err, time.Since(start))
	}
	mustExec(t, c, `SET statement_timeout = 0`)
	var n int64
	if err := c.QueryRow(bg, `SELECT count(*) FROM ct`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after: %d %v", n, err)
	}
	// A CancelRequest while the server waits for COPY data: the server
	// answers 57014 on the session, which goes on.
	nc, fe, key := rawSession(t, s.addr)
	defer nc.Close()
	fe.Send(&pgproto3.Query{String: "COPY ct FROM STDIN"})
	fe.Flush()
	if m, err := fe.Receive(); err != nil {
		t.Fatal(err)
	} else if _, ok := m.(*pgproto3.CopyInResponse); !ok {
		t.Fatalf("COPY answered %#v", m)
	}
	fe.Send(&pgproto3.CopyData{Data: []byte("41\n")})
	fe.Flush()
	cc, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	cfe := pgproto3.NewFrontend(cc, cc)
	cfe.Send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: key.SecretKey})
	cfe.Flush()
	cc.Close()
	m, err := fe.Receive()
	if e, ok := m.(*pgproto3.ErrorResponse); err != nil || !ok || e.Code != "57014" {
		t.Fatalf("cancelled COPY: %#v %v", m, err)
	}
	if m, err := fe.Receive(); err != nil {
		t.Fatal(err)
	} else if _, ok := m.(*pgproto3.ReadyForQuery); !ok {
		t.Fatalf("after the cancel: %#v", m)
	}
	if err := c.QueryRow(bg, `SELECT count(*) FROM ct`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows of the cancelled COPY: %d %v", n, err)
	}
}

// stallingReader gives no data for a while, then ends: pgconn's
// CopyFrom waits for its reading goroutine, whatever the server answered
// meanwhile.
type stallingReader struct{ d time.Duration }

func (r stallingReader) Read([]byte) (int, error) {
	time.Sleep(r.d)
	return 0, io.EOF
}
