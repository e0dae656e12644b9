package types

import "strconv"

// Date and time output in PostgreSQL's ISO style (DateStyle ISO): dates
// 2025-01-31, times 12:00:00.5, timestamps joined by a space, timestamptz
// with the session zone's offset (+00, +05:30, -04:56:02), years before 1
// AD as 0001-01-01 BC.

// appendZeroPad writes |v| with at least width digits.
func appendZeroPad(dst []byte, v int64, width int) []byte {
	if v < 0 {
		v = -v
	}
	switch {
	case v < 100 && width == 2:
		return append(dst, byte('0'+v/10), byte('0'+v%10))
	case v < 10000 && width == 4:
		return append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	var buf [24]byte
	s := strconv.AppendInt(buf[:0], v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendSeconds writes seconds as two digits and the fraction without
// trailing zeros.
func appendSeconds(dst []byte, sec int, usec int64, fill bool) []byte {
	if fill {
		dst = appendZeroPad(dst, int64(sec), 2)
	} else {
		dst = appendZeroPad(dst, int64(sec), 0)
	}
	if usec < 0 {
		usec = -usec
	}
	if usec == 0 {
		return dst
	}
	if usec >= usecsPerSec {
		// Only a value no input makes; PostgreSQL prints the digits.
		dst = append(dst, '.')
		return strconv.AppendInt(dst, usec, 10)
	}
	var frac [6]byte
	n := 6
	for i := 5; i >= 0; i-- {
		frac[i] = byte('0' + usec%10)
		usec /= 10
	}
	for n > 0 && frac[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, frac[:n]...)
}

func appendDateFields(dst []byte, year, mon, mday int) []byte {
	y := int64(year)
	if y <= 0 {
		y = 1 - y
	}
	dst = appendZeroPad(dst, y, 4)
	dst = append(dst, '-')
	dst = appendZeroPad(dst, int64(mon), 2)
	dst = append(dst, '-')
	return appendZeroPad(dst, int64(mday), 2)
}

func appendTimeFields(dst []byte, hour, minute, sec int, usec int64) []byte {
	dst = appendZeroPad(dst, int64(hour), 2)
	dst = append(dst, ':')
	dst = appendZeroPad(dst, int64(minute), 2)
	dst = append(dst, ':')
	return appendSeconds(dst, sec, usec, true)
}

// appendZone writes an offset (seconds east of UTC) as PostgreSQL does:
// +hh, +hh:mm when the minutes are not zero, +hh:mm:ss when the seconds
// are not.
func appendZone(dst []byte, east int) []byte {
	sign := byte('+')
	if east < 0 {
		sign = '-'
		east = -east
	}
	dst = append(dst, sign)
	h, m, s := east/3600, east/60%60, east%60
	dst = appendZeroPad(dst, int64(h), 2)
	if m != 0 || s != 0 {
		dst = append(dst, ':')
		dst = appendZeroPad(dst, int64(m), 2)
	}
	if s != 0 {
		dst = append(dst, ':')
		dst = appendZeroPad(dst, int64(s), 2)
	}
	return dst
}

// AppendDate appends a date in ISO style.
func appendDate(dst []byte, d DDate) []byte {
	switch d {
	case DateNegInfinity:
		return append(dst, "-infinity"...)
	case DateInfinity:
		return append(dst, "infinity"...)
	}
	y, m, day := j2date(int(d) + pgEpochJDate)
	dst = appendDateFields(dst, y, m, day)
	if y <= 0 {
		dst = append(dst, " BC"...)
	}
	return dst
}

func appendTime(dst []byte, t DTime) []byte {
	us := int64(t)
	h := us / usecsPerHour
	us -= h * usecsPerHour
	m := us / usecsPerMin
	us -= m * usecsPerMin
	s := us / usecsPerSec
	us -= s * usecsPerSec
	return appendTimeFields(dst, int(h), int(m), int(s), us)
}

func appendTimestamp(dst []byte, ts int64, zone bool, east int) []byte {
	switch ts {
	case TimestampNegInfinity:
		return append(dst, "-infinity"...)
	case TimestampInfinity:
		return append(dst, "infinity"...)
	}
	t, ok := splitTimestamp(ts + int64(east)*usecsPerSec)
	if !ok {
		// Outside what any input makes; show the number rather than fail.
		return strconv.AppendInt(dst, ts, 10)
	}
	dst = appendDateFields(dst, t.year, t.mon, t.mday)
	dst = append(dst, ' ')
	dst = appendTimeFields(dst, t.hour, t.min, t.sec, t.usec)
	if zone {
		dst = appendZone(dst, east)
	}
	if t.year <= 0 {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendInterval writes an interval in IntervalStyle postgres: "1 year 2
// mons 3 days 04:05:06.5"; a part after a negative one carries its own
// sign ("-1 days +01:00:00").
func appendInterval(dst []byte, iv DInterval) []byte {
	year := int64(iv.Months / 12)
	mon := int64(iv.Months % 12)
	mday := int64(iv.Days)
	us := iv.Micros
	hour := us / usecsPerHour
	us -= hour * usecsPerHour
	minute := us / usecsPerMin
	us -= minute * usecsPerMin
	sec := us / usecsPerSec
	fsec := us - sec*usecsPerSec

	isZero, isBefore := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !isZero {
			dst = append(dst, ' ')
		}
		if isBefore && v > 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, v, 10)
		dst = append(dst, ' ')
		dst = append(dst, unit...)
		if v != 1 {
			dst = append(dst, 's')
		}
		isBefore = v < 0
		isZero = false
	}
	part(year, "year")
	part(mon, "mon")
	part(mday, "day")
	if isZero || hour != 0 || minute != 0 || sec != 0 || fsec != 0 {
		minus := hour < 0 || minute < 0 || sec < 0 || fsec < 0
		if !isZero {
			dst = append(dst, ' ')
		}
		if minus {
			dst = append(dst, '-')
		} else if isBefore {
			dst = append(dst, '+')
		}
		dst = appendZeroPad(dst, hour, 2)
		dst = append(dst, ':')
		dst = appendZeroPad(dst, minute, 2)
		dst = append(dst, ':')
		dst = appendSeconds(dst, int(abs64(sec)), fsec, true)
	}
	return dst
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
