package types

import "time"

// The calendar routines of the date and time types, for the functions
// that compute with dates and times (date_trunc, age, extract, interval
// arithmetic). They are the ones text input and output use, so that a
// function and a cast agree on every date.

// Fields is a broken-down date and time. Year 0 is 1 BC, -1 is 2 BC;
// Usec is the fraction of the second in microseconds.
type Fields struct {
	Year, Month, Day  int
	Hour, Minute, Sec int
	Usec              int64
}

// Calendar constants.
const (
	UsecsPerSec  = usecsPerSec
	UsecsPerMin  = usecsPerMin
	UsecsPerHour = usecsPerHour
	UsecsPerDay  = usecsPerDay
	// EpochJulian is the Julian day number of 2000-01-01, where dates
	// and timestamps count from; UnixEpochJulian that of 1970-01-01.
	EpochJulian     = pgEpochJDate
	UnixEpochJulian = unixEpochJDate
)

// SplitTimestamp breaks microseconds since 2000-01-01 into fields. ok is
// false where the calendar routines cannot go (the infinities).
func SplitTimestamp(ts int64) (f Fields, ok bool) {
	t, ok := splitTimestamp(ts)
	return Fields{t.year, t.mon, t.mday, t.hour, t.min, t.sec, t.usec}, ok
}

// Timestamp joins the fields into microseconds since 2000-01-01 and
// subtracts offset, in seconds east of UTC. ok is false when the result
// is out of the range of timestamps.
func (f Fields) Timestamp(offset int) (int64, bool) {
	t := tm{year: f.Year, mon: f.Month, mday: f.Day, hour: f.Hour, min: f.Minute, sec: f.Sec, usec: f.Usec}
	return t.toTimestamp(offset)
}

// Julian returns the Julian day number of a date of the proleptic
// Gregorian calendar.
func Julian(year, month, day int) int { return date2j(year, month, day) }

// FromJulian returns the date of a Julian day number (0 or more).
func FromJulian(jd int) (year, month, day int) { return j2date(jd) }

// ValidJulian reports whether the Julian day routines can take a date
// of that year and month.
func ValidJulian(year, month int) bool { return validJulian(year, month) }

// ValidDate reports whether days since 2000-01-01 is a date of the date
// type's range.
func ValidDate(days int64) bool { return validDate(days) }

// ValidTimestamp reports whether a finite timestamp is in the range of
// the timestamp types.
func ValidTimestamp(ts int64) bool { return validTimestamp(ts) }

// DaysInMonth returns the number of days of a month.
func DaysInMonth(year, month int) int { return monthDays(year, month) }

// IsLeap reports whether a year (0 is 1 BC) is a leap year.
func IsLeap(year int) bool { return isLeap(year) }

// ZoneOffset returns the offset of loc, in seconds east of UTC, at the
// instant ts (microseconds since 2000-01-01 UTC).
func ZoneOffset(loc *time.Location, ts int64) int { return offsetOfTimestamp(loc, ts) }

// LocalZoneOffset returns the offset, in seconds east of UTC, that makes
// the wall clock f a time of loc: in a gap of a daylight-saving change
// the offset before it, in an overlap the one after it, as PostgreSQL
// decides.
func LocalZoneOffset(f Fields, loc *time.Location) int {
	t := tm{year: f.Year, mon: f.Month, mday: f.Day, hour: f.Hour, min: f.Minute, sec: f.Sec, usec: f.Usec}
	return localOffset(&t, loc)
}

// ZoneAbbrevOffset returns the offset, in seconds east of UTC, of a time
// zone abbreviation (EST, CEST), in lower case.
func ZoneAbbrevOffset(abbrev string) (int, bool) {
	z, ok := zoneAbbrevs[abbrev]
	return int(z.offset), ok
}
