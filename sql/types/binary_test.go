package types

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// testdata/binary.txt records PostgreSQL 15's binary form of every value
// of testdata/text_io.txt that reads without error:
//
//	type "input" => hex "text"
//
// AppendBinary must write those bytes and ParseBinary must read them back
// to the value whose text is "text". With DRIFTDB_PG_URL the server is
// asked for the bytes, and it must also read AppendBinary's bytes as a
// binary parameter to the same text; -rewrite rebuilds the file.

type binaryCase struct {
	typ, input, hex, text string
}

func (c binaryCase) String() string {
	return fmt.Sprintf("%s %s => %s %s", c.typ, strconv.Quote(c.input), c.hex, strconv.Quote(c.text))
}

func loadBinaryCases(t *testing.T, path string) []binaryCase {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []binaryCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var c binaryCase
		var rest string
		c.typ, rest, _ = strings.Cut(line, " ")
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		c.input, _ = strconv.Unquote(q)
		rest = strings.TrimPrefix(rest[len(q):], " => ")
		c.hex, rest, _ = strings.Cut(rest, " ")
		if c.text, err = strconv.Unquote(rest); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		out = append(out, c)
	}
	return out
}

func TestPGBinary(t *testing.T) {
	const path = "testdata/binary.txt"
	conn := pgConn(t)
	var cases []binaryCase
	if conn != nil && *rewrite {
		textCases, _ := loadCases(t, "testdata/text_io.txt")
		for _, c := range textCases {
			// A NaN with a payload keeps it in PostgreSQL's bytes; DriftDB
			// has one NaN.
			// Interval fields apply to literals only (a parameter is read
			// without them).
			if c.kind != "in" || c.local || c.code != "" || c.tz != "" || strings.Contains(c.input, "nan(") ||
				strings.HasPrefix(c.from, "interval_") {
				continue
			}
			cases = append(cases, binaryCase{typ: c.from, input: c.input, text: c.want})
		}
	} else {
		cases = loadBinaryCases(t, path)
	}
	ctx := context.Background()
	for i, c := range cases {
		typ := typeByName(t, c.typ)
		if conn != nil {
			res := conn.PgConn().ExecParams(ctx, "SELECT $1::"+sqlType(c.typ), [][]byte{[]byte(c.input)}, nil, nil, []int16{1}).Read()
			if res.Err != nil {
				t.Fatalf("%s: %v", c, res.Err)
			}
			pgHex := hex.EncodeToString(res.Rows[0][0])
			if *rewrite {
				cases[i].hex, c.hex = pgHex, pgHex
			} else if pgHex != c.hex {
				t.Errorf("%s: PostgreSQL sends %s", c, pgHex)
			}
		}
		d, err := ParseText(c.input, typ, nil)
		if err != nil {
			t.Errorf("%s: %v", c, err)
			continue
		}
		b, err := AppendBinary(nil, d, typ)
		if err != nil {
			t.Errorf("%s: AppendBinary: %v", c, err)
			continue
		}
		if got := hex.EncodeToString(b); got != c.hex {
			t.Errorf("%s: AppendBinary writes %s", c, got)
		}
		want, _ := hex.DecodeString(c.hex)
		back, err := ParseBinary(want, typ)
		if err != nil {
			t.Errorf("%s: ParseBinary: %v", c, err)
			continue
		}
		if got := FormatText(back, typ, nil); got != c.text {
			t.Errorf("%s: ParseBinary reads %q", c, got)
		}
		// PostgreSQL sends an empty int2vector or oidvector as bytes its
		// receive function refuses; there is nothing to send it back.
		if conn != nil && !(isVector(typ) && c.text == "") {
			// The server reads our bytes as a binary parameter.
			if b == nil {
				b = []byte{} // empty, not NULL
			}
			res := conn.PgConn().ExecParams(ctx, "SELECT $1::"+sqlType(c.typ), [][]byte{b}, []uint32{typ.Oid}, []int16{1}, []int16{0}).Read()
			if res.Err != nil {
				t.Errorf("%s: PostgreSQL does not read %x: %v", c, b, res.Err)
			} else if got := string(res.Rows[0][0]); got != c.text {
				t.Errorf("%s: PostgreSQL reads %x as %q", c, b, got)
			}
		}
	}
	if conn != nil && *rewrite {
		var sb strings.Builder
		sb.WriteString("# The binary form of the values of text_io.txt: PostgreSQL 15's bytes (see\n# binary_test.go).\n")
		for _, c := range cases {
			sb.WriteString(c.String() + "\n")
		}
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBinaryMatchesPgx passes values through pgx's codecs: pgx must read
// AppendBinary's bytes, and ParseBinary must read what pgx writes back to
// the same value.
func TestBinaryMatchesPgx(t *testing.T) {
	m := pgtype.NewMap()
	for _, c := range []struct{ typ, text string }{
		{"bool", "t"}, {"int2", "-32768"}, {"int4", "2147483647"}, {"int8", "-9223372036854775808"},
		{"float4", "1.5"}, {"float8", "-2.5e-300"}, {"float8", "Infinity"},
		{"numeric", "0"}, {"numeric", "-12345678901234567890.000123"}, {"numeric", "NaN"}, {"numeric", "1e100"},
		{"numeric", "0.00"}, {"text", "héllo"}, {"varchar", "x"}, {"name", "pg_class"}, {"bytea", `\x00ff10`},
		{"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"date", "2025-01-31"}, {"date", "0044-03-15 BC"}, {"date", "infinity"},
		{"time", "23:59:59.999999"}, {"timestamp", "2025-01-31 12:34:56.789"}, {"timestamp", "-infinity"},
		{"timestamptz", "2025-01-31 12:34:56.789+05:30"}, {"interval", "-1 years 2 mons -3 days 04:05:06.7"},
		{"json", `{"a": [1, 2]}`}, {"jsonb", `{"b": 1, "a": [true, null]}`},
		{"int4[]", "{1,NULL,3}"}, {"int4[]", "{}"}, {"text[]", `{"a b",NULL,""}`}, {"float8[]", "{1.5,NaN}"},
		{"oid", "4294967295"},
	} {
		typ := typeByName(t, c.typ)
		d, err := ParseText(c.text, typ, nil)
		if err != nil {
			t.Fatalf("%s %q: %v", c.typ, c.text, err)
		}
		ours, err := AppendBinary(nil, d, typ)
		if err != nil {
			t.Fatalf("%s %q: %v", c.typ, c.text, err)
		}
		var v any
		if err := m.Scan(typ.Oid, pgtype.BinaryFormatCode, ours, &v); err != nil {
			t.Errorf("%s %q: pgx does not read %x: %v", c.typ, c.text, ours, err)
			continue
		}
		if _, inf := v.(pgtype.InfinityModifier); inf {
			continue // pgx reads infinities into a bare modifier it cannot write back
		}
		theirs, err := m.Encode(typ.Oid, pgtype.BinaryFormatCode, v, nil)
		if err != nil {
			t.Errorf("%s %q: pgx does not encode %v: %v", c.typ, c.text, v, err)
			continue
		}
		back, err := ParseBinary(theirs, typ)
		if err != nil {
			t.Errorf("%s %q: pgx writes %x, which ParseBinary refuses: %v", c.typ, c.text, theirs, err)
			continue
		}
		if c.typ == "json" {
			// pgx writes its own JSON text: compare the documents.
			typ = JSONB
			d, _ = Cast(d, JSON, JSONB, nil)
			back, _ = Cast(back, JSON, JSONB, nil)
		}
		// pgx keeps a numeric's value but not its scale (0.00 comes back
		// as 0): compare values, and texts for the other types.
		if Compare(back, d, typ) != 0 || (typ.Oid != OidNumeric && FormatText(back, typ, nil) != FormatText(d, typ, nil)) {
			t.Errorf("%s %q: through pgx (%x -> %v -> %x) it reads %q", c.typ, c.text, ours, v, theirs, FormatText(back, typ, nil))
		}
	}
}

// TestParseBinaryErrors feeds malformed bytes: each is 22P03 (or the
// value's own error), never a panic.
func TestParseBinaryErrors(t *testing.T) {
	for _, c := range []struct {
		typ  string
		hex  string
		code pgcode.Code
	}{
		{"int4", "000001", pgcode.InvalidBinaryRepresentation},
		{"int4", "0000000100", pgcode.InvalidBinaryRepresentation},
		{"bool", "", pgcode.InvalidBinaryRepresentation},
		{"uuid", "00", pgcode.InvalidBinaryRepresentation},
		{"jsonb", "02", pgcode.InvalidBinaryRepresentation},
		{"jsonb", "017b", pgcode.InvalidTextRepresentation},
		{"text", "ff", pgcode.CharacterNotInRepertoire},
		{"date", "7ffffff0", pgcode.DatetimeFieldOverflow},
		{"time", "ffffffffffffffff", pgcode.DatetimeFieldOverflow},
		{"timestamp", "7ffffffffffffff0", pgcode.DatetimeFieldOverflow},
		{"int4[]", "00000001", pgcode.InvalidBinaryRepresentation},
		{"int4[]", "00000007" + "00000000" + "00000017", pgcode.InvalidBinaryRepresentation},
		{"int4[]", "00000001" + "00000000" + "00000014", pgcode.DatatypeMismatch},
		{"int4[]", "00000001" + "00000000" + "00000017" + "7fffffff00000001", pgcode.InvalidBinaryRepresentation},
		{"int4[]", "00000001" + "00000000" + "00000017" + "0000000100000000" + "0000000400000001", pgcode.FeatureNotSupported},
		{"int4[]", "00000002" + "00000000" + "00000017" + "0000000100000001" + "0000000100000000" + "0000000400000001", pgcode.FeatureNotSupported},
		{"int4[]", "00000001" + "00000000" + "00000017" + "0000000100000001" + "00000004000001", pgcode.InvalidBinaryRepresentation},
		{"int4[]", "00000001" + "00000000" + "00000017" + "0000000100000001" + "0000000400000001" + "00", pgcode.InvalidBinaryRepresentation},
		{"int4[]", "00000001" + "00000000" + "00000017" + "0000000100000001" + "0000000300000001", pgcode.InvalidBinaryRepresentation},
		{"numeric", "0001000000000000", pgcode.InvalidBinaryRepresentation},
	} {
		b, err := hex.DecodeString(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseBinary(b, typeByName(t, c.typ))
		var pe *pgcode.Error
		if !errors.As(err, &pe) || pe.Code != c.code {
			t.Errorf("%s %s: %v (%s), want %s", c.typ, c.hex, err, pgcode.Of(err), c.code)
		}
	}
}

// TestPGBinaryErrors sends malformed bytes to PostgreSQL as parameters
// too, when it is at hand: it refuses what ParseBinary refuses.
func TestPGBinaryErrors(t *testing.T) {
	conn := pgConn(t)
	if conn == nil {
		t.Skip("DRIFTDB_PG_URL is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range []struct{ typ, hex string }{
		{"int4", "000001"}, {"int4", "0000000100"}, {"uuid", "00"}, {"jsonb", "02"}, {"jsonb", "017b"},
		{"int4[]", "00000001" + "00000000" + "00000014"},
		{"int4[]", "00000001" + "00000000" + "00000017" + "0000000100000001" + "00000004000001"},
	} {
		b, _ := hex.DecodeString(c.hex)
		typ := typeByName(t, c.typ)
		_, ours := ParseBinary(b, typ)
		res := conn.PgConn().ExecParams(ctx, "SELECT $1::"+sqlType(c.typ), [][]byte{b}, []uint32{typ.Oid}, []int16{1}, []int16{0}).Read()
		var pe *pgconn.PgError
		if ours == nil || !errors.As(res.Err, &pe) {
			t.Errorf("%s %s: ours %v, PostgreSQL %v", c.typ, c.hex, ours, res.Err)
		}
	}
}
