// Package vindex is the version index: an ordered index on disk of every
// version of every row, and of every entry of every secondary index, so
// that a point read at any seq is one seek and an index range one scan,
// without the versions in the process heap (docs/ENGINE.md, Storage beyond
// memory).
//
// The segments are the log and the truth; this index is derived from them
// and can be rebuilt from them. It is an LSM (pebble) with its own
// write-ahead log off: a batch of entries goes in with the seq it brings
// the index to, and what survives a crash is a prefix of the batches, the
// seq they reached included (Durable), so that opening replays the
// segments past that seq and nothing else.
//
// Keys are bytes the caller encodes in an order-preserving form (the
// engine's ordered encoding); the index adds the table, the index and the
// seq around them:
//
//	version:  'v' table(4) key ^seq(8)          newest version of a key first
//	entry:    'i' table(4) index(4) value key seq(8)
//	durable:  'm' "durable"                      the seq the index holds to
//
// All integers are big-endian.
package vindex

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// FS is the file system an index lives on.
type FS = vfs.FS

const (
	tagVersion byte = 'v'
	tagEntry   byte = 'i'
	tagMeta    byte = 'm'
)

var durableKey = []byte{tagMeta, 'd', 'u', 'r', 'a', 'b', 'l', 'e'}

// comparer orders keys as bytes, as pebble's default does, and splits a
// version's or an entry's key into its prefix and its 8-byte seq, so that
// the bloom filters are of (table, key) and a point read seeks within its
// key's versions only. The split is sound because the engine's encodings
// are prefix-free: two keys with different prefixes differ within them.
var comparer = func() *pebble.Comparer {
	c := *pebble.DefaultComparer
	c.Split = func(k []byte) int {
		if len(k) >= 13 && (k[0] == tagVersion || k[0] == tagEntry) {
			return len(k) - 8
		}
		return len(k)
	}
	c.Name = "driftdb.vindex.v1"
	return &c
}()

// ErrDamaged is returned for an entry that cannot be decoded: the index
// is to be rebuilt from the segments.
var ErrDamaged = errors.New("vindex: damaged entry")

// Options configure an index.
type Options struct {
	// CacheSize is the block cache in bytes (0: 64 MiB).
	CacheSize int64
	// MemTableSize is the size of a memtable in bytes (0: 32 MiB): entries
	// wait there until a flush writes them out.
	MemTableSize uint64
	// FS is the file system (nil: the operating system's); tests pass a
	// crashable one in memory.
	FS FS
}

// Index is an open version index. Its methods are safe for concurrent
// use; batches are applied in the order of their seqs by one writer.
type Index struct {
	db      *pebble.DB
	cache   *pebble.Cache
	applied atomic.Uint64 // the seq the newest applied batch brought the index to
	durable atomic.Uint64 // a seq the index holds after a crash (at least)
}

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
	opts := &pebble.Options{
		DisableWAL:   true,
		Cache:        cache,
		MemTableSize: mem,
		Logger:       quietLogger{},
		Comparer:     comparer,
	}
	// Bloom filters of the prefixes (Split) on every level, so that a
	// point read skips the tables that do not hold its key.
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	if o.FS != nil {
		opts.FS = o.FS
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		cache.Unref()
		return nil, fmt.Errorf("vindex: open %s: %w", dir, err)
	}
	x := &Index{db: db, cache: cache}
	v, closer, err := db.Get(durableKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		x.Close()
		return nil, fmt.Errorf("vindex: open %s: %w", dir, err)
	default:
		ok := len(v) == 8
		if ok {
			x.durable.Store(binary.BigEndian.Uint64(v))
		}
		closer.Close()
		if !ok {
			x.Close()
			return nil, fmt.Errorf("vindex: open %s: %w", dir, ErrDamaged)
		}
	}
	x.applied.Store(x.durable.Load())
	return x, nil
}

// Close closes the index without flushing it: entries not yet durable are
// dropped, and the next open replays their segments.
func (x *Index) Close() error {
	err := x.db.Close()
	x.cache.Unref()
	return err
}

// Durable returns a seq up to which every batch survives a crash: at
// least the seq of the last batch applied before the last Flush, and
// after an open, exactly the seq the index was found at.
func (x *Index) Durable() uint64 { return x.durable.Load() }

// Applied returns the seq of the newest batch applied.
func (x *Index) Applied() uint64 { return x.applied.Load() }

// Flush makes every batch applied so far durable.
func (x *Index) Flush() error {
	at := x.applied.Load()
	if err := x.db.Flush(); err != nil {
		return fmt.Errorf("vindex: flush: %w", err)
	}
	if at > x.durable.Load() {
		x.durable.Store(at)
	}
	return nil
}

// A Batch gathers entries to apply at once.
type Batch struct {
	x   *Index
	b   *pebble.Batch
	key []byte
	val []byte
}

// NewBatch returns an empty batch.
func (x *Index) NewBatch() *Batch { return &Batch{x: x, b: x.db.NewBatch()} }

// Len returns the number of entries in the batch.
func (b *Batch) Len() int { return int(b.b.Count()) }

// PutVersion adds version seq of key (ordered-encoded) of table.
func (b *Batch) PutVersion(table uint32, key []byte, seq uint64, v Version) error {
	b.key = VersionKey(b.key[:0], table, key, seq)
	b.val = v.append(b.val[:0])
	return b.b.Set(b.key, b.val, nil)
}

// PutEntry adds the entry of index of table for version seq of key, whose
// value the index holds (value and key both ordered-encoded).
func (b *Batch) PutEntry(table, index uint32, value, key []byte, seq uint64) error {
	b.key = EntryKey(b.key[:0], table, index, value, key, seq)
	return b.b.Set(b.key, nil, nil)
}

// DeleteTable removes every version and entry of table.
func (b *Batch) DeleteTable(table uint32) error {
	for _, tag := range []byte{tagVersion, tagEntry} {
		lo := binary.BigEndian.AppendUint32([]byte{tag}, table)
		hi := binary.BigEndian.AppendUint32([]byte{tag}, table+1)
		if table == ^uint32(0) {
			hi = []byte{tag + 1}
		}
		if err := b.b.DeleteRange(lo, hi, nil); err != nil {
			return err
		}
	}
	return nil
}

// Apply applies the batch, which brings the index to seq: every batch
// with a lower seq has been applied, and none with a higher one. The
// batch is not durable until a Flush, or a flush of its own accord when
// the memtable fills; either way what survives a crash is a prefix of the
// batches.
func (b *Batch) Apply(seq uint64) error {
	if seq < b.x.applied.Load() {
		return fmt.Errorf("vindex: batch at seq %d after one at %d", seq, b.x.applied.Load())
	}
	var at [8]byte
	binary.BigEndian.PutUint64(at[:], seq)
	if err := b.b.Set(durableKey, at[:], nil); err != nil {
		return err
	}
	if err := b.b.Commit(pebble.NoSync); err != nil {
		b.b.Close()
		return fmt.Errorf("vindex: apply: %w", err)
	}
	b.x.applied.Store(seq)
	return b.b.Close()
}

// VersionKey appends the index key of version seq of key of table.
func VersionKey(dst []byte, table uint32, key []byte, seq uint64) []byte {
	dst = append(dst, tagVersion)
	dst = binary.BigEndian.AppendUint32(dst, table)
	dst = append(dst, key...)
	return binary.BigEndian.AppendUint64(dst, ^seq)
}

// EntryKey appends the index key of an entry.
func EntryKey(dst []byte, table, index uint32, value, key []byte, seq uint64) []byte {
	dst = append(dst, tagEntry)
	dst = binary.BigEndian.AppendUint32(dst, table)
	dst = binary.BigEndian.AppendUint32(dst, index)
	dst = append(dst, value...)
	dst = append(dst, key...)
	return binary.BigEndian.AppendUint64(dst, seq)
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
	var v Version
	if len(b) < 2 || b[1]&^(hasDoc|hasPatch) != 0 {
		return v, ErrDamaged
	}
	flags := b[1]
	v.Type, b = b[0], b[2:]
	ms, n := binary.Varint(b)
	if n <= 0 {
		return v, ErrDamaged
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
			return v, ErrDamaged
		}
	}
	if flags&hasPatch != 0 {
		if v.Patch = part(); v.Patch == nil {
			return v, ErrDamaged
		}
	}
	if len(b) != 0 {
		return v, ErrDamaged
	}
	return v, nil
}

// Versions reads the versions of one key, newest first. It is not safe
// for concurrent use; each reader takes its own.
type Versions struct {
	it     *pebble.Iterator
	prefix []byte // 'v' table key
	seek   []byte
	seq    uint64
	v      Version
	err    error
}

// NewVersions returns a reader of versions.
func (x *Index) NewVersions() (*Versions, error) {
	it, err := x.db.NewIter(&pebble.IterOptions{
		LowerBound: []byte{tagVersion},
		UpperBound: []byte{tagVersion + 1},
	})
	if err != nil {
		return nil, err
	}
	return &Versions{it: it}, nil
}

// Close releases the reader.
func (r *Versions) Close() error { return r.it.Close() }

// Seek positions the reader at the newest version of key of table at or
// below seq, and reports whether there is one.
func (r *Versions) Seek(table uint32, key []byte, seq uint64) bool {
	r.prefix = append(binary.BigEndian.AppendUint32(append(r.prefix[:0], tagVersion), table), key...)
	r.seek = binary.BigEndian.AppendUint64(append(r.seek[:0], r.prefix...), ^seq)
	return r.load(r.it.SeekPrefixGE(r.seek))
}

// Next moves to the next older version of the same key.
func (r *Versions) Next() bool { return r.load(r.it.Next()) }

func (r *Versions) load(ok bool) bool {
	if !ok {
		r.err = r.it.Error()
		return false
	}
	k := r.it.Key()
	if len(k) != len(r.prefix)+8 || !bytes.HasPrefix(k, r.prefix) {
		return false
	}
	val, err := r.it.ValueAndErr()
	if err == nil {
		r.v, err = decodeVersion(val)
	}
	if err != nil {
		r.err = err
		return false
	}
	r.seq = ^binary.BigEndian.Uint64(k[len(k)-8:])
	return true
}

// Seq returns the seq of the version the reader is at.
func (r *Versions) Seq() uint64 { return r.seq }

// Version returns the version the reader is at; its bytes are valid until
// the reader moves.
func (r *Versions) Version() Version { return r.v }

// Err returns the error that ended the reader's last move, if any.
func (r *Versions) Err() error { return r.err }

// Entries reads the entries of a secondary index in order. It is not safe
// for concurrent use.
type Entries struct {
	it     *pebble.Iterator
	prefix []byte // 'i' table index
	buf    []byte
}

// NewEntries returns a reader of the entries of index of table whose
// value and key bytes (value then key, ordered-encoded) are at least lo
// and below hi (nil: no bound).
func (x *Index) NewEntries(table, index uint32, lo, hi []byte) (*Entries, error) {
	prefix := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32([]byte{tagEntry}, table), index)
	lower := append(append([]byte(nil), prefix...), lo...)
	var upper []byte
	if hi != nil {
		upper = append(append([]byte(nil), prefix...), hi...)
	} else {
		upper = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32([]byte{tagEntry}, table), index)
		upper = successor(upper)
	}
	it, err := x.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	return &Entries{it: it, prefix: prefix}, nil
}

// successor returns the smallest key above every key that b begins.
func successor(b []byte) []byte {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil // every byte 0xff: no bound
}

// First moves to the first entry in range.
func (e *Entries) First() bool { return e.it.First() }

// Next moves to the next entry.
func (e *Entries) Next() bool { return e.it.Next() }

// Entry returns the entry's value and key bytes (as put) and its seq;
// the bytes are valid until the reader moves.
func (e *Entries) Entry() (valueKey []byte, seq uint64) {
	k := e.it.Key()
	return k[len(e.prefix) : len(k)-8], binary.BigEndian.Uint64(k[len(k)-8:])
}

// Err returns the error that ended the reader, if any.
func (e *Entries) Err() error { return e.it.Error() }

// Close releases the reader.
func (e *Entries) Close() error { return e.it.Close() }

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
