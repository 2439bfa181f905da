package detect

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/schemas"
)

// Source is where the judge reads settled window counts and the alerts a restart restores.
type Source interface {
	// Totals are the window counts of resolution res that start in [from, to).
	Totals(ctx context.Context, res surge.Resolution, from, to time.Time) ([]surge.Total, error)
	// FirstSeen is each point's first window of resolution res: periods before it are
	// unknown, not zero, and are never judged as a baseline.
	FirstSeen(ctx context.Context, res surge.Resolution) ([]surge.Seen, error)
	// OpenAlerts are the latest versions of the alerts not resolved.
	OpenAlerts(ctx context.Context) ([]surge.Alert, error)
}

// judge turns settled periods into alert changes and bands. Not safe for concurrent use.
type judge struct {
	cfg     *Config
	tracker *surge.Tracker
	bands   []surge.Band // of the last advance
}

// advance judges every period of every series that closed between watermarks prev and wm
// (Unix seconds), in period order, and returns the alert changes.
func (j *judge) advance(ctx context.Context, prev, wm int64) ([]schemas.AlertChange, error) {
	if prev/3600 == wm/3600 {
		return nil, nil // windows close on whole hours (local midnights are whole hours here)
	}
	var out []schemas.AlertChange
	j.bands = j.bands[:0]
	for _, res := range j.cfg.Resolutions {
		changes, err := j.advanceRes(ctx, res, prev, wm)
		if err != nil {
			return nil, err
		}
		out = append(out, changes...)
	}
	return out, nil
}

func (j *judge) advanceRes(ctx context.Context, res surge.Resolution, prev, wm int64) ([]schemas.AlertChange, error) {
	seen, err := j.cfg.Source.FirstSeen(ctx, res)
	if err != nil || len(seen) == 0 {
		return nil, err
	}
	// Read from the oldest period that may be judged, less the longest baseline, with a day
	// of margin for time zones.
	from := time.Unix(prev, 0).Add(-time.Duration(j.lookback()+1)*span(res) - 24*time.Hour)
	totals, err := j.cfg.Source.Totals(ctx, res, from, time.Unix(wm, 0))
	if err != nil {
		return nil, err
	}
	var open []surge.SeriesKey
	for _, a := range j.tracker.Open() {
		if a.Series.Resolution == res {
			open = append(open, a.Series)
		}
	}
	set := buildSeries(res, totals, j.cfg.Zone, open)
	groups := set.nationalities()
	firsts := j.firstIndexes(res, seen)
	type judged struct {
		k surge.SeriesKey
		i int64
		c schemas.AlertChange
	}
	var out []judged
	for k, c := range set {
		zones := j.zones(k)
		first, ok := firsts[k.PointID+"|"+k.Country]
		if !ok {
			continue
		}
		d := j.cfg.detector(k)
		need, _ := d.First()
		for i := lastClosed(res, prev, zones) + 1; i <= lastClosed(res, wm, zones); i++ {
			if i-int64(need) < first {
				continue // not enough observed history for a baseline
			}
			if k.Nationality != "" && !j.tracker.IsOpen(k) && !set.topNationality(k, groups[natKey{k.Country, k.Type, k.Role}], i, need, j.cfg.TopNationalities) {
				continue
			}
			y := make([]float64, need+1)
			for n := range y {
				y[n] = c[i-int64(need)+int64(n)]
			}
			v, ok, err := d.JudgeLast(y)
			if err != nil {
				return nil, fmt.Errorf("series %s: %w", k, err)
			}
			if !ok {
				continue
			}
			start, end := bounds(res, i, zones[0])
			method := cmp.Or(d.Method, surge.DefaultDetector().Method)
			j.bands = append(j.bands, surge.Band{Series: k, PeriodStart: start, Verdict: v, Method: method, JudgedAt: j.cfg.Now().UTC()})
			if a := j.tracker.Observe(k, start, v); a != nil {
				out = append(out, judged{k, i, j.change(a, method, end)})
			}
		}
	}
	// Changes in period order, then by series, so replays give the same sequence.
	slices.SortFunc(out, func(a, b judged) int {
		return cmp.Or(cmp.Compare(a.i, b.i), cmp.Compare(a.k.String(), b.k.String()))
	})
	changes := make([]schemas.AlertChange, len(out))
	for n := range out {
		changes[n] = out[n].c
	}
	return changes, nil
}

// firstIndexes is the first period index of each point and each country ("point|country"
// and "|country").
func (j *judge) firstIndexes(res surge.Resolution, seen []surge.Seen) map[string]int64 {
	out := map[string]int64{}
	for _, s := range seen {
		i := index(res, s.First, j.cfg.Zone(s.PointID))
		for _, key := range []string{s.PointID + "|" + s.Country, "|" + s.Country} {
			if f, ok := out[key]; !ok || i < f {
				out[key] = i
			}
		}
	}
	return out
}

// zones of a series: its point's, or every zone of its country's points.
func (j *judge) zones(k surge.SeriesKey) []*time.Location {
	if k.PointID != "" {
		return []*time.Location{j.cfg.Zone(k.PointID)}
	}
	if zs := j.cfg.CountryZones(k.Country); len(zs) > 0 {
		return zs
	}
	return []*time.Location{time.UTC}
}

// lookback is the longest history any detector needs.
func (j *judge) lookback() int {
	n, _ := j.cfg.Default.First()
	for _, c := range j.cfg.Classes {
		f, _ := c.Detector.First()
		n = max(n, f)
	}
	return n
}

func (j *judge) change(a *surge.Alert, method string, end time.Time) schemas.AlertChange {
	k := a.Series
	level := "country"
	name := ""
	if k.PointID != "" {
		level, name = "point", j.cfg.PointName(k.PointID)
	}
	c := schemas.AlertChange{Schema: schemas.AlertSchemaName, AlertID: a.ID, Version: a.Version, State: string(a.State),
		Severity: a.Severity.String(), Method: method, Series: k.String(), Level: level, PointID: k.PointID, PointName: name,
		Country: k.Country, Role: k.Role, Type: k.Type, Population: k.Population, Nationality: k.Nationality,
		Resolution: string(k.Resolution), PeriodStart: a.PeriodStart.UTC(), PeriodEnd: end, OpenedAt: a.OpenedAt.UTC(),
		ChangedAt: j.cfg.Now().UTC().Truncate(time.Second), Observed: a.Observed, Expected: a.Expected, Upper: a.Upper,
		Factor: a.Factor(), Peak: a.Peak}
	if j.cfg.Dashboard != nil {
		c.Dashboard = j.cfg.Dashboard(c)
	}
	return c
}
