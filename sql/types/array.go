package types

import (
	"github.com/driftdb/driftdb/sql/pgcode"
)

// Array input follows PostgreSQL's array_in: an optional [lo:hi]=
// dimension prefix, then {elem,elem,...}; elements unquoted (white space
// around them dropped, NULL for a null) or in double quotes, a backslash
// escaping the next character in either. Its structural errors are
// 22P02 "malformed array literal" with PostgreSQL's details. DriftDB's
// arrays have one dimension and lower bound 1: a well-formed array of
// more dimensions, or other bounds, is 0A000.

const maxArrayDims = 6

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func malformedArray(s, detail string) error {
	return pgcode.New(pgcode.InvalidTextRepresentation, "malformed array literal: "+quoted(s)).WithDetail(detail)
}

// Parse states of arrayCount, as array_in's.
const (
	apNoLevel = iota
	apLevelStarted
	apElemStarted
	apElemCompleted
	apQuotedElemStarted
	apQuotedElemCompleted
	apElemDelimited
	apLevelCompleted
	apLevelDelimited
)

// arrayCount checks the brace structure of s (which starts with '{') and
// returns the number of dimensions (0 for an empty array) and the size
// of each, as array_in's ArrayCount.
func arrayCount(orig, s string) (ndim int, dims []int, err error) {
	var temp, nelems, nelemsLast [maxArrayDims]int
	for i := range nelems {
		nelems[i] = 1
	}
	ndim = 1
	nest := 0
	inQuotes, empty := false, true
	state := apNoLevel
	p := 0
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	for eoArray := false; !eoArray; {
		for itemDone := false; !itemDone; {
			if state == apElemStarted || state == apQuotedElemStarted {
				empty = false
			}
			c := at(p)
			switch c {
			case 0:
				// The end of the text (or a zero byte, which ends a C string).
				return 0, nil, malformedArray(orig, "Unexpected end of input.")
			case '\\':
				if state != apLevelStarted && state != apElemStarted && state != apQuotedElemStarted && state != apElemDelimited {
					return 0, nil, malformedArray(orig, `Unexpected "\" character.`)
				}
				if state != apQuotedElemStarted {
					state = apElemStarted
				}
				if p+1 < len(s) {
					p++
				} else {
					return 0, nil, malformedArray(orig, "Unexpected end of input.")
				}
			case '"':
				if state != apLevelStarted && state != apQuotedElemStarted && state != apElemDelimited {
					return 0, nil, malformedArray(orig, "Unexpected array element.")
				}
				inQuotes = !inQuotes
				if inQuotes {
					state = apQuotedElemStarted
				} else {
					state = apQuotedElemCompleted
				}
			case '{':
				if inQuotes {
					break
				}
				if state != apNoLevel && state != apLevelStarted && state != apLevelDelimited {
					return 0, nil, malformedArray(orig, `Unexpected "{" character.`)
				}
				state = apLevelStarted
				if nest >= maxArrayDims {
					return 0, nil, pgcode.Newf(pgcode.ProgramLimitExceeded,
						"number of array dimensions (%d) exceeds the maximum allowed (%d)", nest+1, maxArrayDims)
				}
				temp[nest] = 0
				nest++
				if ndim < nest {
					ndim = nest
				}
			case '}':
				if inQuotes {
					break
				}
				if state != apElemStarted && state != apElemCompleted && state != apQuotedElemCompleted &&
					state != apLevelCompleted && !(nest == 1 && state == apLevelStarted) {
					return 0, nil, malformedArray(orig, `Unexpected "}" character.`)
				}
				state = apLevelCompleted
				if nest == 0 {
					return 0, nil, malformedArray(orig, `Unmatched "}" character.`)
				}
				nest--
				if nelemsLast[nest] != 0 && nelems[nest] != nelemsLast[nest] {
					return 0, nil, malformedArray(orig, "Multidimensional arrays must have sub-arrays with matching dimensions.")
				}
				nelemsLast[nest] = nelems[nest]
				nelems[nest] = 1
				if nest == 0 {
					eoArray, itemDone = true, true
				} else {
					temp[nest-1]++
				}
			default:
				if inQuotes {
					break
				}
				if c == ',' {
					if state != apElemStarted && state != apElemCompleted && state != apQuotedElemCompleted && state != apLevelCompleted {
						return 0, nil, malformedArray(orig, `Unexpected "," character.`)
					}
					if state == apLevelCompleted {
						state = apLevelDelimited
					} else {
						state = apElemDelimited
					}
					itemDone = true
					nelems[nest-1]++
				} else if !isArraySpace(c) {
					if state != apLevelStarted && state != apElemStarted && state != apElemDelimited {
						return 0, nil, malformedArray(orig, "Unexpected array element.")
					}
					state = apElemStarted
				}
			}
			if !itemDone {
				p++
			}
		}
		temp[ndim-1]++
		p++
	}
	for ; p < len(s); p++ {
		if !isArraySpace(s[p]) {
			return 0, nil, malformedArray(orig, "Junk after closing right brace.")
		}
	}
	if empty {
		return 0, nil, nil
	}
	return ndim, append([]int(nil), temp[:ndim]...), nil
}

// readArrayElems splits an array's braces (which arrayCount checked)
// into its elements in order, removing quotes and escapes; null marks
// the unquoted NULLs.
func readArrayElems(s string) (elems []string, null []bool) {
	p := 0
	for p < len(s) {
		if c := s[p]; c == '{' || c == '}' || c == ',' || isArraySpace(c) {
			p++
			continue
		}
		var buf []byte
		quoted, inQuotes := false, false
		end := 0 // length of buf that trailing white space may not cut into
		for p < len(s) {
			c := s[p]
			if inQuotes {
				switch c {
				case '\\':
					p++
					buf = append(buf, s[p])
				case '"':
					inQuotes = false
				default:
					buf = append(buf, c)
				}
				end = len(buf)
				p++
				continue
			}
			if c == ',' || c == '}' {
				break
			}
			switch {
			case c == '\\':
				p++
				buf = append(buf, s[p])
				end = len(buf)
				quoted = true
			case c == '"':
				inQuotes, quoted = true, true
				end = len(buf)
			default:
				buf = append(buf, c)
				if !isArraySpace(c) {
					end = len(buf)
				}
			}
			p++
		}
		buf = buf[:end]
		isNull := !quoted && len(buf) == 4 && (buf[0]|0x20) == 'n' && (buf[1]|0x20) == 'u' && (buf[2]|0x20) == 'l' && (buf[3]|0x20) == 'l'
		elems = append(elems, string(buf))
		null = append(null, isNull)
	}
	return elems, null
}

// parseArray is array_in for an array type t.
func parseArray(orig string, t *T, c *Context) (Datum, error) {
	s := orig
	i := 0
	var dims []int
	var lbounds []int
	for {
		for i < len(s) && isArraySpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '[' {
			break
		}
		i++
		if len(dims) >= maxArrayDims {
			return nil, pgcode.Newf(pgcode.ProgramLimitExceeded,
				"number of array dimensions (%d) exceeds the maximum allowed (%d)", len(dims)+1, maxArrayDims)
		}
		q := i
		for q < len(s) && (isDigit(s[q]) || s[q] == '-' || s[q] == '+') {
			q++
		}
		if q == i {
			return nil, malformedArray(orig, `"[" must introduce explicitly-specified array dimensions.`)
		}
		lb := 1
		if q < len(s) && s[q] == ':' {
			lb = atoi(s[i:q])
			i = q + 1
			for q = i; q < len(s) && (isDigit(s[q]) || s[q] == '-' || s[q] == '+'); q++ {
			}
			if q == i {
				return nil, malformedArray(orig, "Missing array dimension value.")
			}
		}
		if q >= len(s) || s[q] != ']' {
			return nil, malformedArray(orig, `Missing "]" after array dimensions.`)
		}
		ub := atoi(s[i:q])
		i = q + 1
		if ub < lb {
			return nil, pgcode.New(pgcode.ArraySubscriptError, "upper bound cannot be less than lower bound")
		}
		dims = append(dims, ub-lb+1)
		lbounds = append(lbounds, lb)
	}
	var ndim int
	var counted []int
	var err error
	if len(dims) == 0 {
		if i >= len(s) || s[i] != '{' {
			return nil, malformedArray(orig, `Array value must start with "{" or dimension information.`)
		}
		ndim, counted, err = arrayCount(orig, s[i:])
		if err != nil {
			return nil, err
		}
	} else {
		if i >= len(s) || s[i] != '=' {
			return nil, malformedArray(orig, `Missing "=" after array dimensions.`)
		}
		i++
		for i < len(s) && isArraySpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '{' {
			return nil, malformedArray(orig, `Array contents must start with "{".`)
		}
		ndim, counted, err = arrayCount(orig, s[i:])
		if err != nil {
			return nil, err
		}
		if ndim != len(dims) {
			return nil, malformedArray(orig, "Specified array dimensions do not match array contents.")
		}
		for k := range dims {
			if dims[k] != counted[k] {
				return nil, malformedArray(orig, "Specified array dimensions do not match array contents.")
			}
		}
	}
	for _, lb := range lbounds {
		if lb != 1 {
			return nil, pgcode.New(pgcode.FeatureNotSupported, "array lower bounds other than 1 are not supported")
		}
	}
	a := &DArray{Elem: t.Elem}
	if ndim == 0 {
		a.Vals = []Datum{}
		return a, nil
	}
	elems, nulls := readArrayElems(s[i:])
	a.Vals = make([]Datum, len(elems))
	for k, e := range elems {
		if nulls[k] {
			continue
		}
		v, err := ParseText(e, t.Elem, c)
		if err != nil {
			return nil, err
		}
		a.Vals[k] = v
	}
	if ndim > 1 {
		a.Dims = counted
	}
	return a, nil
}
