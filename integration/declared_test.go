package integration

import (
	"bytes"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/driftdb/driftdb/pgwire"
)

// TestDeclaredColumnsOverPgx writes and reads columns of the types the
// engine stores in wider ones (real, char(n), uuid, bytea, time) through
// pgx's binary formats: RowDescription gives the declared type, and the
// values come back as written.
func TestDeclaredColumnsOverPgx(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE decl (id int8 PRIMARY KEY, r real, c char(3), u uuid, b bytea, tm time)`)
	u := [16]byte{0xa0, 0xee, 0xbc, 0x99, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	tm := pgtype.Time{Microseconds: (10*3600+11*60+12)*1e6 + 250000, Valid: true}
	for i, v := range []int64{1, 2} {
		mustExec(t, c, `INSERT INTO decl VALUES ($1, $2, $3, $4, $5, $6)`, v, float32(0.1)*float32(i+1), "ab", u, []byte{0, 0xff, byte(i)}, tm)
	}
	rows, err := c.Query(bg, `SELECT r, c, u, b, tm FROM decl WHERE u = $1 AND b > $2 AND tm = $3 ORDER BY id`, u, []byte{0}, tm)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fd := range rows.FieldDescriptions() {
		dt, _ := c.TypeMap().TypeForOID(fd.DataTypeOID)
		names = append(names, dt.Name)
	}
	n := 0
	for rows.Next() {
		var (
			r  float32
			ch string
			gu [16]byte
			b  []byte
			gt pgtype.Time
		)
		if err := rows.Scan(&r, &ch, &gu, &b, &gt); err != nil {
			t.Fatal(err)
		}
		if r != float32(0.1)*float32(n+1) || ch != "ab " || gu != u || !bytes.Equal(b, []byte{0, 0xff, byte(n)}) || gt != tm {
			t.Errorf("row %d: %v %q %x %x %v", n, r, ch, gu, b, gt)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != 2 {
		t.Fatalf("%d rows, %v", n, err)
	}
	if want := []string{"float4", "bpchar", "uuid", "bytea", "time"}; !slices.Equal(names, want) {
		t.Errorf("column types %v, want %v", names, want)
	}
}

// TestVoidParameter: a parameter the client types void is no argument of
// the function it stands in, as in PostgreSQL, where pgjdbc sends
// {? = call f(?)} as f($1, $2) with $1 of type void.
func TestVoidParameter(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	pc := c.PgConn()
	const voidOid, textOid = 2278, 25
	if _, err := pc.Prepare(bg, "", "SELECT * FROM upper($1, $2) AS result", []uint32{voidOid, textOid}); err != nil {
		t.Fatal(err)
	}
	res := pc.ExecPrepared(bg, "", [][]byte{nil, []byte("abc")}, nil, nil).Read()
	if res.Err != nil || len(res.Rows) != 1 || string(res.Rows[0][0]) != "ABC" {
		t.Fatalf("upper(void, text): %v %q", res.Err, res.Rows)
	}
}
