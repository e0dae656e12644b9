package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a one-line progress bar on a terminal; elsewhere it stays
// silent, so scripts and pipes see only results.
type progress struct {
	w     io.Writer
	label string
	total int64 // 0 when unknown
	done  int64
	last  time.Time
	start time.Time
	on    bool
}

func newProgress(w io.Writer, label string, total int64) *progress {
	return &progress{w: w, label: label, total: total, start: time.Now(), on: isTerminal(w)}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// add records n more units done and redraws at most ten times a second.
func (p *progress) add(n int64) {
	p.done += n
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progress) draw() {
	const width = 30
	if p.total > 0 {
		frac := float64(p.done) / float64(p.total)
		if frac > 1 {
			frac = 1
		}
		fill := int(frac * width)
		fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d/%d", p.label, strings.Repeat("#", fill),
			strings.Repeat(".", width-fill), frac*100, p.done, p.total)
		return
	}
	fmt.Fprintf(p.w, "\r%s %d", p.label, p.done)
}

// finish draws the final state and ends the line.
func (p *progress) finish() {
	if !p.on {
		return
	}
	p.draw()
	fmt.Fprintf(p.w, " (%.1fs)\n", time.Since(p.start).Seconds())
}
