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
	// updates it. Later events are "too late": stored as events, counted by a recompute, not
	// by the stream. Default 2 hours.
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

// New returns an empty aggregator.
func New(cfg Config) *Aggregator {
	if cfg.AllowedLateness <= 0 {
		cfg.AllowedLateness = 2 * time.Hour
	}
	if cfg.Zone == nil {
		cfg.Zone = func(string) *time.Location { return time.UTC }
	}
	return &Aggregator{cfg: cfg, open: map[Key]*agg{}, TooLate: map[Resolution]int{}}
}

// Watermark is the partition's event-time watermark.
func (a *Aggregator) Watermark() int64 { return a.wm }

// Advance moves the watermark forward (a marker, or a record's stamp).
func (a *Aggregator) Advance(wm int64) { a.wm = max(a.wm, wm) }

// Add counts e, read at offset, in its hourly and daily windows.
func (a *Aggregator) Add(e *wire.CleanEvent, offset int64) {
	a.Advance(e.Watermark)
	hour := e.OccurredAt - mod(e.OccurredAt, 3600)
	a.add(e, offset, Hour, hour, hour+3600)
	start, end := localDay(e.OccurredAt, a.cfg.Zone(e.PointID))
	a.add(e, offset, Day, start, end)
}

func (a *Aggregator) add(e *wire.CleanEvent, offset int64, res Resolution, start, end int64) {
	lateness := int64(a.cfg.AllowedLateness / time.Second)
	if end+lateness <= a.wm {
		a.TooLate[res]++
		return
	}
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
	lateness := int64(a.cfg.AllowedLateness / time.Second)
	for k, w := range a.open {
		if w.dirty {
			emit(Row{Key: k, Persons: w.persons, Events: w.events})
			w.dirty = false
		}
		if w.end+lateness <= a.wm {
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
