package vfs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestFaultNth: a fault hits the Nth matching operation, as many times as
// asked, only on its path, and Remove takes it away.
func TestFaultNth(t *testing.T) {
	m := NewMem()
	f := NewFaultFS(m)
	in := f.Inject(Fault{Ops: OpSync, Path: ".seg", Skip: 2, Times: 2, Err: syscall.EIO})
	file, err := f.Create("/a.seg")
	must(t, err)
	other, err := f.Create("/a.snap")
	must(t, err)
	var got []bool
	for range 6 {
		must(t, other.Sync()) // another path: never hit
		got = append(got, file.Sync() != nil)
	}
	if want := []bool{false, false, true, true, false, false}; !equalBools(got, want) {
		t.Fatalf("sync failures %v, want %v", got, want)
	}
	if in.Hits() != 2 {
		t.Fatalf("hits %d", in.Hits())
	}
	err = func() error {
		f.Inject(Fault{Ops: OpWrite, Err: syscall.ENOSPC})
		_, err := file.Write([]byte("x"))
		return err
	}()
	var pe *os.PathError
	if !errors.Is(err, syscall.ENOSPC) || !errors.As(err, &pe) || pe.Path != "/a.seg" {
		t.Fatalf("ENOSPC write: %v", err)
	}
	f.faults = nil
	if _, err := file.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	in = f.Inject(Fault{Ops: OpRename, Err: syscall.EIO})
	if err := f.Rename("/a.seg", "/b.seg"); !errors.Is(err, syscall.EIO) {
		t.Fatalf("rename: %v", err)
	}
	in.Remove()
	must(t, f.Rename("/a.seg", "/b.seg"))
	if n := f.Count(OpSync); n != 12 {
		t.Fatalf("%d syncs counted, want 12", n)
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFaultShortWrite: a short write writes half and reports the error.
func TestFaultShortWrite(t *testing.T) {
	m := NewMem()
	f := NewFaultFS(m)
	file, err := f.Create("/f")
	must(t, err)
	f.Inject(Fault{Ops: OpWrite, Times: 1, Short: true, Err: syscall.ENOSPC})
	n, err := file.WriteAt([]byte("abcdefgh"), 0)
	if n != 4 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("short write: %d %v", n, err)
	}
	f.Inject(Fault{Ops: OpWrite, Times: 1, Short: true})
	if n, err := file.Write([]byte("xy")); n != 1 || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("short write without an error: %d %v", n, err)
	}
	if got, _ := content(t, m, "/f"); got != "xbcd" {
		t.Fatalf("file holds %q", got)
	}
}

// TestFaultHook: the hook sees every operation and can fail it.
func TestFaultHook(t *testing.T) {
	f := NewFaultFS(NewMem())
	var seen []Op
	f.SetHook(func(op Op, path string) error {
		seen = append(seen, op)
		if op == OpMkdir {
			return syscall.EROFS
		}
		return nil
	})
	file, err := f.Create("/f")
	must(t, err)
	_, err = file.Write([]byte("x"))
	must(t, err)
	must(t, file.SyncData())
	must(t, file.Close())
	if err := f.Mkdir("/d"); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("mkdir: %v", err)
	}
	f.SetHook(nil)
	must(t, f.Mkdir("/d"))
	want := []Op{OpCreate, OpWrite, OpSync, OpClose, OpMkdir}
	if len(seen) != len(want) {
		t.Fatalf("hook saw %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("hook saw %v, want %v", seen, want)
		}
	}
}

// TestFaultDirect: the faults reach direct writes through the OS files'
// capability, and a delay holds the write up.
func TestFaultDirect(t *testing.T) {
	f := NewFaultFS(OS())
	path := filepath.Join(t.TempDir(), "f")
	file, err := f.Create(path)
	must(t, err)
	defer file.Close()
	d, err := file.(DirectOpener).OpenDirect()
	if err != nil {
		t.Skipf("no direct writes here: %v", err)
	}
	defer d.Close()
	buf := alignedBlock()
	if _, err := d.WriteAt(buf, 0); err != nil {
		t.Skipf("no direct writes here: %v", err)
	}
	f.Inject(Fault{Ops: OpWrite, Times: 1, Err: syscall.EIO})
	if _, err := d.WriteAt(buf, 0); !errors.Is(err, syscall.EIO) {
		t.Fatalf("direct write: %v", err)
	}
	f.Inject(Fault{Ops: OpWrite, Times: 1, Delay: 50 * time.Millisecond})
	start := time.Now()
	if _, err := d.WriteAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Fatalf("a delayed write took %v", took)
	}
	// MemFS files have no direct writes; through a FaultFS they say so.
	mf, err := NewFaultFS(NewMem()).Create("/f")
	must(t, err)
	if _, err := mf.(DirectOpener).OpenDirect(); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("OpenDirect on a memory file: %v", err)
	}
}

func alignedBlock() []byte {
	raw := make([]byte, 2*DirectAlign)
	off := int(uintptr(unsafe.Pointer(&raw[0])) & (DirectAlign - 1))
	if off != 0 {
		off = DirectAlign - off
	}
	return raw[off : off+DirectAlign]
}

// TestHoldingDelayStopsTheWorld: a delay that holds the processor keeps
// the garbage collector from stopping the world until it ends, as a raw
// write to a stalled disk does; an ordinary one does not. This is what
// makes the stall measurements of the store mean something.
func TestHoldingDelayStopsTheWorld(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs two processors")
	}
	for _, hold := range []bool{false, true} {
		var wg sync.WaitGroup
		started := make(chan struct{})
		wg.Go(func() {
			close(started)
			if hold {
				sleepHolding(300 * time.Millisecond)
			} else {
				sleepInSyscall(300 * time.Millisecond)
			}
		})
		<-started
		time.Sleep(20 * time.Millisecond)
		start := time.Now()
		runtime.GC()
		took := time.Since(start)
		wg.Wait()
		if hold && took < 200*time.Millisecond {
			t.Fatalf("GC took %v during a holding delay: it did not wait", took)
		}
		if !hold && took > 250*time.Millisecond {
			t.Fatalf("GC took %v during an ordinary delay", took)
		}
	}
}
