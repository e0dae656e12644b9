package vfs

import (
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// Op is a kind of file operation, as FaultFS tells them apart. Kinds
// combine as a set (OpWrite|OpSync).
type Op uint16

// The kinds of operations.
const (
	OpCreate   Op = 1 << iota // Create, and Lock
	OpOpen                    // Open, OpenReadWrite, OpenDirect
	OpRead                    // ReadAt, Stat, ReadDir
	OpWrite                   // Write, WriteAt, direct writes
	OpSync                    // Sync, SyncData of a file
	OpSyncDir                 // SyncDir
	OpRename                  // Rename
	OpRemove                  // Remove
	OpMkdir                   // Mkdir
	OpTruncate                // Truncate
	OpClose                   // Close

	// OpChange is every kind that changes the file system.
	OpChange = OpCreate | OpWrite | OpSync | OpSyncDir | OpRename | OpRemove | OpMkdir | OpTruncate
	// OpAny is every kind.
	OpAny Op = 1<<iota - 1
)

var opNames = []string{"create", "open", "read", "write", "sync", "syncdir", "rename", "remove", "mkdir", "truncate", "close"}

func (o Op) String() string {
	var names []string
	for i, n := range opNames {
		if o&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, "|")
}

// Fault is a fault FaultFS injects into the operations it matches.
type Fault struct {
	// Ops are the kinds of operations it applies to.
	Ops Op
	// Path, when set, limits it to operations on paths that contain it
	// ("segments/", ".snap", "meta.json").
	Path string
	// Skip lets that many matching operations through before the first
	// fault: Skip 2 makes the third one fail.
	Skip int
	// Times is how many operations it faults; 0 is every matching one
	// from the first on, until it is removed.
	Times int
	// Err is the error the operation returns (wrapped in an
	// *fs.PathError, as the operating system's are): syscall.ENOSPC,
	// syscall.EIO, ... Nil with a Delay only delays.
	Err error
	// Short makes a write write half of its bytes (for a direct write, the
	// whole blocks of the first half) before it fails with Err, or with
	// io.ErrShortWrite if Err is nil.
	Short bool
	// Delay holds the operation up for that long before it is made.
	Delay time.Duration
	// HoldProcessor makes the Delay a raw system call with signals
	// blocked: to the Go runtime the goroutine is running, so it keeps
	// its processor and a stop of the world waits for it, as it would
	// for a raw write to a stalled disk. Otherwise the delay is an
	// ordinary system call, during which the runtime gives the
	// goroutine's processor to others.
	HoldProcessor bool
}

// Injected is a fault in place.
type Injected struct {
	fs    *FaultFS
	fault Fault
	seen  int // matching operations so far
	hits  int // operations faulted
}

// Hits returns how many operations the fault has hit.
func (in *Injected) Hits() int {
	in.fs.mu.Lock()
	defer in.fs.mu.Unlock()
	return in.hits
}

// Remove takes the fault away: later operations go through.
func (in *Injected) Remove() {
	in.fs.mu.Lock()
	defer in.fs.mu.Unlock()
	for i, f := range in.fs.faults {
		if f == in {
			in.fs.faults = append(in.fs.faults[:i:i], in.fs.faults[i+1:]...)
			return
		}
	}
}

// FaultFS wraps an FS and injects faults into its operations: errors,
// short writes and delays, chosen by Inject, and whatever a hook decides
// (SetHook). It wraps direct writes too when the inner files have them.
type FaultFS struct {
	inner  FS
	mu     sync.Mutex
	faults []*Injected
	hook   func(op Op, path string) error
	counts map[Op]int
}

// NewFaultFS returns inner with no faults yet.
func NewFaultFS(inner FS) *FaultFS {
	return &FaultFS{inner: inner, counts: map[Op]int{}}
}

// Inject adds a fault.
func (f *FaultFS) Inject(fault Fault) *Injected {
	in := &Injected{fs: f, fault: fault}
	f.mu.Lock()
	f.faults = append(f.faults, in)
	f.mu.Unlock()
	return in
}

// SetHook sets a function called before every operation, with its kind
// and path; an error it returns fails the operation (wrapped in an
// *fs.PathError). Nil removes it. Crash tests use it to take a crash
// clone at an exact operation.
func (f *FaultFS) SetHook(hook func(op Op, path string) error) {
	f.mu.Lock()
	f.hook = hook
	f.mu.Unlock()
}

// Count returns how many operations of the given kinds were made (faulted
// or not).
func (f *FaultFS) Count(ops Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for op, c := range f.counts {
		if op&ops != 0 {
			n += c
		}
	}
	return n
}

// before runs the hook and the faults for one operation. It returns the
// error the operation must fail with, whether a write must be short, and
// waits out any delay.
func (f *FaultFS) before(op Op, name string) (err error, short bool) {
	f.mu.Lock()
	f.counts[op]++
	hook := f.hook
	var delay time.Duration
	hold := false
	for _, in := range f.faults {
		ft := &in.fault
		if ft.Ops&op == 0 || (ft.Path != "" && !strings.Contains(name, ft.Path)) {
			continue
		}
		in.seen++
		if in.seen <= ft.Skip || (ft.Times > 0 && in.hits >= ft.Times) {
			continue
		}
		in.hits++
		delay, hold = max(delay, ft.Delay), hold || ft.HoldProcessor
		if err == nil && (ft.Err != nil || ft.Short) {
			err, short = ft.Err, ft.Short && op == OpWrite
			if err == nil {
				err = io.ErrShortWrite
			}
		}
	}
	f.mu.Unlock()
	if hook != nil {
		if herr := hook(op, name); herr != nil && err == nil {
			err, short = herr, false
		}
	}
	if delay > 0 {
		if hold {
			sleepHolding(delay)
		} else {
			sleepInSyscall(delay)
		}
	}
	if err != nil {
		err = &fs.PathError{Op: op.String(), Path: name, Err: err}
	}
	return err, short
}

func (f *FaultFS) Create(name string) (File, error) {
	if err, _ := f.before(OpCreate, name); err != nil {
		return nil, err
	}
	return f.wrap(f.inner.Create(name))(name)
}

func (f *FaultFS) Open(name string) (File, error) {
	if err, _ := f.before(OpOpen, name); err != nil {
		return nil, err
	}
	return f.wrap(f.inner.Open(name))(name)
}

func (f *FaultFS) OpenReadWrite(name string) (File, error) {
	if err, _ := f.before(OpOpen, name); err != nil {
		return nil, err
	}
	return f.wrap(f.inner.OpenReadWrite(name))(name)
}

func (f *FaultFS) Lock(name string) (File, error) {
	if err, _ := f.before(OpCreate, name); err != nil {
		return nil, err
	}
	return f.wrap(f.inner.Lock(name))(name)
}

func (f *FaultFS) wrap(file File, err error) func(name string) (File, error) {
	return func(name string) (File, error) {
		if err != nil {
			return nil, err
		}
		return &faultFile{fs: f, f: file, name: name}, nil
	}
}

func (f *FaultFS) Remove(name string) error {
	if err, _ := f.before(OpRemove, name); err != nil {
		return err
	}
	return f.inner.Remove(name)
}

func (f *FaultFS) Rename(oldname, newname string) error {
	if err, _ := f.before(OpRename, newname); err != nil {
		return err
	}
	return f.inner.Rename(oldname, newname)
}

func (f *FaultFS) Mkdir(name string) error {
	if err, _ := f.before(OpMkdir, name); err != nil {
		return err
	}
	return f.inner.Mkdir(name)
}

func (f *FaultFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err, _ := f.before(OpRead, name); err != nil {
		return nil, err
	}
	return f.inner.ReadDir(name)
}

func (f *FaultFS) Stat(name string) (fs.FileInfo, error) {
	if err, _ := f.before(OpRead, name); err != nil {
		return nil, err
	}
	return f.inner.Stat(name)
}

func (f *FaultFS) SyncDir(name string) error {
	if err, _ := f.before(OpSyncDir, name); err != nil {
		return err
	}
	return f.inner.SyncDir(name)
}

type faultFile struct {
	fs   *FaultFS
	f    File
	name string
}

func (f *faultFile) ReadAt(b []byte, off int64) (int, error) {
	if err, _ := f.fs.before(OpRead, f.name); err != nil {
		return 0, err
	}
	return f.f.ReadAt(b, off)
}

func (f *faultFile) WriteAt(b []byte, off int64) (int, error) {
	err, short := f.fs.before(OpWrite, f.name)
	if err == nil {
		return f.f.WriteAt(b, off)
	}
	if !short {
		return 0, err
	}
	n, werr := f.f.WriteAt(b[:len(b)/2], off)
	if werr != nil {
		return n, werr
	}
	return n, err
}

func (f *faultFile) Write(b []byte) (int, error) {
	err, short := f.fs.before(OpWrite, f.name)
	if err == nil {
		return f.f.Write(b)
	}
	if !short {
		return 0, err
	}
	n, werr := f.f.Write(b[:len(b)/2])
	if werr != nil {
		return n, werr
	}
	return n, err
}

func (f *faultFile) Stat() (fs.FileInfo, error) {
	if err, _ := f.fs.before(OpRead, f.name); err != nil {
		return nil, err
	}
	return f.f.Stat()
}

func (f *faultFile) Sync() error {
	if err, _ := f.fs.before(OpSync, f.name); err != nil {
		return err
	}
	return f.f.Sync()
}

func (f *faultFile) SyncData() error {
	if err, _ := f.fs.before(OpSync, f.name); err != nil {
		return err
	}
	return f.f.SyncData()
}

func (f *faultFile) Truncate(size int64) error {
	if err, _ := f.fs.before(OpTruncate, f.name); err != nil {
		return err
	}
	return f.f.Truncate(size)
}

// Close always closes the inner file, so that a faulted close leaks
// nothing; the fault is what it reports.
func (f *faultFile) Close() error {
	ferr, _ := f.fs.before(OpClose, f.name)
	err := f.f.Close()
	if ferr != nil {
		return ferr
	}
	return err
}

// OpenDirect opens the inner file's direct writer, with the faults of
// OpWrite on its writes; ErrUnsupported if the inner file has none.
func (f *faultFile) OpenDirect() (DirectWriter, error) {
	do, ok := f.f.(DirectOpener)
	if !ok {
		return nil, fmt.Errorf("open %s for direct writes: %w", f.name, ErrUnsupported)
	}
	if err, _ := f.fs.before(OpOpen, f.name); err != nil {
		return nil, err
	}
	d, err := do.OpenDirect()
	if err != nil {
		return nil, err
	}
	return &faultDirect{fs: f.fs, d: d, name: f.name}, nil
}

type faultDirect struct {
	fs   *FaultFS
	d    DirectWriter
	name string
}

func (d *faultDirect) WriteAt(b []byte, off int64) (int, error) {
	err, short := d.fs.before(OpWrite, d.name)
	if err == nil {
		return d.d.WriteAt(b, off)
	}
	if !short {
		return 0, err
	}
	half := len(b) / 2 &^ (DirectAlign - 1)
	if half == 0 {
		return 0, err
	}
	n, werr := d.d.WriteAt(b[:half], off)
	if werr != nil {
		return n, werr
	}
	return n, err
}

func (d *faultDirect) Close() error { return d.d.Close() }

// sleepInSyscall sleeps in an ordinary nanosleep system call: the runtime
// hands the goroutine's processor to others meanwhile, as it does during
// an ordinary write to a slow disk.
func sleepInSyscall(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for {
		_, _, errno := syscall.Syscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), uintptr(unsafe.Pointer(&ts)), 0)
		if errno != syscall.EINTR {
			return
		}
	}
}

// sleepHolding sleeps in a raw nanosleep system call with every signal
// blocked: the runtime neither knows the goroutine is in a system call nor
// can interrupt it to preempt it, exactly as with a raw write (RawSyscall)
// that the disk does not answer. The signal mask is restored afterwards.
func sleepHolding(d time.Duration) {
	const sigBlock, sigSetmask = 0, 2
	all, old := ^uint64(0), uint64(0)
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigBlock, uintptr(unsafe.Pointer(&all)), uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	ts := syscall.NsecToTimespec(int64(d))
	for {
		_, _, errno := syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), uintptr(unsafe.Pointer(&ts)), 0)
		if errno != syscall.EINTR {
			break
		}
	}
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigSetmask, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
}
