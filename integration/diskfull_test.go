package integration

import (
	"syscall"
	"testing"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/pgwire"
	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// memServer starts a server on a database in memory, behind a fault
// injector.
func memServer(t *testing.T) (*server, *vfs.MemFS, *vfs.FaultFS) {
	t.Helper()
	mem := vfs.NewMem()
	faults := vfs.NewFaultFS(mem)
	s := startServerOn(t, pgwire.Config{}, "/data", engine.Options{Store: store.Options{FS: faults}})
	return s, mem, faults
}

func count(t *testing.T, s *server, table string) int64 {
	t.Helper()
	var n int64
	if err := connect(t, s.url("")).QueryRow(bg, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// TestDiskFullOverTheWire: a client whose write finds the disk full gets
// SQLSTATE 53100 (disk_full), in a statement or at COMMIT; reads go on;
// once there is space the same writes succeed, without a restart, and
// nothing of the failed ones shows.
func TestDiskFullOverTheWire(t *testing.T) {
	s, _, faults := memServer(t)
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE t (id int8 PRIMARY KEY, v text)`)
	mustExec(t, c, `INSERT INTO t (id, v) VALUES (1, 'one')`)
	full := faults.Inject(vfs.Fault{Ops: vfs.OpWrite, Path: "segments/", Err: syscall.ENOSPC})
	if _, err := c.Exec(bg, `INSERT INTO t (id, v) VALUES (2, 'two')`); sqlState(err) != "53100" {
		t.Fatalf("insert on a full disk: %v (want 53100)", err)
	}
	mustExec(t, c, `BEGIN`)
	mustExec(t, c, `INSERT INTO t (id, v) VALUES (3, 'three')`)
	mustExec(t, c, `UPDATE t SET v = 'uno' WHERE id = 1`)
	if _, err := c.Exec(bg, `COMMIT`); sqlState(err) != "53100" {
		t.Fatalf("commit on a full disk: %v (want 53100)", err)
	}
	// The session goes on, reads too, on this and other connections.
	var v string
	if err := c.QueryRow(bg, `SELECT v FROM t WHERE id = 1`).Scan(&v); err != nil || v != "one" {
		t.Fatalf("read on a full disk: %q %v", v, err)
	}
	if n := count(t, s, "t"); n != 1 {
		t.Fatalf("%d rows on a full disk, want 1", n)
	}
	full.Remove()
	mustExec(t, c, `INSERT INTO t (id, v) VALUES (2, 'two')`)
	mustExec(t, c, `BEGIN`)
	mustExec(t, c, `INSERT INTO t (id, v) VALUES (3, 'three')`)
	mustExec(t, c, `UPDATE t SET v = 'uno' WHERE id = 1`)
	mustExec(t, c, `COMMIT`)
	if n := count(t, s, "t"); n != 3 {
		t.Fatalf("%d rows once there is space, want 3", n)
	}
	if err := c.QueryRow(bg, `SELECT v FROM t WHERE id = 1`).Scan(&v); err != nil || v != "uno" {
		t.Fatalf("row 1 reads %q %v", v, err)
	}
}

// TestFailedFsyncOverTheWire: a commit whose fsync fails answers 58030
// and is never acknowledged; every write after it answers 58030, even
// once the disk works again, until the server restarts; reads go on.
func TestFailedFsyncOverTheWire(t *testing.T) {
	s, mem, faults := memServer(t)
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE t (id int8 PRIMARY KEY)`)
	mustExec(t, c, `INSERT INTO t (id) VALUES (1)`)
	faults.Inject(vfs.Fault{Ops: vfs.OpSync, Path: "segments/", Times: 1, Err: syscall.EIO})
	if _, err := c.Exec(bg, `INSERT INTO t (id) VALUES (2)`); sqlState(err) != "58030" {
		t.Fatalf("insert with a failing fsync: %v (want 58030)", err)
	}
	if _, err := c.Exec(bg, `INSERT INTO t (id) VALUES (3)`); sqlState(err) != "58030" {
		t.Fatalf("insert after a failed fsync: %v (want 58030)", err)
	}
	if n := count(t, s, "t"); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
	// A restart after a crash: the acknowledged row is there, and the
	// server takes writes.
	s2 := startServerOn(t, pgwire.Config{}, "/data", engine.Options{Store: store.Options{FS: mem.CrashClone()}})
	c2 := connect(t, s2.url(""))
	mustExec(t, c2, `INSERT INTO t (id) VALUES (2)`)
	if n := count(t, s2, "t"); n != 2 {
		t.Fatalf("%d rows after the restart, want 2", n)
	}
}
