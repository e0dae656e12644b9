package integration

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/pgwire"
	"github.com/driftdb/driftdb/sql/exec"
	"github.com/driftdb/driftdb/store"
)

// TestFilteredStringsOfPresentRows: a scan's filter reads the strings of
// rows whose documents are lent from the table's present file, in place;
// the rows it lets through keep theirs, sorted, grouped and returned
// after the scan has read past them, as the rows were written. The table
// is large enough to be read in parts side by side, each part lending its
// own rows.
func TestFilteredStringsOfPresentRows(t *testing.T) {
	c := spilledTable(t, "lent", "(id int8 PRIMARY KEY, email text NOT NULL, status varchar(8), n int8)",
		"SELECT i, 'user' || i || '@example.com', 'st' || (i % 7), i FROM generate_series(1, 40000) AS i")

	parts := exec.ParallelPlans()
	got := rowsText(t, c, "SELECT id, email, status FROM lent WHERE email || status LIKE '%5@example.comst_' ORDER BY email DESC")
	var want []string
	for i := 1; i <= 40000; i++ {
		if i%10 == 5 {
			want = append(want, fmt.Sprintf("%d|user%d@example.com|st%d", i, i, i%7))
		}
	}
	slices.SortFunc(want, func(a, b string) int { return -strings.Compare(strings.Split(a, "|")[1], strings.Split(b, "|")[1]) })
	if !slices.Equal(got, want) {
		t.Fatalf("%d rows, want %d; first %q, want %q", len(got), len(want), got[:min(3, len(got))], want[:3])
	}

	if runtime.GOMAXPROCS(0) > 1 && exec.ParallelPlans() == parts {
		t.Error("the filtered scan was read as one part")
	}

	// Kept by an aggregate and a grouping: the strings of every row the
	// filter let through.
	var most, least string
	var groups int
	if err := c.QueryRow(bg, "SELECT max(email), min(status), count(DISTINCT status) FROM lent WHERE length(email || status) > 22").Scan(&most, &least, &groups); err != nil {
		t.Fatal(err)
	}
	if most != "user9999@example.com" || least != "st0" || groups != 7 {
		t.Fatalf("max %q, min %q, %d statuses", most, least, groups)
	}

	// Grouped by strings read where the documents lie (an aggregation
	// read as columns): each group's key is a copy, whatever the chunks
	// read after it. Then the same under a condition the scan checks on
	// the strings where they lie: the rows it lets through are read from
	// what it filled.
	byStatus := func(where string, keep func(i int64) bool) {
		t.Helper()
		sums := map[string][2]int64{}
		for i := int64(1); i <= 40000; i++ {
			if keep(i) {
				k := fmt.Sprintf("st%d", i%7)
				sums[k] = [2]int64{sums[k][0] + 1, sums[k][1] + i + 1}
			}
		}
		got := rowsText(t, c, "SELECT status, count(*), sum(n) FROM lent "+where+" GROUP BY status ORDER BY status")
		var want []string
		for i := range 7 {
			k := fmt.Sprintf("st%d", i)
			want = append(want, fmt.Sprintf("%s|%d|%d", k, sums[k][0], sums[k][1]))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("by status %s: %q, want %q", where, got, want)
		}
	}
	var least3, most3 string
	if err := c.QueryRow(bg, "SELECT min(email), max(email) FROM lent").Scan(&least3, &most3); err != nil {
		t.Fatal(err)
	}
	if least3 != "user10000@example.com" || most3 != "user9@example.com" {
		t.Fatalf("min %q, max %q", least3, most3)
	}
	byStatus("", func(int64) bool { return true })
	byStatus("WHERE email LIKE '%12%'", func(i int64) bool { return strings.Contains(fmt.Sprintf("user%d@example.com", i), "12") })
	var emails, first int64
	var least2 string
	if err := c.QueryRow(bg, "SELECT count(*), min(email), min(n) FROM (SELECT email, max(n) AS n FROM lent GROUP BY email) g").Scan(&emails, &least2, &first); err != nil {
		t.Fatal(err)
	}
	if emails != 40000 || least2 != "user10000@example.com" || first != 2 {
		t.Fatalf("by email: %d groups, least %q, least n %d", emails, least2, first)
	}
}

// spilledTable starts a server whose tables leave their documents to the
// version index, makes table with the columns cols and the rows of
// query, updates each row's n (so that their newest versions go to the
// present file at the snapshot) and snapshots it, and returns a
// connection to the server.
func spilledTable(t *testing.T, table, cols, query string) *pgx.Conn {
	t.Helper()
	opts := engine.Options{Store: store.Options{NoSync: true}, VersionIndex: true, NewestInIndex: true,
		SnapshotEvents: -1, SnapshotBytes: -1, CacheSize: -1}
	s := startServerOn(t, pgwire.Config{}, t.TempDir(), opts)
	c := connect(t, s.url(""))
	for _, q := range []string{
		"CREATE TABLE " + table + " " + cols,
		"INSERT INTO " + table + " " + query,
		"UPDATE " + table + " SET n = n + 1",
		"SNAPSHOT " + table,
	} {
		if _, err := c.Exec(bg, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if p, _ := filepath.Glob(filepath.Join(s.dir, "tables", table, "present.*")); len(p) != 1 {
		t.Fatalf("present files: %v, want one", p)
	}
	return c
}
