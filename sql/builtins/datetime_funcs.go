package builtins

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Functions of dates, times, timestamps and intervals: date_trunc,
// date_bin, age, the make_ family, justify_*, isfinite, to_timestamp of a
// Unix time, generate_series over timestamps and timeofday.

// truncUnit is the unit of date_trunc: only the interval units count
// (not dow or epoch, which name fields but are no units to cut at).
func truncUnit(units string) (dtUnit, string) {
	u, low := lookupUnit(units)
	switch u {
	case unitDow, unitIsodow, unitDoy, unitIsoyear, unitJulian, unitEpoch, unitReserved, unitOther:
		u = unitUnknown
	}
	return u, low
}

// truncFields cuts a broken-down timestamp to a unit. redo says whether
// the day changed, so that a zone's offset must be found anew.
func truncFields(u dtUnit, f *types.Fields) (redo, ok bool) {
	if u == unitWeek {
		w, _ := isoWeek(f.Year, f.Month, f.Day)
		if w >= 52 && f.Month == 1 {
			f.Year--
		}
		if w <= 1 && f.Month == monthsPerYear {
			f.Year++
		}
		j := isoWeekStart(f.Year) + (w-1)*7
		if j < 0 {
			return false, false
		}
		f.Year, f.Month, f.Day = types.FromJulian(j)
		f.Hour, f.Minute, f.Sec, f.Usec = 0, 0, 0, 0
		return true, true
	}
	switch u {
	case unitMillennium:
		if f.Year > 0 {
			f.Year = (f.Year+999)/1000*1000 - 999
		} else {
			f.Year = -((999-(f.Year-1))/1000)*1000 + 1
		}
	case unitCentury:
		if f.Year > 0 {
			f.Year = (f.Year+99)/100*100 - 99
		} else {
			f.Year = -((99-(f.Year-1))/100)*100 + 1
		}
	case unitDecade:
		if f.Year > 0 {
			f.Year = f.Year / 10 * 10
		} else {
			f.Year = -((8 - (f.Year - 1)) / 10) * 10
		}
	}
	switch u {
	case unitMillennium, unitCentury, unitDecade, unitYear:
		f.Month = 1
		fallthrough
	case unitQuarter:
		f.Month = 3*((f.Month-1)/3) + 1
		fallthrough
	case unitMonth:
		f.Day = 1
		fallthrough
	case unitDay:
		f.Hour = 0
		redo = true
		fallthrough
	case unitHour:
		f.Minute = 0
		fallthrough
	case unitMinute:
		f.Sec = 0
		fallthrough
	case unitSecond:
		f.Usec = 0
	case unitMillisec:
		f.Usec = f.Usec / 1000 * 1000
	case unitMicrosec:
	default:
		return false, false
	}
	return redo, true
}

// truncTimestamp is date_trunc of a timestamp; with loc, of a
// timestamptz in loc's wall clock.
func truncTimestamp(units string, ts int64, loc *time.Location) (int64, error) {
	if !finite(ts) {
		return ts, nil
	}
	t := types.Timestamp
	if loc != nil {
		t = types.TimestampTZ
	}
	u, low := truncUnit(units)
	if u == unitUnknown {
		return 0, errUnitNotRecognized(low, t)
	}
	var f types.Fields
	var east int
	var ok bool
	if loc != nil {
		f, east, ok = zoneFields(ts, loc)
	} else {
		f, ok = types.SplitTimestamp(ts)
	}
	if !ok {
		return 0, errTimestampRange()
	}
	redo, ok := truncFields(u, &f)
	if !ok {
		return 0, errUnitNotSupported(low, t)
	}
	if loc != nil && redo {
		east = types.LocalZoneOffset(f, loc)
	}
	r, ok := f.Timestamp(east)
	if !ok {
		return 0, errTimestampRange()
	}
	return r, nil
}

// truncInterval is date_trunc of an interval.
func truncInterval(units string, iv types.DInterval) (types.Datum, error) {
	u, low := truncUnit(units)
	if u == unitUnknown {
		return nil, errUnitNotRecognized(low, types.Interval)
	}
	year := iv.Months / monthsPerYear
	mon := iv.Months % monthsPerYear
	day := iv.Days
	t := iv.Micros
	hour := t / types.UsecsPerHour
	t -= hour * types.UsecsPerHour
	minute := t / types.UsecsPerMin
	t -= minute * types.UsecsPerMin
	sec := t / types.UsecsPerSec
	usec := t - sec*types.UsecsPerSec
	switch u {
	case unitMillennium:
		year = year / 1000 * 1000
		fallthrough
	case unitCentury:
		year = year / 100 * 100
		fallthrough
	case unitDecade:
		year = year / 10 * 10
		fallthrough
	case unitYear:
		mon = 0
		fallthrough
	case unitQuarter:
		mon = 3 * (mon / 3)
		fallthrough
	case unitMonth:
		day = 0
		fallthrough
	case unitDay:
		hour = 0
		fallthrough
	case unitHour:
		minute = 0
		fallthrough
	case unitMinute:
		sec = 0
		fallthrough
	case unitSecond:
		usec = 0
	case unitMillisec:
		usec = usec / 1000 * 1000
	case unitMicrosec:
	default:
		err := errUnitNotSupported(low, types.Interval)
		if u == unitWeek {
			err = err.(*pgcode.Error).WithDetail("Months usually have fractional weeks.")
		}
		return nil, err
	}
	return types.DInterval{Months: year*monthsPerYear + mon, Days: day,
		Micros: ((hour*60+minute)*60+sec)*types.UsecsPerSec + usec}, nil
}

// lookupTimeZone finds a zone named in an argument: an abbreviation
// (EST, a fixed offset) or a name of the zone database.
func lookupTimeZone(name string) (*time.Location, error) {
	if off, ok := types.ZoneAbbrevOffset(lowerUnits(name)); ok {
		return time.FixedZone(strings.ToUpper(name), off), nil
	}
	if loc := types.LookupZone(name); loc != nil {
		return loc, nil
	}
	return nil, pgcode.New(pgcode.InvalidParameterValue, "time zone \""+name+"\" not recognized")
}

// age is the difference of two timestamps in years, months, days and
// time, as a person counts it: from b up to a by the calendar.
func age(a, b types.Fields, aBefore bool) (types.Datum, error) {
	usec := a.Usec - b.Usec
	sec := a.Sec - b.Sec
	minute := a.Minute - b.Minute
	hour := a.Hour - b.Hour
	mday := a.Day - b.Day
	mon := a.Month - b.Month
	year := a.Year - b.Year
	if aBefore {
		usec, sec, minute, hour, mday, mon, year = -usec, -sec, -minute, -hour, -mday, -mon, -year
	}
	for usec < 0 {
		usec += types.UsecsPerSec
		sec--
	}
	for sec < 0 {
		sec += 60
		minute--
	}
	for minute < 0 {
		minute += 60
		hour--
	}
	for hour < 0 {
		hour += 24
		mday--
	}
	for mday < 0 {
		if aBefore {
			mday += types.DaysInMonth(a.Year, a.Month)
		} else {
			mday += types.DaysInMonth(b.Year, b.Month)
		}
		mon--
	}
	for mon < 0 {
		mon += monthsPerYear
		year--
	}
	if aBefore {
		usec, sec, minute, hour, mday, mon, year = -usec, -sec, -minute, -hour, -mday, -mon, -year
	}
	months := int64(year)*monthsPerYear + int64(mon)
	if months != int64(int32(months)) {
		return nil, errIntervalRange()
	}
	return types.DInterval{Months: int32(months), Days: int32(mday),
		Micros: (int64(hour*60+minute)*60+int64(sec))*types.UsecsPerSec + usec}, nil
}

func ageTimestamps(a, b int64, loc *time.Location) (types.Datum, error) {
	// The infinities are not refused: PostgreSQL 15 takes them for the
	// dates their values would be, where the calendar reaches them.
	split := func(ts int64) (types.Fields, bool) {
		if loc != nil {
			f, _, ok := zoneFields(ts, loc)
			return f, ok
		}
		return types.SplitTimestamp(ts)
	}
	fa, ok1 := split(a)
	fb, ok2 := split(b)
	if !ok1 || !ok2 {
		return nil, errTimestampRange()
	}
	return age(fa, fb, a < b)
}

// formatG is C's %g: six significant digits.
func formatG(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

// formatG2 is C's %02g.
func formatG2(f float64) string {
	s := formatG(f)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

// timeOverflows reports whether hour:min:sec is no time of day (24:00:00
// is one).
func timeOverflows(hour, minute int64, sec float64) bool {
	if hour < 0 || hour > 24 || minute < 0 || minute >= 60 || math.IsNaN(sec) {
		return true
	}
	us := math.RoundToEven(sec * 1e6)
	if us < 0 || us > 60e6 {
		return true
	}
	return ((hour*60+minute)*60)*types.UsecsPerSec+int64(us) > types.UsecsPerDay
}

func makeDate(y, m, d int64) (types.Datum, error) {
	year := int(y)
	bc := year < 0
	if bc {
		year = -year
	}
	ok := year > 0
	if ok && bc {
		year = -(year - 1)
	}
	msg := func() string { return fmt.Sprintf("%d-%02d-%02d", year, m, d) }
	if !ok || m < 1 || m > 12 || d < 1 || d > int64(types.DaysInMonth(year, int(m))) {
		return nil, pgcode.New(pgcode.DatetimeFieldOverflow, "date field value out of range: "+msg())
	}
	if !types.ValidJulian(year, int(m)) {
		return nil, errDatetime("date out of range: " + msg())
	}
	days := int64(types.Julian(year, int(m), int(d)) - types.EpochJulian)
	if !types.ValidDate(days) {
		return nil, errDatetime("date out of range: " + msg())
	}
	return types.DDate(days), nil
}

func makeTimestamp(y, mo, d, h, mi int64, sec float64) (int64, error) {
	dateMsg := func() string { return fmt.Sprintf("%d-%02d-%02d", y, mo, d) }
	year := int(y)
	if year < 0 {
		year++ // 1 BC is year 0
	}
	if y == 0 || mo < 1 || mo > 12 || d < 1 || d > int64(types.DaysInMonth(year, int(mo))) {
		return 0, pgcode.New(pgcode.DatetimeFieldOverflow, "date field value out of range: "+dateMsg())
	}
	if !types.ValidJulian(year, int(mo)) {
		return 0, errDatetime("date out of range: " + dateMsg())
	}
	date := int64(types.Julian(year, int(mo), int(d)) - types.EpochJulian)
	if timeOverflows(h, mi, sec) {
		return 0, pgcode.New(pgcode.DatetimeFieldOverflow,
			fmt.Sprintf("time field value out of range: %d:%02d:%s", h, mi, formatG2(sec)))
	}
	tod := (h*60+mi)*60*types.UsecsPerSec + int64(math.RoundToEven(sec*1e6))
	r := date*types.UsecsPerDay + tod
	if (r-tod)/types.UsecsPerDay != date || (r < 0 && date > 0) || (r > 0 && date < -1) || !types.ValidTimestamp(r) {
		return 0, errDatetime(fmt.Sprintf("timestamp out of range: %d-%02d-%02d %d:%02d:%s", y, mo, d, h, mi, formatG2(sec)))
	}
	return r, nil
}

// zoneOffsetFor is the offset, in seconds east of UTC, of a zone named
// in an argument at the wall clock of a timestamp: a numeric offset
// (+05, -03:30), an abbreviation or a zone's name.
func zoneOffsetFor(name string, local int64) (int, error) {
	if name != "" && (name[0] == '+' || name[0] == '-' || (name[0] >= '0' && name[0] <= '9')) {
		if off, ok := parseNumericZone(name); ok {
			return off, nil
		}
		return 0, pgcode.New(pgcode.InvalidTextRepresentation, "invalid input syntax for type numeric time zone: \""+name+"\"")
	}
	loc, err := lookupTimeZone(name)
	if err != nil {
		return 0, err
	}
	f, ok := types.SplitTimestamp(local)
	if !ok {
		return 0, errTimestampRange()
	}
	return types.LocalZoneOffset(f, loc), nil
}

// parseNumericZone reads +HH, +HH:MM, +HH:MM:SS, +HHMM; the sign is
// ISO 8601's (east of UTC is +).
func parseNumericZone(s string) (int, bool) {
	sign := 1
	switch s[0] {
	case '-':
		sign = -1
		s = s[1:]
	case '+':
		s = s[1:]
	}
	var h, m, sec int
	var err error
	parts := strings.Split(s, ":")
	switch {
	case len(parts) == 1 && len(s) > 2:
		if len(s) > 4 {
			return 0, false
		}
		h, err = strconv.Atoi(s[:len(s)-2])
		if err == nil {
			m, err = strconv.Atoi(s[len(s)-2:])
		}
	default:
		if len(parts) > 3 {
			return 0, false
		}
		nums := []*int{&h, &m, &sec}
		for i, p := range parts {
			if p == "" {
				return 0, false
			}
			if *nums[i], err = strconv.Atoi(p); err != nil {
				return 0, false
			}
		}
	}
	if err != nil || h > 15 || m >= 60 || sec >= 60 || h < 0 || m < 0 || sec < 0 {
		return 0, false
	}
	return sign * (h*3600 + m*60 + sec), true
}

// intervalSign is the sign of an interval as intervals compare: a
// month as 30 days, a day as 24 hours.
func intervalSign(iv types.DInterval) int {
	days := int64(iv.Months)*daysPerMonth + int64(iv.Days)
	whole := iv.Micros / types.UsecsPerDay
	days += whole
	rest := iv.Micros - whole*types.UsecsPerDay // less than a day
	switch {
	case days > 0 || (days == 0 && rest > 0):
		return 1
	case days < 0 || rest < 0:
		return -1
	}
	return 0
}

// seriesRows are the rows of generate_series over timestamps.
type seriesRows struct {
	cur, end int64
	step     types.DInterval
	sign     int
	loc      *time.Location
	tz       bool
	done     bool
}

func (r *seriesRows) Next() ([]types.Datum, error) {
	if r.done || (r.sign > 0 && r.cur > r.end) || (r.sign < 0 && r.cur < r.end) {
		return nil, nil
	}
	v := r.cur
	next, err := timestampAddInterval(r.cur, r.step, r.loc)
	if err != nil {
		return nil, err
	}
	if next == r.cur {
		r.done = true // an infinite start stays where it is
	}
	r.cur = next
	if r.tz {
		return []types.Datum{types.DTimestampTZ(v)}, nil
	}
	return []types.Datum{types.DTimestamp(v)}, nil
}

func dateBin(stride types.DInterval, ts, origin int64) (int64, error) {
	if !finite(ts) {
		return ts, nil
	}
	if !finite(origin) {
		return 0, errDatetime("origin out of range")
	}
	if stride.Months != 0 {
		return 0, pgcode.New(pgcode.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
	}
	step := int64(stride.Days)*types.UsecsPerDay + stride.Micros
	if step <= 0 {
		return 0, errDatetime("stride must be greater than zero")
	}
	diff := ts - origin
	delta := diff - diff%step
	if diff < 0 && diff%step != 0 {
		// The start of the bin, also before the origin.
		delta -= step
	}
	return origin + delta, nil
}

var _ = register(datetimeFuncs()...)

func datetimeFuncs() []*Overload {
	T, D, TM, TS, TZ, IV := types.Text, types.Date, types.Time, types.Timestamp, types.TimestampTZ, types.Interval
	I, F, B := types.Int4, types.Float8, types.Bool
	ivf := func(f func(types.DInterval) (types.Datum, error)) fnBody {
		return func(_ *Context, a []types.Datum) (types.Datum, error) { return f(a[0].(types.DInterval)) }
	}
	out := []*Overload{
		def(2020, "date_trunc", ts(T, TS), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			r, err := truncTimestamp(a[0].(string), int64(a[1].(types.DTimestamp)), nil)
			return types.DTimestamp(r), err
		}),
		def(1217, "date_trunc", ts(T, TZ), TZ, func(c *Context, a []types.Datum) (types.Datum, error) {
			r, err := truncTimestamp(a[0].(string), int64(a[1].(types.DTimestampTZ)), location(c))
			return types.DTimestampTZ(r), err
		}).stable(),
		def(1284, "date_trunc", ts(T, TZ, T), TZ, func(_ *Context, a []types.Datum) (types.Datum, error) {
			loc, err := lookupTimeZone(a[2].(string))
			if err != nil {
				return nil, err
			}
			r, err := truncTimestamp(a[0].(string), int64(a[1].(types.DTimestampTZ)), loc)
			return types.DTimestampTZ(r), err
		}).stable(),
		def(1218, "date_trunc", ts(T, IV), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return truncInterval(a[0].(string), a[1].(types.DInterval))
		}),
		def(6177, "date_bin", ts(IV, TS, TS), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			r, err := dateBin(a[0].(types.DInterval), int64(a[1].(types.DTimestamp)), int64(a[2].(types.DTimestamp)))
			return types.DTimestamp(r), err
		}),
		def(6178, "date_bin", ts(IV, TZ, TZ), TZ, func(_ *Context, a []types.Datum) (types.Datum, error) {
			r, err := dateBin(a[0].(types.DInterval), int64(a[1].(types.DTimestampTZ)), int64(a[2].(types.DTimestampTZ)))
			return types.DTimestampTZ(r), err
		}),
		def(2058, "age", ts(TS, TS), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return ageTimestamps(int64(a[0].(types.DTimestamp)), int64(a[1].(types.DTimestamp)), nil)
		}),
		def(1199, "age", ts(TZ, TZ), IV, func(c *Context, a []types.Datum) (types.Datum, error) {
			return ageTimestamps(int64(a[0].(types.DTimestampTZ)), int64(a[1].(types.DTimestampTZ)), location(c))
		}).stable(),
		def(2059, "age", ts(TS), IV, func(c *Context, a []types.Datum) (types.Datum, error) {
			today := int64(types.DateFromTime(c.TxnTime.In(location(c)))) * types.UsecsPerDay
			return ageTimestamps(today, int64(a[0].(types.DTimestamp)), nil)
		}).stable(),
		def(1386, "age", ts(TZ), IV, func(c *Context, a []types.Datum) (types.Datum, error) {
			loc := location(c)
			f, _ := types.SplitTimestamp(int64(types.DateFromTime(c.TxnTime.In(loc))) * types.UsecsPerDay)
			today, _ := joinZone(f, loc)
			return ageTimestamps(today, int64(a[0].(types.DTimestampTZ)), loc)
		}).stable(),
		def(1295, "justify_days", ts(IV), IV, ivf(justifyDays)),
		def(1175, "justify_hours", ts(IV), IV, ivf(justifyHours)),
		def(2711, "justify_interval", ts(IV), IV, ivf(justifyInterval)),
		def(1373, "isfinite", ts(D), B, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return dateFinite(a[0].(types.DDate)), nil
		}),
		def(2048, "isfinite", ts(TS), B, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return finite(int64(a[0].(types.DTimestamp))), nil
		}),
		def(1389, "isfinite", ts(TZ), B, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return finite(int64(a[0].(types.DTimestampTZ))), nil
		}),
		def(1390, "isfinite", ts(IV), B, func(_ *Context, _ []types.Datum) (types.Datum, error) {
			return true, nil
		}),
		def(3846, "make_date", ts(I, I, I), D, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return makeDate(a[0].(int64), a[1].(int64), a[2].(int64))
		}),
		def(3847, "make_time", ts(I, I, F), TM, func(_ *Context, a []types.Datum) (types.Datum, error) {
			h, m, s := a[0].(int64), a[1].(int64), a[2].(float64)
			if timeOverflows(h, m, s) {
				return nil, pgcode.New(pgcode.DatetimeFieldOverflow,
					fmt.Sprintf("time field value out of range: %d:%02d:%s", h, m, formatG2(s)))
			}
			return types.DTime((h*60+m)*60*types.UsecsPerSec + int64(math.RoundToEven(s*1e6))), nil
		}),
		def(3461, "make_timestamp", ts(I, I, I, I, I, F), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			r, err := makeTimestamp(a[0].(int64), a[1].(int64), a[2].(int64), a[3].(int64), a[4].(int64), a[5].(float64))
			return types.DTimestamp(r), err
		}),
		def(3462, "make_timestamptz", ts(I, I, I, I, I, F), TZ, func(c *Context, a []types.Datum) (types.Datum, error) {
			r, err := makeTimestamp(a[0].(int64), a[1].(int64), a[2].(int64), a[3].(int64), a[4].(int64), a[5].(float64))
			if err != nil {
				return nil, err
			}
			f, _ := types.SplitTimestamp(r)
			z, ok := joinZone(f, location(c))
			if !ok {
				return nil, errTimestampRange()
			}
			return types.DTimestampTZ(z), nil
		}).stable(),
		def(3463, "make_timestamptz", ts(I, I, I, I, I, F, T), TZ, func(_ *Context, a []types.Datum) (types.Datum, error) {
			r, err := makeTimestamp(a[0].(int64), a[1].(int64), a[2].(int64), a[3].(int64), a[4].(int64), a[5].(float64))
			if err != nil {
				return nil, err
			}
			east, err := zoneOffsetFor(a[6].(string), r)
			if err != nil {
				return nil, err
			}
			z := r - int64(east)*types.UsecsPerSec
			if !types.ValidTimestamp(z) {
				return nil, errTimestampRange()
			}
			return types.DTimestampTZ(z), nil
		}).stable(),
		def(1158, "to_timestamp", ts(F), TZ, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return unixToTimestamp(a[0].(float64))
		}),
		{Name: "timeofday", Oid: 274, Ret: T, Volatility: Volatile, Strict: true,
			Fn: func(c *Context, _ []types.Datum) (types.Datum, error) {
				now := time.Now().In(location(c))
				return fmt.Sprintf("%s.%06d %s", now.Format("Mon Jan 02 15:04:05"), now.Nanosecond()/1000,
					now.Format("2006 MST")), nil
			}},
	}
	// make_interval's arguments all default to 0: one overload for each
	// number of them given.
	mkArgs := []*types.T{I, I, I, I, I, I, F}
	for n := 0; n <= len(mkArgs); n++ {
		out = append(out, def(3464, "make_interval", mkArgs[:n:n], IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			var v [6]int32
			secs := 0.0
			for i, x := range a {
				if i < 6 {
					v[i] = int32(x.(int64))
				} else {
					secs = x.(float64)
				}
			}
			return makeInterval(v, secs)
		}))
	}
	full := out[len(out)-1]
	full.ArgNames = []string{"years", "months", "weeks", "days", "hours", "mins", "secs"}
	full.Defaults = []types.Datum{int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), 0.0}
	series := func(oid uint32, t *types.T, tz bool) *Overload {
		o := &Overload{Name: "generate_series", Oid: oid, Kind: SetReturning, Args: ts(t, t, IV), Ret: t, Strict: true,
			SRF: func(c *Context, a []types.Datum) (Rows, error) {
				r := &seriesRows{step: a[2].(types.DInterval), tz: tz}
				if tz {
					r.cur, r.end, r.loc = int64(a[0].(types.DTimestampTZ)), int64(a[1].(types.DTimestampTZ)), location(c)
				} else {
					r.cur, r.end = int64(a[0].(types.DTimestamp)), int64(a[1].(types.DTimestamp))
				}
				if r.sign = intervalSign(r.step); r.sign == 0 {
					return nil, pgcode.New(pgcode.InvalidParameterValue, "step size cannot equal zero")
				}
				return r, nil
			}}
		if tz {
			o.Volatility = Stable
		}
		return o
	}
	return append(out, series(938, TS, false), series(939, TZ, true))
}

// makeInterval is make_interval(years, months, weeks, days, hours, mins,
// secs). PostgreSQL 15 lets the integer parts wrap around; so does this.
func makeInterval(v [6]int32, secs float64) (types.Datum, error) {
	if math.IsInf(secs, 0) || math.IsNaN(secs) {
		return nil, errIntervalRange()
	}
	us := math.RoundToEven(secs * 1e6)
	return types.DInterval{
		Months: v[0]*monthsPerYear + v[1],
		Days:   v[2]*7 + v[3],
		Micros: int64(v[4])*types.UsecsPerHour + int64(v[5])*types.UsecsPerMin + int64(us),
	}, nil
}

// unixToTimestamp is to_timestamp(double precision): seconds since
// 1970-01-01 00:00 UTC.
func unixToTimestamp(s float64) (types.Datum, error) {
	arg := s
	switch {
	case math.IsNaN(s):
		return nil, errDatetime("timestamp cannot be NaN")
	case math.IsInf(s, -1):
		return types.DTimestampTZ(types.TimestampNegInfinity), nil
	case math.IsInf(s, 1):
		return types.DTimestampTZ(types.TimestampInfinity), nil
	}
	const endJulian = 109203528 // 294277-01-01
	if s < float64(secsPerDay)*float64(-types.UnixEpochJulian) || s >= float64(secsPerDay)*float64(endJulian-types.UnixEpochJulian) {
		return nil, errDatetime("timestamp out of range: \"" + formatG(arg) + "\"")
	}
	s -= float64((types.EpochJulian - types.UnixEpochJulian) * secsPerDay)
	us := math.RoundToEven(s * 1e6)
	if !types.ValidTimestamp(int64(us)) {
		return nil, errDatetime("timestamp out of range: \"" + formatG(arg) + "\"")
	}
	return types.DTimestampTZ(int64(us)), nil
}
