package store

import (
	"io"
	"sync"
)

// readAheadFrom is the compressed size from which a snapshot is
// decompressed ahead of its reader: opening a table reads its whole
// snapshot, and decompressing took a third of the time of parsing the
// rows (9 million rows spilled, a 146 MB snapshot) on the same core.
const readAheadFrom = 4 << 20

// overlapChunk is the size of the chunks a readAhead hands over and a
// writeBehind takes, and overlapChunks how many go ahead of the reader
// (or behind the writer) at most.
const (
	overlapChunk  = 1 << 20
	overlapChunks = 4
)

// readAhead reads src on a goroutine of its own into chunks its Read
// hands out in order: the reader's work and src's overlap. It stops at
// src's first error, which its Read returns after the bytes before it.
type readAhead struct {
	full chan aheadChunk // chunks read, in order
	free chan []byte     // chunks read out, for the goroutine to fill again
	done chan struct{}   // closed by stop
	wg   sync.WaitGroup
	cur  aheadChunk // the chunk Read is in
	at   int
}

// aheadChunk is a chunk of src and the error that ended it.
type aheadChunk struct {
	b   []byte
	err error
}

func newReadAhead(src io.Reader) *readAhead {
	a := &readAhead{
		full: make(chan aheadChunk, overlapChunks),
		free: make(chan []byte, overlapChunks+1),
		done: make(chan struct{}),
	}
	for range overlapChunks + 1 {
		a.free <- make([]byte, overlapChunk)
	}
	a.wg.Add(1)
	go a.fill(src)
	return a
}

// fill reads src into free chunks until src fails or ends, or stop.
func (a *readAhead) fill(src io.Reader) {
	defer a.wg.Done()
	defer close(a.full)
	for {
		var b []byte
		select {
		case b = <-a.free:
		case <-a.done:
			return
		}
		n, err := io.ReadFull(src, b)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case a.full <- aheadChunk{b: b[:n], err: err}:
		case <-a.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (a *readAhead) Read(p []byte) (int, error) {
	for a.at == len(a.cur.b) {
		if a.cur.err != nil {
			return 0, a.cur.err
		}
		if a.cur.b != nil {
			a.free <- a.cur.b[:cap(a.cur.b)]
		}
		c, ok := <-a.full
		if !ok { // stopped
			return 0, io.ErrClosedPipe
		}
		a.cur, a.at = c, 0
	}
	n := copy(p, a.cur.b[a.at:])
	a.at += n
	return n, nil
}

// stop ends the goroutine and waits for it: src is not read after.
func (a *readAhead) stop() {
	close(a.done)
	a.wg.Wait()
}

// writeBehind writes to dst on a goroutine of its own, in chunks of
// overlapChunk, what its Write is given: a snapshot's rows are
// encoded while the ones before are compressed (a table's whole
// snapshot compressed on the encoder's core: 3.6 s for 9 million rows
// held, half of it zstd). Its Write returns dst's first error once the
// goroutine has met it; close returns it too.
type writeBehind struct {
	full chan []byte // chunks to write, in order
	free chan []byte // chunks written, to fill again
	done chan struct{}
	cur  []byte // the chunk being filled
	made int    // chunks made: they are made as needed, so that a small snapshot takes one
	mu   sync.Mutex
	err  error // dst's first error
}

func newWriteBehind(dst io.Writer) *writeBehind {
	w := &writeBehind{
		full: make(chan []byte, overlapChunks),
		free: make(chan []byte, overlapChunks+1),
		done: make(chan struct{}),
	}
	go w.drain(dst)
	return w
}

// drain writes the chunks to dst until close, after its first error only
// handing them back.
func (w *writeBehind) drain(dst io.Writer) {
	defer close(w.done)
	var err error
	for b := range w.full {
		if err == nil {
			if _, err = dst.Write(b); err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
		w.free <- b[:0]
	}
}

func (w *writeBehind) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *writeBehind) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if w.cur == nil {
			if err := w.failed(); err != nil {
				return n, err
			}
			select {
			case w.cur = <-w.free:
			default:
				if w.made <= overlapChunks {
					w.made++
					w.cur = make([]byte, 0, overlapChunk)
				} else {
					w.cur = <-w.free
				}
			}
		}
		m := copy(w.cur[len(w.cur):cap(w.cur)], p)
		w.cur, p, n = w.cur[:len(w.cur)+m], p[m:], n+m
		if len(w.cur) == cap(w.cur) {
			w.full <- w.cur
			w.cur = nil
		}
	}
	return n, nil
}

// close writes what is left, waits for the goroutine and returns dst's
// first error. The writeBehind is not written to after.
func (w *writeBehind) close() error {
	if len(w.cur) > 0 {
		w.full <- w.cur
	}
	w.cur = nil
	close(w.full)
	<-w.done
	return w.failed()
}
