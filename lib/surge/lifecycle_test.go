package surge

import (
	"testing"
	"time"
)

var key = SeriesKey{Resolution: Daily, PointID: "pan-lajas-blancas", Country: "PAN", Type: "crossing", Role: "transit", Population: "all"}

func day(i int) time.Time { return time.Date(2023, 8, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i) }

func v(obs float64, s Severity) Verdict {
	return Verdict{Period: Period{Observed: obs, Expected: 100, Upper: 150, Alarm: s >= SeverityWarning}, Severity: s}
}

// One surge: opened once, updated at the new peak and the higher severity, resolved after two
// quiet periods; nothing else.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	tr := NewTracker(2)
	steps := []struct {
		obs  float64
		sev  Severity
		want State
	}{
		{90, SeverityNone, ""}, {130, SeverityWatch, ""}, {160, SeverityWarning, Opened}, {155, SeverityWatch, ""}, {240, SeverityAlert, Updated}, {300, SeverityAlert, Updated},
		{250, SeverityWarning, ""}, {100, SeverityNone, ""}, {170, SeverityWatch, ""}, {95, SeverityNone, ""}, {90, SeverityNone, Resolved}, {80, SeverityNone, ""},
		{140, SeverityWatch, ""}, // a watch alone opens nothing
	}
	var id string
	for i, s := range steps {
		c := tr.Observe(key, day(i), v(s.obs, s.sev))
		switch {
		case s.want == "" && c != nil:
			t.Errorf("day %d: unexpected %s", i, c.State)
		case s.want != "" && (c == nil || c.State != s.want):
			t.Errorf("day %d: got %+v, want %s", i, c, s.want)
		case c != nil:
			if id == "" {
				id = c.ID
			}
			if c.ID != id {
				t.Errorf("day %d: the alert changed id", i)
			}
		}
	}
	if len(tr.Open()) != 0 {
		t.Fatal("alert still open")
	}
}

// After a restart the open alert is restored from storage: the same surge is updated, not
// opened again.
func TestRestoreDoesNotReopen(t *testing.T) {
	t.Parallel()
	tr := NewTracker(2)
	opened := tr.Observe(key, day(0), v(160, SeverityWarning))
	restarted := NewTracker(2)
	restarted.Restore([]Alert{*opened})
	c := restarted.Observe(key, day(1), v(220, SeverityAlert))
	if c == nil || c.State != Updated || c.ID != opened.ID || c.Version != 2 {
		t.Fatalf("after restart: %+v", c)
	}
	if c := restarted.Observe(key, day(1), v(220, SeverityAlert)); c != nil {
		t.Fatalf("a replayed period sent a second message: %+v", c)
	}
}

// A replayed quiet period is not counted twice: only new periods move an alert towards
// resolution.
func TestReplayedQuietPeriodDoesNotResolve(t *testing.T) {
	t.Parallel()
	tr := NewTracker(2)
	if c := tr.Observe(key, day(0), v(160, SeverityWarning)); c == nil {
		t.Fatal("not opened")
	}
	tr.Observe(key, day(1), v(90, SeverityNone))
	if c := tr.Observe(key, day(1), v(90, SeverityNone)); c != nil {
		t.Fatalf("the same quiet day, replayed, changed the alert: %+v", c)
	}
	if len(tr.Open()) != 1 {
		t.Fatal("resolved by a replayed period")
	}
	if c := tr.Observe(key, day(2), v(90, SeverityNone)); c == nil || c.State != Resolved {
		t.Fatalf("second quiet day: %+v", c)
	}
}
