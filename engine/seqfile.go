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

// A sequence is the file sequences/<name>.json: in the data directory, or
// in its table's directory (tables/<table>/sequences/) when a column owns
// it. It holds the definition and a state, "last" and "called": the
// sequence as Setval left it, or, after a Nextval, the value up to which
// Nextval may have handed values out (called). Opening the database
// resumes every sequence from its file, so a value handed out before a
// crash is never handed out again. The file is replaced atomically
// (temporary file, fsync, rename, directory fsync).

const seqDir = "sequences"

// seqFile is the content of a sequence's file.
type seqFile struct {
	Def    seqDef `json:"def"`
	Last   int64  `json:"last"`
	Called bool   `json:"called"`
	// OID is the sequence's (oid.go); a file written before OIDs were
	// stored has none.
	OID uint32 `json:"oid,omitempty"`
}

// seqDirOf returns the directory of the sequences the table owns, or with
// table "" of the sequences no table owns.
func (db *DB) seqDirOf(table string) string {
	if table == "" {
		return filepath.Join(db.dir, seqDir)
	}
	return filepath.Join(db.st.StreamDir(table), seqDir)
}

func (db *DB) seqPath(s *sequence) string {
	return filepath.Join(db.seqDirOf(s.def.OwnedBy.Table), s.name+".json")
}

// writeSequence writes s's file with the state last, called. Callers
// hold s.mu (or have not published s yet).
func (db *DB) writeSequence(s *sequence, last int64, called bool) error {
	b, err := json.Marshal(seqFile{Def: s.def, Last: last, Called: called, OID: s.oid})
	if err != nil {
		return err
	}
	path := db.seqPath(s)
	if err := vfs.MkdirAll(db.st.FS(), filepath.Dir(path)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return store.WriteFileAtomic(db.st.FS(), path, b)
}

// removeSequenceFile removes s's file, durably. Callers hold s.mu.
func (db *DB) removeSequenceFile(s *sequence) error {
	return removeDurably(db.st.FS(), db.seqPath(s))
}

// removeDurably removes the file path and syncs its directory.
func removeDurably(fsys store.FS, path string) error {
	if err := fsys.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

// readSequenceFile reads the file of the sequence name in dir.
func readSequenceFile(fsys store.FS, dir, name string) (*seqFile, error) {
	path := filepath.Join(dir, name+".json")
	b, err := vfs.ReadFile(fsys, path)
	if err != nil {
		return nil, err
	}
	var sf seqFile
	if err := json.Unmarshal(b, &sf); err != nil {
		return nil, fmt.Errorf("sequence %s: %w", path, err)
	}
	if _, _, _, err := seqTypeRange(sf.Def.Type); err != nil || sf.Def.Increment == 0 || sf.Def.Min >= sf.Def.Max {
		return nil, fmt.Errorf("sequence %s: bad definition", path)
	}
	return &sf, nil
}

// loadSequences reads the sequences of the database: those no table owns,
// then those of each table. The directory a file is in says its owner
// (a renamed table takes its sequences along). A sequence found in both
// places was being given an owner or losing it when a crash came: the
// owned copy is the truth.
func (db *DB) loadSequences(tables []string) (map[string]*sequence, error) {
	out := map[string]*sequence{}
	owners := append([]string{""}, tables...)
	for _, table := range owners {
		dir := db.seqDirOf(table)
		names, err := db.sequenceNames(dir)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if name == rowidName {
				continue // a table's row-id counter (rowid.go)
			}
			sf, err := readSequenceFile(db.st.FS(), dir, name)
			if err != nil {
				return nil, &Error{Code: CodeInternal, Msg: err.Error(), Err: err}
			}
			if table == "" {
				sf.Def.OwnedBy = SequenceOwner{}
			} else {
				sf.Def.OwnedBy.Table = table
			}
			if old, ok := out[name]; ok {
				if table == "" || old.def.OwnedBy.Table != "" {
					return nil, errorf(CodeInternal, "sequence %q is stored twice", name)
				}
				if !db.opts.ReadOnly {
					if err := db.removeSequenceFile(old); err != nil {
						return nil, storageError(err)
					}
				}
			}
			out[name] = &sequence{name: name, oid: sf.OID, def: sf.Def, last: sf.Last, called: sf.Called}
		}
	}
	return out, nil
}

// sequenceNames lists the sequences stored in dir, removing what a crash
// left of an unfinished write (unless read-only).
func (db *DB) sequenceNames(dir string) ([]string, error) {
	fsys := db.st.FS()
	ents, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, storageError(err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		switch {
		case strings.HasSuffix(n, ".tmp"):
			if !db.opts.ReadOnly {
				fsys.Remove(filepath.Join(dir, n))
			}
		case strings.HasSuffix(n, ".json") && !e.IsDir():
			names = append(names, strings.TrimSuffix(n, ".json"))
		}
	}
	return names, nil
}

// saveSequences writes, at a clean close, the exact state of every
// sequence whose file is ahead of it, so that a reopened database goes on
// from where it was, without the gap a crash leaves.
func (db *DB) saveSequences() {
	if db.opts.ReadOnly {
		return
	}
	db.seqs.mu.Lock()
	defer db.seqs.mu.Unlock()
	all := make([]*sequence, 0, len(db.seqs.m)+len(db.seqs.rowids))
	for _, s := range db.seqs.m {
		all = append(all, s)
	}
	for _, s := range db.seqs.rowids {
		all = append(all, s)
	}
	for _, s := range all {
		s.mu.Lock()
		if s.logCnt > 0 {
			if err := db.writeSequence(s, s.last, s.called); err != nil {
				db.log.Warn("cannot save a sequence at close", "sequence", s.name, "err", err)
			} else {
				s.logCnt = 0
			}
		}
		s.mu.Unlock()
	}
}
