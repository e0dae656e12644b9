package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/driftdb/driftdb/pgwire"
)

var bg = context.Background()

// TestPgxModes runs the same statements through pgx's default extended
// protocol (statement cache, binary results) and its simple protocol.
func TestPgxModes(t *testing.T) {
	for _, mode := range []string{"cache_statement", "simple_protocol", "exec"} {
		t.Run(mode, func(t *testing.T) {
			s := startServer(t, pgwire.Config{})
			c := connect(t, s.url("default_query_exec_mode="+mode))
			mustExec(t, c, `CREATE TABLE users (id int8 PRIMARY KEY, email text, status text, amount int8, score float8, active bool, meta jsonb)`)
			mustExec(t, c, `CREATE INDEX ON users (status)`)
			for i := 1; i <= 20; i++ {
				tag := mustExec(t, c, `INSERT INTO users (id, email, status, amount, score, active, meta) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
					int64(i), fmt.Sprintf("u%d@example.com", i), []string{"active", "idle"}[i%2], int64(i*10), float64(i)/4, i%3 == 0,
					fmt.Sprintf(`{"n": %d}`, i))
				if tag.String() != "INSERT 0 1" {
					t.Fatalf("tag %q", tag)
				}
			}
			var (
				email  string
				amount int64
				score  float64
				active bool
				meta   map[string]any
			)
			err := c.QueryRow(bg, `SELECT email, amount, score, active, meta FROM users WHERE id = $1`, int64(6)).
				Scan(&email, &amount, &score, &active, &meta)
			if err != nil {
				t.Fatal(err)
			}
			if email != "u6@example.com" || amount != 60 || score != 1.5 || !active || meta["n"] != float64(6) {
				t.Fatalf("row 6: %q %d %v %v %v", email, amount, score, active, meta)
			}
			rows, err := c.Query(bg, `SELECT id FROM users WHERE status = $1 ORDER BY id DESC LIMIT $2`, "idle", int64(3))
			if err != nil {
				t.Fatal(err)
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil || fmt.Sprint(ids) != "[19 17 15]" {
				t.Fatalf("index query: %v %v", ids, err)
			}
			// DriftQL over the wire, both quoting styles.
			mustExec(t, c, `PATCH users KEY 6 SET {"status": "gone"}`)
			var n int64
			if err := c.QueryRow(bg, `SELECT count(*) FROM users WHERE status="gone"`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("driftql quoting: %d %v", n, err)
			}
			if err := c.QueryRow(bg, `SELECT count(*) FROM "users" WHERE "users"."status" = 'gone'`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("sql quoting: %d %v", n, err)
			}
			var seqs []int64
			rows, err = c.Query(bg, `SHOW DRIFT users KEY 6`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var seq int64
				var ts time.Time
				var ev string
				var change, doc json.RawMessage
				if err := rows.Scan(&seq, &ts, &ev, &change, &doc); err != nil {
					t.Fatal(err)
				}
				seqs = append(seqs, seq)
			}
			if rows.Err() != nil || len(seqs) != 2 {
				t.Fatalf("drift: %v %v", seqs, rows.Err())
			}
			// Time travel by seq, per statement and per session.
			var status string
			if err := c.QueryRow(bg, fmt.Sprintf(`SELECT status FROM users WHERE id = 6 AS OF '@seq:%d'`, seqs[0])).Scan(&status); err != nil || status != "active" {
				t.Fatalf("AS OF: %q %v", status, err)
			}
			mustExec(t, c, fmt.Sprintf(`SET driftdb.as_of = '@seq:%d'`, seqs[0]))
			if err := c.QueryRow(bg, `SELECT status FROM users WHERE id = 6`).Scan(&status); err != nil || status != "active" {
				t.Fatalf("session as_of: %q %v", status, err)
			}
			if _, err := c.Exec(bg, `INSERT INTO users (id) VALUES (99)`); sqlState(err) != "25006" {
				t.Fatalf("write in the past: %v", err)
			}
			mustExec(t, c, `RESET driftdb.as_of`)
			// Errors keep their SQLSTATE.
			for sql, code := range map[string]string{
				`INSERT INTO users (id) VALUES (1)`:          "23505",
				`SELECT * FROM nope`:                         "42P01",
				`SELECT nope FROM users`:                     "42703",
				`SELEC 1`:                                    "42601",
				`SELECT * FROM users AS OF '@seq:999999999'`: "22023",
			} {
				if _, err := c.Exec(bg, sql); sqlState(err) != code {
					t.Errorf("%s: %v, want %s", sql, err, code)
				}
			}
		})
	}
}

// TestTransactionsOverTheWire: BEGIN/COMMIT is atomic across tables; an
// error aborts the transaction (25P02) until ROLLBACK.
func TestTransactionsOverTheWire(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE a (pk=id)`)
	mustExec(t, c, `CREATE TABLE b (pk=id)`)
	tx, err := c.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(bg, `INSERT INTO a {"id": 1}`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(bg, `INSERT INTO b {"id": 1}`); err != nil {
		t.Fatal(err)
	}
	other := connect(t, s.url(""))
	var n int64
	if err := other.QueryRow(bg, `SELECT count(*) FROM a`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("uncommitted write visible: %d %v", n, err)
	}
	if err := tx.Commit(bg); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"a", "b"} {
		if err := other.QueryRow(bg, `SELECT count(*) FROM `+tbl).Scan(&n); err != nil || n != 1 {
			t.Fatalf("after commit %s: %d %v", tbl, n, err)
		}
	}
	tx, _ = c.Begin(bg)
	if _, err := tx.Exec(bg, `INSERT INTO a {"id": 1}`); sqlState(err) != "23505" {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := tx.Exec(bg, `SELECT 1`); sqlState(err) != "25P02" {
		t.Fatalf("after error: %v", err)
	}
	tx.Rollback(bg)
	mustExec(t, c, `SELECT 1`)
}

// TestPoolConcurrency drives one server from 32 goroutines through pgxpool.
func TestPoolConcurrency(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	cfg, err := pgxpool.ParseConfig(s.url("pool_max_conns=32"))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(bg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(bg, `CREATE TABLE t (id int8 PRIMARY KEY, g int8, v text)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := range 20 {
				id := int64(g*1000 + i)
				if _, err := pool.Exec(bg, `INSERT INTO t (id, g, v) VALUES ($1, $2, $3)`, id, int64(g), "x"); err != nil {
					t.Error(err)
					return
				}
				var v string
				if err := pool.QueryRow(bg, `SELECT v FROM t WHERE id = $1`, id).Scan(&v); err != nil || v != "x" {
					t.Errorf("read back %d: %q %v", id, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
	var n int64
	if err := pool.QueryRow(bg, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 640 {
		t.Fatalf("count %d %v", n, err)
	}
}

// TestSessionAsOfFromConnectionString sets driftdb.as_of in the options
// startup parameter, as a BI tool would.
func TestSessionAsOfFromConnectionString(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE t (pk=id)`)
	mustExec(t, c, `INSERT INTO t {"id": 1, "v": "old"}`)
	mustExec(t, c, `PATCH t KEY 1 SET {"v": "new"}`)
	past := connect(t, s.url("options=-c%20driftdb.as_of%3D%40seq%3A1"))
	var v string
	if err := past.QueryRow(bg, `SELECT v FROM t`).Scan(&v); err != nil || v != "old" {
		t.Fatalf("as_of from options: %q %v", v, err)
	}
	var shown string
	if err := past.QueryRow(bg, `SHOW driftdb.as_of`).Scan(&shown); err != nil || shown != "@seq:1" {
		t.Fatalf("SHOW: %q %v", shown, err)
	}
}

// TestCancelAndTimeout cancels a running statement from the client and
// through statement_timeout: both give 57014 and the session goes on.
func TestCancelAndTimeout(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Exec(ctx, `SELECT pg_sleep(10)`)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("cancel: %v after %v", err, time.Since(start))
	}
	c2 := connect(t, s.url(""))
	mustExec(t, c2, `SET statement_timeout = 100`)
	if _, err := c2.Exec(bg, `SELECT pg_sleep(5)`); sqlState(err) != "57014" {
		t.Fatalf("statement timeout: %v", err)
	}
	mustExec(t, c2, `SELECT 1`)
}
