package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/driftdb/driftdb/store"
)

// logDocCase is a table whose rows were inserted, patched, and in part
// deleted and inserted again, with every row's document at every seq
// recorded, for the tests of documents read from the log.
type logDocCase struct {
	t    *testing.T
	dir  string
	opts Options
	db   *DB
	name string
	// docs[k] is key k's document after each of its events, oldest first.
	docs map[int64][]chainDoc
}

func newLogDocCase(t *testing.T) *logDocCase {
	c := &logDocCase{t: t, dir: t.TempDir(), name: "t", docs: map[int64][]chainDoc{},
		opts: Options{Store: store.Options{NoSync: true, SegmentSize: 4 << 10}, SnapshotEvents: -1, SnapshotBytes: -1}}
	c.db = openDB(t, c.dir, c.opts)
	t.Cleanup(func() { c.db.Close() })
	mustExec(t, c.db.CreateTable(TableSpec{Name: "t", PK: "id", Indexes: []string{"grp"}}))
	ctx := context.Background()
	for round := range 6 {
		for k := range int64(40) {
			var seq uint64
			var err error
			switch {
			case round == 0 || round == 3 && k%5 == 0:
				seq, err = c.db.Insert(ctx, c.name, fmt.Appendf(nil, `{"id": %d, "grp": %d, "round": %d, "pad": "%0120d"}`, k, k%4, round, k))
			case round == 2 && k%5 == 0:
				seq, err = c.db.SoftDelete(ctx, c.name, k)
			default:
				seq, err = c.db.Patch(ctx, c.name, k, fmt.Appendf(nil, `{"round": %d, "grp": %d}`, round, (k+int64(round))%4))
			}
			mustExec(t, err)
			r, ok, err := c.db.View().Get(c.name, k)
			mustExec(t, err)
			var doc []byte
			if ok {
				doc = append([]byte(nil), r.doc...)
			}
			c.docs[k] = append(c.docs[k], chainDoc{seq, doc})
		}
	}
	return c
}

func (c *logDocCase) reopen() {
	c.t.Helper()
	mustExec(c.t, c.db.Close())
	c.db = openDB(c.t, c.dir, c.opts)
}

// check reads every key at every seq from from on, by key and through its
// history, and compares with what the writes made.
func (c *logDocCase) check(from uint64) {
	c.t.Helper()
	for k, docs := range c.docs {
		for i, d := range docs {
			if d.seq < from {
				continue
			}
			v, err := c.db.ViewAt(d.seq)
			mustExec(c.t, err)
			r, ok, err := v.Get(c.name, k)
			mustExec(c.t, err)
			if ok != (d.doc != nil) || ok && string(r.doc) != string(d.doc) {
				c.t.Fatalf("key %d seq %d (event %d): read %q (%v), want %q", k, d.seq, i, r.doc, ok, d.doc)
			}
		}
		// The history ends with the events after from, each with the
		// document it made.
		h, err := c.db.View().History(c.name, k)
		mustExec(c.t, err)
		var after []chainDoc
		for _, d := range docs {
			if d.seq > from {
				after = append(after, d)
			}
		}
		if len(h) < len(after) {
			c.t.Fatalf("key %d: history of %d events, want at least %d", k, len(h), len(after))
		}
		for i, d := range after {
			ev := h[len(h)-len(after)+i]
			var want map[string]any
			if d.doc != nil {
				want, err = decodeDocBytes(d.doc)
				mustExec(c.t, err)
			}
			if ev.Seq != d.seq || !reflect.DeepEqual(ev.Doc, want) {
				c.t.Fatalf("key %d: history event at seq %d has %v, want seq %d with %v", k, ev.Seq, ev.Doc, d.seq, want)
			}
		}
	}
}

// inLog counts the versions of the table whose documents are in the log.
func (c *logDocCase) inLog() int {
	c.db.wmu.Lock()
	defer c.db.wmu.Unlock()
	n := 0
	c.db.work[c.name].rows.Ascend(func(r row) bool {
		for i := range r.versions {
			if r.versions[i].inLog() {
				n++
			}
		}
		return true
	})
	return n
}

// TestDocumentsFromLog reads old INSERT documents back from the log after
// a snapshot and a reopen, after the log's segments are merged, after a
// fold drops the log's older records, and after a rename moves the log.
func TestDocumentsFromLog(t *testing.T) {
	c := newLogDocCase(t)
	if c.inLog() == 0 {
		t.Fatal("no document went to the log in the writer")
	}
	c.check(0)
	_, err := c.db.SnapshotTable(c.name)
	mustExec(t, err)
	c.reopen()
	// 40 first inserts and 8 second ones; each is not its row's newest.
	if n := c.inLog(); n != 48 {
		t.Fatalf("after a reopen, %d documents are in the log, want 48", n)
	}
	c.check(0)
	if problems := c.db.CheckIndexes(); len(problems) > 0 {
		t.Fatal(problems)
	}

	segs := func() int {
		ents, err := os.ReadDir(filepath.Join(c.dir, "tables", c.name, "segments"))
		mustExec(t, err)
		return len(ents)
	}
	before := segs()
	c.db.Close()
	c.opts.Store.SegmentSize = 1 << 20 // merging wants room
	c.db = openDB(t, c.dir, c.opts)
	mustExec(t, c.db.Compact(c.name))
	if after := segs(); after >= before {
		t.Fatalf("merge left %d segments of %d", after, before)
	}
	c.check(0)

	// A fold at a seq where some rows still show their first INSERT: the
	// version kept holds its document again, as its record is dropped.
	mid := c.docs[0][2].seq
	_, err = c.db.CompactBefore(c.name, mid)
	mustExec(t, err)
	c.check(mid)
	c.reopen()
	c.check(mid)

	mustExec(t, c.db.RenameTable(c.name, "u"))
	c.name = "u"
	c.check(mid)
	c.reopen()
	c.check(mid)
}

// TestDocumentFromLogDamaged: a document whose record is damaged after
// the open checked the log fails the read that needs it, with an I/O
// error; reads that do not need it go on.
func TestDocumentFromLogDamaged(t *testing.T) {
	c := newLogDocCase(t)
	_, err := c.db.SnapshotTable(c.name)
	mustExec(t, err)
	c.reopen()
	// Damage the document of key 7's first INSERT in its segment, in
	// place.
	target := c.docs[7][0]
	dir := filepath.Join(c.dir, "tables", c.name, "segments")
	ents, err := os.ReadDir(dir)
	mustExec(t, err)
	damaged := false
	for _, e := range ents {
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		mustExec(t, err)
		if i := bytes.Index(b, target.doc); i >= 0 {
			b[i+len(target.doc)-2] ^= 0x01
			mustExec(t, os.WriteFile(path, b, 0o644))
			damaged = true
			break
		}
	}
	if !damaged {
		t.Fatal("document not found in the segments")
	}
	v, err := c.db.ViewAt(target.seq)
	mustExec(t, err)
	if _, _, err := v.Get(c.name, int64(7)); err == nil {
		t.Fatal("a damaged document read back")
	} else if e := new(Error); !errors.As(err, &e) || e.Code != CodeIOError {
		t.Fatalf("damaged document: %v, want an I/O error", err)
	}
	v8, err := c.db.ViewAt(c.docs[8][0].seq)
	mustExec(t, err)
	if r, ok, err := v8.Get(c.name, int64(8)); err != nil || !ok || string(r.doc) != string(c.docs[8][0].doc) {
		t.Fatalf("key 8 beside the damage: %v %v", ok, err)
	}
	if r, ok, err := c.db.View().Get(c.name, int64(7)); err != nil || !ok || string(r.doc) != string(c.docs[7][len(c.docs[7])-1].doc) {
		t.Fatalf("key 7 now: %v %v", ok, err)
	}
}
