package sql

import (
	"fmt"
	"testing"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/store"
)

// benchSession is a session as the server makes one: a shared statement
// cache and deferred commits, over a database that does not fsync (the
// benchmarks measure the statement path, not the disk).
func benchSession(b *testing.B) *Session {
	b.Helper()
	db, err := engine.Open(b.TempDir(), engine.Options{Store: store.Options{NoSync: true}, SnapshotEvents: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := NewSession(db, Options{Cache: NewStmtCache(64), DeferCommits: true})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// simple runs one simple-protocol query the way the server does: parse
// through the cache, execute, wait for the commit it left.
func simple(b *testing.B, s *Session, sql string) *Result {
	stmts, args, err := s.ParseSimple(sql)
	if err != nil {
		b.Fatal(err)
	}
	var res *Result
	for _, st := range stmts {
		if res, err = st.Execute(ctx, args); err != nil {
			b.Fatal(err)
		}
		if cm := s.TakeCommit(); cm != nil {
			if _, err := cm.Wait(); err != nil {
				b.Fatal(err)
			}
		}
	}
	return res
}

// BenchmarkSimpleQuery is the statement path of bench/'s pgbench scripts
// in the simple protocol: the query text, constants written in, to a
// result (the server then encodes it).
func BenchmarkSimpleQuery(b *testing.B) {
	const users = 100000
	b.Run("insert", func(b *testing.B) {
		s := benchSession(b)
		simple(b, s, `CREATE TABLE orders (id int8 PRIMARY KEY, user_id int8 NOT NULL, status text NOT NULL, amount int8 NOT NULL)`)
		simple(b, s, `CREATE INDEX orders_status ON orders (status)`)
		queries := make([]string, b.N)
		for i := range queries {
			n := i * 7919 % 100000
			queries[i] = fmt.Sprintf("INSERT INTO orders (id, user_id, status, amount) VALUES (%d, %d, 'new', %d);", i+1, n, n)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for _, q := range queries {
			simple(b, s, q)
		}
	})
	reads := func(b *testing.B, query func(i int) string, want int) {
		s := benchUsers(b, users)
		queries := make([]string, 1024)
		for i := range queries {
			queries[i] = query(i * 7919 % users)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if res := simple(b, s, queries[i%len(queries)]); len(res.Rows) != want {
				b.Fatalf("%d rows, want %d", len(res.Rows), want)
			}
		}
	}
	b.Run("point", func(b *testing.B) {
		reads(b, func(i int) string {
			return fmt.Sprintf("SELECT id, email, status, amount FROM users WHERE id = %d;", i+1)
		}, 1)
	})
	b.Run("status", func(b *testing.B) {
		reads(b, func(i int) string {
			return fmt.Sprintf("SELECT id, email, status, amount FROM users WHERE status = 's%d';", i%(users/10))
		}, 10)
	})
}

// BenchmarkPreparedQuery is the same reads through a prepared statement:
// parsed once, executed with a parameter.
func BenchmarkPreparedQuery(b *testing.B) {
	const users = 100000
	reads := func(b *testing.B, sql string, arg func(i int) any, want int) {
		s := benchUsers(b, users)
		stmts, err := s.Parse(sql)
		if err != nil {
			b.Fatal(err)
		}
		args := make([][]any, 1024)
		for i := range args {
			args[i] = []any{arg(i * 7919 % users)}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			res, err := stmts[0].Execute(ctx, args[i%len(args)])
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Rows) != want {
				b.Fatalf("%d rows, want %d", len(res.Rows), want)
			}
		}
	}
	b.Run("point", func(b *testing.B) {
		reads(b, "SELECT id, email, status, amount FROM users WHERE id = $1", func(i int) any { return int64(i + 1) }, 1)
	})
	b.Run("status", func(b *testing.B) {
		reads(b, "SELECT id, email, status, amount FROM users WHERE status = $1", func(i int) any { return fmt.Sprintf("s%d", i%(users/10)) }, 10)
	})
}

// benchUsers is a session over a users table of n rows, as bench/ loads
// it: every status names ten users. Amounts rise with the key.
func benchUsers(b *testing.B, n int) *Session {
	return benchUsersWith(b, n, func(id int) int { return id * 3 })
}

// benchUsersWith is benchUsers with the amount of each id given.
func benchUsersWith(b *testing.B, n int, amount func(id int) int) *Session {
	s := benchSession(b)
	simple(b, s, `CREATE TABLE users (id int8 PRIMARY KEY, email text NOT NULL, status text NOT NULL, amount int8 NOT NULL)`)
	simple(b, s, `CREATE INDEX users_status ON users (status)`)
	for i := 1; i <= n; i += 500 {
		q := "INSERT INTO users (id, email, status, amount) VALUES "
		for j := i; j < i+500; j++ {
			if j > i {
				q += ", "
			}
			q += fmt.Sprintf("(%d, 'user%d@example.com', 's%d', %d)", j, j, j%(n/10), amount(j))
		}
		simple(b, s, q)
	}
	return s
}

// BenchmarkSimpleUpdate is bench/'s update script in the simple protocol:
// a read-modify-write of one row's number.
func BenchmarkSimpleUpdate(b *testing.B) {
	const users = 100000
	s := benchUsers(b, users)
	queries := make([]string, 1024)
	for i := range queries {
		queries[i] = fmt.Sprintf("UPDATE users SET amount = amount + 1 WHERE id = %d;", i*7919%users+1)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		simple(b, s, queries[i%len(queries)])
	}
}

// BenchmarkAnalytic is bench/'s analytic workloads over 100,000 users,
// prepared: a full count, a filtered scan, a grouping, a top-N, a self
// join with grouping, and a range of the primary key.
func BenchmarkAnalytic(b *testing.B) {
	const users = 100000
	s := benchUsers(b, users)
	for _, q := range []struct{ name, sql string }{
		{"count", "SELECT count(*) FROM users"},
		{"filter", "SELECT count(*), sum(amount) FROM users WHERE amount BETWEEN 1000 AND 4000"},
		{"group_by", "SELECT status, count(*), sum(amount) FROM users GROUP BY status ORDER BY 3 DESC, 1 LIMIT 10"},
		{"top_n", "SELECT id, email, amount FROM users ORDER BY amount DESC, id LIMIT 10"},
		{"join_agg", "SELECT a.status, count(*) FROM users a JOIN users b ON b.id = a.amount / 3 GROUP BY a.status ORDER BY 2 DESC, 1 LIMIT 5"},
		{"pk_range", "SELECT id, email, amount FROM users WHERE id BETWEEN 5000 AND 5099"},
	} {
		b.Run(q.name, func(b *testing.B) { benchPrepared(b, s, q.sql, -1) })
	}
}

// benchPrepared runs a statement prepared once, checking that it returns
// want rows (any number when want < 0).
func benchPrepared(b *testing.B, s *Session, sql string, want int) {
	stmts, err := s.Parse(sql)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := stmts[0].Execute(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if want >= 0 && len(res.Rows) != want {
			b.Fatalf("%d rows, want %d", len(res.Rows), want)
		}
	}
}

// BenchmarkColdPlan is a statement of a shape the cache has not seen,
// from text to result: parsed, bound and planned anew each time (each
// iteration names its output column differently); then, to compare in
// the same run, the same statement with its plan cached. The difference
// is the statement's parse and plan: the tables are small.
func BenchmarkColdPlan(b *testing.B) {
	s := benchUsers(b, 500)
	for _, q := range []struct{ name, sql string }{
		{"point", "SELECT id, email AS c%d, status, amount FROM users WHERE id = 42"},
		{"join_group", "SELECT a.status AS c%d, count(*), sum(b.amount) FROM users a JOIN users b ON b.id = a.amount / 3 WHERE a.id < 50 GROUP BY a.status ORDER BY 2 DESC, 1 LIMIT 5"},
		{"cte_window", "WITH r AS (SELECT status, amount, rank() OVER (PARTITION BY status ORDER BY amount DESC) AS k FROM users WHERE id <= 20) SELECT status AS c%d, amount FROM r WHERE k = 1 ORDER BY 1"},
	} {
		for _, cold := range []bool{true, false} {
			name := q.name + "/warm"
			if cold {
				name = q.name + "/cold"
			}
			b.Run(name, func(b *testing.B) {
				i := 0
				b.ReportAllocs()
				for b.Loop() {
					if cold {
						i++
					}
					if res := simple(b, s, fmt.Sprintf(q.sql, i)); len(res.Rows) == 0 {
						b.Fatal("no rows")
					}
				}
			})
		}
	}
}

// BenchmarkCopyIn is COPY ... FROM STDIN of 100,000 rows of about 45
// bytes, as csv, into a table with a primary key and an index on a status
// of ten values, sent in 64 KB messages as psql's \copy sends them: the
// statement path of a bulk load, each load into a table of its own.
// (pgrace's copy load compares the whole server with PostgreSQL's.)
func BenchmarkCopyIn(b *testing.B) {
	const rows = 100000
	var data []byte
	for i := 1; i <= rows; i++ {
		data = fmt.Appendf(data, "%d,user%d@example.com,status-%d,%d\n", i, i, i%10, i*7%100000)
	}
	s := benchSession(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for n := range b.N {
		b.StopTimer()
		simple(b, s, fmt.Sprintf(`CREATE TABLE c%d (id int8 PRIMARY KEY, email text NOT NULL, status text NOT NULL, amount int8 NOT NULL)`, n))
		simple(b, s, fmt.Sprintf(`CREATE INDEX c%d_status ON c%d (status)`, n, n))
		b.StartTimer()
		cin := simple(b, s, fmt.Sprintf(`COPY c%d FROM STDIN WITH (FORMAT csv)`, n)).CopyIn
		if cin == nil {
			b.Fatal("COPY FROM STDIN gave no CopyIn")
		}
		for off := 0; off < len(data); off += 64 << 10 {
			if err := cin.Write(data[off:min(off+64<<10, len(data))]); err != nil {
				b.Fatal(err)
			}
		}
		res, err := cin.Done()
		if err != nil {
			b.Fatal(err)
		}
		if cm := s.TakeCommit(); cm != nil {
			if _, err := cm.Wait(); err != nil {
				b.Fatal(err)
			}
		}
		if res.Tag != fmt.Sprintf("COPY %d", rows) {
			b.Fatalf("tag %q, want COPY %d", res.Tag, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
