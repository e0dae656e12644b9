package engine

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"
)

// Column is a column of a table as the SQL layer shows it: the primary key
// first, then the declared columns in the order declared, then every other
// top-level field ever written, in first-seen order.
//
// Name is the column's name and Field the document field holding its
// values: the same, unless the column was renamed (documents keep their
// fields; see TableSpec). A reader of a document reads a column by its
// Field. The declared column's constraints and SQL metadata come along
// (see ColumnSpec).
type Column struct {
	Name     string
	Field    string
	Type     Type
	Typmod   Typmod // a declared numeric(p,s)
	Declared bool   // declared (CREATE TABLE, ADD COLUMN); writes are checked against it
	NotNull  bool
	SQLType  string
	Default  string
	Identity string
}

// registry is the column list of a table. It is immutable once published;
// observe returns a new one when a write adds or widens a column.
type registry struct {
	cols  []Column
	index map[string]int // by field
	rules *colRules
	// typed caches columns(): a registry does not change once published,
	// so readers share one slice (and callers can tell a changed registry
	// by a different slice).
	typed atomic.Pointer[[]Column]
}

// colRules is what a table's definition says of its columns besides the
// declared ones: the names of renamed columns, and the dropped fields.
type colRules struct {
	names   map[string]string // field -> column name, where they differ
	fields  map[string]string // column name -> field, where they differ
	dropped map[string]uint64 // field -> seq of the drop
}

func rulesOf(spec *TableSpec) *colRules {
	r := &colRules{}
	name := func(field, col string) {
		if r.names == nil {
			r.names, r.fields = map[string]string{}, map[string]string{}
		}
		r.names[field], r.fields[col] = col, field
	}
	for _, c := range spec.Columns {
		if c.Field != "" && c.Field != c.Name {
			name(c.Field, c.Name)
		}
	}
	for _, f := range spec.Renamed {
		name(f.Field, f.Name)
	}
	for _, d := range spec.Dropped {
		if r.dropped == nil {
			r.dropped = map[string]uint64{}
		}
		r.dropped[d.Field] = max(r.dropped[d.Field], d.Seq)
	}
	return r
}

// nameOf is the column name of a field.
func (r *colRules) nameOf(field string) string {
	if n, ok := r.names[field]; ok {
		return n
	}
	return field
}

// droppedAt reports whether field, written at seq, belongs to a column
// dropped since (its values then are history, not a column).
func (r *colRules) droppedAt(field string, seq uint64) bool {
	d, ok := r.dropped[field]
	return ok && seq <= d
}

func newRegistry(spec *TableSpec) *registry {
	r := &registry{index: map[string]int{}, rules: rulesOf(spec)}
	pk := Column{Name: r.rules.nameOf(spec.PK), Field: spec.PK}
	if spec.RowID {
		pk.Type = TypeInt8
	}
	if len(spec.PKColumns) > 0 {
		pk.Type = TypeText
	}
	if c, ok := spec.declared(spec.PK); ok {
		pk = declaredColumn(c)
	}
	r.add(pk)
	for _, c := range spec.Columns {
		if c.StoredField() != spec.PK {
			r.add(declaredColumn(c))
		}
	}
	return r
}

func declaredColumn(c ColumnSpec) Column {
	return Column{Name: c.Name, Field: c.StoredField(), Type: c.Type, Typmod: c.Typmod, Declared: true,
		NotNull: c.NotNull, SQLType: c.SQLType, Default: c.Default, Identity: c.Identity}
}

// rebuild returns the registry of spec for a table whose registry was r:
// the declared columns as spec has them, then r's other columns in their
// order, named as spec names them, less the field drop.
func (r *registry) rebuild(spec *TableSpec, drop string) *registry {
	n := newRegistry(spec)
	for _, c := range r.cols {
		if _, ok := n.index[c.Field]; ok || c.Field == drop {
			continue
		}
		if c.Declared {
			c = Column{Field: c.Field} // no longer declared: its type is inferred again
		}
		c.Name = n.rules.nameOf(c.Field)
		n.add(c)
	}
	return n
}

func (r *registry) add(c Column) {
	r.index[c.Field] = len(r.cols)
	r.cols = append(r.cols, c)
	r.typed.Store(nil)
}

func (r *registry) clone() *registry {
	n := &registry{cols: append([]Column(nil), r.cols...), index: make(map[string]int, len(r.index)), rules: r.rules}
	for k, v := range r.index {
		n.index[k] = v
	}
	return n
}

// byName finds a column by its name.
func (r *registry) byName(name string) (Column, bool) {
	for _, c := range r.cols {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// columns returns the columns with unknown types reported as text. The
// slice is shared: callers must not change it.
func (r *registry) columns() []Column {
	if p := r.typed.Load(); p != nil {
		return *p
	}
	out := append([]Column(nil), r.cols...)
	for i := range out {
		if out[i].Type == "" {
			out[i].Type = TypeText
		}
	}
	r.typed.Store(&out)
	return out
}

// observe records the fields of a document written at seq (keys in
// written order) and returns the registry to use from now on: r itself
// when nothing changed. A field of a column dropped after seq makes no
// column.
func (r *registry) observe(doc docValues, keys []string, seq uint64) *registry {
	out := r
	for _, k := range keys {
		i, ok := out.index[k]
		if ok && out.cols[i].Declared {
			continue // a declared column's type is its own, whatever the value
		}
		v, _ := doc.field(k)
		t := inferType(v)
		if !ok {
			if r.rules.droppedAt(k, seq) {
				continue
			}
			if out == r {
				out = r.clone()
			}
			out.add(Column{Name: r.rules.nameOf(k), Field: k, Type: t})
			continue
		}
		c := out.cols[i]
		if w := widen(c.Type, t); w != c.Type {
			if out == r {
				out = r.clone()
			}
			out.cols[i].Type = w
			out.typed.Store(nil)
		}
	}
	return out
}

// inferType is the column type a value suggests; "" for null, which says
// nothing.
func inferType(v any) Type {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		return TypeBool
	case int64, int:
		return TypeInt8
	case float64:
		return TypeFloat8
	case json.Number:
		return TypeNumeric
	case string:
		return TypeText
	case []any, map[string]any:
		return TypeJSONB
	default:
		_ = x
		return TypeJSONB
	}
}

// widen is the type of a column that has held values of types a and b:
//
//	same type            -> that type
//	int8 with float8     -> float8
//	any number + numeric -> numeric
//	anything else mixed  -> jsonb (every value keeps its JSON form)
//
// NULLs never change a column's type.
func widen(a, b Type) Type {
	switch {
	case a == "":
		return b
	case b == "" || a == b:
		return a
	}
	num := func(t Type) bool { return t == TypeInt8 || t == TypeFloat8 || t == TypeNumeric }
	if num(a) && num(b) {
		if a == TypeNumeric || b == TypeNumeric {
			return TypeNumeric
		}
		return TypeFloat8
	}
	return TypeJSONB
}

// checkDeclared checks a document against the declared columns of spec,
// and rounds what it writes to a numeric(p,s) column to its scale, in
// place (a value too big for the precision fails with 22003).
func checkDeclared(spec *TableSpec, doc map[string]any) error {
	for _, c := range spec.Columns {
		f := c.StoredField()
		v, present := doc[f]
		if !present || v == nil {
			if c.NotNull || c.Name == spec.PK {
				return errorf(CodeNotNullViolation, "null value in column %q of relation %q violates not-null constraint", c.Name, spec.Name)
			}
			continue
		}
		if !valueFits(c.Type, v) {
			return errorf(CodeDatatypeMismatch, "column %q of table %q is %s, but the value is %s",
				c.Name, spec.Name, c.Type, describeValue(v))
		}
		if c.Type == TypeNumeric && c.Typmod.Precision != 0 {
			r, err := conformNumeric(c.Typmod, v)
			if err != nil {
				return err
			}
			doc[f] = r
		}
	}
	return nil
}

// conformDeclared rounds the values a merge patch writes to numeric(p,s)
// columns, in place, before the patch is stored: the stored patch then
// replays to the stored document. checkDeclared checks the rest once the
// patch is merged.
func conformDeclared(spec *TableSpec, patch map[string]any) error {
	for _, c := range spec.Columns {
		if c.Type != TypeNumeric || c.Typmod.Precision == 0 {
			continue
		}
		if v, ok := patch[c.StoredField()]; ok && v != nil && valueFits(c.Type, v) {
			r, err := conformNumeric(c.Typmod, v)
			if err != nil {
				return err
			}
			patch[c.StoredField()] = r
		}
	}
	return nil
}

// conformNumeric is the value a numeric(p,s) column stores for a number:
// rounded to its scale, as exact decimal text. (A plain numeric column
// stores the number as written.)
func conformNumeric(m Typmod, v any) (any, error) {
	d, err := NumericOf(v)
	if err != nil {
		return nil, err
	}
	if d, err = m.Apply(d); err != nil {
		return nil, err
	}
	return json.Number(NumericText(d)), nil
}

func valueFits(t Type, v any) bool {
	switch t {
	case TypeInt8:
		_, ok := v.(int64)
		return ok
	case TypeFloat8, TypeNumeric:
		switch v.(type) {
		case int64, float64, json.Number:
			return true
		}
		return false
	case TypeText:
		_, ok := v.(string)
		return ok
	case TypeBool:
		_, ok := v.(bool)
		return ok
	case TypeTimestamptz:
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := ParseTimestamp(s)
		return err == nil
	case TypeJSONB:
		return true
	}
	return false
}

func describeValue(v any) string {
	s := string(ToJSON(v))
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return jsonKind(v) + " (" + s + ")"
}

// ParseTimestamp parses the timestamp forms users write: RFC 3339, and
// PostgreSQL's "2006-01-02 15:04:05[.frac][+zone]" and plain dates (UTC).
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	layouts := []string{
		time.RFC3339Nano,
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999Z07",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02",
	}
	var err error
	for _, l := range layouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// toFields gives the top-level keys of a written document that are the
// names of renamed columns their columns' fields, where the values are
// stored; other keys stay as written (a renamed column's old name, while
// no column takes it, is its field and writes it too). It returns doc
// itself when no key changes. table names the table in errors.
func (r *registry) toFields(table string, doc map[string]any, order []string) (map[string]any, []string, error) {
	fields := r.rules.fields
	if len(fields) == 0 {
		return doc, order, nil
	}
	change := false
	for k := range doc {
		if _, ok := fields[k]; ok {
			change = true
			break
		}
	}
	if !change {
		return doc, order, nil
	}
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		f := k
		if ff, ok := fields[k]; ok {
			f = ff
		}
		if _, dup := out[f]; dup {
			return nil, nil, errorf(CodeDuplicateColumn, "column %q of relation %q is written twice (by its name and by its field %q)", r.rules.nameOf(f), table, f)
		}
		out[f] = v
	}
	o := make([]string, len(order))
	for i, k := range order {
		if ff, ok := fields[k]; ok {
			k = ff
		}
		o[i] = k
	}
	return out, o, nil
}
