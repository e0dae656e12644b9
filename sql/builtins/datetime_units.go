package builtins

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The field names of extract, date_part and date_trunc ('year', 'mins',
// 'epoch'), and the ISO week calendar they use.

type dtUnit uint8

const (
	unitUnknown dtUnit = iota
	unitMicrosec
	unitMillisec
	unitSecond
	unitMinute
	unitHour
	unitDay
	unitWeek
	unitMonth
	unitQuarter
	unitYear
	unitDecade
	unitCentury
	unitMillennium
	unitJulian
	unitDow
	unitIsodow
	unitDoy
	unitIsoyear
	unitTZ
	unitTZHour
	unitTZMinute
	unitOther // a unit word no function takes ("ago")
	unitEpoch
	unitReserved // a special word that is not a unit ("now")
)

// unitWords are the words of PostgreSQL's tables of interval units and
// of date words that name fields, cut to their first ten letters as the
// tables compare them.
var unitWords = map[string]dtUnit{
	"@": unitOther, "ago": unitOther,
	"c": unitCentury, "cent": unitCentury, "centuries": unitCentury, "century": unitCentury,
	"d": unitDay, "day": unitDay, "days": unitDay,
	"dec": unitDecade, "decade": unitDecade, "decades": unitDecade, "decs": unitDecade,
	"h": unitHour, "hour": unitHour, "hours": unitHour, "hr": unitHour, "hrs": unitHour,
	"m": unitMinute, "min": unitMinute, "mins": unitMinute, "minute": unitMinute, "minutes": unitMinute,
	"microsecon": unitMicrosec, "us": unitMicrosec, "usec": unitMicrosec, "usecond": unitMicrosec,
	"useconds": unitMicrosec, "usecs": unitMicrosec,
	"mil": unitMillennium, "millennia": unitMillennium, "millennium": unitMillennium, "mils": unitMillennium,
	"millisecon": unitMillisec, "ms": unitMillisec, "msec": unitMillisec, "msecond": unitMillisec,
	"mseconds": unitMillisec, "msecs": unitMillisec,
	"mon": unitMonth, "mons": unitMonth, "month": unitMonth, "months": unitMonth,
	"qtr": unitQuarter, "quarter": unitQuarter,
	"s": unitSecond, "sec": unitSecond, "second": unitSecond, "seconds": unitSecond, "secs": unitSecond,
	"timezone": unitTZ, "timezone_h": unitTZHour, "timezone_m": unitTZMinute,
	"w": unitWeek, "week": unitWeek, "weeks": unitWeek,
	"y": unitYear, "year": unitYear, "years": unitYear, "yr": unitYear, "yrs": unitYear,
	"dow": unitDow, "doy": unitDoy, "isodow": unitIsodow, "isoyear": unitIsoyear,
	"j": unitJulian, "jd": unitJulian, "julian": unitJulian,
	"epoch":    unitEpoch,
	"infinity": unitReserved, "-infinity": unitReserved, "now": unitReserved, "today": unitReserved,
	"tomorrow": unitReserved, "yesterday": unitReserved, "allballs": unitReserved,
}

// lowerUnits is the unit's name as the error messages quote it: lower
// case, as PostgreSQL folds an identifier.
func lowerUnits(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// lookupUnit returns the unit a name stands for, and the name in lower
// case.
func lookupUnit(s string) (dtUnit, string) {
	low := lowerUnits(s)
	key := low
	if len(key) > 10 {
		key = key[:10]
	}
	return unitWords[key], low
}

func isUnit(u dtUnit) bool { return u != unitUnknown && u < unitOther }

func errUnitNotSupported(low string, t *types.T) error {
	return pgcode.New(pgcode.FeatureNotSupported, "unit \""+low+"\" not supported for type "+t.SQL)
}

func errUnitNotRecognized(low string, t *types.T) error {
	return pgcode.New(pgcode.InvalidParameterValue, "unit \""+low+"\" not recognized for type "+t.SQL)
}

// j2day is the day of the week of a Julian day: 0 is Sunday.
func j2day(j int) int {
	d := (j + 1) % 7
	if d < 0 {
		d += 7
	}
	return d
}

// isoWeekStart is the Julian day of the Monday that starts ISO week 1 of
// a year.
func isoWeekStart(year int) int {
	day4 := types.Julian(year, 1, 4)
	return day4 - j2day(day4-1)
}

// isoWeek returns the ISO 8601 week of a date and the year it belongs
// to.
func isoWeek(year, mon, mday int) (week, isoYear int) {
	dayn := types.Julian(year, mon, mday)
	start := isoWeekStart(year)
	isoYear = year
	if dayn < start {
		isoYear--
		start = isoWeekStart(isoYear)
	}
	week = (dayn-start)/7 + 1
	if week >= 52 {
		if next := isoWeekStart(isoYear + 1); dayn >= next {
			isoYear++
			week = (dayn-next)/7 + 1
		}
	}
	return week, isoYear
}

// yearField is a year as extract gives it: 1 BC is -1, there is no 0.
func yearField(y int) int64 {
	if y > 0 {
		return int64(y)
	}
	return int64(y) - 1
}

func decadeField(y int) int64 {
	if y >= 0 {
		return int64(y / 10)
	}
	return -int64((8 - (y - 1)) / 10)
}

func centuryField(y int) int64 {
	if y > 0 {
		return int64((y + 99) / 100)
	}
	return -int64((99 - (y - 1)) / 100)
}

func millenniumField(y int) int64 {
	if y > 0 {
		return int64((y + 999) / 1000)
	}
	return -int64((999 - (y - 1)) / 1000)
}
