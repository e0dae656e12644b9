package types

import (
	"math"
	"strings"
)

// Interval input, as PostgreSQL 15's interval_in: the fields of
// parseDateTime read from right to left, so that a unit word applies to
// the number before it ("1 day 2 hours", "@ 1 year ago", "1 day 01:02:03",
// "1-2" for a year and two months); a bare number is seconds. Text these
// do not take is tried as ISO 8601 (P1Y2M3DT4H5M6S, P0001-02-03T04:05:06).
// Fractions spill into the smaller units: 1.5 days is 1 day 12:00:00,
// 1.5 months is 1 mon 15 days.

// itmIn accumulates an interval's parts with overflow checks.
type itmIn struct {
	usec int64
	mday int32
	mon  int32
	year int32
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	if (s > a) != (b > 0) {
		return 0, false
	}
	return s, true
}

func mulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	return p, true
}

func addInt32(a int32, b int64) (int32, bool) {
	s := int64(a) + b
	if s > math.MaxInt32 || s < math.MinInt32 {
		return 0, false
	}
	return int32(s), true
}

func (it *itmIn) fracMicros(frac float64, scale int64) bool {
	if frac == 0 {
		return true
	}
	frac *= float64(scale)
	us := int64(frac)
	frac -= float64(us)
	if frac > 0.5 {
		us++
	} else if frac < -0.5 {
		us--
	}
	var ok bool
	it.usec, ok = addInt64(it.usec, us)
	return ok
}

func (it *itmIn) fracDays(frac float64, scale int) bool {
	if frac == 0 {
		return true
	}
	frac *= float64(scale)
	extra := int64(frac)
	var ok bool
	if it.mday, ok = addInt32(it.mday, extra); !ok {
		return false
	}
	return it.fracMicros(frac-float64(extra), usecsPerDay)
}

func (it *itmIn) fracYears(frac float64, scale int) bool {
	extra := int64(math.RoundToEven(frac * float64(scale) * 12))
	var ok bool
	it.mon, ok = addInt32(it.mon, extra)
	return ok
}

func (it *itmIn) micros(val int64, frac float64, scale int64) bool {
	p, ok := mulInt64(val, scale)
	if !ok {
		return false
	}
	if it.usec, ok = addInt64(it.usec, p); !ok {
		return false
	}
	return it.fracMicros(frac, scale)
}

func (it *itmIn) days(val int64, scale int) bool {
	if val < math.MinInt32 || val > math.MaxInt32 {
		return false
	}
	d := val * int64(scale)
	if d < math.MinInt32 || d > math.MaxInt32 {
		return false
	}
	var ok bool
	it.mday, ok = addInt32(it.mday, d)
	return ok
}

func (it *itmIn) months(val int64) bool {
	if val < math.MinInt32 || val > math.MaxInt32 {
		return false
	}
	var ok bool
	it.mon, ok = addInt32(it.mon, val)
	return ok
}

func (it *itmIn) years(val int64, scale int) bool {
	if val < math.MinInt32 || val > math.MaxInt32 {
		return false
	}
	y := val * int64(scale)
	if y < math.MinInt32 || y > math.MaxInt32 {
		return false
	}
	var ok bool
	it.year, ok = addInt32(it.year, y)
	return ok
}

// decodeInterval reads the fields of interval text, for an interval
// type whose fields are rng (intervalFullRange: all): the fields decide
// the unit of a bare number ('1' as INTERVAL YEAR is a year).
func decodeInterval(fields []dtField, rng int32) (itmIn, dtErr) {
	var it itmIn
	isBefore := false
	fmask := 0
	typ := tokIgnore // the unit of the next number to the left (a dk value once set)
	unitSet := false
	for i := len(fields) - 1; i >= 0; i-- {
		f := fields[i].s
		var tmask int
		switch fields[i].ft {
		case ftTime:
			us, e := intervalTime(f, rng)
			if e != dtOK {
				return it, e
			}
			it.usec = us
			tmask = maskTime
			typ, unitSet = dkDay, true
		case ftTZ, ftDate, ftNumber:
			if fields[i].ft == ftTZ && strings.IndexByte(f[1:], ':') >= 0 {
				if us, e := intervalTime(f[1:], rng); e == dtOK {
					if f[0] == '-' {
						if us == math.MinInt64 {
							return it, dtFieldOverflow
						}
						us = -us
					}
					it.usec = us
					tmask = maskTime
					typ, unitSet = dkDay, true
					break
				}
			}
			if !unitSet {
				typ, unitSet = rangeUnit(rng), true
			}
			val, n, of := strtoi64(f)
			if of {
				return it, dtFieldOverflow
			}
			cp := f[n:]
			var fval float64
			switch {
			case len(cp) > 0 && cp[0] == '-':
				// SQL's year-month: 1-2.
				v2, n2, of2 := strtoint(cp[1:])
				if of2 || v2 < 0 || v2 >= 12 {
					return it, dtFieldOverflow
				}
				if n2 == 0 || len(cp) != 1+n2 {
					return it, dtBadFormat
				}
				typ = dkMonth
				if f[0] == '-' {
					v2 = -v2
				}
				p, ok := mulInt64(val, 12)
				if !ok {
					return it, dtFieldOverflow
				}
				if val, ok = addInt64(p, int64(v2)); !ok {
					return it, dtFieldOverflow
				}
			case len(cp) > 0 && cp[0] == '.':
				fr, e := parseFraction(cp)
				if e != dtOK {
					return it, e
				}
				fval = fr
				if f[0] == '-' {
					fval = -fval
				}
			case len(cp) > 0:
				return it, dtBadFormat
			}
			ok := true
			switch typ {
			case dkMicrosec:
				ok = it.micros(val, fval, 1)
				tmask = bit(tokMicrosecond)
			case dkMillisec:
				ok = it.micros(val, fval, 1000)
				tmask = bit(tokMillisecond)
			case dkSecond:
				ok = it.micros(val, fval, usecsPerSec)
				if fval == 0 {
					tmask = bit(tokSecond)
				} else {
					tmask = maskAllSecs
				}
			case dkMinute:
				ok = it.micros(val, fval, usecsPerMin)
				tmask = bit(tokMinute)
			case dkHour:
				ok = it.micros(val, fval, usecsPerHour)
				tmask = bit(tokHour)
				typ = dkDay
			case dkDay:
				ok = it.days(val, 1) && it.fracMicros(fval, usecsPerDay)
				tmask = bit(tokDay)
			case dkWeek:
				ok = it.days(val, 7) && it.fracDays(fval, 7)
				tmask = bit(tokWeek)
			case dkMonth:
				ok = it.months(val) && it.fracDays(fval, 30)
				tmask = bit(tokMonth)
			case dkYear:
				ok = it.years(val, 1) && it.fracYears(fval, 1)
				tmask = bit(tokYear)
			case dkDecade:
				ok = it.years(val, 10) && it.fracYears(fval, 10)
				tmask = bit(tokDecade)
			case dkCentury:
				ok = it.years(val, 100) && it.fracYears(fval, 100)
				tmask = bit(tokCentury)
			case dkMillenium:
				ok = it.years(val, 1000) && it.fracYears(fval, 1000)
				tmask = bit(tokMillennium)
			default:
				return it, dtBadFormat
			}
			if !ok {
				return it, dtFieldOverflow
			}
		case ftString, ftSpecial:
			tk := decodeUnits(f)
			if tk.typ == tokUnknown {
				tk = decodeSpecial(f)
			}
			if tk.typ == tokIgnore {
				continue
			}
			switch tk.typ {
			case tokUnits:
				typ, unitSet = tk.val, true
			case tokAgo:
				isBefore = true
				typ, unitSet = tk.val, true
			default:
				return it, dtBadFormat
			}
		default:
			return it, dtBadFormat
		}
		if tmask&fmask != 0 {
			return it, dtBadFormat
		}
		fmask |= tmask
	}
	if fmask == 0 {
		return it, dtBadFormat
	}
	if isBefore {
		if it.usec == math.MinInt64 || it.mday == math.MinInt32 || it.mon == math.MinInt32 || it.year == math.MinInt32 {
			return it, dtFieldOverflow
		}
		it.usec, it.mday, it.mon, it.year = -it.usec, -it.mday, -it.mon, -it.year
	}
	return it, dtOK
}

// rangeUnit is the unit of a bare number in an interval of fields rng:
// its last field.
func rangeUnit(rng int32) int {
	switch rng {
	case ivYear:
		return dkYear
	case ivMonth, ivYear | ivMonth:
		return dkMonth
	case ivDay:
		return dkDay
	case ivHour, ivDay | ivHour:
		return dkHour
	case ivMinute, ivHour | ivMinute, ivDay | ivHour | ivMinute:
		return dkMinute
	}
	return dkSecond
}

// intervalTime reads hh:mm[:ss[.fff]] (or mm:ss.fff) as microseconds;
// hours are not limited to a day.
func intervalTime(s string, rng int32) (int64, dtErr) {
	h, m, sec, us, e := decodeTimeRange(s, rng)
	if e != dtOK {
		return 0, e
	}
	total := us
	var ok bool
	for _, p := range [][2]int64{{h, usecsPerHour}, {int64(m), usecsPerMin}, {int64(sec), usecsPerSec}} {
		var prod int64
		if prod, ok = mulInt64(p[0], p[1]); !ok {
			return 0, dtFieldOverflow
		}
		if total, ok = addInt64(total, prod); !ok {
			return 0, dtFieldOverflow
		}
	}
	return total, dtOK
}

// parseISONumber reads a decimal number as strtod would at the start of
// s (a digit, '-' or '.' first), split into its integer part and
// fraction; values beyond 1e15 are out of range.
func parseISONumber(s string) (ipart int64, fpart float64, n int, e dtErr) {
	if len(s) == 0 || !(isDigit(s[0]) || s[0] == '-' || s[0] == '.') {
		return 0, 0, 0, dtBadFormat
	}
	val, n, ok := strtodPrefix(s)
	if !ok {
		return 0, 0, 0, dtBadFormat
	}
	if math.IsNaN(val) || val < -1e15 || val > 1e15 {
		return 0, 0, 0, dtFieldOverflow
	}
	if val >= 0 {
		ipart = int64(math.Floor(val))
	} else {
		ipart = -int64(math.Floor(-val))
	}
	return ipart, val - float64(ipart), n, dtOK
}

func isoIntWidth(s string) int {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

// decodeISOInterval reads ISO 8601 durations: the format with designators
// (P1Y2M3DT4H5M6S, weeks too) and the alternative format
// (P0001-02-03T04:05:06, P00010203T040506).
func decodeISOInterval(str string) (itmIn, dtErr) {
	var it itmIn
	if len(str) < 2 || str[0] != 'P' {
		return it, dtBadFormat
	}
	str = str[1:]
	datePart, haveField := true, false
	for len(str) > 0 {
		if str[0] == 'T' {
			datePart, haveField = false, false
			str = str[1:]
			continue
		}
		fieldStart := str
		val, fval, n, e := parseISONumber(str)
		if e != dtOK {
			return it, e
		}
		str = str[n:]
		var unit byte
		if len(str) > 0 {
			unit = str[0]
			str = str[1:]
		}
		ok := true
		if datePart {
			switch unit {
			case 'Y':
				ok = it.years(val, 1) && it.fracYears(fval, 1)
			case 'M':
				ok = it.months(val) && it.fracDays(fval, 30)
			case 'W':
				ok = it.days(val, 7) && it.fracDays(fval, 7)
			case 'D':
				ok = it.days(val, 1) && it.fracMicros(fval, usecsPerDay)
			case 'T', 0, '-':
				if unit != '-' && isoIntWidth(fieldStart) == 8 && !haveField {
					if !it.years(val/10000, 1) || !it.months((val/100)%100) || !it.days(val%100, 1) ||
						!it.fracMicros(fval, usecsPerDay) {
						return it, dtFieldOverflow
					}
					if unit == 0 {
						return it, dtOK
					}
					datePart, haveField = false, false
					continue
				}
				// The extended alternative format: years-months-days.
				if haveField {
					return it, dtBadFormat
				}
				if !it.years(val, 1) || !it.fracYears(fval, 1) {
					return it, dtFieldOverflow
				}
				if unit == 0 {
					return it, dtOK
				}
				if unit == 'T' {
					datePart, haveField = false, false
					continue
				}
				val, fval, n, e = parseISONumber(str)
				if e != dtOK {
					return it, e
				}
				str = str[n:]
				if !it.months(val) || !it.fracDays(fval, 30) {
					return it, dtFieldOverflow
				}
				if len(str) == 0 {
					return it, dtOK
				}
				if str[0] == 'T' {
					datePart, haveField = false, false
					str = str[1:]
					continue
				}
				if str[0] != '-' {
					return it, dtBadFormat
				}
				str = str[1:]
				val, fval, n, e = parseISONumber(str)
				if e != dtOK {
					return it, e
				}
				str = str[n:]
				if !it.days(val, 1) || !it.fracMicros(fval, usecsPerDay) {
					return it, dtFieldOverflow
				}
				if len(str) == 0 {
					return it, dtOK
				}
				if str[0] == 'T' {
					datePart, haveField = false, false
					str = str[1:]
					continue
				}
				return it, dtBadFormat
			default:
				return it, dtBadFormat
			}
		} else {
			switch unit {
			case 'H':
				ok = it.micros(val, fval, usecsPerHour)
			case 'M':
				ok = it.micros(val, fval, usecsPerMin)
			case 'S':
				ok = it.micros(val, fval, usecsPerSec)
			case 0, ':':
				if unit == 0 && isoIntWidth(fieldStart) == 6 && !haveField {
					if !it.micros(val/10000, 0, usecsPerHour) || !it.micros((val/100)%100, 0, usecsPerMin) ||
						!it.micros(val%100, 0, usecsPerSec) || !it.fracMicros(fval, 1) {
						return it, dtFieldOverflow
					}
					return it, dtOK
				}
				if haveField {
					return it, dtBadFormat
				}
				if !it.micros(val, fval, usecsPerHour) {
					return it, dtFieldOverflow
				}
				if unit == 0 {
					return it, dtOK
				}
				val, fval, n, e = parseISONumber(str)
				if e != dtOK {
					return it, e
				}
				str = str[n:]
				if !it.micros(val, fval, usecsPerMin) {
					return it, dtFieldOverflow
				}
				if len(str) == 0 {
					return it, dtOK
				}
				if str[0] != ':' {
					return it, dtBadFormat
				}
				str = str[1:]
				val, fval, n, e = parseISONumber(str)
				if e != dtOK {
					return it, e
				}
				str = str[n:]
				if !it.micros(val, fval, usecsPerSec) {
					return it, dtFieldOverflow
				}
				if len(str) == 0 {
					return it, dtOK
				}
				return it, dtBadFormat
			default:
				return it, dtBadFormat
			}
		}
		if !ok {
			return it, dtFieldOverflow
		}
		haveField = true
	}
	return it, dtOK
}

// parseInterval is interval_in for an interval type with modifier mod
// (-1: none). A modifier's fields decide the unit of a bare number, and
// the value is cut to them and rounded to its precision, as PostgreSQL's
// input function does.
func parseInterval(s string, mod int32) (DInterval, error) {
	rng := int32(intervalFullRange)
	if mod >= 0 {
		rng = (mod >> 16) & 0x7FFF
	}
	fields, e := parseDateTime(s, intervalWorkBuf)
	var it itmIn
	if e == dtOK {
		it, e = decodeInterval(fields, rng)
	}
	if e == dtBadFormat {
		it, e = decodeISOInterval(s)
	}
	if e != dtOK {
		if e == dtFieldOverflow {
			e = dtIntervalOverflow
		}
		return DInterval{}, dtError(e, "", s, "interval")
	}
	months := int64(it.year)*12 + int64(it.mon)
	if months > math.MaxInt32 || months < math.MinInt32 {
		return DInterval{}, errDatetimeRange("interval out of range")
	}
	iv := DInterval{Months: int32(months), Days: it.mday, Micros: it.usec}
	if mod >= 0 {
		iv = fitInterval(iv, mod)
	}
	return iv, nil
}
