package integration

import (
	"os"
	"os/exec"
	"testing"
)

// python returns /usr/bin/python3 when it imports the modules, skipping
// the test where it does not (CI installs them and fails instead).
func python(t *testing.T, modules, pkgs string) string {
	t.Helper()
	py := need(t, "/usr/bin/python3", "python3")
	if err := exec.Command(py, "-c", "import "+modules).Run(); err != nil {
		need(t, "/nonexistent/python3 module "+modules, pkgs)
	}
	return py
}

// runPython returns a clientRun of a Python script, which takes host,
// port, user and database name as arguments.
func runPython(py, script string) clientRun {
	return func(t *testing.T, to target) []byte {
		cmd := exec.Command(py, script, to.host, to.port, to.user, to.db)
		// libpq sets the session's time zone from PGTZ: UTC on both
		// servers, whatever the machine's.
		cmd.Env = append(os.Environ(), "PGTZ=UTC", "TZ=UTC")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		return out
	}
}

// TestSQLAlchemyORM runs SQLAlchemy's ORM and inspector (psycopg2
// dialect): a declarative model, create_all, the inspector's columns,
// keys, indexes, unique and foreign key constraints, a session's add and
// commit, queries with filter, order_by, group_by and limit, update,
// delete, a unique violation's SQLSTATE, nested transactions
// (begin_nested's savepoints) and drop_all. What it prints is
// PostgreSQL 15's answer (testdata/clients/sqlalchemy_orm.out).
func TestSQLAlchemyORM(t *testing.T) {
	py := python(t, "sqlalchemy, psycopg2", "python3-sqlalchemy python3-psycopg2")
	checkClient(t, "client_orm", "testdata/clients/sqlalchemy_orm.out", nil, runPython(py, "testdata/clients/sqlalchemy_orm.py"))
}

// TestPandas runs pandas over a SQLAlchemy engine: to_sql appending to a
// table, replacing it and making a new one (tables without a primary
// key), read_sql of a query (with parameters) and of a table by name,
// and the round trip of int, float, text, bool and timestamp columns'
// dtypes. What it prints is PostgreSQL 15's answer
// (testdata/clients/pandas_sql.out).
func TestPandas(t *testing.T) {
	py := python(t, "pandas, sqlalchemy, psycopg2", "python3-pandas python3-sqlalchemy python3-psycopg2")
	checkClient(t, "client_pandas", "testdata/clients/pandas_sql.out", nil, runPython(py, "testdata/clients/pandas_sql.py"))
}

// TestPsycopgExtras runs psycopg2 beyond plain execute: execute_values,
// execute_batch and executemany, RealDictCursor, uuid adaptation, COPY in
// and out through copy_expert, a cursor's description, a read-only
// session, autocommit, notices, RETURNING and ON CONFLICT, arrays. What
// it prints is PostgreSQL 15's answer
// (testdata/clients/psycopg_extras.out).
func TestPsycopgExtras(t *testing.T) {
	py := python(t, "psycopg2", "python3-psycopg2")
	checkClient(t, "client_extras", "testdata/clients/psycopg_extras.out", nil, runPython(py, "testdata/clients/psycopg_extras.py"))
}
