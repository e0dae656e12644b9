// Command lsm measures an ordered on-disk index of versions, the kind the
// plan for storage beyond memory proposes (docs/ENGINE.md): pebble with
// its write-ahead log off, keys (table, key, ^seq) as the engine would
// encode them, and a value of 40 bytes (time, type, a small patch). It
// loads keys x versions entries in seq order, as a log would bring them,
// compacts, reopens, and times AS OF lookups: a seek to the newest version
// at or below a random seq of a random key.
//
// It lives in a module of its own so that the project does not depend on
// pebble before the engine uses it.
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// key encodes table 7's key k at seq: big-endian, the key's sign bit
// flipped so that negative keys sort first, and the seq inverted so that
// a key's newest version comes first.
func key(buf []byte, k int64, seq uint64) []byte {
	buf = binary.BigEndian.AppendUint32(buf[:0], 7)
	buf = binary.BigEndian.AppendUint64(buf, uint64(k)^(1<<63))
	return binary.BigEndian.AppendUint64(buf, ^seq)
}

func rssMB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for l := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			var kb float64
			fmt.Sscanf(rest, "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

func dirMB(dir string) float64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, _ error) error {
		if fi != nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return float64(n) / 1e6
}

func main() {
	keys := flag.Int64("keys", 2_000_000, "keys")
	versions := flag.Int("versions", 10, "versions of each key")
	load := flag.Bool("load", true, "load the entries (false: use those in -dir)")
	lookups := flag.Int("lookups", 1_000_000, "AS OF lookups to time")
	cacheMB := flag.Int64("cache", 256, "block cache, MiB")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "driftdb-lsm"), "directory of the index")
	flag.Parse()
	cache := pebble.NewCache(*cacheMB << 20)
	defer cache.Unref()
	opts := &pebble.Options{DisableWAL: true, Cache: cache, MemTableSize: 64 << 20, Logger: quiet{}}
	if *load {
		os.RemoveAll(*dir)
		db, err := pebble.Open(*dir, opts)
		if err != nil {
			fail(err)
		}
		start := time.Now()
		seq := uint64(0)
		val := make([]byte, 40)
		var kb []byte
		b := db.NewBatch()
		for range *versions {
			for k := range *keys {
				seq++
				binary.LittleEndian.PutUint64(val, seq)
				kb = key(kb, k, seq)
				b.Set(kb, val, nil)
				if b.Count() == 1000 {
					if err := b.Commit(pebble.NoSync); err != nil {
						fail(err)
					}
					b = db.NewBatch()
				}
			}
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			fail(err)
		}
		loaded := time.Since(start)
		if err := db.Flush(); err != nil {
			fail(err)
		}
		compact := time.Now()
		if err := db.Compact(context.Background(), []byte{0}, []byte{0xff}, true); err != nil {
			fail(err)
		}
		compacted := time.Since(compact)
		if err := db.Close(); err != nil {
			fail(err)
		}
		fmt.Printf("load: %d entries in %.1f s (%.2f µs each), compaction %.1f s, %.0f MB on disk\n",
			seq, loaded.Seconds(), loaded.Seconds()*1e6/float64(seq), compacted.Seconds(), dirMB(*dir))
	}
	start := time.Now()
	db, err := pebble.Open(*dir, opts)
	if err != nil {
		fail(err)
	}
	fmt.Printf("open: %.1f ms, RSS %.0f MiB\n", float64(time.Since(start).Microseconds())/1000, rssMB())
	head := uint64(*keys) * uint64(*versions)
	rng := rand.New(rand.NewPCG(1, 2))
	it, err := db.NewIter(nil)
	if err != nil {
		fail(err)
	}
	var lo []byte
	found := 0
	start = time.Now()
	for range *lookups {
		k := rng.Int64N(*keys)
		lo = key(lo, k, 1+rng.Uint64N(head))
		if it.SeekGE(lo) && string(it.Key()[:12]) == string(lo[:12]) {
			found++
			_ = it.Value()
		}
	}
	took := time.Since(start)
	it.Close()
	fmt.Printf("AS OF lookups: %.2f µs each (%d of %d found a version), RSS %.0f MiB with a %d MiB block cache\n",
		took.Seconds()*1e6/float64(*lookups), found, *lookups, rssMB(), *cacheMB)
	if err := db.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "lsm:", err)
	os.Exit(1)
}

// quiet drops pebble's informational log lines.
type quiet struct{}

func (quiet) Infof(string, ...any)      {}
func (quiet) Errorf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (quiet) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }
