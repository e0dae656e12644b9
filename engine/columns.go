package engine

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"
)

// Column is a column of a table as the SQL layer shows it: the primary key
// first, then every top-level field ever written, in first-seen order.
type Column struct {
	Name     string
	Type     Type
	Typmod   Typmod // a declared numeric(p,s)
	Declared bool   // declared in CREATE TABLE; writes are checked against it
}

// registry is the column list of a table. It is immutable once published;
// observe returns a new one when a write adds or widens a column.
type registry struct {
	cols  []Column
	index map[string]int
	// typed caches columns(): a registry does not change once published,
	// so readers share one slice (and callers can tell a changed registry
	// by a different slice).
	typed atomic.Pointer[[]Column]
}

func newRegistry(spec *TableSpec) *registry {
	r := &registry{index: map[string]int{}}
	pkType := Type("")
	if c, ok := spec.declared(spec.PK); ok {
		pkType = c.Type
	}
	r.add(Column{Name: spec.PK, Type: pkType, Declared: pkType != ""})
	for _, c := range spec.Columns {
		if c.Name != spec.PK {
			r.add(Column{Name: c.Name, Type: c.Type, Typmod: c.Typmod, Declared: true})
		}
	}
	return r
}

func (r *registry) add(c Column) {
	r.index[c.Name] = len(r.cols)
	r.cols = append(r.cols, c)
	r.typed.Store(nil)
}

func (r *registry) clone() *registry {
	n := &registry{cols: append([]Column(nil), r.cols...), index: make(map[string]int, len(r.index))}
	for k, v := range r.index {
		n.index[k] = v
	}
	return n
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

// observe records the fields of a written document (keys in written order)
// and returns the registry to use from now on: r itself when nothing
// changed.
func (r *registry) observe(doc map[string]any, keys []string) *registry {
	out := r
	for _, k := range keys {
		t := inferType(doc[k])
		i, ok := out.index[k]
		if !ok {
			if out == r {
				out = r.clone()
			}
			out.add(Column{Name: k, Type: t})
			continue
		}
		c := out.cols[i]
		if c.Declared {
			continue
		}
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
		v, present := doc[c.Name]
		if !present || v == nil {
			if c.NotNull || c.Name == spec.PK {
				return errorf(CodeNotNullViolation, "null value in column %q of table %q violates not-null constraint", c.Name, spec.Name)
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
			doc[c.Name] = r
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
		if v, ok := patch[c.Name]; ok && v != nil && valueFits(c.Type, v) {
			r, err := conformNumeric(c.Typmod, v)
			if err != nil {
				return err
			}
			patch[c.Name] = r
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
