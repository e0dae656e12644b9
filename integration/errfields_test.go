package integration

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/driftdb/driftdb/pgwire"
)

// TestUniqueViolationFields: a unique violation names its schema, table
// and constraint in the ErrorResponse, as PostgreSQL's does (drivers and
// ORMs map errors by them: node-postgres' err.constraint, pgx's
// PgError.ConstraintName).
func TestUniqueViolationFields(t *testing.T) {
	s := startServer(t, pgwire.Config{})
	c := connect(t, s.url(""))
	mustExec(t, c, `CREATE TABLE acct (id int8 PRIMARY KEY, owner text UNIQUE)`)
	mustExec(t, c, `INSERT INTO acct VALUES (1, 'ann'), (5, 'dee')`)
	for sql, constraint := range map[string]string{
		`INSERT INTO acct VALUES (1, 'bo')`:            "acct_pkey",
		`INSERT INTO acct VALUES (2, 'ann')`:           "acct_owner_key",
		`INSERT INTO acct VALUES (3, 'cy'), (4, 'cy')`: "acct_owner_key",
		`UPDATE acct SET owner = 'ann' WHERE id = 5`:   "acct_owner_key",
		`UPDATE acct SET id = 1 WHERE id = 5`:          "acct_pkey",
	} {
		_, err := c.Exec(bg, sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23505" {
			t.Fatalf("%s: %v", sql, err)
		}
		if pe.SchemaName != "public" || pe.TableName != "acct" || pe.ConstraintName != constraint {
			t.Errorf("%s: schema %q table %q constraint %q, want public, acct, %s", sql, pe.SchemaName, pe.TableName, pe.ConstraintName, constraint)
		}
	}
	// Other errors name none.
	_, err := c.Exec(bg, `SELECT nope FROM acct`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.TableName != "" || pe.ConstraintName != "" {
		t.Errorf("42703 names %q %q", pe.TableName, pe.ConstraintName)
	}
}
