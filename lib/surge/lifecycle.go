package surge

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
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
	Kind        string // "" for a count series, KindCorridor for a new-corridor series
}

// KindCorridor is the Kind of a new-corridor series: a nationality's share of a point's flow.
const KindCorridor = "corridor"

// String is the series' stable name, e.g. "month|hnd-corinto|HND|crossing|transit|all|", with
// "|corridor" after it for a new-corridor series.
func (k SeriesKey) String() string {
	s := strings.Join([]string{string(k.Resolution), k.PointID, k.Country, k.Type, k.Role, k.Population, k.Nationality}, "|")
	if k.Kind != "" {
		s += "|" + k.Kind
	}
	return s
}

// State of an alert.
type State string

const (
	Opened   State = "opened"
	Updated  State = "updated"
	Resolved State = "resolved"
)

// Alert is one surge of one series, from opening to resolution. Each change is a new
// Version of the same ID; ministries are told once per change. Expected and Upper are those
// of the opening period in every version: the level before the surge and the bound it
// crossed, frozen at the onset, which is what the surge is measured against until it ends
// (a detector's own baseline catches up with a sustained surge within weeks).
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
	// Incident is the incident the alert belongs to (set by the detect stage).
	Incident string
	quiet    int       // consecutive quiet periods
	seen     time.Time // the newest period observed: older or equal ones are replays
	recent   []float64 // the counts of the periods since the last with a severity (at most Window)
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
//
// An alert opens when a period alarms and stays open while the flow stays materially above
// the level before the surge. A period is quiet when it has no severity and the mean of the
// n periods since the last one with a severity (at most Window) is within the noise of that
// level: at or below Expected + Hysteresis x (Upper - Expected) / sqrt(n), Expected and Upper
// being the opening period's (the level before the surge and the single-period bound that
// opened the alert; a mean of n periods varies sqrt(n) times less). So a sustained surge is
// one alert with updates however fast the detector's own baseline catches up with it; a
// day-of-week low, or a month that dips but stays above the old level, does not resolve it;
// a short surge resolves two quiet periods after it ends.
type Tracker struct {
	// ResolveAfter is how many consecutive quiet periods resolve an alert. Default 2.
	ResolveAfter int
	// Hysteresis places the resolve line between the level before the surge (0) and the
	// bound that opened the alert (1), for a single period. Default 0.5.
	Hysteresis float64
	// Window is the most periods whose mean is compared with the resolve line. Default 7.
	Window int
	open   map[string]*Alert // by series
}

// NewTracker returns a tracker with no open alert, the default hysteresis and window, and
// resolveAfter (0: the default).
func NewTracker(resolveAfter int) *Tracker {
	if resolveAfter <= 0 {
		resolveAfter = 2
	}
	return &Tracker{ResolveAfter: resolveAfter, Hysteresis: 0.5, Window: 7, open: map[string]*Alert{}}
}

// ResolveLine is the mean of n periods at or below which a's flow is back near its level
// before the surge.
func (tr *Tracker) ResolveLine(a *Alert, n int) float64 {
	if math.IsNaN(a.Upper) || a.Upper < a.Expected || n < 1 {
		return a.Expected
	}
	return a.Expected + tr.Hysteresis*(a.Upper-a.Expected)/math.Sqrt(float64(n))
}

// quiet records the count of a period of open alert a and reports whether the period is
// quiet.
func (tr *Tracker) quiet(a *Alert, v Verdict) bool {
	if v.Severity != SeverityNone {
		a.recent = a.recent[:0]
		return false
	}
	if a.recent = append(a.recent, v.Observed); len(a.recent) > tr.Window {
		a.recent = a.recent[1:]
	}
	var sum float64
	for _, n := range a.recent {
		sum += n
	}
	return sum/float64(len(a.recent)) <= tr.ResolveLine(a, len(a.recent))
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
	c.recent = slices.Clone(a.recent)
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
// periods keep any severity (watch included) or stay above its resolve line.
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
	if tr.quiet(a, v) {
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
	a.State, a.PeriodStart, a.Observed = s, period, v.Observed
	c := *a
	return &c
}
