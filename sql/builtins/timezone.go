package builtins

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// timezone(zone, value) is AT TIME ZONE: a timestamptz becomes the wall
// clock of the zone at that instant (a timestamp), a timestamp is read as
// a wall clock of the zone (a timestamptz). The zone is an abbreviation
// or a name of the zone database, or an interval: a fixed offset east of
// UTC.

var _ = register(
	def(1159, "timezone", ts(types.Text, types.TimestampTZ), types.Timestamp, func(_ *Context, a []types.Datum) (types.Datum, error) {
		ts := int64(a[1].(types.DTimestampTZ))
		if !finite(ts) {
			return types.DTimestamp(ts), nil
		}
		loc, err := lookupTimeZone(a[0].(string))
		if err != nil {
			return nil, err
		}
		return shiftTimestamp(ts, int64(types.ZoneOffset(loc, ts))*types.UsecsPerSec)
	}),
	def(2069, "timezone", ts(types.Text, types.Timestamp), types.TimestampTZ, func(_ *Context, a []types.Datum) (types.Datum, error) {
		ts := int64(a[1].(types.DTimestamp))
		if !finite(ts) {
			return types.DTimestampTZ(ts), nil
		}
		loc, err := lookupTimeZone(a[0].(string))
		if err != nil {
			return nil, err
		}
		f, ok := types.SplitTimestamp(ts)
		if !ok {
			return nil, errTimestampRange()
		}
		r, err := shiftTimestamp(ts, -int64(types.LocalZoneOffset(f, loc))*types.UsecsPerSec)
		if err != nil {
			return nil, err
		}
		return types.DTimestampTZ(r.(types.DTimestamp)), nil
	}),
	def(1026, "timezone", ts(types.Interval, types.TimestampTZ), types.Timestamp, func(c *Context, a []types.Datum) (types.Datum, error) {
		off, err := intervalZone(c, a[0].(types.DInterval))
		if err != nil {
			return nil, err
		}
		ts := int64(a[1].(types.DTimestampTZ))
		if !finite(ts) {
			return types.DTimestamp(ts), nil
		}
		return shiftTimestamp(ts, off)
	}),
	def(2070, "timezone", ts(types.Interval, types.Timestamp), types.TimestampTZ, func(c *Context, a []types.Datum) (types.Datum, error) {
		off, err := intervalZone(c, a[0].(types.DInterval))
		if err != nil {
			return nil, err
		}
		ts := int64(a[1].(types.DTimestamp))
		if !finite(ts) {
			return types.DTimestampTZ(ts), nil
		}
		r, err := shiftTimestamp(ts, -off)
		if err != nil {
			return nil, err
		}
		return types.DTimestampTZ(r.(types.DTimestamp)), nil
	}),
)

// shiftTimestamp moves a timestamp by d microseconds, within range.
func shiftTimestamp(ts, d int64) (types.Datum, error) {
	r := ts + d
	if (d > 0 && r < ts) || (d < 0 && r > ts) || !types.ValidTimestamp(r) {
		return nil, errTimestampRange()
	}
	return types.DTimestamp(r), nil
}

// intervalZone is the offset east of UTC, in microseconds, an interval
// names as a time zone: its time part, which is all it may have.
func intervalZone(c *Context, iv types.DInterval) (int64, error) {
	if iv.Months != 0 || iv.Days != 0 {
		return 0, pgcode.Newf(pgcode.InvalidParameterValue, "interval time zone \"%s\" must not include months or days",
			types.FormatText(iv, types.Interval, c.Types))
	}
	return iv.Micros, nil
}
