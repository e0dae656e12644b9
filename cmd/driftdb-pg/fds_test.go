package main

import (
	"strings"
	"testing"
)

// TestCheckDescriptors: the limit must hold the sockets, two descriptors
// a table, one a segment and the reserve; the message says what to raise it to and,
// when some connections fit, what to lower --max-connections to.
func TestCheckDescriptors(t *testing.T) {
	if err := checkDescriptors(256, 100, 116, 10, 20); err != nil {
		t.Fatalf("116 sockets, 10 tables in 256: %v", err)
	}
	if err := checkDescriptors(220, 100, 116, 10, 20); err != nil { // exactly 220
		t.Fatalf("exactly the limit: %v", err)
	}
	err := checkDescriptors(219, 100, 116, 10, 20)
	if err == nil || !strings.Contains(err.Error(), "needs up to 220 file descriptors") ||
		!strings.Contains(err.Error(), "raise the limit to 220") || !strings.Contains(err.Error(), "lower --max-connections to 99") {
		t.Fatalf("one short: %v", err)
	}
	err = checkDescriptors(64, 100, 116, 10, 20)
	if err == nil || strings.Contains(err.Error(), "lower --max-connections") {
		t.Fatalf("no connection fits: %v", err)
	}
}
