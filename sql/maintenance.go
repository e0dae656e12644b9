package sql

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
)

// VACUUM and ANALYZE have nothing to do in DriftDB: it keeps every version
// on purpose (COMPACT BEFORE is what gives space back, docs/OPERATIONS.md)
// and its planner reads the tables' live row counts, not statistics. They
// check their tables, as PostgreSQL does, and succeed, so that the tools
// and scripts that run them go on. CREATE SCHEMA answers for public, the
// one schema there is.

func (s *Session) vacuumStmt(v *pg.VacuumStmt) (*Result, error) {
	tag := "ANALYZE"
	if v.IsVacuumcmd {
		tag = "VACUUM"
		if err := s.preventBlock("VACUUM"); err != nil {
			return nil, err
		}
	}
	for _, r := range v.Rels {
		rv := r.GetVacuumRelation().GetRelation()
		if rv == nil {
			continue
		}
		if _, err := s.tableNamed(rv); err != nil {
			return nil, err
		}
	}
	return &Result{Tag: tag}, nil
}

func (s *Session) createSchema(c *pg.CreateSchemaStmt) (*Result, error) {
	switch c.Schemaname {
	case "public", "pg_catalog", "information_schema":
	default:
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "CREATE SCHEMA %s: schemas other than public are not supported", c.Schemaname)
	}
	if len(c.SchemaElts) > 0 {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "CREATE SCHEMA with schema elements is not supported")
	}
	if !c.IfNotExists {
		return nil, pgcode.Newf(pgcode.DuplicateSchema, "schema %q already exists", c.Schemaname)
	}
	s.notice(fmt.Sprintf("schema %q already exists, skipping", c.Schemaname))
	return &Result{Tag: "CREATE SCHEMA"}, nil
}

// lockStmt runs LOCK TABLE. DriftDB takes no table locks: a transaction
// reads its snapshot whatever others do, and DDL does not wait for
// readers. ACCESS SHARE, the mode pg_dump takes on every table it dumps
// (which only keeps them from being dropped or altered meanwhile), is
// accepted in a transaction block after checking the tables; stronger
// modes, which would keep writers out, are refused.
func (s *Session) lockStmt(l *pg.LockStmt) (*Result, error) {
	if !s.inBlock() {
		return nil, pgcode.New(pgcode.NoActiveSQLTransaction, "LOCK TABLE can only be used in transaction blocks")
	}
	const accessShare = 1 // PostgreSQL's AccessShareLock
	if l.Mode != accessShare {
		return nil, pgcode.New(pgcode.FeatureNotSupported, "LOCK TABLE in a mode other than ACCESS SHARE is not supported: DriftDB takes no table locks")
	}
	for _, r := range l.Relations {
		if _, err := s.tableNamed(r.GetRangeVar()); err != nil {
			return nil, err
		}
	}
	return &Result{Tag: "LOCK TABLE"}, nil
}
