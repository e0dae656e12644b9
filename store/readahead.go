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

// readAheadChunk is the size of the chunks a readAhead hands over, and
// readAheadChunks how many it decompresses before its reader takes them.
const (
	readAheadChunk  = 1 << 20
	readAheadChunks = 4
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
		full: make(chan aheadChunk, readAheadChunks),
		free: make(chan []byte, readAheadChunks+1),
		done: make(chan struct{}),
	}
	for range readAheadChunks + 1 {
		a.free <- make([]byte, readAheadChunk)
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
