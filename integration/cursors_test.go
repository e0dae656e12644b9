package integration

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/driftdb/driftdb/pgwire"
)

// The expected outputs below are what the same programs print against
// PostgreSQL 15.

// TestPsycopgNamedCursors runs psycopg2's named cursors: iteration by
// itersize, fetchone, fetchmany, fetchall, scroll (relative, absolute,
// backward on a scrollable cursor, refused on a NO SCROLL one), and a
// cursor WITH HOLD across commits.
func TestPsycopgNamedCursors(t *testing.T) {
	python := need(t, "/usr/bin/python3", "python3")
	if err := exec.Command(python, "-c", "import psycopg2").Run(); err != nil {
		need(t, "/nonexistent/psycopg2", "python3-psycopg2")
	}
	s := startServer(t, pgwire.Config{})
	out, err := exec.Command(python, "testdata/clients/psycopg_cursors.py", s.url("")).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := `iterated 990 500445 FETCH 0
(1, 'v1') 1
[(2, 'v2'), (3, 'v3'), (4, 'v4')] 3
(15, 'v15') 1
(501, 'v501') 1
499 (502, 'v502') (1000, 'v1000') FETCH 499
[] None
error 55000
[(1,), (2,), (3,), (4,), (5,)]
(3,)
(1,)
[(20,)]
(2,) 1
(1, 'v1')
[(2, 'v2'), (3, 'v3')]
[(4, 'v4'), (5, 'v5')]
('changed',)
`
	if string(out) != want {
		t.Fatalf("psycopg2 printed:\n%s\nwant:\n%s", out, want)
	}
}

// TestJDBCFetchSize runs pgjdbc with autocommit off and a fetch size over
// 1000 rows, through a proxy that counts the Execute messages it sends:
// the rows must come in portions of the fetch size (an Execute with that
// row limit for each), while other statements run between them, and
// writes of the transaction made between them do not show in them; and
// SQL cursors through JDBC.
func TestJDBCFetchSize(t *testing.T) {
	jar := need(t, "/usr/share/java/postgresql.jar", "libpostgresql-jdbc-java")
	javac, err := exec.LookPath("javac")
	if err != nil {
		need(t, "/nonexistent/javac", "openjdk-17-jdk-headless")
	}
	dir := t.TempDir()
	if out, err := exec.Command(javac, "-d", dir, "-cp", jar, "testdata/clients/Cursors.java").CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	s := startServer(t, pgwire.Config{})
	p := startExecCounter(t, s.addr)
	url := "jdbc:postgresql://" + p.addr + "/driftdb?user=driftdb&sslmode=disable"
	out, err := exec.Command("java", "-cp", jar+string(filepath.ListSeparator)+dir, "Cursors", url).CombinedOutput()
	if err != nil {
		t.Fatalf("java: %v\n%s", err, out)
	}
	want := "count 1000\nrows 1000 sum 500500 last v1000\nrows 1000\n" +
		"snapshot 5=v5 10=v10 15=v15 20=v20 25=v25 rows 25\nfetched v1 v2 v3\nmoved 1\nbackward 29 28\n"
	if string(out) != want {
		t.Fatalf("JDBC printed:\n%s\nwant:\n%s", out, want)
	}
	// 1000 rows by 10: 100 portions and one Execute that finds the end
	// (PostgreSQL suspends a portal that gave its limit without looking
	// further), then 25 rows in 3; 1000 rows by 100: 10 and one.
	limits := p.counts()
	if limits[10] != 101+3 || limits[100] != 11 {
		t.Errorf("Execute messages by row limit: %v, want 104 with limit 10 and 11 with limit 100", limits)
	}
}

// TestCursorParams declares a cursor with parameters through the
// extended protocol: the cursor keeps its own values when the unnamed
// portal is bound again, FETCH describes the cursor's columns, and an
// UPDATE ... WHERE CURRENT OF takes the client's parameters alone.
func TestCursorParams(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	for _, sql := range []string{
		"CREATE TABLE cp (id int8 PRIMARY KEY, v text)",
		"INSERT INTO cp SELECT g, 'v' || g FROM generate_series(1, 100) g",
		"BEGIN",
	} {
		if _, err := c.Exec(bg, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if _, err := c.Exec(bg, "DECLARE c CURSOR FOR SELECT id, v FROM cp WHERE id >= $1 AND v <> $2 ORDER BY id", int64(97), "v99"); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := c.QueryRow(bg, "SELECT count(*) FROM cp WHERE id < $1 AND v <> $2", int64(5), "x").Scan(&n); err != nil || n != 4 {
		t.Fatalf("count: %d %v", n, err)
	}
	var id int64
	var v string
	if err := c.QueryRow(bg, "FETCH c").Scan(&id, &v); err != nil || id != 97 {
		t.Fatalf("FETCH c: %d %v", id, err)
	}
	if tag, err := c.Exec(bg, "UPDATE cp SET v = $1 WHERE CURRENT OF c", "current"); err != nil || tag.String() != "UPDATE 1" {
		t.Fatalf("UPDATE ... WHERE CURRENT OF: %v %v", tag, err)
	}
	rows, err := c.Query(bg, "FETCH ALL FROM c")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s", id, v))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if tag := rows.CommandTag().String(); tag != "FETCH 2" || strings.Join(got, ",") != "98 v98,100 v100" {
		t.Errorf("FETCH ALL: %q %v", tag, got)
	}
	if _, err := c.Exec(bg, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(bg, "SELECT v FROM cp WHERE id = 97").Scan(&v); err != nil || v != "current" {
		t.Errorf("row 97 after COMMIT: %q %v", v, err)
	}
}

// TestBinaryCursor fetches from a BINARY cursor through the simple
// protocol: the rows come in binary format, as PostgreSQL sends them.
func TestBinaryCursor(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	res, err := c.PgConn().Exec(bg, "BEGIN; DECLARE b BINARY CURSOR FOR SELECT 258::int8 AS n, 'hi'::text AS t; FETCH b; COMMIT").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 {
		t.Fatalf("%d results", len(res))
	}
	f := res[2]
	if f.CommandTag.String() != "FETCH 1" || len(f.FieldDescriptions) != 2 || len(f.Rows) != 1 {
		t.Fatalf("FETCH b: %v %v %v", f.CommandTag, f.FieldDescriptions, f.Rows)
	}
	for _, fd := range f.FieldDescriptions {
		if fd.Format != 1 {
			t.Errorf("column %s in format %d", fd.Name, fd.Format)
		}
	}
	if got := f.Rows[0]; !bytes.Equal(got[0], []byte{0, 0, 0, 0, 0, 0, 1, 2}) || string(got[1]) != "hi" {
		t.Errorf("row %v", got)
	}
}

// execCounter is a proxy to a server that counts the Execute messages
// its clients send, by their row limit.
type execCounter struct {
	addr   string
	mu     sync.Mutex
	limits map[uint32]int
}

func (p *execCounter) counts() map[uint32]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[uint32]int{}
	for k, v := range p.limits {
		out[k] = v
	}
	return out
}

// startExecCounter starts a proxy to the server at addr until the test
// ends.
func startExecCounter(t *testing.T, addr string) *execCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &execCounter{addr: ln.Addr().String(), limits: map[uint32]int{}}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", addr)
			if err != nil {
				client.Close()
				continue
			}
			wg.Add(2)
			go func() {
				defer wg.Done()
				io.Copy(client, server)
				client.Close()
			}()
			go func() {
				defer wg.Done()
				p.forward(server, client)
				server.Close()
			}()
		}
	}()
	return p
}

// forward copies the client's messages to the server, counting the
// Execute messages: untyped ones (SSLRequest, the startup message) until
// the startup message, typed ones after.
func (p *execCounter) forward(server io.Writer, client io.Reader) {
	r := bufio.NewReader(client)
	started := false
	var head [5]byte
	for {
		h := head[1:]
		if started {
			h = head[:]
		}
		if _, err := io.ReadFull(r, h); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(h[len(h)-4:])) - 4
		if n < 0 {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		if !started {
			// SSLRequest and GSSENCRequest come before the startup
			// message; anything else is it.
			code := uint32(0)
			if len(body) >= 4 {
				code = binary.BigEndian.Uint32(body)
			}
			started = code != 80877103 && code != 80877104
		} else if head[0] == 'E' {
			if i := bytes.IndexByte(body, 0); i >= 0 && len(body) >= i+5 {
				p.mu.Lock()
				p.limits[binary.BigEndian.Uint32(body[i+1:])]++
				p.mu.Unlock()
			}
		}
		if _, err := server.Write(append(append([]byte(nil), h...), body...)); err != nil {
			return
		}
	}
}
