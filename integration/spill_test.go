package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestServerBinarySpills runs the driftdb-pg binary with its defaults on
// a table far below --spill-above (held: a snapshot leaves no present
// file), then again with a threshold the table is past: the start spills
// it in the background, unwritten (its present file appears), and pgx
// reads the same present and the same past from it; started a third time
// with the defaults, it stays spilled, writes its extents, and reads the
// same past from them; a clean stop keeps them, and the next start
// reads them again.
func TestServerBinarySpills(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	present := func() []string {
		p, _ := filepath.Glob(filepath.Join(dir, "tables", "u", "present.*"))
		return p
	}
	b := startBinary(t, []string{"DRIFTDB_DATA=" + dir})
	mustExec(t, b.conn, `CREATE TABLE u (id int8 PRIMARY KEY, v int8 NOT NULL)`)
	mustExec(t, b.conn, `CREATE INDEX ON u (v)`)
	mustExec(t, b.conn, `INSERT INTO u SELECT g, g FROM generate_series(1, 20000) g`)
	var before int64
	if err := b.conn.QueryRow(bg, `SELECT max(_seq) FROM u`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	mustExec(t, b.conn, `UPDATE u SET v = v + 1 WHERE id <= 5000`)
	mustExec(t, b.conn, `SNAPSHOT u`)
	if p := present(); len(p) != 0 {
		t.Fatalf("present files of a table far below --spill-above: %v", p)
	}
	b.stop(t)

	check := func(b *binaryServer) {
		t.Helper()
		var n, sum, past int64
		if err := b.conn.QueryRow(bg, `SELECT count(*), sum(v) FROM u`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if want := int64(20000*20001/2 + 5000); n != 20000 || sum != want {
			t.Fatalf("count %d sum %d, want 20000 and %d", n, sum, want)
		}
		if err := b.conn.QueryRow(bg, fmt.Sprintf(`SELECT sum(v) FROM u AS OF %d`, before)).Scan(&past); err != nil {
			t.Fatal(err)
		}
		if past != 20000*20001/2 {
			t.Fatalf("sum as of seq %d: %d, want %d", before, past, 20000*20001/2)
		}
		var v int64
		if err := b.conn.QueryRow(bg, fmt.Sprintf(`SELECT v FROM u WHERE id = 7 AS OF %d`, before)).Scan(&v); err != nil || v != 7 {
			t.Fatalf("row 7 as of seq %d: %d, %v", before, v, err)
		}
		// A row never changed: its newest version an INSERT, whose
		// document a spilled table reads from the log (the index's row
		// entry holds none).
		if err := b.conn.QueryRow(bg, `SELECT v FROM u WHERE id = 15000`).Scan(&v); err != nil || v != 15000 {
			t.Fatalf("row 15000: %d, %v", v, err)
		}
	}
	b = startBinary(t, []string{"DRIFTDB_DATA=" + dir}, "--spill-above", "64kB")
	for deadline := time.Now().Add(30 * time.Second); len(present()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the table did not spill after the start:\n%s", b.logs.String())
		}
	}
	check(b)
	b.stop(t)

	b = startBinary(t, []string{"DRIFTDB_DATA=" + dir})
	check(b)
	if p := present(); len(p) != 1 {
		t.Fatalf("present files after a start with the defaults: %v, want the spill's", p)
	}
	// A second after the start the server writes the spilled history
	// again clustered by row (DATA/extents), and the reads of the past
	// (row 7 AS OF before its UPDATE is in its gap) take it.
	// A file is the table's once it is sealed: it ends with its trailer.
	sealed := func() []string {
		p, _ := filepath.Glob(filepath.Join(dir, "extents", "*.x"))
		var s []string
		for _, path := range p {
			f, err := os.Open(path)
			if err != nil {
				continue
			}
			var tail [8]byte
			if fi, err := f.Stat(); err == nil && fi.Size() >= 8 {
				if _, err := f.ReadAt(tail[:], fi.Size()-8); err == nil && string(tail[:]) == "DRIFTDXS" {
					s = append(s, path)
				}
			}
			f.Close()
		}
		return s
	}
	for deadline := time.Now().Add(30 * time.Second); len(sealed()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no extents written after the start:\n%s", b.logs.String())
		}
	}
	check(b)
	b.stop(t)
	files := sealed()
	if len(files) != 1 {
		t.Fatalf("extents files after a clean stop: %v, want one", files)
	}
	b = startBinary(t, []string{"DRIFTDB_DATA=" + dir})
	check(b)
	b.stop(t)
	if p := sealed(); !slices.Equal(p, files) {
		t.Fatalf("extents files after a restart: %v, want %v", p, files)
	}

	// driftdb verify reads the extents against the index: right as the
	// server wrote them; a byte flipped in an extent is reported (a read
	// goes around it), and is no damage.
	out, errOut, code := driftdb(t, "", "verify", "-d", dir)
	if code != 0 || strings.Contains(out, "extents") || !strings.HasSuffix(out, ": ok\n") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
	x, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	x[len(x)/3] ^= 0x01
	if err := os.WriteFile(files[0], x, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = driftdb(t, "", "verify", "-d", dir)
	if code != 0 || !strings.Contains(out, "extents") || !strings.HasSuffix(out, ": ok\n") {
		t.Fatalf("verify of a flipped byte: exit %d\n%s%s", code, out, errOut)
	}
}

// TestServerBinaryKeepsNewIndex: CREATE INDEX on a table that has
// spilled builds the index into the version index, and nothing is written
// behind it: the next start takes the index from there with no file of
// its own, and it finds the rows, now and in the past.
func TestServerBinaryKeepsNewIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	tdir := filepath.Join(dir, "tables", "u")
	b := startBinary(t, []string{"DRIFTDB_DATA=" + dir}, "--spill-above", "64kB")
	mustExec(t, b.conn, `CREATE TABLE u (id int8 PRIMARY KEY, v int8 NOT NULL, w text NOT NULL)`)
	mustExec(t, b.conn, `INSERT INTO u SELECT g, g % 100, 'w' || g FROM generate_series(1, 20000) g`)
	mustExec(t, b.conn, `SNAPSHOT u`)
	if p, _ := filepath.Glob(filepath.Join(tdir, "present.*")); len(p) == 0 {
		t.Fatalf("the table did not spill at its snapshot:\n%s", b.logs.String())
	}
	var before int64
	if err := b.conn.QueryRow(bg, `SELECT max(_seq) FROM u`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	mustExec(t, b.conn, `UPDATE u SET v = 100 WHERE id <= 50`)
	mustExec(t, b.conn, `CREATE INDEX u_v ON u (v)`)
	b.stop(t)
	idx := filepath.Join(tdir, "indexes", "v.idx")
	if _, err := os.Stat(idx); err == nil {
		t.Fatalf("an index file after CREATE INDEX on a spilled table:\n%s", b.logs.String())
	}

	b = startBinary(t, []string{"DRIFTDB_DATA=" + dir})
	for _, c := range []struct {
		q    string
		want int64
	}{
		{`SELECT count(*) FROM u WHERE v = 100`, 50},
		{`SELECT count(*) FROM u WHERE v = 7`, 199}, // row 7 among the 50 updated
		{fmt.Sprintf(`SELECT count(*) FROM u AS OF %d WHERE v = 7`, before), 200},
		{fmt.Sprintf(`SELECT count(*) FROM u AS OF %d WHERE v = 100`, before), 0},
	} {
		var n int64
		if err := b.conn.QueryRow(bg, c.q).Scan(&n); err != nil || n != c.want {
			t.Fatalf("%s: %d, %v; want %d", c.q, n, err, c.want)
		}
	}
	b.stop(t)
	if out, errOut, code := driftdb(t, "", "verify", "-d", dir); code != 0 || !strings.HasSuffix(out, ": ok\n") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
}
