package engine

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// Extensions are the names CREATE EXTENSION gave the database, for
// pg_extension: the SQL layer decides which names it provides (their
// functions are built in); the engine keeps the list, with each one's
// version and OID, in <data>/extensions.json (FORMAT.md).

const extensionsFile = "extensions.json"

// Extension is an extension the database was given.
type Extension struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	OID     uint32 `json:"oid"`
}

// extensionSet is the database's extensions. Changes hold DB.wmu, then
// mu; readers hold mu only.
type extensionSet struct {
	mu sync.RWMutex
	l  []Extension
}

// loadExtensions reads extensions.json (none when it is missing).
func (db *DB) loadExtensions() ([]Extension, error) {
	path := filepath.Join(db.dir, extensionsFile)
	b, err := vfs.ReadFile(db.st.FS(), path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, storageError(err)
	}
	var l []Extension
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, errorf(CodeInternal, "engine: parse %s: %v", path, err)
	}
	return l, nil
}

// Extensions returns the database's extensions, in name order.
func (db *DB) Extensions() []Extension {
	db.exts.mu.RLock()
	defer db.exts.mu.RUnlock()
	return slices.Clone(db.exts.l)
}

// CreateExtension records an extension (42710 when it is there), with an
// OID of its own.
func (db *DB) CreateExtension(name, version string) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	l := db.Extensions()
	if slices.ContainsFunc(l, func(e Extension) bool { return e.Name == name }) {
		return errorf(CodeDuplicateObject, "extension %q already exists", name)
	}
	e := Extension{Name: name, Version: version}
	if err := db.giveOIDs([]*uint32{&e.OID}); err != nil {
		return err
	}
	l = append(l, e)
	slices.SortFunc(l, func(a, b Extension) int { return strings.Compare(a.Name, b.Name) })
	return db.storeExtensions(l)
}

// DropExtension forgets an extension (42704 when there is none).
func (db *DB) DropExtension(name string) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	l := db.Extensions()
	i := slices.IndexFunc(l, func(e Extension) bool { return e.Name == name })
	if i < 0 {
		return errorf(CodeUndefinedObject, "extension %q does not exist", name)
	}
	return db.storeExtensions(slices.Delete(l, i, i+1))
}

// storeExtensions replaces extensions.json, then the list in memory.
// Callers hold wmu.
func (db *DB) storeExtensions(l []Extension) error {
	if l == nil {
		l = []Extension{}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if err := store.WriteFileAtomic(db.st.FS(), filepath.Join(db.dir, extensionsFile), b); err != nil {
		return storageError(err)
	}
	db.exts.mu.Lock()
	db.exts.l = l
	db.exts.mu.Unlock()
	return nil
}
