package builtins

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// to_char of timestamps and intervals: a template of patterns (YYYY, MM,
// HH24, Month, ...) with FM and TH modifiers, quoted text and any other
// characters copied as they are.

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

var dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

var romanMonths = []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}

// dtKeywords are the template patterns, longest first so that the
// longest one at a position wins (HH24 before HH).
var dtKeywords = func() []string {
	kw := []string{
		"A.D.", "a.d.", "A.M.", "a.m.", "AD", "ad", "AM", "am", "B.C.", "b.c.", "BC", "bc",
		"CC", "cc", "DAY", "Day", "day", "DDD", "ddd", "DD", "dd", "DY", "Dy", "dy", "D", "d",
		"FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "ff1", "ff2", "ff3", "ff4", "ff5", "ff6", "FX", "fx",
		"HH24", "hh24", "HH12", "hh12", "HH", "hh", "IDDD", "iddd", "ID", "id", "IW", "iw",
		"IYYY", "iyyy", "IYY", "iyy", "IY", "iy", "I", "i", "J", "j", "MI", "mi", "MM", "mm",
		"MONTH", "Month", "month", "MON", "Mon", "mon", "MS", "ms", "OF", "P.M.", "p.m.", "PM", "pm",
		"Q", "q", "RM", "rm", "SSSSS", "sssss", "SSSS", "ssss", "SS", "ss", "TZH", "TZM", "TZ", "tz",
		"US", "us", "WW", "ww", "W", "w", "Y,YYY", "y,yyy", "YYYY", "yyyy", "YYY", "yyy", "YY", "yy", "Y", "y",
	}
	sort.SliceStable(kw, func(i, j int) bool { return len(kw[i]) > len(kw[j]) })
	return kw
}()

// notForInterval are the patterns an interval has no value for.
var notForInterval = map[string]bool{
	"AD": true, "A.D.": true, "BC": true, "B.C.": true, "MONTH": true, "MON": true,
	"DAY": true, "DY": true, "D": true, "ID": true, "TZ": true, "TZH": true, "TZM": true, "OF": true,
}

// dtTemplate is one piece of a template: a pattern with its modifiers,
// or literal text.
type dtTemplate struct {
	kw   string // the pattern as written; "" for text
	text string
	fm   bool // FM: no padding
	tm   bool // TM: names in the locale's words, without padding
	th   int  // 1: th, 2: TH
}

// parseDTTemplate splits a template into patterns and text.
func parseDTTemplate(f string) []dtTemplate {
	var out []dtTemplate
	text := func(s string) {
		if n := len(out); n > 0 && out[n-1].kw == "" {
			out[n-1].text += s
			return
		}
		out = append(out, dtTemplate{text: s})
	}
	for i := 0; i < len(f); {
		fm, tm := false, false
		for {
			if strings.HasPrefix(f[i:], "FM") || strings.HasPrefix(f[i:], "fm") {
				fm = true
				i += 2
				continue
			}
			if strings.HasPrefix(f[i:], "TM") || strings.HasPrefix(f[i:], "tm") {
				tm = true
				i += 2
				continue
			}
			break
		}
		if i >= len(f) {
			break
		}
		kw := ""
		for _, k := range dtKeywords {
			if strings.HasPrefix(f[i:], k) {
				kw = k
				break
			}
		}
		if kw != "" {
			i += len(kw)
			t := dtTemplate{kw: kw, fm: fm, tm: tm}
			switch {
			case strings.HasPrefix(f[i:], "TH"):
				t.th = 2
				i += 2
			case strings.HasPrefix(f[i:], "th"):
				t.th = 1
				i += 2
			}
			if strings.HasPrefix(f[i:], "SP") || strings.HasPrefix(f[i:], "sp") {
				i += 2
			}
			out = append(out, t)
			continue
		}
		switch {
		case f[i] == '"':
			i++
			var b strings.Builder
			for i < len(f) && f[i] != '"' {
				if f[i] == '\\' && i+1 < len(f) {
					i++
				}
				b.WriteByte(f[i])
				i++
			}
			i++
			text(b.String())
		case f[i] == '\\' && i+1 < len(f) && f[i+1] == '"':
			text(`"`)
			i += 2
		default:
			_, n := utf8.DecodeRuneInString(f[i:])
			text(f[i : i+n])
			i += n
		}
	}
	return out
}

// ordinal appends th, st, nd or rd to a number's text.
func ordinal(s string, upper bool) string {
	if s == "" || s[len(s)-1] < '0' || s[len(s)-1] > '9' {
		return s
	}
	suf := "th"
	if len(s) < 2 || s[len(s)-2] != '1' {
		switch s[len(s)-1] {
		case '1':
			suf = "st"
		case '2':
			suf = "nd"
		case '3':
			suf = "rd"
		}
	}
	if upper {
		suf = strings.ToUpper(suf)
	}
	return s + suf
}

// padInt writes n with at least width digits (zero padded), the sign
// counting as one when negative as C's %0*d does.
func padInt(n int64, width int) string {
	s := strconv.FormatInt(abs64(n), 10)
	w := width
	if n < 0 {
		w--
	}
	for len(s) < w {
		s = "0" + s
	}
	if n < 0 {
		s = "-" + s
	}
	return s
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// casing writes a name as the pattern's case asks: MONTH, Month, month.
func casing(name, kw string) string {
	switch {
	case kw == strings.ToUpper(kw):
		return strings.ToUpper(name)
	case kw == strings.ToLower(kw):
		return strings.ToLower(name)
	}
	return name
}

// dtValue is what to_char formats: a timestamp's fields, or an
// interval's.
type dtValue struct {
	f        types.Fields
	yday     int
	wday     int
	interval bool
	zone     string // the zone's abbreviation (timestamptz)
	east     int    // the zone's offset, seconds east of UTC
	hour     int64  // an interval's hours may pass 24
}

func (v *dtValue) adjustYear() int64 {
	y := int64(v.f.Year)
	if !v.interval && y <= 0 {
		return -(y - 1)
	}
	return y
}

func errIntervalFormat() error {
	return pgcode.New(pgcode.InvalidDatetimeFormat, "invalid format specification for an interval value").
		WithHint("Intervals are not tied to specific calendar dates.")
}

// toChar formats v by a parsed template.
func toChar(v *dtValue, tmpl []dtTemplate) (string, error) {
	var b strings.Builder
	for _, t := range tmpl {
		if t.kw == "" {
			b.WriteString(t.text)
			continue
		}
		s, err := v.pattern(t)
		if err != nil {
			return "", err
		}
		if t.th != 0 {
			s = ordinal(s, t.th == 2)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func (v *dtValue) pattern(t dtTemplate) (string, error) {
	kw := t.kw
	up := strings.ToUpper(kw)
	if v.interval && notForInterval[up] {
		return "", errIntervalFormat()
	}
	// num pads to a width that a minus sign widens; plain to one that
	// counts the sign.
	num := func(n int64, width int) string {
		if t.fm {
			width = 0
		} else if n < 0 {
			width++
		}
		return padInt(n, width)
	}
	plain := func(n int64, width int) string {
		if t.fm {
			width = 0
		}
		return padInt(n, width)
	}
	f := &v.f
	pm := v.hour%24 >= 12
	bc := f.Year <= 0
	switch up {
	case "A.M.", "P.M.":
		return casing(map[bool]string{false: "A.M.", true: "P.M."}[pm], kw), nil
	case "AM", "PM":
		return casing(map[bool]string{false: "AM", true: "PM"}[pm], kw), nil
	case "A.D.", "B.C.":
		return casing(map[bool]string{false: "A.D.", true: "B.C."}[bc], kw), nil
	case "AD", "BC":
		return casing(map[bool]string{false: "AD", true: "BC"}[bc], kw), nil
	case "HH", "HH12":
		h := v.hour % 12
		if h == 0 {
			h = 12
		}
		return num(h, 2), nil
	case "HH24":
		return num(v.hour, 2), nil
	case "MI":
		return num(int64(f.Minute), 2), nil
	case "SS":
		return num(int64(f.Sec), 2), nil
	case "MS", "FF3":
		return padInt(f.Usec/1000, 3), nil
	case "US", "FF6":
		return padInt(f.Usec, 6), nil
	case "FF1", "FF2", "FF4", "FF5":
		n := int(up[2] - '0')
		div := int64(1)
		for i := n; i < 6; i++ {
			div *= 10
		}
		return padInt(f.Usec/div, n), nil
	case "SSSS", "SSSSS":
		return strconv.FormatInt(v.hour*3600+int64(f.Minute)*60+int64(f.Sec), 10), nil
	case "FX":
		return "", nil
	case "Y,YYY":
		y := v.adjustYear()
		return strconv.FormatInt(y/1000, 10) + "," + padInt(y-y/1000*1000, 3), nil
	case "YYYY", "IYYY":
		y := v.adjustYear()
		if up == "IYYY" {
			y = v.isoYear()
		}
		if f.Year <= 9999 && f.Year >= -9998 {
			return num(y, 4), nil
		}
		return strconv.FormatInt(y, 10), nil
	case "YYY", "YY", "Y", "IYY", "IY", "I":
		y := v.adjustYear()
		if up[0] == 'I' {
			y = v.isoYear()
		}
		n := strings.Count(up, "Y")
		if up[0] == 'I' {
			n = len(up)
		}
		mod := int64(1)
		for range n {
			mod *= 10
		}
		return num(y%mod, n), nil
	case "MONTH", "MON":
		if f.Month == 0 {
			return "", nil
		}
		name := monthNames[f.Month-1]
		if up == "MON" {
			return casing(name[:3], kw), nil
		}
		name = casing(name, kw)
		if !t.fm && !t.tm {
			name = padRight(name, 9)
		}
		return name, nil
	case "MM":
		return num(int64(f.Month), 2), nil
	case "DAY", "DY":
		name := dayNames[v.wday]
		if up == "DY" {
			return casing(name[:3], kw), nil
		}
		name = casing(name, kw)
		if !t.fm && !t.tm {
			name = padRight(name, 9)
		}
		return name, nil
	case "DDD":
		return plain(int64(v.yday), 3), nil
	case "IDDD":
		_, iy := isoWeek(f.Year, f.Month, f.Day)
		return plain(int64(types.Julian(f.Year, f.Month, f.Day)-isoWeekStart(iy)+1), 3), nil
	case "DD":
		return plain(int64(f.Day), 2), nil
	case "D":
		return strconv.Itoa(v.wday + 1), nil
	case "ID":
		if v.wday == 0 {
			return "7", nil
		}
		return strconv.Itoa(v.wday), nil
	case "WW":
		return plain(int64((v.yday-1)/7+1), 2), nil
	case "IW":
		w, _ := isoWeek(f.Year, f.Month, f.Day)
		return plain(int64(w), 2), nil
	case "W":
		return strconv.Itoa((f.Day-1)/7 + 1), nil
	case "Q":
		if f.Month == 0 {
			return "", nil
		}
		return strconv.Itoa((f.Month-1)/3 + 1), nil
	case "CC":
		var c int64
		if v.interval {
			c = int64(f.Year / 100)
		} else if f.Year > 0 {
			c = int64((f.Year + 99) / 100)
		} else {
			c = int64(f.Year/100 - 1)
		}
		if c <= 99 && c >= -99 {
			w := 2
			if c < 0 {
				w = 3
			}
			if t.fm {
				w = 0
			}
			return padInt(c, w), nil
		}
		return strconv.FormatInt(c, 10), nil
	case "J":
		return strconv.Itoa(types.Julian(f.Year, f.Month, f.Day)), nil
	case "RM":
		if f.Month == 0 {
			return "", nil
		}
		r := casing(romanMonths[f.Month-1], kw)
		if !t.fm {
			r = padRight(r, 4)
		}
		return r, nil
	case "TZ":
		return casing(v.zone, kw), nil
	case "TZH":
		sign := "+"
		if v.east < 0 {
			sign = "-"
		}
		return sign + padInt(int64(abs(v.east)/3600), 2), nil
	case "TZM":
		return padInt(int64(abs(v.east)%3600/60), 2), nil
	case "OF":
		sign := "+"
		if v.east < 0 {
			sign = "-"
		}
		w := 2
		if t.fm {
			w = 0
		}
		s := sign + padInt(int64(abs(v.east)/3600), w)
		if m := abs(v.east) % 3600 / 60; m != 0 {
			s += ":" + padInt(int64(m), 2)
		}
		return s, nil
	}
	return "", nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func padRight(s string, n int) string {
	for len(s) < n {
		s += " "
	}
	return s
}

func (v *dtValue) isoYear() int64 {
	_, iy := isoWeek(v.f.Year, v.f.Month, v.f.Day)
	if !v.interval && iy <= 0 {
		return -int64(iy - 1)
	}
	return int64(iy)
}

// timestampValue is to_char's view of a timestamp; with loc, of a
// timestamptz in loc.
func timestampValue(ts int64, loc *time.Location) (*dtValue, bool) {
	v := &dtValue{}
	var ok bool
	if loc != nil {
		v.f, v.east, ok = zoneFields(ts, loc)
		sec := ts/types.UsecsPerSec + int64(types.EpochJulian-types.UnixEpochJulian)*secsPerDay
		v.zone = time.Unix(sec, 0).In(loc).Format("MST")
	} else {
		v.f, ok = types.SplitTimestamp(ts)
	}
	if !ok {
		return nil, false
	}
	j := types.Julian(v.f.Year, v.f.Month, v.f.Day)
	v.yday = j - types.Julian(v.f.Year, 1, 1) + 1
	v.wday = j2day(j)
	v.hour = int64(v.f.Hour)
	return v, true
}

// intervalValue is to_char's view of an interval.
func intervalValue(iv types.DInterval) *dtValue {
	v := &dtValue{interval: true}
	v.f.Year = int(iv.Months / monthsPerYear)
	v.f.Month = int(iv.Months % monthsPerYear)
	v.f.Day = int(iv.Days)
	t := iv.Micros
	v.hour = t / types.UsecsPerHour
	t -= v.hour * types.UsecsPerHour
	v.f.Minute = int(t / types.UsecsPerMin)
	t -= int64(v.f.Minute) * types.UsecsPerMin
	v.f.Sec = int(t / types.UsecsPerSec)
	v.f.Usec = t - int64(v.f.Sec)*types.UsecsPerSec
	v.yday = (v.f.Year*monthsPerYear+v.f.Month)*daysPerMonth + v.f.Day
	return v
}

var _ = register(toCharFuncs()...)

func toCharFuncs() []*Overload {
	T, TS, TZ, IV := types.Text, types.Timestamp, types.TimestampTZ, types.Interval
	format := func(v *dtValue, f string) (types.Datum, error) {
		if f == "" {
			return nil, nil
		}
		s, err := toChar(v, parseDTTemplate(f))
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	ts := func(ts int64, loc *time.Location, f string) (types.Datum, error) {
		if !finite(ts) {
			return nil, nil
		}
		v, ok := timestampValue(ts, loc)
		if !ok {
			return nil, errTimestampRange()
		}
		return format(v, f)
	}
	return []*Overload{
		def(2049, "to_char", []*types.T{TS, T}, T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return ts(int64(a[0].(types.DTimestamp)), nil, a[1].(string))
		}).stable(),
		def(1770, "to_char", []*types.T{TZ, T}, T, func(c *Context, a []types.Datum) (types.Datum, error) {
			return ts(int64(a[0].(types.DTimestampTZ)), location(c), a[1].(string))
		}).stable(),
		def(1768, "to_char", []*types.T{IV, T}, T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return format(intervalValue(a[0].(types.DInterval)), a[1].(string))
		}).stable(),
	}
}
