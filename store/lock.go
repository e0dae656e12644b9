package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/driftdb/driftdb/store/vfs"
)

// lockFile is the writer lock of a data directory: held for the life of
// the writer (FS.Lock: an flock on the operating system's files), on a
// file that holds the writer's pid.
type lockFile struct {
	f File
}

func acquireLock(fsys FS, path string) (*lockFile, error) {
	f, err := fsys.Lock(path)
	if err != nil {
		if errors.Is(err, vfs.ErrLocked) {
			return nil, &LockedError{Path: path, PID: readLockPID(fsys, path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := f.Truncate(0); err == nil {
		if _, err = f.WriteAt(pid, 0); err == nil {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("write lock pid: %w", err)
		}
	} else {
		f.Close()
		return nil, fmt.Errorf("truncate lock: %w", err)
	}
	return &lockFile{f: f}, nil
}

// readLockPID reads the holder's pid. The holder writes it right after
// taking the lock, so an empty file is retried briefly.
func readLockPID(fsys FS, path string) int {
	for range 20 {
		b, err := vfs.ReadFile(fsys, path)
		if err != nil {
			return 0
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			return pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0
}

func (l *lockFile) release() error {
	// Closing the file drops the lock. The pid is left in the file; it
	// means nothing without the lock.
	return l.f.Close()
}
