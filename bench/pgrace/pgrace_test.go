package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// A pgbench 15 report, as it prints it.
const sampleReport = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: bench/point.sql
scaling factor: 1
query mode: prepared
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 10 s
number of transactions actually processed: 320060
number of failed transactions: 0 (0.000%)
latency average = 0.249 ms
initial connection time = 3.902 ms
tps = 32006.124 (without initial connection time)
`

func TestReportParsing(t *testing.T) {
	m := tpsRe.FindStringSubmatch(sampleReport)
	if m == nil || m[1] != "32006.124" {
		t.Fatalf("tps: %q", m)
	}
	if m := doneRe.FindStringSubmatch(sampleReport); m == nil || m[1] != "320060" {
		t.Fatalf("transactions: %q", m)
	}
	if m := failedRe.FindStringSubmatch(sampleReport); m == nil || m[1] != "0" {
		t.Fatalf("failed: %q", m)
	}
}

// TestReadLatencies reads per-thread transaction logs in pgbench's format
// (client, transaction, latency in µs, script, epoch seconds, µs), skipping
// lines of failed transactions.
func TestReadLatencies(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"tx.1234":   "0 0 250 0 1764050000 123456\n0 1 300 0 1764050000 123789\n",
		"tx.1234.1": "1 0 1200 0 1764050000 124000\n1 1 failed 0 1764050000 125000\n",
		"other":     "0 0 999999 0 1 1\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := readLatencies(dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []int64{250, 300, 1200}; !reflect.DeepEqual(got, want) {
		t.Fatalf("latencies %v, want %v", got, want)
	}
}

// TestChart draws a report and checks that the result is a PNG.
func TestChart(t *testing.T) {
	rep := &report{Machine: "2 x test", Duration: "10s", Results: []result{
		{workload: workload{Name: "point select", Clients: 8, Mode: "simple"}, DriftDB: &measurement{TPS: 2}, PostgreSQL: &measurement{TPS: 1}, Ratio: 2},
		{workload: workload{Name: "point select AS OF", Clients: 8, Mode: "simple"}, DriftDB: &measurement{TPS: 1}, Base: &measurement{TPS: 1}, Ratio: 1},
	}, Bulk: &bulkResult{Rows: 1000, DriftDBSeconds: 1, PGSeconds: 2, DriftDBBytes: 1 << 20, PGBytes: 2 << 20}}
	png, err := chart(rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatalf("not a PNG: % x", png[:min(8, len(png))])
	}
}

// TestRounds runs the contenders in turn and keeps each one's median round.
func TestRounds(t *testing.T) {
	tps := [][]float64{{300, 100, 200}, {10, 30, 20}}
	var order []int
	next := []int{0, 0}
	ms, err := rounds(3, func(i int) (*measurement, error) {
		order = append(order, i)
		m := &measurement{TPS: tps[i][next[i]], Count: next[i]}
		next[i]++
		return m, nil
	}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 0, 1, 0, 1}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	if ms[0].TPS != 200 || ms[0].Count != 2 || ms[1].TPS != 20 || ms[1].Count != 2 {
		t.Fatalf("medians %+v %+v", ms[0], ms[1])
	}
	if !reflect.DeepEqual(ms[0].Rounds, tps[0]) || !reflect.DeepEqual(ms[1].Rounds, tps[1]) {
		t.Fatalf("rounds %v %v", ms[0].Rounds, ms[1].Rounds)
	}
}

// TestParseCPU reads the cpu line of /proc/stat: idle and iowait are
// idle, steal is not, guest times are not counted twice.
func TestParseCPU(t *testing.T) {
	got, err := parseCPU("cpu  100 5 50 800 20 3 2 10 40 0")
	if err != nil {
		t.Fatal(err)
	}
	if want := (times{total: 990, idle: 820}); got != want {
		t.Fatalf("%+v, want %+v", got, want)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5", "cpu 1 2 x 4 5", "intr 1 2 3 4 5 6"} {
		if _, err := parseCPU(bad); err == nil {
			t.Fatalf("%q parsed", bad)
		}
	}
	if _, err := cpuTimes(); err != nil {
		t.Fatal(err)
	}
}
