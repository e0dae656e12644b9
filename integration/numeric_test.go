package integration

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/pgwire"
	"github.com/driftdb/driftdb/sql/types"
)

var rewrite = flag.Bool("rewrite", false, "write PostgreSQL's answers into testdata/numeric.slt")

// scriptCase is a statement of testdata/numeric.slt and what PostgreSQL
// answers, after the comment lines before it.
type scriptCase struct {
	line    int
	comment string
	kind    string // "query" or "statement"; "" for a block of comments only
	sql     string
	want    string
}

func readScript(t *testing.T, path string) []scriptCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []scriptCase
	line := 1
	for _, blk := range strings.Split(strings.TrimSpace(string(b)), "\n\n") {
		c := scriptCase{line: line}
		line += strings.Count(blk, "\n") + 2
		for strings.HasPrefix(blk, "#") {
			first, rest, _ := strings.Cut(blk, "\n")
			c.comment += first + "\n"
			blk = rest
		}
		if blk != "" {
			kind, rest, _ := strings.Cut(blk, "\n")
			sql, want, ok := strings.Cut(rest, "\n----")
			if !ok || kind != "query" && kind != "statement" {
				t.Fatalf("%s:%d: a block is query or statement, then SQL, then ----", path, c.line)
			}
			c.kind, c.sql, c.want = kind, strings.TrimSpace(sql), strings.TrimPrefix(want, "\n")
		}
		cases = append(cases, c)
	}
	return cases
}

// answer is what a server answers to a statement: its rows as text, and
// for queries in binary the raw values and the columns' types.
type answer struct {
	text   string
	binary [][][]byte
	fields []pgconn.FieldDescription
}

func errorText(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return "ERROR " + pe.Code + ": " + pe.Message
	}
	return "ERROR " + err.Error()
}

// ask runs sql in the simple protocol (text) and, for a query, again in
// the extended protocol with binary results.
func ask(ctx context.Context, c *pgx.Conn, kind, sql string) answer {
	rs, err := c.PgConn().Exec(ctx, sql).ReadAll()
	if err == nil && len(rs) > 0 {
		err = rs[len(rs)-1].Err
	}
	if err != nil {
		return answer{text: errorText(err)}
	}
	if kind == "statement" {
		return answer{}
	}
	r := rs[len(rs)-1]
	var lines []string
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			if v == nil {
				cells[i] = "NULL"
			} else {
				cells[i] = string(v)
			}
		}
		lines = append(lines, strings.Join(cells, "|"))
	}
	a := answer{text: strings.Join(lines, "\n"), fields: r.FieldDescriptions}
	br := c.PgConn().ExecParams(ctx, sql, nil, nil, nil, []int16{pgtype.BinaryFormatCode}).Read()
	if br.Err != nil {
		a.text += "\nbinary: " + errorText(br.Err)
	}
	a.binary = br.Rows
	return a
}

// TestNumbersLikePostgres runs testdata/numeric.slt on DriftDB and checks
// every answer against PostgreSQL 15's: the text of the rows, the types
// and type modifiers of the columns, and the bytes of the binary format.
// With a PostgreSQL server at hand (DRIFTDB_PG_URL, or PostgreSQL 15
// installed) it asks it too; else it checks against the answers written
// in the file, and the binary values against the text ones.
func TestNumbersLikePostgres(t *testing.T) {
	ctx := context.Background()
	const path = "testdata/numeric.slt"
	cases := readScript(t, path)
	s := startServer(t, pgwire.Config{})
	dd := connect(t, s.url(""))
	var pg *pgx.Conn
	if url, missing := startPostgres(t); url == "" {
		t.Logf("checking against %s only: %s", path, missing)
	} else {
		pg = connect(t, url)
		// A schema of its own, so that DRIFTDB_PG_URL may name a
		// database in use.
		for _, q := range []string{"DROP SCHEMA IF EXISTS driftdb_numeric CASCADE", "CREATE SCHEMA driftdb_numeric", "SET search_path = driftdb_numeric"} {
			if _, err := pg.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	if *rewrite && pg == nil {
		t.Fatal("-rewrite needs PostgreSQL")
	}
	var out strings.Builder
	for _, c := range cases {
		out.WriteString(c.comment)
		if c.kind == "" {
			out.WriteString("\n")
			continue
		}
		where := fmt.Sprintf("%s:%d: %s", path, c.line, c.sql)
		got := ask(ctx, dd, c.kind, c.sql)
		want := c.want
		if pg != nil {
			ref := ask(ctx, pg, c.kind, c.sql)
			want = ref.text
			if !*rewrite && ref.text != c.want {
				t.Errorf("%s\nPostgreSQL now answers\n%s\nwhere the file says\n%s", where, ref.text, c.want)
			}
			if got.text == ref.text && ref.binary != nil {
				compareBinary(t, where, got, ref)
			}
		} else if got.binary != nil {
			checkBinaryMatchesText(t, where, got)
		}
		if got.text != want {
			t.Errorf("%s\ngot\n%s\nwant\n%s", where, got.text, want)
		}
		fmt.Fprintf(&out, "%s\n%s\n----\n", c.kind, c.sql)
		if want != "" {
			out.WriteString(want + "\n")
		}
		out.WriteString("\n")
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimSuffix(out.String(), "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// compareBinary checks that DriftDB's binary answer and its column types
// are PostgreSQL's, byte for byte.
func compareBinary(t *testing.T, where string, got, ref answer) {
	t.Helper()
	if len(got.fields) != len(ref.fields) {
		t.Errorf("%s: %d columns, PostgreSQL has %d", where, len(got.fields), len(ref.fields))
		return
	}
	for i, f := range got.fields {
		r := ref.fields[i]
		if f.DataTypeOID != r.DataTypeOID || f.TypeModifier != r.TypeModifier {
			t.Errorf("%s: column %d (%s) is type %d mod %d, PostgreSQL's is %d mod %d",
				where, i+1, f.Name, f.DataTypeOID, f.TypeModifier, r.DataTypeOID, r.TypeModifier)
		}
	}
	if len(got.binary) != len(ref.binary) {
		t.Errorf("%s: %d binary rows, PostgreSQL sends %d", where, len(got.binary), len(ref.binary))
		return
	}
	for i, row := range got.binary {
		for j, v := range row {
			if !bytes.Equal(v, ref.binary[i][j]) {
				t.Errorf("%s: row %d column %d in binary is %x, PostgreSQL sends %x", where, i+1, j+1, v, ref.binary[i][j])
			}
		}
	}
}

// checkBinaryMatchesText reads each binary value with pgx's codecs and
// checks that it is the number its text says.
func checkBinaryMatchesText(t *testing.T, where string, a answer) {
	t.Helper()
	m := pgtype.NewMap()
	lines := strings.Split(a.text, "\n")
	for i, row := range a.binary {
		cells := strings.Split(lines[i], "|")
		for j, v := range row {
			oid := a.fields[j].DataTypeOID
			if v == nil {
				if cells[j] != "NULL" {
					t.Errorf("%s: row %d column %d is NULL in binary, %s in text", where, i+1, j+1, cells[j])
				}
				continue
			}
			var same bool
			switch oid {
			case types.OidInt2, types.OidInt4, types.OidInt8:
				var n int64
				err := m.Scan(oid, pgtype.BinaryFormatCode, v, &n)
				same = err == nil && strconv.FormatInt(n, 10) == cells[j]
			case types.OidFloat4, types.OidFloat8:
				var f float64
				err := m.Scan(oid, pgtype.BinaryFormatCode, v, &f)
				typ, _ := types.ByOid(oid)
				same = err == nil && (types.FormatText(f, typ, nil) == cells[j] || math.IsNaN(f) && cells[j] == "NaN")
			case types.OidNumeric:
				var n pgtype.Numeric
				err := m.Scan(oid, pgtype.BinaryFormatCode, v, &n)
				want, perr := engine.ParseNumeric(cells[j])
				same = err == nil && perr == nil && numericEqual(n, want)
			default:
				same = string(v) == cells[j]
			}
			if !same {
				t.Errorf("%s: row %d column %d: binary %x is not %s", where, i+1, j+1, v, cells[j])
			}
		}
	}
}

// numericEqual reports whether pgx's numeric is the number d.
func numericEqual(n pgtype.Numeric, d *apd.Decimal) bool {
	switch {
	case n.NaN:
		return d.Form == apd.NaN
	case n.InfinityModifier != pgtype.Finite:
		return d.Form == apd.Infinite && d.Negative == (n.InfinityModifier == pgtype.NegativeInfinity)
	case d.Form != apd.Finite:
		return false
	}
	return apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(n.Int), n.Exp).Cmp(d) == 0
}

// TestNumericOverPgx writes and reads numbers through pgx as applications
// do: numeric parameters in binary (pgx's default for numeric) and in
// text (simple protocol), numeric(p,s) rounding, overflow and its detail,
// integer overflow, and a binary numeric whose 8 bytes say weight 32767.
func TestNumericOverPgx(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, pgwire.Config{})
	num := func(coeff string, exp int32) pgtype.Numeric {
		n, _ := new(apd.BigInt).SetString(coeff, 10)
		return pgtype.Numeric{Int: n.MathBigInt(), Exp: exp, Valid: true}
	}
	for _, mode := range []string{"cache_statement", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			c := connect(t, s.url("default_query_exec_mode="+mode))
			table := "prices_" + mode
			mustExec(t, c, `CREATE TABLE `+table+` (id int8 PRIMARY KEY, price numeric(10,2), amount numeric)`)
			insert := `INSERT INTO ` + table + ` (id, price, amount) VALUES ($1, $2, $3)`
			mustExec(t, c, insert, 1, num("1005", -3), num("1005", -3))
			mustExec(t, c, insert, 2, num("-7", 0), num("-7", 0))
			mustExec(t, c, insert, 3, "2.5", "12345678901234567890.1234567890")
			mustExec(t, c, insert, 4, nil, num("1", -16383))
			_, err := c.Exec(ctx, insert, 5, num("123456789", 0), nil)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "22003" || pe.Message != "numeric field overflow" ||
				pe.Detail != "A field with precision 10, scale 2 must round to an absolute value less than 10^8." {
				t.Fatalf("overflow: %v (%+v)", err, pe)
			}
			rows, err := c.Query(ctx, `SELECT price, amount, amount + 1, amount * 2, length(amount::text) FROM `+table+` ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			if fd := rows.FieldDescriptions(); fd[0].TypeModifier != 10<<16|2+4 || fd[1].TypeModifier != -1 {
				t.Errorf("type modifiers %d %d", fd[0].TypeModifier, fd[1].TypeModifier)
			}
			var got []string
			for rows.Next() {
				var price pgtype.Numeric
				var amount, plus, twice string
				var n int32
				if err := rows.Scan(&price, &amount, &plus, &twice, &n); err != nil {
					t.Fatal(err)
				}
				if n > 40 {
					amount, plus, twice = amount[:12]+"...", plus[:12]+"...", twice[:12]+"..."
				}
				got = append(got, fmt.Sprintf("%s %s %s %s %d", numText(price), amount, plus, twice, n))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			want := []string{
				"1.01 1.005 2.005 2.010 5",
				"-7.00 -7 -6 -14 2",
				"2.50 12345678901234567890.1234567890 12345678901234567891.1234567890 24691357802469135780.2469135780 31",
				"NULL 0.0000000000... 1.0000000000... 0.0000000000... 16385",
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			var sum int64
			err = c.QueryRow(ctx, `SELECT $1::int8 + 1`, int64(math.MaxInt64)).Scan(&sum)
			if sqlState(err) != "22003" {
				t.Errorf("bigint overflow: %v", err)
			}
		})
	}
	// A numeric parameter in binary whose 8 bytes say weight 32767 and no
	// digit (zero), then one digit at that weight, then one too long.
	c := connect(t, s.url(""))
	for _, p := range []struct {
		in   []byte
		want string
	}{
		{[]byte{0, 0, 0x7f, 0xff, 0, 0, 0, 0}, "0|1"},
		{[]byte{0, 1, 0x7f, 0xff, 0, 0, 0, 0, 0, 7}, "7" + strings.Repeat("0", 131068) + "|131069"},
		{[]byte{0, 1, 0x7f, 0xff, 0x12, 0x34, 0, 0, 0, 7}, "ERROR 22P03"},
	} {
		r := c.PgConn().ExecParams(ctx, `SELECT $1::numeric, length($1::numeric::text)`, [][]byte{p.in},
			[]uint32{types.OidNumeric}, []int16{pgtype.BinaryFormatCode}, nil).Read()
		got := ""
		if r.Err != nil {
			got = "ERROR " + sqlState(r.Err)
		} else {
			got = string(r.Rows[0][0]) + "|" + string(r.Rows[0][1])
		}
		if got != p.want {
			t.Errorf("%x: %.40s, want %.40s", p.in, got, p.want)
		}
	}
	if _, err := c.Exec(ctx, `SELECT $1::numeric`, "1e131072"); sqlState(err) != "22003" {
		t.Errorf("text parameter beyond the limits: %v", err)
	}
}

// numText writes pgx's numeric as PostgreSQL's text.
func numText(n pgtype.Numeric) string {
	if !n.Valid {
		return "NULL"
	}
	d := apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(n.Int), n.Exp)
	return engine.NumericText(d)
}
