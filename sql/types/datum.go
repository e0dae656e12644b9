package types

import (
	"math"
	"time"
)

// Datum is a SQL value: one of the Go types the package doc lists, by the
// value's SQL type; nil is NULL.
type Datum = any

// DUUID is a uuid value.
type DUUID [16]byte

// DDate is a date: days since 2000-01-01 (PostgreSQL's epoch), with
// DateNegInfinity and DateInfinity for -infinity and infinity.
type DDate int32

// DDate's infinities, as PostgreSQL keeps them.
const (
	DateNegInfinity DDate = math.MinInt32
	DateInfinity    DDate = math.MaxInt32
)

// DTime is a time of day without a zone: microseconds since midnight.
type DTime int64

// DTimestamp is a timestamp without a zone: microseconds since 2000-01-01
// 00:00:00, with TimestampNegInfinity and TimestampInfinity.
type DTimestamp int64

// DTimestampTZ is a timestamp with time zone: microseconds since 2000-01-01
// 00:00:00 UTC. The zone is only the session's, for text input and output.
type DTimestampTZ int64

// Timestamps' infinities, as PostgreSQL keeps them.
const (
	TimestampNegInfinity = math.MinInt64
	TimestampInfinity    = math.MaxInt64
)

// DInterval is an interval: months, days and microseconds, kept apart as
// PostgreSQL keeps them (a month is not a fixed number of days, nor a day
// of hours across a daylight-saving change).
type DInterval struct {
	Months int32
	Days   int32
	Micros int64
}

// DJSON is a json value: its text, as written (json keeps white space,
// key order and repeated keys; jsonb does not).
type DJSON string

// DJSONB is a jsonb value. V is a document value as the engine holds them:
// nil, bool, string, int64, float64, json.Number, []any or
// map[string]any.
type DJSONB struct{ V any }

// DArray is an array with lower bounds 1. Elements are Datums of Elem
// (nil for a NULL element), in row-major order. Dims holds the length of
// each dimension of an array of more than one; nil means one dimension
// of len(Vals) (none when Vals is empty).
type DArray struct {
	Elem *T
	Vals []Datum
	Dims []int
}

// pgEpoch is 2000-01-01 00:00:00 UTC, where PostgreSQL's dates and
// timestamps count from.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// pgEpochUnixMicros is pgEpoch in microseconds since the Unix epoch.
const pgEpochUnixMicros = 946684800 * 1_000_000

// TimestampTZFromTime converts a time.Time to a DTimestampTZ (microsecond
// precision, rounded as PostgreSQL rounds: half away from zero).
func TimestampTZFromTime(t time.Time) DTimestampTZ {
	return DTimestampTZ(unixMicrosRounded(t) - pgEpochUnixMicros)
}

// TimestampTZFromUnixMs converts milliseconds since the Unix epoch (an
// event's time) to a DTimestampTZ.
func TimestampTZFromUnixMs(ms int64) DTimestampTZ {
	return DTimestampTZ(ms*1000 - pgEpochUnixMicros)
}

// Time returns the instant as a time.Time in UTC.
func (t DTimestampTZ) Time() time.Time {
	return time.UnixMicro(int64(t) + pgEpochUnixMicros).UTC()
}

// TimestampFromTime converts the wall clock of t (its zone ignored) to a
// DTimestamp.
func TimestampFromTime(t time.Time) DTimestamp {
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return DTimestamp(unixMicrosRounded(wall) - pgEpochUnixMicros)
}

// Time returns the timestamp's wall clock as a time.Time in UTC.
func (t DTimestamp) Time() time.Time {
	return time.UnixMicro(int64(t) + pgEpochUnixMicros).UTC()
}

// DateFromTime returns the date of t's wall clock.
func DateFromTime(t time.Time) DDate {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return DDate(d.Sub(pgEpoch).Hours() / 24)
}

// Time returns midnight of the date, in UTC.
func (d DDate) Time() time.Time { return pgEpoch.AddDate(0, 0, int(d)) }

func unixMicrosRounded(t time.Time) int64 {
	us := t.UnixMicro()
	rem := t.Nanosecond() % 1000
	if rem >= 500 {
		us++
	}
	return us
}
