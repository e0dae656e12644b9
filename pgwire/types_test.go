package pgwire

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/driftdb/driftdb/sql"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// TestIntegerParams checks integer parameters in text format against
// strconv's reading of every form.
func TestIntegerParams(t *testing.T) {
	tc := types.DefaultContext()
	for _, in := range []string{"0", "-0", "7", "-7", "123456789012345678", "-123456789012345678",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "+5", " 42 ", "",
		"-", "1e3", "12a", "00012", "٣"} {
		got, err := decodeParam([]byte(in), types.Int8, false, tc)
		want, werr := strconv.ParseInt(strings.TrimSpace(in), 10, 64)
		if (err != nil) != (werr != nil) {
			t.Fatalf("%q: error %v, strconv says %v", in, err, werr)
		}
		if err == nil && got != want {
			t.Fatalf("%q: %v, want %d", in, got, want)
		}
	}
}

// TestParams decodes parameters in text and binary format, and checks the
// SQLSTATE and context of those that cannot be read.
func TestParams(t *testing.T) {
	tc := types.DefaultContext()
	hexb := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		in     []byte
		typ    *types.T
		binary bool
		want   string
	}{
		{[]byte("0.10"), types.Numeric, false, "0.10"},
		{[]byte(" -12345678901234567890.5 "), types.Numeric, false, "-12345678901234567890.5"},
		{[]byte("1e3"), types.Numeric, false, "1000"},
		{[]byte("NaN"), types.Numeric, false, "NaN"},
		{[]byte("1e131072"), types.Numeric, false, "ERROR 22003 unnamed portal parameter $1 = '1e131072'"},
		{[]byte("abc"), types.Numeric, false, "ERROR 22P02 unnamed portal parameter $1 = 'abc'"},
		{hexb("000200000000000200030578"), types.Numeric, true, "3.14"},
		{hexb("0001000000070000"), types.Numeric, true, "ERROR 22P03 unnamed portal parameter $1"},
		{hexb("00000001"), types.Int8, true, "ERROR 22P03 unnamed portal parameter $1"},
		{[]byte("2026-12-02 10:00:00+02"), types.TimestampTZ, false, "2026-12-02 08:00:00+00"},
		{[]byte("{1,NULL,3}"), types.ArrayOf(types.Int4), false, "{1,NULL,3}"},
		{[]byte("it's"), types.Text, false, "it's"},
		{[]byte("x"), types.Bool, false, "ERROR 22P02 unnamed portal parameter $1 = 'x'"},
		{[]byte("it's"), types.Int4, false, "ERROR 22P02 unnamed portal parameter $1 = 'it''s'"},
	} {
		v, err := decodeParam(c.in, c.typ, c.binary, tc)
		got := ""
		if err != nil {
			pe := paramError(0, c.in, c.binary, "", err).(*pgcode.Error)
			got = "ERROR " + string(pe.Code) + " " + pe.Where
		} else {
			got = types.FormatText(v, c.typ, tc)
		}
		if got != c.want {
			t.Errorf("%q as %s (binary %v): %s, want %s", c.in, c.typ, c.binary, got, c.want)
		}
	}
}

// TestDataRow encodes a row in text and binary and checks the message's
// bytes.
func TestDataRow(t *testing.T) {
	cols := []sql.Column{{Name: "a", Type: types.Int4}, {Name: "b", Type: types.Text}, {Name: "c", Type: types.Bool}}
	row := []types.Datum{int64(258), nil, true}
	for _, c := range []struct {
		formats []int16
		want    string
	}{
		{nil, "44" + "00000016" + "0003" + "00000003" + "323538" + "ffffffff" + "00000001" + "74"},
		{[]int16{1}, "44" + "00000017" + "0003" + "00000004" + "00000102" + "ffffffff" + "00000001" + "01"},
		{[]int16{0, 0, 1}, "44" + "00000016" + "0003" + "00000003" + "323538" + "ffffffff" + "00000001" + "01"},
	} {
		b, err := appendDataRow([]byte("x"), row, cols, c.formats, types.DefaultContext())
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(b[1:]); got != c.want {
			t.Errorf("formats %v: %s, want %s", c.formats, got, c.want)
		}
	}
	// An int4 column holding a value beyond int4 cannot go out in binary.
	_, err := appendDataRow(nil, []types.Datum{int64(1) << 40}, cols[:1], []int16{1}, types.DefaultContext())
	if pgcode.Of(err) != pgcode.NumericValueOutOfRange {
		t.Errorf("int4 out of range in binary: %v (%s), want 22003", err, pgcode.Of(err))
	}
}
