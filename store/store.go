package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/driftdb/driftdb/store/vfs"
)

// Options configure a Store.
type Options struct {
	// SegmentSize is the size at which a stream's segment is sealed and a
	// new one started. Batches never straddle segments, so a segment may
	// exceed it by one group of batches.
	SegmentSize int64
	// NoSync makes commits return without fsync. UNSAFE: a machine crash may
	// lose acknowledged batches (never tear one). Meant for bulk loads only;
	// off by default.
	NoSync bool
	// ReadOnly opens without the writer lock; the store never writes,
	// never truncates, and sees what was committed when it was opened.
	ReadOnly bool
	// Logger receives warnings (a torn tail cut off, a leftover file
	// removed). Nil discards them.
	Logger *slog.Logger
	// FS is the file system every file operation goes through. Nil is the
	// operating system's (vfs.OS); tests pass a vfs.MemFS or a
	// vfs.FaultFS.
	FS FS
}

// DefaultSegmentSize is the default Options.SegmentSize.
const DefaultSegmentSize = 64 << 20

// minSegmentSize keeps a tiny setting from creating a file per batch.
const minSegmentSize = 4 << 10

// EnsureDefaults fills unset fields with their defaults.
func (o *Options) EnsureDefaults() {
	if o.SegmentSize == 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.FS == nil {
		o.FS = vfs.OS()
	}
}

// Validate reports a setting that cannot work.
func (o *Options) Validate() error {
	if o.SegmentSize < minSegmentSize {
		return fmt.Errorf("store: segment size %d below the minimum %d", o.SegmentSize, minSegmentSize)
	}
	return nil
}

const (
	tablesDir    = "tables"
	segmentsDir  = "segments"
	snapshotsDir = "snapshots"
	lockName     = "LOCK"
)

// Store is the append-only log of a data directory: one stream of segments
// per table, one writer, any number of concurrent readers.
type Store struct {
	dir  string
	opts Options
	fs   FS
	lock *lockFile

	// streams is replaced whole (copy on write) when a stream is created, so
	// readers look it up without a lock.
	streams  atomic.Pointer[map[string]*stream]
	createMu sync.Mutex

	lastSeq atomic.Uint64 // highest durable seq
	lastMs  atomic.Int64  // its unix_ms
	// retired is retired.json: the names of streams dropped or renamed,
	// and a floor for the last seq (retire.go). Changed under w.mu.
	retired retiredState

	w *writer // nil when read-only
	// sealing are the segments the writer filled being sealed
	// (sealBehind), one at a time (sealOne); Close waits for them.
	sealing sync.WaitGroup
	sealOne sync.Mutex
}

// stream is the log of one table.
type stream struct {
	name   string
	dir    string // tables/<name>
	segDir string // tables/<name>/segments
	// segs is the published segment list, oldest first; replaced whole.
	segs atomic.Pointer[[]*segment]

	// Writer-only state, touched by the writer goroutine (or under
	// writer.mu by maintenance).
	active     File   // newest segment, open for writing
	activePath string // its path
	activeSize int64  // bytes written to it (and synced, between groups)
	// allocated is the size of the active file: its data, then zeros
	// written ahead so that a commit's fsync finds the blocks in place and
	// the file size unchanged.
	allocated int64
	// direct writes commits to the active segment (direct.go); nil where
	// the file system refuses direct writes, or commits are not synced.
	direct *directFile
}

func (st *stream) segments() []*segment { return *st.segs.Load() }

func (st *stream) lastSeq() uint64 {
	segs := st.segments()
	for i := len(segs) - 1; i >= 0; i-- {
		if s := segs[i].lastSeq.Load(); s != 0 {
			return s
		}
	}
	return 0
}

// Open opens the store of the data directory dir. A writer creates dir if
// missing, takes the writer lock, and recovers every stream: torn tails are
// cut and transactions that did not reach all their streams are removed. A
// read-only open does the same checks without changing any file.
func Open(dir string, opts Options) (*Store, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := &Store{dir: dir, opts: opts, fs: opts.FS}
	if opts.ReadOnly {
		if _, err := s.fs.Stat(dir); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", dir, err)
		}
	} else {
		if err := mkdirSync(s.fs, filepath.Join(dir, tablesDir)); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", dir, err)
		}
		lock, err := acquireLock(s.fs, filepath.Join(dir, lockName))
		if err != nil {
			return nil, err
		}
		s.lock = lock
	}
	if err := s.recover(); err != nil {
		s.closeFiles()
		return nil, err
	}
	if !opts.ReadOnly {
		s.w = newWriter(s)
	}
	return s, nil
}

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

// FS returns the file system the store works on, for the files a caller
// keeps beside the store's (see StreamDir).
func (s *Store) FS() FS { return s.fs }

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.opts.ReadOnly }

// LastSeq returns the highest durable seq of the store (0 when empty).
func (s *Store) LastSeq() uint64 { return s.lastSeq.Load() }

// LastUnixMs returns the unix_ms of the record with the highest seq.
func (s *Store) LastUnixMs() int64 { return s.lastMs.Load() }

// Streams returns the names of the streams, sorted.
func (s *Store) Streams() []string {
	m := *s.streams.Load()
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// HasStream reports whether the stream exists.
func (s *Store) HasStream(name string) bool {
	_, ok := (*s.streams.Load())[name]
	return ok
}

// StreamDir returns the directory of a stream: <data>/tables/<name>.
func (s *Store) StreamDir(name string) string {
	return filepath.Join(s.dir, tablesDir, name)
}

func (s *Store) stream(name string) (*stream, error) {
	st, ok := (*s.streams.Load())[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoStream, name)
	}
	return st, nil
}

// CreateStream creates the stream name: tables/<name>/segments with its
// first segment, and tables/<name>/snapshots. The stream directory may exist
// already (the caller may keep files of its own there).
func (s *Store) CreateStream(name string) error {
	if s.w == nil {
		return ErrReadOnly
	}
	if err := validStreamName(name); err != nil {
		return err
	}
	s.createMu.Lock()
	defer s.createMu.Unlock()
	if s.HasStream(name) {
		return fmt.Errorf("%w: %q", ErrStreamExists, name)
	}
	st := &stream{name: name, dir: s.StreamDir(name)}
	st.segDir = filepath.Join(st.dir, segmentsDir)
	if err := mkdirSync(s.fs, filepath.Join(st.dir, snapshotsDir)); err != nil {
		return fmt.Errorf("store: create stream %q: %w", name, err)
	}
	if err := mkdirSync(s.fs, st.segDir); err != nil {
		return fmt.Errorf("store: create stream %q: %w", name, err)
	}
	if err := s.startSegment(st, 1); err != nil {
		return err
	}
	s.publishStream(st)
	return nil
}

func (s *Store) publishStream(st *stream) {
	old := *s.streams.Load()
	m := make(map[string]*stream, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[st.name] = st
	s.streams.Store(&m)
}

// startSegment creates segment num of st, makes it the active one and
// publishes it. The previous active segment must be synced already.
func (s *Store) startSegment(st *stream, num uint32) error {
	f, err := createSegment(s.fs, st.segDir, num)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	seg := &segment{num: num, path: filepath.Join(st.segDir, segmentName(num))}
	seg.end.Store(segmentHeaderSize)
	s.setActive(st, f, seg.path, segmentHeaderSize, segmentHeaderSize)
	var segs []*segment
	if p := st.segs.Load(); p != nil {
		segs = append(segs, *p...)
	}
	segs = append(segs, seg)
	st.segs.Store(&segs)
	return nil
}

// setActive makes f (at path) the active segment of st, its data ending
// at size and the file at allocated, closing the previous one. When
// commits are synced it also opens the direct-write handle.
func (s *Store) setActive(st *stream, f File, path string, size, allocated int64) {
	st.dropDirect()
	if st.active != nil && st.active != f {
		st.active.Close()
	}
	st.active, st.activePath, st.activeSize, st.allocated = f, path, size, allocated
	if s.opts.NoSync || s.opts.ReadOnly {
		return
	}
	d, err := openDirect(f, size)
	if err != nil {
		if !errors.Is(err, vfs.ErrUnsupported) {
			s.opts.Logger.Info("direct writes unavailable; using buffered writes and fdatasync", "file", path, "err", err)
		}
		return
	}
	st.direct = d
}

// Segments returns how many segments the store's streams have: each may
// hold a file open for reads by seq.
func (s *Store) Segments() int {
	n := 0
	if p := s.streams.Load(); p != nil {
		for _, st := range *p {
			if segs := st.segs.Load(); segs != nil {
				n += len(*segs)
			}
		}
	}
	return n
}

// SegmentBytes returns the bytes of a stream's segments (0 for an unknown
// stream).
func (s *Store) SegmentBytes(name string) int64 {
	st, err := s.stream(name)
	if err != nil {
		return 0
	}
	var n int64
	for _, seg := range st.segments() {
		n += seg.end.Load()
	}
	return n
}

// FirstSeq returns the seq of the first record still in the stream's
// segments (0 when it has none).
func (s *Store) FirstSeq(name string) uint64 {
	st, err := s.stream(name)
	if err != nil {
		return 0
	}
	for _, seg := range st.segments() {
		if f := seg.firstSeq.Load(); f != 0 {
			return f
		}
	}
	return 0
}

// Submit queues a batch for writing and returns at once. Batches are written
// in the order Submit is called, so a caller that assigns seqs must submit
// under the same lock. The batch must not be changed afterwards.
func (s *Store) Submit(b Batch) *Commit {
	if s.w == nil {
		return failedCommit(ErrReadOnly)
	}
	return s.w.submit(b)
}

// Append writes a batch and returns once it is durable.
func (s *Store) Append(b Batch) error {
	return s.Submit(b).Wait()
}

// Resume takes writes again after they failed for lack of space
// (ErrDiskFull). Every batch that failed, or was refused, since the failure
// stays failed, and so does any still queued: a caller builds a batch on
// the ones before it, so it must rebuild from what the store holds (its
// last seq is LastSeq) before it writes again; Resume returns the streams
// of those batches. If space is still short, the next write fails again
// and cuts itself back the same way. After any other failure (ErrFailed:
// a failed fsync, an I/O error, a cut-back that failed) Resume returns
// that error: only a reopen, and recovery, can go on from there. Resume of
// a store that has not failed does nothing.
func (s *Store) Resume() ([]string, error) {
	if s.w == nil {
		return nil, ErrReadOnly
	}
	return s.w.resume()
}

// Sync waits until every batch submitted so far is written, and fsyncs the
// active segments (which matters in NoSync mode).
func (s *Store) Sync() error {
	if s.w == nil {
		return nil
	}
	return s.w.sync()
}

// Close waits for queued batches, closes every file and releases the lock.
func (s *Store) Close() error {
	var err error
	if s.w != nil {
		err = s.w.close()
		s.sealing.Wait()
		if err == nil {
			s.sealFilled()
		}
	}
	if cerr := s.closeFiles(); err == nil {
		err = cerr
	}
	return err
}

func (s *Store) closeFiles() error {
	var err error
	if p := s.streams.Load(); p != nil {
		for _, st := range *p {
			if segs := st.segs.Load(); segs != nil {
				closeSegments(*segs, nil)
			}
			if st.active != nil {
				if s.w != nil && st.allocated > st.activeSize {
					// Leave the file as long as its data.
					if cerr := trimSegment(st); err == nil {
						err = cerr
					}
				}
				st.dropDirect()
				if cerr := st.active.Close(); err == nil && !errors.Is(cerr, fs.ErrClosed) {
					err = cerr
				}
				st.active = nil
			}
		}
	}
	if s.lock != nil {
		if cerr := s.lock.release(); err == nil {
			err = cerr
		}
		s.lock = nil
	}
	return err
}
