package detect

import (
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
)

// scope says which series may have changed in periods already judged, and from when.
type scope struct {
	all    int64            // every series from this time on (Unix seconds); 0 for none
	points map[string]int64 // a point's series, and its country's, from this time on
}

// from is the time from which series k may have changed.
func (sc scope) from(k surge.SeriesKey, countryOf map[string]string) (int64, bool) {
	t, ok := sc.all, sc.all != 0
	for point, at := range sc.points {
		if point == k.PointID || k.PointID == "" && countryOf[point] == k.Country {
			if !ok || at < t {
				t, ok = at, true
			}
		}
	}
	return t, ok
}

// reviseRes judges again, for every series in scope, the periods already judged (up to
// watermark judged) from the first that may have changed, and returns the changes that
// bring the published alerts to the revised lifecycle (surge.Replay), marked detected late.
// alerts are the published alerts the revision may change (Source.Alerts). The live tracker
// follows the revised lifecycle from then on.
func (j *judge) reviseRes(f *frame, judged int64, sc scope, alerts []surge.Alert) ([]ordered, error) {
	res := f.res
	bySeries := map[surge.SeriesKey][]surge.Alert{}
	for _, a := range alerts {
		bySeries[a.Series] = append(bySeries[a.Series], a)
	}
	countryOf := map[string]string{}
	for k := range f.set {
		if k.PointID != "" {
			countryOf[k.PointID] = k.Country
		}
	}
	var out []ordered
	for k := range f.set {
		t, ok := sc.from(k, countryOf)
		if !ok {
			continue
		}
		zones := j.zones(k)
		last, p := lastClosed(res, judged, zones), int64(1<<62)
		for _, z := range zones {
			p = min(p, index(res, time.Unix(t, 0), z))
		}
		if p > last {
			continue
		}
		changes, err := j.replay(f, k, zones[0], p, last, bySeries[k])
		if err != nil {
			return nil, err
		}
		out = append(out, changes...)
	}
	return out, nil
}

// earliest is the first time the scope reaches.
func (sc scope) earliest() int64 {
	t := sc.all
	for _, at := range sc.points {
		if t == 0 || at < t {
			t = at
		}
	}
	return t
}

// replay judges series k again over periods [p, last] of zone z, from the opening of the
// alert open just before p when there is one, and returns what to publish.
func (j *judge) replay(f *frame, k surge.SeriesKey, z *time.Location, p, last int64, alerts []surge.Alert) ([]ordered, error) {
	res := f.res
	s := p
	for _, a := range alerts { // the alert open at p-1 restarts the lifecycle at its opening
		if o := index(res, a.OpenedAt, z); o < p && (a.State != surge.Resolved || index(res, a.PeriodStart, z) >= p) {
			s = min(s, o)
		}
	}
	// An alert whose latest change is after the last period judged here was published by a
	// judgment past the detector's checkpoint (a restart before the checkpoint was written):
	// the replay knows nothing of those periods, so it must neither resolve that alert as
	// revised away nor take it from the live tracker, which was restored with it.
	var prior []surge.Alert
	ahead := map[string]bool{}
	for _, a := range alerts {
		switch {
		case index(res, a.PeriodStart, z) > last:
			ahead[a.ID] = true
		case index(res, a.OpenedAt, z) >= s:
			prior = append(prior, a)
		}
	}
	r := surge.NewReplay(k, j.cfg.ResolveAfter, j.cfg.Hysteresis)
	for i := s; i <= last; i++ {
		v, ok, err := j.verdict(f, k, i, r.IsOpen())
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		start, _ := bounds(res, i, z)
		if i >= p {
			j.band(k, start, v)
		}
		r.Observe(start, v)
	}
	changes, open := r.Diff(prior)
	if len(ahead) == 0 {
		j.tracker.Put(k, open)
	}
	out := make([]ordered, 0, len(changes))
	for n := range changes {
		if ahead[changes[n].ID] {
			continue // the replay met it again before the periods its published changes are at
		}
		i := index(res, changes[n].PeriodStart, z)
		_, end := bounds(res, i, z)
		out = append(out, ordered{k, i, j.change(&changes[n], end)})
	}
	return out, nil
}

// reaches reports whether the scope touches a period already judged in any zone of the
// points seen: most hours, the trailing lateness of a day series is still inside today.
func (sc scope) reaches(res surge.Resolution, judged int64, seen []surge.Seen, zone func(string) *time.Location) bool {
	if len(sc.points) > 0 {
		return true
	}
	if sc.all == 0 {
		return false
	}
	for _, s := range seen {
		z := []*time.Location{zone(s.PointID)}
		if index(res, time.Unix(sc.all, 0), z[0]) <= lastClosed(res, judged, z) {
			return true
		}
	}
	return false
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
