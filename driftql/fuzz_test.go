package driftql

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: the parser never panics or hangs, errors have a place inside
// the text, and every document it accepts has valid JSON text.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.driftql")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		for _, stmt := range strings.Split(string(b), ";") {
			f.Add(stmt)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		stmts, err := Parse(src)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if e.Position < 1 || e.Offset > len(src) {
				t.Fatalf("error outside the text: %+v", e)
			}
			return
		}
		for _, s := range stmts {
			if s.Insert != nil && s.Insert.Doc != nil && !json.Valid([]byte(s.Insert.Doc.Text())) {
				t.Fatalf("document text is not JSON: %s", s.Insert.Doc.Text())
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for name, src := range map[string]string{
		"point_select": `SELECT id, email, status, amount FROM users WHERE id = $1`,
		"insert_doc":   `INSERT INTO users {"id": 42, "email": "a@example.com", "status": "active", "amount": 100}`,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
