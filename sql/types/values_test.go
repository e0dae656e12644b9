package types

import (
	"encoding/json"
	"hash/maphash"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// TestJSONBDocumentValues writes, compares and hashes jsonb documents as
// the engine holds them (int64, float64, json.Number in any form): a
// number is its value, however it is held.
func TestJSONBDocumentValues(t *testing.T) {
	seed := maphash.MakeSeed()
	doc := DJSONB{V: map[string]any{"b": int64(2), "a": 1.5, "c": json.Number("1e2"), "d": []any{json.Number("-0.0"), nil}}}
	if got, want := FormatText(doc, JSONB, nil), `{"a": 1.5, "b": 2, "c": 100, "d": [0.0, null]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	parsed, err := ParseText(`{"a": 1.50, "b": 2.0, "c": 100, "d": [0, null]}`, JSONB, nil)
	if err != nil {
		t.Fatal(err)
	}
	if Compare(doc, parsed, JSONB) != 0 || !Equal(doc, parsed, JSONB) {
		t.Errorf("%s and %s differ", FormatText(doc, JSONB, nil), FormatText(parsed, JSONB, nil))
	}
	if hashOf(doc, JSONB, seed) != hashOf(parsed, JSONB, seed) {
		t.Error("equal documents hash apart")
	}
	// A scalar and the array of it are not equal.
	one, arr := DJSONB{V: int64(1)}, DJSONB{V: []any{int64(1)}}
	if Equal(one, arr, JSONB) || Compare(one, arr, JSONB) >= 0 {
		t.Error("1 and [1] must differ, the scalar first")
	}
}

// TestNilContext uses PostgreSQL's defaults when there is no Context.
func TestNilContext(t *testing.T) {
	d, err := ParseText("2025-01-31 12:00", TimestampTZ, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatText(d, TimestampTZ, nil); got != "2025-01-31 12:00:00+00" {
		t.Errorf("timestamptz: %s", got)
	}
	if got := FormatText(0.1, Float8, nil); got != "0.1" {
		t.Errorf("float8: %s (extra_float_digits must default to 1)", got)
	}
	var zero Context
	if got := FormatText(0.1, Float4, &zero); got != "0.1" {
		t.Errorf("float4 with extra_float_digits 0: %s", got)
	}
	if got := FormatText(1.0/3, Float8, &zero); got != "0.333333333333333" {
		t.Errorf("float8 with extra_float_digits 0: %s", got)
	}
}

// TestPseudoTypes: the pseudo-types have no values to read or cast.
func TestPseudoTypes(t *testing.T) {
	for _, typ := range []*T{Record, AnyElement, AnyArray} {
		if _, err := ParseText("x", typ, nil); pgcode.Of(err) != pgcode.FeatureNotSupported {
			t.Errorf("%s: %v", typ, err)
		}
		if CastContext(Text, typ) != ContextNone {
			t.Errorf("text casts to %s", typ)
		}
	}
	if CastContext(Unknown, Date) != ContextImplicit || CastContext(Unknown, Record) != ContextNone {
		t.Error("an untyped literal casts implicitly to any type with values")
	}
	d, err := CastWith("2025-01-31", Unknown, Date, ContextImplicit, nil)
	if err != nil || FormatText(d, Date, nil) != "2025-01-31" {
		t.Errorf("unknown to date: %v %v", d, err)
	}
	if d, err := Cast(nil, Int4, Text, nil); d != nil || err != nil {
		t.Errorf("NULL casts to NULL: %v %v", d, err)
	}
	if _, err := Cast(int64(1), Int4, Date, nil); pgcode.Of(err) != pgcode.CannotCoerce {
		t.Errorf("integer to date: %v", err)
	}
}

// TestFloatHash: every NaN and both zeros hash as one value.
func TestFloatHash(t *testing.T) {
	seed := maphash.MakeSeed()
	nan2 := math.Float64frombits(0x7ff8000000000001)
	if hashOf(math.NaN(), Float8, seed) != hashOf(nan2, Float8, seed) || !Equal(math.NaN(), nan2, Float8) {
		t.Error("NaNs differ")
	}
	if hashOf(0.0, Float8, seed) != hashOf(math.Copysign(0, -1), Float8, seed) {
		t.Error("-0 and 0 hash apart")
	}
}

// TestConcurrentUse writes and reads timestamps in several zones from
// many goroutines at once (the zone caches are shared); run with -race.
func TestConcurrentUse(t *testing.T) {
	zones := []string{"America/New_York", "Europe/Paris", "Asia/Kolkata", "australia/sydney", "UTC"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := DefaultContext()
			c.TimeZone = LookupZone(zones[g%len(zones)])
			base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range 300 {
				ts := TimestampTZFromTime(base.Add(time.Duration(i*g) * 13 * time.Hour))
				s := FormatText(ts, TimestampTZ, c)
				back, err := ParseText(s, TimestampTZ, c)
				if err != nil || back != Datum(ts) {
					errs <- &pgcode.Error{Message: s}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("round trip failed: %v", err)
	}
}
