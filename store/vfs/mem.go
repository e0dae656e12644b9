package vfs

import (
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"path"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// MemFS is a file system in memory that remembers what was synced, so that
// CrashClone can return what a machine crash would leave. Its files have
// no direct writes. It is safe for concurrent use.
//
// Every change (a write, a truncation, a directory entry made, renamed or
// removed) gets a number from one counter (Changes). A file's changes
// become durable with its Sync or SyncData, a directory's with SyncDir on
// it. Paths are slash-separated; relative and absolute paths both start at
// the root.
type MemFS struct {
	mu      sync.Mutex
	root    *memNode
	changes uint64 // changes made so far
	locked  map[*memNode]bool
}

// NewMem returns an empty MemFS.
func NewMem() *MemFS {
	return &MemFS{root: newDir(), locked: map[*memNode]bool{}}
}

// memNode is a file or a directory (an inode: names are in directories).
type memNode struct {
	dir     bool
	modTime time.Time
	// A file: its data now, its data as of its last sync, and the changes
	// since then, oldest first.
	data   []byte
	synced []byte
	ops    []fileOp
	// A directory: its entries now, as of its last sync, and the changes
	// since then.
	children       map[string]*memNode
	syncedChildren map[string]*memNode
	dirOps         []dirOp
}

// fileOp is a write of data at off, or (trunc) a change of size to off.
type fileOp struct {
	change uint64
	off    int64
	data   []byte
	trunc  bool
}

// dirOp is an entry made (node set) or removed (node nil). The two halves
// of a rename share their change number: a crash keeps both or neither.
type dirOp struct {
	change uint64
	name   string
	node   *memNode
}

func newDir() *memNode {
	return &memNode{dir: true, modTime: time.Now(), children: map[string]*memNode{}, syncedChildren: map[string]*memNode{}}
}

func (op *fileOp) apply(b []byte) []byte {
	if op.trunc {
		if op.off <= int64(len(b)) {
			return b[:op.off]
		}
		return append(b, make([]byte, op.off-int64(len(b)))...)
	}
	end := op.off + int64(len(op.data))
	if end > int64(len(b)) {
		b = append(b, make([]byte, end-int64(len(b)))...)
	}
	copy(b[op.off:], op.data)
	return b
}

// split cleans name and returns its directory's path elements and its
// base name ("" for the root).
func split(name string) ([]string, string) {
	p := strings.Trim(path.Clean("/"+name), "/")
	if p == "" {
		return nil, ""
	}
	parts := strings.Split(p, "/")
	return parts[:len(parts)-1], parts[len(parts)-1]
}

func pathErr(op, name string, err error) error { return &fs.PathError{Op: op, Path: name, Err: err} }

// lookupDir finds the directory holding name, and name's base. Called
// with mu held.
func (m *MemFS) lookupDir(op, name string) (*memNode, string, error) {
	dirs, base := split(name)
	d := m.root
	for _, p := range dirs {
		c, ok := d.children[p]
		switch {
		case !ok:
			return nil, "", pathErr(op, name, syscall.ENOENT)
		case !c.dir:
			return nil, "", pathErr(op, name, syscall.ENOTDIR)
		}
		d = c
	}
	return d, base, nil
}

// lookup finds the node of name. Called with mu held.
func (m *MemFS) lookup(op, name string) (*memNode, error) {
	d, base, err := m.lookupDir(op, name)
	if err != nil {
		return nil, err
	}
	if base == "" {
		return d, nil
	}
	n, ok := d.children[base]
	if !ok {
		return nil, pathErr(op, name, syscall.ENOENT)
	}
	return n, nil
}

func (m *MemFS) next() uint64 { m.changes++; return m.changes }

// link sets (or, with n nil, removes) an entry of d. Called with mu held.
func (m *MemFS) link(d *memNode, name string, n *memNode, change uint64) {
	if n == nil {
		delete(d.children, name)
	} else {
		d.children[name] = n
	}
	d.modTime = time.Now()
	d.dirOps = append(d.dirOps, dirOp{change: change, name: name, node: n})
}

// change records a change of n's data. Called with mu held.
func (m *MemFS) change(n *memNode, op fileOp) {
	op.change = m.next()
	n.data = op.apply(n.data)
	n.ops = append(n.ops, op)
	n.modTime = time.Now()
}

// Changes returns the number of changes made so far: a point in the
// history of the file system, for CrashCloneKeeping.
func (m *MemFS) Changes() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changes
}

func (m *MemFS) Create(name string) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.lookupDir("create", name)
	if err != nil {
		return nil, err
	}
	if base == "" {
		return nil, pathErr("create", name, syscall.EISDIR)
	}
	n, ok := d.children[base]
	switch {
	case ok && n.dir:
		return nil, pathErr("create", name, syscall.EISDIR)
	case ok:
		if len(n.data) > 0 {
			m.change(n, fileOp{trunc: true, off: 0})
		}
	default:
		n = &memNode{modTime: time.Now()}
		m.link(d, base, n, m.next())
	}
	return &memFile{fs: m, n: n, name: name, write: true}, nil
}

func (m *MemFS) open(op, name string, write bool) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup(op, name)
	if err != nil {
		return nil, err
	}
	if n.dir && write {
		return nil, pathErr(op, name, syscall.EISDIR)
	}
	return &memFile{fs: m, n: n, name: name, write: write}, nil
}

func (m *MemFS) Open(name string) (File, error) { return m.open("open", name, false) }

func (m *MemFS) OpenReadWrite(name string) (File, error) { return m.open("open", name, true) }

func (m *MemFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.lookupDir("remove", name)
	if err != nil {
		return err
	}
	n, ok := d.children[base]
	switch {
	case base == "" || !ok:
		return pathErr("remove", name, syscall.ENOENT)
	case n.dir && len(n.children) > 0:
		return pathErr("remove", name, syscall.ENOTEMPTY)
	}
	m.link(d, base, nil, m.next())
	return nil
}

func (m *MemFS) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	od, obase, err := m.lookupDir("rename", oldname)
	if err != nil {
		return err
	}
	n, ok := od.children[obase]
	if obase == "" || !ok {
		return pathErr("rename", oldname, syscall.ENOENT)
	}
	nd, nbase, err := m.lookupDir("rename", newname)
	if err != nil {
		return err
	}
	if nbase == "" {
		return pathErr("rename", newname, syscall.EEXIST)
	}
	if old, ok := nd.children[nbase]; ok && old.dir != n.dir {
		return pathErr("rename", newname, syscall.EEXIST)
	}
	if od == nd && obase == nbase {
		return nil
	}
	c := m.next()
	m.link(od, obase, nil, c)
	m.link(nd, nbase, n, c)
	return nil
}

func (m *MemFS) Mkdir(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, base, err := m.lookupDir("mkdir", name)
	if err != nil {
		return err
	}
	if _, ok := d.children[base]; ok || base == "" {
		return pathErr("mkdir", name, syscall.EEXIST)
	}
	m.link(d, base, newDir(), m.next())
	return nil
}

func (m *MemFS) ReadDir(name string) ([]fs.DirEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.dir {
		return nil, pathErr("readdir", name, syscall.ENOTDIR)
	}
	ents := make([]fs.DirEntry, 0, len(n.children))
	for base, c := range n.children {
		ents = append(ents, fs.FileInfoToDirEntry(c.info(base)))
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	return ents, nil
}

func (m *MemFS) Stat(name string) (fs.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	_, base := split(name)
	return n.info(base), nil
}

func (m *MemFS) SyncDir(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, err := m.lookup("sync", name)
	if err != nil {
		return err
	}
	if !n.dir {
		return pathErr("sync", name, syscall.ENOTDIR)
	}
	n.syncDir()
	return nil
}

func (n *memNode) syncDir() {
	for _, op := range n.dirOps {
		if op.node == nil {
			delete(n.syncedChildren, op.name)
		} else {
			n.syncedChildren[op.name] = op.node
		}
	}
	n.dirOps = nil
}

func (n *memNode) syncData() {
	for i := range n.ops {
		n.synced = n.ops[i].apply(n.synced)
	}
	n.ops = nil
}

func (m *MemFS) Lock(name string) (File, error) {
	m.mu.Lock()
	d, base, err := m.lookupDir("lock", name)
	if err == nil {
		if n, ok := d.children[base]; ok && m.locked[n] {
			err = pathErr("lock", name, ErrLocked)
		}
	}
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	f, err := m.open("lock", name, true)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = m.Create(name)
	}
	if err != nil {
		return nil, err
	}
	mf := f.(*memFile)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locked[mf.n] {
		return nil, pathErr("lock", name, ErrLocked)
	}
	m.locked[mf.n] = true
	mf.lock = true
	return mf, nil
}

// CrashClone returns the file system a machine crash would leave now: each
// file's data as of its last Sync or SyncData, each directory's entries as
// of its last SyncDir; everything else is lost. The clone is a new MemFS
// whose content is all durable, as after a reboot; m is not changed.
func (m *MemFS) CrashClone() *MemFS { return m.crashClone(0, nil) }

// CrashCloneKeeping is CrashClone, except that the changes not synced
// that were made up to keep (a value of Changes) survive as well, as if
// the disk had written them in order before the crash. With rng set, the
// last of them, if it is a write, survives only in part (a torn write).
func (m *MemFS) CrashCloneKeeping(keep uint64, rng *rand.Rand) *MemFS {
	return m.crashClone(keep, rng)
}

func (m *MemFS) crashClone(keep uint64, rng *rand.Rand) *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &crashCloner{keep: keep, rng: rng, seen: map[*memNode]*memNode{}}
	if rng != nil {
		c.torn = c.lastKept(m.root, map[*memNode]bool{})
	}
	return &MemFS{root: c.clone(m.root), changes: m.changes, locked: map[*memNode]bool{}}
}

type crashCloner struct {
	keep uint64
	rng  *rand.Rand
	torn uint64 // the change that survives in part (0: none)
	seen map[*memNode]*memNode
}

// lastKept finds the newest change kept that is a write, among the nodes
// that the clone will hold.
func (c *crashCloner) lastKept(n *memNode, visited map[*memNode]bool) uint64 {
	if visited[n] {
		return 0
	}
	visited[n] = true
	var last uint64
	for _, op := range n.ops {
		if op.change <= c.keep && !op.trunc && op.change > last {
			last = op.change
		}
	}
	for _, ch := range c.children(n) {
		last = max(last, c.lastKept(ch, visited))
	}
	return last
}

// children returns n's entries as the clone has them.
func (c *crashCloner) children(n *memNode) map[string]*memNode {
	out := make(map[string]*memNode, len(n.syncedChildren))
	for k, v := range n.syncedChildren {
		out[k] = v
	}
	for _, op := range n.dirOps {
		if op.change > c.keep {
			break
		}
		if op.node == nil {
			delete(out, op.name)
		} else {
			out[op.name] = op.node
		}
	}
	return out
}

func (c *crashCloner) clone(n *memNode) *memNode {
	if cn, ok := c.seen[n]; ok {
		return cn
	}
	if n.dir {
		cn := newDir()
		cn.modTime = n.modTime
		c.seen[n] = cn
		for name, ch := range c.children(n) {
			cn.children[name] = c.clone(ch)
			cn.syncedChildren[name] = cn.children[name]
		}
		return cn
	}
	data := append([]byte(nil), n.synced...)
	for _, op := range n.ops {
		if op.change > c.keep {
			break
		}
		if op.change == c.torn && len(op.data) > 0 {
			op.data = op.data[:c.rng.IntN(len(op.data))]
		}
		data = op.apply(data)
	}
	cn := &memNode{modTime: n.modTime, data: data, synced: append([]byte(nil), data...)}
	c.seen[n] = cn
	return cn
}

// memInfo describes a node.
type memInfo struct {
	name    string
	size    int64
	dir     bool
	modTime time.Time
}

func (n *memNode) info(name string) *memInfo {
	return &memInfo{name: name, size: int64(len(n.data)), dir: n.dir, modTime: n.modTime}
}

func (i *memInfo) Name() string       { return i.name }
func (i *memInfo) Size() int64        { return i.size }
func (i *memInfo) ModTime() time.Time { return i.modTime }
func (i *memInfo) IsDir() bool        { return i.dir }
func (i *memInfo) Sys() any           { return nil }
func (i *memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}

// memFile is an open file of a MemFS.
type memFile struct {
	fs     *MemFS
	n      *memNode
	name   string
	write  bool
	lock   bool
	pos    int64
	closed bool
}

func (f *memFile) check(op string, write bool) error {
	switch {
	case f.closed:
		return pathErr(op, f.name, fs.ErrClosed)
	case write && !f.write:
		return pathErr(op, f.name, syscall.EBADF)
	case f.n.dir && op != "sync" && op != "stat" && op != "close":
		return pathErr(op, f.name, syscall.EISDIR)
	}
	return nil
}

func (f *memFile) ReadAt(b []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("read", false); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, pathErr("read", f.name, syscall.EINVAL)
	}
	if off >= int64(len(f.n.data)) {
		return 0, io.EOF
	}
	n := copy(b, f.n.data[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) WriteAt(b []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("write", true); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, pathErr("write", f.name, syscall.EINVAL)
	}
	if len(b) > 0 {
		f.fs.change(f.n, fileOp{off: off, data: append([]byte(nil), b...)})
	}
	return len(b), nil
}

func (f *memFile) Write(b []byte) (int, error) {
	n, err := f.WriteAt(b, f.pos)
	f.pos += int64(n)
	return n, err
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("truncate", true); err != nil {
		return err
	}
	if size < 0 {
		return pathErr("truncate", f.name, syscall.EINVAL)
	}
	f.fs.change(f.n, fileOp{trunc: true, off: size})
	return nil
}

func (f *memFile) Sync() error { return f.SyncData() }

func (f *memFile) SyncData() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("sync", false); err != nil {
		return err
	}
	if f.n.dir {
		f.n.syncDir()
	} else {
		f.n.syncData()
	}
	return nil
}

func (f *memFile) Stat() (fs.FileInfo, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("stat", false); err != nil {
		return nil, err
	}
	return f.n.info(path.Base(f.name)), nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return pathErr("close", f.name, fs.ErrClosed)
	}
	f.closed = true
	if f.lock {
		delete(f.fs.locked, f.n)
	}
	return nil
}
