package store

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// Commits reach the disk through a second handle on the active segment,
// opened with O_DIRECT|O_DSYNC: one pwrite that returns when the data is
// durable, instead of a buffered write and an fdatasync. On the disks we
// measured this takes a third less time and CPU per commit (no page-cache
// copy, no writeback of dirty pages, one system call).
//
// Direct writes must start, end and sit in memory at multiples of the
// device's block size. The writer keeps in memory the bytes of the
// segment's last, partly filled block (the tail) and rewrites that block
// with the new data after it, padding the end with zeros. The rewritten
// bytes are the ones already on disk, so a torn write cannot damage data
// an earlier commit made durable; the zeros are what a reader already
// takes for the end of the data (see the preallocated tail in FORMAT.md).
//
// A file system that refuses O_DIRECT (tmpfs, some overlays) gets the
// buffered write and fdatasync instead, decided when the segment is
// opened, or at the first write it refuses.
//
// Holding the processor. An ordinary system call tells the Go scheduler
// that the goroutine is about to block; once the call has lasted a few
// tens of microseconds the scheduler gives the goroutine's processor (P)
// to other goroutines. When the write returns, a busy server has no P
// free, and the writer waits in the global run queue behind the
// connections it is about to answer. A raw write keeps the P: the writer
// goes on the moment the disk answers, and while it waits one P fewer
// competes for the cores. On the 2-core machine we measure on, with
// sixteen clients inserting, that took the commit write from about 490 to
// 420 µs (168 µs with one client) and about 10 µs of processor time off
// each transaction. The price is that a stop-the-world phase of the garbage
// collector waits for the write to finish. So raw writes are only for
// disks that answer quickly: after a write that took longer than
// slowDirectWrite, the writer makes ordinary calls for plainAfterSlow
// (writer.writeDirect). Nor are they made when Go runs goroutines on one
// P only (GOMAXPROCS=1): the write would stop all of them.

// dioAlign is the alignment of direct writes: a multiple of the logical
// block size of the devices in use (512 or 4096 bytes).
const dioAlign = 4096

// directFile is the direct-write handle of an active segment.
type directFile struct {
	f    *os.File
	fd   uintptr // f's descriptor, for raw writes
	tail []byte  // the file's bytes from the last aligned offset to the data's end
	buf  []byte  // aligned scratch, kept between writes while small
}

// openDirect opens path for direct, synchronous writes; size is the end of
// its data, whose last partial block is read through buffered. It fails
// where the file system does not support direct writes.
func openDirect(path string, buffered *os.File, size int64) (*directFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_DIRECT|syscall.O_DSYNC, 0)
	if err != nil {
		return nil, err
	}
	start := alignDown(size)
	tail := make([]byte, size-start, dioAlign)
	if _, err := buffered.ReadAt(tail, start); err != nil {
		f.Close()
		return nil, fmt.Errorf("read the last block of %s: %w", path, err)
	}
	d := &directFile{f: f, tail: tail}
	rc, err := f.SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) { d.fd = fd })
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

// paddedEnd is where a direct write of n bytes after size ends.
func paddedEnd(size int64, n int) int64 { return alignUp(size + int64(n)) }

// write appends data after size (the end of the data so far) and returns
// once it is durable; raw makes the system call without releasing the
// processor (see above).
func (d *directFile) write(data []byte, size int64, raw bool) error {
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
	if err := d.pwrite(buf, start, raw); err != nil {
		return err
	}
	end := size + int64(len(data))
	d.tail = append(d.tail[:0], buf[alignDown(end)-start:n]...)
	return nil
}

// rawWrites tells whether raw writes can be made: pwrite64 takes its
// offset in one register only on 64-bit machines.
const rawWrites = unsafe.Sizeof(uintptr(0)) == 8

// pwrite writes all of b at off, as File.WriteAt does; raw makes each
// system call without telling the scheduler.
func (d *directFile) pwrite(b []byte, off int64, raw bool) error {
	if !raw {
		_, err := d.f.WriteAt(b, off)
		return err
	}
	defer runtime.KeepAlive(d.f) // d.fd stays open until the writes are done
	for len(b) > 0 {
		n, _, errno := syscall.RawSyscall6(syscall.SYS_PWRITE64, d.fd,
			uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(off), 0, 0)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			return &os.PathError{Op: "write", Path: d.f.Name(), Err: errno}
		case n == 0:
			return &os.PathError{Op: "write", Path: d.f.Name(), Err: io.ErrShortWrite}
		}
		b = b[n:]
		off += int64(n)
	}
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
	if n <= 1<<20 {
		d.buf = buf
	}
	return buf
}

func (d *directFile) close() {
	if d != nil {
		d.f.Close()
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
