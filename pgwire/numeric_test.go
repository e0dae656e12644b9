package pgwire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/driftdb/driftdb/driftql/exec"
	"github.com/driftdb/driftdb/engine"
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
		d, err := decodeNumericBinary(c.in)
		got := ""
		if err != nil {
			got = "ERROR " + ErrorCode(err)
		} else {
			got = engine.NumericText(d)
		}
		if got != c.want {
			t.Errorf("%x: got %.60s (%d chars), want %.60s (%d chars)", c.in[:min(len(c.in), 12)], got, len(got), c.want, len(c.want))
		}
	}
}

// TestNumericBinaryRoundTrip encodes values through pgx's numeric codec
// (appendNumericBinary), decodes them with decodeNumericBinary and with
// pgx's own decoder, and compares.
func TestNumericBinaryRoundTrip(t *testing.T) {
	for _, s := range []string{
		"0", "0.00", "1", "-1", "2.50", "0.1", "12345678901234567890.123", "-0.000001",
		"10000", "99999999", "100000000.5", "0.0001", "0.00012345", "123.4500",
		"1" + strings.Repeat("0", 131071), "0." + strings.Repeat("0", 16382) + "1",
		"NaN", "Infinity", "-Infinity",
	} {
		b, err := appendNumericBinary(nil, s)
		if err != nil {
			t.Fatalf("%.40s: encode: %v", s, err)
		}
		d, err := decodeNumericBinary(b)
		if err != nil {
			t.Fatalf("%.40s: decode: %v", s, err)
		}
		if got := engine.NumericText(d); got != s {
			t.Errorf("round trip of %.40s: %.40s", s, got)
		}
		var n pgtype.Numeric
		if err := (pgtype.NumericCodec{}).PlanScan(nil, exec.OIDNumeric, pgtype.BinaryFormatCode, &n).Scan(b, &n); err != nil {
			t.Fatalf("%.40s: pgx decode: %v", s, err)
		}
		if !sameNumeric(n, d) {
			t.Errorf("%.40s: pgx reads %v e%d", s, n.Int, n.Exp)
		}
	}
	// A document number written with an exponent is encoded as numeric;
	// one beyond numeric's range is not.
	if b, err := appendNumericBinary(nil, "-1.5e3"); err != nil || string(b) != string(numericBytes(0, numericNeg, 0, 1500)) {
		t.Errorf("-1.5e3: %x, %v", b, err)
	}
	if _, err := appendNumericBinary(nil, "1e131072"); ErrorCode(err) != exec.CodeNumericRange {
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
// value's. Decoding one of these took seconds of processor time when the
// decoder built the zeros that a weight of 32767 stands for; the deadline
// is only a guard against hanging.
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
				if _, err := decodeNumericBinary(in); err != nil {
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

// TestNumericParams decodes numeric parameters in text and binary.
func TestNumericParams(t *testing.T) {
	for _, c := range []struct {
		in     []byte
		binary bool
		want   string
	}{
		{[]byte("0.10"), false, "0.10"},
		{[]byte(" -12345678901234567890.5 "), false, "-12345678901234567890.5"},
		{[]byte("1e3"), false, "1000"},
		{[]byte("NaN"), false, "NaN"},
		{[]byte("1e131072"), false, "ERROR 22003"},
		{[]byte("abc"), false, "ERROR 22P02"},
		{numericBytes(0, numericPos, 2, 3, 1400), true, "3.14"},
		{numericBytes(0, 7, 0), true, "ERROR 22P03"},
	} {
		v, err := decodeParam(c.in, exec.OIDNumeric, c.binary)
		got := ""
		if err != nil {
			got = "ERROR " + ErrorCode(paramError(0, err))
		} else {
			got = engine.NumericText(v.(*apd.Decimal))
		}
		if got != c.want {
			t.Errorf("%q (binary %v): %s, want %s", c.in, c.binary, got, c.want)
		}
	}
}

// TestFloatText writes floats as PostgreSQL 15 does.
func TestFloatText(t *testing.T) {
	for _, c := range []struct {
		f    float64
		oid  uint32
		want string
	}{
		{1234567, exec.OIDFloat8, "1234567"},
		{123456789012345, exec.OIDFloat8, "123456789012345"},
		{1e15, exec.OIDFloat8, "1e+15"},
		{0.0001, exec.OIDFloat8, "0.0001"},
		{0.00001, exec.OIDFloat8, "1e-05"},
		{1.5e-7, exec.OIDFloat8, "1.5e-07"},
		{0.1, exec.OIDFloat8, "0.1"},
		{-2.5, exec.OIDFloat8, "-2.5"},
		{1e300, exec.OIDFloat8, "1e+300"},
		{123456, exec.OIDFloat4, "123456"},
		{1234567, exec.OIDFloat4, "1.234567e+06"},
		{float64(float32(0.1)), exec.OIDFloat4, "0.1"},
		{float64(float32(0.1)), exec.OIDFloat8, "0.10000000149011612"},
	} {
		if got := string(encodeText(nil, c.f, c.oid)); got != c.want {
			t.Errorf("%v as %d: %s, want %s", c.f, c.oid, got, c.want)
		}
	}
}

// BenchmarkEncodeNumeric encodes numeric text in binary, up to the
// longest value numeric holds.
func BenchmarkEncodeNumeric(b *testing.B) {
	for _, s := range []string{"2.50", strings.Repeat("7", 100), strings.Repeat("7", 10000), strings.Repeat("7", 131072)} {
		b.Run(fmt.Sprintf("digits-%d", len(s)), func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := appendNumericBinary(nil, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeNumeric decodes binary numerics: short ones with the
// largest weight and scale (once quadratic in the weight), and long ones.
func BenchmarkDecodeNumeric(b *testing.B) {
	long := func(n int) []byte {
		digits := make([]uint16, n)
		for i := range digits {
			digits[i] = uint16(1000 + i%9000)
		}
		return numericBytes(int16(n/2), numericPos, uint16(4*(n-n/2-1)), digits...)
	}
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"8B-weight32767", numericBytes(32767, numericPos, 0)}, // no digit: zero
		{"10B-weight32767", numericBytes(32767, numericPos, 0, 1)},
		{"10B-weight-32768-dscale16383", numericBytes(-32768, numericPos, 16383, 1)},
		{"18B-2.50", numericBytes(0, numericPos, 2, 2, 5000)},
		{"digits-100", long(100)},
		{"digits-1000", long(1000)},
		{"digits-8000", long(8000)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeNumericBinary(c.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzDecodeNumeric feeds random bytes to the binary numeric decoder: it
// must not panic, and what it accepts must encode back to the same value.
func FuzzDecodeNumeric(f *testing.F) {
	f.Add(numericBytes(0, numericNeg, 2, 12, 3400))
	f.Add(numericBytes(32767, numericPos, 0, 1))
	f.Add(numericBytes(-32768, numericPos, 16383, 1))
	f.Add(numericBytes(0, numericNaN, 0))
	f.Add(numericBytes(1, numericPos, 3, 0, 9999, 10))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<12 {
			return
		}
		d, err := decodeNumericBinary(in)
		if err != nil {
			return
		}
		b, err := appendNumericBinary(nil, engine.NumericText(d))
		if err != nil {
			t.Fatalf("%x decodes to %.40s, which does not encode: %v", in, engine.NumericText(d), err)
		}
		back, err := decodeNumericBinary(b)
		if err != nil || engine.NumericText(back) != engine.NumericText(d) {
			t.Fatalf("%x: %.40s encodes to %x, which reads %v %v", in, engine.NumericText(d), b, back, err)
		}
	})
}

// TestBinarySpecialValues sends NaN and infinities in binary with the
// bytes PostgreSQL 15 sends for them.
func TestBinarySpecialValues(t *testing.T) {
	for _, c := range []struct {
		v    any
		oid  uint32
		want string
	}{
		{math.NaN(), exec.OIDFloat8, "7ff8000000000000"},
		{-math.NaN(), exec.OIDFloat8, "7ff8000000000000"},
		{math.NaN(), exec.OIDFloat4, "7fc00000"},
		{math.Inf(-1), exec.OIDFloat8, "fff0000000000000"},
		{"NaN", exec.OIDNumeric, "00000000c0000000"},
		{"Infinity", exec.OIDNumeric, "00000000d0000020"},
		{"-Infinity", exec.OIDNumeric, "00000000f0000020"},
	} {
		b, err := encodeBinary(nil, c.v, c.oid)
		if err != nil || fmt.Sprintf("%x", b) != c.want {
			t.Errorf("%v as %d: %x, %v; want %s", c.v, c.oid, b, err, c.want)
		}
	}
}
