package store

import (
	"errors"
	"fmt"
	"sort"
	"sync"
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
	parts []batchPart
	last  Record // seq and unix_ms of the batch's last record
	done  chan struct{}
	err   error
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

// Wait blocks until the batch is durable (or, with NoSync, written) and
// returns the error that kept it from being so.
func (c *Commit) Wait() error {
	<-c.done
	return c.err
}

// writer owns the active segments. One goroutine takes every batch queued
// since its last round, writes them with one write per stream and one fsync
// per file touched, then wakes all their waiters (group commit).
type writer struct {
	s *Store

	qmu       sync.Mutex
	queue     []*Commit
	lastSeq   uint64 // last seq accepted by submit
	lastMs    int64
	closing   bool
	failedErr error // set once a write or fsync failed

	wake chan struct{} // capacity 1: "the queue is not empty"
	done chan struct{} // closed when the goroutine ends

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
		done:    make(chan struct{}),
	}
	go w.run()
	return w
}

// submit checks and encodes a batch on the caller's goroutine, then queues
// it.
func (w *writer) submit(b Batch) *Commit {
	if len(b) == 0 {
		return failedCommit(errors.New("store: empty batch"))
	}
	c := &Commit{done: make(chan struct{}), last: b[len(b)-1].Record}
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
	select {
	case w.wake <- struct{}{}:
	default:
	}
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
		case EventInsert, EventPatch, EventSoftDelete:
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
	for k := range c.parts {
		p := &c.parts[k]
		frame := Record{Seq: c.last.Seq, UnixMs: c.last.UnixMs, Type: EventCommit,
			Payload: encodeCommit(commitPayload{N: p.n, Streams: names})}
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

func (w *writer) run() {
	defer close(w.done)
	for {
		w.qmu.Lock()
		group := w.queue
		w.queue = nil
		closing := w.closing
		w.qmu.Unlock()
		if len(group) == 0 {
			if closing {
				return
			}
			<-w.wake
			continue
		}
		w.mu.Lock()
		err := w.writeGroup(group)
		w.mu.Unlock()
		if err != nil {
			err = w.fail(err)
		}
		for _, c := range group {
			c.err = err
			close(c.done)
		}
	}
}

// fail puts the store in the failed state: no write is accepted until it is
// reopened, and recovery then decides what of the last group survived.
func (w *writer) fail(err error) error {
	w.qmu.Lock()
	if w.failedErr == nil {
		w.failedErr = fmt.Errorf("%w: %w", ErrFailed, err)
	}
	ferr := w.failedErr
	w.qmu.Unlock()
	w.s.opts.Logger.Error("store write failed; refusing writes until reopened", "err", err)
	return ferr
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
		st  *stream
		buf []byte
	}
	var order []*pending
	byStream := map[*stream]*pending{}
	for _, c := range group {
		for _, p := range c.parts {
			pd := byStream[p.st]
			if pd == nil {
				pd = &pending{st: p.st}
				byStream[p.st] = pd
				order = append(order, pd)
			}
			if len(c.parts) == 1 && len(group) == 1 {
				pd.buf = p.buf // the common case: no copy
			} else {
				pd.buf = append(pd.buf, p.buf...)
			}
		}
	}
	for _, pd := range order {
		st := pd.st
		// Seal a full segment before writing: it was synced with the group
		// that filled it, so a torn write can only ever be in the newest
		// segment.
		if st.activeSize >= w.s.opts.SegmentSize {
			if w.s.opts.NoSync {
				if err := st.active.Sync(); err != nil {
					return fmt.Errorf("store: fsync %s: %w", st.active.Name(), err)
				}
			}
			segs := st.segments()
			if err := w.s.startSegment(st, segs[len(segs)-1].num+1); err != nil {
				return err
			}
		}
		if _, err := st.active.WriteAt(pd.buf, st.activeSize); err != nil {
			return fmt.Errorf("store: write %s: %w", st.active.Name(), err)
		}
	}
	if !w.s.opts.NoSync {
		for _, pd := range order {
			if err := pd.st.active.Sync(); err != nil {
				return fmt.Errorf("store: fsync %s: %w", pd.st.active.Name(), err)
			}
		}
	}
	// Publish: ends first, then the store's last seq.
	for _, pd := range order {
		st := pd.st
		st.activeSize += int64(len(pd.buf))
		segs := st.segments()
		seg := segs[len(segs)-1]
		if seg.firstSeq.Load() == 0 {
			seg.firstSeq.Store(firstSeqOf(group, st))
		}
		seg.lastSeq.Store(lastSeqOf(group, st))
		seg.end.Store(st.activeSize)
	}
	last := group[len(group)-1].last
	w.s.lastMs.Store(last.UnixMs)
	w.s.lastSeq.Store(last.Seq)
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

// sync waits for everything queued so far and fsyncs the active segments.
func (w *writer) sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.qmu.Lock()
	ferr := w.failedErr
	w.qmu.Unlock()
	if ferr != nil {
		return ferr
	}
	for _, st := range *w.s.streams.Load() {
		if st.active != nil {
			if err := st.active.Sync(); err != nil {
				return w.fail(fmt.Errorf("store: fsync %s: %w", st.active.Name(), err))
			}
		}
	}
	return nil
}

// close stops accepting batches, lets the queued ones finish, and stops the
// goroutine. In NoSync mode it syncs what was written.
func (w *writer) close() error {
	w.qmu.Lock()
	if w.closing {
		w.qmu.Unlock()
		return nil
	}
	w.closing = true
	w.qmu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	<-w.done
	if w.s.opts.NoSync {
		return w.sync()
	}
	return nil
}
