package vfs

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"strings"
	"testing"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, fsys FS, name, data string, sync bool) {
	t.Helper()
	f, err := fsys.Create(name)
	must(t, err)
	_, err = f.Write([]byte(data))
	must(t, err)
	if sync {
		must(t, f.Sync())
	}
	must(t, f.Close())
}

func content(t *testing.T, fsys FS, name string) (string, bool) {
	t.Helper()
	b, err := ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	must(t, err)
	return string(b), true
}

func names(t *testing.T, fsys FS, dir string) string {
	t.Helper()
	ents, err := fsys.ReadDir(dir)
	must(t, err)
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		out = append(out, n)
	}
	return strings.Join(out, " ")
}

// TestMemBasics: MemFS behaves as a POSIX file system for what the store
// does with one.
func TestMemBasics(t *testing.T) {
	m := NewMem()
	if err := m.Mkdir("/a/b"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("mkdir without parent: %v", err)
	}
	must(t, MkdirAll(m, "/a/b"))
	must(t, MkdirAll(m, "/a/b"))
	if err := m.Mkdir("/a"); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("mkdir of an existing dir: %v", err)
	}
	writeFile(t, m, "/a/b/f", "hello", false)
	if got, _ := content(t, m, "a/b/f"); got != "hello" {
		t.Fatalf("relative path reads %q", got)
	}
	f, err := m.OpenReadWrite("/a/b/f")
	must(t, err)
	_, err = f.WriteAt([]byte("J"), 0)
	must(t, err)
	_, err = f.WriteAt([]byte("!"), 7) // past the end: a hole of zeros
	must(t, err)
	buf := make([]byte, 10)
	n, err := f.ReadAt(buf, 0)
	if n != 8 || err != io.EOF || string(buf[:n]) != "Jello\x00\x00!" {
		t.Fatalf("ReadAt: %d %v %q", n, err, buf[:n])
	}
	must(t, f.Truncate(2))
	st, err := f.Stat()
	must(t, err)
	if st.Size() != 2 || st.Name() != "f" || st.IsDir() {
		t.Fatalf("stat: %d %q %v", st.Size(), st.Name(), st.IsDir())
	}
	must(t, f.Close())
	if _, err := f.ReadAt(buf, 0); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	ro, err := m.Open("/a/b/f")
	must(t, err)
	if _, err := ro.WriteAt([]byte("x"), 0); err == nil {
		t.Fatal("write to a file opened read-only")
	}
	must(t, ro.Close())

	writeFile(t, m, "/a/b/g", "g", false)
	must(t, m.Rename("/a/b/g", "/a/b/f")) // replaces f
	if got, _ := content(t, m, "/a/b/f"); got != "g" {
		t.Fatalf("after rename over it, f reads %q", got)
	}
	if got := names(t, m, "/a"); got != "b/" {
		t.Fatalf("ReadDir /a: %q", got)
	}
	if got := names(t, m, "/a/b"); got != "f" {
		t.Fatalf("ReadDir /a/b: %q", got)
	}
	if err := m.Remove("/a/b"); err == nil {
		t.Fatal("removed a directory that is not empty")
	}
	must(t, m.Remove("/a/b/f"))
	if _, err := m.Stat("/a/b/f"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat of a removed file: %v", err)
	}
	must(t, m.Remove("/a/b"))

	// Locks conflict until closed.
	l, err := m.Lock("/LOCK")
	must(t, err)
	if _, err := m.Lock("/LOCK"); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v", err)
	}
	must(t, l.Close())
	l, err = m.Lock("/LOCK")
	must(t, err)
	must(t, l.Close())
}

// TestCrashClone: a crash keeps file data only as far as it was synced,
// and directory entries only where the directory was synced after they
// were made, renamed or removed.
func TestCrashClone(t *testing.T) {
	m := NewMem()
	must(t, MkdirAll(m, "/d")) // durable: MkdirAll syncs the parent

	writeFile(t, m, "/d/synced", "one", true)    // data synced, entry not
	writeFile(t, m, "/d/unsynced", "two", false) // neither
	must(t, m.SyncDir("/d"))                     // both entries now durable
	writeFile(t, m, "/d/late", "three", true)    // entry made after the sync
	f, err := m.OpenReadWrite("/d/synced")
	must(t, err)
	_, err = f.WriteAt([]byte("ONE, and more"), 0) // not synced
	must(t, err)

	c := m.CrashClone()
	if got := names(t, c, "/d"); got != "synced unsynced" {
		t.Fatalf("entries after a crash: %q", got)
	}
	if got, _ := content(t, c, "/d/synced"); got != "one" {
		t.Fatalf("synced file after a crash: %q", got)
	}
	if got, _ := content(t, c, "/d/unsynced"); got != "" {
		t.Fatalf("unsynced file after a crash: %q", got)
	}
	// Nothing of m changed, and the clone's state is durable.
	if got, _ := content(t, m, "/d/synced"); got != "ONE, and more" {
		t.Fatalf("m after a clone: %q", got)
	}
	if got := names(t, c.CrashClone(), "/d"); got != "synced unsynced" {
		t.Fatalf("a clone of the clone: %q", got)
	}

	// Sync makes the new data durable; a rename is atomic, and durable
	// with its directory's sync; a remove likewise.
	must(t, f.Sync())
	must(t, f.Close())
	writeFile(t, m, "/d/x.tmp", "new", true)
	must(t, m.Rename("/d/x.tmp", "/d/synced"))
	must(t, m.Remove("/d/unsynced"))
	c = m.CrashClone()
	if got, _ := content(t, c, "/d/synced"); got != "ONE, and more" {
		t.Fatalf("before the dir sync, the rename is lost: %q", got)
	}
	if _, ok := content(t, c, "/d/unsynced"); !ok {
		t.Fatal("before the dir sync, the remove is lost")
	}
	must(t, m.SyncDir("/d"))
	c = m.CrashClone()
	if got := names(t, c, "/d"); got != "late synced" {
		t.Fatalf("entries: %q", got)
	}
	if got, _ := content(t, c, "/d/synced"); got != "new" {
		t.Fatalf("after the dir sync, synced reads %q", got)
	}

	// A directory made without syncing its parent is gone, with all in it.
	must(t, m.Mkdir("/e"))
	writeFile(t, m, "/e/f", "x", true)
	must(t, m.SyncDir("/e"))
	if _, err := m.CrashClone().Stat("/e"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("unsynced directory after a crash: %v", err)
	}
}

// TestCrashCloneKeeping: unsynced changes up to a point survive, in the
// order they were made, the last write possibly torn.
func TestCrashCloneKeeping(t *testing.T) {
	m := NewMem()
	f, err := m.Create("/f")
	must(t, err)
	must(t, f.Sync())
	must(t, m.SyncDir("/"))
	var marks []uint64
	for _, s := range []string{"aaaa", "bbbb", "cccc"} {
		_, err := f.Write([]byte(s))
		must(t, err)
		marks = append(marks, m.Changes())
	}
	for i, want := range []string{"aaaa", "aaaabbbb", "aaaabbbbcccc"} {
		if got, _ := content(t, m.CrashCloneKeeping(marks[i], nil), "/f"); got != want {
			t.Fatalf("keeping %d writes: %q, want %q", i+1, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	torn := map[string]bool{}
	for range 50 {
		got, _ := content(t, m.CrashCloneKeeping(marks[1], rng), "/f")
		if !strings.HasPrefix("aaaabbbb", got) || len(got) < 4 {
			t.Fatalf("torn clone reads %q", got)
		}
		torn[got] = true
	}
	if len(torn) < 2 {
		t.Fatalf("the last write was never torn: %v", torn)
	}
	// A rename's two halves survive together.
	writeFile(t, m, "/g.tmp", "g", true)
	must(t, m.SyncDir("/"))
	must(t, m.Rename("/g.tmp", "/g"))
	after := m.Changes()
	if got := names(t, m.CrashCloneKeeping(after-1, nil), "/"); got != "f g.tmp" {
		t.Fatalf("before the rename: %q", got)
	}
	if got := names(t, m.CrashCloneKeeping(after, nil), "/"); got != "f g" {
		t.Fatalf("with the rename: %q", got)
	}
}

func TestMemOpenOfMissingFile(t *testing.T) {
	m := NewMem()
	for _, err := range []error{
		func() error { _, err := m.Open("/nope"); return err }(),
		func() error { _, err := m.OpenReadWrite("/nope"); return err }(),
		func() error { _, err := m.Create("/nope/f"); return err }(),
		m.Remove("/nope"),
		m.Rename("/nope", "/x"),
		m.SyncDir("/nope"),
	} {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("got %v, want not-exist", err)
		}
	}
	if got := bytes.Count([]byte(names(t, m, "/")), []byte(" ")); got != 0 {
		t.Fatal("root is not empty")
	}
}
