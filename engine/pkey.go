package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// A primary key of several columns (TableSpec.PKColumns) keys the rows
// by the hidden text field _pk (KeyField, the spec's PK), which the
// engine derives from the key columns' values on every insert: an
// encoding that orders as the tuple of values does (integers
// numerically, text bytewise, column by column), so the table's rows
// come in key order as an index on the columns would give them.
//
// Each value is written in turn, followed by the byte 0x01:
//
//   - an integer v >= 0 as "p" and its 19 decimal digits, zero-padded; a
//     negative one as "n" and the 19 digits of v + 2^63;
//   - a string as its bytes, each of 0x00, 0x01 and 0x02 escaped as
//     0x02 and the byte, so that the terminator sorts below any byte of
//     the string.

// KeyField is the field that holds the key of a table whose primary key
// has several columns.
const KeyField = "_pk"

// EncodeKey encodes the values of a primary key of several columns
// (each an int64 or a string) as the text KeyField holds.
func EncodeKey(vals []any) (string, error) {
	var b []byte
	for _, v := range vals {
		switch x := v.(type) {
		case int64:
			if x >= 0 {
				b = appendDigits19(append(b, 'p'), uint64(x))
			} else {
				b = appendDigits19(append(b, 'n'), uint64(x)+1<<63)
			}
		case string:
			for i := 0; i < len(x); i++ {
				if c := x[i]; c <= 2 {
					b = append(b, 2)
				}
				b = append(b, x[i])
			}
		default:
			return "", fmt.Errorf("a key value must be an integer or a string, not %s", describeValue(v))
		}
		b = append(b, 1)
	}
	return string(b), nil
}

// appendDigits19 appends the 19 decimal digits of u < 10^19, zero-padded.
func appendDigits19(b []byte, u uint64) []byte {
	var d [19]byte
	for i := len(d) - 1; i >= 0; i-- {
		d[i] = byte('0' + u%10)
		u /= 10
	}
	return append(b, d[:]...)
}

// compositeKey returns the key of doc in a table whose primary key has
// several columns: every key column must hold a value of its type.
func compositeKey(spec *TableSpec, doc map[string]any) (string, error) {
	vals := make([]any, len(spec.PKColumns))
	for i, f := range spec.PKColumns {
		v, ok := doc[f]
		if !ok || v == nil {
			return "", errorf(CodeNotNullViolation, "null value in column %q of relation %q violates not-null constraint", spec.columnName(f), spec.Name)
		}
		c, _ := spec.declared(f)
		switch c.Type {
		case TypeInt8:
			k, err := KeyOf(v)
			if err != nil || !k.IsInt {
				if s, ok := v.(string); ok {
					if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
						vals[i] = n
						continue
					}
				}
				return "", errorf(CodeDatatypeMismatch, "column %q is of type bigint but the value is %s", c.Name, describeValue(v))
			}
			vals[i] = k.Int
		default:
			s, ok := v.(string)
			if !ok {
				return "", errorf(CodeDatatypeMismatch, "column %q is of type text but the value is %s", c.Name, describeValue(v))
			}
			vals[i] = s
		}
	}
	return EncodeKey(vals)
}

// columnName is the name of the declared column whose values are in
// field.
func (s *TableSpec) columnName(field string) string {
	if c, ok := s.declared(field); ok {
		return c.Name
	}
	return field
}

// giveCompositeKey sets the key field of a document inserted into a table
// whose primary key has several columns, from the key columns' values
// (a key field the document gives is replaced).
func giveCompositeKey(spec *TableSpec, doc map[string]any, order []string) (map[string]any, []string, error) {
	k, err := compositeKey(spec, doc)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := doc[KeyField]; !ok {
		order = append([]string{KeyField}, order...)
	}
	doc[KeyField] = k
	return doc, order, nil
}

// compositeDuplicate is the error of an insert whose key columns' values
// a live row has: PostgreSQL's, naming the columns and the values.
func compositeDuplicate(spec *TableSpec, doc map[string]any) error {
	names := make([]string, len(spec.PKColumns))
	vals := make([]string, len(spec.PKColumns))
	for i, f := range spec.PKColumns {
		names[i], vals[i] = spec.columnName(f), valueText(doc[f])
	}
	return duplicateKey(spec.Name, strings.Join(names, ", "), strings.Join(vals, ", "))
}

// keyDuplicate is the error of an insert of key k, whose document is doc,
// into table spec, which has a live row of k: the key's columns and
// values, from doc for a key of several columns (a row of k holds the
// same values in them).
func keyDuplicate(spec *TableSpec, k Key, doc map[string]any) error {
	if len(spec.PKColumns) > 0 {
		return compositeDuplicate(spec, doc)
	}
	return duplicateKey(spec.Name, spec.PK, keyText(k))
}

// KeyOfDoc returns the key a document has in a table whose primary key
// has several columns (the text of KeyField), or the error an insert of
// it would give.
func KeyOfDoc(spec *TableSpec, doc map[string]any) (any, error) {
	return compositeKey(spec, doc)
}
