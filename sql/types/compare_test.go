package types

import (
	"bufio"
	"context"
	"fmt"
	"hash/maphash"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// testdata/compare.txt lists values of a type and the order PostgreSQL
// 15's btree operators put them in, ties joined with "=":
//
//	type "v0" "v1" "v2" ... => 2 0=1 ...
//
// With DRIFTDB_PG_URL the order is asked of the server too (-rewrite
// records it).

type compareCase struct {
	line   int
	typ    string
	values []string
	want   string
}

func loadCompareCases(t *testing.T, path string) ([]*compareCase, []string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []*compareCase
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		lines = append(lines, line)
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := &compareCase{line: n}
		typ, rest, _ := strings.Cut(line, " ")
		c.typ = typ
		for {
			rest = strings.TrimLeft(rest, " ")
			if strings.HasPrefix(rest, "=>") {
				c.want = strings.TrimSpace(rest[2:])
				break
			}
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, n, err)
			}
			v, _ := strconv.Unquote(q)
			c.values = append(c.values, v)
			rest = rest[len(q):]
		}
		cases = append(cases, c)
	}
	return cases, lines
}

// orderString writes the order of n values under cmp: indices sorted,
// equal ones joined by "=" in index order.
func orderString(n int, cmp func(i, j int) int) string {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return cmp(idx[a], idx[b]) < 0 })
	var b strings.Builder
	for k, i := range idx {
		if k > 0 {
			if cmp(idx[k-1], i) == 0 {
				b.WriteByte('=')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()
}

func (c *compareCase) String() string {
	var b strings.Builder
	b.WriteString(c.typ)
	for _, v := range c.values {
		b.WriteString(" " + strconv.Quote(v))
	}
	b.WriteString(" => " + c.want)
	return b.String()
}

func TestComparePostgreSQLOrder(t *testing.T) {
	const path = "testdata/compare.txt"
	cases, lines := loadCompareCases(t, path)
	conn := pgConn(t)
	changed := false
	var seed = maphash.MakeSeed()
	for _, c := range cases {
		typ := typeByName(t, c.typ)
		vals := make([]Datum, len(c.values))
		for i, s := range c.values {
			v, err := ParseText(s, typ, nil)
			if err != nil {
				t.Fatalf("%s:%d: %q: %v", path, c.line, s, err)
			}
			vals[i] = v
		}
		if conn != nil {
			// PostgreSQL's comparisons of every pair.
			texts := make([]Datum, len(c.values))
			for i, v := range c.values {
				texts[i] = v
			}
			lit := FormatText(&DArray{Elem: Text, Vals: texts}, ArrayOf(Text), nil)
			st := sqlType(c.typ)
			sql := fmt.Sprintf("SELECT x.i, y.i, (x.s::%s > y.s::%s)::int - (x.s::%s < y.s::%s)::int FROM unnest($1::text[]) WITH ORDINALITY x(s, i), unnest($1::text[]) WITH ORDINALITY y(s, i)", st, st, st, st)
			rows, err := conn.Query(context.Background(), sql, lit)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, c.line, err)
			}
			pg := make([][]int, len(vals))
			for i := range pg {
				pg[i] = make([]int, len(vals))
			}
			for rows.Next() {
				var i, j int64
				var r int
				if err := rows.Scan(&i, &j, &r); err != nil {
					t.Fatal(err)
				}
				pg[i-1][j-1] = r
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			got := orderString(len(vals), func(i, j int) int { return pg[i][j] })
			if got != c.want {
				if *rewrite {
					c.want = got
					lines[c.line-1] = c.String()
					changed = true
				} else {
					t.Errorf("%s:%d: PostgreSQL orders %s", path, c.line, got)
				}
			}
		}
		got := orderString(len(vals), func(i, j int) int { return Compare(vals[i], vals[j], typ) })
		if got != c.want {
			t.Errorf("%s:%d: %s: Compare orders %s, want %s", path, c.line, c.typ, got, c.want)
		}
		for i := range vals {
			for j := range vals {
				cij, cji := Compare(vals[i], vals[j], typ), Compare(vals[j], vals[i], typ)
				if cij != -cji {
					t.Errorf("%s: Compare(%q, %q) = %d but the reverse is %d", c.typ, c.values[i], c.values[j], cij, cji)
				}
				if eq := Equal(vals[i], vals[j], typ); eq != (cij == 0) {
					t.Errorf("%s: Equal(%q, %q) = %v, Compare = %d", c.typ, c.values[i], c.values[j], eq, cij)
				}
				if cij == 0 && hashOf(vals[i], typ, seed) != hashOf(vals[j], typ, seed) {
					t.Errorf("%s: %q and %q are equal but hash apart", c.typ, c.values[i], c.values[j])
				}
			}
		}
	}
	if changed {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func hashOf(d Datum, t *T, seed maphash.Seed) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	Hash(d, t, &h)
	return h.Sum64()
}
