package store

import (
	"fmt"
	"os"
	"path/filepath"
)

// syncDir fsyncs a directory so that entries created, renamed or removed in
// it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir for sync: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// mkdirSync creates dir (and missing parents) and fsyncs each new entry's
// parent directory.
func mkdirSync(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirSync(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return fmt.Errorf("mkdir: %w", err)
	}
	return syncDir(parent)
}

// WriteFileAtomic replaces path with data so that after a crash the file
// holds either its old content or data, never a mix.
func WriteFileAtomic(path string, data []byte) error {
	return ReplaceFile(path, func(f *os.File) error {
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
func ReplaceFile(path string, fill func(f *os.File) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = fill(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
