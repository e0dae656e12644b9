package store

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
)

// Entry is one record of a batch and the stream it goes to.
type Entry struct {
	Stream string
	Record Record
}

// Batch is one transaction: records over any streams, in strictly
// increasing seq order, all made durable together or not at all.
type Batch []Entry

// Commit is a batch on its way to disk.
type Commit struct {
	w     *writer
	parts []batchPart
	one   [1]batchPart // parts' room for the common single-stream batch
	last  Record       // seq and unix_ms of the batch's last record
	done  chan struct{}
	err   error
	// hook is OnDone's function; completed once the commit is done.
	hook atomic.Pointer[func(error)]
}

// batchPart is the encoded share of a batch in one stream, commit frame
// included.
type batchPart struct {
	st  *stream
	buf []byte
	n   int // records, commit frame excluded
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func failedCommit(err error) *Commit { return &Commit{done: closedChan, err: err} }

// completed marks a commit's hook slot once the commit is done.
var completed = func() *func(error) { f := func(error) {}; return &f }()

// OnDone arranges for f to run as soon as the batch is durable, or has
// failed to be, on the goroutine that wrote it and before Wait returns,
// with Wait's error: a caller can have the reply to its client sent
// without waiting to be scheduled again. f must be quick and must not
// block. OnDone reports false, and f never runs, when the commit is
// already done (Wait then returns at once) or one function is already set.
func (c *Commit) OnDone(f func(error)) bool {
	if c.w == nil {
		return false
	}
	return c.hook.CompareAndSwap(nil, &f)
}

// Start sets the batch on its way without waiting for it: the caller
// writes the queue, this batch in it, if no group is being written (and
// returns when that write is done), else the group's writer takes it next.
func (c *Commit) Start() {
	if c.w != nil {
		c.w.lead(c)
	}
}

// Wait blocks until the batch is durable (or, with NoSync, written) and
// returns the error that kept it from being so.
func (c *Commit) Wait() error {
	if c.w != nil {
		c.w.lead(c)
	}
	<-c.done
	return c.err
}

// writer appends the batches of the store's committers. Batches queue in
// seq order and are written in groups: one write per stream and one fsync
// per file touched for every batch queued since the last group (group
// commit). A committer that waits while no group is being written writes
// the queue itself, so a lone committer reaches the disk without a hand-off
// to another goroutine. Batches queued while a group is being written are
// left to a background goroutine, which writes group after group for as
// long as batches keep coming.
type writer struct {
	s *Store

	qmu       sync.Mutex
	queue     []*Commit
	leading   bool       // a group is being written
	led       *sync.Cond // on qmu: a group was written
	lastSeq   uint64     // last seq accepted by submit
	lastMs    int64
	closing   bool
	failedErr error // set once a write or fsync failed

	wake    chan struct{} // capacity 1: "batches wait for a background writer"
	stop    chan struct{} // closed to end the background goroutines
	running sync.WaitGroup

	// diskFull is set, with failedErr, when the failure was a write the
	// disk had no room for and every file was cut back to its last
	// acknowledged batch: Resume can then accept writes again.
	diskFull bool
	// refused collects the streams of the batches refused or failed since
	// the store failed (Resume returns them).
	refused map[string]bool

	// mu is held while a group is written, and by maintenance (merge,
	// drop) that replaces segment files.
	mu sync.Mutex
}

func newWriter(s *Store) *writer {
	w := &writer{
		s:       s,
		lastSeq: s.lastSeq.Load(),
		lastMs:  s.lastMs.Load(),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	w.led = sync.NewCond(&w.qmu)
	w.running.Add(backgroundWriters)
	for range backgroundWriters {
		go w.run()
	}
	return w
}

// submit checks and encodes a batch on the caller's goroutine, then queues
// it. Its Wait writes it.
func (w *writer) submit(b Batch) *Commit {
	if len(b) == 0 {
		return failedCommit(errors.New("store: empty batch"))
	}
	c := &Commit{w: w, done: make(chan struct{}), last: b[len(b)-1].Record}
	c.parts = c.one[:0]
	if err := w.encode(c, b); err != nil {
		return failedCommit(err)
	}
	w.qmu.Lock()
	switch {
	case w.closing:
		w.qmu.Unlock()
		return failedCommit(ErrClosed)
	case w.failedErr != nil:
		err := w.failedErr
		w.refuse(c)
		w.qmu.Unlock()
		return failedCommit(err)
	case b[0].Record.Seq <= w.lastSeq:
		w.qmu.Unlock()
		return failedCommit(fmt.Errorf("store: batch seq %d does not follow %d", b[0].Record.Seq, w.lastSeq))
	case b[0].Record.UnixMs < w.lastMs:
		w.qmu.Unlock()
		return failedCommit(fmt.Errorf("store: batch unix_ms %d goes back from %d", b[0].Record.UnixMs, w.lastMs))
	}
	w.lastSeq, w.lastMs = c.last.Seq, c.last.UnixMs
	w.queue = append(w.queue, c)
	w.qmu.Unlock()
	return c
}

// encode checks the batch and encodes each stream's share of it followed by
// its commit frame.
func (w *writer) encode(c *Commit, b Batch) error {
	var prev Record
	for i := range b {
		e := &b[i]
		r := &e.Record
		switch r.Type {
		case EventInsert, EventPatch, EventSoftDelete, EventTruncate:
		default:
			return fmt.Errorf("store: event type %d cannot be appended", r.Type)
		}
		if i > 0 && (r.Seq <= prev.Seq || r.UnixMs < prev.UnixMs) {
			return fmt.Errorf("store: batch out of order at seq %d", r.Seq)
		}
		if r.Seq == 0 {
			return errors.New("store: seq 0 is reserved")
		}
		if n := r.encodedSize() - recordHeaderSize; n > MaxRecordSize {
			return fmt.Errorf("store: record of %d bytes exceeds the limit of %d", n, MaxRecordSize)
		}
		prev = *r
		k := -1
		for j := range c.parts { // batches touch few streams: a scan beats a map
			if c.parts[j].st.name == e.Stream {
				k = j
				break
			}
		}
		if k < 0 {
			st, err := w.s.stream(e.Stream)
			if err != nil {
				return err
			}
			k = len(c.parts)
			c.parts = append(c.parts, batchPart{st: st, buf: make([]byte, 0, batchBytes(b[i:])+commitFrameRoom)})
		}
		c.parts[k].buf = appendRecord(c.parts[k].buf, r)
		c.parts[k].n++
	}
	var names []string
	if len(c.parts) > 1 {
		names = make([]string, 0, len(c.parts))
		for _, p := range c.parts {
			names = append(names, p.st.name)
		}
		sort.Strings(names)
	}
	var small [commitSmallSize]byte
	for k := range c.parts {
		p := &c.parts[k]
		frame := Record{Seq: c.last.Seq, UnixMs: c.last.UnixMs, Type: EventCommit,
			Payload: appendCommit(small[:0], commitPayload{N: p.n, Streams: names})}
		p.buf = appendRecord(p.buf, &frame)
	}
	return nil
}

// commitFrameRoom is room enough for a single-table commit frame.
const commitFrameRoom = recordHeaderSize + 10 + 8 + 1 + 4

// batchBytes is the encoded size of the records of b.
func batchBytes(b Batch) int {
	n := 0
	for i := range b {
		n += b[i].Record.encodedSize()
	}
	return n
}

// lead writes the queue, c's batch in it, when no group is being written.
// Otherwise the group's writer passes the queue on when it is done.
func (w *writer) lead(c *Commit) {
	w.qmu.Lock()
	select {
	case <-c.done:
		w.qmu.Unlock()
		return
	default:
	}
	if w.leading {
		w.qmu.Unlock()
		return
	}
	w.writeQueued() // c is queued: groups taken before it are complete
	more := len(w.queue) > 0
	w.qmu.Unlock()
	if more {
		w.kick()
	}
}

// kick hands the queue to the background goroutine.
func (w *writer) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// backgroundWriters is how many goroutines run: two, so that one can take
// the next group a committer hands on while the other completes the
// commits of the last.
const backgroundWriters = 2

// run is a background goroutine: it writes groups while batches wait and
// no one else writes them.
func (w *writer) run() {
	defer w.running.Done()
	for {
		select {
		case <-w.stop:
			return
		case <-w.wake:
		}
		w.qmu.Lock()
		for !w.leading && len(w.queue) > 0 {
			w.writeQueued()
		}
		w.qmu.Unlock()
	}
}

// drain writes every batch queued so far. Called with qmu held; returns
// with it held.
func (w *writer) drain() {
	for w.leading || len(w.queue) > 0 {
		if w.leading {
			w.led.Wait()
			continue
		}
		w.writeQueued()
	}
}

// writeQueued writes the queue as one group and completes its commits.
// Called with qmu held and no group in progress; qmu is released while
// the group is written and held again on return.
func (w *writer) writeQueued() {
	group := w.queue
	w.queue = nil
	if len(group) == 0 {
		return
	}
	w.leading = true
	w.qmu.Unlock()
	w.mu.Lock()
	err := w.writeGroup(group)
	w.mu.Unlock()
	if err != nil {
		err = w.fail(err, group)
	}
	// The next group can be written while this one's commits complete, by
	// a committer that arrives. Otherwise this goroutine's caller writes it
	// (run) or hands it on (lead) afterwards: waking the other background
	// goroutine now would only queue it for this goroutine's processor,
	// which a raw write (direct.go) then keeps, and cost a wake-up besides.
	w.qmu.Lock()
	w.leading = false
	w.led.Broadcast()
	w.qmu.Unlock()
	for _, c := range group {
		if f := c.hook.Swap(completed); f != nil {
			(*f)(err)
		}
	}
	for _, c := range group {
		c.err = err
		close(c.done)
	}
	w.qmu.Lock()
}

// fail puts the store in the failed state: no write is accepted until it
// is reopened, and recovery then decides what of the last group survived;
// or, when the disk was full and the group was cut back (*cutBackError),
// until Resume. group's batches are the failed ones.
func (w *writer) fail(err error, group []*Commit) error {
	w.qmu.Lock()
	for _, c := range group {
		w.refuse(c)
	}
	if w.failedErr == nil {
		var cb *cutBackError
		if errors.As(err, &cb) {
			w.failedErr = fmt.Errorf("%w: %w", ErrDiskFull, cb.err)
			w.diskFull = true
		} else {
			w.failedErr = fmt.Errorf("%w: %w", ErrFailed, err)
		}
	}
	ferr, full := w.failedErr, w.diskFull
	w.qmu.Unlock()
	if full {
		w.s.opts.Logger.Error("store write failed for lack of space; refusing writes until space is freed", "err", err)
	} else {
		w.s.opts.Logger.Error("store write failed; refusing writes until reopened", "err", err)
	}
	return ferr
}

// refuse notes the streams of a batch that failed while the store is
// failed. Called with qmu held.
func (w *writer) refuse(c *Commit) {
	if w.refused == nil {
		w.refused = map[string]bool{}
	}
	for _, p := range c.parts {
		w.refused[p.st.name] = true
	}
}

// cutBackError is a write the disk had no room for (ENOSPC, EDQUOT), made
// before anything of its group was synced, after which every stream of
// the group was cut back to its last acknowledged batch, durably.
type cutBackError struct{ err error }

func (e *cutBackError) Error() string { return e.err.Error() }
func (e *cutBackError) Unwrap() error { return e.err }

// noSpace reports whether err says the disk (or the quota) is full, on a
// write: a failed fsync is never taken back, whatever it says.
func noSpace(err error) bool {
	var se *syncError
	return (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)) && !errors.As(err, &se)
}

// writeFailed handles a failed write of a group, made before anything of
// it was synced. When the disk was full, every stream of the group is cut
// back to its last acknowledged batch, durably: the bytes written since,
// and any half of a write, are gone, so later batches can go where the
// failed ones were. It returns a *cutBackError then; any other failure, or
// a cut-back that fails, leaves the store failed until reopened.
func (w *writer) writeFailed(order []*stream, err error) error {
	if !noSpace(err) {
		return err
	}
	for _, st := range order {
		if cerr := cutBack(st); cerr != nil {
			return fmt.Errorf("%w; cutting back %s: %w", err, st.activePath, cerr)
		}
	}
	return &cutBackError{err: err}
}

// cutBack truncates st's active segment to the end of its last
// acknowledged batch and syncs it. The direct handle's tail is still
// right: it changes only after a write succeeds.
func cutBack(st *stream) error {
	if err := st.active.Truncate(st.activeSize); err != nil {
		return err
	}
	if err := st.active.Sync(); err != nil {
		return err
	}
	st.allocated = st.activeSize
	return nil
}

// resume takes writes again after a disk-full failure. Batches queued
// since are failed first: their callers built them on top of the batches
// that failed. It returns the streams whose batches failed.
func (w *writer) resume() ([]string, error) {
	w.qmu.Lock()
	defer w.qmu.Unlock()
	if w.failedErr == nil {
		return nil, nil
	}
	if !w.diskFull {
		return nil, w.failedErr
	}
	w.drain() // fails every queued batch with failedErr
	names := make([]string, 0, len(w.refused))
	for n := range w.refused {
		names = append(names, n)
	}
	sort.Strings(names)
	w.failedErr, w.diskFull, w.refused = nil, false, nil
	w.lastSeq, w.lastMs = w.s.lastSeq.Load(), w.s.lastMs.Load()
	return names, nil
}

// writeGroup writes a group of batches: per stream, one write of all its
// shares and one fsync. Only after every file is synced does it publish the
// new ends to readers.
func (w *writer) writeGroup(group []*Commit) error {
	w.qmu.Lock()
	ferr := w.failedErr
	w.qmu.Unlock()
	if ferr != nil {
		return ferr
	}
	type pending struct {
		st   *stream
		buf  []byte
		sync bool // written through the page cache: needs an fdatasync
	}
	// Groups touch few streams: a scan beats a map.
	var room [4]pending
	order := room[:0]
	for _, c := range group {
		for _, p := range c.parts {
			var pd *pending
			for i := range order {
				if order[i].st == p.st {
					pd = &order[i]
					break
				}
			}
			if pd == nil {
				order = append(order, pending{st: p.st})
				pd = &order[len(order)-1]
			}
			if len(c.parts) == 1 && len(group) == 1 {
				pd.buf = p.buf // the common case: no copy
			} else {
				pd.buf = append(pd.buf, p.buf...)
			}
		}
	}
	for i := range order {
		pd := &order[i]
		sync, err := w.writeShare(pd.st, pd.buf)
		if err != nil {
			streams := make([]*stream, len(order))
			for j := range order {
				streams[j] = order[j].st
			}
			return w.writeFailed(streams, err)
		}
		pd.sync = sync && !w.s.opts.NoSync
	}
	for i := range order {
		pd := &order[i]
		if pd.sync {
			if err := pd.st.active.SyncData(); err != nil {
				return fmt.Errorf("store: fsync %s: %w", pd.st.activePath, err)
			}
		}
	}
	// Publish: ends first, then the store's last seq.
	for i := range order {
		pd := &order[i]
		st := pd.st
		st.activeSize += int64(len(pd.buf))
		segs := st.segments()
		seg := segs[len(segs)-1]
		if seg.firstSeq.Load() == 0 {
			seg.firstSeq.Store(firstSeqOf(group, st))
		}
		// end before lastSeq: a reader that sees a seq (ReadRecord) sees
		// the bytes that hold it.
		seg.end.Store(st.activeSize)
		seg.lastSeq.Store(lastSeqOf(group, st))
	}
	last := group[len(group)-1].last
	w.s.lastMs.Store(last.UnixMs)
	w.s.lastSeq.Store(last.Seq)
	return nil
}

// writeShare writes buf, a group's share of st, after st's data. It
// reports whether the write went through the page cache and needs an
// fdatasync. Nothing it writes is synced unless it succeeds, so on failure
// the stream can be cut back (writeFailed).
func (w *writer) writeShare(st *stream, buf []byte) (bool, error) {
	// Seal a full segment before writing: it was synced with the group
	// that filled it, so a torn write can only ever be in the newest
	// segment.
	if st.activeSize >= w.s.opts.SegmentSize {
		// A sealed segment ends at its last record.
		if err := trimSegment(st); err != nil {
			return false, err
		}
		segs := st.segments()
		if err := w.s.startSegment(st, segs[len(segs)-1].num+1); err != nil {
			return false, err
		}
		w.s.sealBehind(segs)
	}
	if st.direct != nil {
		ok, err := w.writeDirect(st, buf)
		if err != nil || ok {
			return false, err
		}
	}
	if need := st.activeSize + int64(len(buf)); need > st.allocated {
		if err := w.preallocate(st, need); err != nil {
			return false, err
		}
	}
	if _, err := st.active.WriteAt(buf, st.activeSize); err != nil {
		return false, fmt.Errorf("store: write %s: %w", st.activePath, err)
	}
	return true, nil
}

// writeDirect writes buf after the data of st's active segment with a
// direct, synchronous write (direct.go). It reports false, having written
// nothing, when the file system refuses direct writes (EINVAL for the
// alignment it wants, EOPNOTSUPP): st then uses buffered writes from now on.
func (w *writer) writeDirect(st *stream, buf []byte) (bool, error) {
	if end := paddedEnd(st.activeSize, len(buf)); end > st.allocated {
		// The zeros ahead, and the file size, must be durable before data
		// inside them relies on them.
		if err := w.preallocate(st, end); err != nil {
			return false, err
		}
		if err := st.active.SyncData(); err != nil {
			return false, fmt.Errorf("store: fsync %s: %w", st.activePath, &syncError{err})
		}
	}
	err := st.direct.write(buf, st.activeSize)
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.EOPNOTSUPP) {
		w.s.opts.Logger.Warn("direct write refused; using buffered writes and fdatasync", "file", st.activePath, "err", err)
		st.dropDirect()
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: write %s: %w", st.activePath, err)
	}
	return true, nil
}

// preallocChunk is how far ahead of its data the writer extends the active
// segment with zeros. An fsync that must also record a new file size costs
// a journal commit; within the zeros, a commit's fdatasync writes only data.
const preallocChunk = 1 << 20

var zeros = make([]byte, preallocChunk)

// preallocate extends the active segment with zeros to hold at least need
// bytes: up to the next whole chunk, or the segment size if that is less.
func (w *writer) preallocate(st *stream, need int64) error {
	target := (need + preallocChunk - 1) / preallocChunk * preallocChunk
	if limit := max(need, w.s.opts.SegmentSize); target > limit {
		target = limit
	}
	for off := st.allocated; off < target; {
		n := min(target-off, int64(len(zeros)))
		if _, err := st.active.WriteAt(zeros[:n], off); err != nil {
			return fmt.Errorf("store: extend %s: %w", st.activePath, err)
		}
		off += n
	}
	st.allocated = target
	return nil
}

// trimSegment cuts the zeros written ahead off the active segment and
// syncs it.
func trimSegment(st *stream) error {
	if st.allocated > st.activeSize {
		if err := st.active.Truncate(st.activeSize); err != nil {
			return fmt.Errorf("store: trim %s: %w", st.activePath, err)
		}
	}
	if err := st.active.Sync(); err != nil {
		return fmt.Errorf("store: fsync %s: %w", st.activePath, &syncError{err})
	}
	st.allocated = st.activeSize
	return nil
}

func firstSeqOf(group []*Commit, st *stream) uint64 {
	for _, c := range group {
		for _, p := range c.parts {
			if p.st == st {
				r, _, err := decodeRecord(p.buf)
				if err == nil {
					return r.Seq
				}
			}
		}
	}
	return 0
}

func lastSeqOf(group []*Commit, st *stream) uint64 {
	for i := len(group) - 1; i >= 0; i-- {
		for _, p := range group[i].parts {
			if p.st == st {
				return group[i].last.Seq
			}
		}
	}
	return 0
}

// sync writes everything queued so far and fsyncs the active segments.
func (w *writer) sync() error {
	w.qmu.Lock()
	w.drain()
	ferr := w.failedErr
	w.qmu.Unlock()
	if ferr != nil {
		return ferr
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, st := range *w.s.streams.Load() {
		if st.active != nil {
			if err := st.active.Sync(); err != nil {
				return w.fail(fmt.Errorf("store: fsync %s: %w", st.activePath, err), nil)
			}
		}
	}
	return nil
}

// close stops accepting batches and writes the queued ones. In NoSync
// mode it syncs what was written.
func (w *writer) close() error {
	w.qmu.Lock()
	if w.closing {
		w.qmu.Unlock()
		return nil
	}
	w.closing = true
	w.drain()
	w.qmu.Unlock()
	close(w.stop)
	w.running.Wait()
	if w.s.opts.NoSync {
		return w.sync()
	}
	return nil
}
