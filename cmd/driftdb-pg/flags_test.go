package main

import (
	"io"
	"testing"
)

// TestSpillAboveFlag: -spill-above follows -cache-size unless it is given,
// on the command line or in the environment; 0 is kept, not taken for
// unset.
func TestSpillAboveFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  string
		want int64
	}{
		{nil, "", 256 << 20},
		{[]string{"-cache-size", "1GB"}, "", 1 << 30},
		{[]string{"-cache-size", "1GB", "-spill-above", "64MB"}, "", 64 << 20},
		{[]string{"-spill-above", "0"}, "", 0},
		{[]string{"-cache-size", "1GB"}, "2GB", 2 << 30},
		{nil, "0", 0},
	} {
		if c.env != "" {
			t.Setenv("DRIFTDB_SPILL_ABOVE", c.env)
		}
		o, err := parseFlags(c.args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if int64(o.spillAbove) != c.want || !o.versionIndex || !o.newestInIndex {
			t.Fatalf("%v %q: spill above %d, version index %v, newest in index %v; want %d and both on", c.args, c.env, int64(o.spillAbove), o.versionIndex, o.newestInIndex, c.want)
		}
	}
}
