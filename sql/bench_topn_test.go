package sql

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkTopN is BenchmarkAnalytic's top-N over the users table as
// bench/pgrace loads it, amount = id*7 % 100000: amounts that come in no
// order as the table is read in key order, so that a top-N's worst row
// soon keeps most rows out. BenchmarkAnalytic's amounts rise with the
// key, the worst case of a descending top-N (every row enters it).
func BenchmarkTopN(b *testing.B) {
	const users = 100000
	s := benchSession(b)
	simple(b, s, `CREATE TABLE users (id int8 PRIMARY KEY, email text NOT NULL, status text NOT NULL, amount int8 NOT NULL)`)
	simple(b, s, `CREATE INDEX users_status ON users (status)`)
	var q strings.Builder
	for lo := 1; lo <= users; lo += 1000 {
		q.Reset()
		q.WriteString("INSERT INTO users (id, email, status, amount) VALUES ")
		for id := lo; id < lo+1000; id++ {
			if id > lo {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "(%d, 'user%d@example.com', 'status-%d', %d)", id, id, id%(users/10), id*7%100000)
		}
		simple(b, s, q.String())
	}
	for _, q := range []struct{ name, sql string }{
		{"desc", "SELECT id, email, amount FROM users ORDER BY amount DESC, id LIMIT 10"},
		{"asc", "SELECT id, email, amount FROM users ORDER BY amount, id LIMIT 10"},
		{"offset", "SELECT id, email, amount FROM users ORDER BY amount DESC, id LIMIT 10 OFFSET 100"},
	} {
		b.Run(q.name, func(b *testing.B) {
			stmts, err := s.Parse(q.sql)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				res, err := stmts[0].Execute(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Rows) != 10 {
					b.Fatalf("%d rows, want 10", len(res.Rows))
				}
			}
		})
	}
}
