package engine

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
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
	case "text", "varchar", "character varying", "char", "character", "bpchar", "string", "name", "uuid", "bytea", "time", "time without time zone":
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
//
// The engine stores and checks values by Type; the rest is the SQL
// layer's to read: SQLType is the type as declared ("varchar(20)",
// "date", "uuid"), Default the text of the DEFAULT expression and
// Identity the kind of an identity column ("always", "by default"). The
// SQL layer evaluates them; the engine only keeps them.
type ColumnSpec struct {
	Name    string `yaml:"name"`
	Type    Type   `yaml:"type"`
	Typmod  Typmod `yaml:",inline"`
	NotNull bool   `yaml:"not_null,omitempty"`
	// Field is the document field that holds the column's values when it
	// is not Name: the column was renamed (documents keep their fields).
	Field    string `yaml:"field,omitempty"`
	SQLType  string `yaml:"sql_type,omitempty"`
	Default  string `yaml:"default,omitempty"`
	Identity string `yaml:"identity,omitempty"`
	// DefaultOID is the OID of the default (PostgreSQL's pg_attrdef row),
	// given with it (see TableSpec.OID); a new default gets a new one.
	DefaultOID uint32 `yaml:"default_oid,omitempty"`
}

// StoredField is the document field that holds the column's values.
func (c *ColumnSpec) StoredField() string {
	if c.Field != "" {
		return c.Field
	}
	return c.Name
}

// Identity kinds of ColumnSpec.Identity.
const (
	IdentityAlways    = "always"
	IdentityByDefault = "by default"
)

// CheckSpec is a CHECK constraint of a table: its name and the text of
// its expression, which the SQL layer evaluates (the engine only keeps
// it).
type CheckSpec struct {
	Name string `yaml:"name"`
	Expr string `yaml:"expr"`
	// OID is the constraint's (see TableSpec.OID).
	OID uint32 `yaml:"oid,omitempty"`
}

// FieldName names the column of an inferred (undeclared) field that was
// renamed: documents keep the field, the column is called Name.
type FieldName struct {
	Field string `yaml:"field"`
	Name  string `yaml:"name"`
}

// DroppedField records a dropped column: its field was removed from every
// live row by the events up to Seq, and the versions up to Seq that still
// hold it (history) no longer make it a column. Written again after Seq,
// it is a new column.
type DroppedField struct {
	Field string `yaml:"field"`
	Seq   uint64 `yaml:"seq"`
}

// IndexSpec is a named index of a table (CREATE [UNIQUE] INDEX, a UNIQUE
// constraint). The engine indexes its first field (a field, or a dotted
// path into one); a unique index also makes the values of all its fields
// together unique among the live rows (UNIQUE (room, hour)). Fields are
// document fields (a renamed column's Field).
type IndexSpec struct {
	Name   string   `yaml:"name"`
	Fields []string `yaml:"fields,flow"`
	Unique bool     `yaml:"unique,omitempty"`
	// OID is the index's and ConstraintOID, for a unique index, its
	// constraint's (see TableSpec.OID).
	OID           uint32 `yaml:"oid,omitempty"`
	ConstraintOID uint32 `yaml:"constraint_oid,omitempty"`
}

// FieldOID is the OID of the plain index on a field.
type FieldOID struct {
	Field string `yaml:"field"`
	OID   uint32 `yaml:"oid"`
}

// TableSpec defines a table: its primary key field, indexed fields and
// declared columns. It is stored as tables/<name>/schema.yaml.
type TableSpec struct {
	Name string `yaml:"name"`
	// OID is the table's object identifier (oid.go): given when the
	// table is made and kept for its life, a rename included. The
	// engine gives every OID of a definition; those a caller sets are
	// not kept.
	OID uint32 `yaml:"oid,omitempty"`
	PK  string `yaml:"pk"`
	// RowID says the table has no primary key of its own: its rows are
	// keyed by the hidden field _rowid (RowIDField, PK), an integer the
	// engine gives each insert from the table's row-id counter
	// (rowid.go). The SQL layer shows no such column and no primary key.
	RowID bool `yaml:"rowid,omitempty"`
	// PKColumns are the fields of a primary key of several columns, in
	// order (declared int8 or text columns). The rows are then keyed by
	// the hidden text field _pk (KeyField, PK), which the engine derives
	// from their values (pkey.go).
	PKColumns []string `yaml:"pk_columns,flow,omitempty"`
	// Indexes are the indexed fields. IndexDefs name indexes and make
	// some unique; the first field of each is in Indexes. A field of
	// Indexes that no IndexDef starts with is a plain index, named
	// <table>_<field>_idx.
	Indexes   []string     `yaml:"indexes,omitempty"`
	IndexDefs []IndexSpec  `yaml:"index_defs,omitempty"`
	Columns   []ColumnSpec `yaml:"columns,omitempty"`
	// Checks are the table's CHECK constraints, in the order added.
	Checks []CheckSpec `yaml:"checks,omitempty"`
	// Renamed names renamed inferred columns; Dropped lists the fields
	// of dropped columns (see DroppedField).
	Renamed []FieldName    `yaml:"renamed,omitempty"`
	Dropped []DroppedField `yaml:"dropped,omitempty"`
	// PKIndexOID and PKConstraintOID are the OIDs of the primary key's
	// index and constraint; IndexOIDs those of the plain indexes, in the
	// order of Indexes. The OIDs of named indexes and of CHECK
	// constraints are in IndexDefs and Checks.
	PKIndexOID      uint32     `yaml:"pk_index_oid,omitempty"`
	PKConstraintOID uint32     `yaml:"pk_constraint_oid,omitempty"`
	IndexOIDs       []FieldOID `yaml:"index_oids,omitempty"`
	// CreatedUnixMs is when the table was made (CreateTable sets it); 0
	// for a table made before it was kept.
	CreatedUnixMs int64 `yaml:"created_unix_ms,omitempty"`
	// Comment is the table's comment (COMMENT ON TABLE); ColumnComments
	// those of its columns, by field (a rename keeps them), and
	// IndexComments those of its indexes, by OID (a table's rename
	// renames some of its indexes; their OIDs stay).
	Comment        string            `yaml:"comment,omitempty"`
	ColumnComments map[string]string `yaml:"column_comments,omitempty"`
	IndexComments  map[uint32]string `yaml:"index_comments,omitempty"`
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
	if len(s.PKColumns) > 0 {
		if len(s.PKColumns) < 2 || s.RowID || (s.PK != "" && s.PK != KeyField) {
			return errorf(CodeInvalidTableDefinition, "table %q: a primary key of several columns needs two or more and no other key", s.Name)
		}
		s.PK = KeyField
	}
	if s.RowID {
		if s.PK != "" && s.PK != RowIDField {
			return errorf(CodeInvalidTableDefinition, "table %q has a hidden key and a primary key %q", s.Name, s.PK)
		}
		s.PK = RowIDField
	}
	if s.PK == "" {
		return errorf(CodeInvalidParameter, "table %q needs a primary key field", s.Name)
	}
	names := map[string]bool{}  // column names
	fields := map[string]bool{} // their fields
	for i := range s.Columns {
		c := &s.Columns[i]
		if c.Name == "" || names[c.Name] {
			return errorf(CodeDuplicateColumn, "column %q declared twice", c.Name)
		}
		names[c.Name] = true
		if s.RowID && (c.Name == RowIDField || c.Field == RowIDField) {
			return errorf(CodeDuplicateColumn, "column name %q conflicts with a system column name", RowIDField)
		}
		if len(s.PKColumns) > 0 && (c.Name == KeyField || c.Field == KeyField) {
			return errorf(CodeDuplicateColumn, "column name %q conflicts with a system column name", KeyField)
		}
		if c.Field == c.Name {
			c.Field = ""
		}
		if fields[c.StoredField()] {
			return errorf(CodeDuplicateColumn, "field %q of column %q holds another column", c.StoredField(), c.Name)
		}
		fields[c.StoredField()] = true
		t, err := ParseType(string(c.Type))
		if err != nil {
			return err
		}
		if c.SQLType == "" && !strings.EqualFold(strings.TrimSpace(string(c.Type)), string(t)) {
			c.SQLType = strings.ToLower(strings.TrimSpace(string(c.Type))) // as declared: int4, varchar(20)
		}
		c.Type = t
		if c.Default == "" {
			c.DefaultOID = 0
		}
		if c.Typmod != (Typmod{}) {
			if t != TypeNumeric {
				return errorf(CodeInvalidParameter, "column %q: only numeric takes a precision and scale, not %s", c.Name, t)
			}
			if err := c.Typmod.Validate(); err != nil {
				return err
			}
		}
		if c.StoredField() == s.PK {
			if t != TypeText && t != TypeInt8 {
				return errorf(CodeDatatypeMismatch, "primary key %q must be text or an integer type, not %s", c.Name, c.Type)
			}
		}
		switch c.Identity {
		case "", IdentityAlways, IdentityByDefault:
		default:
			return errorf(CodeInvalidParameter, "column %q: identity %q is not %q or %q", c.Name, c.Identity, IdentityAlways, IdentityByDefault)
		}
	}
	for i, f := range s.PKColumns {
		c, ok := s.declared(f)
		if !ok {
			return errorf(CodeUndefinedColumn, "column %q named in key does not exist", f)
		}
		if c.Type != TypeText && c.Type != TypeInt8 {
			return errorf(CodeDatatypeMismatch, "primary key column %q must be text or an integer type, not %s", c.Name, c.Type)
		}
		if slices.Contains(s.PKColumns[:i], f) {
			return errorf(CodeDuplicateColumn, "column %q appears twice in primary key constraint", c.Name)
		}
		for j := range s.Columns { // a key column is NOT NULL
			if s.Columns[j].StoredField() == f {
				s.Columns[j].NotNull = true
			}
		}
	}
	for _, r := range s.Renamed {
		if (s.RowID || len(s.PKColumns) > 0) && (r.Field == s.PK || r.Name == s.PK) {
			return errorf(CodeFeatureUnsupported, "cannot rename system column %q", s.PK)
		}
		if r.Field == "" || r.Name == "" || r.Field == r.Name || names[r.Name] || fields[r.Field] {
			return errorf(CodeDuplicateColumn, "column %q (field %q) named twice", r.Name, r.Field)
		}
		names[r.Name], fields[r.Field] = true, true
	}
	checks := map[string]bool{}
	for _, c := range s.Checks {
		if c.Name == "" || c.Expr == "" || checks[c.Name] {
			return errorf(CodeDuplicateObject, "check constraint %q given twice or empty", c.Name)
		}
		checks[c.Name] = true
	}
	idx := map[string]bool{}
	for _, f := range s.Indexes {
		if f == "" || idx[f] {
			return errorf(CodeInvalidParameter, "index on %q given twice", f)
		}
		idx[f] = true
	}
	defs := map[string]bool{}
	for i := range s.IndexDefs {
		d := &s.IndexDefs[i]
		if len(d.Fields) == 0 || slices.Contains(d.Fields, "") {
			return errorf(CodeInvalidParameter, "index %q has no fields", d.Name)
		}
		if d.Name == "" {
			d.Name = defaultIndexName(s.Name, d.Fields, d.Unique)
		}
		if defs[d.Name] {
			return errorf(CodeDuplicateTable, "relation %q already exists", d.Name)
		}
		defs[d.Name] = true
		if !idx[d.Fields[0]] {
			idx[d.Fields[0]] = true
			s.Indexes = append(s.Indexes, d.Fields[0])
		}
	}
	s.syncIndexOIDs()
	s.pruneIndexComments()
	return nil
}

// defaultIndexName is PostgreSQL's name for an index made without one:
// <table>_<fields>_key for a unique one, <table>_<fields>_idx otherwise.
func defaultIndexName(table string, fields []string, unique bool) string {
	suffix := "_idx"
	if unique {
		suffix = "_key"
	}
	return table + "_" + strings.ReplaceAll(strings.Join(fields, "_"), ".", "_") + suffix
}

// uniques returns the table's unique indexes.
func (s *TableSpec) uniques() []IndexSpec {
	var out []IndexSpec
	for _, d := range s.IndexDefs {
		if d.Unique {
			out = append(out, d)
		}
	}
	return out
}

// indexes returns every index of the table, named: the IndexDefs, and a
// plain index for each indexed field no IndexDef starts with.
func (s *TableSpec) indexes() []IndexSpec {
	out := append([]IndexSpec(nil), s.IndexDefs...)
	for _, f := range s.Indexes {
		if !slices.ContainsFunc(s.IndexDefs, func(d IndexSpec) bool { return d.Fields[0] == f }) {
			out = append(out, IndexSpec{Name: defaultIndexName(s.Name, []string{f}, false), Fields: []string{f}, OID: s.plainIndexOID(f)})
		}
	}
	return out
}

// IndexOn returns the name of the index whose tree a lookup on field
// reads: the one on that field alone, else the first that starts with it,
// else the plain index of the field ("" when the field is not indexed).
func (s *TableSpec) IndexOn(field string) string {
	name := ""
	for _, d := range s.indexes() {
		switch {
		case d.Fields[0] != field:
		case len(d.Fields) == 1:
			return d.Name
		case name == "":
			name = d.Name
		}
	}
	return name
}

// declared returns the declared column whose values are in field, if
// any.
func (s *TableSpec) declared(field string) (ColumnSpec, bool) {
	for _, c := range s.Columns {
		if c.StoredField() == field {
			return c, true
		}
	}
	return ColumnSpec{}, false
}

// ShownOrder returns the order in which a table shows its columns (SELECT
// *, the column lists INSERT and COPY take by default, attribute numbers):
// the indexes of cols, as View.Columns gives them (the key first), with
// the declared columns in the order the table declares them, then the
// fields written without a declaration in the order first seen. A table
// whose key is not its first declared column shows it in its place, as
// PostgreSQL does; the engine keeps the key first.
func (s *TableSpec) ShownOrder(cols []Column) []int {
	pos := make(map[string]int, len(s.Columns))
	for i, c := range s.Columns {
		pos[c.StoredField()] = i
	}
	rank := func(c Column) int {
		if i, ok := pos[c.Field]; ok && c.Declared {
			return i
		}
		return len(s.Columns) // undeclared: after, in their order
	}
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rank(cols[a]) - rank(cols[b]) })
	return order
}

// clone returns a deep copy of the spec, for a DDL statement to change.
func (s *TableSpec) clone() *TableSpec {
	n := *s
	n.Indexes = append([]string(nil), s.Indexes...)
	n.PKColumns = append([]string(nil), s.PKColumns...)
	n.IndexDefs = append([]IndexSpec(nil), s.IndexDefs...)
	n.Columns = append([]ColumnSpec(nil), s.Columns...)
	n.Checks = append([]CheckSpec(nil), s.Checks...)
	n.Renamed = append([]FieldName(nil), s.Renamed...)
	n.Dropped = append([]DroppedField(nil), s.Dropped...)
	n.IndexOIDs = append([]FieldOID(nil), s.IndexOIDs...)
	n.ColumnComments = maps.Clone(s.ColumnComments)
	n.IndexComments = maps.Clone(s.IndexComments)
	return &n
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
