package detect

import (
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
)

// Periods are numbered per resolution: hours since the epoch, or local calendar days since
// 1970-01-01 in the zone of the series (a day closes at its local midnight, as the daily
// windows do). A series that spans several zones (a country across time zones) has a day
// closed only once it is closed in every zone.

// index is the number of the period that starts at t (a window start) in zone loc.
func index(res surge.Resolution, t time.Time, loc *time.Location) int64 {
	if res == surge.Hourly {
		return floorDiv(t.Unix(), 3600)
	}
	y, m, d := t.In(loc).Date()
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

// bounds is the start and end of period i in loc.
func bounds(res surge.Resolution, i int64, loc *time.Location) (time.Time, time.Time) {
	if res == surge.Hourly {
		s := time.Unix(i*3600, 0).UTC()
		return s, s.Add(time.Hour)
	}
	y, m, d := time.Unix(i*86400, 0).UTC().Date()
	s := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return s.UTC(), s.AddDate(0, 0, 1).UTC()
}

// lastClosed is the newest period that has ended, by watermark wm, in every zone of zones.
func lastClosed(res surge.Resolution, wm int64, zones []*time.Location) int64 {
	if res == surge.Hourly {
		return floorDiv(wm, 3600) - 1
	}
	last := int64(1 << 62)
	for _, z := range zones {
		last = min(last, index(res, time.Unix(wm, 0), z)-1)
	}
	return last
}

// span is the period length, for sizing queries.
func span(res surge.Resolution) time.Duration {
	if res == surge.Hourly {
		return time.Hour
	}
	return 24 * time.Hour
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
