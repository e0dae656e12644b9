package sql

import (
	"errors"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// regclassInput resolves regclass input ('t'::regclass) with a schema:
// a relation of pg_catalog or information_schema is named by its schema
// as PostgreSQL's are ('pg_catalog.pg_class'::regclass, which psql's \d
// of a sequence and \dx send); the rest goes to regLookup.
func (s *Session) regclassInput(t *types.T, name string) (types.Oid, error) {
	if t.Oid == types.OidRegclass {
		if parts, err := identParts(name); err == nil && len(parts) == 2 &&
			(parts[0] == "pg_catalog" || parts[0] == "information_schema") {
			c, err := s.vcatalog()
			if err != nil {
				return 0, err
			}
			if r, ok := c.RelByName(parts[0] + "." + parts[1]); ok {
				return types.Oid(r.Oid), nil
			}
			return 0, pgcode.Newf(pgcode.UndefinedTable, "relation %q does not exist", name)
		}
	}
	return s.regLookup(t, name)
}

// identParts splits a possibly qualified name at its dots, as
// PostgreSQL reads one: a double-quoted part keeps its case and may hold
// dots ("" is a quote in it), the others fold to lower case.
func identParts(name string) ([]string, error) {
	var parts []string
	for i := 0; ; {
		var part []byte
		if i < len(name) && name[i] == '"' {
			i++
			for {
				if i >= len(name) {
					return nil, errImproperName
				}
				if name[i] == '"' {
					if i+1 < len(name) && name[i+1] == '"' {
						part = append(part, '"')
						i += 2
						continue
					}
					i++
					break
				}
				part = append(part, name[i])
				i++
			}
		} else {
			for i < len(name) && name[i] != '.' {
				c := name[i]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				part = append(part, c)
				i++
			}
		}
		parts = append(parts, string(part))
		if i >= len(name) {
			return parts, nil
		}
		if name[i] != '.' {
			return nil, errImproperName
		}
		i++
	}
}

// errImproperName is identParts' refusal of a name it cannot split.
var errImproperName = errors.New("improper qualified name")
