package engine

import (
	"encoding/json"
	"sync/atomic"
	"unicode/utf8"
)

// parseDocument is decodeDocument's fast path: one pass over the text of
// a JSON object, giving what the encoding/json path gives (the same
// values, numbers normalized alike, top-level keys in first-written
// order, a repeated key keeping its last value). It reports false for any
// text it does not take, every invalid text among them, and a few valid
// but rare ones (a \u escape of a surrogate, nesting near the limit):
// decodeDocument then decides, with its errors. The text is valid UTF-8.
func parseDocument(text []byte) (map[string]any, []string, bool) {
	p := jsonParser{b: text}
	p.space()
	if !p.eat('{') {
		return nil, nil, false
	}
	doc, keys, ok := p.object(1, true)
	if !ok {
		return nil, nil, false
	}
	p.space()
	return doc, keys, ok && p.i == len(p.b)
}

type jsonParser struct {
	b []byte
	i int
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// eat consumes c if it is next.
func (p *jsonParser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object reads the members of an object whose '{' was consumed.
func (p *jsonParser) object(depth int, wantKeys bool) (map[string]any, []string, bool) {
	if depth >= maxDepth-1 {
		return nil, nil, false
	}
	m := map[string]any{}
	var keys []string
	p.space()
	if p.eat('}') {
		return m, keys, true
	}
	for {
		p.space()
		if !p.eat('"') {
			return nil, nil, false
		}
		k, ok := p.str(true)
		if !ok {
			return nil, nil, false
		}
		p.space()
		if !p.eat(':') {
			return nil, nil, false
		}
		v, ok := p.value(depth)
		if !ok {
			return nil, nil, false
		}
		if _, dup := m[k]; !dup && wantKeys {
			if keys == nil {
				keys = make([]string, 0, 8) // one allocation for most documents
			}
			keys = append(keys, k)
		}
		m[k] = v
		p.space()
		if p.eat('}') {
			return m, keys, true
		}
		if !p.eat(',') {
			return nil, nil, false
		}
	}
}

// value reads one value inside an object or array at depth.
func (p *jsonParser) value(depth int) (any, bool) {
	p.space()
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		p.i++
		return p.str(false)
	case c == '{':
		p.i++
		m, _, ok := p.object(depth+1, false)
		return m, ok
	case c == '[':
		p.i++
		return p.array(depth)
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.word("true")
	case c == 'f':
		return false, p.word("false")
	case c == 'n':
		return nil, p.word("null")
	}
	return nil, false
}

func (p *jsonParser) array(depth int) (any, bool) {
	if depth+1 >= maxDepth-1 {
		return nil, false
	}
	arr := []any{}
	p.space()
	if p.eat(']') {
		return arr, true
	}
	for {
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		arr = append(arr, v)
		p.space()
		if p.eat(']') {
			return arr, true
		}
		if !p.eat(',') {
			return nil, false
		}
	}
}

func (p *jsonParser) word(w string) bool {
	if len(p.b)-p.i >= len(w) && string(p.b[p.i:p.i+len(w)]) == w {
		p.i += len(w)
		return true
	}
	return false
}

// number reads a number as RFC 8259 writes it and normalizes it as
// decodeDocument does.
func (p *jsonParser) number() (any, bool) {
	start := p.i
	p.eat('-')
	switch {
	case p.eat('0'):
	case p.i < len(p.b) && p.b[p.i] >= '1' && p.b[p.i] <= '9':
		p.digits()
	default:
		return nil, false
	}
	integer := true
	if p.eat('.') {
		integer = false
		if p.digits() == 0 {
			return nil, false
		}
	}
	if p.eat('e') || p.eat('E') {
		integer = false
		if !p.eat('+') {
			p.eat('-')
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	text := p.b[start:p.i]
	if integer && len(text) <= 18 {
		// Fits in an int64 whatever its digits: what ParseInt gives.
		var n int64
		neg := text[0] == '-'
		if neg {
			text = text[1:]
		}
		for _, d := range text {
			n = n*10 + int64(d-'0')
		}
		if neg {
			n = -n
		}
		return n, true
	}
	return normalizeNumber(json.Number(text)), true
}

func (p *jsonParser) digits() int {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// str reads a string whose '"' was consumed.
func (p *jsonParser) str(key bool) (string, bool) {
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			var s string
			if key {
				s = internKey(p.b[start:p.i])
			} else {
				s = string(p.b[start:p.i])
			}
			p.i++
			return s, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// keyCache holds object keys read lately, so that the documents that
// repeat them (most do) share one string for each instead of allocating
// it again. A slot is overwritten by the next key that hashes to it; two
// parsers racing on a slot cost an allocation, nothing more.
var keyCache [1024]atomic.Pointer[string]

// internKey returns b as a string, from keyCache when it is there.
func internKey(b []byte) string {
	if len(b) == 0 || len(b) > 64 {
		return string(b)
	}
	h := uint32(2166136261) // FNV-1a
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &keyCache[h%uint32(len(keyCache))]
	if s := slot.Load(); s != nil && *s == string(b) {
		return *s
	}
	s := string(b)
	slot.Store(&s)
	return s
}

// escaped reads the rest of a string from its first backslash at p.i;
// start is where the string's text began.
func (p *jsonParser) escaped(start int) (string, bool) {
	out := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return "", false
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if p.i+4 > len(p.b) {
				return "", false
			}
			var r rune
			for _, h := range p.b[p.i : p.i+4] {
				switch {
				case h >= '0' && h <= '9':
					r = r<<4 | rune(h-'0')
				case h >= 'a' && h <= 'f':
					r = r<<4 | rune(h-'a'+10)
				case h >= 'A' && h <= 'F':
					r = r<<4 | rune(h-'A'+10)
				default:
					return "", false
				}
			}
			if r >= 0xd800 && r <= 0xdfff {
				return "", false // surrogates: encoding/json's rules decide
			}
			p.i += 4
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return "", false
}
