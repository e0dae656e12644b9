package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lockFile is the writer lock of a data directory: an flock held for the
// life of the writer, on a file that holds the writer's pid. flock locks
// belong to the open file description, so a second open in the same process
// conflicts just like another process does.
type lockFile struct {
	f *os.File
}

func acquireLock(path string) (*lockFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Path: path, PID: readLockPID(path)}
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
func readLockPID(path string) int {
	for range 20 {
		b, err := os.ReadFile(path)
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
	// Closing the descriptor drops the flock. The pid is left in the file;
	// it means nothing without the lock.
	return l.f.Close()
}
