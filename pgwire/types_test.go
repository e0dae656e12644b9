package pgwire

import (
	"strconv"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/driftql/exec"
)

// TestIntegerParams checks integer parameters in text format, read without
// a string in the usual form, against strconv's reading of every form.
func TestIntegerParams(t *testing.T) {
	for _, in := range []string{"0", "-0", "7", "-7", "123456789012345678", "-123456789012345678",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "+5", " 42 ", "",
		"-", "1e3", "12a", "00012", "٣"} {
		got, err := decodeParam([]byte(in), exec.OIDInt8, false)
		want, werr := strconv.ParseInt(strings.TrimSpace(in), 10, 64)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%q: error %v, strconv says %v", in, err, werr)
		}
		if err == nil && got != want {
			t.Fatalf("%q: %v, want %d", in, got, want)
		}
	}
}
