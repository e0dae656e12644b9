package integration

import (
	"net"
	"os"
	"os/exec"
	"testing"

	"github.com/driftdb/driftdb/pgwire"
)

// need returns the path of a client program, skipping the test where it is
// missing (CI installs them all and fails instead).
func need(t *testing.T, path, pkg string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (apt-get install %s)", path, pkg)
		}
		t.Skipf("%s is missing (apt-get install %s)", path, pkg)
	}
	return path
}

// TestPsycopg runs a psycopg2 script: implicit transactions, parameters
// interpolated client side, jsonb and numeric values, DriftQL, an error
// code.
func TestPsycopg(t *testing.T) {
	python := need(t, "/usr/bin/python3", "python3")
	if err := exec.Command(python, "-c", "import psycopg2").Run(); err != nil {
		need(t, "/nonexistent/psycopg2", "python3-psycopg2")
	}
	s := startServer(t, pgwire.Config{})
	_, port, _ := net.SplitHostPort(s.addr)
	out, err := exec.Command(python, "testdata/clients/psycopg_smoke.py", port).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "[(1, 'a@x', Decimal('12.5'), {'k': [1, 2]}), (2, 'b@x', None, None)]\n('a@x',)\n2 events\nerror 23505\n150018\n"
	if string(out) != want {
		t.Fatalf("psycopg2 printed:\n%s\nwant:\n%s", out, want)
	}
}

// TestJDBC compiles and runs a pgjdbc program: prepared statements past
// the server-side prepare threshold, a transaction, an error's SQLSTATE,
// the server version the driver reads, and its metadata: getTables,
// getColumns, getIndexInfo and a result's table and nullability.
func TestJDBC(t *testing.T) {
	javaClasses(t)
	s := startServer(t, pgwire.Config{})
	_, port, _ := net.SplitHostPort(s.addr)
	out := runJava(t, "Smoke", port)
	want := "updated 1\n3 u3@x 5.5 false\nactive 5\nerror 23505\nPostgreSQL 15.18\n" +
		"table users\ncolumn id int8 0\ncolumn email text 1\ncolumn amount float8 1\ncolumn active bool 1\n" +
		"key id users_pkey\nindex users_pkey id\nresult users email 0\n"
	if string(out) != want {
		t.Fatalf("JDBC printed:\n%s\nwant:\n%s", out, want)
	}
}

// TestSQLAlchemy runs SQLAlchemy's psycopg2 dialect: it connects (reading
// the catalog as it does at connect), and its inspector lists tables,
// views, columns with their types, defaults and comments, the table's
// comment, the primary key, indexes and unique constraints, and reflects a table into a query.
func TestSQLAlchemy(t *testing.T) {
	python := need(t, "/usr/bin/python3", "python3")
	if err := exec.Command(python, "-c", "import sqlalchemy, psycopg2").Run(); err != nil {
		need(t, "/nonexistent/sqlalchemy", "python3-sqlalchemy python3-psycopg2")
	}
	s := startServer(t, pgwire.Config{})
	_, port, _ := net.SplitHostPort(s.addr)
	out, err := exec.Command(python, "testdata/clients/sqlalchemy_inspect.py", port).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "[(1, 'a@x', 5), (2, 'b@x', 50)]\n" +
		"['users'] ['big']\n" +
		"id INTEGER False nextval('users_id_seq'::regclass) None\n" +
		"email VARCHAR(80) False None where to write\n" +
		"n INTEGER True 0 None\n" +
		"{'text': 'who signed up'}\n" +
		"['id']\n" +
		"[('users_email_key', ['email'], True), ('users_n', ['n'], False)]\n" +
		"[['email']]\n" +
		"[]\n" +
		"['b@x']\n" +
		"['body', 'at'] [] []\n" +
		"[('x', 1), ('x', 1)]\n" +
		"memberships_pkey ['usr', 'grp']\n"
	if string(out) != want {
		t.Fatalf("SQLAlchemy printed:\n%s\nwant:\n%s", out, want)
	}
}
