package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

func TestParseNumeric(t *testing.T) {
	for _, c := range []struct {
		in, want, code string
	}{
		{"0.1", "0.1", ""},
		{"  -12.50 ", "-12.50", ""},
		{"+7", "7", ""},
		{"007.0", "7.0", ""},
		{".5", "0.5", ""},
		{"5.", "5", ""},
		{"1.5e3", "1500", ""},
		{"1.50E-2", "0.0150", ""},
		{"-0.00", "0.00", ""},
		{"0e-5", "0.00000", ""},
		{"0e99", "0", ""},
		{"12345678901234567890.123", "12345678901234567890.123", ""},
		{"NaN", "NaN", ""},
		{"nan", "NaN", ""},
		{"Infinity", "Infinity", ""},
		{"-inf", "-Infinity", ""},
		{"+INF", "Infinity", ""},
		{"1e-16383", "0." + strings.Repeat("0", 16382) + "1", ""},
		{"1e131071", "1" + strings.Repeat("0", 131071), ""},
		// Beyond the limits, decided before any digit is built.
		{"1e-16384", "", CodeNumericRange},
		{"1e131072", "", CodeNumericRange},
		{"0.1e131073", "", CodeNumericRange},
		{"1e1000000000", "", CodeNumericRange},
		{"9e99999999999999999999999", "", CodeNumericRange},
		{"0." + strings.Repeat("0", 16384), "", CodeNumericRange},
		// Not numbers.
		{"", "", CodeInvalidText},
		{".", "", CodeInvalidText},
		{"-", "", CodeInvalidText},
		{"1e", "", CodeInvalidText},
		{"1e+", "", CodeInvalidText},
		{"1.2.3", "", CodeInvalidText},
		{"abc", "", CodeInvalidText},
		{"-NaN", "", CodeInvalidText},
		{"1 2", "", CodeInvalidText},
		{"0x10", "", CodeInvalidText},
	} {
		d, err := ParseNumeric(c.in)
		if c.code != "" {
			if err == nil || Code(err) != c.code {
				t.Errorf("ParseNumeric(%q) = %v, %v; want %s", c.in, d, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseNumeric(%q): %v", c.in, err)
			continue
		}
		if got := NumericText(d); got != c.want {
			t.Errorf("ParseNumeric(%q) = %.40s, want %.40s", c.in, got, c.want)
		}
	}
}

func TestFloatNumeric(t *testing.T) {
	tenth, fifth := 0.1, 0.2 // variables: constant arithmetic would be exact
	for _, c := range []struct {
		f      float64
		digits int
		want   string
	}{
		{0.1, -1, "0.1"},
		{tenth + fifth, -1, "0.30000000000000004"},
		{tenth + fifth, 15, "0.3"},
		{1e20, 15, "100000000000000000000"},
		{123456789012345678, 15, "123456789012346000"},
		{1.5e-7, 15, "0.00000015"},
		{-2.5, -1, "-2.5"},
		{100, 15, "100"},
	} {
		d, err := FloatNumeric(c.f, c.digits)
		if err != nil {
			t.Fatal(err)
		}
		if got := NumericText(d); got != c.want {
			t.Errorf("FloatNumeric(%v, %d) = %s, want %s", c.f, c.digits, got, c.want)
		}
	}
}

// TestCompareNumbersExact compares numbers held as int64, float64, exact
// decimal text and *apd.Decimal, in both orders.
func TestCompareNumbersExact(t *testing.T) {
	dec := func(s string) *apd.Decimal {
		d, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		a, b any
		want int
	}{
		{int64(1), json.Number("1.0"), 0},
		{int64(1), json.Number("1.000000000000000000001"), -1},
		{float64(0.1), json.Number("0.1"), 0}, // a float stands for the digits written
		{float64(0.1), dec("0.10"), 0},
		{float64(0.1), json.Number("0.1000000000000000055511151231257827"), -1},
		{json.Number("12345678901234567890.1"), json.Number("12345678901234567891"), -1},
		{json.Number("12345678901234567890"), int64(9223372036854775807), 1},
		{json.Number("-12345678901234567890"), int64(-9223372036854775808), -1},
		{json.Number("1e1000000000"), int64(5), 1},
		{json.Number("-1e1000000000"), json.Number("1e-1000000000"), -1},
		{json.Number("1e-1000000000"), int64(0), 1},
		{json.Number("1.5e3"), int64(1500), 0},
		{json.Number("-0.0"), int64(0), 0},
		{int64(9007199254740993), float64(9007199254740992), 1},
		// Beyond 2^53 a float is the decimal of its shortest text:
		// 4.611686018427388e+18, above the integer.
		{float64(1 << 62), int64(4611686018427387950), 1},
		{float64(1 << 62), int64(4611686018427388000), 0},
		{float64(1 << 62), json.Number("4611686018427388000"), 0},
		{dec("NaN"), dec("Infinity"), 1},
		{dec("-Infinity"), json.Number("-1e99999"), -1},
		{dec("Infinity"), float64(1e308), 1},
		{dec("2.50"), float64(2.5), 0},
	} {
		for _, swap := range []bool{false, true} {
			a, b, want := c.a, c.b, c.want
			if swap {
				a, b, want = b, a, -want
			}
			got, ok := CompareValues(a, b)
			if !ok || got != want {
				t.Errorf("CompareValues(%v %T, %v %T) = %d, %v; want %d", a, a, b, b, got, ok, want)
			}
		}
	}
}

func TestTypmodApply(t *testing.T) {
	for _, c := range []struct {
		p, s     int
		in, want string
		detail   string
	}{
		{10, 2, "1.234", "1.23", ""},
		{10, 2, "1.235", "1.24", ""},
		{10, 2, "-1.235", "-1.24", ""},
		{10, 2, "1.5", "1.50", ""},
		{10, 2, "7", "7.00", ""},
		{10, 2, "99999999.994", "99999999.99", ""},
		{10, 2, "99999999.995", "", "A field with precision 10, scale 2 must round to an absolute value less than 10^8."},
		{10, 2, "-0.001", "0.00", ""},
		{3, 3, "0.9994", "0.999", ""},
		{3, 3, "1", "", "A field with precision 3, scale 3 must round to an absolute value less than 1."},
		{3, 5, "0.00123", "0.00123", ""},
		{3, 5, "0.01", "", "A field with precision 3, scale 5 must round to an absolute value less than 10^-2."},
		{5, 0, "99999.5", "", "A field with precision 5, scale 0 must round to an absolute value less than 10^5."},
		{5, 0, "12345.5", "12346", ""},
		{10, 2, "NaN", "NaN", ""},
		{10, 2, "Infinity", "", "A field with precision 10, scale 2 cannot hold an infinite value."},
	} {
		d, err := ParseNumeric(c.in)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Typmod{Precision: c.p, Scale: c.s}.Apply(d)
		if c.detail != "" {
			var e *Error
			if err == nil || Code(err) != CodeNumericRange || err.Error() != "numeric field overflow" || !asError(err, &e) || e.Detail != c.detail {
				t.Errorf("numeric(%d,%d) %s: %v (%+v), want overflow %q", c.p, c.s, c.in, err, e, c.detail)
			}
			continue
		}
		if err != nil || NumericText(r) != c.want {
			t.Errorf("numeric(%d,%d) %s = %v, %v; want %s", c.p, c.s, c.in, r, err, c.want)
		}
	}
	if got := (Typmod{Precision: 10, Scale: 2}).Mod(); got != 10<<16|2+4 {
		t.Errorf("Mod = %d", got)
	}
	for _, m := range []Typmod{{Precision: 0, Scale: 2}, {Precision: 1001}, {Precision: 5, Scale: 1001}} {
		if err := m.Validate(); Code(err) != CodeInvalidParameter {
			t.Errorf("Validate(%+v) = %v", m, err)
		}
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

// TestNumericColumn writes to a numeric(10,2) column through inserts and
// patches, and checks that what is stored is rounded, that an overflow
// stores nothing, and that the stored form reads the same after reopening
// (the log replays the rounded patch) and keeps its typmod in schema.yaml.
func TestNumericColumn(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{})
	spec := TableSpec{Name: "t", PK: "id", Columns: []ColumnSpec{
		{Name: "id", Type: TypeInt8},
		{Name: "a", Type: TypeNumeric, Typmod: Typmod{Precision: 10, Scale: 2}},
		{Name: "b", Type: TypeNumeric},
	}}
	mustExec(t, db.CreateTable(spec))
	_, err := db.Insert(ctx, "t", []byte(`{"id": 1, "a": 1.005, "b": 1.005}`))
	mustExec(t, err)
	_, err = db.Insert(ctx, "t", []byte(`{"id": 2, "a": 3, "b": 0.30000000000000004}`))
	mustExec(t, err)
	if _, err := db.Insert(ctx, "t", []byte(`{"id": 3, "a": 123456789}`)); Code(err) != CodeNumericRange {
		t.Fatalf("overflow: %v", err)
	}
	_, err = db.Patch(ctx, "t", int64(2), []byte(`{"a": -2.345}`))
	mustExec(t, err)
	if _, err := db.Patch(ctx, "t", int64(2), []byte(`{"a": 1e9}`)); Code(err) != CodeNumericRange {
		t.Fatalf("patch overflow: %v", err)
	}
	check := func(db *DB) {
		t.Helper()
		want := map[int64][2]any{
			1: {json.Number("1.01"), float64(1.005)},
			2: {json.Number("-2.35"), float64(0.30000000000000004)},
		}
		for k, w := range want {
			d := getDoc(t, db.View(), "t", k)
			if d["a"] != w[0] || d["b"] != w[1] {
				t.Errorf("row %d: a=%#v b=%#v, want %#v %#v", k, d["a"], d["b"], w[0], w[1])
			}
		}
		if d := getDoc(t, db.View(), "t", int64(3)); d != nil {
			t.Errorf("row 3 was stored: %v", d)
		}
		cols, err := db.View().Columns("t")
		mustExec(t, err)
		if cols[1].Typmod != (Typmod{Precision: 10, Scale: 2}) || cols[2].Typmod != (Typmod{}) {
			t.Errorf("columns: %+v", cols)
		}
	}
	check(db)
	mustExec(t, db.Close())
	y, err := os.ReadFile(filepath.Join(dir, "tables", "t", "schema.yaml"))
	mustExec(t, err)
	if !strings.Contains(string(y), "precision: 10") || !strings.Contains(string(y), "scale: 2") {
		t.Fatalf("schema.yaml:\n%s", y)
	}
	db = openDB(t, dir, Options{})
	defer db.Close()
	check(db)
}

// BenchmarkCompareNumbers compares numbers of each representation,
// including exact decimals with huge exponents (which big.Rat, used
// before, had to build as integers).
func BenchmarkCompareNumbers(b *testing.B) {
	for _, c := range []struct {
		name string
		a, b any
	}{
		{"int-int", int64(12345), int64(12346)},
		{"int-float", int64(12345), float64(12345.5)},
		{"decimal-int", json.Number("12345.67"), int64(12345)},
		{"decimal-float", json.Number("0.1"), float64(0.1)},
		{"decimal-decimal", json.Number("12345678901234567890.12"), json.Number("12345678901234567890.13")},
		{"decimal-1e1000000", json.Number("1e1000000"), int64(5)},
		{"decimal-1e-1000000", json.Number("1e-1000000"), json.Number("2e-1000000")},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := CompareValues(c.a, c.b); !ok {
					b.Fatal("not comparable")
				}
			}
		})
	}
}

// TestParseNumericDigits: numbers of up to 18 significant digits (read
// without big numbers) and longer ones read as apd reads them: the same
// coefficient, exponent and sign.
func TestParseNumericDigits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b []byte
		if rng.IntN(3) == 0 {
			b = append(b, '-')
		}
		for range rng.IntN(4) {
			b = append(b, '0')
		}
		for range 1 + rng.IntN(22) {
			b = append(b, byte('0'+rng.IntN(10)))
		}
		if rng.IntN(2) == 0 {
			b = append(b, '.')
			for range rng.IntN(22) {
				b = append(b, byte('0'+rng.IntN(10)))
			}
		}
		if rng.IntN(4) == 0 {
			b = fmt.Appendf(b, "e%d", rng.IntN(40)-20)
		}
		s := string(b)
		got, err := ParseNumeric(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		want, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		if want.IsZero() {
			// Zero keeps its scale, never a positive exponent (0e17 is 0,
			// as in PostgreSQL).
			want.Exponent = min(want.Exponent, 0)
			want.Negative = false
		}
		if got.Cmp(want) != 0 || got.Exponent != want.Exponent || got.Negative != want.Negative {
			t.Fatalf("%s: %s (exp %d), want %s (exp %d)", s, got, got.Exponent, want, want.Exponent)
		}
	}
}
