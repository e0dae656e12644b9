package types

import (
	"encoding/json"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
)

// JSON input follows PostgreSQL's JSON parser: RFC 8259 with its error
// details ("Token "x" is invalid.", "Expected ":", but found "1"."), all
// under 22P02 "invalid input syntax for type json". json keeps its text;
// jsonb keeps the value: numbers as numeric, the last of repeated keys.

// maxJSONDepth bounds nesting, where PostgreSQL's stack depth check would
// stop a deeper document (54001).
const maxJSONDepth = 6400

type jsonTok int

const (
	jtInvalid jsonTok = iota
	jtString
	jtNumber
	jtObjectStart
	jtObjectEnd
	jtArrayStart
	jtArrayEnd
	jtComma
	jtColon
	jtTrue
	jtFalse
	jtNull
	jtEnd
)

type jsonParser struct {
	s      string
	pos    int // start of the current token
	end    int // end of the current token
	tok    jsonTok
	build  bool   // build values (jsonb) or only check (json)
	str    string // the current string token's value, when building
	depth  int
	errDet string
	errSt  pgcode.Code
}

func isJSONAlnum(c byte) bool { return isAlnum(c) || c == '_' || c >= 0x80 }

func (p *jsonParser) fail(detail string) bool {
	if p.errDet == "" {
		p.errDet = detail
	}
	return false
}

// next reads the token at p.end.
func (p *jsonParser) next() bool {
	i := p.end
	for i < len(p.s) && (p.s[i] == ' ' || p.s[i] == '\t' || p.s[i] == '\n' || p.s[i] == '\r') {
		i++
	}
	p.pos = i
	if i >= len(p.s) {
		p.tok, p.end = jtEnd, i
		return true
	}
	c := p.s[i]
	switch c {
	case '{':
		p.tok, p.end = jtObjectStart, i+1
	case '}':
		p.tok, p.end = jtObjectEnd, i+1
	case '[':
		p.tok, p.end = jtArrayStart, i+1
	case ']':
		p.tok, p.end = jtArrayEnd, i+1
	case ',':
		p.tok, p.end = jtComma, i+1
	case ':':
		p.tok, p.end = jtColon, i+1
	case '"':
		return p.lexString(i)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return p.lexNumber(i)
	default:
		j := i
		for j < len(p.s) && isJSONAlnum(p.s[j]) {
			j++
		}
		if j == i {
			p.tok, p.end = jtInvalid, i+1
			return p.fail("Token " + quoted(p.s[i:i+1]) + " is invalid.")
		}
		p.end = j
		switch p.s[i:j] {
		case "true":
			p.tok = jtTrue
		case "false":
			p.tok = jtFalse
		case "null":
			p.tok = jtNull
		default:
			p.tok = jtInvalid
			return p.fail("Token " + quoted(p.s[i:j]) + " is invalid.")
		}
	}
	return true
}

func (p *jsonParser) lexNumber(i int) bool {
	s := p.s
	j := i
	ok := true
	if s[j] == '-' {
		j++
	}
	switch {
	case j < len(s) && s[j] == '0':
		j++
	case j < len(s) && s[j] >= '1' && s[j] <= '9':
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	default:
		ok = false
	}
	if j < len(s) && s[j] == '.' {
		j++
		if j >= len(s) || !isDigit(s[j]) {
			ok = false
		}
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j >= len(s) || !isDigit(s[j]) {
			ok = false
		}
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	// Letters or digits run on: the whole run is the bad token.
	for j < len(s) && isJSONAlnum(s[j]) {
		j++
		ok = false
	}
	p.end = j
	if !ok {
		p.tok = jtInvalid
		return p.fail("Token " + quoted(s[i:j]) + " is invalid.")
	}
	p.tok = jtNumber
	return true
}

func (p *jsonParser) lexString(i int) bool {
	s := p.s
	j := i + 1
	var out []byte
	start := j
	for {
		if j >= len(s) {
			p.tok, p.end = jtInvalid, j
			return p.fail("Token " + quoted(s[i:j]) + " is invalid.")
		}
		c := s[j]
		if c == '"' {
			break
		}
		if c < 0x20 {
			p.tok, p.end = jtInvalid, j
			return p.fail("Character with value 0x" + hex2(c) + " must be escaped.")
		}
		if c != '\\' {
			j++
			continue
		}
		if p.build && out == nil {
			out = make([]byte, 0, len(s)-start)
		}
		if p.build {
			out = append(out, s[start:j]...)
		}
		j++
		if j >= len(s) {
			p.tok, p.end = jtInvalid, j
			return p.fail("Token " + quoted(s[i:j]) + " is invalid.")
		}
		switch e := s[j]; e {
		case 'u':
			cp, ok := hex4(s, j+1)
			if !ok {
				k := j + 1
				for k < len(s) && k < j+5 && isHexDigit(s[k]) {
					k++
				}
				p.tok, p.end = jtInvalid, k
				return p.fail(`"\u" must be followed by four hexadecimal digits.`)
			}
			j += 5
			// json keeps its text: only jsonb checks the surrogate pairs
			// and the zero character.
			if p.build && utf16.IsSurrogate(rune(cp)) {
				if cp >= 0xDC00 {
					p.tok, p.end = jtInvalid, j
					return p.fail("Unicode low surrogate must follow a high surrogate.")
				}
				lo, ok := -1, false
				if j+1 < len(s) && s[j] == '\\' && s[j+1] == 'u' {
					var v int
					if v, ok = hex4(s, j+2); ok {
						lo = v
					}
				}
				if !ok {
					p.tok, p.end = jtInvalid, j
					return p.fail("Unicode low surrogate must follow a high surrogate.")
				}
				if lo < 0xDC00 || lo > 0xDFFF {
					p.tok, p.end = jtInvalid, j+6
					if lo >= 0xD800 && lo < 0xDC00 {
						return p.fail("Unicode high surrogate must not follow a high surrogate.")
					}
					return p.fail("Unicode low surrogate must follow a high surrogate.")
				}
				j += 6
				cp = int(utf16.DecodeRune(rune(cp), rune(lo)))
			}
			if cp == 0 && p.build {
				p.tok, p.end = jtInvalid, j
				p.errSt = pgcode.UntranslatableCharacter
				return p.fail(`\u0000 cannot be converted to text.`)
			}
			if p.build {
				out = utf8.AppendRune(out, rune(cp))
			}
		case '"', '\\', '/':
			j++
			if p.build {
				out = append(out, e)
			}
		case 'b', 'f', 'n', 'r', 't':
			j++
			if p.build {
				out = append(out, map[byte]byte{'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}[e])
			}
		default:
			n := 1
			for n < 4 && j+n < len(s) && s[j+n]&0xC0 == 0x80 {
				n++
			}
			p.tok, p.end = jtInvalid, j+n
			return p.fail(`Escape sequence "\` + s[j:j+n] + `" is invalid.`)
		}
		start = j
	}
	if p.build {
		if out == nil {
			p.str = s[start:j]
		} else {
			p.str = string(append(out, s[start:j]...))
		}
	}
	p.tok, p.end = jtString, j+1
	return true
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func hex4(s string, i int) (int, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	v := 0
	for k := i; k < i+4; k++ {
		h, ok := hexVal(s[k])
		if !ok {
			return 0, false
		}
		v = v<<4 | int(h)
	}
	return v, true
}

// tokenText is the current token's text, for error details.
func (p *jsonParser) tokenText() string { return p.s[p.pos:p.end] }

func (p *jsonParser) expected(what string) bool {
	if p.tok == jtEnd {
		return p.fail("The input string ended unexpectedly.")
	}
	return p.fail("Expected " + what + ", but found " + quoted(p.tokenText()) + ".")
}

// value parses the value that starts at the current token.
func (p *jsonParser) value() (any, bool) {
	switch p.tok {
	case jtString:
		return p.str, true
	case jtNumber:
		if !p.build {
			return nil, true
		}
		d, err := engine.ParseNumeric(p.tokenText())
		if err != nil {
			pe := fromEngine(err).(*pgcode.Error)
			p.errSt = pe.Code
			p.errDet = pe.Message
			return nil, false
		}
		return json.Number(engine.NumericText(d)), true
	case jtTrue:
		return true, true
	case jtFalse:
		return false, true
	case jtNull:
		return nil, true
	case jtArrayStart:
		return p.array()
	case jtObjectStart:
		return p.object()
	case jtInvalid:
		return nil, false
	}
	return nil, p.expected("JSON value")
}

func (p *jsonParser) enter() bool {
	p.depth++
	if p.depth > maxJSONDepth {
		p.errSt = pgcode.StatementTooComplex
		p.errDet = "stack depth limit exceeded"
		return false
	}
	return true
}

func (p *jsonParser) array() (any, bool) {
	if !p.enter() {
		return nil, false
	}
	defer func() { p.depth-- }()
	var out []any
	if p.build {
		out = []any{}
	}
	if !p.next() {
		return nil, false
	}
	if p.tok == jtArrayEnd {
		return out, true
	}
	for {
		if p.tok == jtInvalid {
			return nil, false
		}
		if !isValueStart(p.tok) {
			return nil, p.expected(`array element or "]"`)
		}
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		if p.build {
			out = append(out, v)
		}
		if !p.next() {
			return nil, false
		}
		switch p.tok {
		case jtArrayEnd:
			return out, true
		case jtComma:
			if !p.next() {
				return nil, false
			}
			if !isValueStart(p.tok) && p.tok != jtInvalid {
				return nil, p.expected("JSON value")
			}
		case jtInvalid:
			return nil, false
		default:
			return nil, p.expected(`"," or "]"`)
		}
	}
}

func isValueStart(t jsonTok) bool {
	switch t {
	case jtString, jtNumber, jtTrue, jtFalse, jtNull, jtArrayStart, jtObjectStart:
		return true
	}
	return false
}

func (p *jsonParser) object() (any, bool) {
	if !p.enter() {
		return nil, false
	}
	defer func() { p.depth-- }()
	var out map[string]any
	if p.build {
		out = map[string]any{}
	}
	if !p.next() {
		return nil, false
	}
	if p.tok == jtObjectEnd {
		return out, true
	}
	first := true
	for {
		if p.tok == jtInvalid {
			return nil, false
		}
		if p.tok != jtString {
			if first {
				return nil, p.expected(`string or "}"`)
			}
			return nil, p.expected("string")
		}
		key := p.str
		if !p.next() {
			return nil, false
		}
		if p.tok != jtColon {
			if p.tok == jtInvalid {
				return nil, false
			}
			return nil, p.expected(`":"`)
		}
		if !p.next() {
			return nil, false
		}
		if p.tok == jtInvalid {
			return nil, false
		}
		if !isValueStart(p.tok) {
			return nil, p.expected("JSON value")
		}
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		if p.build {
			out[key] = v
		}
		if !p.next() {
			return nil, false
		}
		switch p.tok {
		case jtObjectEnd:
			return out, true
		case jtComma:
			if !p.next() {
				return nil, false
			}
			first = false
		case jtInvalid:
			return nil, false
		default:
			return nil, p.expected(`"," or "}"`)
		}
	}
}

func (p *jsonParser) parse() (any, error) {
	v, ok := p.parseTop()
	if ok {
		return v, nil
	}
	code := p.errSt
	switch code {
	case "":
		return nil, pgcode.New(pgcode.InvalidTextRepresentation, "invalid input syntax for type json").WithDetail(p.errDet)
	case pgcode.UntranslatableCharacter:
		return nil, pgcode.New(code, "unsupported Unicode escape sequence").WithDetail(p.errDet)
	case pgcode.StatementTooComplex:
		return nil, pgcode.New(code, p.errDet)
	}
	return nil, pgcode.New(code, p.errDet)
}

func (p *jsonParser) parseTop() (any, bool) {
	if !p.next() {
		return nil, false
	}
	if p.tok == jtEnd {
		return nil, p.fail("The input string ended unexpectedly.")
	}
	if !isValueStart(p.tok) {
		return nil, p.expected("JSON value")
	}
	v, ok := p.value()
	if !ok {
		return nil, false
	}
	if !p.next() {
		return nil, false
	}
	if p.tok != jtEnd {
		return nil, p.fail("Expected end of input, but found " + quoted(p.tokenText()) + ".")
	}
	return v, true
}

// validateJSON is json_in's check.
func validateJSON(s string) error {
	p := &jsonParser{s: s}
	_, err := p.parse()
	return err
}

// parseJSONB is jsonb_in: the document as a value.
func parseJSONB(s string) (any, error) {
	p := &jsonParser{s: s, build: true}
	return p.parse()
}

// ParseJSONB reads JSON text as a jsonb document value (for casts from
// json and for the engine's documents).
func ParseJSONB(s string) (DJSONB, error) {
	v, err := parseJSONB(s)
	return DJSONB{V: v}, err
}

// jsonbKeyLess orders keys as jsonb stores them: shorter first, then by
// bytes.
func jsonbKeyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return jsonbKeyLess(keys[i], keys[j]) })
	return keys
}

// appendJSONB writes a jsonb value as jsonb_out: {"a": 1, "b": [1, 2]},
// keys in jsonb's order, numbers as numeric text.
func appendJSONB(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case string:
		return appendJSONString(dst, x)
	case json.Number:
		return appendJSONNumber(dst, string(x))
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case float64:
		d, err := engine.FloatNumeric(x, -1)
		if err != nil {
			return strconv.AppendFloat(dst, x, 'g', -1, 64)
		}
		return engine.AppendNumeric(dst, d)
	case *apd.Decimal:
		return engine.AppendNumeric(dst, x)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSONB(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		dst = append(dst, '{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ": "...)
			dst = appendJSONB(dst, x[k])
		}
		return append(dst, '}')
	}
	b, _ := json.Marshal(v)
	return append(dst, b...)
}

// appendJSONNumber writes a number held as text in numeric's form: the
// text itself when it already is (the usual case), else reformatted.
func appendJSONNumber(dst []byte, s string) []byte {
	if isCanonicalNumeric(s) {
		return append(dst, s...)
	}
	d, err := engine.ParseNumeric(s)
	if err != nil {
		return append(dst, s...)
	}
	return engine.AppendNumeric(dst, d)
}

// isCanonicalNumeric reports whether s is a number as numeric writes it:
// [-]digits[.digits], no leading zeros, not -0.
func isCanonicalNumeric(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return false
	}
	intZero := s[start] == '0'
	if i < len(s) && s[i] == '.' {
		j := i + 1
		nonzero := false
		for j < len(s) && isDigit(s[j]) {
			if s[j] != '0' {
				nonzero = true
			}
			j++
		}
		if j == i+1 || j != len(s) {
			return false
		}
		return !(start == 1 && intZero && !nonzero)
	}
	return i == len(s) && !(start == 1 && intZero)
}

// appendJSONString writes a string as PostgreSQL's escape_json: quotes,
// backslashes and \b \f \n \r \t escaped, other control characters as
// \u00xx, everything else as it is.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, `\"`...)
		case '\\':
			dst = append(dst, `\\`...)
		case '\b':
			dst = append(dst, `\b`...)
		case '\f':
			dst = append(dst, `\f`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '\t':
			dst = append(dst, `\t`...)
		default:
			dst = append(dst, `\u00`...)
			dst = append(dst, hex2(c)...)
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
