package sql

import (
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// pgText renders a result as psql -A -t prints it: columns joined by |,
// rows by ;, NULL as nothing, values in PostgreSQL's text form.
func pgText(r *Result) string {
	rows := make([]string, 0, len(r.Rows))
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			if v != nil {
				cells[i] = types.FormatText(v, r.Columns[i].Type, nil)
			}
		}
		rows = append(rows, strings.Join(cells, "|"))
	}
	return strings.Join(rows, ";")
}

// numberCases run in order on one session. want is what PostgreSQL 15
// prints for the same statement (psql -A -t, rows joined by ;), or its
// error as "ERROR code: message", or "ok" for a statement without rows:
// every line was compared with a PostgreSQL 15 server.
var numberCases = []struct{ sql, want string }{
	{"SELECT 0.1 + 0.2, 1.0/3, 2.50 * 2", "0.3|0.33333333333333333333|5.00"},
	{"SELECT 12345678901234567890.1 + 1, 9223372036854775808, -9223372036854775808, 99999999999999999999", "12345678901234567891.1|9223372036854775808|-9223372036854775808|99999999999999999999"},
	{"SELECT 1e3, 1.5e3, 1.50e-2, -0.0, 0.000, .5, 5.", "1000|1500|0.0150|0.0|0.000|0.5|5"},
	{"SELECT 1.5 * 1.25, 0.1 * 0.1, 100 * 1.5, 1.5 - 2.25, 10 - 0.5", "1.875|0.01|150.0|-0.75|9.5"},
	{"SELECT 1.0/3.0, 2/3.0, 10/4.0, 1/7.0, 100.0/3, 1e10/3, 0.001/3", "0.33333333333333333333|0.66666666666666666667|2.5000000000000000|0.14285714285714285714|33.3333333333333333|3333333333.33333333|0.00033333333333333333"},
	{"SELECT 1.0/3000000, 123456789.0/0.0001, 1/3.00000, 2.0000000000000000000001/2", "0.000000333333333333333333|1234567890000.00000000|0.33333333333333333333|1.0000000000000000000001"},
	{"SELECT 7.5 % 2, -7.5 % 2, 7.5 % -2, 10 % 3.3, 5.5 % 0.0001", "1.5|-1.5|1.5|0.1|0.0000"},
	{"SELECT 9223372036854775807 + 1", "ERROR 22003: bigint out of range"},
	{"SELECT -9223372036854775808 - 1", "ERROR 22003: bigint out of range"},
	{"SELECT 9223372036854775807 * 2", "ERROR 22003: bigint out of range"},
	{"SELECT -9223372036854775808 / -1", "ERROR 22003: bigint out of range"},
	{"SELECT -9223372036854775808 % -1, -2147483648 % -1, 7 % -1", "0|0|0"},
	{"SELECT 2147483647 + 1", "ERROR 22003: integer out of range"},
	{"SELECT -2147483648 / -1", "ERROR 22003: integer out of range"},
	{"SELECT 100000 * 100000", "ERROR 22003: integer out of range"},
	{"SELECT 2147483647::int8 + 1, 100000::int8 * 100000, -2147483648, -(-2147483648)", "2147483648|10000000000|-2147483648|2147483648"},
	{"SELECT 32767::int2 + 1::int2", "ERROR 22003: smallint out of range"},
	{"SELECT 1::int2 + 1::int2, 32767::int2 + 1, 1::int2 * 100000", "2|32768|100000"},
	{"SELECT -(-9223372036854775808), - 5, -(5), -(-(5))", "9223372036854775808|-5|-5|5"},
	{"SELECT abs(-5), abs(-5.50), abs(-2.5::float8), abs(-9223372036854775807), abs(-2147483647)", "5|5.50|2.5|9223372036854775807|2147483647"},
	{"SELECT abs(-9223372036854775808)", "ERROR 22003: bigint out of range"},
	{"SELECT abs(-2147483648)", "ERROR 22003: integer out of range"},
	{"SELECT 7/2, -7/2, 7 / -2, -7%2, 7 % -2, 0/5", "3|-3|-3|-1|1|0"},
	{"SELECT 1/0", "ERROR 22012: division by zero"},
	{"SELECT 1.0/0", "ERROR 22012: division by zero"},
	{"SELECT 1%0", "ERROR 22012: division by zero"},
	{"SELECT 1.5%0", "ERROR 22012: division by zero"},
	{"SELECT 0.0/0.0", "ERROR 22012: division by zero"},
	{"SELECT 1/0.0::float8", "ERROR 22012: division by zero"},
	{"SELECT 'NaN'::numeric, 'Infinity'::numeric, '-inf'::numeric, '  12.5  '::numeric, '+3'::numeric, 'nan'::numeric", "NaN|Infinity|-Infinity|12.5|3|NaN"},
	{"SELECT 'NaN'::numeric + 1, 'inf'::numeric - 'inf'::numeric, 'inf'::numeric + 'inf'::numeric, 'inf'::numeric * 0, 'inf'::numeric * -2", "NaN|NaN|Infinity|NaN|-Infinity"},
	{"SELECT 1/'inf'::numeric, 'inf'::numeric / 2, 'inf'::numeric / -2, 'inf'::numeric / 'inf'::numeric, 'nan'::numeric / 0", "0|Infinity|-Infinity|NaN|NaN"},
	{"SELECT 'inf'::numeric / 0", "ERROR 22012: division by zero"},
	{"SELECT 5 % 'inf'::numeric, 'inf'::numeric % 2, -'inf'::numeric, abs('-inf'::numeric), -'nan'::numeric", "5|NaN|-Infinity|Infinity|NaN"},
	{"SELECT 'inf'::numeric % 0", "ERROR 22012: division by zero"},
	{"SELECT 'abc'::numeric", "ERROR 22P02: invalid input syntax for type numeric: \"abc\""},
	{"SELECT '-NaN'::numeric", "ERROR 22P02: invalid input syntax for type numeric: \"-NaN\""},
	{"SELECT '1e'::numeric", "ERROR 22P02: invalid input syntax for type numeric: \"1e\""},
	{"SELECT 1e131072", "ERROR 22003: value overflows numeric format"},
	{"SELECT 1e-16384", "ERROR 22003: value overflows numeric format"},
	{"SELECT ('0.' || '000000000000000000001')::numeric", "0.000000000000000000001"},
	{"SELECT 1e131071 > 0, 1e-16383 > 0, 0.5e131072 > 0, (1e131071 + 1e-16383) > 1", "t|t|t|t"},
	{"SELECT 1e131071 * 10", "ERROR 22003: value overflows numeric format"},
	{"SELECT 1e-10000 * 1e-10000 = 0, length((1e-10000 * 1e-10000)::text), length((1e-10000 * 1e-10000 + 1)::text)", "t|16385|16385"},
	{"SELECT 1.5::float8 + 1, 0.1::float8 + 0.2::float8, 0.1 + 0.2::float8, 1 + 1.5::float4, 1.5::float4 + 1.5::float4", "2.5|0.30000000000000004|0.30000000000000004|2.5|3"},
	{"SELECT 1.5::float8 % 2", "ERROR 42883: operator does not exist: double precision % integer"},
	{"SELECT 1234567::float8, 123456789012345::float8, 1e15::float8, 0.0001::float8, 0.00001::float8, 1.5e-7::float8, 1e22::float8", "1234567|123456789012345|1e+15|0.0001|1e-05|1.5e-07|1e+22"},
	{"SELECT 123456::float4, 1234567::float4, 0.1::float4, 0.1::float4::float8, 'NaN'::float8, '-Infinity'::float8", "123456|1.234567e+06|0.1|0.10000000149011612|NaN|-Infinity"},
	{"SELECT 1e300::float8 * 1e300::float8", "ERROR 22003: value out of range: overflow"},
	{"SELECT 1e-300::float8 * 1e-300::float8", "ERROR 22003: value out of range: underflow"},
	{"SELECT 1e40::float4", "ERROR 22003: \"10000000000000000000000000000000000000000\" is out of range for type real"},
	{"SELECT 1e39::float4", "ERROR 22003: \"1000000000000000000000000000000000000000\" is out of range for type real"},
	{"SELECT 2.5::int8, 3.5::int8, -2.5::int8, 2.5::float8::int8, 3.5::float8::int8, -2.5::float8::int8, 2.5::int4, 2.5::int2", "3|4|-3|2|4|-2|3|3"},
	{"SELECT 32767.5::int2", "ERROR 22003: smallint out of range"},
	{"SELECT 'NaN'::numeric::int8", "ERROR 0A000: cannot convert NaN to bigint"},
	{"SELECT 'inf'::numeric::int4", "ERROR 0A000: cannot convert infinity to integer"},
	{"SELECT 'NaN'::float8::int8", "ERROR 22003: bigint out of range"},
	{"SELECT 9223372036854775807.5::int8", "ERROR 22003: bigint out of range"},
	{"SELECT 9223372036854775807.4::int8, -9223372036854775808.4::int8", "ERROR 22003: bigint out of range"},
	{"SELECT 1e19::int8", "ERROR 22003: bigint out of range"},
	{"SELECT (0.1::float8+0.2::float8)::numeric, 1e20::float8::numeric, 123456789012345678::float8::numeric, 'NaN'::float8::numeric, 'inf'::float8::numeric", "0.3|100000000000000000000|123456789012346000|NaN|Infinity"},
	{"SELECT 1.5e-7::float8::numeric, 100::float8::numeric, 1::numeric::float8, 12345678901234567890.5::float8", "0.00000015|100|1|1.2345678901234567e+19"},
	{"SELECT 1e309::numeric::float8 IS NULL", "ERROR 22003: \"1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\" is out of range for type double precision"},
	{"SELECT '1.5'::int8", "ERROR 22P02: invalid input syntax for type bigint: \"1.5\""},
	{"SELECT ' 42 '::int8, '-7'::int4, '+5'::int2", "42|-7|5"},
	{"SELECT '99999999999999999999'::int8", "ERROR 22003: value \"99999999999999999999\" is out of range for type bigint"},
	{"SELECT '3000000000'::int4", "ERROR 22003: value \"3000000000\" is out of range for type integer"},
	{"SELECT '40000'::int2", "ERROR 22003: value \"40000\" is out of range for type smallint"},
	{"SELECT 'x'::float8", "ERROR 22P02: invalid input syntax for type double precision: \"x\""},
	{"SELECT true::int4, false::int4", "1|0"},
	{"SELECT true::int8", "ERROR 42846: cannot cast type boolean to bigint"},
	{"SELECT true::numeric", "ERROR 42846: cannot cast type boolean to numeric"},
	{"SELECT 1.234::numeric(10,2), 1.235::numeric(10,2), -1.235::numeric(10,2), 5::numeric(10,2), 1.5::numeric(2,1), 1.55::numeric(3,1), 0.05::numeric(2,1), -0.05::numeric(2,1)", "1.23|1.24|-1.24|5.00|1.5|1.6|0.1|-0.1"},
	{"SELECT 99999999.995::numeric(10,2)", "ERROR 22003: numeric field overflow"},
	{"SELECT 1::numeric(3,3)", "ERROR 22003: numeric field overflow"},
	{"SELECT 0.01::numeric(3,5)", "ERROR 22003: numeric field overflow"},
	{"SELECT 'Infinity'::numeric(10,2)", "ERROR 22003: numeric field overflow"},
	{"SELECT 'NaN'::numeric(10,2), 12345.5::numeric(5), 0.9994::numeric(3,3), 2.5::float8::numeric(3,1)", "NaN|12346|0.999|2.5"},
	{"SELECT 1.5::numeric(0)", "ERROR 22023: NUMERIC precision 0 must be between 1 and 1000"},
	{"SELECT 1.5::numeric(1001)", "ERROR 22023: NUMERIC precision 1001 must be between 1 and 1000"},
	{"SELECT 1.5::numeric(10,1001)", "ERROR 22023: NUMERIC scale 1001 must be between -1000 and 1000"},
	{"SELECT 'a' || 1.50 || 2 || 1.5::float8 || 1e3 || 1e20::float8 || (-0.0)", "a1.5021.510001e+200.0"},
	{"SELECT 5.0 = 5, 5.00 > 4.999, 0.1::float8 = 0.1, 1 < 1.0000000000000000001, 2 = 2.0::float8, 'NaN'::numeric > 1e100, 'NaN'::numeric = 'NaN'::numeric", "t|t|t|t|t|t|t"},
	{"SELECT 1.5 BETWEEN 1 AND 2, 3 IN (1.0, 3.00), 2147483648 > 2147483647, -'inf'::numeric < -1e100", "t|t|t|t"},
	{"SELECT 2 * 3, 2 * 3.0, 2::int8 * 3, 2::int2 * 3::int2, 2::int2 * 3, 6 / 4, 6 / 4.0, 6::float8 / 4", "6|6.0|6|6|6|1|1.5000000000000000|1.5"},
	{"CREATE TABLE nums (id int8 PRIMARY KEY, i int8, n numeric, f float8, m numeric(10,2))", "ok"},
	{"INSERT INTO nums (id, i, n, f, m) VALUES (1, 10, 1.5, 0.1, 1.005), (2, 20, 2.25, 0.2, 2), (3, 9223372036854775807, 12345678901234567890.123, 1e300, -0.005), (4, NULL, NULL, NULL, NULL)", "ok"},
	{"INSERT INTO nums (id, m) VALUES (5, 123456789)", "ERROR 22003: numeric field overflow"},
	// Indexes answer the WHERE clauses below as a scan would.
	{"CREATE INDEX nums_n ON nums (n)", "ok"},
	{"CREATE INDEX nums_f ON nums (f)", "ok"},
	{"CREATE INDEX nums_m ON nums (m)", "ok"},
	{"INSERT INTO nums (id, m) VALUES (5, 'Infinity')", "ERROR 22003: numeric field overflow"},
	{"SELECT id, i, n, f, m FROM nums ORDER BY id", "1|10|1.5|0.1|1.01;2|20|2.25|0.2|2.00;3|9223372036854775807|12345678901234567890.123|1e+300|-0.01;4||||"},
	{"SELECT sum(i), avg(i), sum(n), avg(n), sum(f), sum(m), avg(m), count(m), count(*) FROM nums", "9223372036854775837|3074457345618258612|12345678901234567893.873|4115226300411522631.291|1e+300|3.00|1.00000000000000000000|3|4"},
	{"SELECT avg(f), sum(f) FROM nums WHERE id < 3", "0.15000000000000002|0.30000000000000004"},
	{"SELECT min(i), max(i), min(n), max(n), min(f), max(f), min(m), max(m) FROM nums", "10|9223372036854775807|1.5|12345678901234567890.123|0.1|1e+300|-0.01|2.00"},
	{"SELECT sum(i + 0), sum(id), avg(id), sum(id::int4), avg(id::int4), sum(id::int2), avg(id::int2) FROM nums", "9223372036854775837|10|2.5000000000000000|10|2.5000000000000000|10|2.5000000000000000"},
	{"SELECT sum(n), avg(n), sum(i) FROM nums WHERE id > 100", "||"},
	{"SELECT sum(DISTINCT n), count(DISTINCT m), avg(DISTINCT id) FROM nums", "12345678901234567893.873|3|2.5000000000000000"},
	{"SELECT i + 1 FROM nums WHERE id = 3", "ERROR 22003: bigint out of range"},
	{"SELECT i * 2, i / 3, i % 3, -i FROM nums WHERE id = 1", "20|3|1|-10"},
	{"SELECT n / 3, m / 3, f / 3, i / 3, i / 3.0, n * m, m * m, m + 1, m - 0.001 FROM nums WHERE id = 1", "0.50000000000000000000|0.33666666666666666667|0.03333333333333333|3|3.3333333333333333|1.515|1.0201|2.01|1.009"},
	{"SELECT -m, abs(m), m::int8, m::float8, n::int4, m::text FROM nums WHERE id = 2", "-2.00|2.00|2|2|2|2.00"},
	{"SELECT id FROM nums WHERE n = 1.50", "1"},
	{"SELECT id FROM nums WHERE m = 1.01", "1"},
	{"SELECT id FROM nums WHERE m > 1 ORDER BY id", "1;2"},
	{"SELECT id FROM nums WHERE f = 0.1", "1"},
	{"SELECT id FROM nums WHERE f > 0.15 ORDER BY id", "2;3"},
	{"SELECT id FROM nums WHERE i >= 20 ORDER BY id", "2;3"},
	{"SELECT id FROM nums WHERE n < 12345678901234567890.124 ORDER BY id", "1;2;3"},
	{"SELECT id FROM nums ORDER BY n DESC", "4;3;2;1"},
	{"SELECT id FROM nums ORDER BY m, id", "3;1;2;4"},
	{"SELECT id FROM nums ORDER BY f DESC", "4;3;2;1"},
	{"SELECT id FROM nums WHERE id = 2.0", "2"},
	{"SELECT id FROM nums WHERE id = 2.5", ""},
	{"UPDATE nums SET m = m * 3 WHERE id = 1", "ok"},
	{"SELECT m FROM nums WHERE id = 1", "3.03"},
	{"UPDATE nums SET m = 99999999.999 WHERE id = 1", "ERROR 22003: numeric field overflow"},
	{"UPDATE nums SET i = i + 1 WHERE id = 3", "ERROR 22003: bigint out of range"},
	{"UPDATE nums SET i = 2.5 WHERE id = 1", "ok"},
	{"UPDATE nums SET i = 3.5::float8 WHERE id = 2", "ok"},
	{"UPDATE nums SET f = 1.25, n = 1.5::float8 / 3 WHERE id = 1", "ok"},
	{"SELECT id, i, f, n, f * 2 FROM nums WHERE id < 3 ORDER BY id", "1|3|1.25|0.5|2.5;2|4|0.2|2.25|0.4"},
	{"UPDATE nums SET i = 1e19 WHERE id = 1", "ERROR 22003: bigint out of range"},
	{"CREATE TABLE t2 (id int8 PRIMARY KEY, a numeric(5,0), b numeric(3,3), c numeric(20,10))", "ok"},
	{"INSERT INTO t2 VALUES (1, 12345.5, 0.9994, 1.23456789012)", "ok"},
	{"INSERT INTO t2 VALUES (2, 99999.5, 0, 0)", "ERROR 22003: numeric field overflow"},
	{"INSERT INTO t2 VALUES (3, 1, 1, 0)", "ERROR 22003: numeric field overflow"},
	{"INSERT INTO t2 VALUES (4, 1, 0.1, 1e10)", "ERROR 22003: numeric field overflow"},
	{"INSERT INTO t2 VALUES (5, -1, -0.0001, '1.00000000005')", "ok"},
	{"SELECT * FROM t2 ORDER BY id", "1|12346|0.999|1.2345678901;5|-1|0.000|1.0000000001"},
	{"SELECT c * c, c / 7, a % 7, b * 1000, a / b FROM t2 WHERE id = 1", "1.52415787526596567801|0.17636684144285714286|5|999.000|12358.358358358358"},
	{"CREATE TABLE t3 (id int8 PRIMARY KEY, a numeric(0))", "ERROR 22023: NUMERIC precision 0 must be between 1 and 1000"},
	{"CREATE TABLE t4 (id int8 PRIMARY KEY, a numeric(1001))", "ERROR 22023: NUMERIC precision 1001 must be between 1 and 1000"},
	{"CREATE TABLE t5 (id int8 PRIMARY KEY, a numeric(10, 1001))", "ERROR 22023: NUMERIC scale 1001 must be between -1000 and 1000"},
	{"SELECT 1e-39::float4", "1e-39"},
	{"SELECT '1' + 1, 2 * '3'", "2|6"},
	{"SELECT 1e20::numeric::float4", "1e+20"},
}

// TestNumbersLikePostgres runs numberCases: literals, the arithmetic of
// integers, numerics and floats, overflow and division by zero, casts,
// numeric(p,s), aggregates and comparisons, each giving PostgreSQL's text.
func TestNumbersLikePostgres(t *testing.T) {
	s := newSession(t)
	for _, c := range numberCases {
		var got string
		rs, err := s.Exec(ctx, c.sql)
		switch {
		case err != nil:
			got = "ERROR " + string(pgcode.Of(err)) + ": " + err.Error()
		case len(rs) > 0 && rs[len(rs)-1].Columns != nil:
			got = pgText(rs[len(rs)-1])
		default:
			got = "ok"
		}
		if got != c.want {
			t.Errorf("%s\n got: %.300s\nwant: %.300s", c.sql, got, c.want)
		}
	}
}

// TestNumberTypes checks the type each expression's result column has,
// against PostgreSQL 15's (pg_typeof, and RowDescription's type modifier).
func TestNumberTypes(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE tm (id int8 PRIMARY KEY, i int8, f float8, n numeric, m numeric(10,2))`)
	for _, c := range []struct {
		sql  string
		want []types.Oid
		mods []int32 // RowDescription's type modifiers, when checked
	}{
		{`SELECT 1, 2147483648, 1.5, 1::int2, 1::int2 + 1::int2, 1 + 1::int2, 1 + 1::int8, 1 + 1.5, 1.5 + 1::float8`,
			[]types.Oid{types.OidInt4, types.OidInt8, types.OidNumeric, types.OidInt2, types.OidInt2, types.OidInt4, types.OidInt8, types.OidNumeric, types.OidFloat8}, nil},
		{`SELECT 1::float4 + 1::float4, 1::float4 + 1, -2147483648, -2147483649, -(-9223372036854775808), abs(1::int2), length('x'), 1::int2 * 2, -1::int2, 1.5::float4 + 1.5`,
			[]types.Oid{types.OidFloat4, types.OidFloat8, types.OidInt4, types.OidInt8, types.OidNumeric, types.OidInt2, types.OidInt4, types.OidInt4, types.OidInt2, types.OidFloat8}, nil},
		{`SELECT sum(id::int4), sum(id::int2), avg(id::int2), sum(f::float4), avg(f::float4), sum(i), avg(n), min(id::int2), count(id) FROM tm`,
			[]types.Oid{types.OidInt8, types.OidInt8, types.OidNumeric, types.OidFloat4, types.OidFloat8, types.OidNumeric, types.OidNumeric, types.OidInt2, types.OidInt8}, nil},
		{`SELECT m, m + 1, 1.5::numeric(10,2), 1.5::numeric(5), (m), -m, tm.m, 1.5::numeric(10,2)::numeric FROM tm`,
			[]types.Oid{types.OidNumeric, types.OidNumeric, types.OidNumeric, types.OidNumeric, types.OidNumeric, types.OidNumeric, types.OidNumeric, types.OidNumeric},
			[]int32{655366, -1, 655366, 327684, 655366, -1, 655366, -1}},
		{`SELECT * FROM tm`, []types.Oid{types.OidInt8, types.OidInt8, types.OidFloat8, types.OidNumeric, types.OidNumeric}, []int32{-1, -1, -1, -1, 655366}},
	} {
		res := run(t, s, c.sql)
		for i, col := range res.Columns {
			if i >= len(c.want) || col.Type.Oid != c.want[i] || c.mods != nil && col.Type.Mod != c.mods[i] {
				t.Errorf("%s: column %d (%s) is %d (typmod %d), want %v %v", c.sql, i+1, col.Name, col.Type.Oid, col.Type.Mod, c.want, c.mods)
			}
		}
		if len(res.Columns) != len(c.want) {
			t.Errorf("%s: %d columns", c.sql, len(res.Columns))
		}
	}
}

// TestNumericParams runs expressions over parameters: each takes the type
// its place gives it (as PostgreSQL infers an untyped parameter's), and a
// value comes as that type's Datum or as text.
func TestNumericParams(t *testing.T) {
	s := newSession(t)
	dec := func(text string) *apd.Decimal {
		d, err := engine.ParseNumeric(text)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		sql    string
		params []types.Datum
		want   string
	}{
		{`SELECT $1::numeric + 1, $1::numeric * 2, $1::numeric / 3`, []types.Datum{dec("0.10")}, "1.10|0.20|0.03333333333333333333"},
		{`SELECT $1::numeric + $2::int8`, []types.Datum{dec("12345678901234567890.1"), int64(1)}, "12345678901234567891.1"},
		{`SELECT $1::int8 + 1`, []types.Datum{int64(9223372036854775807)}, "ERROR 22003: bigint out of range"},
		{`SELECT $1 + 1`, []types.Datum{"3000000000"}, "ERROR 22003: value \"3000000000\" is out of range for type integer"},
		{`SELECT $1::float8 + 0.5`, []types.Datum{0.25}, "0.75"},
		{`SELECT $1::numeric(4,1)`, []types.Datum{"123.45"}, "123.5"},
		{`SELECT $1::numeric(4,1)`, []types.Datum{dec("1234.5")}, "ERROR 22003: numeric field overflow"},
		{`SELECT $1::numeric + 1`, []types.Datum{dec("NaN")}, "NaN"},
	} {
		var got string
		rs, err := s.Exec(ctx, c.sql, c.params...)
		if err != nil {
			got = "ERROR " + string(pgcode.Of(err)) + ": " + err.Error()
		} else {
			got = pgText(rs[0])
		}
		if got != c.want {
			t.Errorf("%s %v: got %s, want %s", c.sql, c.params, got, c.want)
		}
	}
}

// TestColumnNumbersTakeTheColumnType reads numbers of documents written
// as JSON through columns whose type their mix decides: an integer in a
// float8 column computes as a float, an integer or a float in a numeric
// column as an exact decimal (a float as the digits it was written with).
func TestColumnNumbersTakeTheColumnType(t *testing.T) {
	s := newSession(t)
	run(t, s, `CREATE TABLE d (pk=id)`)
	run(t, s, `INSERT INTO d {"id": 1, "f": 1, "n": 1}`)
	run(t, s, `INSERT INTO d {"id": 2, "f": 2.5, "n": 2.5}`)
	run(t, s, `INSERT INTO d {"id": 3, "f": 0.1, "n": 12345678901234567890.5}`)
	cols, err := s.db.View().Columns("d")
	if err != nil {
		t.Fatal(err)
	}
	if cols[1].Type != engine.TypeFloat8 || cols[2].Type != engine.TypeNumeric {
		t.Fatalf("columns: %+v", cols)
	}
	for _, c := range []struct{ sql, want string }{
		{`SELECT f / 4, n / 4 FROM d ORDER BY id`,
			"0.25|0.25000000000000000000;0.625|0.62500000000000000000;0.025|3086419725308641972.6"},
		{`SELECT sum(f), sum(n), avg(n) FROM d`, "3.6|12345678901234567894.0|4115226300411522631.3"}, // as PostgreSQL: the scale of a big quotient is small
		{`SELECT id FROM d WHERE n = 2.50`, "2"},
		{`SELECT n * 2 FROM d WHERE id = 2`, "5.0"},
	} {
		if got := pgText(run(t, s, c.sql)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.sql, got, c.want)
		}
	}
	// NaN and infinities have no JSON form: a document cannot hold them.
	wantErr(t, s, `UPDATE d SET n = 'NaN'::numeric WHERE id = 1`, string(pgcode.InvalidTextRepresentation))
	wantErr(t, s, `UPDATE d SET f = 'Infinity'::float8 WHERE id = 1`, string(pgcode.InvalidTextRepresentation))
}
