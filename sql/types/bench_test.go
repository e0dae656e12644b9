package types

import (
	"strings"
	"testing"
	"time"

	"github.com/driftdb/driftdb/engine"
)

// The benchmarks measure what every scan and sort does per value: write
// it as text for the client, and compare it with another.

func BenchmarkAppendText(b *testing.B) {
	ny := LookupZone("America/New_York")
	num, _ := engine.ParseNumeric("12345678.901234")
	cases := []struct {
		name string
		d    Datum
		t    *T
		c    *Context
	}{
		{"int8", int64(-1234567890123), Int8, nil},
		{"numeric", num, Numeric, nil},
		{"text", "the quick brown fox jumps over the lazy dog", Text, nil},
		{"timestamptz-UTC", TimestampTZFromTime(time.Date(2025, 1, 31, 12, 34, 56, 789000000, time.UTC)), TimestampTZ, nil},
		{"timestamptz-NewYork", TimestampTZFromTime(time.Date(2025, 1, 31, 12, 34, 56, 789000000, time.UTC)), TimestampTZ, &Context{TimeZone: ny, ExtraFloatDigits: 1}},
		{"float8", 3.141592653589793, Float8, nil},
		{"jsonb", DJSONB{V: map[string]any{"id": int64(42), "name": "x", "tags": []any{"a", "b"}}}, JSONB, nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			buf := AppendText(nil, c.d, c.t, c.c)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendText(buf[:0], c.d, c.t, c.c)
			}
		})
	}
}

func BenchmarkCompare(b *testing.B) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name string
		a, d Datum
		t    *T
	}{
		{"int8", int64(123456789), int64(123456790), Int8},
		{"text-short", "apple", "apricot", Text},
		{"text-100B", long + "a", long + "b", Text},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if Compare(c.a, c.d, c.t) >= 0 {
					b.Fatal("wrong order")
				}
			}
		})
	}
}

func BenchmarkParseText(b *testing.B) {
	for _, c := range []struct {
		name, s string
		t       *T
	}{
		{"int8", "-1234567890123", Int8},
		{"numeric", "12345678.901234", Numeric},
		{"timestamptz", "2025-01-31 12:34:56.789+00", TimestampTZ},
		{"date", "2025-01-31", Date},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseText(c.s, c.t, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
