// Package vfs is the file system under DriftDB's store: a small interface
// (FS and File) that every file operation of the store and of the engine's
// files goes through, and three implementations of it:
//
//   - OS, the operating system's files, with direct synchronous writes
//     (O_DIRECT|O_DSYNC) as an optional capability of a File;
//   - MemFS, files in memory that can simulate a machine crash: CrashClone
//     returns what a crash would leave, the data of each file as of its
//     last sync and the entries of each directory as of its last sync;
//   - FaultFS, a wrapper that injects faults into another FS: an error at
//     the Nth operation of a kind or on a path, a short write, ENOSPC, a
//     delay.
//
// A missing fsync can be caught only this way: a process killed with
// SIGKILL leaves the page cache, and so everything it wrote, behind.
//
// The package imports nothing of DriftDB's, so that the tests of store,
// engine and the layers above can use it.
package vfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
)

// FS is a file system: the operations the store and the engine make on
// files and directories. Paths are slash-separated; an implementation
// reports a missing file with an error for which errors.Is(err,
// fs.ErrNotExist) holds, an existing one with fs.ErrExist.
type FS interface {
	// Create creates the file name, or truncates it, open for reading and
	// writing. Its directory entry is durable only once the directory is
	// synced (SyncDir).
	Create(name string) (File, error)
	// Open opens the file name for reading.
	Open(name string) (File, error)
	// OpenReadWrite opens the existing file name for reading and writing.
	OpenReadWrite(name string) (File, error)
	// Remove removes a file or an empty directory.
	Remove(name string) error
	// Rename renames oldname to newname, atomically replacing newname if
	// it exists.
	Rename(oldname, newname string) error
	// Mkdir creates the directory name; its parent must exist.
	Mkdir(name string) error
	// ReadDir returns the entries of the directory name, sorted by name.
	ReadDir(name string) ([]fs.DirEntry, error)
	// Stat describes the file or directory name.
	Stat(name string) (fs.FileInfo, error)
	// SyncDir makes the entries of the directory name durable: the files
	// and directories created, renamed or removed in it.
	SyncDir(name string) error
	// Lock takes an exclusive lock on the file name, creating it if
	// missing, and returns it open for reading and writing; closing it
	// releases the lock. A lock held elsewhere (another process, or
	// another Lock of the same file) fails with an error wrapping
	// ErrLocked.
	Lock(name string) (File, error)
}

// File is an open file.
type File interface {
	io.ReaderAt
	io.WriterAt
	// Write writes at the file's offset, which starts at 0 and advances
	// with each Write; WriteAt leaves it alone.
	io.Writer
	io.Closer
	Stat() (fs.FileInfo, error)
	// Sync makes the file's data and metadata durable (fsync).
	Sync() error
	// SyncData makes the file's data durable, and of its metadata what is
	// needed to read the data back, such as a changed size (fdatasync).
	SyncData() error
	// Truncate changes the size of the file.
	Truncate(size int64) error
}

// DirectAlign is the alignment of direct writes: their buffers' addresses,
// their lengths and their offsets are multiples of it (a multiple of the
// logical block size of the devices in use, 512 or 4096 bytes).
const DirectAlign = 4096

// DirectOpener is a File that can also be written directly: past the page
// cache, each write durable when it returns. The OS implementation's files
// are; MemFS's are not, so writers take the buffered path and sync.
type DirectOpener interface {
	// OpenDirect opens a second handle on the file for direct writes. It
	// fails where the file system refuses direct I/O (tmpfs, some
	// overlays); the caller then writes through the page cache and syncs.
	OpenDirect() (DirectWriter, error)
}

// DirectWriter writes whole aligned blocks (see DirectAlign) of a file
// opened by DirectOpener.OpenDirect. WriteAt returns once the data is
// durable (O_DIRECT|O_DSYNC). A file system that takes direct I/O at open
// but not at write reports EINVAL or EOPNOTSUPP.
type DirectWriter interface {
	WriteAt(b []byte, off int64) (int, error)
	Close() error
}

// ErrLocked is wrapped by the error of Lock when the lock is held by
// someone else.
var ErrLocked = errors.New("vfs: locked by another holder")

// ErrUnsupported is returned by OpenDirect of a file whose file system has
// no direct writes.
var ErrUnsupported = errors.New("vfs: not supported")

// ReadFile returns the whole content of the file name.
func ReadFile(fsys FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	n, err := f.ReadAt(b, 0)
	if err == io.EOF && n == len(b) {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

// MkdirAll creates the directory name and any missing parents. Each new
// directory's entry is made durable by syncing its parent, so that what is
// created in it later cannot be lost with it.
func MkdirAll(fsys FS, name string) error {
	if st, err := fsys.Stat(name); err == nil {
		if !st.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: name, Err: errors.New("not a directory")}
		}
		return nil
	}
	parent := filepath.Dir(name)
	if parent != name {
		if err := MkdirAll(fsys, parent); err != nil {
			return err
		}
	}
	if err := fsys.Mkdir(name); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return fsys.SyncDir(parent)
}
