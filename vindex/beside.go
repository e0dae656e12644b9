package vindex

import (
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// An index opened beside its writer (Options.Beside) is read without
// pebble's lock, which pebble takes for any open, read-only too: another
// process (a server) may hold the index open and write it, and one that
// opens it later must find it free. The index is read as it is at the
// open: its manifest is replayed up to its last whole record (one being
// appended is left, as at a restart), and its tables are held open from
// then on. The writer's compactions remove the files of tables they
// merged; a file held open stays readable until it is closed (its blocks
// stay on the disk until then too), so the reader goes on seeing the
// index as it was, and never the writer's later batches, which it does
// not need: it reads the tables only, where a mark arrives with what it
// claims or after it (a memtable is flushed whole, in order), and what it
// loads is checked against the marks (engine/versionindex.go).

// besideFS is the file system of an index opened beside its writer: the
// operating system's, with no lock, and each table's file held open from
// its first open until the index closes.
type besideFS struct {
	vfs.FS
	mu   sync.Mutex
	held map[string]vfs.File
}

func newBesideFS(fs vfs.FS) *besideFS { return &besideFS{FS: fs, held: map[string]vfs.File{}} }

// Lock takes no lock: a writer holds it, or may.
func (fs *besideFS) Lock(string) (io.Closer, error) { return nopCloser{}, nil }

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// Open opens name; a table's file is opened once and held, and each open
// of it shares that file, whose Close leaves it open.
func (fs *besideFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	if !strings.HasSuffix(name, ".sst") {
		return fs.FS.Open(name, opts...)
	}
	f, err := fs.hold(name)
	if err != nil {
		return nil, err
	}
	return heldFile{f}, nil
}

// hold opens name unless it is held already.
func (fs *besideFS) hold(name string) (vfs.File, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f := fs.held[name]; f != nil {
		return f, nil
	}
	f, err := fs.FS.Open(name)
	if err != nil {
		return nil, err
	}
	fs.held[name] = f
	return f, nil
}

// holdAll holds every table's file in dir now: those a manifest read next
// may name, before a compaction of the writer removes them.
func (fs *besideFS) holdAll(dir string) error {
	names, err := fs.List(dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		if !strings.HasSuffix(n, ".sst") {
			continue
		}
		// One removed since it was listed is not in the manifest read next.
		if _, err := fs.hold(fs.PathJoin(dir, n)); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// close closes every file held.
func (fs *besideFS) close() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for n, f := range fs.held {
		f.Close()
		delete(fs.held, n)
	}
}

// heldFile is a held file as an open gives it: closing it leaves it open.
type heldFile struct{ vfs.File }

func (heldFile) Close() error { return nil }

// openBeside opens the index in dir beside its writer, read-only: the
// tables in the directory are held first, the manifest read, then each
// table of the version it gives held too (made between the two). A table
// the writer removed before it was held fails the open, which is tried
// again a few times.
func openBeside(dir string, opts *pebble.Options) (*pebble.DB, *besideFS, error) {
	inner := opts.FS
	var err error
	for range besideTries {
		fs := newBesideFS(inner)
		if err = fs.holdAll(dir); err != nil {
			fs.close()
			continue
		}
		o := *opts
		o.FS, o.ReadOnly = fs, true
		var db *pebble.DB
		if db, err = pebble.Open(dir, &o); err != nil {
			fs.close()
			continue
		}
		if err = holdVersion(db, fs, dir); err != nil {
			db.Close()
			fs.close()
			continue
		}
		return db, fs, nil
	}
	return nil, nil, fmt.Errorf("beside its writer: %w", err)
}

// besideTries is how many times openBeside tries.
const besideTries = 3

// holdVersion holds the file of every table of db's version.
func holdVersion(db *pebble.DB, fs *besideFS, dir string) error {
	levels, err := db.SSTables()
	if err != nil {
		return err
	}
	for _, level := range levels {
		for _, t := range level {
			name := fs.PathJoin(dir, fmt.Sprintf("%s.sst", t.BackingSSTNum))
			if _, err := fs.hold(name); err != nil {
				return err
			}
		}
	}
	return nil
}
