package types

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Calendar arithmetic, as PostgreSQL does it: proleptic Gregorian dates
// counted as Julian day numbers, years before 1 AD as 0 (1 BC), -1 (2 BC)
// and so on, microsecond timestamps from 2000-01-01.

const (
	usecsPerSec  = int64(1_000_000)
	usecsPerMin  = 60 * usecsPerSec
	usecsPerHour = 60 * usecsPerMin
	usecsPerDay  = 24 * usecsPerHour
	secsPerDay   = 86400

	// pgEpochJDate is the Julian day of 2000-01-01, unixEpochJDate of
	// 1970-01-01.
	pgEpochJDate   = 2451545
	unixEpochJDate = 2440588

	// The valid ranges (PostgreSQL's timestamp.h): dates from 4714-11-24
	// BC (Julian day 0) up to 5874897-12-31, timestamps up to
	// 294276-12-31 23:59:59.999999.
	dateEndJulian  = 2147483494 // date2j(5874898, 1, 1)
	minTimestamp   = int64(-211813488000000000)
	endTimestamp   = int64(9223371331200000000)
	julianMinYear  = -4713
	julianMinMonth = 11
	julianMaxYear  = 5874898
	julianMaxMonth = 6
)

// date2j returns the Julian day number of a proleptic Gregorian date.
func date2j(y, m, d int) int {
	if m > 2 {
		m++
		y += 4800
	} else {
		m += 13
		y += 4799
	}
	century := y / 100
	j := y*365 - 32167
	j += y/4 - century + century/4
	j += 7834*m/256 + d
	return j
}

// j2date returns the date of a Julian day number (0 or more).
func j2date(jd int) (y, m, d int) {
	julian := uint32(jd) + 32044
	quad := julian / 146097
	extra := (julian-quad*146097)*4 + 3
	julian += 60 + quad*3 + extra/146097
	quad = julian / 1461
	julian -= quad * 1461
	yy := int(julian * 4 / 1461)
	if yy != 0 {
		julian = (julian+305)%365 + 123
	} else {
		julian = (julian+306)%366 + 123
	}
	yy += int(quad * 4)
	y = yy - 4800
	quad = julian * 2141 / 65536
	d = int(julian - 7834*quad/256)
	m = int((quad+10)%12 + 1)
	return y, m, d
}

var daysInMonth = [2][12]int{
	{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
	{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func monthDays(y, m int) int {
	if isLeap(y) {
		return daysInMonth[1][m-1]
	}
	return daysInMonth[0][m-1]
}

// validJulian is PostgreSQL's IS_VALID_JULIAN: a date the Julian day
// routines can take (checked to the month; the exact ends are checked on
// the result).
func validJulian(y, m int) bool {
	return (y > julianMinYear || (y == julianMinYear && m >= julianMinMonth)) &&
		(y < julianMaxYear || (y == julianMaxYear && m < julianMaxMonth))
}

func validDate(d int64) bool {
	return -pgEpochJDate <= d && d < dateEndJulian-pgEpochJDate
}

func validTimestamp(t int64) bool { return minTimestamp <= t && t < endTimestamp }

// tm is a broken-down date and time, as PostgreSQL's pg_tm: year 0 is 1
// BC; usec is the fraction of the second in microseconds.
type tm struct {
	year, mon, mday int
	hour, min, sec  int
	usec            int64
	yday            int // day of the year, for year.ddd input
}

// floorDiv returns the floor of a/b and the remainder, 0 <= r < b.
func floorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q--
		r += b
	}
	return q, r
}

// splitTimestamp breaks microseconds since 2000-01-01 into fields. ok is
// false for values the Julian routines cannot take.
func splitTimestamp(ts int64) (t tm, ok bool) {
	date, tod := floorDiv(ts, usecsPerDay)
	date += pgEpochJDate
	// Day -1 is the eve of Julian day 0: the first instant of the range,
	// shown in a zone west of Greenwich, falls on it.
	if date < -1 || date > math.MaxInt32 {
		return t, false
	}
	t.year, t.mon, t.mday = j2date(int(date))
	t.hour = int(tod / usecsPerHour)
	tod -= int64(t.hour) * usecsPerHour
	t.min = int(tod / usecsPerMin)
	tod -= int64(t.min) * usecsPerMin
	t.sec = int(tod / usecsPerSec)
	t.usec = tod - int64(t.sec)*usecsPerSec
	return t, true
}

// timeOfDay is the microseconds since midnight of the fields' time.
func (t *tm) timeOfDay() int64 {
	return ((int64(t.hour)*60+int64(t.min))*60+int64(t.sec))*usecsPerSec + t.usec
}

// toTimestamp joins fields into microseconds since 2000-01-01, then
// subtracts offset (seconds east of UTC). ok is false out of range.
func (t *tm) toTimestamp(offset int) (int64, bool) {
	if !validJulian(t.year, t.mon) {
		return 0, false
	}
	date := int64(date2j(t.year, t.mon, t.mday) - pgEpochJDate)
	tod := t.timeOfDay()
	// date*usecsPerDay cannot overflow for a valid Julian date near the
	// timestamp range, but a far date can: check before multiplying.
	if date > math.MaxInt64/usecsPerDay-1 || date < math.MinInt64/usecsPerDay+1 {
		return 0, false
	}
	r := date*usecsPerDay + tod
	if (r < 0 && date > 0) || (r > 0 && date < -1) {
		return 0, false
	}
	r -= int64(offset) * usecsPerSec
	if !validTimestamp(r) {
		return 0, false
	}
	return r, true
}

// zoneSpan is a period of a zone with one offset: [start, end) in Unix
// seconds.
type zoneSpan struct {
	start, end int64
	offset     int
}

// zoneSpans remembers, for each zone, the period of the last instant
// looked up: the timestamps of a scan mostly fall in the same one, and
// the lookup in the zone's rules costs more than writing the timestamp.
var zoneSpans sync.Map // *time.Location -> *atomic.Pointer[zoneSpan]

// zoneOffsetAt returns the offset (seconds east of UTC) of loc at the
// instant unixSec.
func zoneOffsetAt(loc *time.Location, unixSec int64) int {
	if loc == time.UTC {
		return 0
	}
	slot, ok := zoneSpans.Load(loc)
	if !ok {
		slot, _ = zoneSpans.LoadOrStore(loc, new(atomic.Pointer[zoneSpan]))
	}
	p := slot.(*atomic.Pointer[zoneSpan])
	if sp := p.Load(); sp != nil && sp.start <= unixSec && unixSec < sp.end {
		return sp.offset
	}
	t := time.Unix(unixSec, 0).In(loc)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	sp := &zoneSpan{start: math.MinInt64, end: math.MaxInt64, offset: off}
	if !start.IsZero() {
		sp.start = start.Unix()
	}
	if !end.IsZero() {
		sp.end = end.Unix()
	}
	p.Store(sp)
	return off
}

// offsetOfTimestamp is the zone offset to show a timestamptz with.
func offsetOfTimestamp(loc *time.Location, ts int64) int {
	if loc == time.UTC {
		return 0
	}
	sec, _ := floorDiv(ts, usecsPerSec)
	return zoneOffsetAt(loc, sec+(pgEpochJDate-unixEpochJDate)*secsPerDay)
}

// localOffset finds the offset (seconds east of UTC) that makes the wall
// clock t a time in loc, as PostgreSQL's DetermineTimeZoneOffset: in a
// gap (spring forward) the offset before the change applies, in an
// overlap (fall back) the one after it. Dates the Julian routines cannot
// take get 0.
func localOffset(t *tm, loc *time.Location) int {
	if loc == time.UTC {
		return 0
	}
	if !validJulian(t.year, t.mon) {
		return 0
	}
	day := int64(date2j(t.year, t.mon, t.mday) - unixEpochJDate)
	local := day*secsPerDay + int64(t.sec+(t.min+t.hour*60)*60)
	probe := time.Unix(local-secsPerDay, 0).In(loc)
	_, before := probe.Zone()
	_, end := probe.ZoneBounds()
	if end.IsZero() {
		return before
	}
	boundary := end.Unix()
	_, after := end.In(loc).Zone()
	beforeTime := local - int64(before)
	afterTime := local - int64(after)
	switch {
	case beforeTime < boundary && afterTime < boundary:
		return before
	case beforeTime > boundary && afterTime >= boundary:
		return after
	case beforeTime > afterTime:
		return before
	}
	return after
}
