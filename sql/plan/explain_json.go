package plan

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Field is a key and value of a JSON object whose keys keep their order.
type Field struct {
	Key   string
	Value any
}

// object is a JSON object written with its keys in order.
type object []Field

// MarshalJSON writes the object's fields in order.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// ExplainJSON writes a plan as EXPLAIN (FORMAT JSON) shows it: an array
// of one object whose "Plan" is the top node, each node with its "Node
// Type", its details and its children under "Plans". annotate, when set,
// adds fields to a node (EXPLAIN ANALYZE's actual rows and time); extra
// are fields after "Plan" (the execution time).
func ExplainJSON(n Node, annotate func(Node) []Field, extra ...Field) (string, error) {
	top := object{{Key: "Plan", Value: explainObject(n, annotate)}}
	top = append(top, extra...)
	out, err := json.MarshalIndent([]any{top}, "", "  ")
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func explainObject(n Node, annotate func(Node) []Field) object {
	title, details, kids := describe(n)
	o := object{{Key: "Node Type", Value: title}}
	var notes []string
	for _, d := range details {
		k, v, ok := strings.Cut(d, ": ")
		if !ok {
			notes = append(notes, d)
			continue
		}
		o = append(o, Field{Key: k, Value: v})
	}
	if len(notes) > 0 {
		o = append(o, Field{Key: "Notes", Value: notes})
	}
	if annotate != nil {
		o = append(o, annotate(n)...)
	}
	if len(kids) > 0 {
		plans := make([]object, len(kids))
		for i, k := range kids {
			plans[i] = explainObject(k, annotate)
		}
		o = append(o, Field{Key: "Plans", Value: plans})
	}
	return o
}
