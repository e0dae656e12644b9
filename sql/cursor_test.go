package sql

import (
	"strings"
	"testing"

	"github.com/driftdb/driftdb/sql/types"
)

// TestCursorTags checks the command tags of the cursor statements; the
// expected tags are PostgreSQL 15's for the same statements.
func TestCursorTags(t *testing.T) {
	s := newSession(t)
	run(t, s, "CREATE TABLE tg (id int8 PRIMARY KEY)")
	run(t, s, "INSERT INTO tg SELECT generate_series(1, 5)")
	for _, c := range []struct{ sql, tag string }{
		{"BEGIN", "BEGIN"},
		{"DECLARE c SCROLL CURSOR FOR SELECT id FROM tg ORDER BY id", "DECLARE CURSOR"},
		{"FETCH 2 FROM c", "FETCH 2"},
		{"FETCH ALL FROM c", "FETCH 3"},
		{"FETCH c", "FETCH 0"},
		{"MOVE BACKWARD 2 IN c", "MOVE 2"},
		{"MOVE ABSOLUTE 0 IN c", "MOVE 0"},
		{"MOVE FORWARD ALL IN c", "MOVE 5"},
		{"MOVE BACKWARD ALL IN c", "MOVE 5"},
		{"MOVE 0 IN c", "MOVE 0"},
		{"MOVE NEXT IN c", "MOVE 1"},
		{"MOVE 0 IN c", "MOVE 1"},
		{"MOVE RELATIVE 0 IN c", "MOVE 1"},
		{"MOVE LAST IN c", "MOVE 1"},
		{"MOVE ABSOLUTE 9 IN c", "MOVE 0"},
		{"MOVE PRIOR IN c", "MOVE 1"},
		{"FETCH BACKWARD ALL FROM c", "FETCH 4"},
		{"CLOSE c", "CLOSE CURSOR"},
		{"DECLARE d BINARY CURSOR FOR SELECT id FROM tg ORDER BY id", "DECLARE CURSOR"},
		{"CLOSE ALL", "CLOSE CURSOR ALL"},
		{"COMMIT", "COMMIT"},
	} {
		if got := run(t, s, c.sql).Tag; got != c.tag {
			t.Errorf("%s: tag %q, want %q", c.sql, got, c.tag)
		}
	}
}

// TestCursorStreams checks that a cursor's rows come from the executor
// as they are fetched: a cursor over a series no memory could hold
// answers at once, inside its transaction and, held, after it.
func TestCursorStreams(t *testing.T) {
	s := newSession(t)
	run(t, s, "BEGIN")
	run(t, s, "DECLARE c CURSOR FOR SELECT g FROM generate_series(1, 1000000000000) g")
	run(t, s, "DECLARE h CURSOR WITH HOLD FOR SELECT g * 2 FROM generate_series(1, 1000000000000) g")
	if got := render(run(t, s, "FETCH 2 FROM c")); got != "g\n1\n2" {
		t.Errorf("FETCH 2 FROM c:\n%s", got)
	}
	run(t, s, "MOVE 1000 IN h")
	run(t, s, "COMMIT")
	if got := render(run(t, s, "FETCH 2 FROM h")); got != "?column?\n2002\n2004" {
		t.Errorf("FETCH 2 FROM h:\n%s", got)
	}
	if _, err := s.Exec(ctx, "FETCH c"); err == nil || !strings.Contains(err.Error(), `cursor "c" does not exist`) {
		t.Errorf("FETCH c after COMMIT: %v", err)
	}
	// A FETCH's result streams too.
	sts, err := s.Parse("FETCH FORWARD ALL FROM h")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sts[0].Stream(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		row, err := r.Next(ctx)
		if err != nil || row == nil || row[0] != int64(2006+2*i) {
			t.Fatalf("row %d: %v %v", i, row, err)
		}
	}
	r.Close()
	if r.Tag != "FETCH 3" {
		t.Errorf("tag of a FETCH closed after 3 rows: %q", r.Tag)
	}
	if got := render(run(t, s, "FETCH h")); got != "?column?\n2012" {
		t.Errorf("FETCH h after a FETCH closed early:\n%s", got)
	}
	// Declared with neither SCROLL nor NO SCROLL, it goes back by running
	// its query again, without keeping its rows.
	if got := render(run(t, s, "FETCH PRIOR FROM h")); got != "?column?\n2010" {
		t.Errorf("FETCH PRIOR FROM h:\n%s", got)
	}
	if got := render(run(t, s, "FETCH RELATIVE -1000 FROM h")); got != "?column?\n10" {
		t.Errorf("FETCH RELATIVE -1000 FROM h:\n%s", got)
	}
	if c := s.cursors["h"]; c.buffered || len(c.rows) > 0 {
		t.Errorf("cursor h keeps %d rows", len(c.rows))
	}
}

// TestCursorDescribe checks what the extended protocol sees of cursor
// statements: DECLARE's parameters are its query's, FETCH's columns the
// cursor's, MOVE has none; a BINARY cursor's rows are marked binary.
func TestCursorDescribe(t *testing.T) {
	s := newSession(t)
	run(t, s, "CREATE TABLE d (id int8 PRIMARY KEY, v text)")
	run(t, s, "INSERT INTO d VALUES (1, 'a'), (2, 'b'), (3, 'c')")
	run(t, s, "BEGIN")
	sts, err := s.Parse("DECLARE c BINARY CURSOR FOR SELECT id, v FROM d WHERE id >= $1 ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	params, cols, err := sts[0].Describe(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(params) != 1 || params[0] != types.Int8 || cols != nil {
		t.Fatalf("DECLARE describes as %v, %v", params, cols)
	}
	if _, err := sts[0].Execute(ctx, []types.Datum{"2"}); err != nil {
		t.Fatal(err)
	}
	for sql, want := range map[string]string{"FETCH ALL FROM c": "id,v", "MOVE c": "", "FETCH nope": ""} {
		sts, err := s.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		_, cols, err := sts[0].Describe(nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cols {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, ","); got != want {
			t.Errorf("%s describes columns %q, want %q", sql, got, want)
		}
	}
	r := run(t, s, "FETCH ALL FROM c")
	if !r.Binary || render(r) != "id|v\n2|b\n3|c" {
		t.Errorf("FETCH from a BINARY cursor: binary %v\n%s", r.Binary, render(r))
	}
	cs := s.Cursors()
	if len(cs) != 1 || cs[0].Name != "c" || !cs[0].Binary || cs[0].Holdable || !cs[0].Scrollable ||
		!strings.HasPrefix(cs[0].Statement, "DECLARE c BINARY CURSOR") {
		t.Errorf("Cursors: %+v", cs)
	}
	run(t, s, "ROLLBACK")
	if cs := s.Cursors(); len(cs) != 0 {
		t.Errorf("Cursors after ROLLBACK: %+v", cs)
	}
}

// TestStreamBeforeWrite checks that a query result still streaming (a
// suspended portal) does not see the writes its transaction makes
// before its last row is pulled, as in PostgreSQL; its rows are read
// ahead at the write.
func TestStreamBeforeWrite(t *testing.T) {
	s := newSession(t)
	run(t, s, "CREATE TABLE p (id int8 PRIMARY KEY, v text)")
	run(t, s, "INSERT INTO p SELECT g, 'old' FROM generate_series(1, 5) g")
	run(t, s, "BEGIN")
	sts, err := s.Parse("SELECT a.id, (SELECT v FROM p b WHERE b.id = a.id) FROM p a")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sts[0].Stream(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	pull := func() bool {
		row, err := r.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if row != nil {
			got = append(got, row[1].(string))
		}
		return row != nil
	}
	pull()
	run(t, s, "UPDATE p SET v = 'new'")
	run(t, s, "INSERT INTO p VALUES (6, 'inserted')")
	for pull() {
	}
	if strings.Join(got, ",") != "old,old,old,old,old" || r.Tag != "SELECT 5" {
		t.Errorf("rows %v, tag %q", got, r.Tag)
	}
	if got := render(run(t, s, "SELECT count(*) FROM p WHERE v = 'new'")); got != "count\n5" {
		t.Errorf("after the write:\n%s", got)
	}
}
