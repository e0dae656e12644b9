package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/driftdb/driftdb/store/vfs"
)

// Streams are dropped and renamed by their directory (tables/<name>), and
// recovery must not be misled by either:
//
//   - The commit frame of a batch over several streams names all of them,
//     and recovery keeps the batch only if every stream named holds it. A
//     stream dropped or renamed since cannot be asked. So a stream's name
//     is first retired in retired.json with the seq of the last batch
//     accepted (all of them durable by then): a batch with a seq up to
//     that one that names it was whole before it went, and is not checked
//     there. A later stream of the same name holds only later batches.
//   - The database's last seq must survive a reopen (seqs are never given
//     twice) even when the stream holding it is gone: retired.json keeps
//     it, with its unix_ms, and recovery starts from there at least.
//
// A drop renames tables/<name> to tables/.dropped-<seq>-<n>.<name> (one
// atomic step in one directory: the commit point), syncs tables/, then
// removes that directory; recovery removes any such directory a crash
// left. Names starting with "." are the store's: no stream takes one.

const (
	retiredFile = "retired.json"
	dropPrefix  = ".dropped-"
)

// retiredState is retired.json.
type retiredState struct {
	// Seq and UnixMs are a floor for the store's last seq and its time.
	Seq    uint64 `json:"seq"`
	UnixMs int64  `json:"unix_ms"`
	// Streams maps a retired name to the seq of the last batch accepted
	// when it was retired.
	Streams map[string]uint64 `json:"streams,omitempty"`
}

// readRetired reads retired.json; a missing file is an empty state.
func readRetired(fsys FS, dir string) (retiredState, error) {
	var r retiredState
	path := filepath.Join(dir, retiredFile)
	b, err := vfs.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("store: read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, &CorruptionError{File: path, Offset: -1, Err: err}
	}
	return r, nil
}

// retiredAt reports whether a batch with commit seq seq that names stream
// name needs no check in it: the name was retired after the batch was
// accepted.
func (r *retiredState) retiredAt(name string, seq uint64) bool {
	s, ok := r.Streams[name]
	return ok && seq <= s
}

// retire records that stream name is going, with the last seq accepted
// (every batch up to it durable) and its time, durably. Called with w.mu
// held and the queue drained.
func (s *Store) retire(name string, seq uint64, ms int64) error {
	next := retiredState{Seq: max(s.retired.Seq, seq), UnixMs: max(s.retired.UnixMs, ms), Streams: map[string]uint64{}}
	for k, v := range s.retired.Streams {
		next.Streams[k] = v
	}
	next.Streams[name] = max(next.Streams[name], seq)
	b, err := json.MarshalIndent(&next, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(s.fs, filepath.Join(s.dir, retiredFile), append(b, '\n')); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	s.retired = next
	return nil
}

// quiesce writes every batch queued so far and returns the seq and
// unix_ms of the last one accepted: all of them are durable when it
// returns without an error.
func (w *writer) quiesce() (uint64, int64, error) {
	w.qmu.Lock()
	defer w.qmu.Unlock()
	w.drain()
	if w.failedErr != nil {
		return 0, 0, w.failedErr
	}
	return w.lastSeq, w.lastMs, nil
}

// validStreamName reports why name cannot name a stream: it must be a
// single path element, and names starting with "." are the store's.
func validStreamName(name string) error {
	if name == "" || strings.HasPrefix(name, ".") || filepath.Base(name) != name || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("store: invalid stream name %q", name)
	}
	return nil
}

// DropStream removes the stream name and every file in its directory
// (the caller's too). It first writes every batch queued; the caller must
// submit no batch to the stream meanwhile. A crash leaves the stream
// whole, or nothing of it (recovery removes what is left). A failure
// after the stream's files were closed stops the store until it is
// reopened (ErrFailed).
func (s *Store) DropStream(name string) error {
	if s.w == nil {
		return ErrReadOnly
	}
	s.createMu.Lock()
	defer s.createMu.Unlock()
	st, err := s.stream(name)
	if err != nil {
		return err
	}
	seq, ms, err := s.w.quiesce()
	if err != nil {
		return err
	}
	s.lockMaintenance()
	defer s.w.mu.Unlock()
	if err := s.retire(name, seq, ms); err != nil {
		return err
	}
	s.unpublishStream(name)
	st.dropDirect()
	if st.active != nil {
		st.active.Close()
		st.active = nil
	}
	tables := filepath.Join(s.dir, tablesDir)
	gone := ""
	for n := 0; gone == ""; n++ {
		p := filepath.Join(tables, fmt.Sprintf("%s%d-%d.%s", dropPrefix, seq, n, name))
		if _, err := s.fs.Stat(p); errors.Is(err, fs.ErrNotExist) {
			gone = p
		}
	}
	if err := s.fs.Rename(st.dir, gone); err != nil {
		return s.w.fail(fmt.Errorf("store: drop stream %q: %w", name, err), nil)
	}
	if err := syncDir(s.fs, tables); err != nil {
		return s.w.fail(fmt.Errorf("store: drop stream %q: %w", name, err), nil)
	}
	// The stream is gone; what is left is garbage that recovery removes
	// if this does not.
	if err := removeAll(s.fs, gone); err != nil {
		s.opts.Logger.Warn("cannot remove the files of a dropped stream; the next open removes them", "dir", gone, "err", err)
	} else if err := syncDir(s.fs, tables); err != nil {
		s.opts.Logger.Warn("cannot sync the tables directory after a drop", "err", err)
	}
	return nil
}

// RenameStream renames the stream old to new (its directory, with every
// file in it). It first writes every batch queued; the caller must submit
// no batch to the stream meanwhile. A crash leaves the stream under one
// name or the other, whole.
func (s *Store) RenameStream(old, new string) error {
	if s.w == nil {
		return ErrReadOnly
	}
	if err := validStreamName(new); err != nil {
		return err
	}
	s.createMu.Lock()
	defer s.createMu.Unlock()
	st, err := s.stream(old)
	if err != nil {
		return err
	}
	if s.HasStream(new) {
		return fmt.Errorf("%w: %q", ErrStreamExists, new)
	}
	seq, ms, err := s.w.quiesce()
	if err != nil {
		return err
	}
	s.lockMaintenance()
	defer s.w.mu.Unlock()
	tables := filepath.Join(s.dir, tablesDir)
	newDir := s.StreamDir(new)
	if _, err := s.fs.Stat(newDir); err == nil {
		// A directory no stream was made in (a crash between a caller's
		// files and CreateStream): garbage, or Rename cannot replace it.
		if _, err := s.fs.Stat(filepath.Join(newDir, segmentsDir)); err == nil {
			return fmt.Errorf("%w: %q", ErrStreamExists, new)
		}
		if err := removeAll(s.fs, newDir); err != nil {
			return fmt.Errorf("store: rename stream %q: %w", old, err)
		}
	}
	if err := s.retire(old, seq, ms); err != nil {
		return err
	}
	if err := s.fs.Rename(st.dir, newDir); err != nil {
		return fmt.Errorf("store: rename stream %q: %w", old, err)
	}
	if err := syncDir(s.fs, tables); err != nil {
		return s.w.fail(fmt.Errorf("store: rename stream %q: %w", old, err), nil)
	}
	// The same open files, under their new paths.
	nst := &stream{name: new, dir: newDir, segDir: filepath.Join(newDir, segmentsDir)}
	var segs []*segment
	for _, seg := range st.segments() {
		ns := &segment{num: seg.num, path: filepath.Join(nst.segDir, segmentName(seg.num))}
		ns.end.Store(seg.end.Load())
		ns.firstSeq.Store(seg.firstSeq.Load())
		ns.lastSeq.Store(seg.lastSeq.Load())
		ns.sealed.Store(seg.sealed.Load()) // its seal moved with it
		segs = append(segs, ns)
	}
	nst.segs.Store(&segs)
	nst.active, nst.activeSize, nst.allocated, nst.direct = st.active, st.activeSize, st.allocated, st.direct
	if st.active != nil {
		nst.activePath = segs[len(segs)-1].path
	}
	st.active, st.direct = nil, nil
	s.unpublishStream(old)
	s.publishStream(nst)
	return nil
}

// unpublishStream removes a stream from the published map.
func (s *Store) unpublishStream(name string) {
	old := *s.streams.Load()
	if st, ok := old[name]; ok {
		closeSegments(st.segments(), nil)
	}
	m := make(map[string]*stream, len(old))
	for k, v := range old {
		if k != name {
			m[k] = v
		}
	}
	s.streams.Store(&m)
}

// removeAll removes dir and everything in it; each directory's entries
// are removed before the directory.
func removeAll(fsys FS, dir string) error {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			err = removeAll(fsys, p)
		} else {
			err = fsys.Remove(p)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := fsys.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// removeDropped removes the directories of streams whose drop a crash
// interrupted (after its commit point). Writer only.
func (s *Store) removeDropped(names []string) error {
	if len(names) == 0 {
		return nil
	}
	tables := filepath.Join(s.dir, tablesDir)
	for _, n := range names {
		s.opts.Logger.Warn("removing the files of a dropped stream", "dir", filepath.Join(tables, n))
		if err := removeAll(s.fs, filepath.Join(tables, n)); err != nil {
			return fmt.Errorf("store: remove dropped stream: %w", err)
		}
	}
	if err := syncDir(s.fs, tables); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
