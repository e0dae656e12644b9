package types

import (
	"github.com/driftdb/driftdb/sql/pgcode"
)

// dtError is the error of date/time input that failed with e, as
// PostgreSQL's DateTimeParseError reports it.
func dtError(e dtErr, zone, s, typeName string) error {
	switch e {
	case dtFieldOverflow:
		return pgcode.New(pgcode.DatetimeFieldOverflow, "date/time field value out of range: "+quoted(s))
	case dtMDFieldOverflow:
		return pgcode.New(pgcode.DatetimeFieldOverflow, "date/time field value out of range: "+quoted(s)).
			WithHint(`Perhaps you need a different "datestyle" setting.`)
	case dtIntervalOverflow:
		return pgcode.New(pgcode.IntervalFieldOverflow, "interval field value out of range: "+quoted(s))
	case dtTZDispOverflow:
		return pgcode.New(pgcode.InvalidTimeZoneDisplacement, "time zone displacement out of range: "+quoted(s))
	case dtBadTimezone:
		return pgcode.New(pgcode.InvalidParameterValue, "time zone "+quoted(zone)+" not recognized")
	}
	return pgcode.New(pgcode.InvalidDatetimeFormat, "invalid input syntax for type "+typeName+": "+quoted(s))
}

// errDatetimeRange is 22008 with a message.
func errDatetimeRange(msg string) error {
	return pgcode.New(pgcode.DatetimeFieldOverflow, msg)
}

// decodeDateTimeText cuts s into fields and decodes them into d.
func decodeDateTimeText(d *dtDecoder, s, typeName string, c *Context) error {
	fields, e := parseDateTime(s, dateWorkBuf)
	if e != dtOK {
		return dtError(e, "", s, typeName)
	}
	*d = dtDecoder{c: c, fields: fields}
	if e := d.decodeDateTime(); e != dtOK {
		return dtError(e, d.badTzName, s, typeName)
	}
	return nil
}

// parseDate is date_in.
func parseDate(s string, c *Context) (DDate, error) {
	var d dtDecoder
	if err := decodeDateTimeText(&d, s, "date", c); err != nil {
		return 0, err
	}
	switch d.dtype {
	case dkDate:
	case dkEpoch:
		d.tm = tm{year: 1970, mon: 1, mday: 1}
	case dkLate:
		return DateInfinity, nil
	case dkEarly:
		return DateNegInfinity, nil
	default:
		return 0, dtError(dtBadFormat, "", s, "date")
	}
	if !validJulian(d.tm.year, d.tm.mon) {
		return 0, errDatetimeRange("date out of range: " + quoted(s))
	}
	days := int64(date2j(d.tm.year, d.tm.mon, d.tm.mday) - pgEpochJDate)
	if !validDate(days) {
		return 0, errDatetimeRange("date out of range: " + quoted(s))
	}
	return DDate(days), nil
}

// parseTimestamp is timestamp_in (zone false: a zone in the text is
// read and ignored) and timestamptz_in (zone true).
func parseTimestamp(s string, zone bool, c *Context) (int64, error) {
	typeName := "timestamp"
	if zone {
		typeName = "timestamp with time zone"
	}
	var d dtDecoder
	if err := decodeDateTimeText(&d, s, typeName, c); err != nil {
		return 0, err
	}
	switch d.dtype {
	case dkDate:
		off := 0
		if zone {
			off = -d.tz
		}
		ts, ok := d.tm.toTimestamp(off)
		if !ok {
			return 0, errDatetimeRange("timestamp out of range: " + quoted(s))
		}
		return ts, nil
	case dkEpoch:
		return -int64(pgEpochJDate-unixEpochJDate) * usecsPerDay, nil
	case dkLate:
		return TimestampInfinity, nil
	case dkEarly:
		return TimestampNegInfinity, nil
	}
	return 0, dtError(dtBadFormat, "", s, typeName)
}

// parseTime is time_in.
func parseTime(s string, c *Context) (DTime, error) {
	fields, e := parseDateTime(s, dateWorkBuf)
	if e != dtOK {
		return 0, dtError(e, "", s, "time")
	}
	d := dtDecoder{c: c, fields: fields}
	if e := d.decodeTimeOnly(); e != dtOK {
		return 0, dtError(e, d.badTzName, s, "time")
	}
	return DTime(d.tm.timeOfDay()), nil
}
