package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/pgwire"
)

// retry runs fn in a transaction until it commits, beginning again after
// each serialization failure (40001); it returns how many times it began
// again.
func retry(ctx context.Context, c *pgx.Conn, iso pgx.TxIsoLevel, fn func(pgx.Tx) error) (int, error) {
	for again := 0; ; again++ {
		tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: iso})
		if err != nil {
			return again, err
		}
		err = fn(tx)
		if err == nil {
			err = tx.Commit(ctx)
		} else {
			tx.Rollback(ctx)
		}
		if err == nil {
			return again, nil
		}
		if sqlState(err) != "40001" {
			return again, err
		}
	}
}

func counterValue(t *testing.T, c *pgx.Conn) int64 {
	t.Helper()
	var n int64
	if err := c.QueryRow(bg, `SELECT n FROM c WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNoLostUpdate: two transactions that both increment a counter cannot
// both commit; eight clients incrementing 25 times each, in transactions
// retried on 40001 or outside any transaction, count every increment.
func TestNoLostUpdate(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	a, b := connect(t, s.url("")), connect(t, s.url(""))
	mustExec(t, a, `CREATE TABLE c (id int8 PRIMARY KEY, n int8)`)
	mustExec(t, a, `INSERT INTO c (id, n) VALUES (1, 5)`)

	ta, err := a.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range []pgx.Tx{ta, tb} {
		if _, err := tx.Exec(bg, `UPDATE c SET n = n + 1 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
	}
	if err := ta.Commit(bg); err != nil {
		t.Fatal(err)
	}
	if err := tb.Commit(bg); sqlState(err) != "40001" {
		t.Fatalf("second of two concurrent increments: %v, want 40001", err)
	}
	if n := counterValue(t, a); n != 6 {
		t.Fatalf("n = %d, want 6", n)
	}
	// A transaction that updates after another committed a change of the
	// row fails at the UPDATE itself.
	tb, _ = b.Begin(bg)
	tb.Exec(bg, `SELECT n FROM c WHERE id = 1`)
	mustExec(t, a, `UPDATE c SET n = n + 1 WHERE id = 1`)
	if _, err := tb.Exec(bg, `UPDATE c SET n = n + 1 WHERE id = 1`); sqlState(err) != "40001" {
		t.Fatalf("update of a row changed after the snapshot: %v", err)
	}
	tb.Rollback(bg)
	mustExec(t, a, `UPDATE c SET n = 0 WHERE id = 1`)

	const clients, each = 8, 25
	run := func(name string, inc func(c *pgx.Conn) (int, error)) {
		var wg sync.WaitGroup
		var retries atomic.Int64
		for range clients {
			c := connect(t, s.url(""))
			wg.Go(func() {
				for range each {
					n, err := inc(c)
					retries.Add(int64(n))
					if err != nil {
						t.Errorf("%s: %v", name, err)
						return
					}
				}
			})
		}
		wg.Wait()
		t.Logf("%s: %d increments, %d retried", name, clients*each, retries.Load())
	}
	run("transactions", func(c *pgx.Conn) (int, error) {
		return retry(bg, c, pgx.RepeatableRead, func(tx pgx.Tx) error {
			_, err := tx.Exec(bg, `UPDATE c SET n = n + 1 WHERE id = 1`)
			return err
		})
	})
	if n := counterValue(t, a); n != clients*each {
		t.Fatalf("n = %d after %d increments in transactions", n, clients*each)
	}
	// Outside a transaction an UPDATE never fails with 40001.
	run("autocommit", func(c *pgx.Conn) (int, error) {
		_, err := c.Exec(bg, `UPDATE c SET n = n + 1 WHERE id = 1`)
		return 0, err
	})
	if n := counterValue(t, a); n != 2*clients*each {
		t.Fatalf("n = %d after %d more increments outside transactions", n, clients*each)
	}
}

// TestIsolationLevels: what SHOW says of a transaction's isolation is what
// it does; SERIALIZABLE refuses write skew, REPEATABLE READ allows it;
// READ ONLY refuses writes; SET TRANSACTION after a query fails.
func TestIsolationLevels(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	a, b := connect(t, s.url("")), connect(t, s.url(""))
	show := func(c *pgx.Conn, name string) string {
		var v string
		if err := c.QueryRow(bg, "SHOW "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := show(a, "transaction_isolation"); v != "repeatable read" {
		t.Fatalf("default isolation: %q", v)
	}
	for level, want := range map[string]string{
		"READ UNCOMMITTED": "repeatable read", "READ COMMITTED": "repeatable read",
		"REPEATABLE READ": "repeatable read", "SERIALIZABLE": "serializable",
	} {
		mustExec(t, a, "BEGIN ISOLATION LEVEL "+level)
		if v := show(a, "transaction_isolation"); v != want {
			t.Fatalf("BEGIN ISOLATION LEVEL %s: SHOW says %q, want %q", level, v, want)
		}
		mustExec(t, a, "COMMIT")
	}
	mustExec(t, a, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE")
	if v := show(a, "default_transaction_isolation"); v != "serializable" {
		t.Fatalf("default after SET SESSION CHARACTERISTICS: %q", v)
	}
	mustExec(t, a, "BEGIN")
	if v := show(a, "TRANSACTION ISOLATION LEVEL"); v != "serializable" {
		t.Fatalf("BEGIN after the default changed: %q", v)
	}
	mustExec(t, a, "SELECT 1")
	if _, err := a.Exec(bg, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); sqlState(err) != "25001" {
		t.Fatalf("SET TRANSACTION after a query: %v", err)
	}
	mustExec(t, a, "ROLLBACK")
	mustExec(t, a, "SET default_transaction_isolation = 'repeatable read'")

	mustExec(t, a, `CREATE TABLE oncall (id text PRIMARY KEY, on_call bool)`)
	mustExec(t, a, `INSERT INTO oncall (id, on_call) VALUES ('alice', true), ('bob', true)`)
	for _, iso := range []pgx.TxIsoLevel{pgx.RepeatableRead, pgx.Serializable} {
		mustExec(t, a, `UPDATE oncall SET on_call = true`)
		ta, _ := a.BeginTx(bg, pgx.TxOptions{IsoLevel: iso})
		tb, _ := b.BeginTx(bg, pgx.TxOptions{IsoLevel: iso})
		for _, p := range []struct {
			tx pgx.Tx
			me string
		}{{ta, "alice"}, {tb, "bob"}} {
			var on int64
			if err := p.tx.QueryRow(bg, `SELECT count(*) FROM oncall WHERE on_call = true`).Scan(&on); err != nil || on != 2 {
				t.Fatalf("%s sees %d on call: %v", p.me, on, err)
			}
			if _, err := p.tx.Exec(bg, `UPDATE oncall SET on_call = false WHERE id = $1`, p.me); err != nil {
				t.Fatal(err)
			}
		}
		if err := ta.Commit(bg); err != nil {
			t.Fatal(err)
		}
		err := tb.Commit(bg)
		switch {
		case iso == pgx.Serializable && sqlState(err) != "40001":
			t.Fatalf("serializable write skew: %v", err)
		case iso == pgx.RepeatableRead && err != nil:
			t.Fatalf("repeatable read write skew: %v", err)
		}
	}

	tx, _ := a.BeginTx(bg, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if v := show(a, "transaction_read_only"); v != "on" {
		t.Fatalf("transaction_read_only in a READ ONLY transaction: %q", v)
	}
	if _, err := tx.Exec(bg, `UPDATE oncall SET on_call = true`); sqlState(err) != "25006" {
		t.Fatalf("write in a READ ONLY transaction: %v", err)
	}
	tx.Rollback(bg)
}

// TestSelectForUpdate: rows read FOR UPDATE in a transaction are checked at
// commit: a change by another transaction in between fails the commit with
// 40001, and a row already changed fails the SELECT itself.
func TestSelectForUpdate(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	a, b := connect(t, s.url("")), connect(t, s.url(""))
	mustExec(t, a, `CREATE TABLE q (id int8 PRIMARY KEY, state text)`)
	mustExec(t, a, `INSERT INTO q (id, state) VALUES (1, 'new'), (2, 'new')`)

	tx, _ := a.Begin(bg)
	var id int64
	if err := tx.QueryRow(bg, `SELECT id FROM q WHERE state = 'new' ORDER BY id LIMIT 1 FOR UPDATE`).Scan(&id); err != nil || id != 1 {
		t.Fatalf("select for update: %d %v", id, err)
	}
	if _, err := tx.Exec(bg, `INSERT INTO q (id, state) VALUES (3, 'log')`); err != nil {
		t.Fatal(err)
	}
	mustExec(t, b, `UPDATE q SET state = 'taken' WHERE id = 1`)
	if err := tx.Commit(bg); sqlState(err) != "40001" {
		t.Fatalf("commit after a locked row changed: %v", err)
	}

	tx, _ = a.Begin(bg)
	tx.Exec(bg, `SELECT 1`)
	mustExec(t, b, `UPDATE q SET state = 'taken' WHERE id = 2`)
	if _, err := tx.Exec(bg, `SELECT * FROM q WHERE id = 2 FOR SHARE`); sqlState(err) != "40001" {
		t.Fatalf("FOR SHARE of a row changed after the snapshot: %v", err)
	}
	tx.Rollback(bg)
	if _, err := a.Exec(bg, `SELECT * FROM q FOR UPDATE SKIP LOCKED`); sqlState(err) != "0A000" {
		t.Fatalf("SKIP LOCKED: %v", err)
	}
	mustExec(t, a, `SELECT * FROM q WHERE id = 1 FOR UPDATE`) // outside a transaction: nothing to hold
}

// bank is the table of TestBank: accounts with a balance, and a ledger of
// every transfer acknowledged.
const bankAccounts, bankStart = 10, 1000

func bankSetup(t *testing.T, c *pgx.Conn) {
	t.Helper()
	mustExec(t, c, `CREATE TABLE acct (id int8 PRIMARY KEY, bal int8)`)
	mustExec(t, c, `CREATE TABLE ledger (id text PRIMARY KEY, src int8, dst int8, amount int8)`)
	for i := range bankAccounts {
		mustExec(t, c, `INSERT INTO acct (id, bal) VALUES ($1, $2)`, int64(i), int64(bankStart))
	}
}

// transfer moves a random amount between two random accounts in one
// transaction, with a ledger entry, retrying on 40001.
func transfer(ctx context.Context, c *pgx.Conn, rng *rand.Rand, id string) error {
	src, dst := rng.Int64N(bankAccounts), rng.Int64N(bankAccounts)
	for dst == src {
		dst = rng.Int64N(bankAccounts)
	}
	amount := 1 + rng.Int64N(50)
	_, err := retry(ctx, c, pgx.RepeatableRead, func(tx pgx.Tx) error {
		var bal int64
		if err := tx.QueryRow(ctx, `SELECT bal FROM acct WHERE id = $1`, src).Scan(&bal); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE acct SET bal = $1 WHERE id = $2`, bal-amount, src); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE acct SET bal = bal + $1::int8 WHERE id = $2`, amount, dst); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO ledger (id, src, dst, amount) VALUES ($1, $2, $3, $4)`, id, src, dst, amount)
		return err
	})
	return err
}

// bankCheck reads every balance and the ledger in one transaction and
// checks that money was neither made nor lost and that each balance is its
// start plus the ledger's transfers; it returns the ledger's ids.
func bankCheck(t *testing.T, c *pgx.Conn) map[string]bool {
	t.Helper()
	tx, err := c.BeginTx(bg, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(bg)
	want := map[int64]int64{}
	ids := map[string]bool{}
	rows, _ := tx.Query(bg, `SELECT id, src, dst, amount FROM ledger`)
	var id string
	var src, dst, amount int64
	_, err = pgx.ForEachRow(rows, []any{&id, &src, &dst, &amount}, func() error {
		want[src] -= amount
		want[dst] += amount
		ids[id] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = tx.Query(bg, `SELECT id, bal FROM acct`)
	var total, bal int64
	var acct int64
	_, err = pgx.ForEachRow(rows, []any{&acct, &bal}, func() error {
		total += bal
		if bal != bankStart+want[acct] {
			return fmt.Errorf("account %d holds %d; its start and the ledger say %d", acct, bal, bankStart+want[acct])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != bankAccounts*bankStart {
		t.Fatalf("the accounts hold %d in all, want %d", total, bankAccounts*bankStart)
	}
	return ids
}

// TestBank: clients move money between ten accounts in transactions
// retried on 40001 while readers check in transactions of their own that
// the total never changes and every balance matches the ledger.
func TestBank(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	bankSetup(t, c)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		rc := connect(t, s.url(""))
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				bankCheck(t, rc)
				if t.Failed() {
					return
				}
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 6 {
		wc := connect(t, s.url(""))
		writers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range 40 {
				if err := transfer(bg, wc, rng, fmt.Sprintf("w%d-%d", w, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	if ids := bankCheck(t, c); len(ids) != 6*40 {
		t.Fatalf("%d transfers in the ledger, want %d", len(ids), 6*40)
	}
}

// TestBankAcrossKill runs the bank against the driftdb-pg binary and kills
// it with SIGKILL in the middle of the transfers, several times: after each
// restart every acknowledged transfer is in the ledger, and the balances
// agree with it to the cent. It kills 3 times with 6 clients, 55 times
// with 16 under make torture (DRIFTDB_TORTURE); the seed is logged.
func TestBankAcrossKill(t *testing.T) {
	kills, clients := 3, 6
	if os.Getenv("DRIFTDB_TORTURE") != "" {
		kills, clients = 55, 16
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("DRIFTDB_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (DRIFTDB_SEED replays it)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := filepath.Join(t.TempDir(), "data")
	b := startBinary(t, []string{"DRIFTDB_DATA=" + dir})
	bankSetup(t, b.conn)
	acked := map[string]bool{}
	var mu sync.Mutex
	for round := range kills {
		addr := b.addr
		var wg sync.WaitGroup
		var killed atomic.Bool
		ctx, cancel := context.WithCancel(bg)
		for w := range clients {
			wseed := rng.Uint64()
			wg.Go(func() {
				c, err := pgx.Connect(ctx, "postgres://driftdb@"+addr+"/driftdb?sslmode=disable")
				if err != nil {
					t.Errorf("connect: %v", err)
					return
				}
				defer c.Close(bg)
				wrng := rand.New(rand.NewPCG(wseed, 3))
				for i := 0; ; i++ {
					id := fmt.Sprintf("r%d-w%d-%d", round, w, i)
					if err := transfer(ctx, c, wrng, id); err != nil {
						if !killed.Load() {
							t.Errorf("transfer before the kill: %v", err)
						}
						return // the server is gone
					}
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(200+rng.IntN(400)) * time.Millisecond)
		killed.Store(true)
		b.cmd.Process.Signal(syscall.SIGKILL)
		b.cmd.Wait()
		cancel()
		wg.Wait()
		b = startBinary(t, []string{"DRIFTDB_DATA=" + dir})
		ids := bankCheck(t, b.conn)
		mu.Lock()
		var lost []string
		for id := range acked {
			if !ids[id] {
				lost = append(lost, id)
			}
		}
		n := len(acked)
		mu.Unlock()
		if n == 0 {
			t.Fatalf("kill %d: no transfer was acknowledged before it", round+1)
		}
		sort.Strings(lost)
		if len(lost) > 0 {
			t.Fatalf("kill %d: %d acknowledged transfers lost, first %v", round+1, len(lost), lost[:min(5, len(lost))])
		}
		t.Logf("kill %d: %d transfers acknowledged so far, %d in the ledger, totals agree", round+1, n, len(ids))
	}
	b.stop(t)
}
