package types

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Date and time input follows PostgreSQL 15's datetime parser: the text is
// first cut into fields (numbers, words, dates, times, signed zones), then
// the fields are read in context, each marking in a bit mask which parts
// of the value it set, so that a part set twice is an error.

// dtErr is the outcome of decoding date/time fields; PostgreSQL's DTERR
// codes, which decide the SQLSTATE and message.
type dtErr int

const (
	dtOK dtErr = iota
	dtBadFormat
	dtFieldOverflow
	dtMDFieldOverflow
	dtIntervalOverflow
	dtTZDispOverflow
	dtBadTimezone
)

// Field kinds, as the tokenizer labels them.
const (
	ftNumber  = iota // digits, perhaps with a point (also yyyy.ddd)
	ftString         // letters only
	ftDate           // digits with - / . separators, or a zone name
	ftTime           // digits with colons
	ftTZ             // a sign and digits: a zone offset (or a signed number)
	ftSpecial        // a sign and letters: -infinity
)

type dtField struct {
	s  string // lowercased
	ft int
}

// Token types of the keyword tables. Each is also a bit of the masks of
// parts seen (tokYear is the year's bit, and so on).
const (
	tokReserved    = 0
	tokMonth       = 1
	tokYear        = 2
	tokDay         = 3
	tokJulian      = 4
	tokTZ          = 5
	tokDTZ         = 6
	tokDynTZ       = 7
	tokIgnore      = 8
	tokAMPM        = 9
	tokHour        = 10
	tokMinute      = 11
	tokSecond      = 12
	tokMillisecond = 13
	tokMicrosecond = 14
	tokDOY         = 15
	tokDOW         = 16
	tokUnits       = 17
	tokADBC        = 18
	tokAgo         = 19
	tokISOTime     = 23
	tokWeek        = 24
	tokDecade      = 25
	tokCentury     = 26
	tokMillennium  = 27
	tokDTZMod      = 28
	tokUnknown     = 31
)

func bit(t int) int { return 1 << t }

var (
	maskDate    = bit(tokYear) | bit(tokMonth) | bit(tokDay)
	maskAllSecs = bit(tokSecond) | bit(tokMillisecond) | bit(tokMicrosecond)
	maskTime    = bit(tokHour) | bit(tokMinute) | maskAllSecs
)

// Token values: the reserved words, the units, and the kind of value
// decoded (dtype).
const (
	dkDate      = 2
	dkTime      = 3
	dkTZ        = 4
	dkEarly     = 9
	dkLate      = 10
	dkEpoch     = 11
	dkNow       = 12
	dkYesterday = 13
	dkToday     = 14
	dkTomorrow  = 15
	dkZulu      = 16
	dkDelta     = 17
	dkSecond    = 18
	dkMinute    = 19
	dkHour      = 20
	dkDay       = 21
	dkWeek      = 22
	dkMonth     = 23
	dkQuarter   = 24
	dkYear      = 25
	dkDecade    = 26
	dkCentury   = 27
	dkMillenium = 28
	dkMicrosec  = 29
	dkMillisec  = 30
	dkJulian    = 31
	dkDOW       = 32
	dkDOY       = 33
	dkTZHour    = 34
	dkTZMinute  = 35
	dkISOYear   = 36
	dkISODOW    = 37

	merAM   = 0
	merPM   = 1
	merHR24 = 2
	adAD    = 0
	adBC    = 1
)

type token struct{ typ, val int }

// dateTokens are the words of date and time input (datetktbl).
var dateTokens = map[string]token{
	"-infinity": {tokReserved, dkEarly},
	"ad":        {tokADBC, adAD},
	"allballs":  {tokReserved, dkZulu},
	"am":        {tokAMPM, merAM},
	"apr":       {tokMonth, 4}, "april": {tokMonth, 4},
	"at":  {tokIgnore, 0},
	"aug": {tokMonth, 8}, "august": {tokMonth, 8},
	"bc":  {tokADBC, adBC},
	"d":   {tokUnits, dkDay},
	"dec": {tokMonth, 12}, "december": {tokMonth, 12},
	"dow":   {tokUnits, dkDOW},
	"doy":   {tokUnits, dkDOY},
	"dst":   {tokDTZMod, 3600},
	"epoch": {tokReserved, dkEpoch},
	"feb":   {tokMonth, 2}, "february": {tokMonth, 2},
	"fri": {tokDOW, 5}, "friday": {tokDOW, 5},
	"h":        {tokUnits, dkHour},
	"infinity": {tokReserved, dkLate},
	"isodow":   {tokUnits, dkISODOW},
	"isoyear":  {tokUnits, dkISOYear},
	"j":        {tokUnits, dkJulian}, "jd": {tokUnits, dkJulian}, "julian": {tokUnits, dkJulian},
	"jan": {tokMonth, 1}, "january": {tokMonth, 1},
	"jul": {tokMonth, 7}, "july": {tokMonth, 7},
	"jun": {tokMonth, 6}, "june": {tokMonth, 6},
	"m":   {tokUnits, dkMonth},
	"mar": {tokMonth, 3}, "march": {tokMonth, 3},
	"may": {tokMonth, 5},
	"mm":  {tokUnits, dkMinute},
	"mon": {tokDOW, 1}, "monday": {tokDOW, 1},
	"nov": {tokMonth, 11}, "november": {tokMonth, 11},
	"now": {tokReserved, dkNow},
	"oct": {tokMonth, 10}, "october": {tokMonth, 10},
	"on":  {tokIgnore, 0},
	"pm":  {tokAMPM, merPM},
	"s":   {tokUnits, dkSecond},
	"sat": {tokDOW, 6}, "saturday": {tokDOW, 6},
	"sep": {tokMonth, 9}, "sept": {tokMonth, 9}, "september": {tokMonth, 9},
	"sun": {tokDOW, 0}, "sunday": {tokDOW, 0},
	"t":   {tokISOTime, dkTime},
	"thu": {tokDOW, 4}, "thur": {tokDOW, 4}, "thurs": {tokDOW, 4}, "thursday": {tokDOW, 4},
	"today":    {tokReserved, dkToday},
	"tomorrow": {tokReserved, dkTomorrow},
	"tue":      {tokDOW, 2}, "tues": {tokDOW, 2}, "tuesday": {tokDOW, 2},
	"wed": {tokDOW, 3}, "wednesday": {tokDOW, 3}, "weds": {tokDOW, 3},
	"y":         {tokUnits, dkYear},
	"yesterday": {tokReserved, dkYesterday},
}

// deltaTokens are the words of interval input (deltatktbl).
var deltaTokens = map[string]token{
	"@":   {tokIgnore, 0},
	"ago": {tokAgo, 0},
	"c":   {tokUnits, dkCentury}, "cent": {tokUnits, dkCentury}, "centuries": {tokUnits, dkCentury}, "century": {tokUnits, dkCentury},
	"d": {tokUnits, dkDay}, "day": {tokUnits, dkDay}, "days": {tokUnits, dkDay},
	"dec": {tokUnits, dkDecade}, "decade": {tokUnits, dkDecade}, "decades": {tokUnits, dkDecade}, "decs": {tokUnits, dkDecade},
	"h": {tokUnits, dkHour}, "hour": {tokUnits, dkHour}, "hours": {tokUnits, dkHour}, "hr": {tokUnits, dkHour}, "hrs": {tokUnits, dkHour},
	"m":          {tokUnits, dkMinute},
	"microsecon": {tokUnits, dkMicrosec},
	"mil":        {tokUnits, dkMillenium}, "millennia": {tokUnits, dkMillenium}, "millennium": {tokUnits, dkMillenium}, "mils": {tokUnits, dkMillenium},
	"millisecon": {tokUnits, dkMillisec},
	"min":        {tokUnits, dkMinute}, "mins": {tokUnits, dkMinute}, "minute": {tokUnits, dkMinute}, "minutes": {tokUnits, dkMinute},
	"mon": {tokUnits, dkMonth}, "mons": {tokUnits, dkMonth}, "month": {tokUnits, dkMonth}, "months": {tokUnits, dkMonth},
	"ms": {tokUnits, dkMillisec}, "msec": {tokUnits, dkMillisec}, "msecs": {tokUnits, dkMillisec},
	"mseconds": {tokUnits, dkMillisec}, "millisecond": {tokUnits, dkMillisec},
	"qtr": {tokUnits, dkQuarter}, "quarter": {tokUnits, dkQuarter},
	"s": {tokUnits, dkSecond}, "sec": {tokUnits, dkSecond}, "second": {tokUnits, dkSecond},
	"seconds": {tokUnits, dkSecond}, "secs": {tokUnits, dkSecond},
	"timezone": {tokUnits, dkTZ}, "timezone_h": {tokUnits, dkTZHour}, "timezone_m": {tokUnits, dkTZMinute},
	"us": {tokUnits, dkMicrosec}, "usec": {tokUnits, dkMicrosec}, "microsecond": {tokUnits, dkMicrosec},
	"useconds": {tokUnits, dkMicrosec}, "usecs": {tokUnits, dkMicrosec},
	"w": {tokUnits, dkWeek}, "week": {tokUnits, dkWeek}, "weeks": {tokUnits, dkWeek},
	"y": {tokUnits, dkYear}, "year": {tokUnits, dkYear}, "years": {tokUnits, dkYear}, "yr": {tokUnits, dkYear}, "yrs": {tokUnits, dkYear},
}

// tokMaxLen is how much of a word is compared with the tables: longer
// words match on their first ten letters ("microseconds").
const tokMaxLen = 10

func lookupToken(tbl map[string]token, s string) (token, bool) {
	if len(s) > tokMaxLen {
		s = s[:tokMaxLen]
	}
	t, ok := tbl[s]
	return t, ok
}

// decodeSpecial looks a word up among the date/time keywords.
func decodeSpecial(s string) token {
	if t, ok := lookupToken(dateTokens, s); ok {
		return t
	}
	return token{tokUnknown, 0}
}

// decodeUnits looks a word up among the interval units.
func decodeUnits(s string) token {
	if t, ok := lookupToken(deltaTokens, s); ok {
		return t
	}
	return token{tokUnknown, 0}
}

// decodeZoneAbbrev looks a word up among the time zone abbreviations;
// the value is the offset in seconds east of UTC.
func decodeZoneAbbrev(s string) token {
	if z, ok := zoneAbbrevs[s]; ok {
		if z.dst {
			return token{tokDTZ, int(z.offset)}
		}
		return token{tokTZ, int(z.offset)}
	}
	return token{tokUnknown, 0}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
func isPunct(c byte) bool { return c > ' ' && c < 0x7f && !isAlnum(c) }
func toLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

const (
	maxDateFields = 25
	// The work buffers of the input functions bound the text they take:
	// dates and times 128 bytes of fields, intervals 256.
	dateWorkBuf     = 128 + maxDateFields
	intervalWorkBuf = 256
)

// parseDateTime cuts date/time text into fields. buflen bounds the bytes
// of all fields with one separator each, as PostgreSQL's work buffer.
func parseDateTime(s string, buflen int) ([]dtField, dtErr) {
	fields := make([]dtField, 0, 8)
	var ends []int // where each field's text ends in buf
	buf := make([]byte, 0, min(len(s), buflen))
	used := 0 // bytes of the work buffer taken, separators included
	add := func(c byte) bool {
		if used+1 >= buflen {
			return false
		}
		buf = append(buf, c)
		used++
		return true
	}
	i := 0
	for i < len(s) {
		c := s[i]
		if isSpace(c) {
			i++
			continue
		}
		if len(fields) >= maxDateFields {
			return nil, dtBadFormat
		}
		start := len(buf)
		var ft int
		switch {
		case isDigit(c):
			for i < len(s) && isDigit(s[i]) {
				if !add(s[i]) {
					return nil, dtBadFormat
				}
				i++
			}
			switch {
			case i < len(s) && s[i] == ':':
				ft = ftTime
				for i < len(s) && (isDigit(s[i]) || s[i] == ':' || s[i] == '.') {
					if !add(s[i]) {
						return nil, dtBadFormat
					}
					i++
				}
			case i < len(s) && (s[i] == '-' || s[i] == '/' || s[i] == '.'):
				delim := s[i]
				if !add(delim) {
					return nil, dtBadFormat
				}
				i++
				if i < len(s) && isDigit(s[i]) {
					ft = ftDate
					if delim == '.' {
						ft = ftNumber
					}
					for i < len(s) && isDigit(s[i]) {
						if !add(s[i]) {
							return nil, dtBadFormat
						}
						i++
					}
					if i < len(s) && s[i] == delim {
						ft = ftDate
						for i < len(s) && (isDigit(s[i]) || s[i] == delim) {
							if !add(s[i]) {
								return nil, dtBadFormat
							}
							i++
						}
					}
				} else {
					ft = ftDate
					for i < len(s) && (isAlnum(s[i]) || s[i] == delim) {
						if !add(toLower(s[i])) {
							return nil, dtBadFormat
						}
						i++
					}
				}
			default:
				ft = ftNumber
			}
		case c == '.':
			ft = ftNumber
			for ok := true; ok; ok = i < len(s) && isDigit(s[i]) {
				if !add(s[i]) {
					return nil, dtBadFormat
				}
				i++
			}
		case isAlpha(c):
			ft = ftString
			for i < len(s) && isAlpha(s[i]) {
				if !add(toLower(s[i])) {
					return nil, dtBadFormat
				}
				i++
			}
			// A word followed by - / . is a date with a month name, or a
			// zone name; followed by a digit or +, a zone name (GMT+3,
			// Etc/GMT-2) unless the word is a keyword (j2451545, t12:00).
			isDate := false
			if i < len(s) {
				switch n := s[i]; {
				case n == '-' || n == '/' || n == '.':
					isDate = true
				case n == '+' || isDigit(n):
					if _, ok := lookupToken(dateTokens, string(buf[start:])); !ok {
						isDate = true
					}
				}
			}
			if isDate {
				ft = ftDate
				for ok := true; ok; ok = i < len(s) && (s[i] == '+' || s[i] == '-' || s[i] == '/' ||
					s[i] == '_' || s[i] == '.' || s[i] == ':' || isAlnum(s[i])) {
					if !add(toLower(s[i])) {
						return nil, dtBadFormat
					}
					i++
				}
			}
		case c == '+' || c == '-':
			if !add(c) {
				return nil, dtBadFormat
			}
			i++
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			switch {
			case i < len(s) && isDigit(s[i]):
				ft = ftTZ
				for ok := true; ok; ok = i < len(s) && (isDigit(s[i]) || s[i] == ':' || s[i] == '.' || s[i] == '-') {
					if !add(s[i]) {
						return nil, dtBadFormat
					}
					i++
				}
			case i < len(s) && isAlpha(s[i]):
				ft = ftSpecial
				for i < len(s) && isAlpha(s[i]) {
					if !add(toLower(s[i])) {
						return nil, dtBadFormat
					}
					i++
				}
			default:
				return nil, dtBadFormat
			}
		case isPunct(c):
			i++
			continue
		default:
			return nil, dtBadFormat
		}
		fields = append(fields, dtField{ft: ft})
		ends = append(ends, len(buf))
		used++ // the separator after each field
	}
	// One string for all the fields' text, cut into them.
	all := string(buf)
	start := 0
	for i, end := range ends {
		fields[i].s = all[start:end]
		start = end
	}
	return fields, dtOK
}

// strtoint reads an optionally signed decimal int32 at the start of s as
// strtol would (leading spaces allowed); n is the bytes read (0: none).
// overflow reports a value beyond int32.
func strtoint(s string) (v int, n int, overflow bool) {
	v64, n, overflow := strtoi64(s)
	if v64 > math.MaxInt32 || v64 < math.MinInt32 {
		overflow = true
	}
	return int(v64), n, overflow
}

// strtoi64 is strtoint for int64.
func strtoi64(s string) (v int64, n int, overflow bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	for i < len(s) && isDigit(s[i]) {
		d := uint64(s[i] - '0')
		if u > (math.MaxUint64-d)/10 {
			overflow = true
		} else {
			u = u*10 + d
		}
		i++
	}
	if i == start {
		return 0, 0, false
	}
	switch {
	case overflow:
	case neg && u > 1<<63:
		overflow = true
	case !neg && u > math.MaxInt64:
		overflow = true
	case neg:
		v = -int64(u)
	default:
		v = int64(u)
	}
	return v, i, overflow
}

// atoi reads leading digits as C's atoi, without overflow checks beyond
// keeping the value in range.
func atoi(s string) int {
	v, _, _ := strtoint(s)
	return v
}

// parseFraction reads "." followed by digits (a lone "." is 0).
func parseFraction(s string) (float64, dtErr) {
	if len(s) == 0 || s[0] != '.' {
		return 0, dtBadFormat
	}
	if len(s) == 1 {
		return 0, dtOK
	}
	for i := 1; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, dtBadFormat
		}
	}
	f, err := strconv.ParseFloat("0"+s, 64)
	if err != nil {
		return 0, dtBadFormat
	}
	return f, dtOK
}

// parseFractionalSecond reads a fraction as microseconds, rounded half to
// even as rint does.
func parseFractionalSecond(s string) (int64, dtErr) {
	f, e := parseFraction(s)
	if e != dtOK {
		return 0, e
	}
	return int64(math.RoundToEven(f * 1e6)), dtOK
}

// dtDecoder holds the state of decoding the fields of one value.
type dtDecoder struct {
	c         *Context
	tm        tm
	tz        int // seconds west of UTC, as PostgreSQL keeps it
	fmask     int
	dtype     int
	mer       int
	textMonth bool
	isJulian  bool
	is2digits bool
	bc        bool
	namedTz   *time.Location
	badTzName string
	fields    []dtField
}

// decodeDate reads a field like 2025-01-31, 31/Jan/2025 or 2025.031.
func (d *dtDecoder) decodeDate(str string, fmask int) (tmask int, e dtErr) {
	var parts []string
	for len(str) > 0 && len(parts) < maxDateFields {
		for len(str) > 0 && !isAlnum(str[0]) {
			str = str[1:]
		}
		if len(str) == 0 {
			return 0, dtBadFormat // a separator at the end
		}
		n := 0
		if isDigit(str[0]) {
			for n < len(str) && isDigit(str[n]) {
				n++
			}
		} else {
			for n < len(str) && isAlpha(str[n]) {
				n++
			}
		}
		parts = append(parts, str[:n])
		str = str[n:]
		if len(str) > 0 {
			str = str[1:] // the character after a part is dropped, whatever it is
		}
	}
	textMonth := false
	for i, p := range parts {
		if !isAlpha(p[0]) {
			continue
		}
		tk := decodeSpecial(p)
		if tk.typ == tokIgnore {
			continue
		}
		if tk.typ != tokMonth {
			return 0, dtBadFormat
		}
		d.tm.mon = tk.val
		textMonth = true
		m := bit(tokMonth)
		if fmask&m != 0 {
			return 0, dtBadFormat
		}
		fmask |= m
		tmask |= m
		parts[i] = ""
	}
	for _, p := range parts {
		if p == "" || isAlpha(p[0]) {
			continue
		}
		dmask, e := d.decodeNumber(p, textMonth, fmask)
		if e != dtOK {
			return 0, e
		}
		if fmask&dmask != 0 {
			return 0, dtBadFormat
		}
		fmask |= dmask
		tmask |= dmask
	}
	if fmask&^(bit(tokDOY)|bit(tokTZ)) != maskDate {
		return 0, dtBadFormat
	}
	return tmask, dtOK
}

// validateDate checks the year, month and day read, applying BC, two-digit
// years and a day of the year.
func (d *dtDecoder) validateDate(fmask int) dtErr {
	t := &d.tm
	if fmask&bit(tokYear) != 0 {
		switch {
		case d.isJulian:
		case d.bc:
			if t.year <= 0 {
				return dtFieldOverflow
			}
			t.year = -(t.year - 1)
		case d.is2digits:
			if t.year < 0 {
				return dtFieldOverflow
			}
			if t.year < 70 {
				t.year += 2000
			} else if t.year < 100 {
				t.year += 1900
			}
		default:
			if t.year <= 0 {
				return dtFieldOverflow
			}
		}
	}
	if fmask&bit(tokDOY) != 0 {
		t.year, t.mon, t.mday = j2date(date2j(t.year, 1, 1) + t.yday - 1)
	}
	if fmask&bit(tokMonth) != 0 && (t.mon < 1 || t.mon > 12) {
		return dtMDFieldOverflow
	}
	if fmask&bit(tokDay) != 0 && (t.mday < 1 || t.mday > 31) {
		return dtMDFieldOverflow
	}
	if fmask&maskDate == maskDate && t.mday > monthDays(t.year, t.mon) {
		return dtFieldOverflow
	}
	return dtOK
}

// decodeTime reads hh:mm[:ss[.fff]] (or mm:ss.fff).
func decodeTime(str string) (hour int64, minute, sec int, usec int64, e dtErr) {
	return decodeTimeRange(str, intervalFullRange)
}

// decodeTimeRange is decodeTime for an interval whose fields are rng:
// MINUTE TO SECOND reads hh:mm as mm:ss.
func decodeTimeRange(str string, rng int32) (hour int64, minute, sec int, usec int64, e dtErr) {
	hour, n, of := strtoi64(str)
	if of {
		return 0, 0, 0, 0, dtFieldOverflow
	}
	cp := str[n:]
	if n == 0 || len(cp) == 0 || cp[0] != ':' {
		return 0, 0, 0, 0, dtBadFormat
	}
	minute, n, of = strtoint(cp[1:])
	if of {
		return 0, 0, 0, 0, dtFieldOverflow
	}
	cp = cp[1+n:]
	switch {
	case len(cp) == 0:
		if rng == ivMinute|ivSecond {
			if hour > math.MaxInt32 || hour < math.MinInt32 {
				return 0, 0, 0, 0, dtFieldOverflow
			}
			sec, minute, hour = minute, int(hour), 0
		}
	case cp[0] == '.':
		// mm:ss.fff
		usec, e = parseFractionalSecond(cp)
		if e != dtOK {
			return 0, 0, 0, 0, e
		}
		if hour > math.MaxInt32 || hour < math.MinInt32 {
			return 0, 0, 0, 0, dtFieldOverflow
		}
		sec, minute, hour = minute, int(hour), 0
	case cp[0] == ':':
		sec, n, of = strtoint(cp[1:])
		if of {
			return 0, 0, 0, 0, dtFieldOverflow
		}
		cp = cp[1+n:]
		if len(cp) > 0 {
			if cp[0] != '.' {
				return 0, 0, 0, 0, dtBadFormat
			}
			usec, e = parseFractionalSecond(cp)
			if e != dtOK {
				return 0, 0, 0, 0, e
			}
		}
	default:
		return 0, 0, 0, 0, dtBadFormat
	}
	if hour < 0 || minute < 0 || minute > 59 || sec < 0 || sec > 60 || usec < 0 || usec > usecsPerSec {
		return 0, 0, 0, 0, dtFieldOverflow
	}
	return hour, minute, sec, usec, dtOK
}

func (d *dtDecoder) decodeTimeField(str string) (int, dtErr) {
	h, m, s, us, e := decodeTime(str)
	if e != dtOK {
		return 0, e
	}
	if h > math.MaxInt32 {
		return 0, dtFieldOverflow
	}
	d.tm.hour, d.tm.min, d.tm.sec, d.tm.usec = int(h), m, s, us
	return maskTime, dtOK
}

func timeOverflows(hour, minute, sec int, usec int64) bool {
	if hour < 0 || hour > 24 || minute < 0 || minute >= 60 || sec < 0 || sec > 60 || usec < 0 || usec > usecsPerSec {
		return true
	}
	return ((int64(hour)*60+int64(minute))*60+int64(sec))*usecsPerSec+usec > usecsPerDay
}

// decodeNumber reads a field of digits as the next part of a date, by
// what has been read so far and the DateOrder.
func (d *dtDecoder) decodeNumber(str string, textMonth bool, fmask int) (tmask int, e dtErr) {
	flen := len(str)
	val, n, of := strtoint(str)
	if of {
		return 0, dtFieldOverflow
	}
	if n == 0 {
		return 0, dtBadFormat
	}
	cp := str[n:]
	if len(cp) > 0 && cp[0] == '.' {
		// More than two digits before the point: a date or a run-together
		// time (2001.360, 20011225.5, 040506.789).
		if n > 2 {
			tmask, _, e := d.decodeNumberField(str, fmask|maskDate)
			return tmask, e
		}
		us, e := parseFractionalSecond(cp)
		if e != dtOK {
			return 0, e
		}
		d.tm.usec = us
	} else if len(cp) > 0 {
		return 0, dtBadFormat
	}
	t := &d.tm
	// A three-digit number after a year is the day of the year.
	if flen == 3 && fmask&maskDate == bit(tokYear) && val >= 1 && val <= 366 {
		t.yday = val
		return bit(tokDOY) | bit(tokMonth) | bit(tokDay), dtOK
	}
	order := d.c.DateOrder
	switch fmask & maskDate {
	case 0:
		// Nothing yet: a year of more than two digits, or the first part
		// in DateOrder.
		switch {
		case flen >= 3 || order == DateOrderYMD:
			tmask, t.year = bit(tokYear), val
		case order == DateOrderDMY:
			tmask, t.mday = bit(tokDay), val
		default:
			tmask, t.mon = bit(tokMonth), val
		}
	case bit(tokYear):
		tmask, t.mon = bit(tokMonth), val
	case bit(tokMonth):
		if textMonth {
			if flen >= 3 || order == DateOrderYMD {
				tmask, t.year = bit(tokYear), val
			} else {
				tmask, t.mday = bit(tokDay), val
			}
		} else {
			tmask, t.mday = bit(tokDay), val
		}
	case bit(tokYear) | bit(tokMonth):
		if textMonth && flen >= 3 && d.is2digits {
			// DD-MON-YYYY: what was taken for a two-digit year is the day.
			tmask = bit(tokDay)
			t.mday, t.year = t.year, val
			d.is2digits = false
		} else {
			tmask, t.mday = bit(tokDay), val
		}
	case bit(tokDay):
		tmask, t.mon = bit(tokMonth), val
	case bit(tokMonth) | bit(tokDay):
		tmask, t.year = bit(tokYear), val
	case maskDate:
		tmask, _, e := d.decodeNumberField(str, fmask)
		return tmask, e
	default:
		return 0, dtBadFormat
	}
	if tmask == bit(tokYear) {
		d.is2digits = flen <= 2
	}
	return tmask, dtOK
}

// decodeNumberField reads run-together digits: yyyymmdd, yymmdd, hhmmss,
// hhmm, perhaps with a fraction. kind is dkDate or dkTime.
func (d *dtDecoder) decodeNumberField(str string, fmask int) (tmask, kind int, e dtErr) {
	t := &d.tm
	if i := strings.IndexByte(str, '.'); i >= 0 {
		frac := str[i:]
		j := 1
		for j < len(frac) && isDigit(frac[j]) {
			j++
		}
		f, _ := parseFraction(frac[:j])
		t.usec = int64(math.RoundToEven(f * 1e6))
		str = str[:i]
	} else if fmask&maskDate != maskDate {
		if len(str) >= 6 {
			n := len(str)
			t.mday = atoi(str[n-2:])
			t.mon = atoi(str[n-4 : n-2])
			t.year = atoi(str[:n-4])
			if n-4 == 2 {
				d.is2digits = true
			}
			return maskDate, dkDate, dtOK
		}
	}
	if fmask&maskTime != maskTime {
		switch len(str) {
		case 6:
			t.sec = atoi(str[4:6])
			t.min = atoi(str[2:4])
			t.hour = atoi(str[:2])
			return maskTime, dkTime, dtOK
		case 4:
			t.sec = 0
			t.min = atoi(str[2:4])
			t.hour = atoi(str[:2])
			return maskTime, dkTime, dtOK
		}
	}
	return 0, 0, dtBadFormat
}

// decodeTimezone reads a numeric zone: +hh, +hhmm, +hh:mm, +hh:mm:ss.
// The result is in seconds west of UTC.
func decodeTimezone(str string) (int, dtErr) {
	if len(str) == 0 || (str[0] != '+' && str[0] != '-') {
		return 0, dtBadFormat
	}
	hr, n, of := strtoint(str[1:])
	if of {
		return 0, dtTZDispOverflow
	}
	cp := str[1+n:]
	mn, sec := 0, 0
	switch {
	case len(cp) > 0 && cp[0] == ':':
		mn, n, of = strtoint(cp[1:])
		if of {
			return 0, dtTZDispOverflow
		}
		cp = cp[1+n:]
		if len(cp) > 0 && cp[0] == ':' {
			sec, n, of = strtoint(cp[1:])
			if of {
				return 0, dtTZDispOverflow
			}
			cp = cp[1+n:]
		}
	case len(cp) == 0 && len(str) > 3:
		mn = hr % 100
		hr /= 100
	}
	if hr < 0 || hr > 15 || mn < 0 || mn >= 60 || sec < 0 || sec >= 60 {
		return 0, dtTZDispOverflow
	}
	tz := (hr*60+mn)*60 + sec
	if str[0] == '-' {
		tz = -tz
	}
	if len(cp) > 0 {
		return -tz, dtBadFormat
	}
	return -tz, dtOK
}

// currentFields returns the session's current date and time, broken
// down in its time zone, and the zone's offset (seconds west).
func (d *dtDecoder) currentFields() (tm, int) {
	now := d.c.now()
	ts := int64(TimestampTZFromTime(now))
	off := offsetOfTimestamp(d.c.location(), ts)
	t, _ := splitTimestamp(ts + int64(off)*usecsPerSec)
	return t, -off
}

// decodeDateTime reads the fields of a date, timestamp or timestamptz.
// It returns dtOK with dtype dkDate for a full date, or dtype dkEarly,
// dkLate or dkEpoch. A time without a date is dtBadFormat.
func (d *dtDecoder) decodeDateTime() dtErr {
	d.dtype = dkDate
	d.mer = merHR24
	fields := d.fields
	ptype := 0
	for i := 0; i < len(fields); i++ {
		f := fields[i].s
		var tmask int
		switch fields[i].ft {
		case ftDate:
			switch {
			case ptype == dkJulian:
				// A Julian day with a zone attached.
				v, n, of := strtoint(f)
				if of || v < 0 {
					return dtFieldOverflow
				}
				d.tm.year, d.tm.mon, d.tm.mday = j2date(v)
				d.isJulian = true
				tz, e := decodeTimezone(f[n:])
				if e != dtOK {
					return e
				}
				d.tz = tz
				tmask = maskDate | maskTime | bit(tokTZ)
				ptype = 0
			case ptype != 0 || d.fmask&(bit(tokMonth)|bit(tokDay)) == bit(tokMonth)|bit(tokDay):
				// With the date read already: a zone name, or a
				// run-together time with a zone (hhmmss-zz).
				if isDigit(f[0]) || ptype != 0 {
					if ptype != 0 {
						if ptype != dkTime {
							return dtBadFormat
						}
						ptype = 0
					}
					if d.fmask&maskTime == maskTime {
						return dtBadFormat
					}
					j := strings.IndexByte(f, '-')
					if j < 0 {
						return dtBadFormat
					}
					tz, e := decodeTimezone(f[j:])
					if e != dtOK {
						return e
					}
					d.tz = tz
					m, _, e := d.decodeNumberField(f[:j], d.fmask)
					if e != dtOK {
						return e
					}
					tmask = m | bit(tokTZ)
				} else {
					loc := lookupZone(f)
					if loc == nil {
						d.badTzName = f
						return dtBadTimezone
					}
					d.namedTz = loc
					tmask = bit(tokTZ)
				}
			default:
				m, e := d.decodeDate(f, d.fmask)
				if e != dtOK {
					return e
				}
				tmask = m
			}
		case ftTime:
			if ptype != 0 {
				if ptype != dkTime {
					return dtBadFormat
				}
				ptype = 0
			}
			m, e := d.decodeTimeField(f)
			if e != dtOK {
				return e
			}
			if timeOverflows(d.tm.hour, d.tm.min, d.tm.sec, d.tm.usec) {
				return dtFieldOverflow
			}
			tmask = m
		case ftTZ:
			tz, e := decodeTimezone(f)
			if e != dtOK {
				return e
			}
			d.tz = tz
			tmask = bit(tokTZ)
		case ftNumber:
			if ptype != 0 {
				m, e := d.decodeLabelled(f, ptype)
				if e != dtOK {
					return e
				}
				tmask = m
				ptype = 0
				d.dtype = dkDate
				break
			}
			flen := len(f)
			dot := strings.IndexByte(f, '.')
			switch {
			case dot >= 0 && d.fmask&maskDate == 0:
				m, e := d.decodeDate(f, d.fmask)
				if e != dtOK {
					return e
				}
				tmask = m
			case dot > 2:
				m, _, e := d.decodeNumberField(f, d.fmask)
				if e != dtOK {
					return e
				}
				tmask = m
			case flen >= 6 && (d.fmask&maskDate == 0 || d.fmask&maskTime == 0):
				m, _, e := d.decodeNumberField(f, d.fmask)
				if e != dtOK {
					return e
				}
				tmask = m
			default:
				m, e := d.decodeNumber(f, d.textMonth, d.fmask)
				if e != dtOK {
					return e
				}
				tmask = m
			}
		case ftString, ftSpecial:
			tk := decodeZoneAbbrev(f)
			if tk.typ == tokUnknown {
				tk = decodeSpecial(f)
			}
			if tk.typ == tokIgnore {
				continue
			}
			tmask = bit(tk.typ)
			switch tk.typ {
			case tokReserved:
				switch tk.val {
				case dkNow:
					tmask = maskDate | maskTime | bit(tokTZ)
					d.dtype = dkDate
					now := d.c.now()
					ts := int64(TimestampTZFromTime(now))
					off := offsetOfTimestamp(d.c.location(), ts)
					t, _ := splitTimestamp(ts + int64(off)*usecsPerSec)
					d.tm.year, d.tm.mon, d.tm.mday = t.year, t.mon, t.mday
					d.tm.hour, d.tm.min, d.tm.sec, d.tm.usec = t.hour, t.min, t.sec, t.usec
					d.tz = -off
				case dkYesterday, dkToday, dkTomorrow:
					tmask = maskDate
					d.dtype = dkDate
					cur, _ := d.currentFields()
					delta := map[int]int{dkYesterday: -1, dkToday: 0, dkTomorrow: 1}[tk.val]
					d.tm.year, d.tm.mon, d.tm.mday = j2date(date2j(cur.year, cur.mon, cur.mday) + delta)
				case dkZulu:
					tmask = maskTime | bit(tokTZ)
					d.dtype = dkDate
					d.tm.hour, d.tm.min, d.tm.sec = 0, 0, 0
					d.tz = 0
				default:
					d.dtype = tk.val
				}
			case tokMonth:
				// A number read as the month before a month name was the
				// day.
				if d.fmask&bit(tokMonth) != 0 && !d.textMonth && d.fmask&bit(tokDay) == 0 &&
					d.tm.mon >= 1 && d.tm.mon <= 31 {
					d.tm.mday = d.tm.mon
					tmask = bit(tokDay)
				}
				d.textMonth = true
				d.tm.mon = tk.val
			case tokDTZMod:
				tmask |= bit(tokDTZ)
				d.tz -= tk.val
			case tokDTZ:
				tmask |= bit(tokTZ)
				d.tz = -tk.val
			case tokTZ:
				d.tz = -tk.val
			case tokAMPM:
				d.mer = tk.val
			case tokADBC:
				d.bc = tk.val == adBC
			case tokDOW:
			case tokUnits:
				tmask = 0
				ptype = tk.val
			case tokISOTime:
				tmask = 0
				if d.fmask&maskDate != maskDate {
					return dtBadFormat
				}
				if i >= len(fields)-1 || (fields[i+1].ft != ftNumber && fields[i+1].ft != ftTime && fields[i+1].ft != ftDate) {
					return dtBadFormat
				}
				ptype = tk.val
			case tokUnknown:
				loc := lookupZone(f)
				if loc == nil {
					return dtBadFormat
				}
				d.namedTz = loc
				tmask = bit(tokTZ)
			default:
				return dtBadFormat
			}
		default:
			return dtBadFormat
		}
		if tmask&d.fmask != 0 {
			return dtBadFormat
		}
		d.fmask |= tmask
	}
	if e := d.validateDate(d.fmask); e != dtOK {
		return e
	}
	if e := d.applyMeridian(); e != dtOK {
		return e
	}
	if d.dtype == dkDate {
		if d.fmask&maskDate != maskDate {
			return dtBadFormat
		}
		if d.namedTz != nil {
			if d.fmask&bit(tokDTZMod) != 0 {
				return dtBadFormat
			}
			d.tz = -localOffset(&d.tm, d.namedTz)
		}
		if d.fmask&bit(tokTZ) == 0 {
			if d.fmask&bit(tokDTZMod) != 0 {
				return dtBadFormat
			}
			d.tz = -localOffset(&d.tm, d.c.location())
		}
	}
	return dtOK
}

func (d *dtDecoder) applyMeridian() dtErr {
	if d.mer != merHR24 && d.tm.hour > 12 {
		return dtFieldOverflow
	}
	if d.mer == merAM && d.tm.hour == 12 {
		d.tm.hour = 0
	} else if d.mer == merPM && d.tm.hour != 12 {
		d.tm.hour += 12
	}
	return dtOK
}

// decodeLabelled reads a number that follows a unit word: y2001 m02 d04,
// h12, j2451545, t040506.
func (d *dtDecoder) decodeLabelled(f string, ptype int) (int, dtErr) {
	val, n, of := strtoint(f)
	if of {
		return 0, dtFieldOverflow
	}
	cp := f[n:]
	if len(cp) > 0 && cp[0] == '.' {
		if ptype != dkJulian && ptype != dkTime && ptype != dkSecond {
			return 0, dtBadFormat
		}
	} else if len(cp) > 0 {
		return 0, dtBadFormat
	}
	t := &d.tm
	switch ptype {
	case dkYear:
		t.year = val
		return bit(tokYear), dtOK
	case dkMonth:
		if d.fmask&bit(tokMonth) != 0 && d.fmask&bit(tokHour) != 0 {
			t.min = val
			return bit(tokMinute), dtOK
		}
		t.mon = val
		return bit(tokMonth), dtOK
	case dkDay:
		t.mday = val
		return bit(tokDay), dtOK
	case dkHour:
		t.hour = val
		return bit(tokHour), dtOK
	case dkMinute:
		t.min = val
		return bit(tokMinute), dtOK
	case dkSecond:
		t.sec = val
		if len(cp) > 0 {
			us, e := parseFractionalSecond(cp)
			if e != dtOK {
				return 0, e
			}
			t.usec = us
			return maskAllSecs, dtOK
		}
		return bit(tokSecond), dtOK
	case dkTZ:
		tz, e := decodeTimezone(f)
		if e != dtOK {
			return 0, e
		}
		d.tz = tz
		return bit(tokTZ), dtOK
	case dkJulian:
		if val < 0 {
			return 0, dtFieldOverflow
		}
		t.year, t.mon, t.mday = j2date(val)
		d.isJulian = true
		m := maskDate
		if len(cp) > 0 {
			frac, e := parseFraction(cp)
			if e != dtOK {
				return 0, e
			}
			us := int64(frac * float64(usecsPerDay))
			t.hour = int(us / usecsPerHour)
			us -= int64(t.hour) * usecsPerHour
			t.min = int(us / usecsPerMin)
			us -= int64(t.min) * usecsPerMin
			t.sec = int(us / usecsPerSec)
			t.usec = us - int64(t.sec)*usecsPerSec
			m |= maskTime
		}
		return m, dtOK
	case dkTime:
		m, _, e := d.decodeNumberField(f, d.fmask|maskDate)
		if e != dtOK {
			return 0, e
		}
		if m != maskTime {
			return 0, dtBadFormat
		}
		return m, dtOK
	}
	return 0, dtBadFormat
}

// decodeTimeOnly reads the fields of a time of day (time input). A date
// may come first; zones are read and returned in d.tz.
func (d *dtDecoder) decodeTimeOnly() dtErr {
	d.dtype = dkTime
	d.mer = merHR24
	fields := d.fields
	nf := len(fields)
	ptype := 0
	for i := 0; i < nf; i++ {
		f := fields[i].s
		var tmask int
		switch fields[i].ft {
		case ftDate:
			if i == 0 && nf >= 2 && (fields[nf-1].ft == ftDate || fields[1].ft == ftTime) {
				m, e := d.decodeDate(f, d.fmask)
				if e != dtOK {
					return e
				}
				tmask = m
			} else if isDigit(f[0]) {
				if d.fmask&maskTime == maskTime {
					return dtBadFormat
				}
				j := strings.IndexByte(f, '-')
				if j < 0 {
					return dtBadFormat
				}
				tz, e := decodeTimezone(f[j:])
				if e != dtOK {
					return e
				}
				d.tz = tz
				m, kind, e := d.decodeNumberField(f[:j], d.fmask|maskDate)
				if e != dtOK {
					return e
				}
				fields[i].ft = kindToField(kind)
				tmask = m | bit(tokTZ)
			} else {
				loc := lookupZone(f)
				if loc == nil {
					d.badTzName = f
					return dtBadTimezone
				}
				d.namedTz = loc
				fields[i].ft = ftTZ
				tmask = bit(tokTZ)
			}
		case ftTime:
			if ptype != 0 {
				if ptype != dkTime {
					return dtBadFormat
				}
				ptype = 0
			}
			m, e := d.decodeTimeField(f)
			if e != dtOK {
				return e
			}
			tmask = m
		case ftTZ:
			tz, e := decodeTimezone(f)
			if e != dtOK {
				return e
			}
			d.tz = tz
			tmask = bit(tokTZ)
		case ftNumber:
			if ptype != 0 {
				m, e := d.decodeLabelled(f, ptype)
				if e != dtOK {
					return e
				}
				tmask = m
				ptype = 0
				d.dtype = dkDate
				break
			}
			dot := strings.IndexByte(f, '.')
			switch {
			case dot >= 0:
				if i == 0 && nf >= 2 && fields[nf-1].ft == ftDate {
					m, e := d.decodeDate(f, d.fmask)
					if e != dtOK {
						return e
					}
					tmask = m
				} else if dot > 2 {
					m, kind, e := d.decodeNumberField(f, d.fmask|maskDate)
					if e != dtOK {
						return e
					}
					fields[i].ft = kindToField(kind)
					tmask = m
				} else {
					return dtBadFormat
				}
			case len(f) > 4:
				m, kind, e := d.decodeNumberField(f, d.fmask|maskDate)
				if e != dtOK {
					return e
				}
				fields[i].ft = kindToField(kind)
				tmask = m
			default:
				m, e := d.decodeNumber(f, false, d.fmask|maskDate)
				if e != dtOK {
					return e
				}
				tmask = m
			}
		case ftString, ftSpecial:
			tk := decodeZoneAbbrev(f)
			if tk.typ == tokUnknown {
				tk = decodeSpecial(f)
			}
			if tk.typ == tokIgnore {
				continue
			}
			tmask = bit(tk.typ)
			switch tk.typ {
			case tokReserved:
				switch tk.val {
				case dkNow:
					tmask = maskTime
					d.dtype = dkTime
					cur, _ := d.currentFields()
					d.tm.hour, d.tm.min, d.tm.sec, d.tm.usec = cur.hour, cur.min, cur.sec, cur.usec
				case dkZulu:
					tmask = maskTime | bit(tokTZ)
					d.dtype = dkTime
					d.tm.hour, d.tm.min, d.tm.sec = 0, 0, 0
				default:
					return dtBadFormat
				}
			case tokDTZMod:
				tmask |= bit(tokDTZ)
				d.tz -= tk.val
			case tokDTZ:
				tmask |= bit(tokTZ)
				d.tz = -tk.val
				fields[i].ft = ftTZ
			case tokTZ:
				d.tz = -tk.val
				fields[i].ft = ftTZ
			case tokAMPM:
				d.mer = tk.val
			case tokADBC:
				d.bc = tk.val == adBC
			case tokUnits:
				tmask = 0
				ptype = tk.val
			case tokISOTime:
				tmask = 0
				if i >= nf-1 || (fields[i+1].ft != ftNumber && fields[i+1].ft != ftTime && fields[i+1].ft != ftDate) {
					return dtBadFormat
				}
				ptype = tk.val
			case tokUnknown:
				loc := lookupZone(f)
				if loc == nil {
					return dtBadFormat
				}
				d.namedTz = loc
				tmask = bit(tokTZ)
			default:
				return dtBadFormat
			}
		default:
			return dtBadFormat
		}
		if tmask&d.fmask != 0 {
			return dtBadFormat
		}
		d.fmask |= tmask
	}
	if e := d.validateDate(d.fmask); e != dtOK {
		return e
	}
	if e := d.applyMeridian(); e != dtOK {
		return e
	}
	if timeOverflows(d.tm.hour, d.tm.min, d.tm.sec, d.tm.usec) {
		return dtFieldOverflow
	}
	if d.fmask&maskTime != maskTime {
		return dtBadFormat
	}
	// A time has no zone, but PostgreSQL still resolves the one given:
	// a zone with daylight saving needs a whole date to pick its offset.
	if d.namedTz != nil {
		if d.fmask&bit(tokDTZMod) != 0 {
			return dtBadFormat
		}
		if !isFixedZone(d.namedTz) && d.fmask&maskDate != maskDate {
			return dtBadFormat
		}
	}
	if d.fmask&bit(tokTZ) == 0 {
		if d.fmask&bit(tokDTZMod) != 0 {
			return dtBadFormat
		}
		if d.fmask&maskDate != 0 && d.fmask&maskDate != maskDate {
			return dtBadFormat
		}
	}
	return dtOK
}

func kindToField(kind int) int {
	if kind == dkDate {
		return ftDate
	}
	return ftTime
}
