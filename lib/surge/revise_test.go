package surge

import (
	"testing"
	"time"
)

type step struct {
	obs float64
	sev Severity
}

// live runs the lifecycle as the detector did, and returns the latest version of each alert.
func live(steps []step) []Alert {
	tr := NewTracker(2)
	latest := map[string]Alert{}
	var order []string
	for i, s := range steps {
		if c := tr.Observe(key, day(i), v(s.obs, s.sev)); c != nil {
			if _, ok := latest[c.ID]; !ok {
				order = append(order, c.ID)
			}
			latest[c.ID] = *c
		}
	}
	out := make([]Alert, len(order))
	for i, id := range order {
		out[i] = latest[id]
	}
	return out
}

func replay(steps []step) *Replay {
	r := NewReplay(key, 2, 0)
	for i, s := range steps {
		r.Observe(day(i), v(s.obs, s.sev))
	}
	return r
}

var quiet = step{100, SeverityNone}

// What a revision publishes, for each way late records can change judged periods; and that
// publishing it, then revising again with the same data, publishes nothing more.
func TestReplayDiff(t *testing.T) {
	t.Parallel()
	type want struct {
		state  State
		reason string
		period int
	}
	for _, tc := range []struct {
		name        string
		before, now []step
		want        []want
		open        bool
	}{
		{"unchanged", []step{quiet, {200, SeverityWarning}, {210, SeverityWarning}}, []step{quiet, {200, SeverityWarning}, {210, SeverityWarning}}, nil, true},
		{"a surge only in late records, over since", []step{quiet, quiet, quiet, quiet}, []step{quiet, {400, SeverityAlert}, quiet, quiet},
			[]want{{Opened, "", 1}, {Resolved, ReasonQuiet, 3}}, false},
		{"a surge only in late records, still open", []step{quiet, quiet}, []step{quiet, {400, SeverityAlert}}, []want{{Opened, "", 1}}, true},
		{"late records bring the surge back to normal", []step{quiet, {200, SeverityWarning}, {210, SeverityWarning}}, []step{quiet, quiet, quiet},
			[]want{{Resolved, ReasonRevised, 1}}, false},
		{"a higher peak", []step{quiet, {200, SeverityWarning}}, []step{quiet, {500, SeverityAlert}}, []want{{Updated, "", 1}}, true},
		{"a resolved surge revised away", []step{quiet, {200, SeverityWarning}, quiet, quiet}, []step{quiet, quiet, quiet, quiet},
			[]want{{Resolved, ReasonRevised, 1}}, false},
		{"a resolved surge that goes on", []step{{200, SeverityWarning}, quiet, quiet}, []step{{200, SeverityWarning}, quiet, {200, SeverityWarning}},
			[]want{{Updated, "", 2}}, true}, // open again: told as of the newest period, not its opening
	} {
		prior := live(tc.before)
		r := replay(tc.now)
		changes, open := r.Diff(prior)
		if len(changes) != len(tc.want) {
			t.Errorf("%s: %d changes %+v, want %v", tc.name, len(changes), changes, tc.want)
			continue
		}
		for i, c := range changes {
			w := tc.want[i]
			if c.State != w.state || c.Reason != w.reason || !c.PeriodStart.Equal(day(w.period)) || !c.Late {
				t.Errorf("%s: change %d is %s %q of %s (late %v), want %s %q of %s", tc.name, i, c.State, c.Reason,
					c.PeriodStart.Format(time.DateOnly), c.Late, w.state, w.reason, day(w.period).Format(time.DateOnly))
			}
			if prev := latestOf(prior, c.ID); c.Version != prev+1 && (i == 0 || changes[i-1].ID != c.ID) {
				t.Errorf("%s: %s v%d follows v%d", tc.name, c.ID, c.Version, prev)
			}
		}
		if (open != nil) != tc.open {
			t.Errorf("%s: open %+v, want open %v", tc.name, open, tc.open)
		}
		published := merge(prior, changes)
		if again, _ := replay(tc.now).Diff(published); len(again) != 0 {
			t.Errorf("%s: a second revision with the same data publishes %+v", tc.name, again)
		}
		if open != nil && open.Version != latestOf(published, open.ID) {
			t.Errorf("%s: the open alert is at v%d, published v%d", tc.name, open.Version, latestOf(published, open.ID))
		}
	}
}

func latestOf(as []Alert, id string) int {
	for _, a := range as {
		if a.ID == id {
			return a.Version
		}
	}
	return 0
}

// merge is what storage holds after the changes: the latest version of each alert.
func merge(prior, changes []Alert) []Alert {
	out := append([]Alert(nil), prior...)
	for _, c := range changes {
		found := false
		for i := range out {
			if out[i].ID == c.ID {
				found = true
				if c.Version > out[i].Version {
					out[i] = c
				}
			}
		}
		if !found {
			out = append(out, c)
		}
	}
	return out
}
