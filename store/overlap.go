package store

import (
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// readAheadFrom is the compressed size from which a snapshot is
// decompressed ahead of its reader: opening a table reads its whole
// snapshot, and decompressing took a third of the time of parsing the
// rows (9 million rows spilled, a 146 MB snapshot) on the same core.
const readAheadFrom = 4 << 20

// overlapChunk is the size of the chunks a readAhead hands over, and
// overlapChunks how many go ahead of the reader at most.
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

// frameWriter compresses what its Write is given as a run of zstd
// frames, one per frameSize bytes, on up to four goroutines side by
// side, and writes them to dst in order on a goroutine of its own:
// a snapshot's rows are encoded while the ones before are compressed.
// Frames one after the other are one zstd stream to a reader. (One
// stream, compressed on one goroutine beside the encoder, was what the
// close of an import waited for: 1.8 s for the 845 MB of 9 million
// rows, against 0.9 s to encode them; in frames on two cores, the close
// 2.46-2.50 s against 2.89-2.96.) Its Write returns dst's first error
// once the writing goroutine has met it; close returns it too.
type frameWriter struct {
	enc   *zstd.Encoder
	cur   *frameJob      // the frame being filled; nil: none yet
	work  chan *frameJob // frames to compress, to the workers
	order chan *frameJob // the same frames, in order, to the writer
	free  chan *frameJob // frames written, their buffers to fill again
	done  chan struct{}  // closed when the writer is done
	wg    sync.WaitGroup // the workers
	mu    sync.Mutex
	err   error // dst's first error
	wrote bool  // a frame was sent
}

type frameJob struct {
	in, out []byte
	ready   chan struct{} // closed once out holds the frame
}

// frameSize is the input of one frame: big enough that its matches are
// found within it as well as in one stream (the snapshot of 9 million rows
// 135.8 MB as one stream, 134.9 MB in frames of 2 MB).
var frameSize = 2 << 20

// frameEncoder is the encoder of every frameWriter, and how many frames
// it compresses at once (the machine's processors, up to four): EncodeAll
// may be called from any number of goroutines, each call on its own, up
// to the encoder's concurrency. zstd's fastest level: on the 845 MB of a
// snapshot of 9 million rows, 1.87 s and 136 MB as one stream against
// 2.76 s and 151 MB at its default level.
var frameEncoder = sync.OnceValues(func() (frameCodec, error) {
	n := min(runtime.GOMAXPROCS(0), 4)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(n),
		zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithZeroFrames(true))
	return frameCodec{enc, n}, err
})

type frameCodec struct {
	enc     *zstd.Encoder
	workers int
}

func newFrameWriter(dst io.Writer) (*frameWriter, error) {
	codec, err := frameEncoder()
	if err != nil {
		return nil, err
	}
	enc, n := codec.enc, codec.workers
	w := &frameWriter{
		enc:   enc,
		work:  make(chan *frameJob, n),
		order: make(chan *frameJob, 2*n),
		free:  make(chan *frameJob, 2*n+2),
		done:  make(chan struct{}),
	}
	for range n {
		w.wg.Go(func() {
			for j := range w.work {
				j.out = w.enc.EncodeAll(j.in, j.out[:0])
				close(j.ready)
			}
		})
	}
	go w.drain(dst)
	return w, nil
}

// drain writes the frames to dst in order until close, after its first
// error only handing their buffers back.
func (w *frameWriter) drain(dst io.Writer) {
	defer close(w.done)
	var err error
	for j := range w.order {
		<-j.ready
		if err == nil {
			if _, err = dst.Write(j.out); err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
		j.in = j.in[:0]
		select {
		case w.free <- j:
		default:
		}
	}
}

func (w *frameWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// send hands the frame being filled to a worker and to the writer.
func (w *frameWriter) send() {
	j := w.cur
	if j == nil {
		j = &frameJob{}
	}
	j.ready = make(chan struct{})
	w.cur, w.wrote = nil, true
	w.order <- j // first: the writer waits for the frames in this order
	w.work <- j
}

func (w *frameWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if w.cur == nil {
			if err := w.failed(); err != nil {
				return n, err
			}
			select {
			case w.cur = <-w.free:
			default:
				w.cur = &frameJob{}
			}
		}
		// A new frame's buffer grows as it is filled, so that a small
		// snapshot does not take a whole frame's.
		m := min(len(p), frameSize-len(w.cur.in))
		w.cur.in, p, n = append(w.cur.in, p[:m]...), p[m:], n+m
		if len(w.cur.in) == frameSize {
			w.send()
		}
	}
	return n, nil
}

// close compresses and writes what is left (an empty frame when nothing
// was written: a stream has one frame at least), waits for the goroutines
// and returns dst's first error. The frameWriter is not written to after.
func (w *frameWriter) close() error {
	if w.cur != nil && len(w.cur.in) > 0 || !w.wrote {
		w.send()
	}
	close(w.work)
	close(w.order)
	w.wg.Wait()
	<-w.done
	return w.failed()
}
