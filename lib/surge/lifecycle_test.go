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

// A sustained surge stays one alert while the detector's baseline catches up with it: the
// verdicts lose their severity (the rolling expected rises to the new level), but the flow
// stays above the resolve line of the level before the surge; it resolves only once the
// week's flow is back near that level. Expected and Upper stay those of the onset.
func TestSustainedSurgeIsOneAlert(t *testing.T) {
	t.Parallel()
	rolling := func(obs, expected float64, s Severity) Verdict {
		return Verdict{Period: Period{Observed: obs, Expected: expected, Upper: expected * 1.2, Alarm: s >= SeverityWarning}, Severity: s}
	}
	for _, tc := range []struct {
		name   string
		tail   []float64 // counts after the onset (420 before it, bound 504 then)
		closes int       // the tail period that resolves it, -1 for none
	}{
		// The Honduras minors case of 2023: 725 against a baseline that has caught up.
		{"high", []float64{700, 725, 710, 730, 725, 720, 725}, -1},
		{"dip between the line and the bound", []float64{700, 480, 470, 700, 490, 480}, -1},
		// Back near the earlier level: once the week's mean is (the bound's margin over
		// sqrt(7) above 420: 436), for two periods.
		{"back near the earlier level", []float64{700, 725, 425, 425, 425, 425, 425, 425, 425, 425, 425}, 9},
		{"a month just above the old level", []float64{700, 725, 460, 455, 470, 450, 465, 460, 455, 470, 450, 465}, -1},
		{"one low period is not the end", []float64{700, 430, 725, 430, 720}, -1},
	} {
		tr := NewTracker(2)
		open := tr.Observe(key, day(0), rolling(600, 420, SeverityAlert))
		if open == nil {
			t.Fatalf("%s: not opened", tc.name)
		}
		closes := -1
		for i, obs := range tc.tail {
			c := tr.Observe(key, day(i+1), rolling(obs, obs*0.98, SeverityNone))
			if c == nil {
				continue
			}
			if c.ID != open.ID || c.Expected != 420 || c.Upper != 504 {
				t.Errorf("%s: day %d changed the alert's reference: %+v", tc.name, i+1, c)
			}
			if c.State == Resolved {
				closes = i
			}
		}
		if closes != tc.closes {
			t.Errorf("%s: resolved at tail period %d, want %d", tc.name, closes, tc.closes)
		}
	}
}
