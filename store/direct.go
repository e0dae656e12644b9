package store

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/driftdb/driftdb/store/vfs"
)

// Commits reach the disk through a second handle on the active segment,
// opened for direct synchronous writes (vfs.DirectOpener: O_DIRECT|O_DSYNC
// on the operating system's files): one pwrite that returns when the data
// is durable, instead of a buffered write and an fdatasync. On the disks
// we measured this takes a third less time and CPU per commit (no
// page-cache copy, no writeback of dirty pages, one system call).
//
// Direct writes must start, end and sit in memory at multiples of the
// device's block size. The writer keeps in memory the bytes of the
// segment's last, partly filled block (the tail) and rewrites that block
// with the new data after it, padding the end with zeros. The rewritten
// bytes are the ones already on disk, so a torn write cannot damage data
// an earlier commit made durable; the zeros are what a reader already
// takes for the end of the data (see the preallocated tail in FORMAT.md).
//
// A file system that refuses direct writes (tmpfs, some overlays, the
// in-memory vfs.MemFS) gets the buffered write and fdatasync instead,
// decided when the segment is opened, or at the first write it refuses.
//
// The write is an ordinary system call. An earlier version made it raw
// (syscall.RawSyscall6) so that the writer kept its processor (P) while
// the disk answered, which saved about 10 µs of processor time per commit
// on a busy 2-core machine. But to the Go runtime a goroutine in a raw
// system call is running: a stop-the-world phase of the garbage collector
// waits for it, and with it every goroutine of the server. With a commit
// write that took 5 s, point reads from other goroutines waited for the
// whole stall: p99 5.0 s, against 4.8 ms with an ordinary call
// (engine.BenchmarkReadsDuringStall; docs/OPERATIONS.md, Durability). A
// reader must never wait for the disk under a writer, so the raw write is
// gone.

// dioAlign is the alignment of direct writes.
const dioAlign = vfs.DirectAlign

// directFile is the direct-write handle of an active segment.
type directFile struct {
	w    vfs.DirectWriter
	tail []byte // the file's bytes from the last aligned offset to the data's end
	buf  []byte // aligned scratch, kept between writes up to keptScratch
}

// keptScratch is the largest scratch buffer a directFile keeps: a COPY's
// commit writes a few MB at once (an import of 9 million rows in COPYs of
// 50,000 made 600 MB of buffers, one a commit, when only 1 MB was kept).
const keptScratch = 8 << 20

// openDirect opens f for direct, synchronous writes; size is the end of
// its data, whose last partial block is read through f. It fails where
// the file system does not support direct writes.
func openDirect(f File, size int64) (*directFile, error) {
	do, ok := f.(vfs.DirectOpener)
	if !ok {
		return nil, vfs.ErrUnsupported
	}
	w, err := do.OpenDirect()
	if err != nil {
		return nil, err
	}
	start := alignDown(size)
	tail := make([]byte, size-start, dioAlign)
	if _, err := f.ReadAt(tail, start); err != nil {
		w.Close()
		return nil, fmt.Errorf("read the last block: %w", err)
	}
	return &directFile{w: w, tail: tail}, nil
}

// paddedEnd is where a direct write of n bytes after size ends.
func paddedEnd(size int64, n int) int64 { return alignUp(size + int64(n)) }

// write appends data after size (the end of the data so far) and returns
// once it is durable.
func (d *directFile) write(data []byte, size int64) error {
	start := alignDown(size)
	head := len(d.tail)
	if int64(head) != size-start {
		return fmt.Errorf("store: direct write at %d with a tail of %d bytes", size, head)
	}
	n := head + len(data)
	padded := int(alignUp(int64(n)))
	buf := d.scratch(padded)
	copy(buf, d.tail)
	copy(buf[head:], data)
	clear(buf[n:])
	if m, err := d.w.WriteAt(buf, start); err != nil {
		return err
	} else if m != len(buf) {
		return errors.New("short direct write")
	}
	end := size + int64(len(data))
	d.tail = append(d.tail[:0], buf[alignDown(end)-start:n]...)
	return nil
}

// scratch returns an aligned buffer of n bytes.
func (d *directFile) scratch(n int) []byte {
	if cap(d.buf) >= n {
		return d.buf[:n]
	}
	raw := make([]byte, n+dioAlign)
	off := 0
	if r := int(uintptr(unsafe.Pointer(&raw[0])) & (dioAlign - 1)); r != 0 {
		off = dioAlign - r
	}
	buf := raw[off : off+n : off+n]
	if n <= keptScratch {
		d.buf = buf
	}
	return buf
}

func (d *directFile) close() {
	if d != nil {
		d.w.Close()
	}
}

// dropDirect closes st's direct-write handle: the stream writes through
// the page cache until a segment opens one again.
func (st *stream) dropDirect() {
	st.direct.close()
	st.direct = nil
}

func alignDown(x int64) int64 { return x &^ (dioAlign - 1) }

func alignUp(x int64) int64 { return (x + dioAlign - 1) &^ (dioAlign - 1) }
