package builtins

import (
	"math"
	"time"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Arithmetic on dates, times, timestamps and intervals, as PostgreSQL
// computes it: months and days of an interval move a timestamp by the
// calendar (in the session's time zone for timestamptz), its time part by
// the clock.

const (
	daysPerMonth  = 30
	monthsPerYear = 12
	secsPerDay    = 86400
)

func errDatetime(msg string) error { return pgcode.New(pgcode.DatetimeFieldOverflow, msg) }

func errTimestampRange() error { return errDatetime("timestamp out of range") }
func errIntervalRange() error  { return errDatetime("interval out of range") }
func errDateRange() error      { return errDatetime("date out of range") }

func finite(ts int64) bool { return ts != types.TimestampInfinity && ts != types.TimestampNegInfinity }

func dateFinite(d types.DDate) bool { return d != types.DateInfinity && d != types.DateNegInfinity }

// zoneFields breaks a timestamptz into the wall clock of loc; east is
// the zone's offset then, in seconds east of UTC.
func zoneFields(ts int64, loc *time.Location) (f types.Fields, east int, ok bool) {
	east = types.ZoneOffset(loc, ts)
	f, ok = types.SplitTimestamp(ts + int64(east)*types.UsecsPerSec)
	return f, east, ok
}

// joinZone makes a timestamptz of the wall clock f in loc.
func joinZone(f types.Fields, loc *time.Location) (int64, bool) {
	return f.Timestamp(types.LocalZoneOffset(f, loc))
}

// addMonths moves the date of f by n months, keeping the day where the
// month has it and taking the month's last day where it has not.
func addMonths(f *types.Fields, n int32) {
	m := f.Month + int(n)
	if m > monthsPerYear {
		f.Year += (m - 1) / monthsPerYear
		m = (m-1)%monthsPerYear + 1
	} else if m < 1 {
		f.Year += m/monthsPerYear - 1
		m = m%monthsPerYear + monthsPerYear
	}
	f.Month = m
	if last := types.DaysInMonth(f.Year, f.Month); f.Day > last {
		f.Day = last
	}
}

// addDays moves the date of f by n days.
func addDays(f *types.Fields, n int32) bool {
	j := int64(types.Julian(f.Year, f.Month, f.Day)) + int64(n)
	if j < 0 || j > math.MaxInt32 {
		return false
	}
	f.Year, f.Month, f.Day = types.FromJulian(int(j))
	return true
}

// timestampAddInterval is timestamp + interval. With loc, the timestamp
// is a timestamptz whose months and days move in loc's wall clock.
func timestampAddInterval(ts int64, iv types.DInterval, loc *time.Location) (int64, error) {
	if !finite(ts) {
		return ts, nil
	}
	step := func(apply func(f *types.Fields) bool) error {
		var f types.Fields
		var ok bool
		if loc != nil {
			f, _, ok = zoneFields(ts, loc)
		} else {
			f, ok = types.SplitTimestamp(ts)
		}
		if !ok || !apply(&f) {
			return errTimestampRange()
		}
		if loc != nil {
			ts, ok = joinZone(f, loc)
		} else {
			ts, ok = f.Timestamp(0)
		}
		if !ok {
			return errTimestampRange()
		}
		return nil
	}
	if iv.Months != 0 {
		if err := step(func(f *types.Fields) bool { addMonths(f, iv.Months); return true }); err != nil {
			return 0, err
		}
	}
	if iv.Days != 0 {
		if err := step(func(f *types.Fields) bool { return addDays(f, iv.Days) }); err != nil {
			return 0, err
		}
	}
	r := ts + iv.Micros
	if (iv.Micros > 0 && r < ts) || (iv.Micros < 0 && r > ts) || !types.ValidTimestamp(r) {
		return 0, errTimestampRange()
	}
	return r, nil
}

func negInterval(iv types.DInterval) types.DInterval {
	return types.DInterval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
}

// dateToTimestamp is midnight of a date.
func dateToTimestamp(d types.DDate) (int64, error) {
	switch d {
	case types.DateInfinity:
		return types.TimestampInfinity, nil
	case types.DateNegInfinity:
		return types.TimestampNegInfinity, nil
	}
	ts := int64(d) * types.UsecsPerDay
	if int64(d) > math.MaxInt64/types.UsecsPerDay || !types.ValidTimestamp(ts) {
		return 0, errDatetime("date out of range for timestamp")
	}
	return ts, nil
}

// timestampDiff is timestamp - timestamp: the difference in the time
// part, whole days of 24 hours moved to the day part.
func timestampDiff(a, b int64) (types.Datum, error) {
	if !finite(a) || !finite(b) {
		return nil, errDatetime("cannot subtract infinite timestamps")
	}
	// PostgreSQL 15 lets the difference of the two ends of the range
	// wrap around; so does this.
	return justifyHours(types.DInterval{Micros: a - b})
}

func addInterval(a, b types.DInterval) (types.Datum, error) {
	m := int64(a.Months) + int64(b.Months)
	d := int64(a.Days) + int64(b.Days)
	t := a.Micros + b.Micros
	if m != int64(int32(m)) || d != int64(int32(d)) || (b.Micros > 0 && t < a.Micros) || (b.Micros < 0 && t > a.Micros) {
		return nil, errIntervalRange()
	}
	return types.DInterval{Months: int32(m), Days: int32(d), Micros: t}, nil
}

func negateInterval(iv types.DInterval) (types.Datum, error) {
	if iv.Months == math.MinInt32 || iv.Days == math.MinInt32 || iv.Micros == math.MinInt64 {
		return nil, errIntervalRange()
	}
	return negInterval(iv), nil
}

// tsRound rounds seconds to the microsecond.
func tsRound(x float64) float64 { return math.RoundToEven(x*1e6) / 1e6 }

func fitsInt32(f float64) bool {
	return !math.IsNaN(f) && f >= math.MinInt32 && f < -float64(math.MinInt32)
}
func fitsInt64(f float64) bool {
	return !math.IsNaN(f) && f >= math.MinInt64 && f < -float64(math.MinInt64)
}

// scaleInterval is interval * f (or / f when div): each part scaled, the
// fractions of months carried to days (30 a month) and of days to time.
func scaleInterval(iv types.DInterval, f float64, div bool) (types.Datum, error) {
	if div && f == 0 {
		return nil, pgcode.New(pgcode.DivisionByZero, "division by zero")
	}
	scale := func(x float64) float64 {
		if div {
			return x / f
		}
		return x * f
	}
	mf := scale(float64(iv.Months))
	if !fitsInt32(mf) {
		return nil, errIntervalRange()
	}
	df := scale(float64(iv.Days))
	if !fitsInt32(df) {
		return nil, errIntervalRange()
	}
	var r types.DInterval
	r.Months = int32(mf)
	r.Days = int32(df)
	monthDays := tsRound((mf - float64(r.Months)) * daysPerMonth)
	secs := tsRound((df - float64(r.Days) + monthDays - math.Trunc(monthDays)) * secsPerDay)
	if math.Abs(secs) >= secsPerDay {
		whole := math.Trunc(secs / secsPerDay)
		r.Days += int32(whole)
		secs -= whole * secsPerDay
	}
	r.Days += int32(monthDays)
	t := math.RoundToEven(scale(float64(iv.Micros)) + secs*1e6)
	if !fitsInt64(t) {
		return nil, errIntervalRange()
	}
	r.Micros = int64(t)
	return r, nil
}

// justifyHours moves whole days of 24 hours from the time part to the
// day part.
func justifyHours(iv types.DInterval) (types.Datum, error) {
	whole := iv.Micros / types.UsecsPerDay
	iv.Micros -= whole * types.UsecsPerDay
	d := int64(iv.Days) + whole
	if d != int64(int32(d)) {
		return nil, errIntervalRange()
	}
	iv.Days = int32(d)
	if iv.Days > 0 && iv.Micros < 0 {
		iv.Micros += types.UsecsPerDay
		iv.Days--
	} else if iv.Days < 0 && iv.Micros > 0 {
		iv.Micros -= types.UsecsPerDay
		iv.Days++
	}
	return iv, nil
}

// justifyDays moves whole months of 30 days from the day part to the
// month part.
func justifyDays(iv types.DInterval) (types.Datum, error) {
	whole := iv.Days / daysPerMonth
	iv.Days -= whole * daysPerMonth
	m := int64(iv.Months) + int64(whole)
	if m != int64(int32(m)) {
		return nil, errIntervalRange()
	}
	iv.Months = int32(m)
	if iv.Months > 0 && iv.Days < 0 {
		iv.Days += daysPerMonth
		iv.Months--
	} else if iv.Months < 0 && iv.Days > 0 {
		iv.Days -= daysPerMonth
		iv.Months++
	}
	return iv, nil
}

// justifyInterval is justify_hours then justify_days, with the signs of
// all three parts made to agree.
func justifyInterval(iv types.DInterval) (types.Datum, error) {
	months := int64(iv.Months)
	days := int64(iv.Days)
	if (days > 0 && iv.Micros > 0) || (days < 0 && iv.Micros < 0) {
		whole := days / daysPerMonth
		days -= whole * daysPerMonth
		months += whole
	}
	whole := iv.Micros / types.UsecsPerDay
	t := iv.Micros - whole*types.UsecsPerDay
	days += whole
	wm := days / daysPerMonth
	days -= wm * daysPerMonth
	months += wm
	if months != int64(int32(months)) {
		return nil, errIntervalRange()
	}
	if months > 0 && (days < 0 || (days == 0 && t < 0)) {
		days += daysPerMonth
		months--
	} else if months < 0 && (days > 0 || (days == 0 && t > 0)) {
		days -= daysPerMonth
		months++
	}
	if days > 0 && t < 0 {
		t += types.UsecsPerDay
		days--
	} else if days < 0 && t > 0 {
		t -= types.UsecsPerDay
		days++
	}
	return types.DInterval{Months: int32(months), Days: int32(days), Micros: t}, nil
}

// timeAdd is time + microseconds, wrapped around midnight.
func timeAdd(t types.DTime, us int64) types.DTime {
	r := (int64(t) + us%types.UsecsPerDay) % types.UsecsPerDay
	if r < 0 {
		r += types.UsecsPerDay
	}
	return types.DTime(r)
}

func dateAddDays(d types.DDate, n int64) (types.Datum, error) {
	if !dateFinite(d) {
		return d, nil
	}
	r := int64(d) + n
	if !types.ValidDate(r) {
		return nil, errDateRange()
	}
	return types.DDate(r), nil
}

var _ = register(datetimeOps()...)

func datetimeOps() []*Overload {
	D, T, TS, TZ, IV, I, F := types.Date, types.Time, types.Timestamp, types.TimestampTZ, types.Interval, types.Int4, types.Float8
	iv := func(d types.Datum) types.DInterval { return d.(types.DInterval) }
	tsPlus := func(ts int64, v types.DInterval) (types.Datum, error) {
		r, err := timestampAddInterval(ts, v, nil)
		return types.DTimestamp(r), err
	}
	tzPlus := func(c *Context, ts int64, v types.DInterval) (types.Datum, error) {
		r, err := timestampAddInterval(ts, v, location(c))
		return types.DTimestampTZ(r), err
	}
	datePlus := func(d types.DDate, v types.DInterval) (types.Datum, error) {
		ts, err := dateToTimestamp(d)
		if err != nil {
			return nil, err
		}
		return tsPlus(ts, v)
	}
	dateTime := func(d types.DDate, t types.DTime) (types.Datum, error) {
		ts, err := dateToTimestamp(d)
		if err != nil || !finite(ts) {
			return types.DTimestamp(ts), err
		}
		ts += int64(t)
		if !types.ValidTimestamp(ts) {
			return nil, errTimestampRange()
		}
		return types.DTimestamp(ts), nil
	}
	return []*Overload{
		def(1141, "+", ts(D, I), D, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return dateAddDays(a[0].(types.DDate), a[1].(int64))
		}),
		def(2550, "+", ts(I, D), D, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return dateAddDays(a[1].(types.DDate), a[0].(int64))
		}),
		def(1142, "-", ts(D, I), D, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return dateAddDays(a[0].(types.DDate), -a[1].(int64))
		}),
		def(1140, "-", ts(D, D), I, func(_ *Context, a []types.Datum) (types.Datum, error) {
			x, y := a[0].(types.DDate), a[1].(types.DDate)
			if !dateFinite(x) || !dateFinite(y) {
				return nil, errDatetime("cannot subtract infinite dates")
			}
			return int64(x) - int64(y), nil
		}),
		def(2071, "+", ts(D, IV), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return datePlus(a[0].(types.DDate), iv(a[1]))
		}),
		def(2546, "+", ts(IV, D), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return datePlus(a[1].(types.DDate), iv(a[0]))
		}),
		def(2072, "-", ts(D, IV), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return datePlus(a[0].(types.DDate), negInterval(iv(a[1])))
		}),
		def(1272, "+", ts(D, T), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return dateTime(a[0].(types.DDate), a[1].(types.DTime))
		}),
		def(1296, "+", ts(T, D), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return dateTime(a[1].(types.DDate), a[0].(types.DTime))
		}),
		def(2032, "+", ts(TS, IV), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return tsPlus(int64(a[0].(types.DTimestamp)), iv(a[1]))
		}),
		def(2548, "+", ts(IV, TS), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return tsPlus(int64(a[1].(types.DTimestamp)), iv(a[0]))
		}),
		def(2033, "-", ts(TS, IV), TS, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return tsPlus(int64(a[0].(types.DTimestamp)), negInterval(iv(a[1])))
		}),
		def(1189, "+", ts(TZ, IV), TZ, func(c *Context, a []types.Datum) (types.Datum, error) {
			return tzPlus(c, int64(a[0].(types.DTimestampTZ)), iv(a[1]))
		}).stable(),
		def(2549, "+", ts(IV, TZ), TZ, func(c *Context, a []types.Datum) (types.Datum, error) {
			return tzPlus(c, int64(a[1].(types.DTimestampTZ)), iv(a[0]))
		}).stable(),
		def(1190, "-", ts(TZ, IV), TZ, func(c *Context, a []types.Datum) (types.Datum, error) {
			return tzPlus(c, int64(a[0].(types.DTimestampTZ)), negInterval(iv(a[1])))
		}).stable(),
		def(2031, "-", ts(TS, TS), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return timestampDiff(int64(a[0].(types.DTimestamp)), int64(a[1].(types.DTimestamp)))
		}),
		def(1188, "-", ts(TZ, TZ), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return timestampDiff(int64(a[0].(types.DTimestampTZ)), int64(a[1].(types.DTimestampTZ)))
		}),
		def(1169, "+", ts(IV, IV), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return addInterval(iv(a[0]), iv(a[1]))
		}),
		def(1170, "-", ts(IV, IV), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			n, err := negateInterval(iv(a[1]))
			if err != nil {
				return nil, err
			}
			return addInterval(iv(a[0]), n.(types.DInterval))
		}),
		def(1168, "-", ts(IV), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return negateInterval(iv(a[0]))
		}),
		def(1618, "*", ts(IV, F), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return scaleInterval(iv(a[0]), a[1].(float64), false)
		}),
		def(1624, "*", ts(F, IV), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return scaleInterval(iv(a[1]), a[0].(float64), false)
		}),
		def(1326, "/", ts(IV, F), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return scaleInterval(iv(a[0]), a[1].(float64), true)
		}),
		def(1747, "+", ts(T, IV), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return timeAdd(a[0].(types.DTime), iv(a[1]).Micros), nil
		}),
		def(1848, "+", ts(IV, T), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return timeAdd(a[1].(types.DTime), iv(a[0]).Micros), nil
		}),
		def(1748, "-", ts(T, IV), T, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return timeAdd(a[0].(types.DTime), -iv(a[1]).Micros), nil
		}),
		def(1690, "-", ts(T, T), IV, func(_ *Context, a []types.Datum) (types.Datum, error) {
			return types.DInterval{Micros: int64(a[0].(types.DTime)) - int64(a[1].(types.DTime))}, nil
		}),
	}
}
