package builtins

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// to_timestamp(text, text) and to_date(text, text): text read by the
// template patterns of to_char.

// fromChar is what a template read from its input.
type fromChar struct {
	year, month, day     int
	hour, minute, sec    int
	usec                 int64
	yysz                 int // digits of the year as written (for YY)
	haveYear, bc, pm     bool
	clock12              bool
	cc                   int
	yday, julian, ssssss int
	tzh, tzm             int
	haveTZ               bool
	set                  map[string]int
}

func errFormat(msg string) *pgcode.Error { return pgcode.New(pgcode.InvalidDatetimeFormat, msg) }

func isSeparator(c byte) bool {
	return c < utf8.RuneSelf && !(c >= '0' && c <= '9') && !(c|0x20 >= 'a' && c|0x20 <= 'z')
}

// digitLen is the width of a numeric pattern read without fill mode.
var digitLen = map[string]int{
	"HH": 2, "HH12": 2, "HH24": 2, "MI": 2, "SS": 2, "MS": 3, "US": 6,
	"FF1": 1, "FF2": 2, "FF3": 3, "FF4": 4, "FF5": 5, "FF6": 6,
	"YYYY": 4, "YYY": 3, "YY": 2, "Y": 1, "IYYY": 4, "IYY": 3, "IY": 2, "I": 1,
	"MM": 2, "DD": 2, "DDD": 3, "IDDD": 3, "D": 1, "ID": 1, "W": 1, "WW": 2, "IW": 2,
	"CC": 2, "Q": 1, "J": 0, "SSSS": 0, "SSSSS": 0, "TZH": 0, "TZM": 0,
}

// nextIsSeparator reports whether what follows a pattern ends a number
// by itself: the end, a separator, or a pattern of letters.
func nextIsSeparator(tmpl []dtTemplate, i int) bool {
	if i+1 >= len(tmpl) {
		return true
	}
	n := tmpl[i+1]
	if n.kw == "" {
		return n.text == "" || !(n.text[0] >= '0' && n.text[0] <= '9')
	}
	_, digits := digitLen[strings.ToUpper(n.kw)]
	return !digits
}

// readInt reads a number for the pattern kw at s[*pos:]: as many digits
// as there are when slurp, else exactly width characters.
func readInt(s string, pos *int, kw string, width int, slurp bool) (int64, int, error) {
	for *pos < len(s) && s[*pos] == ' ' {
		*pos++
	}
	start := *pos
	if !slurp && width > 0 {
		if len(s)-start < width {
			return 0, 0, errFormat("source string too short for \"" + kw + "\" formatting field")
		}
		chunk := s[start : start+width]
		n, used := leadingInt(chunk)
		if used == 0 {
			return 0, 0, errFormat("invalid value \"" + chunk + "\" for \"" + kw + "\"").WithDetail("Value must be an integer.")
		}
		if used < width {
			return 0, 0, errFormat("invalid value \"" + chunk + "\" for \"" + kw + "\"").
				WithDetail("Field requires " + strconv.Itoa(width) + " characters, but only " + strconv.Itoa(used) + " could be parsed.")
		}
		*pos += width
		return n, used, nil
	}
	n, used := leadingInt(s[start:])
	if used == 0 {
		shown := s[start:]
		if width > 0 && len(shown) > width {
			shown = shown[:width]
		}
		return 0, 0, errFormat("invalid value \"" + shown + "\" for \"" + kw + "\"").WithDetail("Value must be an integer.")
	}
	if n > 2147483647 || n < -2147483648 {
		return 0, 0, errFormat("value for \"" + kw + "\" in source string is out of range")
	}
	*pos += used
	return n, used, nil
}

// leadingInt reads an optionally signed decimal number at the start of
// s, as strtol does.
func leadingInt(s string) (int64, int) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	d := i
	var n int64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if n < 1<<40 {
			n = n*10 + int64(s[i]-'0')
		}
		i++
	}
	if i == d {
		return 0, 0
	}
	if neg {
		n = -n
	}
	return n, i
}

// matchName reads one of names (ignoring case) at s[*pos:].
func matchName(s string, pos *int, names []string, kw string) (int, error) {
	rest := s[*pos:]
	for i, n := range names {
		if len(rest) >= len(n) && strings.EqualFold(rest[:len(n)], n) {
			*pos += len(n)
			return i, nil
		}
	}
	return 0, errFormat("invalid value \"" + rest + "\" for \"" + kw + "\"").
		WithDetail("The given value did not match any of the allowed values for this field.")
}

func (fc *fromChar) setField(kw string, v int) error {
	if old, ok := fc.set[kw]; ok && old != v {
		return errFormat("conflicting values for \"" + kw + "\" field in formatting string").
			WithDetail("This value contradicts a previous setting for the same field type.")
	}
	fc.set[kw] = v
	return nil
}

// parseFromChar reads s by the template f.
func parseFromChar(s, f string) (*fromChar, error) {
	tmpl := parseDTTemplate(f)
	fc := &fromChar{month: 1, day: 1, set: map[string]int{}}
	pos := 0
	abbrevs := func(names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = n[:3]
		}
		return out
	}
	for i, t := range tmpl {
		if pos >= len(s) {
			break
		}
		if t.kw == "" {
			for _, c := range []byte(t.text) {
				if pos >= len(s) {
					break
				}
				if c == ' ' || isSeparator(c) {
					// A separator matches one separator of the input,
					// or none; blanks around it do not count.
					for pos < len(s) && s[pos] == ' ' {
						pos++
					}
					if pos < len(s) && s[pos] != ' ' && isSeparator(s[pos]) && c != ' ' {
						pos++
					} else if pos < len(s) && c == ' ' && isSeparator(s[pos]) && i+1 < len(tmpl) && tmpl[i+1].kw != "" && !strings.EqualFold(tmpl[i+1].kw, "TZH") {
						pos++
					}
					continue
				}
				pos++
			}
			continue
		}
		up := strings.ToUpper(t.kw)
		for pos < len(s) && s[pos] == ' ' {
			pos++
		}
		if width, ok := digitLen[up]; ok {
			slurp := t.fm || width == 0 || nextIsSeparator(tmpl, i)
			n, used, err := readInt(s, &pos, t.kw, width, slurp)
			if err != nil {
				return nil, err
			}
			if err := fc.number(up, t.kw, int(n), used); err != nil {
				return nil, err
			}
			continue
		}
		switch up {
		case "MONTH", "MON":
			names := monthNames
			if up == "MON" {
				names = abbrevs(monthNames)
			}
			m, err := matchName(s, &pos, names, t.kw)
			if err != nil {
				return nil, err
			}
			if err := fc.setField("MM", m+1); err != nil {
				return nil, err
			}
			fc.month = m + 1
		case "DAY", "DY":
			names := dayNames
			if up == "DY" {
				names = abbrevs(dayNames)
			}
			if _, err := matchName(s, &pos, names, t.kw); err != nil {
				return nil, err
			}
		case "AM", "PM", "A.M.", "P.M.":
			names := []string{"AM", "PM"}
			if len(up) == 4 {
				names = []string{"A.M.", "P.M."}
			}
			v, err := matchName(s, &pos, names, t.kw)
			if err != nil {
				return nil, err
			}
			fc.pm, fc.clock12 = v == 1, true
		case "AD", "BC", "A.D.", "B.C.":
			names := []string{"AD", "BC"}
			if len(up) == 4 {
				names = []string{"A.D.", "B.C."}
			}
			v, err := matchName(s, &pos, names, t.kw)
			if err != nil {
				return nil, err
			}
			fc.bc = v == 1
		case "RM":
			m, err := matchName(s, &pos, []string{"XII", "XI", "X", "IX", "VIII", "VII", "VI", "V", "IV", "III", "II", "I"}, t.kw)
			if err != nil {
				return nil, err
			}
			fc.month = 12 - m
		case "FX":
		default:
			return nil, pgcode.New(pgcode.FeatureNotSupported, "formatting field \""+t.kw+"\" is only supported in to_char")
		}
	}
	return fc, nil
}

// number stores a number read for a pattern.
func (fc *fromChar) number(up, kw string, n, used int) error {
	scale := func(digits int) int64 {
		r := int64(n)
		for i := used; i < digits; i++ {
			r *= 10
		}
		return r
	}
	switch up {
	case "HH", "HH12":
		fc.hour, fc.clock12 = n, true
	case "HH24":
		fc.hour = n
	case "MI":
		fc.minute = n
	case "SS":
		fc.sec = n
	case "MS":
		fc.usec = scale(3) * 1000
	case "US", "FF6", "FF5", "FF4", "FF3", "FF2", "FF1":
		fc.usec = scale(6)
	case "YYYY", "IYYY":
		fc.year, fc.haveYear, fc.yysz = n, true, 4
	case "YYY", "IYY":
		if used < 4 {
			n = adjustYear(n, 3)
		}
		fc.year, fc.haveYear, fc.yysz = n, true, 3
	case "YY", "IY":
		if used < 4 {
			n = adjustYear(n, 2)
		}
		fc.year, fc.haveYear, fc.yysz = n, true, 2
	case "Y", "I":
		if used < 4 {
			n = adjustYear(n, 1)
		}
		fc.year, fc.haveYear, fc.yysz = n, true, 1
	case "MM":
		fc.month = n
		return fc.setField("MM", n)
	case "DD":
		fc.day = n
	case "DDD", "IDDD":
		fc.yday = n
	case "J":
		fc.julian = n
	case "CC":
		fc.cc = n
	case "SSSS", "SSSSS":
		fc.ssssss = n + 1
	case "TZH":
		fc.tzh, fc.haveTZ = n, true
	case "TZM":
		fc.tzm, fc.haveTZ = n, true
	}
	return nil
}

// adjustYear puts a year of a few digits in the years around 2020.
func adjustYear(y, digits int) int {
	switch digits {
	case 3:
		if y < 520 {
			return y + 2000
		}
		return y + 1000
	case 2:
		if y < 70 {
			return y + 2000
		}
		return y + 1900
	}
	return y + 2000
}

// fields turns what a template read into a local date and time.
func (fc *fromChar) fields(input string) (types.Fields, error) {
	var f types.Fields
	f.Year, f.Month, f.Day = fc.year, fc.month, fc.day
	if !fc.haveYear && fc.cc != 0 {
		if fc.cc > 0 {
			f.Year = (fc.cc-1)*100 + 1
		} else {
			f.Year = fc.cc*100 + 1
		}
	}
	// Year 1 BC is year 0, which is also the year of a template without
	// one, as in PostgreSQL.
	if fc.bc {
		f.Year = -f.Year + 1
	}
	if fc.julian != 0 {
		f.Year, f.Month, f.Day = types.FromJulian(fc.julian)
	}
	if fc.yday != 0 && fc.julian == 0 {
		j := types.Julian(f.Year, 1, 1) + fc.yday - 1
		f.Year, f.Month, f.Day = types.FromJulian(j)
	}
	f.Hour, f.Minute, f.Sec, f.Usec = fc.hour, fc.minute, fc.sec, fc.usec
	if fc.ssssss != 0 {
		s := fc.ssssss - 1
		f.Hour, f.Minute, f.Sec = s/3600, s%3600/60, s%60
	}
	if fc.clock12 {
		if f.Hour < 1 || f.Hour > 12 {
			return f, pgcode.Newf(pgcode.InvalidDatetimeFormat, "hour \"%d\" is invalid for the 12-hour clock", f.Hour).
				WithHint("Use the 24-hour clock, or give an hour between 1 and 12.")
		}
		if fc.pm && f.Hour < 12 {
			f.Hour += 12
		} else if !fc.pm && f.Hour == 12 {
			f.Hour = 0
		}
	}
	overflow := pgcode.New(pgcode.DatetimeFieldOverflow, "date/time field value out of range: \""+input+"\"")
	if f.Month < 1 || f.Month > 12 || f.Day < 1 || f.Day > types.DaysInMonth(f.Year, f.Month) {
		return f, overflow
	}
	if f.Hour < 0 || f.Hour > 23 || f.Minute < 0 || f.Minute > 59 || f.Sec < 0 || f.Sec > 59 {
		return f, overflow
	}
	return f, nil
}

var _ = register(fromCharFuncs()...)

func fromCharFuncs() []*Overload {
	T := types.Text
	return []*Overload{
		def(1778, "to_timestamp", ts(T, T), types.TimestampTZ, func(c *Context, a []types.Datum) (types.Datum, error) {
			s := a[0].(string)
			fc, err := parseFromChar(s, a[1].(string))
			if err != nil {
				return nil, err
			}
			f, err := fc.fields(s)
			if err != nil {
				return nil, err
			}
			var r int64
			var ok bool
			if fc.haveTZ {
				east := fc.tzh*3600 + fc.tzm*60
				if fc.tzh < 0 {
					east = fc.tzh*3600 - fc.tzm*60
				}
				r, ok = f.Timestamp(east)
			} else {
				r, ok = joinZone(f, location(c))
			}
			if !ok {
				return nil, errTimestampRange()
			}
			return types.DTimestampTZ(r), nil
		}).stable(),
		def(1780, "to_date", ts(T, T), types.Date, func(_ *Context, a []types.Datum) (types.Datum, error) {
			s := a[0].(string)
			fc, err := parseFromChar(s, a[1].(string))
			if err != nil {
				return nil, err
			}
			f, err := fc.fields(s)
			if err != nil {
				return nil, err
			}
			if !types.ValidJulian(f.Year, f.Month) {
				return nil, errDatetime("date out of range: \"" + s + "\"")
			}
			d := int64(types.Julian(f.Year, f.Month, f.Day) - types.EpochJulian)
			if !types.ValidDate(d) {
				return nil, errDatetime("date out of range: \"" + s + "\"")
			}
			return types.DDate(d), nil
		}).stable(),
	}
}
