// Package vindex is the version index: an ordered index on disk of every
// version of every row, so that a point read at any seq is one seek,
// without the versions in the process heap (docs/ENGINE.md, Storage beyond
// memory), and the newest version of every row with its document, so that
// a row need not be in memory to be read as it is now; and the entries of
// the tables' secondary indexes, every one ever made ('i') and those of
// the rows as they are at a mark ('j', 'k'; see "Current entries").
//
// The segments are the log and the truth; this index is derived from them
// and can be rebuilt from them. It is an LSM (pebble) with its own
// write-ahead log off: what survives a crash is a prefix of the batches
// applied, and each table's mark (the seq up to which the index holds its
// versions) goes in with the batch that completes it, so that a table's
// mark after a crash never claims a version the index lost.
//
// Keys are bytes the caller encodes in an order-preserving form (the
// engine's ordered encoding); the index adds the table and the seq around
// them:
//
//	version:  'v' table(4) key 0x00 ^seq(8) 0x09       newest version of a key first
//	row:      'r' table(4) key               → seq(8) version   the newest up to the mark
//	mark:     'm' table(4)                       → seq(8) horizon(8) [rows(1)]
//
// A version's key is a prefix (up to the 0x00) and a suffix, the seq and
// the suffix's length (comparer): the bloom filters are of prefixes, and
// a point read seeks within one prefix.
//
// All integers are big-endian.
package vindex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// FS is the file system an index lives on.
type FS = vfs.FS

// MemFS returns a new file system in memory, for an index that need not
// outlive its process.
func MemFS() FS { return vfs.NewMem() }

// OSFS returns the operating system's file system.
func OSFS() FS { return vfs.Default }

const (
	tagVersion byte = 'v'
	tagRow     byte = 'r'
	tagMeta    byte = 'm'
	tagEntry   byte = 'i'
	tagCurrent byte = 'j'
	tagByKey   byte = 'k'
)

// suffixLen is the length of a version's suffix: the seq
// and the length byte itself.
const suffixLen = 9

// split returns the length of k's prefix: all of k but a suffix, which a
// version's key ends with (after the 0x00 that ends its
// prefix).
func split(k []byte) int {
	n := len(k)
	if n > 1+4+suffixLen && k[0] == tagVersion && k[n-1] == suffixLen && k[n-suffixLen-1] == 0 {
		return n - suffixLen
	}
	return n
}

// comparer orders keys by prefix, then suffix, as pebble's prefix
// iteration and bloom filters need: a prefix with nothing after it sorts
// before its versions, and the prefix's immediate successor (a 0x00
// added) after them all. Within a prefix the suffixes order as bytes:
// a version's ^seq puts the newest first. Keys are not shortened for the
// tables' index blocks (Separator and Successor give their first
// argument back): a shortened key would split where no key does.
var comparer = func() *pebble.Comparer {
	c := *pebble.DefaultComparer
	c.Split = split
	c.Compare = func(a, b []byte) int {
		pa, pb := split(a), split(b)
		if (pa == len(a)) == (pb == len(b)) {
			// Both with a suffix or both without: their prefixes are
			// prefix-free encodings ended by 0x00, which differ within
			// both where they differ, so the bytes order them alike.
			return bytes.Compare(a, b)
		}
		if c := bytes.Compare(a[:pa], b[:pb]); c != 0 {
			return c
		}
		return bytes.Compare(a[pa:], b[pb:])
	}
	c.Equal = func(a, b []byte) bool { return bytes.Equal(a, b) }
	c.ComparePointSuffixes = bytes.Compare
	c.CompareRangeSuffixes = bytes.Compare
	c.Separator = func(dst, a, _ []byte) []byte { return append(dst, a...) }
	c.Successor = func(dst, a []byte) []byte { return append(dst, a...) }
	c.Name = "driftdb.vindex.v2"
	return &c
}()

// ErrDamaged is returned for an entry that cannot be decoded: the index
// is to be rebuilt from the segments.
var ErrDamaged = errors.New("vindex: damaged entry")

// ErrLocked: the index is held by another process, which writes it (its
// lock is taken): it is not damaged, and is not to be made again.
var ErrLocked = errors.New("held by another process")

// Options configure an index.
type Options struct {
	// CacheSize is the block cache in bytes (0: 64 MiB).
	CacheSize int64
	// MemTableSize is the size of a memtable in bytes (0: 32 MiB): entries
	// wait there until a flush writes them out.
	MemTableSize uint64
	// TableSize is the size in bytes of the tables a flush writes (0: 32
	// MiB); the levels below have tables four times that size.
	TableSize int64
	// FS is the file system (nil: the operating system's); tests pass a
	// crashable one in memory.
	FS FS
	// ReadOnly opens an existing index for reading only.
	ReadOnly bool
	// Beside opens an existing index for reading only while another
	// process holds it and writes it (beside.go): without its lock, as
	// it is at the open.
	Beside bool
	// TidyAfter is how long the index goes without a write before it is
	// compacted into one run (tidier; 0: 10 s, below 0: never).
	TidyAfter time.Duration
}

// defaultTidyAfter is Options.TidyAfter's default.
const defaultTidyAfter = 10 * time.Second

// Index is an open version index. Its methods are safe for concurrent
// use.
type Index struct {
	db    *pebble.DB
	opts  *pebble.Options
	fs    FS
	dir   string
	cache *pebble.Cache
	id    uint64 // ID
	// beside holds the files of an index opened beside its writer (nil:
	// not so opened).
	beside *besideFS
	// lock is the directory's lock an open for writing takes before
	// pebble opens it, so that a lock held elsewhere is told apart from
	// an index that does not open (ErrLocked).
	lock *pebble.Lock
	// loadSize is the size at which a Load ends a table (that of the
	// tables below level 0), and loads numbers its files.
	loadSize int64
	loads    atomic.Uint64
	// gen counts the batches applied, the flushes and the compactions: a
	// pooled reader made at another generation does not see the batches
	// (a pebble iterator reads the index as it was when it was made), and
	// holds on to the memtables flushed and the tables compacted since,
	// which it goes on reading: a pool of them kept after the writes stop
	// would keep every run the tidier merged, on disk and in its reads.
	gen  atomic.Uint64
	pool struct {
		sync.Mutex
		free   []*Versions
		closed bool
	}
	// tidy is the goroutine that compacts the index when it is idle: each
	// batch applied and each Flush kicks it; stop ends it and done is
	// closed when it has.
	tidy struct {
		kick chan struct{}
		stop context.CancelFunc
		done chan struct{}
	}
}

// poolSize bounds the idle readers kept for reuse.
const poolSize = 16

// Open opens the index in dir, creating it if it does not exist.
func Open(dir string, o Options) (*Index, error) {
	size := o.CacheSize
	if size <= 0 {
		size = 64 << 20
	}
	mem := o.MemTableSize
	if mem == 0 {
		mem = 32 << 20
	}
	cache := pebble.NewCache(size)
	x := &Index{cache: cache}
	opts := &pebble.Options{
		DisableWAL:   true,
		Cache:        cache,
		MemTableSize: mem,
		Logger:       quietLogger{},
		Comparer:     comparer,
		ReadOnly:     o.ReadOnly,
		EventListener: &pebble.EventListener{
			FlushEnd:      func(pebble.FlushInfo) { x.gen.Add(1) },
			CompactionEnd: func(pebble.CompactionInfo) { x.gen.Add(1) },
		},
	}
	// Large tables, each with an index of one level: a point read that
	// moves to another table of a level opens an iterator on it, and one
	// with a two-level index reads two index blocks (AS OF point selects
	// over 2.4 million versions: about 31,000 a second against 27,500
	// with pebble's 2 MiB tables doubling by level and 4 KiB index
	// blocks).
	table := o.TableSize
	if table <= 0 {
		table = 32 << 20
	}
	opts.TargetFileSizes[0] = table
	for i := 1; i < len(opts.TargetFileSizes); i++ {
		opts.TargetFileSizes[i] = 4 * table
	}
	// Bloom filters of the prefixes (Split) on every level, so that a
	// point read skips the tables that do not hold its key; and blocks
	// not compressed: a point read misses the block cache more often than
	// not once the index outgrows it, and a block read from the page
	// cache is then a pread with no decompression (AS OF point selects
	// 21-24k tps against 14-16k with snappy, for twice the disk).
	for i := range opts.Levels {
		opts.Levels[i].IndexBlockSize = math.MaxInt32
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		opts.Levels[i].Compression = func() *sstable.CompressionProfile { return sstable.NoCompression }
	}
	// The operating system's, unwrapped: pebble's disk-health checker
	// would run a goroutine of its own, and outlive an open that fails.
	opts.FS = vfs.Default
	if o.FS != nil {
		opts.FS = o.FS
	}
	opts.FS = bufferedFS{opts.FS} // buffered.go
	// A Load's table whose range falls within another table's bounds (one
	// that holds the marks, 'm', and some versions, 'v', spans the rows,
	// 'r') without holding a key of it splits that table in two, so that
	// it can go in at that table's level rather than above it (a split
	// makes virtual tables, which need that format; an index of before is
	// moved up to it at its open).
	opts.Experimental.IngestSplit = func() bool { return true }
	opts.FormatMajorVersion = pebble.FormatVirtualSSTables
	opts.EnsureDefaults() // as Open does with its copy: a Load writes tables as pebble does
	var db *pebble.DB
	var err error
	switch {
	case o.Beside:
		o.ReadOnly, opts.ReadOnly = true, true
		opts.DisableTableStats = true // no reads of its own in the background
		db, x.beside, err = openBeside(dir, opts)
	case !o.ReadOnly:
		if err = opts.FS.MkdirAll(dir, 0o755); err == nil {
			if x.lock, err = pebble.LockDirectory(dir, opts.FS); err != nil {
				cache.Unref()
				return nil, fmt.Errorf("vindex: open %s: %w: %v", dir, ErrLocked, err)
			}
			opts.Lock = x.lock
			db, err = pebble.Open(dir, opts)
		}
	default:
		db, err = pebble.Open(dir, opts)
	}
	if err != nil {
		x.unlock()
		cache.Unref()
		return nil, fmt.Errorf("vindex: open %s: %w", dir, err)
	}
	x.db, x.opts, x.fs, x.dir, x.loadSize = db, opts, opts.FS, dir, 4*table
	if !o.ReadOnly {
		if err := x.removeLoads(); err != nil {
			db.Close()
			x.unlock()
			cache.Unref()
			return nil, fmt.Errorf("vindex: open %s: %w", dir, err)
		}
	}
	if err := x.identify(o.ReadOnly); err != nil {
		db.Close()
		x.closeBeside()
		x.unlock()
		cache.Unref()
		return nil, fmt.Errorf("vindex: open %s: %w", dir, err)
	}
	after := o.TidyAfter
	if after == 0 {
		after = defaultTidyAfter
	}
	if !o.ReadOnly && after > 0 {
		ctx, stop := context.WithCancel(context.Background())
		x.tidy.kick, x.tidy.stop, x.tidy.done = make(chan struct{}, 1), stop, make(chan struct{})
		go x.tidier(ctx, after)
	}
	return x, nil
}

// tidier compacts the index into one sorted run once it has gone after
// without a batch or a flush (the writes have paused), if a read would visit more
// than one run and the runs above the bottom level hold at least
// 1/tidyShare of the index's bytes.
//
// A read of a key's versions visits every run that may hold the key:
// level 0's sublevels and each level below that has tables. A history
// written by rounds of updates of every key has every key in every run:
// after 22 million versions of 2 million keys (0.96 GB, level 0 in two
// sublevels and three levels below), AS OF point selects ran at about
// 30,000 tps, and at 42,000-44,000 once compacted into one run. Pebble's
// own compactions keep the bytes per level in bounds, not the runs a read
// visits; this does that while no one writes. A compaction rewrites the
// whole index, so it waits for the runs above the bottom to be a share of
// it worth the work.
func (x *Index) tidier(ctx context.Context, after time.Duration) {
	defer close(x.tidy.done)
	WhenIdle(ctx, after, after, 0, x.tidy.kick, func() {
		if x.untidy() {
			// A failure leaves the index as it was, to try again after
			// the next flush; one that Close cancels ends the loop.
			_ = x.db.Compact(ctx, []byte{0}, []byte{0xff}, true)
		}
	})
}

// WhenIdle calls fn once first has passed since the start, and each time
// after has since the last kick, until ctx is done: the work of a pause
// in the writes. With latest above 0, writes without such a pause hold fn
// back no longer than latest from the first kick after it ran.
func WhenIdle(ctx context.Context, first, after, latest time.Duration, kick <-chan struct{}, fn func()) {
	t := time.NewTimer(first)
	defer t.Stop()
	var due time.Time // when fn runs at the latest; zero: no kick since it ran
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
			now := time.Now()
			if latest > 0 && due.IsZero() {
				due = now.Add(latest)
			}
			wait := after
			if !due.IsZero() {
				wait = max(min(wait, due.Sub(now)), 0)
			}
			t.Reset(wait)
		case <-t.C:
			due = time.Time{}
			fn()
		}
	}
}

// tidyShare is the share of the index's bytes (1/tidyShare) that the runs
// above its bottom level hold before the tidier compacts it.
const tidyShare = 32

// untidy reports whether the tidier should compact the index.
func (x *Index) untidy() bool {
	m := x.db.Metrics()
	if m.ReadAmp() <= 1 {
		return false
	}
	var above, total int64
	for i := range m.Levels {
		total += m.Levels[i].TablesSize
		if i < len(m.Levels)-1 {
			above += m.Levels[i].TablesSize
		}
	}
	return above > 0 && above*tidyShare >= total
}

// runs returns how many sorted runs a read may visit: level 0's
// sublevels and each level below that has tables.
func (x *Index) runs() int { return x.db.Metrics().ReadAmp() }

// Close closes the index without flushing it: what is not yet durable is
// dropped, marks included.
func (x *Index) Close() error {
	if x.tidy.stop != nil {
		x.tidy.stop()
		<-x.tidy.done
	}
	x.pool.Lock()
	for _, r := range x.pool.free {
		r.Close()
	}
	x.pool.free, x.pool.closed = nil, true
	x.pool.Unlock()
	err := x.db.Close()
	x.closeBeside()
	x.unlock()
	x.cache.Unref()
	return err
}

// unlock lets go of the directory's lock an open for writing took, once
// the database is closed (or did not open).
func (x *Index) unlock() {
	if x.lock != nil {
		x.lock.Close()
		x.lock = nil
	}
}

// ReadOnly reports whether the index was opened for reading only.
func (x *Index) ReadOnly() bool { return x.opts.ReadOnly }

// Beside reports whether the index was opened beside its writer
// (Options.Beside): it is read as it was at the open.
func (x *Index) Beside() bool { return x.beside != nil }

// closeBeside closes the files an index opened beside its writer held.
func (x *Index) closeBeside() {
	if x.beside != nil {
		x.beside.close()
	}
}

// AcquireVersions returns a reader of versions from a pool, made since
// the last batch was applied: making one costs more than a seek. It goes
// back with ReleaseVersions.
func (x *Index) AcquireVersions() (*Versions, error) {
	gen := x.gen.Load()
	x.pool.Lock()
	for n := len(x.pool.free); n > 0; n = len(x.pool.free) {
		r := x.pool.free[n-1]
		x.pool.free = x.pool.free[:n-1]
		if r.gen == gen {
			x.pool.Unlock()
			return r, nil
		}
		r.Close()
	}
	x.pool.Unlock()
	r, err := x.NewVersions()
	if err == nil {
		r.gen = gen
	}
	return r, err
}

// ReleaseVersions gives back a reader AcquireVersions returned.
func (x *Index) ReleaseVersions(r *Versions) {
	x.pool.Lock()
	if !x.pool.closed && len(x.pool.free) < poolSize && r.gen == x.gen.Load() && r.err == nil {
		x.pool.free = append(x.pool.free, r)
		r = nil
	}
	x.pool.Unlock()
	if r != nil {
		r.Close()
	}
}

// Flush makes every batch applied so far durable.
func (x *Index) Flush() error {
	if err := x.db.Flush(); err != nil {
		return fmt.Errorf("vindex: flush: %w", err)
	}
	x.kickTidier()
	return nil
}

// kickTidier tells the tidier that the index was written: its wait for a
// pause starts again.
func (x *Index) kickTidier() {
	if x.tidy.kick != nil {
		select {
		case x.tidy.kick <- struct{}{}:
		default:
		}
	}
}

// A Mark says up to which seq the index holds a table's versions, and at
// which horizon (the seq before which history was folded away) they were
// written, and whether it holds the newest version of every row of the
// table up to Seq as well (an index written before rows were kept in it
// does not), and whether its runs of patches start at the PATCH after an
// INSERT, which then holds its document (DocAfterInsert; an index written
// before that rule counted them from the INSERT), and whether a row's
// newest version that is an INSERT after the horizon is held without its
// document, which is its record's in the log (RowInsertsInLog; an index
// written before held it).
type Mark struct {
	Seq, Horizon    uint64
	Rows            bool
	DocAfterInsert  bool
	RowInsertsInLog bool
}

// The bits of a mark's last byte.
const (
	markRows            = 1
	markDocAfterInsert  = 2
	markRowInsertsInLog = 4
)

// identityKey holds the index's identity (ID): eight random bytes.
var identityKey = []byte{tagMeta}

// identify reads the index's identity, and gives one to an index that has
// none (a new one, or one of an older release) unless it is read only.
func (x *Index) identify(readOnly bool) error {
	v, closer, err := x.db.Get(identityKey)
	switch {
	case err == nil:
		if len(v) == 8 {
			x.id = binary.BigEndian.Uint64(v)
		}
		closer.Close()
		if x.id == 0 {
			return fmt.Errorf("identity %x: %w", v, ErrDamaged)
		}
		return nil
	case !errors.Is(err, pebble.ErrNotFound):
		return err
	case readOnly:
		return nil
	}
	for x.id == 0 {
		x.id = rand.Uint64()
	}
	return x.db.Set(identityKey, binary.BigEndian.AppendUint64(nil, x.id), pebble.NoSync)
}

// ID returns the index's identity: a number given when it was made (0 for
// an index of an older release opened read only), which no other index
// has, one made again in its place included. What is derived from an
// index (an extents file) keeps it, so as not to be taken for another's.
func (x *Index) ID() uint64 { return x.id }

func markKey(table uint32) []byte { return binary.BigEndian.AppendUint32([]byte{tagMeta}, table) }

// Mark returns table's mark; ok is false when the index holds nothing of
// the table.
func (x *Index) Mark(table uint32) (m Mark, ok bool, err error) {
	v, ok, err := x.get(markKey(table))
	if err != nil || !ok {
		return m, false, err
	}
	if len(v) != 16 && (len(v) != 17 || v[16] > markRows|markDocAfterInsert|markRowInsertsInLog) {
		return m, false, fmt.Errorf("vindex: mark of table %d: %w", table, ErrDamaged)
	}
	m = readMark(v)
	if len(v) == 17 {
		m.Rows, m.DocAfterInsert = v[16]&markRows != 0, v[16]&markDocAfterInsert != 0
		m.RowInsertsInLog = v[16]&markRowInsertsInLog != 0
	}
	return m, true, nil
}

// A Batch gathers entries to apply at once.
type Batch struct {
	x *Index
	b *pebble.Batch
	puts
}

// puts encodes entries into buffers reused from one to the next.
type puts struct {
	key, val []byte
}

// version returns the key and value of version seq of key of table.
func (p *puts) version(table uint32, key []byte, seq uint64, v Version) ([]byte, []byte) {
	p.key = VersionKey(p.key[:0], table, key, seq)
	p.val = v.append(p.val[:0])
	return p.key, p.val
}

// row returns the key and value of key's newest version, at seq.
func (p *puts) row(table uint32, key []byte, seq uint64, v Version) ([]byte, []byte) {
	p.key = append(binary.BigEndian.AppendUint32(append(p.key[:0], tagRow), table), key...)
	p.val = v.append(binary.BigEndian.AppendUint64(p.val[:0], seq))
	return p.key, p.val
}

// entry returns the key of an entry of table's index on field.
func (p *puts) entry(table uint32, field string, entry []byte, seq uint64) []byte {
	p.key = binary.BigEndian.AppendUint64(append(fieldPrefix(p.key[:0], tagEntry, table, field), entry...), seq)
	return p.key
}

// NewBatch returns an empty batch.
func (x *Index) NewBatch() *Batch { return &Batch{x: x, b: x.db.NewBatch()} }

// Len returns the number of entries in the batch.
func (b *Batch) Len() int { return int(b.b.Count()) }

// PutVersion adds version seq of key (ordered-encoded) of table.
func (b *Batch) PutVersion(table uint32, key []byte, seq uint64, v Version) error {
	k, val := b.version(table, key, seq, v)
	return b.b.Set(k, val, nil)
}

// PutRow sets the newest version of key (ordered-encoded) of table: the
// version at seq. The last put before a mark is set should be the one
// visible at the mark.
func (b *Batch) PutRow(table uint32, key []byte, seq uint64, v Version) error {
	k, val := b.row(table, key, seq, v)
	return b.b.Set(k, val, nil)
}

// DeleteTable removes every version, row and index entry of table, and
// its marks.
func (b *Batch) DeleteTable(table uint32) error {
	if err := b.b.Delete(markKey(table), nil); err != nil {
		return err
	}
	if err := b.deleteRange(tagVersion, table); err != nil {
		return err
	}
	for _, tag := range []byte{tagEntry, tagCurrent, tagByKey} {
		if err := b.deleteRange(tag, table); err != nil {
			return err
		}
	}
	return b.ClearRows(table)
}

// ClearRows removes the newest version of every row of table: a fold,
// which takes rows away, puts them all again.
func (b *Batch) ClearRows(table uint32) error { return b.deleteRange(tagRow, table) }

// deleteRange removes the keys of table under tag.
func (b *Batch) deleteRange(tag byte, table uint32) error {
	lo, hi := tableRange(tag, table)
	return b.b.DeleteRange(lo, hi, nil)
}

// tableRange returns the bounds of the keys of table under tag: lo, and
// hi past the last.
func tableRange(tag byte, table uint32) (lo, hi []byte) {
	lo = binary.BigEndian.AppendUint32([]byte{tag}, table)
	hi = binary.BigEndian.AppendUint32([]byte{tag}, table+1)
	if table == ^uint32(0) {
		hi = []byte{tag + 1}
	}
	return lo, hi
}

// Holds reports whether the index holds anything of table: a version, a
// row, an index entry or a mark.
func (x *Index) Holds(table uint32) (bool, error) {
	for _, tag := range []byte{tagVersion, tagRow, tagEntry, tagCurrent, tagByKey, tagMeta} {
		if held, err := x.holds(tableRange(tag, table)); held || err != nil {
			return held, err
		}
	}
	return false, nil
}

// holds reports whether the index holds a key from lo up to hi.
func (x *Index) holds(lo, hi []byte) (bool, error) {
	it, err := x.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return false, fmt.Errorf("vindex: %w", err)
	}
	found := it.First()
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return false, fmt.Errorf("vindex: %w", err)
	}
	return found, nil
}

// Discard releases the batch without applying it.
func (b *Batch) Discard() { b.b.Close() }

// appendMark appends m's seq and horizon, the first 16 bytes of a mark.
func appendMark(dst []byte, m Mark) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(dst, m.Seq), m.Horizon)
}

// readMark reads the seq and horizon appendMark wrote at the start of v.
func readMark(v []byte) Mark {
	return Mark{Seq: binary.BigEndian.Uint64(v), Horizon: binary.BigEndian.Uint64(v[8:])}
}

// SetMark sets table's mark when the batch is applied.
func (b *Batch) SetMark(table uint32, m Mark) error {
	v := appendMark(make([]byte, 0, 17), m)[:17]
	if m.Rows {
		v[16] |= markRows
	}
	if m.DocAfterInsert {
		v[16] |= markDocAfterInsert
	}
	if m.RowInsertsInLog {
		v[16] |= markRowInsertsInLog
	}
	return b.b.Set(markKey(table), v, nil)
}

// Apply applies the batch, at once, and releases it. It is not durable
// until a Flush, or a flush of its own accord when the memtable fills;
// either way what survives a crash is a prefix of the batches applied.
func (b *Batch) Apply() error {
	defer b.b.Close()
	defer b.x.gen.Add(1) // after the commit: a reader made before it is stale
	if err := b.b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("vindex: apply: %w", err)
	}
	b.x.kickTidier()
	return nil
}

// VersionKey appends the index key of version seq of key of table.
func VersionKey(dst []byte, table uint32, key []byte, seq uint64) []byte {
	dst = append(dst, tagVersion)
	dst = binary.BigEndian.AppendUint32(dst, table)
	dst = append(dst, key...)
	return appendSuffix(dst, ^seq)
}

// appendSuffix ends a prefix and appends the suffix of x.
func appendSuffix(dst []byte, x uint64) []byte {
	dst = binary.BigEndian.AppendUint64(append(dst, 0), x)
	return append(dst, suffixLen)
}

// Version is what the index holds of a version: the type of the event
// that made it, its commit time, and the document and the patch the
// engine keeps with it (either may be nil: the engine rebuilds a document
// from an earlier one and the patches after it, or reads it from the log
// by the version's seq).
type Version struct {
	Type  byte
	Ms    int64
	Doc   []byte
	Patch []byte
}

const (
	hasDoc   = 1
	hasPatch = 2
)

func (v Version) append(dst []byte) []byte {
	flags := byte(0)
	if v.Doc != nil {
		flags |= hasDoc
	}
	if v.Patch != nil {
		flags |= hasPatch
	}
	dst = append(dst, v.Type, flags)
	dst = binary.AppendVarint(dst, v.Ms)
	if v.Doc != nil {
		dst = binary.AppendUvarint(dst, uint64(len(v.Doc)))
		dst = append(dst, v.Doc...)
	}
	if v.Patch != nil {
		dst = binary.AppendUvarint(dst, uint64(len(v.Patch)))
		dst = append(dst, v.Patch...)
	}
	return dst
}

// decodeVersion decodes a version's value; its Doc and Patch alias b.
func decodeVersion(b []byte) (Version, error) {
	v, n, err := decodeVersionPrefix(b)
	if err == nil && n != len(b) {
		err = ErrDamaged
	}
	return v, err
}

// decodeVersionPrefix decodes the version's value that b begins with,
// and returns its length too.
func decodeVersionPrefix(b []byte) (Version, int, error) {
	var v Version
	all := len(b)
	if len(b) < 2 || b[1]&^(hasDoc|hasPatch) != 0 {
		return v, 0, ErrDamaged
	}
	flags := b[1]
	v.Type, b = b[0], b[2:]
	ms, n := binary.Varint(b)
	if n <= 0 {
		return v, 0, ErrDamaged
	}
	v.Ms, b = ms, b[n:]
	part := func() []byte {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return nil
		}
		p := b[n : n+int(l) : n+int(l)]
		b = b[n+int(l):]
		return p
	}
	if flags&hasDoc != 0 {
		if v.Doc = part(); v.Doc == nil {
			return v, 0, ErrDamaged
		}
	}
	if flags&hasPatch != 0 {
		if v.Patch = part(); v.Patch == nil {
			return v, 0, ErrDamaged
		}
	}
	return v, all - len(b), nil
}

// reader is what Versions and Rows share: an iterator over the keys of
// their tags (rows', and for Versions versions' too), and the entry it
// is at.
type reader struct {
	it     *pebble.Iterator
	prefix []byte // what the keys of the entries read start with
	seek   []byte
	key    []byte
	seq    uint64
	v      Version
	err    error
	// ordered: the last move was a read of a row in key order, not a
	// seek of a prefix, after which Next stays in that prefix.
	ordered bool
}

// newReader returns a reader of the keys whose tags are from lo to hi.
func (x *Index) newReader(lo, hi byte) (reader, error) {
	it, err := x.db.NewIter(&pebble.IterOptions{
		LowerBound: []byte{lo},
		UpperBound: []byte{hi + 1},
	})
	return reader{it: it}, err
}

// Close releases the reader.
func (r *reader) Close() error { return r.it.Close() }

// at returns the key and the value the iterator is at after a move that
// reported ok, and false at the end of the reader's keys (those with its
// prefix) or on an error (Err).
func (r *reader) at(ok bool) (k, val []byte, in bool) {
	if !ok {
		r.err = r.it.Error()
		return nil, nil, false
	}
	if k = r.it.Key(); !bytes.HasPrefix(k, r.prefix) {
		return nil, nil, false
	}
	if val, r.err = r.it.ValueAndErr(); r.err != nil {
		return nil, nil, false
	}
	return k, val, true
}

// Key returns the key (as put) of the entry the reader is at; it is valid
// until the reader moves.
func (r *reader) Key() []byte { return r.key }

// Seq returns the seq of the version the reader is at.
func (r *reader) Seq() uint64 { return r.seq }

// Version returns the version the reader is at; its bytes are valid until
// the reader moves.
func (r *reader) Version() Version { return r.v }

// Err returns the error that ended the reader's last move, if any.
func (r *reader) Err() error { return r.err }

// Versions reads versions: those of one key, newest first (Seek), or
// every version of a table, key by key (Scan). It is not safe for
// concurrent use; each reader takes its own.
type Versions struct {
	reader
	gen  uint64 // the index's when made (AcquireVersions)
	scan bool   // prefix is 'v' table for a scan, 'v' table key 0x00 for a seek
}

// NewVersions returns a reader of versions. It reads the newest version
// of a row too (Newest), so that one pooled reader serves both.
func (x *Index) NewVersions() (*Versions, error) {
	r, err := x.newReader(tagRow, tagVersion)
	if err != nil {
		return nil, err
	}
	return &Versions{reader: r}, nil
}

// Seek positions the reader at the newest version of key of table at or
// below seq, and reports whether there is one. Next then moves to older
// versions of the key.
func (r *Versions) Seek(table uint32, key []byte, seq uint64) bool {
	r.prefix = append(append(binary.BigEndian.AppendUint32(append(r.prefix[:0], tagVersion), table), key...), 0)
	r.seek = VersionKey(r.seek[:0], table, key, seq)
	r.scan, r.err, r.ordered = false, nil, false
	return r.load(r.it.SeekPrefixGE(r.seek))
}

// Scan positions the reader at the first version of table, and reports
// whether there is one. Next then moves through every version of the
// table: by key, and a key's newest first.
func (r *Versions) Scan(table uint32) bool {
	r.prefix = binary.BigEndian.AppendUint32(append(r.prefix[:0], tagVersion), table)
	r.scan, r.err = true, nil
	return r.load(r.it.SeekGE(r.prefix))
}

// Next moves to the next version: the next older one of the same key
// after a Seek, the next one of the table after a Scan.
func (r *Versions) Next() bool { return r.load(r.it.Next()) }

// Newest positions the reader at the newest version of key of table
// that the rows hold (Rows.Get), and reports whether there is one. Next
// is not for after it; a Seek or a Scan may follow.
func (r *Versions) Newest(table uint32, key []byte) bool { return r.rowAt(table, key, true) }

// NewestFrom is Newest for reads of rows in key order (a scan): each seek
// moves on from where the one before left the reader, rather than from
// the top of the index.
func (r *Versions) NewestFrom(table uint32, key []byte) bool { return r.rowAt(table, key, false) }

func (r *Versions) load(ok bool) bool {
	k, val, ok := r.at(ok)
	if !ok {
		return false
	}
	if split(k) == len(k) || !r.scan && len(k) != len(r.prefix)+suffixLen {
		r.err = ErrDamaged
		return false
	}
	if r.v, r.err = decodeVersion(val); r.err != nil {
		return false
	}
	r.key = k[5 : len(k)-suffixLen-1]
	r.seq = ^binary.BigEndian.Uint64(k[len(k)-suffixLen:])
	return true
}

// Rows reads the newest version of rows: one row's (Get), or every
// row's of a table in key order (Scan). The index may hold a row's
// version put after the mark, by a batch of a run that sets the mark
// later. It is not safe for concurrent use; each reader takes its own.
type Rows struct {
	reader // prefix is 'r' table
}

// NewRows returns a reader of rows.
func (x *Index) NewRows() (*Rows, error) {
	r, err := x.newReader(tagRow, tagRow)
	if err != nil {
		return nil, err
	}
	return &Rows{reader: r}, nil
}

// Get positions the reader at the row of key of table, and reports
// whether the index has it.
func (r *Rows) Get(table uint32, key []byte) bool { return r.rowAt(table, key, true) }

// nextTries is how many rows a read in key order steps over (NewestFrom)
// before it seeks.
const nextTries = 4

// rowAt positions the reader at the row of key of table, and reports
// whether the index has it: by a seek of the key as a prefix (its bloom
// filters skip the tables without it), or, for a read in key order, by
// stepping on from a row of the table before the key, and a plain seek
// when that does not reach it.
func (r *reader) rowAt(table uint32, key []byte, prefix bool) bool {
	r.prefix = binary.BigEndian.AppendUint32(append(r.prefix[:0], tagRow), table)
	r.seek = append(append(r.seek[:0], r.prefix...), key...)
	r.err = nil
	ordered := r.ordered
	r.ordered = !prefix
	if prefix {
		return r.loadRow(r.it.SeekPrefixGE(r.seek)) && bytes.Equal(r.key, key)
	}
	if ordered && r.it.Valid() && bytes.HasPrefix(r.it.Key(), r.prefix) && bytes.Compare(r.it.Key(), r.seek) < 0 {
		for range nextTries {
			if !r.loadRow(r.it.Next()) {
				return false // the table has no row from key on
			}
			if c := bytes.Compare(r.key, key); c >= 0 {
				return c == 0
			}
		}
	}
	return r.loadRow(r.it.SeekGE(r.seek)) && bytes.Equal(r.key, key)
}

// Scan positions the reader at the first row of table, and reports
// whether there is one; Next moves to the next row by key.
func (r *Rows) Scan(table uint32) bool {
	r.prefix = binary.BigEndian.AppendUint32(append(r.prefix[:0], tagRow), table)
	r.err = nil
	return r.loadRow(r.it.SeekGE(r.prefix))
}

// Next moves to the next row of the table after a Scan.
func (r *Rows) Next() bool { return r.loadRow(r.it.Next()) }

// loadRow reads the row entry the iterator is at after a move that
// reported ok: its value is the version's seq, then the version.
func (r *reader) loadRow(ok bool) bool {
	k, val, ok := r.at(ok)
	if !ok {
		return false
	}
	if len(val) < 8 {
		r.err = ErrDamaged
		return false
	}
	if r.v, r.err = decodeVersion(val[8:]); r.err != nil {
		return false
	}
	r.key = k[len(r.prefix):]
	r.seq = binary.BigEndian.Uint64(val)
	return true
}

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

// Index entries. The entries of a table's secondary index on a field are
// kept under 'i', the table and the field (fieldPrefix), each as the
// ordered encoding of a value and a row's key (the engine's), then the
// seq of the version that gave the row that value: the same facts, in
// the same order, as the engine's index in memory. The key of the prefix
// alone holds the field's mark: the seq up to which the index holds its
// entries, and the horizon they were put at. A field's entries are put
// before its mark, so that a crash, which keeps a prefix of the batches,
// never leaves a mark that claims an entry the index lost.

// fieldPrefix appends the prefix of the keys under tag of table's index
// on field: the tag, the table, then the field's length as a uvarint and
// its bytes, which no other field's prefix begins with.
func fieldPrefix(dst []byte, tag byte, table uint32, field string) []byte {
	dst = binary.BigEndian.AppendUint32(append(dst, tag), table)
	return append(binary.AppendUvarint(dst, uint64(len(field))), field...)
}

// PutEntry adds an entry of table's index on field: entry is a value and
// a key in the engine's ordered encoding, seq the version's that gave
// the key that value.
func (b *Batch) PutEntry(table uint32, field string, entry []byte, seq uint64) error {
	return b.b.Set(b.entry(table, field, entry, seq), nil, nil)
}

// SetEntriesMark sets the seq up to which the index holds the entries of
// table's index on field, and their horizon (m.Seq, m.Horizon), when the
// batch is applied: after the field's entries up to it.
func (b *Batch) SetEntriesMark(table uint32, field string, m Mark) error {
	return b.setFieldMark(tagEntry, table, field, m)
}

// EntriesMark returns the mark of the entries of table's index on field
// (its Seq and Horizon); ok is false when the index holds none.
func (x *Index) EntriesMark(table uint32, field string) (m Mark, ok bool, err error) {
	return x.fieldMark(tagEntry, table, field)
}

// setFieldMark sets the mark under tag of table's index on field, the key
// of the field's prefix alone.
func (b *Batch) setFieldMark(tag byte, table uint32, field string, m Mark) error {
	b.val = appendMark(b.val[:0], m)
	return b.b.Set(fieldPrefix(b.key[:0], tag, table, field), b.val, nil)
}

// fieldMark returns the mark setFieldMark set.
func (x *Index) fieldMark(tag byte, table uint32, field string) (m Mark, ok bool, err error) {
	v, ok, err := x.get(fieldPrefix(nil, tag, table, field))
	if err != nil || !ok {
		return m, false, err
	}
	if len(v) != 16 {
		return m, false, fmt.Errorf("vindex: mark %c of %q of table %d: %w", tag, field, table, ErrDamaged)
	}
	return readMark(v), true, nil
}

// Entries reads the entries of an index in order: every entry (NewEntries)
// or the current ones (NewCurrent). It is not safe for concurrent use;
// each reader takes its own.
type Entries struct {
	reader // prefix is fieldPrefix's for tag
	tag    byte
}

// NewEntries returns a reader of index entries.
func (x *Index) NewEntries() (*Entries, error) { return x.newEntries(tagEntry) }

// NewCurrent returns a reader of current index entries (PutCurrent).
func (x *Index) NewCurrent() (*Entries, error) { return x.newEntries(tagCurrent) }

func (x *Index) newEntries(tag byte) (*Entries, error) {
	r, err := x.newReader(tag, tag)
	if err != nil {
		return nil, err
	}
	return &Entries{reader: r, tag: tag}, nil
}

// Seek positions the reader at the first entry of table's index on field
// whose value and key (ordered-encoded) are at least from, and reports
// whether there is one; Next moves on in order.
func (r *Entries) Seek(table uint32, field string, from []byte) bool {
	r.prefix = fieldPrefix(r.prefix[:0], r.tag, table, field)
	r.seek = append(append(r.seek[:0], r.prefix...), from...)
	r.err = nil
	ok := r.it.SeekGE(r.seek)
	if ok && r.atMark() {
		ok = r.it.Next()
	}
	return r.load(ok)
}

// atMark reports whether the iterator is at the field's mark, the key of
// its prefix alone, which comes before its entries.
func (r *Entries) atMark() bool { return bytes.Equal(r.it.Key(), r.prefix) }

// SeekLast positions the reader at the last entry of table's index on
// field whose value and key (ordered-encoded), then seq, are at most
// upto and seq, and reports whether there is one; Prev moves back in
// order. A reader of current entries, one a value and key, takes the
// entry of upto whatever its seq.
func (r *Entries) SeekLast(table uint32, field string, upto []byte, seq uint64) bool {
	r.prefix = fieldPrefix(r.prefix[:0], r.tag, table, field)
	r.seek = append(append(r.seek[:0], r.prefix...), upto...)
	if r.tag == tagEntry {
		r.seek = binary.BigEndian.AppendUint64(r.seek, seq)
	}
	r.seek = append(r.seek, 0) // the key's immediate successor: the key itself is taken
	r.err = nil
	return r.loadBack(r.it.SeekLT(r.seek))
}

// Next moves to the next entry.
func (r *Entries) Next() bool { return r.load(r.it.Next()) }

// Prev moves to the entry before.
func (r *Entries) Prev() bool { return r.loadBack(r.it.Prev()) }

// loadBack is load for a move backwards, which ends at the field's mark.
func (r *Entries) loadBack(ok bool) bool { return !(ok && r.atMark()) && r.load(ok) }

// Entry returns the value and key (ordered-encoded) of the entry the
// reader is at, valid until it moves; Seq returns its seq.
func (r *Entries) Entry() []byte { return r.key }

func (r *Entries) load(ok bool) bool {
	k, val, ok := r.at(ok)
	if !ok {
		return false
	}
	if r.tag == tagCurrent {
		if len(k) < len(r.prefix)+1 || len(val) != 8 {
			r.err = ErrDamaged
			return false
		}
		r.key, r.seq = k[len(r.prefix):], binary.BigEndian.Uint64(val)
		return true
	}
	if len(k) < len(r.prefix)+1+8 {
		r.err = ErrDamaged
		return false
	}
	r.key = k[len(r.prefix) : len(k)-8]
	r.seq = binary.BigEndian.Uint64(k[len(k)-8:])
	return true
}

// Current entries. Beside every entry ever made, an index keeps those of
// the rows as they were at a seq, its current mark: for each row then
// live, the entry of its newest version up to the mark that had a value,
// under 'j' as the value and the key (ordered-encoded) with the seq as
// its value, and under 'k' by the row's key alone, with the value and
// the key and the seq, so that the entry a row's new one replaces can be
// found by its key. A read of the rows as they are from the mark on
// walks these and what was written after the mark, not every value each
// row ever had. The prefix alone under 'j' holds the mark (Seq and
// Horizon); the caller removes it (DeleteCurrentMark) in the first batch
// that changes the entries and sets it in the last, so that a crash,
// which keeps a prefix of the batches, leaves either the entries of a
// mark or none.

// PutCurrent makes entry (a value and a key, ordered-encoded; the key
// from keyAt on) the current entry of its row in table's index on field,
// made by the version at seq. An entry of the row under another value is
// not removed: DeleteCurrent does that.
func (b *Batch) PutCurrent(table uint32, field string, entry []byte, keyAt int, seq uint64) error {
	k, v := b.current(table, field, entry, seq)
	if err := b.b.Set(k, v, nil); err != nil {
		return err
	}
	k, v = b.byKey(table, field, entry, keyAt, seq)
	return b.b.Set(k, v, nil)
}

// current returns the key and value of entry as the current entry of its
// row under its value ('j').
func (p *puts) current(table uint32, field string, entry []byte, seq uint64) ([]byte, []byte) {
	p.key = append(fieldPrefix(p.key[:0], tagCurrent, table, field), entry...)
	p.val = binary.BigEndian.AppendUint64(p.val[:0], seq)
	return p.key, p.val
}

// byKey returns the key and value of entry as the current entry of its
// row under its key ('k').
func (p *puts) byKey(table uint32, field string, entry []byte, keyAt int, seq uint64) ([]byte, []byte) {
	p.key = append(fieldPrefix(p.key[:0], tagByKey, table, field), entry[keyAt:]...)
	p.val = binary.BigEndian.AppendUint64(append(p.val[:0], entry...), seq)
	return p.key, p.val
}

// DeleteCurrent removes entry (keyAt as for PutCurrent), its row's current
// entry, from table's index on field.
func (b *Batch) DeleteCurrent(table uint32, field string, entry []byte, keyAt int) error {
	b.key = append(fieldPrefix(b.key[:0], tagCurrent, table, field), entry...)
	if err := b.b.Delete(b.key, nil); err != nil {
		return err
	}
	b.key = append(fieldPrefix(b.key[:0], tagByKey, table, field), entry[keyAt:]...)
	return b.b.Delete(b.key, nil)
}

// ClearCurrent removes every current entry of table's index on field,
// and its current mark.
func (b *Batch) ClearCurrent(table uint32, field string) error {
	for _, tag := range []byte{tagCurrent, tagByKey} {
		lo := fieldPrefix(nil, tag, table, field)
		if err := b.b.DeleteRange(lo, successor(lo), nil); err != nil {
			return err
		}
	}
	return nil
}

// HoldsCurrent reports whether the index holds current entries of table's
// index on field, or their mark.
func (x *Index) HoldsCurrent(table uint32, field string) (bool, error) {
	for _, tag := range []byte{tagCurrent, tagByKey} {
		lo := fieldPrefix(nil, tag, table, field)
		if held, err := x.holds(lo, successor(lo)); held || err != nil {
			return held, err
		}
	}
	return false, nil
}

// successor returns the least key greater than every key with prefix p.
func successor(p []byte) []byte {
	s := bytes.Clone(p)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < 0xff {
			s[i]++
			return s[:i+1]
		}
	}
	return []byte{0xff, 0xff, 0xff, 0xff, 0xff} // not reached: a prefix starts with a tag
}

// SetCurrentMark sets the current mark of table's index on field when the
// batch is applied.
func (b *Batch) SetCurrentMark(table uint32, field string, m Mark) error {
	return b.setFieldMark(tagCurrent, table, field, m)
}

// DeleteCurrentMark removes the current mark of table's index on field
// when the batch is applied: its current entries are changing.
func (b *Batch) DeleteCurrentMark(table uint32, field string) error {
	return b.b.Delete(fieldPrefix(b.key[:0], tagCurrent, table, field), nil)
}

// CurrentMark returns the current mark of table's index on field; ok is
// false when it has none.
func (x *Index) CurrentMark(table uint32, field string) (m Mark, ok bool, err error) {
	return x.fieldMark(tagCurrent, table, field)
}

// CurrentOf returns the current entry (a value and a key) of the row
// whose ordered-encoded key is key in table's index on field, and the
// seq of the version that made it; ok is false when the row has none.
func (x *Index) CurrentOf(table uint32, field string, key []byte) (entry []byte, seq uint64, ok bool, err error) {
	v, ok, err := x.get(append(fieldPrefix(nil, tagByKey, table, field), key...))
	if err != nil || !ok {
		return nil, 0, false, err
	}
	if len(v) < 1+8 {
		return nil, 0, false, fmt.Errorf("vindex: current entry of a row on %q of table %d: %w", field, table, ErrDamaged)
	}
	return v[:len(v)-8], binary.BigEndian.Uint64(v[len(v)-8:]), true, nil
}

// get returns a copy of the value of key; ok is false when there is none.
func (x *Index) get(key []byte) (val []byte, ok bool, err error) {
	v, closer, err := x.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("vindex: read of key %x: %w", key, err)
	}
	val = bytes.Clone(v)
	closer.Close()
	return val, true, nil
}
