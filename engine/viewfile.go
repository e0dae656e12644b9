package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// A view is the file views/<name>.json in the data directory, holding its
// definition. It is replaced atomically (temporary file, fsync, rename,
// directory fsync), so CREATE OR REPLACE VIEW leaves the old definition
// or the new one; DROP VIEW removes it and syncs the directory.

const viewDir = "views"

// viewFile is the content of a view's file; its name is the file's.
type viewFile struct {
	SQL     string   `json:"sql"`
	Columns []string `json:"columns"`
	Tables  []string `json:"tables,omitempty"`
	// OID is the view's (oid.go); a file written before OIDs were
	// stored has none.
	OID uint32 `json:"oid,omitempty"`
	// Comment and ColumnComments are the view's comments (ViewDef).
	Comment        string            `json:"comment,omitempty"`
	ColumnComments map[string]string `json:"column_comments,omitempty"`
}

func (db *DB) viewPath(name string) string {
	return filepath.Join(db.dir, viewDir, name+".json")
}

// writeView writes d's file. Callers hold wmu.
func (db *DB) writeView(d *ViewDef) error {
	cols := d.Columns
	if cols == nil {
		cols = []string{}
	}
	b, err := json.Marshal(viewFile{SQL: d.SQL, Columns: cols, Tables: d.Tables, OID: d.OID,
		Comment: d.Comment, ColumnComments: d.ColumnComments})
	if err != nil {
		return err
	}
	path := db.viewPath(d.Name)
	if err := vfs.MkdirAll(db.st.FS(), filepath.Dir(path)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return store.WriteFileAtomic(db.st.FS(), path, b)
}

// removeViewFile removes the file of the view name, durably. Callers
// hold wmu.
func (db *DB) removeViewFile(name string) error {
	return removeDurably(db.st.FS(), db.viewPath(name))
}

// loadViews reads every view's file, removing what a crash left of an
// unfinished write (unless read-only).
func (db *DB) loadViews() (map[string]*ViewDef, error) {
	fsys := db.st.FS()
	dir := filepath.Join(db.dir, viewDir)
	ents, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*ViewDef{}, nil
	}
	if err != nil {
		return nil, storageError(err)
	}
	out := make(map[string]*ViewDef, len(ents))
	for _, e := range ents {
		n := e.Name()
		switch {
		case strings.HasSuffix(n, ".tmp"):
			if !db.opts.ReadOnly {
				fsys.Remove(filepath.Join(dir, n))
			}
		case strings.HasSuffix(n, ".json") && !e.IsDir():
			name := strings.TrimSuffix(n, ".json")
			d, err := readViewFile(fsys, filepath.Join(dir, n), name)
			if err != nil {
				return nil, &Error{Code: CodeInternal, Msg: err.Error(), Err: err}
			}
			out[name] = d
		}
	}
	return out, nil
}

// readViewFile reads the file path of the view name.
func readViewFile(fsys store.FS, path, name string) (*ViewDef, error) {
	b, err := vfs.ReadFile(fsys, path)
	if err != nil {
		return nil, err
	}
	var vf viewFile
	if err := json.Unmarshal(b, &vf); err != nil {
		return nil, fmt.Errorf("view %s: %w", path, err)
	}
	d := &ViewDef{Name: name, SQL: vf.SQL, Columns: vf.Columns, Tables: vf.Tables, OID: vf.OID,
		Comment: vf.Comment, ColumnComments: vf.ColumnComments}
	if err := d.validate(); err != nil {
		return nil, fmt.Errorf("view %s: bad definition: %v", path, err)
	}
	return d, nil
}
