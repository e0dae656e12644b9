package engine

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const (
	childEnv    = "DRIFTDB_ENGINE_TEST_CHILD"
	childDirEnv = "DRIFTDB_ENGINE_TEST_DIR"
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		goleak.VerifyTestMain(m)
	case "txn":
		txnChild(os.Getenv(childDirEnv))
	case "maint":
		maintChild(os.Getenv(childDirEnv))
	default:
		os.Exit(2)
	}
}

// txnChild commits transactions from 4 goroutines until killed. Each moves
// one unit from a row of "src" to a row of "dst" and records the transfer
// number in both rows; it prints the number once the commit returns.
func txnChild(dir string) {
	db, err := Open(dir, Options{Store: storeOpts(16 << 10), SnapshotEvents: 300})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, n := range []string{"src", "dst"} {
		if err := db.CreateTable(TableSpec{Name: n, PK: "id"}); err != nil && Code(err) != CodeDuplicateTable {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	var mu sync.Mutex // one transfer id counter; commits run concurrently
	next := time.Now().UnixNano()
	var outMu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for {
				mu.Lock()
				next++
				id := next
				mu.Unlock()
				tx := db.Begin()
				key := fmt.Sprintf("g%d-%d", g, id)
				if _, err := tx.Insert("src", []byte(fmt.Sprintf(`{"id": %q, "xfer": %d, "v": -1}`, key, id))); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				if _, err := tx.Insert("dst", []byte(fmt.Sprintf(`{"id": %q, "xfer": %d, "v": 1}`, key, id))); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				if _, err := tx.Commit(ctx); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				outMu.Lock()
				fmt.Fprintln(out, key)
				out.Flush()
				outMu.Unlock()
			}
		})
	}
	wg.Wait()
}

// runChild starts the test binary as a child in the given role, waits for
// its first line, lets it run a random while, kills it with SIGKILL, and
// returns every line it printed.
func runChild(t *testing.T, role, dir string, rng *rand.Rand, maxRun time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+role, childDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1<<16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var got []string
	first, ok := <-lines
	if !ok {
		cmd.Wait()
		t.Fatalf("child %s printed nothing: %s", role, stderr.String())
	}
	got = append(got, first)
	time.Sleep(time.Duration(rng.Int64N(int64(maxRun))))
	cmd.Process.Signal(syscall.SIGKILL)
	for l := range lines {
		got = append(got, l)
	}
	cmd.Wait()
	return got
}

// TestCrashTransactions kills a child committing two-table transactions at
// random moments: after each reopen, every acknowledged transaction is
// there in both tables, and no transaction is there in one table only.
func TestCrashTransactions(t *testing.T) {
	rounds := 50
	if testing.Short() {
		rounds = 5
	}
	dir := t.TempDir()
	seed := crashSeeds(t, 1)[0]
	t.Logf("kill times from seed %d (DRIFTDB_CRASH_SEED replays them)", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	acked := map[string]bool{}
	for round := range rounds {
		for _, k := range runChild(t, "txn", dir, rng, 60*time.Millisecond) {
			acked[k] = true
		}
		db := openDB(t, dir, Options{ReadOnly: round%2 == 1})
		v := db.View()
		src, dst := map[string]bool{}, map[string]bool{}
		for tbl, m := range map[string]map[string]bool{"src": src, "dst": dst} {
			mustExec(t, v.Scan(tbl, func(r *Row) bool {
				m[r.Key.Str] = true
				return true
			}))
		}
		for k := range acked {
			if !src[k] || !dst[k] {
				t.Fatalf("round %d: acknowledged transaction %s lost (src %v, dst %v)", round, k, src[k], dst[k])
			}
		}
		for k := range src {
			if !dst[k] {
				t.Fatalf("round %d: transaction %s is in src only", round, k)
			}
		}
		for k := range dst {
			if !src[k] {
				t.Fatalf("round %d: transaction %s is in dst only", round, k)
			}
		}
		db.Close()
	}
	t.Logf("%d rounds, %d acknowledged transactions", rounds, len(acked))
}

// maintChild loads a fixed data set once, prints "ready", then snapshots
// and compacts in a loop until killed.
func maintChild(dir string) {
	db, err := Open(dir, Options{Store: storeOpts(8 << 10), SnapshotEvents: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(db.Tables()) == 0 {
		if err := loadFixture(db); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Println("ready")
	for i := 0; ; i++ {
		var err error
		switch i % 3 {
		case 0:
			_, err = db.SnapshotTable("m")
		case 1:
			err = db.Compact("m")
		case 2:
			_, err = db.CompactBefore("m", maintHorizon)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

const (
	maintKeys    = 200
	maintHorizon = 300
)

// loadFixture writes maintKeys rows and several versions of each.
func loadFixture(db *DB) error {
	if err := db.CreateTable(TableSpec{Name: "m", PK: "id", Indexes: []string{"round"}}); err != nil {
		return err
	}
	for round := range 4 {
		tx := db.Begin()
		for k := range maintKeys {
			var err error
			if round == 0 {
				_, err = tx.Insert("m", []byte(fmt.Sprintf(`{"id": %d, "round": 0}`, k)))
			} else {
				err = tx.Patch("m", int64(k), []byte(fmt.Sprintf(`{"round": %d}`, round)))
			}
			if err != nil {
				return err
			}
			if k%50 == 49 { // transactions of 50 events
				if _, err := tx.Commit(ctx); err != nil {
					return err
				}
				tx = db.Begin()
			}
		}
		if _, err := tx.Commit(ctx); err != nil {
			return err
		}
	}
	return nil
}

// TestCrashSnapshotAndCompaction kills a child in the middle of snapshots
// and compactions: every reopen must give the same answers, current and AS
// OF any seq at or after the horizon.
func TestCrashSnapshotAndCompaction(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 4
	}
	dir := t.TempDir()
	seed := crashSeeds(t, 1)[0]
	t.Logf("kill times from seed %d (DRIFTDB_CRASH_SEED replays them)", seed)
	rng := rand.New(rand.NewPCG(seed, 5))
	for round := range rounds {
		runChild(t, "maint", dir, rng, 150*time.Millisecond)
		db := openDB(t, dir, Options{SnapshotEvents: -1})
		head := db.Seq()
		if head != 4*maintKeys {
			t.Fatalf("round %d: head seq %d, want %d", round, head, 4*maintKeys)
		}
		for _, seq := range []uint64{maintHorizon, 450, 600, head} {
			v, err := db.ViewAt(seq)
			mustExec(t, err)
			n := 0
			mustExec(t, v.Scan("m", func(r *Row) bool {
				d, err := r.Doc()
				mustExec(t, err)
				// Event seq s (1-based) is round (s-1)/maintKeys for key
				// (s-1)%maintKeys.
				k := r.Key.Int
				want := int64(0)
				for rd := int64(3); rd >= 0; rd-- {
					if uint64(rd*maintKeys+k+1) <= seq {
						want = rd
						break
					}
				}
				if d["round"] != want {
					t.Fatalf("round %d: key %d AS OF %d: round %v, want %d", round, k, seq, d["round"], want)
				}
				n++
				return true
			}))
			if n != maintKeys {
				t.Fatalf("round %d: AS OF %d: %d rows", round, seq, n)
			}
			hits := 0
			mustExec(t, v.IndexLookup("m", "round", OpEq, int64(3), func(*Row) bool { hits++; return true }))
			if wantHits := max(0, int(seq)-3*maintKeys); hits != min(wantHits, maintKeys) {
				t.Fatalf("round %d: index AS OF %d: %d hits, want %d", round, seq, hits, wantHits)
			}
		}
		db.Close()
	}
}
