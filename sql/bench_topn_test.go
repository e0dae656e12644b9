package sql

import "testing"

// BenchmarkTopN is BenchmarkAnalytic's top-N over the users table as
// bench/pgrace loads it, amount = id*7 % 100000: amounts that come in no
// order as the table is read in key order, so that a top-N's worst row
// soon keeps most rows out. BenchmarkAnalytic's amounts rise with the
// key, the worst case of a descending top-N (every row enters it).
func BenchmarkTopN(b *testing.B) {
	s := benchUsersWith(b, 100000, func(id int) int { return id * 7 % 100000 })
	for _, q := range []struct{ name, sql string }{
		{"desc", "SELECT id, email, amount FROM users ORDER BY amount DESC, id LIMIT 10"},
		{"asc", "SELECT id, email, amount FROM users ORDER BY amount, id LIMIT 10"},
		{"offset", "SELECT id, email, amount FROM users ORDER BY amount DESC, id LIMIT 10 OFFSET 100"},
	} {
		b.Run(q.name, func(b *testing.B) { benchPrepared(b, s, q.sql, 10) })
	}
}
