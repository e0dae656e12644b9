package types

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// castProbeTypes are the types whose casts are compared with PostgreSQL's:
// every type with values and its array.
func castProbeTypes() []*T {
	var out []*T
	for _, t := range All() {
		if !hasValues(t) || t.Family == UnknownFamily || t.Oid == OidCstring || t.Oid == OidPgNodeTree {
			continue
		}
		if t.Family == ArrayFamily && t.Elem != nil && (!hasValues(t.Elem) || t.Elem.Oid == OidCstring) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// TestCastContextMatchesPostgreSQL checks CastContext for every pair of
// types against testdata/cast_contexts.txt, which records PostgreSQL's
// behaviour: for each pair, whether a NULL of one type is accepted by a
// function taking the other (implicit), stored into a column of it
// (assignment) or cast to it with CAST (explicit). With DRIFTDB_PG_URL
// the probes run on the server too; -rewrite records its answers.
func TestCastContextMatchesPostgreSQL(t *testing.T) {
	const path = "testdata/cast_contexts.txt"
	types := castProbeTypes()
	want := map[string]string{}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			pair, cc, _ := strings.Cut(line, " ")
			want[pair] = cc
		}
		f.Close()
	} else if !*rewrite {
		t.Fatal(err)
	}
	if conn := pgConn(t); conn != nil {
		ctx := context.Background()
		probe := func(sql string) bool {
			_, err := conn.Exec(ctx, sql)
			return err == nil
		}
		for _, to := range types {
			fn := fmt.Sprintf("pg_temp.probe_%d", to.Oid)
			if !probe(fmt.Sprintf("CREATE FUNCTION %s(x %s) RETURNS int LANGUAGE sql AS 'SELECT 1'", fn, to.String())) {
				t.Fatalf("cannot create a function of %s", to)
			}
			if !probe(fmt.Sprintf("CREATE TEMP TABLE probe_%d (v %s)", to.Oid, to.String())) {
				t.Fatalf("cannot create a table of %s", to)
			}
			for _, from := range types {
				key := from.Name + ":" + to.Name
				got := "none"
				switch {
				case probe(fmt.Sprintf("SELECT %s(NULL::%s)", fn, from.String())):
					got = "implicit"
				case probe(fmt.Sprintf("INSERT INTO probe_%d SELECT NULL::%s", to.Oid, from.String())):
					got = "assignment"
				case probe(fmt.Sprintf("SELECT CAST(NULL::%s AS %s)", from.String(), to.String())):
					got = "explicit"
				}
				if want[key] != got {
					if *rewrite {
						want[key] = got
					} else {
						t.Errorf("%s: PostgreSQL answers %s, the file says %q", key, got, want[key])
					}
				}
			}
		}
		if *rewrite {
			var b strings.Builder
			b.WriteString("# Where PostgreSQL 15 casts each type to each other: implicit,\n# assignment, explicit or none (see castctx_test.go).\n")
			for _, from := range types {
				for _, to := range types {
					key := from.Name + ":" + to.Name
					b.WriteString(key + " " + want[key] + "\n")
				}
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, from := range types {
		for _, to := range types {
			key := from.Name + ":" + to.Name
			w, ok := want[key]
			if !ok {
				t.Errorf("%s: not in %s", key, path)
				continue
			}
			if got := CastContext(from, to).String(); got != w {
				t.Errorf("CastContext(%s, %s) = %s, want %s", from, to, got, w)
			}
		}
	}
}
