package integration

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/driftdb/driftdb/pgwire"
)

func abs(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// TestTypesRoundTrip sends values of every type in binary (pgx's default
// for these types) and in text (simple protocol), reads them back through
// casts, and compares.
func TestTypesRoundTrip(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	for _, mode := range []string{"cache_statement", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			c := connect(t, s.url("default_query_exec_mode="+mode))
			var (
				i2   int16
				i4   int32
				i8   int64
				f4   float32
				f8   float64
				num  pgtype.Numeric
				b    bool
				txt  string
				js   map[string]any
				ts   time.Time
				d    time.Time
				u    pgtype.UUID
				by   []byte
				null *int64
			)
			ref := time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)
			err := c.QueryRow(bg, `SELECT $1::int2, $2::int4, $3::int8, $4::float4, $5::float8, '12345678901234567890.123'::numeric,
				$6::bool, $7::text, '{"a": [1, "x"]}'::jsonb, $8::timestamptz, '2025-03-04'::date,
				'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, $9::bytea, NULL::int8`,
				int16(-7), int32(1<<30), int64(math.MaxInt64), float32(1.5), 0.1, true, "héllo", ref, []byte{0, 1, 255}).
				Scan(&i2, &i4, &i8, &f4, &f8, &num, &b, &txt, &js, &ts, &d, &u, &by, &null)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := new(big.Rat).SetString("12345678901234567890.123")
			got := new(big.Rat).SetInt(num.Int)
			scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(num.Exp))), nil))
			if num.Exp < 0 {
				got.Quo(got, scale)
			} else {
				got.Mul(got, scale)
			}
			if i2 != -7 || i4 != 1<<30 || i8 != math.MaxInt64 || f4 != 1.5 || f8 != 0.1 || !b || txt != "héllo" ||
				!ts.Equal(ref) || d.Format("2006-01-02") != "2025-03-04" || len(by) != 3 || by[2] != 255 || null != nil {
				t.Fatalf("values: %v %v %v %v %v %v %q %v %v %v %v", i2, i4, i8, f4, f8, b, txt, ts, d, by, null)
			}
			if got.Cmp(want) != 0 {
				t.Fatalf("numeric: %s", got.FloatString(3))
			}
			if arr, ok := js["a"].([]any); !ok || len(arr) != 2 || arr[1] != "x" {
				t.Fatalf("jsonb: %v", js)
			}
			if u.Bytes[0] != 0xa0 || u.Bytes[15] != 0x11 {
				t.Fatalf("uuid: %x", u.Bytes)
			}
		})
	}
	// Stored values of each inferred column type come back typed.
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE v (pk=id)`)
	mustExec(t, c, `INSERT INTO v {"id": 1, "i": 9007199254740993, "f": 2.5, "n": 123456789012345678901234567890, "b": false, "s": "x", "o": {"k": [1]}}`)
	rows, err := c.Query(bg, `SELECT * FROM v`)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := pgx.CollectExactlyOneRow(rows, pgx.RowToMap)
	if err != nil {
		t.Fatal(err)
	}
	if vals["i"] != int64(9007199254740993) || vals["f"] != 2.5 || vals["b"] != false || vals["s"] != "x" {
		t.Fatalf("typed columns: %#v", vals)
	}
	n, ok := vals["n"].(pgtype.Numeric)
	if ok {
		n.Int.Mul(n.Int, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.Exp)), nil))
	}
	if !ok || n.Int.String() != "123456789012345678901234567890" {
		t.Fatalf("numeric column: %#v", vals["n"])
	}
	fields := rows.FieldDescriptions()
	oids := map[string]uint32{}
	for _, f := range fields {
		oids[f.Name] = f.DataTypeOID
	}
	if oids["id"] != 20 || oids["i"] != 20 || oids["f"] != 701 || oids["n"] != 1700 || oids["b"] != 16 || oids["s"] != 25 || oids["o"] != 3802 {
		t.Fatalf("column OIDs: %v", oids)
	}
}
