package surge

import (
	"cmp"
	"slices"
	"time"
)

// Replay judges one series again when revised data reached periods already judged: from a
// period before which nothing changed (the revised period, or the opening of the alert open
// just before it), with a fresh lifecycle. Diff then says what to publish so that the alerts
// ministries were told about follow the lifecycle of the revised data.
type Replay struct {
	k        SeriesKey
	tr       *Tracker
	first    map[string]Alert // each replayed alert's opening change
	last     map[string]Alert // and its latest
	order    []string
	verdicts map[int64]Verdict // by period start, for the figures of a surge revised away
}

// NewReplay starts the replay of series k with a lifecycle of the live tracker's settings
// (hysteresis 0: the default).
func NewReplay(k SeriesKey, resolveAfter int, hysteresis float64) *Replay {
	tr := NewTracker(resolveAfter)
	if hysteresis > 0 {
		tr.Hysteresis = hysteresis
	}
	return &Replay{k: k, tr: tr, first: map[string]Alert{}, last: map[string]Alert{}, verdicts: map[int64]Verdict{}}
}

// IsOpen reports whether the replayed lifecycle has an alert open.
func (r *Replay) IsOpen() bool { return r.tr.IsOpen(r.k) }

// Observe takes the verdict of the next period, in period order.
func (r *Replay) Observe(period time.Time, v Verdict) {
	r.verdicts[period.Unix()] = v
	c := r.tr.Observe(r.k, period, v)
	if c == nil {
		return
	}
	if _, ok := r.first[c.ID]; !ok {
		r.first[c.ID] = *c
		r.order = append(r.order, c.ID)
	}
	r.last[c.ID] = *c
}

// Diff returns the changes that bring prior, the latest published version of each alert of
// the series that opened at or after the replay's first period, to the replayed lifecycle,
// each marked Late:
//   - a surge only the revised data show opens (version 1) and, when the replay has already
//     updated or resolved it, says where it stands now (version 2);
//   - a published alert whose state, severity or peak the revision changed gets a new version:
//     updated when the replay has it open (so a resolved alert can open again), resolved when
//     the replay resolved it;
//   - a published alert the revised data no longer show resolves with ReasonRevised, with the
//     revised figures of its opening period.
//
// It also returns the alert the replay leaves open, carrying the version published last, for
// the live tracker (nil when none). Diff of a replay already published returns nothing.
func (r *Replay) Diff(prior []Alert) (changes []Alert, open *Alert) {
	old := make(map[string]Alert, len(prior))
	for _, p := range prior {
		old[p.ID] = p
	}
	versions := map[string]int{}
	for _, id := range r.order {
		f, l := r.first[id], r.last[id]
		p, had := old[id]
		if !had {
			f.Late = true
			changes = append(changes, f)
			if l.Version != f.Version {
				l.Version, l.Late = 2, true
				changes = append(changes, l)
			}
			versions[id] = changes[len(changes)-1].Version
			continue
		}
		nowOpen := l.State != Resolved
		if nowOpen == (p.State != Resolved) && p.Severity == l.Severity && p.Peak == l.Peak && p.Reason != ReasonRevised {
			versions[id] = p.Version
			continue
		}
		c := l
		c.Version, c.Late, c.OpenedAt, c.Incident = p.Version+1, true, p.OpenedAt, p.Incident
		if c.State, c.Reason = Updated, ""; !nowOpen {
			c.State, c.Reason = Resolved, ReasonQuiet
		} else if o := r.tr.open[r.k.String()]; o != nil && o.ID == id {
			// Still open (or open again): say where it stands at the newest period judged, not
			// at its last change, which may be the day it first opened.
			if v, ok := r.verdicts[o.seen.Unix()]; ok {
				c.PeriodStart, c.Observed = o.seen, v.Observed
			}
		}
		changes = append(changes, c)
		versions[id] = c.Version
	}
	gone := slices.Clone(prior)
	slices.SortFunc(gone, func(a, b Alert) int { return cmp.Or(a.OpenedAt.Compare(b.OpenedAt), cmp.Compare(a.ID, b.ID)) })
	for _, p := range gone {
		if _, ok := r.last[p.ID]; ok || p.State == Resolved && p.Reason == ReasonRevised {
			continue
		}
		c := p
		c.Version, c.State, c.Reason, c.Late, c.PeriodStart = p.Version+1, Resolved, ReasonRevised, true, p.OpenedAt
		if v, ok := r.verdicts[p.OpenedAt.Unix()]; ok { // the revised figures of its onset
			c.Observed, c.Expected, c.Upper = v.Observed, v.Expected, v.Upper
		}
		changes = append(changes, c)
	}
	if a := r.tr.open[r.k.String()]; a != nil {
		o := *a
		o.Version, o.Late, o.Reason = versions[o.ID], false, ""
		open = &o
	}
	return changes, open
}
