package store

import (
	"errors"
	"fmt"
)

// Sentinel errors of the store.
var (
	// ErrClosed is returned by operations on a closed store.
	ErrClosed = errors.New("store: closed")
	// ErrReadOnly is returned by writes to a store opened read-only.
	ErrReadOnly = errors.New("store: opened read-only")
	// ErrFailed wraps the write or fsync error after which the store refuses
	// every write until it is reopened. A failed fsync is never retried: the
	// kernel may already have dropped the dirty pages.
	ErrFailed = errors.New("store: failed, reopen required")
	// ErrDiskFull wraps the write error (ENOSPC or EDQUOT) after which the
	// store refuses writes until Resume. The failed batches were cut off
	// the files again, durably, before any of them was acknowledged, so
	// nothing needs a reopen: once space is free, Resume and write again.
	ErrDiskFull = errors.New("store: disk full, writes refused until resumed")
	// ErrNoStream is returned for a stream that does not exist.
	ErrNoStream = errors.New("store: no such stream")
	// ErrStreamExists is returned by CreateStream for an existing stream.
	ErrStreamExists = errors.New("store: stream exists")
	// ErrSnapshotNotFound is returned for a snapshot that does not exist.
	ErrSnapshotNotFound = errors.New("store: snapshot not found")
)

// CorruptionError reports damage that recovery must not paper over: a bad
// record inside a sealed segment, or a bad record followed by valid data.
// It names the file and the byte offset of the first bad record.
type CorruptionError struct {
	File   string
	Offset int64
	Err    error
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("store: corruption in %s at offset %d: %v", e.File, e.Offset, e.Err)
}

func (e *CorruptionError) Unwrap() error { return e.Err }

// LockedError is returned when another writer holds the data directory.
type LockedError struct {
	Path string
	PID  int // 0 when the holder's pid could not be read
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("store: %s is held by another writer (pid unknown)", e.Path)
	}
	return fmt.Sprintf("store: %s is held by another writer, pid %d", e.Path, e.PID)
}
