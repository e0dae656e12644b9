package types

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// numericBytes builds numeric's binary form.
func numericBytes(weight int16, sign, dscale uint16, digits ...uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(digits)))
	b = binary.BigEndian.AppendUint16(b, uint16(weight))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, dscale)
	for _, d := range digits {
		b = binary.BigEndian.AppendUint16(b, d)
	}
	return b
}

// TestNumericBinaryDecode reads numeric's binary form as PostgreSQL's
// numeric_recv does (the wanted texts are what PostgreSQL 15 shows for
// the same bytes).
func TestNumericBinaryDecode(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want string // text, or "ERROR code"
	}{
		{numericBytes(0, numericPos, 0, 1), "1"},
		{numericBytes(0, numericNeg, 2, 12, 3400), "-12.34"},
		{numericBytes(0, numericPos, 2, 1), "1.00"},
		{numericBytes(1, numericPos, 0, 1), "10000"},
		{numericBytes(1, numericPos, 3, 1), "10000.000"},
		{numericBytes(-1, numericPos, 4, 1000), "0.1000"},
		{numericBytes(-2, numericPos, 5, 5000), "0.00005"},
		{numericBytes(0, numericPos, 0), "0"},
		{numericBytes(32767, numericPos, 0), "0"}, // 8 bytes: no digit, the largest weight
		{numericBytes(0, numericNeg, 3), "0.000"},
		{numericBytes(0, numericPos, 1, 0, 0), "0.0"},
		{numericBytes(2, numericPos, 0, 0, 12, 3456, 0), "123456"}, // a leading zero digit
		// Digits beyond dscale are truncated away, as PostgreSQL does.
		{numericBytes(0, numericPos, 1, 1, 2345), "1.2"},
		{numericBytes(0, numericNeg, 0, 7, 9999), "-7"},
		{numericBytes(-1, numericNeg, 2, 9), "0.00"},
		{numericBytes(-32768, numericPos, 16383, 1), "0." + strings.Repeat("0", 16383)},
		{numericBytes(-32768, numericPos, 0, 1), "0"},
		// The largest weight: digits before the point, no zeros built.
		{numericBytes(32767, numericPos, 0, 1), "1" + strings.Repeat("0", 131068)},
		{numericBytes(32767, numericPos, 0, 9999), "9999" + strings.Repeat("0", 131068)},
		{numericBytes(32767, numericNeg, 1, 5), "-5" + strings.Repeat("0", 131068) + ".0"},
		{numericBytes(0, numericNaN, 0), "NaN"},
		{numericBytes(0, numericPosInf, 0), "Infinity"},
		{numericBytes(0, numericNegInf, 0), "-Infinity"},
		// Malformed.
		{numericBytes(0, 0x1234, 0, 1), "ERROR 22P03"},
		{numericBytes(0, numericPos, 0x4000, 1), "ERROR 22P03"},
		{numericBytes(0, numericPos, 0, 10000), "ERROR 22P03"},
		{numericBytes(0, numericPos, 0, 1)[:9], "ERROR 22P03"},
		{[]byte{0, 0, 0, 0, 0, 0}, "ERROR 22P03"},
		{append(numericBytes(0, numericPos, 0, 1), 0, 1), "ERROR 22P03"},
	} {
		d, err := ParseBinary(c.in, Numeric)
		got := ""
		if err != nil {
			got = "ERROR " + string(pgcode.Of(err))
		} else {
			got = engine.NumericText(d.(*apd.Decimal))
		}
		if got != c.want {
			t.Errorf("%x: got %.60s (%d chars), want %.60s (%d chars)", c.in[:min(len(c.in), 12)], got, len(got), c.want, len(c.want))
		}
	}
}

// TestNumericBinaryRoundTrip encodes values with AppendBinary, decodes
// them with ParseBinary and with pgx's numeric codec, and compares.
func TestNumericBinaryRoundTrip(t *testing.T) {
	for _, s := range []string{
		"0", "0.00", "1", "-1", "2.50", "0.1", "12345678901234567890.123", "-0.000001",
		"10000", "99999999", "100000000.5", "0.0001", "0.00012345", "123.4500",
		"1" + strings.Repeat("0", 131071), "0." + strings.Repeat("0", 16382) + "1",
		"NaN", "Infinity", "-Infinity",
	} {
		n, err := engine.ParseNumeric(s)
		if err != nil {
			t.Fatal(err)
		}
		b, err := AppendBinary(nil, n, Numeric)
		if err != nil {
			t.Fatalf("%.40s: encode: %v", s, err)
		}
		d, err := ParseBinary(b, Numeric)
		if err != nil {
			t.Fatalf("%.40s: decode: %v", s, err)
		}
		if got := engine.NumericText(d.(*apd.Decimal)); got != s {
			t.Errorf("round trip of %.40s: %.40s", s, got)
		}
		var pn pgtype.Numeric
		if err := (pgtype.NumericCodec{}).PlanScan(nil, OidNumeric, pgtype.BinaryFormatCode, &pn).Scan(b, &pn); err != nil {
			t.Fatalf("%.40s: pgx decode: %v", s, err)
		}
		if !sameNumeric(pn, d.(*apd.Decimal)) {
			t.Errorf("%.40s: pgx reads %v e%d", s, pn.Int, pn.Exp)
		}
	}
	// A value beyond numeric's range does not encode.
	big := apd.New(1, 131072)
	if _, err := AppendBinary(nil, big, Numeric); pgcode.Of(err) != pgcode.NumericValueOutOfRange {
		t.Errorf("1e131072: %v, want 22003", err)
	}
}

// sameNumeric reports whether pgx's numeric and d are the same number.
func sameNumeric(n pgtype.Numeric, d *apd.Decimal) bool {
	switch {
	case n.NaN:
		return d.Form == apd.NaN
	case n.InfinityModifier != pgtype.Finite:
		return d.Form == apd.Infinite && d.Negative == (n.InfinityModifier == pgtype.NegativeInfinity)
	}
	x := apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(n.Int), n.Exp)
	return x.Cmp(d) == 0
}

// TestNumericBinaryCheap decodes binary numerics whose few bytes say a
// huge weight or scale: the work follows the input's size, not the
// value's. The deadline is only a guard against hanging.
func TestNumericBinaryCheap(t *testing.T) {
	inputs := [][]byte{
		numericBytes(32767, numericPos, 0),
		numericBytes(32767, numericPos, 0, 1),
		numericBytes(32767, numericNeg, 0, 9999, 9999),
		numericBytes(32767, numericPos, 16383, 1),
		numericBytes(-32768, numericPos, 16383, 1),
		numericBytes(-32768, numericPos, 0, 9999),
		numericBytes(0, numericPos, 16383, 1),
	}
	done := make(chan error, 1)
	go func() {
		for range 40 {
			for _, in := range inputs {
				if _, err := ParseBinary(in, Numeric); err != nil {
					done <- fmt.Errorf("%x: %v", in, err)
					return
				}
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("decoding 280 short binary numerics did not finish in 30 s")
	}
}
