// Package window counts clean events in event-time tumbling windows (hourly, and daily in
// each point's local day) keyed by point, type, role and demography. Lateness is judged
// against the watermark stamped in the log by the dedup stage, so a replay after a crash
// takes the same decisions; a window's version is the number of events it holds, so a
// re-emission after a late event always replaces the earlier row.
package windowing

import (
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/vigia-observatory/vigia/schemas"
)

// Resolution of a window; the values are the ClickHouse Enum8 values.
type Resolution uint8

const (
	Hour Resolution = 1
	Day  Resolution = 2
)

func (r Resolution) String() string {
	if r == Day {
		return "day"
	}
	return "hour"
}

// Config of an aggregator.
type Config struct {
	// AllowedLateness is how long after a window's end (in watermark time) an event still
	// updates it in the stream. Later events are "too late" for the stream: the store stage
	// recounts their windows from the events table once they are stored. Default 2 hours.
	AllowedLateness time.Duration
	// Zone returns the time zone of a point, for daily windows. Default UTC for all.
	Zone func(pointID string) *time.Location
}

// Key identifies one window row.
type Key struct {
	Resolution    Resolution
	Start         int64 // Unix seconds
	PointID       string
	PointCountry  string
	Type          schemas.EventType
	Role          schemas.Role
	Nationality   string
	Sex           schemas.Sex
	AgeBand       wire.AgeBand
	Minor         bool
	Unaccompanied bool
	Category      wire.Category
}

// Row is a window's content at emission; its version is Events.
type Row struct {
	Key
	Persons uint64
	Events  uint64
}

type agg struct {
	end         int64
	persons     uint64
	events      uint64
	firstOffset int64
	dirty       bool
}

// Aggregator holds the open windows of one partition. Not safe for concurrent use.
type Aggregator struct {
	cfg  Config
	open map[Key]*agg
	wm   int64

	// TooLate counts events beyond the allowed lateness, per resolution; Late counts events
	// that updated a window whose end the watermark had passed.
	TooLate map[Resolution]int
	Late    int
}

// Defaults fills the zero fields with their documented defaults.
func (c *Config) Defaults() {
	if c.AllowedLateness <= 0 {
		c.AllowedLateness = 2 * time.Hour
	}
	if c.Zone == nil {
		c.Zone = func(string) *time.Location { return time.UTC }
	}
}

// Window is one window of one point: an hour (UTC) or the point's local day.
type Window struct {
	Resolution Resolution
	Start, End int64 // Unix seconds
}

// Windows are the windows an event at a point and time (Unix seconds) is counted in.
func (c *Config) Windows(pointID string, t int64) [2]Window {
	hour := t - mod(t, 3600)
	start, end := localDay(t, c.Zone(pointID))
	return [2]Window{{Hour, hour, hour + 3600}, {Day, start, end}}
}

// Closed reports whether window w takes no more events in the stream at watermark wm: its
// end plus the allowed lateness has passed. The window stage and the store stage decide it
// from the same watermark stamps, so they agree on which events the stream did not count.
func (c *Config) Closed(w Window, wm int64) bool {
	return w.End+int64(c.AllowedLateness/time.Second) <= wm
}

// ClosedWindows appends to dst the windows of an event at a point and time t (Unix seconds)
// that are closed at watermark wm: those the stream does not count it in. Most events are in
// time, so it first checks the event's hour, which ends no later than its day: when the hour
// is open, the day is too, and the point's local day is not computed.
func (c *Config) ClosedWindows(dst []Window, pointID string, t, wm int64) []Window {
	hour := t - mod(t, 3600)
	if !c.Closed(Window{Hour, hour, hour + 3600}, wm) {
		return dst
	}
	for _, w := range c.Windows(pointID, t) {
		if c.Closed(w, wm) {
			dst = append(dst, w)
		}
	}
	return dst
}

// Rollup builds the rows of the wanted windows of one point from that point's hourly rows
// (which must cover them): hour windows are their rows, day windows the sum of the hours of
// the local day. Every zone of the region is a whole number of hours from UTC, so a local day
// is whole UTC hours (checked: a day window that does not start on an hour gets no rows).
func (c *Config) Rollup(hours []Row, want map[Window]bool) []Row {
	days := map[Key]*Row{}
	var out []Row
	for _, h := range hours {
		w := c.Windows(h.PointID, h.Start)
		if want[Window{Hour, h.Start, h.Start + 3600}] {
			out = append(out, h)
		}
		if day := w[1]; want[day] && day.Start%3600 == 0 {
			k := h.Key
			k.Resolution, k.Start = Day, day.Start
			r := days[k]
			if r == nil {
				r = &Row{Key: k}
				days[k] = r
			}
			r.Persons += h.Persons
			r.Events += h.Events
		}
	}
	for _, r := range days {
		out = append(out, *r)
	}
	return out
}

// New returns an empty aggregator.
func New(cfg Config) *Aggregator {
	cfg.Defaults()
	return &Aggregator{cfg: cfg, open: map[Key]*agg{}, TooLate: map[Resolution]int{}}
}

// Watermark is the partition's event-time watermark.
func (a *Aggregator) Watermark() int64 { return a.wm }

// Advance moves the watermark forward (a marker, or a record's stamp).
func (a *Aggregator) Advance(wm int64) { a.wm = max(a.wm, wm) }

// Counted reports whether e is counted in windows: every event except the closing of a
// consular case, so an assistance series counts cases opened (a surge of detentions abroad is
// a surge of openings; closings are reported in the brief by status).
func Counted(e *wire.CleanEvent) bool {
	return e.Type != schemas.Assistance || e.CaseStatus != schemas.CaseClosed
}

// CountedSQL is Counted as a condition on the events table, for recounts from storage.
const CountedSQL = "NOT (type = 'assistance' AND case_status = 'closed')"

// Add counts e, read at offset, in its hourly and daily windows.
func (a *Aggregator) Add(e *wire.CleanEvent, offset int64) {
	a.Advance(e.Watermark)
	if !Counted(e) {
		return
	}
	for _, w := range a.cfg.Windows(e.PointID, e.OccurredAt) {
		a.add(e, offset, w)
	}
}

func (a *Aggregator) add(e *wire.CleanEvent, offset int64, win Window) {
	if a.cfg.Closed(win, a.wm) {
		a.TooLate[win.Resolution]++
		return
	}
	res, start, end := win.Resolution, win.Start, win.End
	k := Key{Resolution: res, Start: start, PointID: e.PointID, PointCountry: e.PointCountry, Type: e.Type,
		Role: e.Role, Nationality: e.Nationality, Sex: e.Sex, AgeBand: e.AgeBand, Minor: e.Minor,
		Unaccompanied: e.Unaccompanied, Category: e.Category}
	w := a.open[k]
	if w == nil {
		w = &agg{end: end, firstOffset: offset}
		a.open[k] = w
	}
	if end <= a.wm {
		a.Late++
	}
	w.persons += uint64(e.Count)
	w.events++
	w.dirty = true
}

// Flush emits every window changed since the last flush, then forgets the windows the
// watermark has closed (end + allowed lateness passed).
func (a *Aggregator) Flush(emit func(Row)) {
	for k, w := range a.open {
		if w.dirty {
			emit(Row{Key: k, Persons: w.persons, Events: w.events})
			w.dirty = false
		}
		if a.cfg.Closed(Window{End: w.end}, a.wm) {
			delete(a.open, k)
		}
	}
}

// SafeOffset is the offset to commit: the first record of the oldest open window, or next
// when no window is open. Replaying from there rebuilds every open window whole.
func (a *Aggregator) SafeOffset(next int64) int64 {
	safe := next
	for _, w := range a.open {
		safe = min(safe, w.firstOffset)
	}
	return safe
}

// Open is the number of open windows.
func (a *Aggregator) Open() int { return len(a.open) }

func localDay(t int64, loc *time.Location) (start, end int64) {
	lt := time.Unix(t, 0).In(loc)
	y, m, d := lt.Date()
	s := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return s.Unix(), s.AddDate(0, 0, 1).Unix()
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
