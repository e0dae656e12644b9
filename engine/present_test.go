package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// TestPresentFile: a whole snapshot that leaves the rows' newest
// documents to the version index writes a present file, and a scan
// reads from it the documents of the rows not written since, the others
// from the rows and the index, every one as it is; after a reopen the
// table reads the file again; a damaged file, or none, changes no row a
// scan reads.
func TestPresentFile(t *testing.T) {
	dir := t.TempDir()
	const rows = 5000
	db, opts, seq := presentTable(t, dir, rows)
	want := map[int64]int64{}
	for i := range int64(rows) {
		want[i] = i + 1
	}
	tdir := db.st.StreamDir("t")
	if seqs, _ := presentFiles(db.st.FS(), tdir); len(seqs) != 1 || seqs[0] != seq {
		t.Fatalf("present files after a whole snapshot at %d: %v", seq, seqs)
	}
	// scan reads every row through a cursor, checks it, and returns how
	// many documents came from the present file.
	scan := func(what string) int64 {
		t.Helper()
		before := presentReads.Load()
		c, err := db.View().Cursor("t")
		mustExec(t, err)
		n := 0
		for {
			r, err := c.Next(context.Background())
			mustExec(t, err)
			if r == nil {
				break
			}
			d, err := r.Doc()
			mustExec(t, err)
			id := r.Key.Int
			if d["n"] != want[id] || d["s"] != fmt.Sprint("row ", id) {
				t.Fatalf("%s: row %d reads %v, want n %d", what, id, d, want[id])
			}
			n++
		}
		if n != rows {
			t.Fatalf("%s: %d rows, want %d", what, n, rows)
		}
		return presentReads.Load() - before
	}
	scanFrom := func(what string, fromFile int64) {
		t.Helper()
		if got := scan(what); got != fromFile {
			t.Fatalf("%s: %d documents read from the present file, want %d", what, got, fromFile)
		}
	}
	scanFrom("after the snapshot", rows)
	// In descending order each block is read once for all its rows (and
	// once more where a chunk of the cursor starts in it).
	blocks := db.work["t"].log.present.Load().blocks
	before, reads := presentReads.Load(), presentBlockReads.Load()
	c, err := db.View().Cursor("t")
	mustExec(t, err)
	mustExec(t, c.Reverse())
	for id := int64(rows - 1); ; id-- {
		r, err := c.Next(context.Background())
		mustExec(t, err)
		if r == nil {
			if id != -1 {
				t.Fatalf("a descending scan ended before row %d", id)
			}
			break
		}
		d, err := r.Doc()
		mustExec(t, err)
		if r.Key.Int != id || d["n"] != want[id] {
			t.Fatalf("a descending scan read row %d as %v, want row %d", r.Key.Int, d, id)
		}
	}
	most := int64(len(blocks))
	for n, chunk := 0, cursorFirstChunk; n < rows; n, chunk = n+chunk, min(2*chunk, cursorChunk) {
		most++
	}
	if got, reads := presentReads.Load()-before, presentBlockReads.Load()-reads; got != rows || reads > most {
		t.Fatalf("a descending scan: %d documents from the present file in %d reads, want %d in at most %d", got, reads, rows, most)
	}
	// A read by key takes its row's block of the file.
	before = presentReads.Load()
	for _, id := range []int64{0, 1, 2, rows / 2, rows - 1} {
		r, ok, err := db.View().Get("t", id)
		mustExec(t, err)
		d, err := r.Doc()
		mustExec(t, err)
		if !ok || d["n"] != want[id] {
			t.Fatalf("row %d by key: %v %v", id, ok, d)
		}
	}
	if gets := presentReads.Load() - before; gets != 5 {
		t.Fatalf("%d reads by key from the present file, want 5", gets)
	}
	for i := int64(0); i < rows; i += 50 {
		_, err := db.Patch(ctx, "t", i, []byte(`{"n": -1}`))
		mustExec(t, err)
		want[i] = -1
	}
	scanFrom("after patches of 100 rows", rows-rows/50)
	mustExec(t, db.Close())

	db = openDB(t, dir, opts)
	scanFrom("after a reopen", rows-rows/50)
	mustExec(t, db.Close())

	// A record damaged: the scan reads around it, from the index.
	path := presentPath(tdir, seq)
	b, err := os.ReadFile(path)
	mustExec(t, err)
	b[len(b)/2] ^= 0xff
	mustExec(t, os.WriteFile(path, b, 0o644))
	db = openDB(t, dir, opts)
	if got := scan("with a damaged present file"); got >= rows-rows/50 || db.work["t"].log.present.Load() != nil {
		t.Fatalf("with a damaged present file: %d documents from it; the file still read: %v", got, db.work["t"].log.present.Load() != nil)
	}
	mustExec(t, db.Close())

	// None: the scan reads every document from the index.
	mustExec(t, os.Remove(path))
	db = openDB(t, dir, opts)
	scanFrom("without a present file", 0)
	// A whole snapshot writes one again, and removes what it replaces.
	mustExec(t, os.WriteFile(filepath.Join(tdir, presentPrefix+"7.tmp"), []byte("x"), 0o644))
	_, err = db.Patch(ctx, "t", int64(1), []byte(`{"n": 5}`))
	mustExec(t, err)
	want[1] = 5
	_, err = db.snapshotLocked("t", true)
	mustExec(t, err)
	if seqs, tmps := presentFiles(db.st.FS(), tdir); len(seqs) != 1 || len(tmps) != 0 || seqs[0] == 0 {
		t.Fatalf("after another whole snapshot: present files %v, unfinished %v", seqs, tmps)
	}
	scanFrom("after another whole snapshot", rows)
	mustExec(t, db.Close())
}

// TestPresentInserts: rows never written since their INSERT keep its
// document in the log once a whole snapshot trims them; a scan, and a
// CREATE INDEX, read them from the present file, not a record of the log
// each; without the
// file, from the log with a reader of its own that reads on from one
// record to the next (store.LogReader), not each by itself.
func TestPresentInserts(t *testing.T) {
	const rows = 2000
	dir, opts := t.TempDir(), presentOptions()
	db := openDB(t, dir, opts)
	defer func() { db.Close() }()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	for i := range int64(rows) {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "s": "row %d"}`, i, i))
		mustExec(t, err)
	}
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	inLog := 0
	db.work["t"].rows.Ascend(func(r row) bool {
		if r.newest().inLog() {
			inLog++
		}
		return true
	})
	if inLog != rows {
		t.Fatalf("%d rows read their INSERT from the log after the snapshot, want %d", inLog, rows)
	}
	// scan reads every row, checks it, and returns how many documents
	// came from the present file and from the log's reader.
	scan := func() (fromFile, fromLog int64) {
		t.Helper()
		before, logged := presentReads.Load(), logReads.Load()
		c, err := db.View().Cursor("t")
		mustExec(t, err)
		defer c.Close()
		out := make([]any, 1)
		for i := 0; ; i++ {
			r, err := c.Next(context.Background())
			mustExec(t, err)
			if r == nil {
				if i != rows {
					t.Fatalf("%d rows, want %d", i, rows)
				}
				break
			}
			mustExec(t, r.Fields([]string{"s"}, out, nil))
			if out[0] != fmt.Sprint("row ", i) {
				t.Fatalf("row %d reads %v", i, out[0])
			}
		}
		return presentReads.Load() - before, logReads.Load() - logged
	}
	if got, _ := scan(); got != rows {
		t.Fatalf("%d documents read from the present file, want %d", got, rows)
	}
	// An index made on them reads them from the file in key order too,
	// not a record of the log each.
	before := presentReads.Load()
	mustExec(t, db.CreateIndex("t", "s"))
	if got := presentReads.Load() - before; got != rows {
		t.Fatalf("CREATE INDEX read %d documents from the present file, want %d", got, rows)
	}
	var found []Key
	mustExec(t, db.View().IndexLookup("t", "s", OpEq, "row 1234", func(r *Row) bool {
		found = append(found, r.Key)
		return true
	}))
	if len(found) != 1 || found[0].Int != 1234 {
		t.Fatalf("the new index finds %v for row 1234", found)
	}
	mustExec(t, db.Close())
	tdir := db.st.StreamDir("t")
	seqs, _ := presentFiles(db.st.FS(), tdir)
	for _, seq := range seqs {
		mustExec(t, os.Remove(presentPath(tdir, seq)))
	}
	db = openDB(t, dir, opts)
	if fromFile, fromLog := scan(); fromFile != 0 || fromLog != rows {
		t.Fatalf("without a present file: %d documents read from it and %d from the log, want 0 and %d", fromFile, fromLog, rows)
	}
}

// TestCursorNoDocuments: a cursor whose caller reads no documents gives
// the live rows at its view, each with the seq and time of its version,
// without reading the present file, and now without any document; a
// view from before the deletions has their rows again.
func TestCursorNoDocuments(t *testing.T) {
	const rows = 3000
	db, _, _ := presentTable(t, t.TempDir(), rows)
	defer db.Close()
	before := db.Seq()
	for i := int64(0); i < rows; i += 5 {
		_, err := db.SoftDelete(ctx, "t", i)
		mustExec(t, err)
	}
	for i := int64(1); i < rows; i += 5 { // newer than the snapshot, in the index
		_, err := db.Patch(ctx, "t", i, []byte(`{"n": 0}`))
		mustExec(t, err)
	}
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	type seen struct {
		key    Key
		seq    uint64
		unixMs int64
		hasDoc bool
	}
	// read returns the cursor's rows and how many documents it read from
	// the present file.
	read := func(v *View, noDocs bool) ([]seen, int64) {
		t.Helper()
		c, err := v.Cursor("t")
		mustExec(t, err)
		defer c.Close()
		if noDocs {
			c.NoDocuments()
		}
		reads := presentReads.Load()
		var out []seen
		for {
			r, err := c.Next(context.Background())
			mustExec(t, err)
			if r == nil {
				break
			}
			_, err = r.Doc()
			out = append(out, seen{key: r.Key, seq: r.Seq, unixMs: r.UnixMs, hasDoc: err == nil})
		}
		return out, presentReads.Load() - reads
	}
	old, err := db.ViewAt(before)
	mustExec(t, err)
	for _, v := range []struct {
		name string
		view *View
		live int
	}{{"now", db.View(), rows - rows/5}, {"before the deletions", old, rows}} {
		want, docs := read(v.view, false)
		got, noDocs := read(v.view, true)
		if len(got) != v.live || len(want) != v.live {
			t.Fatalf("%s: %d rows without documents, %d with, want %d", v.name, len(got), len(want), v.live)
		}
		for i := range got {
			// A row's version inside a gap is read from the index, with
			// its document; the rows' newest versions are not.
			g, w := got[i], want[i]
			if v.live != rows && g.hasDoc || !w.hasDoc || g.key != w.key || g.seq != w.seq || g.unixMs != w.unixMs {
				t.Fatalf("%s: row %d read without its document as %+v, with it as %+v", v.name, i, g, w)
			}
		}
		if docs == 0 || noDocs != 0 {
			t.Fatalf("%s: %d documents read from the present file with them, %d without (want some, none)", v.name, docs, noDocs)
		}
	}
}

// TestScanValuesOutliveChunk: the documents a scan reads from the
// present file or the version index are copies its next chunk writes
// over; the strings a row's fields give stay as they were after the scan
// has read on (a sort or an aggregate keeps them), for every row and for
// the rows a condition keeps.
func TestScanValuesOutliveChunk(t *testing.T) {
	const rows = 3000
	db, _, _ := presentTable(t, t.TempDir(), rows)
	defer db.Close()
	for i := int64(0); i < rows; i += 7 { // these from the index, not the file
		_, err := db.Patch(ctx, "t", i, fmt.Appendf(nil, `{"s": "moved %d"}`, i))
		mustExec(t, err)
	}
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	// Every row, and the rows a condition keeps (n = id+1 > from).
	for _, from := range []int64{0, 1000} {
		c, err := db.View().Cursor("t")
		mustExec(t, err)
		if from > 0 {
			mustExec(t, c.Where(Pred{Field: "n", Op: OpGt, Value: from}))
		}
		var kept []any
		out := make([]any, 1)
		for {
			r, err := c.Next(context.Background())
			mustExec(t, err)
			if r == nil {
				break
			}
			mustExec(t, r.Fields([]string{"s"}, out, nil))
			kept = append(kept, out[0])
		}
		c.Close()
		if len(kept) != rows-int(from) {
			t.Fatalf("n > %d: %d rows, want %d", from, len(kept), rows-int(from))
		}
		for j, v := range kept {
			i := j + int(from)
			want := fmt.Sprint("row ", i)
			if i%7 == 0 {
				want = fmt.Sprint("moved ", i)
			}
			if v != want {
				t.Fatalf("n > %d: row %d's s read %q after the scan, want %q", from, i, v, want)
			}
		}
	}
}

// TestPresentFormat writes a present file of keys of both kinds and
// documents from a few bytes to more than a block, and reads every
// record back: in key order, backwards (each read seeks), and by keys
// it does not have or at seqs it does not have; a file whose marks, or
// whose end, were damaged does not open; a damaged block fails the read
// of its records only.
func TestPresentFormat(t *testing.T) {
	fsys := vfs.OS()
	dir := t.TempDir()
	pw, err := newPresentWriter(fsys, dir, 42)
	mustExec(t, err)
	type rec struct {
		k   Key
		seq uint64
		doc []byte
	}
	var recs []rec
	for i := range 3000 {
		k := Key{Int: int64(i*2 - 1000), IsInt: true}
		doc := bytes.Repeat([]byte{byte(i)}, 1+i%97)
		if i%700 == 5 {
			doc = bytes.Repeat([]byte{'b'}, presentBlock+1000) // a block of its own
		}
		recs = append(recs, rec{k, uint64(1000 + i), doc})
	}
	for i := range 500 {
		recs = append(recs, rec{Key{Str: fmt.Sprintf("k%04d", i)}, uint64(5000 + i), []byte(fmt.Sprint("s", i))})
	}
	for _, r := range recs {
		pw.add(r.k, r.seq, r.doc)
	}
	mustExec(t, pw.finish())
	path := presentPath(dir, 42)
	pf, err := openPresent(fsys, path)
	mustExec(t, err)
	if pf.seq != 42 || len(pf.blocks) < 3 {
		t.Fatalf("seq %d, %d blocks", pf.seq, len(pf.blocks))
	}
	read := func(pr *presentReader, r rec) {
		t.Helper()
		doc, ok, err := pr.find(pf, appendOrderedKey(nil, r.k), r.seq)
		if err != nil || !ok || !bytes.Equal(doc, r.doc) {
			t.Fatalf("record %v at %d: %d bytes, %v, %v; want %d bytes", r.k, r.seq, len(doc), ok, err, len(r.doc))
		}
	}
	var pr presentReader
	for _, r := range recs {
		read(&pr, r)
	}
	// A read of one row: a reader of its own, from the row's block.
	get := func(k []byte, seq uint64) ([]byte, bool, error) {
		var one presentReader
		defer one.release()
		doc, ok, err := one.find(pf, k, seq)
		return bytes.Clone(doc), ok, err
	}
	for i, r := range recs {
		k := appendOrderedKey(nil, r.k)
		if doc, ok, err := get(k, r.seq); err != nil || !ok || !bytes.Equal(doc, r.doc) {
			t.Fatalf("record %v by key: %d bytes, %v, %v", r.k, len(doc), ok, err)
		}
		if _, ok, err := get(k, r.seq+1); ok || err != nil {
			t.Fatalf("record %v by key at a seq it does not have: %v, %v", r.k, ok, err)
		}
		if i%2 == 1 {
			continue
		}
		absent := appendOrderedKey(nil, Key{Int: r.k.Int + 1, IsInt: r.k.IsInt, Str: r.k.Str + "x"})
		if _, ok, err := get(absent, r.seq); ok || err != nil {
			t.Fatalf("a key after %v by key: %v, %v", r.k, ok, err)
		}
	}
	for i := len(recs) - 1; i >= 0; i -= 7 {
		read(&pr, recs[i])
	}
	pr = presentReader{}
	for i, r := range recs {
		if i%2 == 0 {
			continue
		}
		if _, ok, err := pr.find(pf, appendOrderedKey(nil, r.k), r.seq+1); ok || err != nil {
			t.Fatalf("record %v at a seq it does not have: %v, %v", r.k, ok, err)
		}
		if _, ok, err := pr.find(pf, appendOrderedKey(nil, Key{Int: r.k.Int + 1, IsInt: r.k.IsInt, Str: r.k.Str + "x"}), r.seq); ok || err != nil {
			t.Fatalf("a key after %v it does not have: %v, %v", r.k, ok, err)
		}
	}
	// A reader told that the keys it is asked for ascend reads on from
	// the record it found without comparing the two: the same answers
	// for keys asked at a seq the file does not have, keys passed over,
	// and keys it does not have, each followed by the next record.
	asc := presentReader{ascend: true}
	for i, r := range recs {
		k := appendOrderedKey(nil, r.k)
		switch i % 4 {
		case 0:
			read(&asc, r)
		case 1:
			if _, ok, err := asc.find(pf, k, r.seq+1); ok || err != nil {
				t.Fatalf("ascending: record %v at a seq it does not have: %v, %v", r.k, ok, err)
			}
		case 3:
			read(&asc, r)
			if _, ok, err := asc.find(pf, appendOrderedKey(nil, Key{Int: r.k.Int + 1, IsInt: r.k.IsInt, Str: r.k.Str + "x"}), r.seq); ok || err != nil {
				t.Fatalf("ascending: a key after %v it does not have: %v, %v", r.k, ok, err)
			}
		}
	}
	asc.release()
	if !asc.ascend || asc.hit {
		t.Fatalf("a released reader: ascend %v, hit %v", asc.ascend, asc.hit)
	}

	b, err := os.ReadFile(path)
	mustExec(t, err)
	for name, damage := range map[string]func([]byte) []byte{
		"a mark":    func(b []byte) []byte { b[len(b)-presentTrailer-3] ^= 1; return b },
		"the end":   func(b []byte) []byte { return b[:len(b)-5] },
		"the magic": func(b []byte) []byte { b[0] = 'X'; return b },
	} {
		mustExec(t, os.WriteFile(path, damage(bytes.Clone(b)), 0o644))
		if _, err := openPresent(fsys, path); !errors.Is(err, errPresentDamaged) {
			t.Fatalf("a present file with %s damaged opens: %v", name, err)
		}
	}
	d := bytes.Clone(b)
	d[pf.blocks[1].off+20] ^= 1
	mustExec(t, os.WriteFile(path, d, 0o644))
	pf, err = openPresent(fsys, path)
	mustExec(t, err)
	pr = presentReader{}
	for _, r := range recs {
		doc, ok, err := pr.find(pf, appendOrderedKey(nil, r.k), r.seq)
		if err != nil {
			break
		}
		if !ok || !bytes.Equal(doc, r.doc) {
			t.Fatalf("record %v before the damaged block: %v", r.k, ok)
		}
		if bytes.Compare(appendOrderedKey(nil, r.k), pf.blocks[1].key) >= 0 {
			t.Fatalf("record %v of the damaged block read without an error", r.k)
		}
	}
}

// TestCheckPresentFiles: verify finds nothing wrong with a present file
// as written, reports one whose block does not check as unusable, and one
// that holds a document its row does not have at that seq as wrong; and
// such a file is what reads by key and scans answer with, which is why
// it is damage.
func TestCheckPresentFiles(t *testing.T) {
	dir := t.TempDir()
	db, opts, seq := presentTable(t, dir, 3000)
	defer func() { db.Close() }()
	if u, w := db.CheckPresentFiles(); len(u)+len(w) != 0 {
		t.Fatalf("a present file as written: %v %v", u, w)
	}
	tdir := db.st.StreamDir("t")
	path := presentPath(tdir, seq)
	good, err := os.ReadFile(path)
	mustExec(t, err)

	b := bytes.Clone(good)
	b[presentHeader+100] ^= 1
	mustExec(t, os.WriteFile(path, b, 0o644))
	if u, w := db.CheckPresentFiles(); len(u) != 1 || len(w) != 0 {
		t.Fatalf("a damaged block: unusable %v, wrong %v", u, w)
	}

	// Row 7's record with row 8's document: well formed, and wrong.
	pw, err := newPresentWriter(db.st.FS(), tdir, seq)
	mustExec(t, err)
	v := db.View()
	for i := range int64(3000) {
		r, _, err := v.Get("t", i)
		mustExec(t, err)
		src := i
		if i == 7 {
			src = 8
		}
		s, _, err := v.Get("t", src)
		mustExec(t, err)
		pw.add(Key{Int: i, IsInt: true}, r.Seq, s.doc)
	}
	mustExec(t, pw.finish())
	if u, w := db.CheckPresentFiles(); len(u) != 0 || len(w) != 1 || !strings.Contains(w[0], "row 7") {
		t.Fatalf("a wrong document: unusable %v, wrong %v", u, w)
	}

	// The file is what answers: opened again, the table reads row 7 as
	// the file has it, by key and in a scan.
	mustExec(t, db.Close())
	db = openDB(t, dir, opts)
	r, _, err := db.View().Get("t", int64(7))
	mustExec(t, err)
	d, err := r.Doc()
	mustExec(t, err)
	if d["id"] != int64(8) {
		t.Fatalf("row 7 by key reads %v, want the file's (row 8's) document", d)
	}
	c, err := db.View().Cursor("t")
	mustExec(t, err)
	for {
		r, err := c.Next(context.Background())
		mustExec(t, err)
		if r == nil {
			t.Fatal("a scan did not reach row 7")
		}
		if r.Key.Int == 7 {
			if d, err := r.Doc(); err != nil || d["id"] != int64(8) {
				t.Fatalf("row 7 in a scan reads %v, %v; want the file's (row 8's) document", d, err)
			}
			break
		}
	}
}

// presentOptions are the options of a database that leaves the rows'
// newest documents to the version index, keeps no document cache and
// takes snapshots only when asked.
func presentOptions() Options {
	return Options{Store: store.Options{NoSync: true}, VersionIndex: true, NewestInIndex: true,
		SnapshotEvents: -1, SnapshotBytes: -1, CacheSize: -1}
}

// presentTable opens a database in dir that leaves the rows' newest
// documents to the version index and keeps no document cache, makes
// table t of rows rows (id, n = id+1 after a patch, s), and takes a whole
// snapshot of it: the snapshot's seq, when its present file is written.
func presentTable(t *testing.T, dir string, rows int) (*DB, Options, uint64) {
	t.Helper()
	opts := presentOptions()
	db := openDB(t, dir, opts)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	for i := range int64(rows) {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "n": 0, "s": "row %d"}`, i, i))
		mustExec(t, err)
		_, err = db.Patch(ctx, "t", i, fmt.Appendf(nil, `{"n": %d}`, i+1))
		mustExec(t, err)
	}
	seq, err := db.SnapshotTable("t")
	mustExec(t, err)
	return db, opts, seq
}

// TestIndexCursorNoDocuments: an equality cursor whose caller reads no
// documents gives the rows with the value at its view, each with the seq
// and time of its version, the same rows as when it reads them: rows
// whose value changed since their entry, changed back, changed in
// another field only, or deleted, before and after a snapshot, at the
// present and at a view from before the changes. A row whose version at
// the view made its entry comes without its document.
func TestIndexCursorNoDocuments(t *testing.T) {
	const rows = 1400
	db := openDB(t, t.TempDir(), presentOptions())
	defer db.Close()
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id"}))
	mustExec(t, db.CreateIndex("t", "g"))
	parity := func(i int64) string { return []string{"even", "odd"}[i%2] }
	for i := range int64(rows) {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "g": %q, "n": 0}`, i, parity(i)))
		mustExec(t, err)
	}
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	before := db.Seq()
	want := map[string]map[int64]bool{"even": {}, "odd": {}}
	for i := range int64(rows) {
		g := parity(i)
		var err error
		switch i % 7 {
		case 0: // the value changes
			g = parity(i + 1)
			_, err = db.Patch(ctx, "t", i, fmt.Appendf(nil, `{"g": %q}`, g))
		case 1: // another field changes
			_, err = db.Patch(ctx, "t", i, []byte(`{"n": 1}`))
		case 2:
			_, err = db.SoftDelete(ctx, "t", i)
			g = ""
		case 3: // the value changes and comes back
			_, err = db.Patch(ctx, "t", i, fmt.Appendf(nil, `{"g": %q}`, parity(i+1)))
			mustExec(t, err)
			_, err = db.Patch(ctx, "t", i, fmt.Appendf(nil, `{"g": %q}`, g))
		}
		mustExec(t, err)
		if g != "" {
			want[g][i] = true
		}
		if i == rows/2 {
			_, err = db.SnapshotTable("t") // half the changes before it, half after
			mustExec(t, err)
		}
	}
	type seen struct {
		key    Key
		seq    uint64
		unixMs int64
	}
	read := func(v *View, value string, noDocs bool) (out []seen, bare int) {
		t.Helper()
		c, err := v.IndexCursor("t", "g", OpEq, value)
		mustExec(t, err)
		defer c.Close()
		if noDocs {
			c.NoDocuments()
		}
		for {
			r, err := c.Next(context.Background())
			mustExec(t, err)
			if r == nil {
				return out, bare
			}
			if _, err := r.Doc(); err != nil {
				bare++
			}
			out = append(out, seen{r.Key, r.Seq, r.UnixMs})
		}
	}
	old, err := db.ViewAt(before)
	mustExec(t, err)
	for _, v := range []struct {
		name string
		view *View
	}{{"now", db.View()}, {"before the changes", old}} {
		for _, value := range []string{"even", "odd"} {
			with, bareWith := read(v.view, value, false)
			without, bare := read(v.view, value, true)
			if !slices.Equal(with, without) {
				t.Fatalf("%s, %s: %d rows without documents, %d with them; they differ", v.name, value, len(without), len(with))
			}
			if bareWith != 0 || bare == 0 {
				t.Fatalf("%s, %s: %d rows without their document when read with them, %d when read without (want none, some)", v.name, value, bareWith, bare)
			}
			n := rows / 2
			if v.name == "now" {
				n = len(want[value])
				for _, s := range with {
					if !want[value][s.key.Value().(int64)] {
						t.Fatalf("now, %s: row %v has another value", value, s.key)
					}
				}
			}
			if len(with) != n {
				t.Fatalf("%s, %s: %d rows, want %d", v.name, value, len(with), n)
			}
		}
	}
}

// TestGetNoDocument: a read by key that reads none of the row's fields
// finds the rows Get finds, with the same seq and time, and no others:
// rows whose newest documents were left to the index (a present file),
// rows updated and deleted since, keys never written, at the present and
// at a view from before the changes, and a transaction's own writes.
func TestGetNoDocument(t *testing.T) {
	const rows = 1200
	db, _, snap := presentTable(t, t.TempDir(), rows)
	defer db.Close()
	for i := int64(0); i < rows; i += 5 {
		_, err := db.Patch(ctx, "t", i, fmt.Appendf(nil, `{"s": "moved %d"}`, i))
		mustExec(t, err)
	}
	tx := db.Begin()
	for i := int64(2); i < rows; i += 9 {
		mustExec(t, tx.SoftDelete("t", i))
	}
	_, err := tx.Commit(ctx)
	mustExec(t, err)
	tx = db.Begin()
	defer tx.Rollback()
	mustExec(t, tx.SoftDelete("t", int64(3)))
	_, err = tx.Insert("t", []byte(`{"id": 5000, "n": 1}`))
	mustExec(t, err)
	past, err := db.ViewAt(snap)
	mustExec(t, err)
	for name, v := range map[string]*View{"present": db.View(), "past": past, "transaction": tx.View()} {
		found := 0
		for k := int64(-1); k <= rows+5; k++ {
			for _, key := range []int64{k, 5000} {
				want, wok, err := v.Get("t", key)
				mustExec(t, err)
				got, gok, err := v.GetNoDocument("t", key)
				mustExec(t, err)
				if gok != wok || gok && (got.Key != want.Key || got.Seq != want.Seq || got.UnixMs != want.UnixMs) {
					t.Fatalf("%s, key %d: %v %d %d, want %v %d %d", name, key, gok, got.Seq, got.UnixMs, wok, want.Seq, want.UnixMs)
				}
				if gok {
					found++
				}
			}
		}
		if found < rows*3/4 {
			t.Fatalf("%s: %d rows found", name, found)
		}
	}
}

// TestIndexFilesOneMissing: an index whose file is missing is built from
// the rows at the next open; the
// indexes whose files are there are read from them, not built again, and
// every index finds its rows.
func TestIndexFilesOneMissing(t *testing.T) {
	dir := t.TempDir()
	opts := presentOptions()
	db := openDB(t, dir, opts)
	mustExec(t, db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"g"}}))
	for i := range int64(3000) {
		_, err := db.Insert(ctx, "t", fmt.Appendf(nil, `{"id": %d, "g": %d, "s": "row %d"}`, i, i%7, i))
		mustExec(t, err)
	}
	_, err := db.SnapshotTable("t")
	mustExec(t, err)
	if trim := db.work["t"].indexes["g"].trim; trim == 0 {
		t.Fatal("the snapshot did not trim the index: the test needs a file of a trimmed tree")
	}
	// A row written since the snapshot, then an index made in the version
	// index (the table is spilled) with no file: automatic snapshots are
	// off.
	_, err = db.Insert(ctx, "t", []byte(`{"id": 3000, "g": 4, "s": "row 3000"}`))
	mustExec(t, err)
	made := db.Seq()
	mustExec(t, db.CreateIndex("t", "s"))
	mustExec(t, db.Close())
	if _, err := os.Stat(idxPath(filepath.Join(dir, "tables", "t"), "s")); !os.IsNotExist(err) {
		t.Fatalf("a file for the new index, with automatic snapshots off: %v", err)
	}

	db = openDB(t, dir, opts)
	defer db.Close()
	ts := db.work["t"]
	if ts.indexes["g"].trim == 0 {
		t.Fatal("the index whose file is there was built again from the rows")
	}
	// The index made since the snapshot is taken from the version index,
	// which holds its entries and current entries as the statement made
	// them: its tree is lean, trimmed at the snapshot, and holds the entry
	// of the row written since, from the log.
	if s := ts.indexes["s"]; !s.lean || s.trim != ts.lastSnap || s.Len() != 1 {
		t.Fatalf("the index made since the snapshot: lean %v, trim %d (the snapshot %d), %d entries", s.lean, s.trim, ts.lastSnap, s.Len())
	}
	if n, m := currentEntries(t, db, "t", "s"); n != 3001 || m != made {
		t.Fatalf("%d current entries of s at seq %d, want the statement's 3001 at %d", n, m, made)
	}
	for _, c := range []struct {
		field string
		val   any
		want  int
	}{{"g", int64(3), 429}, {"s", "row 2999", 1}, {"s", "row 3000", 1}, {"g", int64(4), 429}} {
		n := 0
		mustExec(t, db.View().IndexLookup("t", c.field, OpEq, c.val, func(*Row) bool { n++; return true }))
		if n != c.want {
			t.Fatalf("%s = %v finds %d rows, want %d", c.field, c.val, n, c.want)
		}
	}
}
