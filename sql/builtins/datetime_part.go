package builtins

import (
	"math"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/types"
)

// extract and date_part: a field of a date, time, timestamp or interval.
// extract gives a numeric, exact to the microsecond; date_part a double
// precision.

type partKind uint8

const (
	partInt   partKind = iota // v
	partFixed                 // v / 10^scale
	partNull
	partInf // neg says which
	partNum // num, with f its double
)

// part is one field's value, in both the forms the two functions give.
type part struct {
	kind  partKind
	v     int64
	scale int32
	neg   bool
	f     float64 // date_part's value for partFixed and partNum
	num   *apd.Decimal
}

func intPart(v int64) part { return part{kind: partInt, v: v} }

func fixedPart(v int64, scale int32, f float64) part {
	return part{kind: partFixed, v: v, scale: scale, f: f}
}

func (p part) numeric() types.Datum {
	switch p.kind {
	case partInt:
		return apd.New(p.v, 0)
	case partFixed:
		return apd.New(p.v, -p.scale)
	case partInf:
		return infinity(p.neg)
	case partNum:
		return p.num
	}
	return nil
}

func (p part) float() types.Datum {
	switch p.kind {
	case partInt:
		return float64(p.v)
	case partFixed, partNum:
		return p.f
	case partInf:
		if p.neg {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	return nil
}

// infinitePart is a field of an infinite date or timestamp: NULL for the
// fields that go round (month, hour), an infinity for those that grow
// (year, epoch).
func infinitePart(u dtUnit, neg bool, low string, t *types.T) (part, error) {
	switch u {
	case unitYear, unitDecade, unitCentury, unitMillennium, unitJulian, unitIsoyear, unitEpoch:
		return part{kind: partInf, neg: neg}, nil
	case unitMicrosec, unitMillisec, unitSecond, unitMinute, unitHour, unitDay, unitMonth, unitQuarter,
		unitWeek, unitDow, unitIsodow, unitDoy, unitTZ, unitTZMinute, unitTZHour:
		if t.Oid == types.OidDate {
			switch u {
			case unitDay, unitMonth, unitQuarter, unitWeek, unitDow, unitIsodow, unitDoy:
				return part{kind: partNull}, nil
			}
			return part{}, errUnitNotSupported(low, t)
		}
		return part{kind: partNull}, nil
	}
	return part{}, errUnitNotSupported(low, t)
}

// datePart is a field common to dates and timestamps, of the date
// y-m-d; ok is false for a field that is not one.
func datePart(u dtUnit, y, m, d int) (part, bool) {
	switch u {
	case unitDay:
		return intPart(int64(d)), true
	case unitMonth:
		return intPart(int64(m)), true
	case unitQuarter:
		return intPart(int64((m-1)/3 + 1)), true
	case unitWeek:
		w, _ := isoWeek(y, m, d)
		return intPart(int64(w)), true
	case unitYear:
		return intPart(yearField(y)), true
	case unitDecade:
		return intPart(decadeField(y)), true
	case unitCentury:
		return intPart(centuryField(y)), true
	case unitMillennium:
		return intPart(millenniumField(y)), true
	case unitIsoyear:
		_, iy := isoWeek(y, m, d)
		r := int64(iy)
		if r <= 0 {
			r--
		}
		return intPart(r), true
	case unitDow, unitIsodow:
		dow := j2day(types.Julian(y, m, d))
		if u == unitIsodow && dow == 0 {
			dow = 7
		}
		return intPart(int64(dow)), true
	case unitDoy:
		return intPart(int64(types.Julian(y, m, d) - types.Julian(y, 1, 1) + 1)), true
	}
	return part{}, false
}

// secondsPart is one of the units of a time of day's seconds.
func secondsPart(u dtUnit, sec int, usec int64) (part, bool) {
	us := int64(sec)*types.UsecsPerSec + usec
	switch u {
	case unitMicrosec:
		return intPart(us), true
	case unitMillisec:
		return fixedPart(us, 3, float64(sec)*1000.0+float64(usec)/1000.0), true
	case unitSecond:
		return fixedPart(us, 6, float64(sec)+float64(usec)/1000000.0), true
	}
	return part{}, false
}

// unixEpochUsecs is 1970-01-01 as microseconds since 2000-01-01.
const unixEpochUsecs = -int64(types.EpochJulian-types.UnixEpochJulian) * secsPerDay * types.UsecsPerSec

// timestampPart is a field of a timestamp; with loc, of a timestamptz
// seen in loc.
func timestampPart(units string, ts int64, loc *time.Location) (part, error) {
	t := types.Timestamp
	if loc != nil {
		t = types.TimestampTZ
	}
	u, low := lookupUnit(units)
	if u == unitUnknown || u == unitOther {
		return part{}, errUnitNotRecognized(low, t)
	}
	if !finite(ts) {
		return infinitePart(u, ts == types.TimestampNegInfinity, low, t)
	}
	if u == unitEpoch {
		d := ts - unixEpochUsecs
		f := float64(d) / 1000000.0
		if ts >= math.MaxInt64+unixEpochUsecs {
			f = (float64(ts) - float64(unixEpochUsecs)) / 1000000.0
		}
		return fixedPart(d, 6, f), nil
	}
	if u == unitReserved {
		return part{}, errUnitNotSupported(low, t)
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
		return part{}, errTimestampRange()
	}
	if p, ok := secondsPart(u, f.Sec, f.Usec); ok {
		return p, nil
	}
	if p, ok := datePart(u, f.Year, f.Month, f.Day); ok {
		return p, nil
	}
	switch u {
	case unitMinute:
		return intPart(int64(f.Minute)), nil
	case unitHour:
		return intPart(int64(f.Hour)), nil
	case unitJulian:
		j := types.Julian(f.Year, f.Month, f.Day)
		us := (int64(f.Hour*60+f.Minute)*60+int64(f.Sec))*types.UsecsPerSec + f.Usec
		frac, err := numericArith("/", apd.New(us, 0), apd.New(secsPerDay*types.UsecsPerSec, 0))
		if err != nil {
			return part{}, err
		}
		n, err := numericArith("+", apd.New(int64(j), 0), frac.(*apd.Decimal))
		if err != nil {
			return part{}, err
		}
		fl := float64(j) + (float64((f.Hour*60+f.Minute)*60+f.Sec)+float64(f.Usec)/1000000.0)/secsPerDay
		return part{kind: partNum, num: n.(*apd.Decimal), f: fl}, nil
	}
	if loc != nil {
		switch u {
		case unitTZ:
			return intPart(int64(east)), nil
		case unitTZMinute:
			return intPart(int64(east / 60 % 60)), nil
		case unitTZHour:
			return intPart(int64(east / 3600)), nil
		}
	}
	return part{}, errUnitNotSupported(low, t)
}

// dateExtract is extract's field of a date.
func dateExtract(units string, d types.DDate) (part, error) {
	u, low := lookupUnit(units)
	if u == unitUnknown || u == unitOther {
		return part{}, errUnitNotRecognized(low, types.Date)
	}
	if !dateFinite(d) {
		return infinitePart(u, d == types.DateNegInfinity, low, types.Date)
	}
	j := int(d) + types.EpochJulian
	switch u {
	case unitEpoch:
		return intPart(int64(j-types.UnixEpochJulian) * secsPerDay), nil
	case unitJulian:
		return intPart(int64(j)), nil
	}
	y, m, md := types.FromJulian(j)
	if p, ok := datePart(u, y, m, md); ok {
		return p, nil
	}
	return part{}, errUnitNotSupported(low, types.Date)
}

// timePart is a field of a time of day.
func timePart(units string, t types.DTime) (part, error) {
	u, low := lookupUnit(units)
	us := int64(t)
	switch {
	case u == unitEpoch:
		return fixedPart(us, 6, float64(us)/1000000.0), nil
	case !isUnit(u):
		return part{}, errUnitNotRecognized(low, types.Time)
	}
	hour := us / types.UsecsPerHour
	us -= hour * types.UsecsPerHour
	minute := us / types.UsecsPerMin
	us -= minute * types.UsecsPerMin
	if p, ok := secondsPart(u, int(us/types.UsecsPerSec), us%types.UsecsPerSec); ok {
		return p, nil
	}
	switch u {
	case unitMinute:
		return intPart(minute), nil
	case unitHour:
		return intPart(hour), nil
	}
	return part{}, errUnitNotSupported(low, types.Time)
}

// intervalPart is a field of an interval.
func intervalPart(units string, iv types.DInterval) (part, error) {
	u, low := lookupUnit(units)
	if u == unitEpoch {
		m := int64(iv.Months)
		// 365.25 days a year, in quarter days to stay in integers.
		secs := (1461*(m/monthsPerYear) + 4*daysPerMonth*(m%monthsPerYear) + 4*int64(iv.Days)) * (secsPerDay / 4)
		n, err := numericArith("+", apd.New(iv.Micros, -6), apd.New(secs, 0))
		if err != nil {
			return part{}, err
		}
		f := float64(iv.Micros)/1000000.0 + (365.25*secsPerDay)*float64(m/monthsPerYear) +
			(float64(daysPerMonth)*secsPerDay)*float64(m%monthsPerYear) + float64(secsPerDay)*float64(iv.Days)
		return part{kind: partNum, num: n.(*apd.Decimal), f: f}, nil
	}
	if !isUnit(u) {
		return part{}, errUnitNotRecognized(low, types.Interval)
	}
	year := int64(iv.Months) / monthsPerYear
	mon := int64(iv.Months) % monthsPerYear
	t := iv.Micros
	hour := t / types.UsecsPerHour
	t -= hour * types.UsecsPerHour
	minute := t / types.UsecsPerMin
	t -= minute * types.UsecsPerMin
	if p, ok := secondsPart(u, int(t/types.UsecsPerSec), t%types.UsecsPerSec); ok {
		return p, nil
	}
	switch u {
	case unitMinute:
		return intPart(minute), nil
	case unitHour:
		return intPart(hour), nil
	case unitDay:
		return intPart(int64(iv.Days)), nil
	case unitMonth:
		return intPart(mon), nil
	case unitQuarter:
		return intPart(mon/3 + 1), nil
	case unitYear:
		return intPart(year), nil
	case unitDecade:
		return intPart(year / 10), nil
	case unitCentury:
		return intPart(year / 100), nil
	case unitMillennium:
		return intPart(year / 1000), nil
	}
	return part{}, errUnitNotSupported(low, types.Interval)
}

var _ = register(partFuncs()...)

func partFuncs() []*Overload {
	T, D, TM, TS, TZ, IV := types.Text, types.Date, types.Time, types.Timestamp, types.TimestampTZ, types.Interval
	F, N := types.Float8, types.Numeric
	both := func(oidPart, oidExtract uint32, arg *types.T, fn func(c *Context, units string, v types.Datum) (part, error)) []*Overload {
		dp := def(oidPart, "date_part", ts(T, arg), F, func(c *Context, a []types.Datum) (types.Datum, error) {
			p, err := fn(c, a[0].(string), a[1])
			if err != nil {
				return nil, err
			}
			return p.float(), nil
		})
		ex := def(oidExtract, "extract", ts(T, arg), N, func(c *Context, a []types.Datum) (types.Datum, error) {
			p, err := fn(c, a[0].(string), a[1])
			if err != nil {
				return nil, err
			}
			return p.numeric(), nil
		})
		if arg == TZ {
			dp.stable()
			ex.stable()
		}
		return []*Overload{dp, ex}
	}
	var out []*Overload
	out = append(out, both(2021, 6202, TS, func(_ *Context, u string, v types.Datum) (part, error) {
		return timestampPart(u, int64(v.(types.DTimestamp)), nil)
	})...)
	out = append(out, both(1171, 6203, TZ, func(c *Context, u string, v types.Datum) (part, error) {
		return timestampPart(u, int64(v.(types.DTimestampTZ)), location(c))
	})...)
	out = append(out, both(1385, 6200, TM, func(_ *Context, u string, v types.Datum) (part, error) {
		return timePart(u, v.(types.DTime))
	})...)
	out = append(out, both(1172, 6204, IV, func(_ *Context, u string, v types.Datum) (part, error) {
		return intervalPart(u, v.(types.DInterval))
	})...)
	// date_part of a date is that of its midnight; extract has fields of
	// its own for dates.
	out = append(out,
		def(1384, "date_part", ts(T, D), F, func(_ *Context, a []types.Datum) (types.Datum, error) {
			ts, err := dateToTimestamp(a[1].(types.DDate))
			if err != nil {
				return nil, err
			}
			p, err := timestampPart(a[0].(string), ts, nil)
			if err != nil {
				return nil, err
			}
			return p.float(), nil
		}),
		def(6199, "extract", ts(T, D), N, func(_ *Context, a []types.Datum) (types.Datum, error) {
			p, err := dateExtract(a[0].(string), a[1].(types.DDate))
			if err != nil {
				return nil, err
			}
			return p.numeric(), nil
		}))
	return out
}
