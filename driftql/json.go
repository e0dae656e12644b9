package driftql

import (
	"encoding/json"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// JSONObject is a JSON document written inline: {"id": "o1", "n": 1}.
type JSONObject struct {
	Pos     lexer.Position
	Members []*JSONMember `parser:"\"{\" ( @@ ( \",\" @@ )* )? \"}\""`
}

// JSONMember is one "key": value pair.
type JSONMember struct {
	Key   string     `parser:"@DQString \":\""`
	Value *JSONValue `parser:"@@"`
}

// JSONValue is any JSON value.
type JSONValue struct {
	Object *JSONObject `parser:"(  @@"`
	Array  *JSONArray  `parser:" | @@"`
	Str    *string     `parser:" | @DQString"`
	Number *JSONNumber `parser:" | @@"`
	Bool   *Boolean    `parser:" | @(\"TRUE\" | \"FALSE\")"`
	Null   bool        `parser:" | @\"NULL\" )"`
}

// JSONArray is [values].
type JSONArray struct {
	Elems []*JSONValue `parser:"\"[\" ( @@ ( \",\" @@ )* )? \"]\""`
}

// JSONNumber keeps a number's exact text.
type JSONNumber struct {
	Neg    bool   `parser:"@\"-\"?"`
	Digits string `parser:"@Number"`
}

// Text returns the document as JSON text: keys in the order written,
// numbers exactly as written.
func (o *JSONObject) Text() string {
	var b strings.Builder
	o.write(&b)
	return b.String()
}

func (o *JSONObject) write(b *strings.Builder) {
	b.WriteByte('{')
	for i, m := range o.Members {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(b, m.Key)
		b.WriteString(": ")
		m.Value.write(b)
	}
	b.WriteByte('}')
}

func (v *JSONValue) write(b *strings.Builder) {
	switch {
	case v.Object != nil:
		v.Object.write(b)
	case v.Array != nil:
		b.WriteByte('[')
		for i, e := range v.Array.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			e.write(b)
		}
		b.WriteByte(']')
	case v.Str != nil:
		writeJSONString(b, *v.Str)
	case v.Number != nil:
		if v.Number.Neg {
			b.WriteByte('-')
		}
		b.WriteString(jsonNumberText(v.Number.Digits))
	case v.Bool != nil:
		if *v.Bool {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	default:
		b.WriteString("null")
	}
}

// jsonNumberText makes a SQL numeric literal valid JSON (".5" -> "0.5",
// "5." -> "5", "007" -> "7") without changing its value.
func jsonNumberText(s string) string {
	// JSON has no leading zeros: "007" -> "7", "00.5" -> "0.5".
	if t := strings.TrimLeft(s, "0"); t != s {
		if t == "" || t[0] < '0' || t[0] > '9' {
			t = "0" + t
		}
		s = t
	}
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && (i == len(s)-1 || s[i+1] == 'e' || s[i+1] == 'E') {
		s = s[:i] + s[i+1:]
	}
	return s
}

func writeJSONString(b *strings.Builder, s string) {
	out, _ := json.Marshal(s)
	b.Write(out)
}
