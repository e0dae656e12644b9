package store

import (
	"fmt"
	"path/filepath"

	"github.com/driftdb/driftdb/store/vfs"
)

// FS is the file system under the store: every file operation of the
// store, and of the engine's files beside it (schema.yaml, meta.json,
// index files), goes through one (Options.FS). The interface lives in
// package vfs, which also has the implementations: vfs.OS (the default,
// with direct synchronous writes for commits where the file system allows
// them), vfs.MemFS (in memory, with CrashClone to simulate a machine
// crash) and vfs.FaultFS (injected errors, short writes, ENOSPC, delays).
type FS = vfs.FS

// File is an open file of an FS.
type File = vfs.File

// syncError marks the failure of an fsync. A failed fsync is never
// retried nor taken back: the kernel may have dropped the data it could
// not write, so the store stops writing until it is reopened.
type syncError struct{ err error }

func (e *syncError) Error() string { return e.err.Error() }
func (e *syncError) Unwrap() error { return e.err }

// syncDir fsyncs a directory so that entries created, renamed or removed in
// it survive a crash.
func syncDir(fsys FS, dir string) error {
	if err := fsys.SyncDir(dir); err != nil {
		return &syncError{err}
	}
	return nil
}

// mkdirSync creates dir (and missing parents) and fsyncs each new entry's
// parent directory.
func mkdirSync(fsys FS, dir string) error {
	if err := vfs.MkdirAll(fsys, dir); err != nil {
		return fmt.Errorf("mkdir: %w", err)
	}
	return nil
}

// WriteFileAtomic replaces path with data so that after a crash the file
// holds either its old content or data, never a mix.
func WriteFileAtomic(fsys FS, path string, data []byte) error {
	return ReplaceFile(fsys, path, func(f File) error {
		_, err := f.Write(data)
		return err
	})
}

// ReplaceFile makes path appear with what fill writes, atomically: fill
// writes a temporary file path+".tmp" (as it is made, and may go back to
// fill in a header) that is fsynced, renamed over path, and the directory
// is fsynced. On any error the temporary file is removed and path is
// untouched. The writer removes *.tmp files left by a crash when it opens
// the data directory.
func ReplaceFile(fsys FS, path string, fill func(f File) error) error {
	tmp := path + ".tmp"
	f, err := fsys.Create(tmp)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = fill(f)
	if err == nil {
		if err = f.Sync(); err != nil {
			err = &syncError{err}
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(fsys, filepath.Dir(path))
	}
	if err != nil {
		fsys.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
