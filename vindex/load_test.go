package vindex

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestLoad puts a table's versions (oldest first for each key, as a pass
// does), its rows and the entries of two indexes through a Load, in
// tables small enough that each kind takes several, and reads them all
// back as batches would have put them. The tables go in at the bottom
// level, below a table of another index already there, and nothing is
// compacted; a file a crash left is removed at the next open.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	x.loadSize = 64 << 10
	// Another table, flushed and compacted to the bottom level first.
	applyOne(t, x, func(b *Batch) error { return b.PutVersion(9, key(1), 1, Version{Type: 1, Doc: docOf(1)}) })
	if err := x.db.Compact(t.Context(), []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}

	r := rand.New(rand.NewPCG(1, 2))
	m := newModel()
	l := x.NewLoad()
	const keys = 3000
	seq := uint64(10)
	rows := map[int]uint64{}
	for k := range keys {
		for range 1 + r.IntN(5) {
			if err := l.PutVersion(7, key(k), seq, versionOf(seq)); err != nil {
				t.Fatal(err)
			}
			m.versions[k] = append(m.versions[k], seq)
			rows[k] = seq
			seq++
		}
	}
	for k := range keys {
		if err := l.PutRow(7, key(k), rows[k], Version{Type: 2, Ms: int64(rows[k]), Doc: docOf(rows[k])}); err != nil {
			t.Fatal(err)
		}
	}
	entry := func(field string, k int) []byte { return fmt.Appendf(key(k%7), "%s %05d", field, k) }
	for _, field := range []string{"b", "a"} { // not in the index's order: each its own run
		var es [][]byte
		for k := range keys {
			es = append(es, entry(field, k))
		}
		slices.SortFunc(es, bytes.Compare)
		for _, e := range es {
			if err := l.PutEntry(7, field, e, uint64(len(e))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	if l.Len() == 0 || l.Len() != len(m.docsPut())+keys+2*keys {
		t.Fatalf("load put %d entries", l.Len())
	}
	applyOne(t, x, func(b *Batch) error { return b.SetMark(7, Mark{Seq: seq - 1, Rows: true}) })

	check(t, x, m, seq)
	rd, err := x.NewRows()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ok := rd.Scan(7); ok; ok = rd.Next() {
		n++
	}
	for k := range keys {
		if !rd.Get(7, key(k)) || rd.Seq() != rows[k] || !bytes.Equal(rd.Version().Doc, docOf(rows[k])) {
			t.Fatalf("row %d: seq %d, want %d (%v)", k, rd.Seq(), rows[k], rd.Err())
		}
	}
	rd.Close()
	if n != keys {
		t.Fatalf("scan of rows: %d, want %d", n, keys)
	}
	for _, field := range []string{"a", "b"} {
		er, err := x.NewEntries()
		if err != nil {
			t.Fatal(err)
		}
		var got [][]byte
		for ok := er.Seek(7, field, nil); ok; ok = er.Next() {
			if er.Seq() != uint64(len(er.Entry())) {
				t.Fatalf("field %s entry %q: seq %d", field, er.Entry(), er.Seq())
			}
			got = append(got, bytes.Clone(er.Entry()))
		}
		er.Close()
		if len(got) != keys || !slices.IsSortedFunc(got, bytes.Compare) || !bytes.Equal(got[0][4:5], []byte(field)) {
			t.Fatalf("field %s: %d entries", field, len(got))
		}
	}

	met := x.db.Metrics()
	bottom := len(met.Levels) - 1
	if met.Levels[0].TablesCount != 0 || met.Levels[bottom].TablesCount < 10 || met.Compact.Count != 1 {
		t.Fatalf("level 0 %d tables, bottom %d, %d compactions (one ours): %s",
			met.Levels[0].TablesCount, met.Levels[bottom].TablesCount, met.Compact.Count, met)
	}

	// Current entries, in the order of their values: the rows' keys come
	// unordered, and are sorted in runs of at most sortSize bytes, which
	// overlap (the index merges them).
	l = x.NewLoad()
	defer func(s int) { sortSize = s }(sortSize)
	sortSize = 16 << 10
	var cur [][]byte
	for k := range keys {
		cur = append(cur, append(key(k*7919%keys%13), key(k*7919%keys)...))
	}
	slices.SortFunc(cur, bytes.Compare)
	for _, e := range cur {
		if err := l.PutCurrent(7, "c", e, 4, uint64(e[7])); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	cr, err := x.NewCurrent()
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for ok := cr.Seek(7, "c", nil); ok; ok = cr.Next() {
		if i >= len(cur) || !bytes.Equal(cr.Entry(), cur[i]) || cr.Seq() != uint64(cur[i][7]) {
			t.Fatalf("current entry %d: %x seq %d", i, cr.Entry(), cr.Seq())
		}
		i++
	}
	cr.Close()
	if i != keys {
		t.Fatalf("%d current entries, want %d", i, keys)
	}
	for _, e := range cur {
		got, seq, ok, err := x.CurrentOf(7, "c", e[4:])
		if !ok || err != nil || !bytes.Equal(got, e) || seq != uint64(e[7]) {
			t.Fatalf("current entry of %x: %x seq %d %v %v, want %x", e[4:], got, seq, ok, err, e)
		}
	}

	// An index built from the rows (AddEntry, AddCurrent): the rows in key
	// order, each with entries of values in no order, the newest its
	// current one; the entries and the current entries under their
	// values go in runs of sortSize, those under the rows' keys as one.
	l = x.NewLoad()
	var all, latest [][]byte
	for k := range keys {
		for j := range 1 + r.IntN(3) {
			e := append(fmt.Appendf(nil, "%04d", r.IntN(500)), key(k)...)
			if err := l.AddEntry(7, "d", e, uint64(10+j)); err != nil {
				t.Fatal(err)
			}
			all = append(all, append(bytes.Clone(e), byte(10+j)))
			if j > 0 {
				latest = latest[:len(latest)-1]
			}
			latest = append(latest, append(bytes.Clone(e), byte(10+j)))
		}
		last := latest[len(latest)-1]
		if err := l.AddCurrent(7, "d", last[:8], 4, uint64(last[8])); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	if l.Len() != len(all)+keys {
		t.Fatalf("load put %d entries, want %d", l.Len(), len(all)+keys)
	}
	for _, c := range []struct {
		what string
		open func() (*Entries, error)
		want [][]byte
	}{{"entries", x.NewEntries, all}, {"current entries", x.NewCurrent, latest}} {
		slices.SortFunc(c.want, bytes.Compare)
		rd, err := c.open()
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for ok := rd.Seek(7, "d", nil); ok; ok = rd.Next() {
			if i >= len(c.want) || !bytes.Equal(rd.Entry(), c.want[i][:8]) || rd.Seq() != uint64(c.want[i][8]) {
				t.Fatalf("%s %d: %q seq %d", c.what, i, rd.Entry(), rd.Seq())
			}
			i++
		}
		rd.Close()
		if i != len(c.want) {
			t.Fatalf("%d %s, want %d", i, c.what, len(c.want))
		}
	}
	for _, e := range latest {
		got, seq, ok, err := x.CurrentOf(7, "d", e[4:8])
		if !ok || err != nil || !bytes.Equal(got, e[:8]) || seq != uint64(e[8]) {
			t.Fatalf("current entry of %x: %x seq %d %v %v, want %x", e[4:8], got, seq, ok, err, e[:8])
		}
	}

	// A file a crash left beside the index goes at the next open.
	left := x.fs.PathJoin(dir, loadPrefix+"99")
	f, err := x.fs.Create(left, "")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	x, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.fs.Stat(left); err == nil {
		t.Fatalf("%s is still there", left)
	}
	check(t, x, m, seq)
}

// docsPut counts the versions the model holds.
func (m *model) docsPut() []uint64 {
	var all []uint64
	for _, seqs := range m.versions {
		all = append(all, seqs...)
	}
	return all
}

// TestLoadCrash crashes the file system while a Load adds its tables:
// the index opens on what the crash left, holds a prefix of the entries
// in key order (the tables added before the crash, whole), and none of
// the Load's files are left beside it.
func TestLoadCrash(t *testing.T) {
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	for round := range rounds {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			x, err := Open("idx", Options{FS: fs})
			if err != nil {
				t.Fatal(err)
			}
			x.loadSize = 16 << 10
			r := rand.New(rand.NewPCG(uint64(round), 11))
			const keys = 2000
			crashAt := r.IntN(keys)
			var clone *vfs.MemFS
			type kv struct {
				k   int
				seq uint64
			}
			var order []kv // in key order: keys ascending, seqs descending
			l := x.NewLoad()
			seq := uint64(1)
			for k := range keys {
				if k == crashAt {
					clone = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: r.IntN(101), RNG: r})
				}
				n := 1 + r.IntN(4)
				for i := range n {
					if err := l.PutVersion(7, key(k), seq+uint64(i), Version{Type: 1, Doc: docOf(seq + uint64(i))}); err != nil {
						t.Fatal(err)
					}
				}
				for i := n - 1; i >= 0; i-- {
					order = append(order, kv{k, seq + uint64(i)})
				}
				seq += uint64(n)
			}
			if err := l.Finish(); err != nil {
				t.Fatal(err)
			}
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
			y, err := Open("idx", Options{FS: clone})
			if err != nil {
				t.Fatal(err)
			}
			defer y.Close()
			names, err := clone.List("idx")
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				if strings.HasPrefix(n, loadPrefix) {
					t.Fatalf("%s left after the open", n)
				}
			}
			rd, err := y.NewVersions()
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			i := 0
			for ok := rd.Scan(7); ok; ok = rd.Next() {
				if i >= len(order) || !bytes.Equal(rd.Key(), key(order[i].k)) || rd.Seq() != order[i].seq || !bytes.Equal(rd.Version().Doc, docOf(rd.Seq())) {
					t.Fatalf("entry %d after the crash: key %x seq %d, want key %d seq %d", i, rd.Key(), rd.Seq(), order[i].k, order[i].seq)
				}
				i++
			}
			if rd.Err() != nil {
				t.Fatal(rd.Err())
			}
			t.Logf("crash before key %d: %d of %d entries kept", crashAt, i, len(order))
		})
	}
}

// TestSorterOrder: a sorter gives its entries in the order of their keys'
// bytes, stable for equal keys, whatever bytes the keys share: keys of
// one prefix and of several, keys that are prefixes of others, keys that
// differ only past their first 8 bytes, zeros and 0xff bytes.
func TestSorterOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{0, 1, 0x7f, 0xfe, 0xff}
	gen := func(prefixes [][]byte) []byte {
		k := bytes.Clone(prefixes[r.IntN(len(prefixes))])
		for range r.IntN(12) {
			k = append(k, alphabet[r.IntN(len(alphabet))])
		}
		return k
	}
	for round := range 200 {
		prefixes := [][]byte{{'i', 0, 0, 0, 7, 5, 'e', 'm', 'a', 'i', 'l'}}
		if round%2 == 1 {
			prefixes = append(prefixes, []byte{'j', 0, 0, 0, 7, 5, 'e', 'm', 'a', 'i', 'l'}, []byte{'i', 0, 0, 0, 7, 1, 'n'}, []byte{'i'})
		}
		var s sorter
		type kv struct{ k, v []byte }
		var want []kv
		for i := range 1 + r.IntN(300) {
			k := gen(prefixes)
			v := fmt.Appendf(nil, "%d", i)
			s.add(k, v)
			want = append(want, kv{k, v})
		}
		unique := round%4 < 2
		if unique {
			seen := map[string]bool{}
			want = slices.DeleteFunc(want, func(e kv) bool {
				dup := seen[string(e.k)]
				seen[string(e.k)] = true
				return dup
			})
			s = sorter{}
			for _, e := range want {
				s.add(e.k, e.v)
			}
		}
		slices.SortStableFunc(want, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
		i := 0
		s.each(func(k, v []byte) {
			if i >= len(want) || !bytes.Equal(k, want[i].k) || !bytes.Equal(v, want[i].v) {
				t.Fatalf("round %d (unique %v): entry %d is %x=%s, want %x=%s", round, unique, i, k, v, want[i].k, want[i].v)
			}
			i++
		}, unique)
		if i != len(want) {
			t.Fatalf("round %d: %d entries, want %d", round, i, len(want))
		}
	}
}
