package engine

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// Type is the SQL type of a column.
type Type string

// Column types. Inferred columns use the first six; declared columns may
// also be timestamptz.
const (
	TypeInt8        Type = "int8"
	TypeFloat8      Type = "float8"
	TypeNumeric     Type = "numeric"
	TypeText        Type = "text"
	TypeBool        Type = "bool"
	TypeJSONB       Type = "jsonb"
	TypeTimestamptz Type = "timestamptz"
)

// ParseType maps a SQL type name (as written in CREATE TABLE) to a column
// type.
func ParseType(name string) (Type, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if i := strings.IndexByte(n, '('); i >= 0 {
		n = strings.TrimSpace(n[:i])
	}
	switch n {
	case "int8", "bigint", "int", "int4", "integer", "int2", "smallint", "serial", "bigserial":
		return TypeInt8, nil
	case "float8", "double precision", "float", "float4", "real", "double":
		return TypeFloat8, nil
	case "numeric", "decimal":
		return TypeNumeric, nil
	case "text", "varchar", "character varying", "char", "character", "string", "name", "uuid":
		return TypeText, nil
	case "bool", "boolean":
		return TypeBool, nil
	case "jsonb", "json":
		return TypeJSONB, nil
	case "timestamptz", "timestamp with time zone", "timestamp", "timestamp without time zone", "date":
		return TypeTimestamptz, nil
	}
	return "", errorf(CodeDatatypeMismatch, "type %q is not supported", name)
}

// ColumnSpec is a declared column. A numeric column may carry a precision
// and scale (numeric(10,2)): writes are rounded to the scale and must fit
// the precision.
type ColumnSpec struct {
	Name    string `yaml:"name"`
	Type    Type   `yaml:"type"`
	Typmod  Typmod `yaml:",inline"`
	NotNull bool   `yaml:"not_null,omitempty"`
}

// TableSpec defines a table: its primary key field, indexed fields and
// declared columns. It is stored as tables/<name>/schema.yaml.
type TableSpec struct {
	Name    string       `yaml:"name"`
	PK      string       `yaml:"pk"`
	Indexes []string     `yaml:"indexes,omitempty"`
	Columns []ColumnSpec `yaml:"columns,omitempty"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`)

// ValidName reports whether s can name a table: an identifier of at most 63
// characters (no path separators, no dots).
func ValidName(s string) bool { return nameRE.MatchString(s) }

// validate checks a spec and fills in what follows from it.
func (s *TableSpec) validate() error {
	if !ValidName(s.Name) {
		return errorf(CodeInvalidName, "invalid table name %q", s.Name)
	}
	if s.PK == "" {
		return errorf(CodeInvalidParameter, "table %q needs a primary key field", s.Name)
	}
	seen := map[string]bool{}
	for i, c := range s.Columns {
		if c.Name == "" || seen[c.Name] {
			return errorf(CodeInvalidParameter, "column %q declared twice", c.Name)
		}
		seen[c.Name] = true
		if _, err := ParseType(string(c.Type)); err != nil {
			return err
		}
		t, _ := ParseType(string(c.Type))
		s.Columns[i].Type = t
		if c.Typmod != (Typmod{}) {
			if t != TypeNumeric {
				return errorf(CodeInvalidParameter, "column %q: only numeric takes a precision and scale, not %s", c.Name, t)
			}
			if err := c.Typmod.Validate(); err != nil {
				return err
			}
		}
		if c.Name == s.PK {
			if t != TypeText && t != TypeInt8 {
				return errorf(CodeDatatypeMismatch, "primary key %q must be text or an integer type, not %s", c.Name, c.Type)
			}
		}
	}
	idx := map[string]bool{}
	for _, f := range s.Indexes {
		if f == "" || idx[f] {
			return errorf(CodeInvalidParameter, "index on %q given twice", f)
		}
		idx[f] = true
	}
	return nil
}

// declared returns the declared column name, if any.
func (s *TableSpec) declared(name string) (ColumnSpec, bool) {
	for _, c := range s.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return ColumnSpec{}, false
}

const schemaFile = "schema.yaml"

// writeSchema writes schema.yaml of a table, atomically; its directory is
// made first if need be, durably.
func writeSchema(fsys store.FS, dir string, spec *TableSpec) error {
	b, err := yaml.Marshal(spec)
	if err != nil {
		return fmt.Errorf("engine: encode schema: %w", err)
	}
	if err := vfs.MkdirAll(fsys, dir); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return store.WriteFileAtomic(fsys, filepath.Join(dir, schemaFile), b)
}

func readSchema(fsys store.FS, dir string) (*TableSpec, error) {
	b, err := vfs.ReadFile(fsys, filepath.Join(dir, schemaFile))
	if err != nil {
		return nil, fmt.Errorf("engine: read schema: %w", err)
	}
	var spec TableSpec
	if err := yaml.Unmarshal(b, &spec); err != nil {
		return nil, fmt.Errorf("engine: parse %s: %w", filepath.Join(dir, schemaFile), err)
	}
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("engine: %s: %w", filepath.Join(dir, schemaFile), err)
	}
	return &spec, nil
}
