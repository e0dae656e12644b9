package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// The machine settles before a measurement: a load leaves background
// work behind it (DriftDB's index compaction and extents, PostgreSQL's
// checkpoint and autovacuum), and a round run beside it measures that
// work rather than the reads. settle waits until the processors have been
// idle for settleIdle of every settleWindow for settleQuiet, or cfg.settle
// has passed. settleQuiet is longer than DriftDB's wait for a quiet index
// before it writes its extents (10 s), so that work is not taken for
// the end of the load's.
const (
	settleWindow = 2 * time.Second
	settleIdle   = 0.90
	settleQuiet  = 16 * time.Second
)

// settled is one wait of the race for the machine to settle: before
// what, how long, how idle the processors were in the last window, and
// whether they were quiet for settleQuiet (Done).
type settled struct {
	Before  string  `json:"before"`
	Seconds float64 `json:"seconds"`
	Idle    float64 `json:"idle"`
	Done    bool    `json:"done"`
}

// settle waits for the machine to settle before what, and says so on out.
func settle(ctx context.Context, cfg config, what string, out io.Writer) (settled, error) {
	s := settled{Before: what}
	if cfg.settle <= 0 {
		return s, nil
	}
	start := time.Now()
	prev, err := cpuTimes()
	if err != nil {
		return s, err
	}
	quiet := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(settleWindow):
		}
		cur, err := cpuTimes()
		if err != nil {
			return s, err
		}
		if total := cur.total - prev.total; total > 0 {
			s.Idle = float64(cur.idle-prev.idle) / float64(total)
		}
		prev = cur
		if s.Idle >= settleIdle {
			quiet += settleWindow
		} else {
			quiet = 0
		}
		s.Seconds = time.Since(start).Seconds()
		if s.Done = quiet >= settleQuiet; s.Done || time.Since(start) >= cfg.settle {
			state := "settled"
			if !s.Done {
				state = "did not settle"
			}
			fmt.Fprintf(out, "%s before %s after %.0fs (processors %.0f%% idle in the last %s)\n", state, what, s.Seconds, 100*s.Idle, settleWindow)
			return s, nil
		}
	}
}

// times are the processors' time in ticks since boot: all of it, and
// the part idle or waiting for I/O.
type times struct{ total, idle uint64 }

// cpuTimes reads the first line of /proc/stat.
func cpuTimes() (times, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return times{}, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseCPU(line)
}

// parseCPU parses the "cpu" line of /proc/stat: user nice system idle
// iowait irq softirq steal, then guest times (counted in user and nice
// already). Steal, the time the host took, is not idle here.
func parseCPU(line string) (times, error) {
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return times{}, fmt.Errorf("/proc/stat: %q is not the cpu line", line)
	}
	var t times
	for i, s := range f[1:min(len(f), 9)] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return times{}, fmt.Errorf("/proc/stat: %q: %w", line, err)
		}
		t.total += v
		if i == 3 || i == 4 {
			t.idle += v
		}
	}
	return t, nil
}
