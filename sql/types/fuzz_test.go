package types

import (
	"math"
	"strings"
	"testing"
	"time"
)

// fuzzTypes are the types the fuzzers pick from (by a byte of input).
var fuzzTypes = castProbeTypes()

func fuzzContext() *Context {
	c := DefaultContext()
	c.TimeZone = LookupZone("America/New_York")
	c.Now = func() time.Time { return testClock }
	return c
}

// addTextSeeds seeds a fuzzer with the inputs of the text cases.
func addTextSeeds(f *testing.F) {
	cases, _ := loadCases(&testing.T{}, "testdata/text_io.txt")
	index := map[string]int{}
	for i, t := range fuzzTypes {
		index[t.Name] = i
	}
	for _, c := range cases {
		name := c.from
		if strings.HasSuffix(name, "[]") {
			name = "_" + strings.TrimSuffix(name, "[]")
		}
		if i, ok := index[name]; ok {
			f.Add(uint8(i), c.input)
		}
	}
}

// FuzzParseText reads random text as each type: it must not panic, and
// a value it accepts must write text that reads back to the same value
// and the same text.
func FuzzParseText(f *testing.F) {
	addTextSeeds(f)
	ctx := fuzzContext()
	f.Fuzz(func(t *testing.T, pick uint8, s string) {
		if len(s) > 1000 {
			return
		}
		typ := fuzzTypes[int(pick)%len(fuzzTypes)]
		d, err := ParseText(s, typ, ctx)
		if err != nil {
			return
		}
		out := FormatText(d, typ, ctx)
		d2, err := ParseText(out, typ, ctx)
		if err != nil {
			// PostgreSQL cannot read back the smallest interval either:
			// its hours overflow before the sign applies.
			if iv, ok := d.(DInterval); ok && iv.Micros == math.MinInt64 {
				return
			}
			t.Fatalf("%s: %q reads, but its output %q does not: %v", typ, s, out, err)
		}
		if Compare(d, d2, typ) != 0 {
			t.Fatalf("%s: %q writes %q, which reads as another value (%q)", typ, s, out, FormatText(d2, typ, ctx))
		}
		if out2 := FormatText(d2, typ, ctx); out2 != out {
			t.Fatalf("%s: %q writes %q, then %q", typ, s, out, out2)
		}
	})
}

// FuzzParseBinary reads random bytes as each type: it must not panic, and
// a value it accepts must write bytes that read back to the same value.
func FuzzParseBinary(f *testing.F) {
	cases, _ := loadCases(&testing.T{}, "testdata/text_io.txt")
	for i, typ := range fuzzTypes {
		for _, c := range cases {
			if c.code != "" || c.from != typ.Name {
				continue
			}
			d, err := ParseText(c.input, typ, nil)
			if err != nil {
				continue
			}
			if b, err := AppendBinary(nil, d, typ); err == nil {
				f.Add(uint8(i), b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, pick uint8, b []byte) {
		if len(b) > 4096 {
			return
		}
		typ := fuzzTypes[int(pick)%len(fuzzTypes)]
		d, err := ParseBinary(b, typ)
		if err != nil || d == nil {
			return
		}
		out, err := AppendBinary(nil, d, typ)
		if err != nil {
			t.Fatalf("%s: %x reads, but does not write: %v", typ, b, err)
		}
		d2, err := ParseBinary(out, typ)
		if err != nil {
			t.Fatalf("%s: %x reads, writes %x, which does not read: %v", typ, b, out, err)
		}
		if Compare(d, d2, typ) != 0 {
			t.Fatalf("%s: %x reads, writes %x, which reads as another value", typ, b, out)
		}
	})
}
