package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/driftdb/driftdb/pgwire"
)

// pipelineBatches are statements sent together through the extended
// protocol, each list up to one Sync (a pgx batch): PostgreSQL runs them
// in one transaction.
var pipelineBatches = [][]string{
	{"insert into xb values (1)", "select 1/0"},
	{"insert into xb values (2)", "insert into xb values (3)"},
	{"insert into xb values (4)", "commit", "select 1/0"},
	{"insert into xb values (5)", "savepoint a"},
	{"insert into xb values (6) returning v", "update xb set v = 7 where v = 6 returning v", "select 1/0"},
	{"insert into xb values (8)", "insert into xb values (8)"},
	{"insert into xb values (9)", "select count(*) from xb where v = 9"},
	{"insert into xb values (10)", "begin", "insert into xb values (11)", "commit", "select 1/0"},
	{"insert into xb values (12)", "rollback", "insert into xb values (13)"},
	{"begin", "insert into xb values (14)"},
	{"rollback"},
	{"begin", "begin"},
	{"rollback"},
	{"commit"},
	{"select 1", "commit"},
	{"vacuum"},
	{"insert into xb values (15)", "vacuum"},
	{"vacuum", "insert into xb values (16)"},
	{"select 1", "discard all"},
	{"set local statement_timeout = '5s'", "show statement_timeout"},
	{"set local statement_timeout = '7s'"},
	{"show statement_timeout"},
	{"select 1", "set local statement_timeout = '6s'", "show statement_timeout"},
	{"select set_config('x.t', now()::text, false) is not null", "select current_setting('x.t') = now()::text"},
	{"select 1", "declare c cursor for select 1", "fetch c"},
	{"declare c cursor for select 1", "fetch c"},
	{"select 1", "lock table xb"},
	{"select 1", "savepoint a"},
	{"set transaction isolation level serializable", "show transaction_isolation"},
	{"select 1", "set transaction isolation level serializable"},
	{"update xb set v = v + 100 where v = 2 returning v", "select v from xb where v > 100"},
	{"update xb set v = v + 100 where v = 3 returning v", "update xb set v = 1 where v = 4"},
	{"insert into xb select v + 1000 from xb where v = 9 returning v", "select 1/0"},
	{"select count(*) from xb", "insert into xb values (17)", "select 1/0"},
	{"select count(*) from xb", "insert into xb values (18)", "select count(*) from xb"},
	{"select set_config('x.v', 'a', true)", "select current_setting('x.v', true)"},
	{"select current_setting('x.v', true)"},
}

// runPipelines sends each of pipelineBatches to the server at url, as a
// pgx batch, and prints the replies: each statement's tag and rows or
// error, the notices, and after the Sync the table and the transaction
// status.
func runPipelines(t *testing.T, url string) []byte {
	t.Helper()
	var out bytes.Buffer
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		fmt.Fprintf(&out, "  %s %s: %s\n", n.Severity, n.Code, n.Message)
	}
	c, err := pgx.ConnectConfig(bg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(bg)
	mustExec(t, c, "create table xb (v int primary key)")
	for _, batch := range pipelineBatches {
		fmt.Fprintln(&out, strings.Join(batch, "; "))
		b := &pgx.Batch{}
		for _, q := range batch {
			b.Queue(q)
		}
		br := c.SendBatch(bg, b)
		for range batch {
			rows, err := br.Query()
			var vals []string
			if err == nil {
				for rows.Next() {
					vs, _ := rows.Values()
					vals = append(vals, fmt.Sprint(vs...))
				}
				rows.Close()
				err = rows.Err()
			}
			if err != nil {
				var pe *pgconn.PgError
				if !errors.As(err, &pe) {
					t.Fatalf("%v: %v", batch, err)
				}
				fmt.Fprintf(&out, "  ERROR %s: %s\n", pe.Code, pe.Message)
			} else {
				fmt.Fprintf(&out, "  %s %v\n", rows.CommandTag(), vals)
			}
		}
		br.Close()
		status := c.PgConn().TxStatus()
		var table string
		if err := c.QueryRow(bg, "select coalesce(string_agg(v::text, ',' order by v), '-') from xb").Scan(&table); err != nil {
			table = "(" + err.Error() + ")"
		}
		fmt.Fprintf(&out, "  => %s, status %c\n", table, status)
	}
	return out.Bytes()
}

// TestPipelineTransaction: the statements of a pgx batch, up to its Sync,
// run in one transaction as PostgreSQL's do: an error rolls back those
// before it; COMMIT, ROLLBACK and BEGIN among them; what needs a
// transaction block, and what cannot run in one. testdata/pipeline.out
// is what PostgreSQL 15 replies (checked against it when DRIFTDB_PG_URL
// names one; -update rewrites it from there).
func TestPipelineTransaction(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	got := runPipelines(t, s.url(""))
	const golden = "testdata/pipeline.out"
	if os.Getenv("DRIFTDB_PG_URL") != "" {
		pgURL, _ := startPostgres(t)
		ref := runPipelines(t, freshPostgresDB(t, pgURL, "driftdb_pipeline"))
		if *updatePsql {
			if err := os.WriteFile(golden, ref, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, _ := os.ReadFile(golden)
		if !bytes.Equal(ref, want) {
			t.Errorf("PostgreSQL replies:\n%s", ref)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("DriftDB replies:\n%s\nwant (%s):\n%s", got, golden, want)
	}
}

// TestPipelineRerun: a statement alone up to its Sync runs as a statement
// on its own does, though it runs in the pipeline's block: clients that
// increment one counter by an UPDATE ... RETURNING through the extended
// protocol never fail with 40001, and each is answered with the value its
// own increment made (the run the commit kept, when a conflict ran it
// again). Two UPDATEs in one batch are one transaction: the client
// retries it on 40001, and no increment is lost or made twice.
func TestPipelineRerun(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	a := connect(t, s.url(""))
	mustExec(t, a, `CREATE TABLE c (id int8 PRIMARY KEY, n int8)`)
	mustExec(t, a, `INSERT INTO c (id, n) VALUES (1, 0)`)
	const clients, each = 6, 40
	var mu sync.Mutex
	var seen []int64
	var wg sync.WaitGroup
	for range clients {
		c := connect(t, s.url(""))
		wg.Go(func() {
			for range each {
				var n int64
				if err := c.QueryRow(bg, `UPDATE c SET n = n + 1 WHERE id = $1 RETURNING n`, 1).Scan(&n); err != nil {
					t.Errorf("increment: %v", err)
					return
				}
				mu.Lock()
				seen = append(seen, n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(seen)
	for i, n := range seen {
		if n != int64(i+1) {
			t.Fatalf("the increments were answered %v, want 1 to %d once each", seen, clients*each)
		}
	}
	if n := counterValue(t, a); n != clients*each {
		t.Fatalf("n = %d after %d increments", n, clients*each)
	}

	var retried atomic.Int64
	for range clients {
		c := connect(t, s.url(""))
		wg.Go(func() {
			for range each {
				for {
					b := &pgx.Batch{}
					b.Queue(`UPDATE c SET n = n + 1 WHERE id = $1`, 1)
					b.Queue(`UPDATE c SET n = n + 1 WHERE id = $1`, 1)
					err := c.SendBatch(context.Background(), b).Close()
					if err == nil {
						break
					}
					if sqlState(err) != "40001" {
						t.Errorf("batch: %v", err)
						return
					}
					retried.Add(1)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d batches of two increments, %d run again after 40001", clients*each, retried.Load())
	if n := counterValue(t, a); n != 3*clients*each {
		t.Fatalf("n = %d after %d batches of two increments more", n, clients*each)
	}
}

// TestPipelineFlush: a client that asks for the replies before its Sync
// (a Flush) gets them at once, and the statements still end together at
// the Sync: an error after the replies rolls back what they reported.
func TestPipelineFlush(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE f (id int8 PRIMARY KEY)`)
	ctx, cancel := context.WithTimeout(bg, 10*time.Second) // a reply held for the Sync never comes
	defer cancel()
	p := c.PgConn().StartPipeline(ctx)
	p.SendQueryParams(`INSERT INTO f VALUES (1) RETURNING id`, nil, nil, nil, nil)
	p.SendFlushRequest()
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	res, err := p.GetResults()
	if err != nil {
		t.Fatal(err)
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		t.Fatalf("first result %T", res)
	}
	r := rr.Read()
	if r.Err != nil || len(r.Rows) != 1 || string(r.Rows[0][0]) != "1" {
		t.Fatalf("INSERT ... RETURNING before the Sync: %v %q", r.Err, r.Rows)
	}
	p.SendQueryParams(`SELECT 1/0`, nil, nil, nil, nil)
	p.SendPipelineSync()
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	res, err = p.GetResults()
	if err != nil {
		t.Fatal(err)
	}
	if rr, ok := res.(*pgconn.ResultReader); !ok || sqlState(rr.Read().Err) != "22012" {
		t.Fatalf("SELECT 1/0: %T", res)
	}
	if res, err := p.GetResults(); err != nil {
		t.Fatalf("sync: %v", err)
	} else if _, ok := res.(*pgconn.PipelineSync); !ok {
		t.Fatalf("sync: %T", res)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := c.QueryRow(bg, `SELECT count(*) FROM f`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows, %v: the INSERT must roll back with the pipeline", n, err)
	}
}

// TestPipelineNow: now() is the time of the pipeline's transaction, the
// same for the queries that read before its first write and for those
// in its block, as PostgreSQL's is; the next Sync's pipeline has its own.
func TestPipelineNow(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE tn (id int8 PRIMARY KEY, at timestamptz)`)
	run := func() []time.Time {
		b := &pgx.Batch{}
		b.Queue(`SELECT now()`)
		b.Queue(`SELECT pg_sleep(0.02)`)
		b.Queue(`SELECT now()`)
		b.Queue(`INSERT INTO tn VALUES ((SELECT count(*) FROM tn), now()) RETURNING at`)
		b.Queue(`SELECT now()`)
		br := c.SendBatch(bg, b)
		defer br.Close()
		var out []time.Time
		for i := range 5 {
			if i == 1 {
				if _, err := br.Exec(); err != nil {
					t.Fatal(err)
				}
				continue
			}
			var at time.Time
			if err := br.QueryRow().Scan(&at); err != nil {
				t.Fatal(err)
			}
			out = append(out, at)
		}
		return out
	}
	first := run()
	for _, at := range first {
		if !at.Equal(first[0]) {
			t.Fatalf("now() in one pipeline: %v", first)
		}
	}
	if second := run(); !second[0].After(first[0]) {
		t.Fatalf("now() of the next pipeline %v, of the first %v", second[0], first[0])
	}
}

// TestPipelineNoRows: a statement alone up to its Sync that changed no
// row (its reply held back all the same) is answered.
func TestPipelineNoRows(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE z (id int8 PRIMARY KEY, n int8)`)
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	for _, q := range []string{
		`UPDATE z SET n = n + 1 WHERE id = $1`,
		`DELETE FROM z WHERE id = $1`,
		`INSERT INTO z SELECT id, n FROM z WHERE id = $1`,
	} {
		tag, err := c.Exec(ctx, q, 7)
		if err != nil || tag.RowsAffected() != 0 {
			t.Fatalf("%s: %v %v", q, tag, err)
		}
	}
}

// TestPipelineCopy: a COPY FROM STDIN run through the extended protocol
// is one of the pipeline's statements: its rows commit with the others at
// the Sync, and a bad row rolls back the statements before it too. The
// replies are PostgreSQL 15's, message for message.
func TestPipelineCopy(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE pc (id int8 PRIMARY KEY)`)
	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	send := func(copyData string) string {
		ms := executes("INSERT INTO pc VALUES (1)", "COPY pc FROM STDIN")
		return exchange(t, fe, append(ms, &pgproto3.CopyData{Data: []byte(copyData)}, &pgproto3.CopyDone{}, &pgproto3.Sync{})...)
	}
	count := func() int64 {
		var n int64
		if err := c.QueryRow(bg, `SELECT count(*) FROM pc`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got, want := send("x\n"), "ParseComplete BindComplete CommandComplete(INSERT 0 1) ParseComplete BindComplete CopyInResponse ErrorResponse(22P02) ReadyForQuery(I)"; got != want {
		t.Fatalf("a bad row:\n got %s\nwant %s", got, want)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d rows after a COPY that failed: the INSERT before it must roll back", n)
	}
	if got, want := send("2\n3\n"), "ParseComplete BindComplete CommandComplete(INSERT 0 1) ParseComplete BindComplete CopyInResponse CommandComplete(COPY 2) ReadyForQuery(I)"; got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	if n := count(); n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
}

// TestPipelineErrorSkipsQuery: after an error in the extended protocol
// the messages up to the Sync are dropped, a simple query among them too,
// as PostgreSQL 15 does; the next one runs.
func TestPipelineErrorSkipsQuery(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	got := exchange(t, fe, &pgproto3.Parse{Query: "SELEC 1"}, &pgproto3.Query{String: "SELECT 1"}, &pgproto3.Sync{}, &pgproto3.Query{String: "SELECT 2"})
	if want := "ErrorResponse(42601) ReadyForQuery(I)"; got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	if got, want := kinds(t, fe), "RowDescription DataRow(2) CommandComplete(SELECT 1) ReadyForQuery(I)"; got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

// TestPortalEndsWithTransaction: a portal lives as long as its
// transaction, as PostgreSQL's: one suspended by a row limit is gone
// after the Sync that ends its pipeline, or the COMMIT of its block, and
// goes on across Syncs within the block.
func TestPortalEndsWithTransaction(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE rp (id int8 PRIMARY KEY)`)
	mustExec(t, c, `INSERT INTO rp VALUES (1), (2), (3)`)
	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	step := func(want string, ms ...pgproto3.FrontendMessage) {
		t.Helper()
		if got := exchange(t, fe, ms...); got != want {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	}
	step("ParseComplete BindComplete DataRow(1) PortalSuspended ReadyForQuery(I)",
		&pgproto3.Parse{Name: "s1", Query: "SELECT id FROM rp ORDER BY id"}, &pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1"},
		&pgproto3.Execute{Portal: "p1", MaxRows: 1}, &pgproto3.Sync{})
	step("ErrorResponse(34000) ReadyForQuery(I)", &pgproto3.Execute{Portal: "p1", MaxRows: 1}, &pgproto3.Sync{})
	step("CommandComplete(BEGIN) ReadyForQuery(T)", &pgproto3.Query{String: "BEGIN"})
	step("BindComplete DataRow(1) PortalSuspended ReadyForQuery(T)",
		&pgproto3.Bind{DestinationPortal: "p2", PreparedStatement: "s1"}, &pgproto3.Execute{Portal: "p2", MaxRows: 1}, &pgproto3.Sync{})
	step("DataRow(2) PortalSuspended ReadyForQuery(T)", &pgproto3.Execute{Portal: "p2", MaxRows: 1}, &pgproto3.Sync{})
	step("CommandComplete(COMMIT) ReadyForQuery(I)", &pgproto3.Query{String: "COMMIT"})
	step("ErrorResponse(34000) ReadyForQuery(I)", &pgproto3.Execute{Portal: "p2", MaxRows: 1}, &pgproto3.Sync{})
}

// TestPipelineTransfers: transfers between accounts sent as batches of a
// debit, a credit and a ledger row (one in five also a failing
// statement), from six clients at once, retried on 40001: the failing
// ones leave nothing, the others all of their three writes, so the total
// stays and the ledger counts exactly the transfers that were told they
// committed.
func TestPipelineTransfers(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	a := connect(t, s.url(""))
	mustExec(t, a, `CREATE TABLE acct (id int8 PRIMARY KEY, bal int8)`)
	mustExec(t, a, `CREATE TABLE ledger (id int8 PRIMARY KEY, client int8)`)
	const accounts, clients, each = 5, 6, 40
	mustExec(t, a, `INSERT INTO acct SELECT g, 1000 FROM generate_series(1, $1::int8) g`, accounts)
	var wg sync.WaitGroup
	done := make([]int, clients)
	for i := range clients {
		c := connect(t, s.url(""))
		wg.Go(func() {
			for n := range each {
				from, to := int64((i+n)%accounts+1), int64((i+2*n+1)%accounts+1)
				fail := n%5 == 4
				for {
					b := &pgx.Batch{}
					b.Queue(`UPDATE acct SET bal = bal - 7 WHERE id = $1`, from)
					b.Queue(`UPDATE acct SET bal = bal + 7 WHERE id = $1`, to)
					b.Queue(`INSERT INTO ledger VALUES ($1, $2)`, int64(i*1000+n), int64(i))
					if fail {
						b.Queue(`SELECT 1/0`)
					}
					err := c.SendBatch(bg, b).Close()
					if sqlState(err) == "40001" {
						continue
					}
					if fail != (err != nil) {
						t.Errorf("client %d batch %d (failing %v): %v", i, n, fail, err)
						return
					}
					if err == nil {
						done[i]++
					}
					break
				}
			}
		})
	}
	wg.Wait()
	var total, rows int64
	if err := a.QueryRow(bg, `SELECT sum(bal) FROM acct`).Scan(&total); err != nil || total != accounts*1000 {
		t.Fatalf("total %d, %v; want %d", total, err, accounts*1000)
	}
	for i := range clients {
		if err := a.QueryRow(bg, `SELECT count(*) FROM ledger WHERE client = $1`, int64(i)).Scan(&rows); err != nil || rows != int64(done[i]) {
			t.Fatalf("client %d: %d ledger rows, %v; told %d transfers committed", i, rows, err, done[i])
		}
	}
}

// TestProtocolStatementsListed: the statements a driver prepares by name
// through the extended protocol (pgx's statement cache) are in
// pg_prepared_statements, from_sql false, as PostgreSQL lists them.
func TestProtocolStatementsListed(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	var v int64
	if err := c.QueryRow(bg, `SELECT $1::int8 + 1`, int64(41)).Scan(&v); err != nil || v != 42 {
		t.Fatalf("%d %v", v, err)
	}
	var name, types string
	var fromSQL bool
	err := c.QueryRow(bg, `SELECT name, parameter_types::text, from_sql FROM pg_prepared_statements WHERE statement = 'SELECT $1::int8 + 1'`).Scan(&name, &types, &fromSQL)
	if err != nil || !strings.HasPrefix(name, "stmtcache_") || types != "{bigint}" || fromSQL {
		t.Fatalf("%q %q %v %v", name, types, fromSQL, err)
	}
}

// TestWriteReturningInParts: the RETURNING rows of a write fetched with
// a row limit come in parts, and the tag of the Execute that finishes
// them counts that Execute's rows, as PostgreSQL 15's does (as for a
// SELECT).
func TestWriteReturningInParts(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE rq (id int8 PRIMARY KEY)`)
	nc, fe := rawStartup(t, s.addr)
	defer nc.Close()
	got := exchange(t, fe, &pgproto3.Parse{Query: "INSERT INTO rq VALUES (1), (2), (3) RETURNING id"}, &pgproto3.Bind{},
		&pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Sync{})
	if want := "ParseComplete BindComplete DataRow(1) DataRow(2) PortalSuspended DataRow(3) CommandComplete(INSERT 0 1) ReadyForQuery(I)"; got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}
