package builtins

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// POSIX regular expressions: PostgreSQL's advanced regular expressions
// (AREs) are translated to Go's RE2 syntax and run by package regexp.
//
// What is translated: the escapes that differ (\y and \Y are word
// boundaries, \b a backspace, \B a backslash, \Z the end, \e, \cX, \xhh,
// \uhhhh, \Uhhhhhhhh), bounds {m,n} with PostgreSQL's limit of 255, the
// embedded options (?bcefimnpqstwx) at the start, ***= and ***:, the
// expanded syntax (x), the newline-sensitive modes (n, p, w) and the
// literal mode (q). A pattern without a non-greedy quantifier is matched
// leftmost-longest, as PostgreSQL matches it.
//
// What RE2 cannot do fails with 2201B, "invalid regular expression:
// ... are not supported": back references (\1 in the pattern; in a
// replacement string they work), lookahead and lookbehind ((?=, (?!,
// (?<=, (?<!), \m and \M (word start and end), [[:<:]] and [[:>:]],
// collating elements longer than one character, and basic regular
// expressions (the b option). Where several leftmost-longest matches
// exist, the groups may capture differently than PostgreSQL's (RE2 takes
// the one a backtracking search finds first).

// reFlags are the options of a regular expression.
type reFlags struct {
	icase   bool
	nlStop  bool // . and [^...] stop at newlines
	nlAnch  bool // ^ and $ match at newlines
	expand  bool // the x option: white space and #-comments ignored
	literal bool // the q option
	basic   bool // the b option: not supported
	global  bool // g (for the functions that take it)
}

// parseFlags reads a flags argument as PostgreSQL's parse_re_flags.
func parseFlags(s string) (reFlags, error) {
	var f reFlags
	for _, r := range s {
		switch r {
		case 'g':
			f.global = true
		case 'b':
			f.basic = true
		case 'c':
			f.icase = false
		case 'e':
			f.basic, f.literal = false, false
		case 'i':
			f.icase = true
		case 'm', 'n':
			f.nlStop, f.nlAnch = true, true
		case 'p':
			f.nlStop, f.nlAnch = true, false
		case 'q':
			f.literal = true
		case 's':
			f.nlStop, f.nlAnch = false, false
		case 't':
			f.expand = false
		case 'w':
			f.nlStop, f.nlAnch = false, true
		case 'x':
			f.expand = true
		default:
			return f, errInvalidParam("invalid regular expression option: \"%c\"", r)
		}
	}
	return f, nil
}

func reError(msg string) error {
	return pgcode.New(pgcode.InvalidRegularExpression, "invalid regular expression: "+msg)
}

func reUnsupported(what string) error {
	return reError(what + " are not supported")
}

// translateRegex turns an ARE into RE2 syntax with its flags.
func translateRegex(pat string, f reFlags) (string, error) {
	// Directors and embedded options.
	switch {
	case strings.HasPrefix(pat, "***="):
		f.literal, pat = true, pat[4:]
	case strings.HasPrefix(pat, "***:"):
		pat = pat[4:]
	}
	if !f.literal && strings.HasPrefix(pat, "(?") {
		end := strings.IndexByte(pat, ')')
		opts := ""
		if end > 0 {
			opts = pat[2:end]
		}
		if end > 0 && strings.Trim(opts, "bcefimnpqstwx") == "" && opts != "" {
			g := f.global
			nf, err := parseFlags(opts)
			if err != nil {
				return "", err
			}
			// Embedded options override those given, flag by flag.
			f = mergeFlags(f, nf, opts)
			f.global = g
			pat = pat[end+1:]
		}
	}
	if f.basic {
		return "", reUnsupported("basic regular expressions (option b)")
	}
	var b strings.Builder
	b.WriteString("(?")
	if f.icase {
		b.WriteByte('i')
	}
	if !f.nlStop {
		b.WriteByte('s')
	}
	if f.nlAnch {
		b.WriteByte('m')
	}
	b.WriteString(")")
	if f.literal {
		b.WriteString(regexp.QuoteMeta(pat))
		return b.String(), nil
	}
	rs := []rune(pat)
	n := len(rs)
	atomBefore := false // a quantifier has something to apply to
	for i := 0; i < n; i++ {
		r := rs[i]
		if f.expand {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' {
				continue
			}
			if r == '#' {
				for i < n && rs[i] != '\n' {
					i++
				}
				continue
			}
		}
		switch r {
		case '\\':
			if i+1 >= n {
				return "", reError(`invalid escape \ sequence`)
			}
			i++
			s, next, err := translateEscape(rs, i, false)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
			i = next - 1
			atomBefore = true
		case '[':
			s, next, err := translateBracket(rs, i, f)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
			i = next - 1
			atomBefore = true
		case '{':
			if i+1 >= n || rs[i+1] < '0' || rs[i+1] > '9' {
				b.WriteString(`\{`) // not a bound: a brace
				atomBefore = true
				continue
			}
			if !atomBefore {
				return "", reError("quantifier operand invalid")
			}
			s, next, err := translateBound(rs, i)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
			i = next - 1
			if i+1 < n && rs[i+1] == '?' {
				b.WriteByte('?')
				i++
			}
		case '(':
			if i+1 < n && rs[i+1] == '?' {
				switch {
				case i+2 < n && rs[i+2] == ':':
					b.WriteString("(?:")
					i += 2
				case i+2 < n && (rs[i+2] == '=' || rs[i+2] == '!'):
					return "", reUnsupported("lookahead constraints")
				case i+3 < n && rs[i+2] == '<' && (rs[i+3] == '=' || rs[i+3] == '!'):
					return "", reUnsupported("lookbehind constraints")
				case i+2 < n && rs[i+2] == '#':
					for i < n && rs[i] != ')' {
						i++
					}
				default:
					return "", reError("quantifier operand invalid")
				}
				atomBefore = false
				continue
			}
			b.WriteByte('(')
			atomBefore = false
		case '*', '+', '?':
			if !atomBefore {
				return "", reError("quantifier operand invalid")
			}
			b.WriteRune(r)
			if i+1 < n && rs[i+1] == '?' {
				b.WriteByte('?')
				i++
			}
			if i+1 < n && (rs[i+1] == '*' || rs[i+1] == '+' || rs[i+1] == '?' || rs[i+1] == '{') {
				return "", reError("quantifier operand invalid")
			}
		case '|':
			b.WriteByte('|')
			atomBefore = false
		case '^', '$':
			b.WriteRune(r)
			atomBefore = false
		default:
			// The other characters mean the same in both syntaxes: . ) ]
			// } and the literals.
			b.WriteRune(r)
			atomBefore = true
		}
	}
	return b.String(), nil
}

// mergeFlags applies embedded options: each letter as parseFlags reads
// it, starting from the flags given outside.
func mergeFlags(f, _ reFlags, opts string) reFlags {
	for _, r := range opts {
		one, _ := parseFlags(string(r))
		switch r {
		case 'c':
			f.icase = false
		case 'i':
			f.icase = true
		case 'm', 'n', 'p', 's', 'w':
			f.nlStop, f.nlAnch = one.nlStop, one.nlAnch
		case 'x':
			f.expand = true
		case 't':
			f.expand = false
		case 'q':
			f.literal = true
		case 'b':
			f.basic = true
		case 'e':
			f.basic = false
		}
	}
	return f
}

// classes are the character classes as PostgreSQL's C.UTF-8 locale has
// them (RE2's [[:alpha:]] and \w are ASCII only), written for the inside
// of a bracket expression.
var classes = map[string]string{
	"alnum":  `\p{L}\p{Nl}\p{Nd}`,
	"alpha":  `\p{L}\p{Nl}`,
	"blank":  ` \t`,
	"cntrl":  `\p{Cc}`,
	"digit":  `0-9`,
	"graph":  `\p{L}\p{M}\p{N}\p{P}\p{S}\p{Cf}\p{Co}`,
	"lower":  `\p{Ll}\p{Lt}`,
	"print":  `\p{L}\p{M}\p{N}\p{P}\p{S}\p{Cf}\p{Co}\p{Zs}`,
	"punct":  `\p{P}\p{S}`,
	"space":  `\t\n\v\f\r \x{1680}\x{2000}-\x{2006}\x{2008}-\x{200a}\x{2028}\x{2029}\x{205f}\x{3000}`,
	"upper":  `\p{Lu}\p{Lt}`,
	"xdigit": `0-9A-Fa-f`,
	"word":   `\p{L}\p{Nl}\p{Nd}_`,
}

func isHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

// translateEscape translates the escape whose letter is at rs[i]; it
// returns the RE2 text and the index after the escape.
func translateEscape(rs []rune, i int, inBracket bool) (string, int, error) {
	r := rs[i]
	char := func(c rune) string {
		if inBracket {
			return `\x{` + strconv.FormatInt(int64(c), 16) + `}`
		}
		return regexp.QuoteMeta(string(c))
	}
	switch r {
	case 'd', 's', 'w':
		cls := map[rune]string{'d': "digit", 's': "space", 'w': "word"}[r]
		if inBracket {
			return classes[cls], i + 1, nil
		}
		return "[" + classes[cls] + "]", i + 1, nil
	case 'D', 'S', 'W':
		if inBracket {
			return "", 0, reError(`invalid escape \ sequence`)
		}
		cls := map[rune]string{'D': "digit", 'S': "space", 'W': "word"}[r]
		return "[^" + classes[cls] + "]", i + 1, nil
	case 'a':
		return `\x07`, i + 1, nil
	case 'b':
		return `\x08`, i + 1, nil
	case 'B':
		return `\\`, i + 1, nil
	case 'e':
		return `\x1b`, i + 1, nil
	case 'f':
		return `\f`, i + 1, nil
	case 'n':
		return `\n`, i + 1, nil
	case 'r':
		return `\r`, i + 1, nil
	case 't':
		return `\t`, i + 1, nil
	case 'v':
		return `\v`, i + 1, nil
	case 'y':
		if inBracket {
			return "", 0, reError(`invalid escape \ sequence`)
		}
		return `\b`, i + 1, nil
	case 'Y':
		if inBracket {
			return "", 0, reError(`invalid escape \ sequence`)
		}
		return `\B`, i + 1, nil
	case 'A':
		return `\A`, i + 1, nil
	case 'Z':
		return `\z`, i + 1, nil
	case 'm', 'M':
		return "", 0, reUnsupported(`word start and end constraints (\m, \M)`)
	case 'c':
		if i+1 >= len(rs) {
			return "", 0, reError(`invalid escape \ sequence`)
		}
		return char(rs[i+1] & 0x1f), i + 2, nil
	case 'x', 'u', 'U':
		j := i + 1
		limit := map[rune]int{'x': 1 << 30, 'u': 4, 'U': 8}[r]
		for j < len(rs) && j-i-1 < limit && isHex(rs[j]) {
			j++
		}
		if j == i+1 || (r != 'x' && j-i-1 != limit) {
			return "", 0, reError(`invalid escape \ sequence`)
		}
		v, err := strconv.ParseUint(string(rs[i+1:j]), 16, 32)
		if err != nil || v > utf8.MaxRune {
			return "", 0, reError(`invalid escape \ sequence`)
		}
		return `\x{` + strconv.FormatUint(v, 16) + `}`, j, nil
	case '0':
		return `\x00`, i + 1, nil
	}
	if r >= '1' && r <= '9' {
		return "", 0, reUnsupported(`back references (\` + string(r) + ")")
	}
	if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
		return "", 0, reError(`invalid escape \ sequence`)
	}
	return char(r), i + 1, nil
}

// translateBracket translates the bracket expression that starts at
// rs[i] ('['); it returns the RE2 class and the index after it.
func translateBracket(rs []rune, i int, f reFlags) (string, int, error) {
	n := len(rs)
	var b strings.Builder
	b.WriteByte('[')
	j := i + 1
	negated := false
	if j < n && rs[j] == '^' {
		negated = true
		b.WriteByte('^')
		j++
	}
	if negated && f.nlStop {
		b.WriteString(`\n`)
	}
	first := true
	for {
		if j >= n {
			return "", 0, reError("brackets [] not balanced")
		}
		r := rs[j]
		switch {
		case r == ']' && !first:
			b.WriteByte(']')
			return b.String(), j + 1, nil
		case r == '[' && j+1 < n && (rs[j+1] == ':' || rs[j+1] == '.' || rs[j+1] == '='):
			kind := rs[j+1]
			end := -1
			for k := j + 2; k+1 < n; k++ {
				if rs[k] == kind && rs[k+1] == ']' {
					end = k
					break
				}
			}
			if end < 0 {
				return "", 0, reError("brackets [] not balanced")
			}
			name := string(rs[j+2 : end])
			switch kind {
			case ':':
				if name == "<" || name == ">" {
					return "", 0, reUnsupported("word boundaries [[:<:]] and [[:>:]]")
				}
				cls, ok := classes[name]
				if !ok {
					return "", 0, reError("invalid character class")
				}
				b.WriteString(cls)
			default:
				cr := []rune(name)
				if len(cr) != 1 {
					return "", 0, reUnsupported("multi-character collating elements")
				}
				b.WriteString(`\x{` + strconv.FormatInt(int64(cr[0]), 16) + `}`)
			}
			j = end + 2
		case r == '\\':
			if j+1 >= n {
				return "", 0, reError("brackets [] not balanced")
			}
			s, next, err := translateEscape(rs, j+1, true)
			if err != nil {
				return "", 0, err
			}
			b.WriteString(s)
			j = next
		case r == '-':
			b.WriteByte('-')
			j++
		default:
			b.WriteString(`\x{` + strconv.FormatInt(int64(r), 16) + `}`)
			j++
		}
		first = false
	}
}

// translateBound translates {m}, {m,}, {m,n} (and {,n}) at rs[i].
func translateBound(rs []rune, i int) (string, int, error) {
	j := i + 1
	num := func() (int, bool) {
		start := j
		v := 0
		for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
			v = v*10 + int(rs[j]-'0')
			if v > 1000 {
				v = 1000
			}
			j++
		}
		return v, j > start
	}
	lo, hasLo := num()
	hi, hasHi := lo, hasLo
	comma := false
	if j < len(rs) && rs[j] == ',' {
		comma = true
		j++
		hi, hasHi = num()
	}
	if j >= len(rs) || rs[j] != '}' {
		return "", 0, reError("braces {} not balanced")
	}
	j++
	if !hasLo && !comma {
		return "", 0, reError("invalid repetition count(s)")
	}
	if lo > 255 || hasHi && (hi > 255 || hi < lo) {
		return "", 0, reError("invalid repetition count(s)")
	}
	switch {
	case !comma:
		return "{" + strconv.Itoa(lo) + "}", j, nil
	case !hasHi:
		return "{" + strconv.Itoa(lo) + ",}", j, nil
	}
	return "{" + strconv.Itoa(lo) + "," + strconv.Itoa(hi) + "}", j, nil
}

// goRegexError maps an RE2 syntax error to PostgreSQL's message.
func goRegexError(err error) error {
	var se *syntax.Error
	if !errors.As(err, &se) {
		return reError(err.Error())
	}
	switch se.Code {
	case syntax.ErrMissingParen, syntax.ErrUnexpectedParen:
		return reError("parentheses () not balanced")
	case syntax.ErrMissingBracket:
		return reError("brackets [] not balanced")
	case syntax.ErrMissingRepeatArgument, syntax.ErrInvalidRepeatOp:
		return reError("quantifier operand invalid")
	case syntax.ErrInvalidRepeatSize:
		return reError("invalid repetition count(s)")
	case syntax.ErrInvalidEscape, syntax.ErrTrailingBackslash:
		return reError(`invalid escape \ sequence`)
	case syntax.ErrInvalidCharRange:
		return reError("invalid character range")
	case syntax.ErrInvalidCharClass:
		return reError("invalid character class")
	case syntax.ErrNestingDepth, syntax.ErrLarge:
		return reError("regular expression is too complex")
	}
	return reError(se.Error())
}

// compiledRegex is a translated and compiled pattern.
type compiledRegex struct {
	re *regexp.Regexp
}

// regexCache keeps the most recently compiled patterns, as PostgreSQL's
// regexp.c does: a scan applies one pattern to every row.
type regexCache struct {
	mu   sync.Mutex
	keys []string
	m    map[string]*compiledRegex
}

const regexCacheSize = 64

var reCache = &regexCache{m: map[string]*compiledRegex{}}

func (rc *regexCache) get(key string) *compiledRegex {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.m[key]
}

func (rc *regexCache) put(key string, c *compiledRegex) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if _, ok := rc.m[key]; ok {
		return
	}
	if len(rc.keys) >= regexCacheSize {
		delete(rc.m, rc.keys[0])
		rc.keys = rc.keys[1:]
	}
	rc.keys = append(rc.keys, key)
	rc.m[key] = c
}

// compileRegex compiles a pattern with its flags (cached).
func compileRegex(pat string, f reFlags) (*compiledRegex, error) {
	key := strconv.FormatBool(f.icase) + strconv.FormatBool(f.nlStop) + strconv.FormatBool(f.nlAnch) +
		strconv.FormatBool(f.expand) + strconv.FormatBool(f.literal) + strconv.FormatBool(f.basic) + "\x00" + pat
	if c := reCache.get(key); c != nil {
		return c, nil
	}
	src, err := translateRegex(pat, f)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, goRegexError(err)
	}
	if !hasLazy(re) {
		re.Longest()
	}
	c := &compiledRegex{re: re}
	reCache.put(key, c)
	return c, nil
}

// hasLazy reports whether a compiled pattern has a non-greedy
// quantifier, which makes PostgreSQL prefer the shortest match.
func hasLazy(re *regexp.Regexp) bool {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return false
	}
	var walk func(t *syntax.Regexp) bool
	walk = func(t *syntax.Regexp) bool {
		if (t.Op == syntax.OpStar || t.Op == syntax.OpPlus || t.Op == syntax.OpQuest || t.Op == syntax.OpRepeat) && t.Flags&syntax.NonGreedy != 0 {
			return true
		}
		for _, s := range t.Sub {
			if walk(s) {
				return true
			}
		}
		return false
	}
	return walk(tree)
}

// allMatches finds the matches PostgreSQL's loop finds: from the start,
// each search beginning where the last match ended (one character on
// after an empty match). RE2's own loop leaves out an empty match right
// after a match; it is put back here.
func (c *compiledRegex) allMatches(s string, global bool) [][]int {
	if !global {
		m := c.re.FindStringSubmatchIndex(s)
		if m == nil {
			return nil
		}
		return [][]int{m}
	}
	ms := c.re.FindAllStringSubmatchIndex(s, -1)
	var out [][]int
	for i, m := range ms {
		out = append(out, m)
		if m[0] == m[1] || i+1 < len(ms) && ms[i+1][0] == m[1] {
			continue
		}
		e := m[1]
		if e2 := c.re.FindStringSubmatchIndex(s[e:]); e2 != nil && e2[0] == 0 && e2[1] == 0 {
			for k := range e2 {
				if e2[k] >= 0 {
					e2[k] += e
				}
			}
			out = append(out, e2)
		}
	}
	return out
}

// regex compiles the pattern of a call with optional flags text.
func regex(pat string, flags string) (*compiledRegex, reFlags, error) {
	f, err := parseFlags(flags)
	if err != nil {
		return nil, f, err
	}
	c, err := compileRegex(pat, f)
	return c, f, err
}

var _ = register(regexFuncs()...)

func regexFuncs() []*Overload {
	T, B, I := types.Text, types.Bool, types.Int4
	TA := types.ArrayOf(types.Text)
	match := func(flags string, not bool) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) {
			c, _, err := regex(str(a[1]), flags)
			if err != nil {
				return nil, err
			}
			return c.re.MatchString(str(a[0])) != not, nil
		}
	}
	noGlobal := func(fn string, f reFlags, hint string) error {
		if !f.global {
			return nil
		}
		e := pgcode.Newf(pgcode.InvalidParameterValue, "%s() does not support the \"global\" option", fn)
		if hint != "" {
			e = e.WithHint(hint)
		}
		return e
	}
	matchArr := func(name string) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) {
			flags := ""
			if len(a) > 2 {
				flags = str(a[2])
			}
			c, f, err := regex(str(a[1]), flags)
			if err != nil {
				return nil, err
			}
			if err := noGlobal(name, f, "Use the regexp_matches function instead."); err != nil {
				return nil, err
			}
			s := str(a[0])
			m := c.re.FindStringSubmatchIndex(s)
			if m == nil {
				return nil, nil
			}
			return groupsArray(s, m), nil
		}
	}
	splitArr := func(_ *Context, a []types.Datum) (types.Datum, error) {
		flags := ""
		if len(a) > 2 {
			flags = str(a[2])
		}
		c, f, err := regex(str(a[1]), flags)
		if err != nil {
			return nil, err
		}
		if err := noGlobal("regexp_split_to_array", f, ""); err != nil {
			return nil, err
		}
		parts := regexSplit(c, str(a[0]))
		out := &types.DArray{Elem: T, Vals: make([]types.Datum, len(parts))}
		for i, p := range parts {
			out.Vals[i] = p
		}
		return out, nil
	}
	out := []*Overload{
		def(1254, "~", ts(T, T), B, match("", false)),
		def(1256, "!~", ts(T, T), B, match("", true)),
		def(1238, "~*", ts(T, T), B, match("i", false)),
		def(1239, "!~*", ts(T, T), B, match("i", true)),
		def(6263, "regexp_like", ts(T, T), B, match("", false)),
		def(6264, "regexp_like", ts(T, T, T), B, func(_ *Context, a []types.Datum) (types.Datum, error) {
			c, f, err := regex(str(a[1]), str(a[2]))
			if err != nil {
				return nil, err
			}
			if err := noGlobal("regexp_like", f, ""); err != nil {
				return nil, err
			}
			return c.re.MatchString(str(a[0])), nil
		}),
		def(2073, "substring", ts(T, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return regexSubstring(str(a[0]), str(a[1]))
		}),
		// substring(s SIMILAR p ESCAPE e): the part between the escape's
		// double quotes.
		def(2074, "substring", ts(T, T, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			re, err := similarToRegex(str(a[1]), str(a[2]))
			if err != nil {
				return nil, err
			}
			return regexSubstring(str(a[0]), re.(string))
		}),
		def(2284, "regexp_replace", ts(T, T, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return regexReplace(str(a[0]), str(a[1]), str(a[2]), "", 1, 1)
		}),
		def(2285, "regexp_replace", ts(T, T, T, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			flags := str(a[3])
			if flags != "" && flags[0] >= '0' && flags[0] <= '9' {
				r, _ := utf8.DecodeRuneInString(flags)
				return nil, pgcode.Newf(pgcode.InvalidParameterValue, "invalid regular expression option: \"%c\"", r).
					WithHint("If you meant to use regexp_replace() with a start parameter, cast the fourth argument to integer explicitly.")
			}
			return regexReplace(str(a[0]), str(a[1]), str(a[2]), flags, 1, byFlag)
		}),
		def(6253, "regexp_replace", ts(T, T, T, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return regexReplace(str(a[0]), str(a[1]), str(a[2]), "", a[3].(int64), byFlag)
		}),
		def(6252, "regexp_replace", ts(T, T, T, I, I), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return regexReplace(str(a[0]), str(a[1]), str(a[2]), "", a[3].(int64), a[4].(int64))
		}),
		def(6251, "regexp_replace", ts(T, T, T, I, I, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return regexReplace(str(a[0]), str(a[1]), str(a[2]), str(a[5]), a[3].(int64), a[4].(int64))
		}),
		def(3396, "regexp_match", ts(T, T), TA, matchArr("regexp_match")),
		def(3397, "regexp_match", ts(T, T, T), TA, matchArr("regexp_match")),
		def(2767, "regexp_split_to_array", ts(T, T), TA, splitArr),
		def(2768, "regexp_split_to_array", ts(T, T, T), TA, splitArr),
	}
	for _, oid := range []uint32{6254, 6255, 6256} {
		o := def(oid, "regexp_count", ts(T, T), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			start, flags := int64(1), ""
			if len(a) > 2 {
				start = a[2].(int64)
			}
			if len(a) > 3 {
				flags = str(a[3])
			}
			s, c, _, err := regexAt(str(a[0]), str(a[1]), start, flags, "regexp_count")
			if err != nil {
				return nil, err
			}
			return int64(len(c.allMatches(s, true))), nil
		})
		o.Args = ts(T, T, I, T)[:2+oid-6254]
		out = append(out, o)
	}
	for _, oid := range []uint32{6265, 6266, 6267, 6268, 6269} {
		o := def(oid, "regexp_substr", nil, T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			start, nth, flags, sub := int64(1), int64(1), "", int64(0)
			if len(a) > 2 {
				start = a[2].(int64)
			}
			if len(a) > 3 {
				nth = a[3].(int64)
			}
			if len(a) > 4 {
				flags = str(a[4])
			}
			if len(a) > 5 {
				sub = a[5].(int64)
			}
			if nth <= 0 {
				return nil, errInvalidParam("invalid value for parameter \"%s\": %d", "n", nth)
			}
			if sub < 0 {
				return nil, errInvalidParam("invalid value for parameter \"%s\": %d", "subexpr", sub)
			}
			s, c, _, err := regexAt(str(a[0]), str(a[1]), start, flags, "regexp_substr")
			if err != nil {
				return nil, err
			}
			ms := c.allMatches(s, true)
			if int64(len(ms)) < nth {
				return nil, nil
			}
			m := ms[nth-1]
			if 2*sub+1 >= int64(len(m)) || m[2*sub] < 0 {
				return nil, nil
			}
			return s[m[2*sub]:m[2*sub+1]], nil
		})
		o.Args = ts(T, T, I, I, T, I)[:2+oid-6265]
		out = append(out, o)
	}
	return out
}

// regexAt compiles a pattern for the functions with a start position
// (counted in characters from 1) and returns the text from there.
func regexAt(s, pat string, start int64, flags, fn string) (string, *compiledRegex, reFlags, error) {
	if start <= 0 {
		return "", nil, reFlags{}, errInvalidParam("invalid value for parameter \"%s\": %d", "start", start)
	}
	c, f, err := regex(pat, flags)
	if err != nil {
		return "", nil, f, err
	}
	if f.global {
		return "", nil, f, pgcode.Newf(pgcode.InvalidParameterValue, "%s() does not support the \"global\" option", fn)
	}
	return skipChars(s, start-1), c, f, nil
}

// skipChars returns s without its first n characters.
func skipChars(s string, n int64) string {
	for i := range s {
		if n == 0 {
			return s[i:]
		}
		n--
	}
	return ""
}

// groupsArray is a match as regexp_match returns it: the groups, or the
// whole match when the pattern has none.
func groupsArray(s string, m []int) *types.DArray {
	out := &types.DArray{Elem: types.Text}
	if len(m) == 2 {
		out.Vals = []types.Datum{s[m[0]:m[1]]}
		return out
	}
	for k := 2; k < len(m); k += 2 {
		if m[k] < 0 {
			out.Vals = append(out.Vals, nil)
		} else {
			out.Vals = append(out.Vals, s[m[k]:m[k+1]])
		}
	}
	return out
}

// byFlag is regexReplace's n when the g flag decides: every match or the
// first.
const byFlag = -1 << 40

// regexReplace is regexp_replace: the n-th match from character start
// replaced (n 0: every match; byFlag: as the g flag says), \1 to \9 and
// \& in the replacement standing for the groups and the match.
func regexReplace(s, pat, repl, flags string, start, n int64) (types.Datum, error) {
	if start <= 0 {
		return nil, errInvalidParam("invalid value for parameter \"%s\": %d", "start", start)
	}
	if n < 0 && n != byFlag {
		return nil, errInvalidParam("invalid value for parameter \"%s\": %d", "n", n)
	}
	c, f, err := regex(pat, flags)
	if err != nil {
		return nil, err
	}
	if n == byFlag {
		n = 1
		if f.global {
			n = 0
		}
	}
	head := ""
	if start > 1 {
		rest := skipChars(s, start-1)
		head, s = s[:len(s)-len(rest)], rest
	}
	var b strings.Builder
	b.WriteString(head)
	last := 0
	for k, m := range c.allMatches(s, n != 1) {
		if n > 0 && int64(k+1) != n {
			continue
		}
		b.WriteString(s[last:m[0]])
		expandReplacement(&b, repl, s, m)
		last = m[1]
		if b.Len() > maxStringBytes {
			return nil, errTooLarge
		}
		if n > 0 {
			break
		}
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

func expandReplacement(b *strings.Builder, repl, s string, m []int) {
	for i := 0; i < len(repl); i++ {
		ch := repl[i]
		if ch != '\\' {
			b.WriteByte(ch)
			continue
		}
		if i+1 >= len(repl) {
			b.WriteByte('\\')
			break
		}
		next := repl[i+1]
		switch {
		case next >= '1' && next <= '9':
			k := int(next-'0') * 2
			if k+1 < len(m) && m[k] >= 0 {
				b.WriteString(s[m[k]:m[k+1]])
			}
			i++
		case next == '&':
			b.WriteString(s[m[0]:m[1]])
			i++
		case next == '\\':
			b.WriteByte('\\')
			i++
		default:
			b.WriteByte('\\')
		}
	}
}

// regexSplit splits s at the matches of a pattern, leaving out the empty
// matches at the start, at the end and right after another match.
func regexSplit(c *compiledRegex, s string) []string {
	var parts []string
	last, prevEnd := 0, 0
	for _, m := range c.allMatches(s, true) {
		if !(m[0] < len(s) && m[1] > prevEnd) {
			prevEnd = m[1]
			continue
		}
		parts = append(parts, s[last:m[0]])
		last, prevEnd = m[1], m[1]
	}
	return append(parts, s[last:])
}

// regexRows are the rows of regexp_matches and regexp_split_to_table.
type sliceRows struct {
	rows [][]types.Datum
	i    int
}

func (r *sliceRows) Next() ([]types.Datum, error) {
	if r.i >= len(r.rows) {
		return nil, nil
	}
	r.i++
	return r.rows[r.i-1], nil
}

var _ = register(regexSRFs()...)

func regexSRFs() []*Overload {
	T, TA := types.Text, types.ArrayOf(types.Text)
	matches := func(_ *Context, a []types.Datum) (Rows, error) {
		flags := ""
		if len(a) > 2 {
			flags = str(a[2])
		}
		c, f, err := regex(str(a[1]), flags)
		if err != nil {
			return nil, err
		}
		s := str(a[0])
		rows := &sliceRows{}
		for _, m := range c.allMatches(s, f.global) {
			rows.rows = append(rows.rows, []types.Datum{groupsArray(s, m)})
		}
		return rows, nil
	}
	split := func(_ *Context, a []types.Datum) (Rows, error) {
		flags := ""
		if len(a) > 2 {
			flags = str(a[2])
		}
		c, f, err := regex(str(a[1]), flags)
		if err != nil {
			return nil, err
		}
		if f.global {
			return nil, pgcode.New(pgcode.InvalidParameterValue, "regexp_split_to_table() does not support the \"global\" option")
		}
		rows := &sliceRows{}
		for _, p := range regexSplit(c, str(a[0])) {
			rows.rows = append(rows.rows, []types.Datum{p})
		}
		return rows, nil
	}
	srf := func(oid uint32, name string, args []*types.T, ret *types.T, f func(*Context, []types.Datum) (Rows, error)) *Overload {
		return &Overload{Name: name, Oid: oid, Kind: SetReturning, Args: args, Ret: ret, SRF: f, Strict: true}
	}
	return []*Overload{
		srf(2763, "regexp_matches", ts(T, T), TA, matches),
		srf(2764, "regexp_matches", ts(T, T, T), TA, matches),
		srf(2765, "regexp_split_to_table", ts(T, T), T, split),
		srf(2766, "regexp_split_to_table", ts(T, T, T), T, split),
	}
}

// regexSubstring is substring(s FROM pattern): the part of s the
// pattern's first group matches, else what the whole pattern matches;
// NULL for no match.
func regexSubstring(s, pattern string) (types.Datum, error) {
	c, _, err := regex(pattern, "")
	if err != nil {
		return nil, err
	}
	m := c.re.FindStringSubmatchIndex(s)
	if m == nil {
		return nil, nil
	}
	if len(m) > 2 {
		m = m[2:4]
	}
	if m[0] < 0 {
		return nil, nil
	}
	return s[m[0]:m[1]], nil
}
