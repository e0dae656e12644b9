package sql

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// CREATE EXTENSION and DROP EXTENSION for the extensions whose functions
// DriftDB has built in (available whether created or not): the database
// records the ones created, which pg_extension lists beside plpgsql.

// extensions are the extensions CREATE EXTENSION takes, with the versions
// PostgreSQL 15 ships.
var extensions = map[string]string{
	"uuid-ossp": "1.1", // uuid_generate_v1 ... v5, uuid_nil, uuid_ns_*
	"pgcrypto":  "1.3", // digest, hmac, gen_random_bytes, gen_random_uuid
}

func (s *Session) createExtension(c *pg.CreateExtensionStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	for _, o := range c.Options {
		switch d := o.GetDefElem(); d.Defname {
		case "schema":
			if schema := d.Arg.GetString_().GetSval(); schema != "public" && !(c.Extname == "driftdb" && schema == "driftdb") {
				return nil, pgcode.Newf(pgcode.InvalidSchemaName, "schema %q does not exist", schema)
			}
		case "cascade":
		default:
			return nil, pgcode.Newf(pgcode.FeatureNotSupported, "CREATE EXTENSION ... %s is not supported", d.Defname)
		}
	}
	exists := func() (*Result, error) {
		if c.IfNotExists {
			s.notice(fmt.Sprintf("extension %q already exists, skipping", c.Extname))
			return &Result{Tag: "CREATE EXTENSION"}, nil
		}
		return nil, pgcode.Newf(pgcode.DuplicateObject, "extension %q already exists", c.Extname)
	}
	if c.Extname == "plpgsql" || c.Extname == "driftdb" {
		return exists() // always there
	}
	version, ok := extensions[c.Extname]
	if !ok {
		return nil, pgcode.Newf(pgcode.FeatureNotSupported, "extension %q is not available", c.Extname).
			WithDetail("DriftDB has the functions of plpgsql's, pgcrypto's (digest, hmac, gen_random_bytes, gen_random_uuid) and uuid-ossp's built in; no other extension can be created.")
	}
	if err := s.db.CreateExtension(c.Extname, version); err != nil {
		if engine.Code(err) == engine.CodeDuplicateObject {
			return exists()
		}
		return nil, err
	}
	return &Result{Tag: "CREATE EXTENSION"}, nil
}

// dropExtensions runs DROP EXTENSION [IF EXISTS] name, ....
func (s *Session) dropExtensions(d *pg.DropStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	for _, o := range d.Objects {
		name := o.GetString_().GetSval()
		if name == "plpgsql" || name == "driftdb" {
			return nil, pgcode.Newf(pgcode.FeatureNotSupported, "extension %q cannot be dropped: it is DriftDB's own", name)
		}
		err := s.db.DropExtension(name)
		if err != nil && engine.Code(err) == engine.CodeUndefinedObject && d.MissingOk {
			s.notice(fmt.Sprintf("extension %q does not exist, skipping", name))
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	return &Result{Tag: "DROP EXTENSION"}, nil
}
