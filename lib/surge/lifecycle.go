package surge

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// SeriesKey identifies a monitored series: point x type x role (or country x role, with
// PointID empty), for a population (all, minors, unaccompanied) and optionally a nationality.
type SeriesKey struct {
	Resolution  Resolution
	PointID     string
	Country     string
	Type        string
	Role        string
	Population  string // all | minors | unaccompanied
	Nationality string
}

// String is the series' stable name, e.g. "month|hnd-corinto|HND|crossing|transit|all|".
func (k SeriesKey) String() string {
	return strings.Join([]string{string(k.Resolution), k.PointID, k.Country, k.Type, k.Role, k.Population, k.Nationality}, "|")
}

// State of an alert.
type State string

const (
	Opened   State = "opened"
	Updated  State = "updated"
	Resolved State = "resolved"
)

// Alert is one surge of one series, from opening to resolution. Each change is a new
// Version of the same ID; ministries are told once per change.
type Alert struct {
	ID          string
	Series      SeriesKey
	Version     int
	State       State
	Severity    Severity // the highest reached
	OpenedAt    time.Time
	PeriodStart time.Time // the period that caused the latest change
	Observed    float64
	Expected    float64
	Upper       float64
	Peak        float64
	// Late marks a change decided when revised data reached an already judged period (a
	// retrospective alert); Reason says why an alert resolved: ReasonQuiet or ReasonRevised.
	Late   bool
	Reason string
	quiet  int       // consecutive periods without any severity
	seen   time.Time // the newest period observed: older or equal ones are replays
}

// Why an alert resolved.
const (
	ReasonQuiet   = "quiet"   // ResolveAfter periods without any level
	ReasonRevised = "revised" // revised data no longer show the surge
)

// Factor is observed over expected, the figure ministries read first.
func (a *Alert) Factor() float64 {
	if a.Expected <= 0 {
		return 0
	}
	return a.Observed / a.Expected
}

// Tracker keeps the open alerts of many series and turns verdicts into lifecycle changes,
// never a flood: one change when a surge opens, one per new peak or higher severity, one
// when it resolves.
type Tracker struct {
	// ResolveAfter is how many consecutive periods without any severity resolve an alert
	// (hysteresis). Default 2.
	ResolveAfter int
	open         map[string]*Alert // by series
}

// NewTracker returns a tracker with no open alert.
func NewTracker(resolveAfter int) *Tracker {
	if resolveAfter <= 0 {
		resolveAfter = 2
	}
	return &Tracker{ResolveAfter: resolveAfter, open: map[string]*Alert{}}
}

// Restore reopens alerts that were open before a restart (their latest versions), so a
// surge in progress is updated and resolved, never opened a second time.
func (tr *Tracker) Restore(open []Alert) {
	for i := range open {
		a := open[i]
		if a.State != Resolved {
			a.seen = a.PeriodStart // periods after its last change are new to this tracker
			tr.open[a.Series.String()] = &a
		}
	}
}

// Put makes a the open alert of its series, or closes the series' alert when a is nil: the
// lifecycle a revision replayed replaces the one the tracker followed.
func (tr *Tracker) Put(k SeriesKey, a *Alert) {
	if a == nil {
		delete(tr.open, k.String())
		return
	}
	c := *a
	tr.open[k.String()] = &c
}

// IsOpen reports whether series k has an open alert.
func (tr *Tracker) IsOpen(k SeriesKey) bool { return tr.open[k.String()] != nil }

// Open returns the open alerts.
func (tr *Tracker) Open() []Alert {
	out := make([]Alert, 0, len(tr.open))
	for _, a := range tr.open {
		out = append(out, *a)
	}
	return out
}

// Observe takes the verdict of the period starting at period for series k and returns the
// alert change it causes, or nil. An alert opens at warning or above and stays open while
// periods keep any severity (watch included): hysteresis, so a surge hovering at the
// threshold is one alert, not a string of them.
func (tr *Tracker) Observe(k SeriesKey, period time.Time, v Verdict) *Alert {
	name := k.String()
	a := tr.open[name]
	if a == nil {
		if !v.Alarm {
			return nil // watch draws the band; an alert opens from warning
		}
		sum := sha256.Sum256([]byte(name + "|" + period.UTC().Format(time.RFC3339)))
		a = &Alert{ID: hex.EncodeToString(sum[:8]), Series: k, Version: 1, State: Opened, Severity: v.Severity,
			OpenedAt: period, PeriodStart: period, Observed: v.Observed, Expected: v.Expected, Upper: v.Upper, Peak: v.Observed, seen: period}
		tr.open[name] = a
		c := *a
		return &c
	}
	if !period.After(a.seen) {
		return nil // a period already judged (a replay): no second message, no second count
	}
	a.seen = period
	if v.Severity == SeverityNone {
		a.quiet++
		if a.quiet < tr.ResolveAfter {
			return nil
		}
		delete(tr.open, name)
		a.Reason = ReasonQuiet
		return tr.change(a, Resolved, period, v)
	}
	a.quiet = 0
	if v.Severity > a.Severity || v.Observed > a.Peak {
		a.Severity = max(a.Severity, v.Severity)
		a.Peak = max(a.Peak, v.Observed)
		return tr.change(a, Updated, period, v)
	}
	return nil
}

func (tr *Tracker) change(a *Alert, s State, period time.Time, v Verdict) *Alert {
	a.Version++
	a.State, a.PeriodStart = s, period
	a.Observed, a.Expected, a.Upper = v.Observed, v.Expected, v.Upper
	c := *a
	return &c
}
