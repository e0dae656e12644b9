package vindex

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// written is an extent a test wrote: where, its size, and what it holds.
type written struct {
	addr       Addr
	size       int
	prev       Addr
	epoch, pos uint64
	key        []byte
	seqs       []uint64
	vs         []Version
}

// randomVersion returns a version with some of its parts, as the engine
// keeps them: a document now and then, a patch mostly, an empty one too.
func randomVersion(rng *rand.Rand, seq uint64) Version {
	v := Version{Type: byte(1 + rng.IntN(4)), Ms: int64(seq)*1000 - 5e6}
	switch rng.IntN(4) {
	case 0:
		v.Doc = bytes.Repeat([]byte{byte(seq)}, rng.IntN(300))
	case 1:
		v.Doc, v.Patch = []byte("doc"), []byte{}
	default:
		v.Patch = bytes.Repeat([]byte{'p', byte(seq)}, rng.IntN(40))
	}
	return v
}

// writeExtents writes, for each of rows keys, extents rounds times (the
// row's history in runs, each run's extent pointing to the one before),
// and returns them all, in the order written.
func writeExtents(t *testing.T, w *ExtentsWriter, rows, rounds int) []written {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	last := make([]Addr, rows)
	count := make([]uint64, rows)
	var out []written
	seq := uint64(0)
	for round := range rounds {
		for k := range rows {
			e := written{prev: last[k], key: key(k), epoch: uint64(round % 2), pos: count[k]}
			w.Begin(e.prev, e.key, e.epoch, e.pos)
			for range 1 + rng.IntN(6) {
				seq += 1 + rng.Uint64N(1000)
				v := randomVersion(rng, seq)
				w.Add(seq, v)
				e.seqs, e.vs = append(e.seqs, seq), append(e.vs, v)
			}
			var err error
			if e.addr, e.size, err = w.End(); err != nil {
				t.Fatal(err)
			}
			last[k], count[k] = e.addr, count[k]+uint64(len(e.seqs))
			out = append(out, e)
		}
	}
	return out
}

// checkExtent asserts that e, read, holds what want says.
func checkExtent(t *testing.T, e Extent, want written) {
	t.Helper()
	if e.Prev != want.prev || e.Epoch != want.epoch || e.Pos != want.pos || !bytes.Equal(e.Key, want.key) || e.Len() != len(want.seqs) {
		t.Fatalf("extent %s: prev %s epoch %d pos %d key %x len %d, want %s %d %d %x %d", want.addr,
			e.Prev, e.Epoch, e.Pos, e.Key, e.Len(), want.prev, want.epoch, want.pos, want.key, len(want.seqs))
	}
	it := e.Versions()
	for i := range want.seqs {
		seq, v, ok := it.Next()
		w := want.vs[i]
		if !ok || seq != want.seqs[i] || v.Type != w.Type || v.Ms != w.Ms ||
			!bytes.Equal(v.Doc, w.Doc) || (v.Doc == nil) != (w.Doc == nil) ||
			!bytes.Equal(v.Patch, w.Patch) || (v.Patch == nil) != (w.Patch == nil) {
			t.Fatalf("extent %s version %d: %d %+v %v, want %d %+v (%v)", want.addr, i, seq, v, ok, want.seqs[i], w, it.Err())
		}
	}
	if _, _, ok := it.Next(); ok || it.Err() != nil {
		t.Fatalf("extent %s: a version past its %d, or %v", want.addr, len(want.seqs), it.Err())
	}
}

// TestExtentsRoundTrip writes rows' histories in runs, on the operating
// system's files and in memory, and reads every extent back, with its
// size and without, and every row's chain from its newest extent.
func TestExtentsRoundTrip(t *testing.T) {
	for _, fs := range []struct {
		name string
		fs   FS
		dir  string
	}{{"os", vfs.Default, t.TempDir()}, {"mem", MemFS(), ""}} {
		t.Run(fs.name, func(t *testing.T) {
			path := filepath.Join(fs.dir, "7.x")
			w, err := CreateExtents(fs.fs, path, 7)
			if err != nil {
				t.Fatal(err)
			}
			// Enough to pass the writer's buffer several times.
			const rows, rounds = 700, 3
			all := writeExtents(t, w, rows, rounds)
			if err := w.Sync(); err != nil {
				t.Fatal(err)
			}
			size := w.Size()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			x, err := OpenExtents(fs.fs, path, 7, size)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			var buf []byte
			byAddr := map[Addr]written{}
			for _, want := range all {
				byAddr[want.addr] = want
				for _, size := range []int{want.size, 0} {
					var e Extent
					if e, buf, err = x.Read(want.addr, size, buf); err != nil {
						t.Fatal(err)
					}
					checkExtent(t, e, want)
				}
			}
			// Each row's chain, newest extent first, back to its first.
			for _, newest := range all[len(all)-rows:] {
				n := 0
				for a := newest.addr; a != 0; n++ {
					e, _, err := x.Read(a, 0, nil)
					if err != nil {
						t.Fatal(err)
					}
					checkExtent(t, e, byAddr[a])
					if !bytes.Equal(e.Key, newest.key) {
						t.Fatalf("chain of %x reaches %x", newest.key, e.Key)
					}
					a = e.Prev
				}
				if n != rounds {
					t.Fatalf("chain of %x: %d extents, want %d", newest.key, n, rounds)
				}
			}
		})
	}
}

// TestExtentsDamage reads extents of a file damaged in their body, cut
// short, or read at an address that is not an extent's; and opens a file
// that is not the one asked for.
func TestExtentsDamage(t *testing.T) {
	fs := MemFS()
	w, err := CreateExtents(fs, "3.x", 3)
	if err != nil {
		t.Fatal(err)
	}
	all := writeExtents(t, w, 20, 1)
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	size := w.Size()
	w.Close()
	damaged := func(x *Extents, a Addr, size int) {
		t.Helper()
		if _, _, err := x.Read(a, size, nil); !errors.Is(err, ErrDamaged) {
			t.Fatalf("read %s (size %d): %v, want damage", a, size, err)
		}
	}

	// Cut short: the file's last extent is past the size given.
	x, err := OpenExtents(fs, "3.x", 3, size-1)
	if err != nil {
		t.Fatal(err)
	}
	last := all[len(all)-1]
	damaged(x, last.addr, last.size)
	walked := 0
	if err := x.Walk(func(Addr, Extent) error { walked++; return nil }); !errors.Is(err, ErrDamaged) || walked != len(all)-1 {
		t.Fatalf("walk of a file cut short: %d extents of %d, %v", walked, len(all), err)
	}
	damaged(x, last.addr, 0)
	damaged(x, MakeAddr(3, 4), 0)                    // in the header
	damaged(x, MakeAddr(3, size+10), 0)              // past the end
	damaged(x, all[1].addr, all[1].size+all[2].size) // two extents as one
	if _, _, err := x.Read(MakeAddr(4, all[0].addr.Offset()), 0, nil); err == nil || errors.Is(err, ErrDamaged) {
		t.Fatalf("read of another file's address: %v", err)
	}
	x.Close()

	// A byte of the fifth extent's body flipped.
	f, err := fs.OpenReadWrite("3.x", "")
	if err != nil {
		t.Fatal(err)
	}
	at := all[5].addr.Offset() + int64(all[5].size) - 2
	var b [1]byte
	if _, err := f.ReadAt(b[:], at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x10
	if _, err := f.WriteAt(b[:], at); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if x, err = OpenExtents(fs, "3.x", 3, size); err != nil {
		t.Fatal(err)
	}
	damaged(x, all[5].addr, all[5].size)
	walked = 0
	if err := x.Walk(func(a Addr, e Extent) error {
		checkExtent(t, e, all[walked])
		walked++
		return nil
	}); !errors.Is(err, ErrDamaged) || walked != 5 {
		t.Fatalf("walk of a file damaged in its sixth extent: %d extents, %v", walked, err)
	}
	if e, _, err := x.Read(all[6].addr, 0, nil); err != nil {
		t.Fatal(err)
	} else {
		checkExtent(t, e, all[6])
	}
	x.Close()

	// Not the file asked for.
	if _, err := OpenExtents(fs, "3.x", 4, size); !errors.Is(err, ErrDamaged) {
		t.Fatalf("open as file 4: %v", err)
	}
}

// TestExtentVersionsDamage decodes bodies whose versions do not fit their
// count, or whose seqs do not rise.
func TestExtentVersionsDamage(t *testing.T) {
	v := Version{Type: 2, Patch: []byte("p")}.append(nil)
	body := func(count byte, parts ...[]byte) []byte {
		b := []byte{0, 3, 7, 1, 'k', count}
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	for _, c := range []struct {
		name string
		body []byte
	}{
		{"bytes after the versions", body(1, []byte{5}, v, []byte{9})},
		{"fewer versions than its count", body(2, []byte{5}, v)},
		{"a seq that does not rise", body(2, []byte{5}, v, []byte{0}, v)},
		{"a version cut short", body(1, []byte{5}, v[:len(v)-1])},
	} {
		e, ok := decodeExtent(c.body)
		if !ok {
			t.Fatalf("%s: head refused", c.name)
		}
		it := e.Versions()
		for {
			if _, _, ok := it.Next(); !ok {
				break
			}
		}
		if !errors.Is(it.Err(), ErrDamaged) {
			t.Errorf("%s: %v, want damage", c.name, it.Err())
		}
	}
	for _, b := range [][]byte{nil, {0}, {0, 3}, {0, 3, 7}, {0, 3, 7, 5, 'k'}, {0, 3, 7, 1, 'k'}, {0, 3, 7, 1, 'k', 9}} {
		if _, ok := decodeExtent(b); ok {
			t.Errorf("decodeExtent(% x) taken", b)
		}
	}
}

// TestExtentsWriterMisuse ends an extent not begun, adds seqs that do not
// rise, and begins one inside another: each fails, and the writer stays
// failed.
func TestExtentsWriterMisuse(t *testing.T) {
	for _, c := range []struct {
		name string
		do   func(w *ExtentsWriter)
	}{
		{"end before begin", func(*ExtentsWriter) {}},
		{"add before begin", func(w *ExtentsWriter) { w.Add(1, Version{}); w.Begin(0, key(1), 0, 0) }},
		{"seqs that do not rise", func(w *ExtentsWriter) { w.Begin(0, key(1), 0, 0); w.Add(5, Version{}); w.Add(5, Version{}) }},
		{"begin inside another", func(w *ExtentsWriter) { w.Begin(0, key(1), 0, 0); w.Begin(0, key(2), 0, 0) }},
	} {
		w, err := CreateExtents(MemFS(), "1.x", 1)
		if err != nil {
			t.Fatal(err)
		}
		c.do(w)
		if _, _, err := w.End(); err == nil {
			t.Errorf("%s: End took it", c.name)
		}
		w.Begin(0, key(3), 0, 0)
		w.Add(1, Version{})
		if _, _, err := w.End(); err == nil {
			t.Errorf("%s: the writer went on", c.name)
		}
		w.Close()
	}
	if _, err := CreateExtents(MemFS(), "0.x", 0); err == nil {
		t.Error("file number 0 taken")
	}
}

// sealedFile writes a sealed extents file of rows rows (keys 2, 4, ...)
// numbered num, and returns its extents.
func sealedFile(t *testing.T, fs vfs.FS, path string, num uint32, rows int, meta []byte) []written {
	t.Helper()
	w, err := CreateExtents(fs, path, num)
	if err != nil {
		t.Fatal(err)
	}
	all := writeExtents(t, w, rows, 1)
	if err := w.Seal(meta); err != nil {
		t.Fatal(err)
	}
	w.Begin(0, key(1<<20), 0, 0)
	w.Add(1, Version{Type: 1})
	if _, _, err := w.End(); err == nil {
		t.Fatal("an extent written after Seal")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return all
}

// TestExtentsSealed opens a sealed file again and looks up every key in
// it, those between its keys and those past both ends, in files of a
// directory of one entry, of several, and of none.
func TestExtentsSealed(t *testing.T) {
	fs := MemFS()
	for _, rows := range []int{0, 1, DirEvery, DirEvery + 1, 300, 6000} { // 6000: more than Walk reads at once
		t.Run(fmt.Sprint(rows), func(t *testing.T) {
			path := fmt.Sprintf("%d.x", rows+1)
			meta := []byte(fmt.Sprintf("meta of %d", rows))
			all := sealedFile(t, fs, path, uint32(rows+1), rows, meta)
			x, got, err := OpenSealedExtents(fs, path, uint32(rows+1))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			if !bytes.Equal(got, meta) {
				t.Fatalf("meta %q, want %q", got, meta)
			}
			if want := (rows + DirEvery - 1) / DirEvery; len(x.offs) != want {
				t.Fatalf("%d directory entries, want %d", len(x.offs), want)
			}
			var buf []byte
			for _, e := range all {
				var got Extent
				var ok bool
				got, buf, ok, err = x.Lookup(e.key, buf)
				if err != nil || !ok {
					t.Fatalf("lookup of %x: %v, found %v", e.key, err, ok)
				}
				checkExtent(t, got, e)
				// A key just after this one's, before the next's.
				after := append(bytes.Clone(e.key), 0)
				if _, buf, ok, err = x.Lookup(after, buf); err != nil || ok {
					t.Fatalf("lookup of %x: %v, found %v", after, err, ok)
				}
			}
			if rows == 6000 && x.size.Load() <= 1<<20 {
				t.Fatalf("%d bytes of extents: Walk reads them at once", x.size.Load())
			}
			i := 0
			err = x.Walk(func(a Addr, e Extent) error {
				if i >= len(all) || a != all[i].addr {
					t.Fatalf("walk: extent %d at %s", i, a)
				}
				checkExtent(t, e, all[i])
				i++
				return nil
			})
			if err != nil || i != len(all) {
				t.Fatalf("walk: %d extents of %d: %v", i, len(all), err)
			}
			for _, k := range [][]byte{nil, {0}, key(1 << 30)} {
				if _, _, ok, err := x.Lookup(k, nil); err != nil || ok {
					t.Fatalf("lookup of %x: %v, found %v", k, err, ok)
				}
			}
		})
	}
}

// TestExtentsSealedDamage refuses files not sealed, cut short, or with a
// byte of the directory, the meta or the trailer flipped.
func TestExtentsSealedDamage(t *testing.T) {
	fs := MemFS()
	// Not sealed: written and synced.
	w, err := CreateExtents(fs, "1.x", 1)
	if err != nil {
		t.Fatal(err)
	}
	writeExtents(t, w, 40, 1)
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, _, err := OpenSealedExtents(fs, "1.x", 1); !errors.Is(err, ErrDamaged) {
		t.Fatalf("open of a file not sealed: %v", err)
	}

	sealedFile(t, fs, "2.x", 2, 40, []byte("meta"))
	f, err := fs.Open("2.x")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	size := fi.Size()
	whole := make([]byte, size)
	if _, err := f.ReadAt(whole, 0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	put := func(b []byte) {
		t.Helper()
		f, err := fs.Create("3.x", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(bytes.Clone(b)); err != nil { // a file system may take b
			t.Fatal(err)
		}
		f.Close()
	}
	if _, _, err := OpenSealedExtents(fs, "2.x", 3); !errors.Is(err, ErrDamaged) {
		t.Fatalf("open as another file's number: %v", err)
	}
	put(bytes.Replace(whole, []byte("\x00\x00\x00\x02"), []byte("\x00\x00\x00\x03"), 1))
	if _, _, err := OpenSealedExtents(fs, "3.x", 3); err != nil {
		t.Fatalf("the same bytes as file 3: %v", err)
	}
	// Cut short anywhere, and a byte flipped in each of the directory, the
	// meta and the trailer (the extents are checked as they are read).
	for _, n := range []int64{0, 5, size / 2, size - 30, size - 1} {
		put(slices.Clip(whole[:n]))
		if _, _, err := OpenSealedExtents(fs, "3.x", 2); !errors.Is(err, ErrDamaged) {
			t.Fatalf("cut at %d of %d: %v", n, size, err)
		}
	}
	end := int64(binary.BigEndian.Uint64(whole[size-int64(sealTrailer):]))
	if end <= int64(extentsHeader) || size-end < int64(sealTrailer)+20 {
		t.Fatalf("extents end at %d of %d", end, size)
	}
	for at := end; at < size; at++ {
		b := bytes.Clone(whole)
		b[at] ^= 0x04
		put(b)
		if x, _, err := OpenSealedExtents(fs, "3.x", 2); !errors.Is(err, ErrDamaged) {
			if x != nil {
				x.Close()
			}
			t.Fatalf("byte %d of %d flipped: %v", at, size, err)
		}
	}
}

// syncHookFS calls hook before each sync of a file it created.
type syncHookFS struct {
	vfs.FS
	hook func()
}

type syncHookFile struct {
	vfs.File
	hook func()
}

func (fs syncHookFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, c)
	return syncHookFile{f, fs.hook}, err
}

func (f syncHookFile) Sync() error {
	f.hook()
	return f.File.Sync()
}

// TestExtentsSealCrash writes sealed files and takes, before each sync
// and after Seal, what a machine crash could leave (some of the blocks
// written since the last sync, at random): a file that opens holds every
// extent its directory lists, and one taken after Seal opens.
func TestExtentsSealCrash(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	opened, refused := 0, 0
	for iter := range 40 {
		mem := vfs.NewCrashableMem()
		var crashes []*vfs.MemFS
		fs := syncHookFS{mem, func() {
			crashes = append(crashes, mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng}))
		}}
		meta := []byte(fmt.Sprint("meta ", iter))
		all := sealedFile(t, fs, "5.x", 5, 200+rng.IntN(1000), meta)
		// The file's name made durable, as the engine does after Seal.
		d, err := mem.OpenDir("")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Sync(); err != nil {
			t.Fatal(err)
		}
		d.Close()
		crashes = append(crashes, mem.CrashClone(vfs.CrashCloneCfg{}))
		for i, c := range crashes {
			x, got, err := OpenSealedExtents(c, "5.x", 5)
			if err != nil {
				if i == len(crashes)-1 || !errors.Is(err, ErrDamaged) && !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("iteration %d, crash %d of %d: %v", iter, i, len(crashes), err)
				}
				refused++
				continue
			}
			opened++
			if !bytes.Equal(got, meta) {
				t.Fatalf("iteration %d, crash %d: meta %q", iter, i, got)
			}
			var buf []byte
			for _, e := range all {
				var x1 Extent
				var ok bool
				if x1, buf, ok, err = x.Lookup(e.key, buf); err != nil || !ok {
					t.Fatalf("iteration %d, crash %d of %d: the file opened, and its extent of %x reads %v, %v", iter, i, len(crashes), e.key, ok, err)
				}
				checkExtent(t, x1, e)
			}
			x.Close()
		}
	}
	t.Logf("%d crashes opened, %d refused", opened, refused)
}
