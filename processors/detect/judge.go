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
	// Alerts are the latest versions of the alerts of resolution res that are not resolved,
	// or whose opening or latest change is at or after since: what a revision compares with.
	Alerts(ctx context.Context, res surge.Resolution, since time.Time) ([]surge.Alert, error)
}

// judge turns settled periods into alert changes and bands. Not safe for concurrent use.
type judge struct {
	cfg     *Config
	tracker *surge.Tracker
	bands   []surge.Band // of the last advance
}

// advance judges every period of every series that closed between watermarks prev and wm
// (Unix seconds), in period order, and returns the alert changes. Before that, it judges
// again what changed since prev in periods already judged: the periods whose windows were
// still open to late events at prev (Lateness), and those of revised, each point's recounted
// windows from a time on (the store stage's revisions).
func (j *judge) advance(ctx context.Context, prev, wm int64, revised map[string]int64) ([]schemas.AlertChange, error) {
	crossed := prev/3600 != wm/3600 // windows close on whole hours (local midnights are whole hours here)
	if !crossed && len(revised) == 0 {
		return nil, nil
	}
	var out []schemas.AlertChange
	j.bands = j.bands[:0]
	for _, res := range j.cfg.Resolutions {
		sc := scope{points: revised}
		if crossed {
			sc.all = prev - int64(j.cfg.Lateness/time.Second)
		}
		changes, err := j.advanceRes(ctx, res, prev, wm, crossed, sc)
		if err != nil {
			return nil, err
		}
		out = append(out, changes...)
	}
	return out, nil
}

// advanceRes reads the totals once for both: what sc says to judge again, then, when the
// watermark crossed an hour, the periods that closed.
func (j *judge) advanceRes(ctx context.Context, res surge.Resolution, prev, wm int64, crossed bool, sc scope) ([]schemas.AlertChange, error) {
	seen, err := j.cfg.Source.FirstSeen(ctx, res)
	if err != nil || len(seen) == 0 {
		return nil, err
	}
	from := time.Unix(prev, 0)
	var keep []surge.SeriesKey
	for _, a := range j.tracker.Open() {
		if a.Series.Resolution == res {
			keep = append(keep, a.Series)
		}
	}
	var alerts []surge.Alert
	revising := prev >= 0 && sc.reaches(res, prev, seen, j.cfg.Zone)
	if revising {
		if alerts, err = j.cfg.Source.Alerts(ctx, res, time.Unix(sc.earliest(), 0).Add(-48*time.Hour)); err != nil {
			return nil, err
		}
		from = minTime(from, time.Unix(sc.earliest(), 0))
		for _, a := range alerts { // a replay may start at any of these alerts' opening
			from = minTime(from, a.OpenedAt)
			if a.State != surge.Resolved {
				keep = append(keep, a.Series)
			}
		}
	}
	if !crossed {
		wm = prev
	}
	f, err := j.frame(ctx, res, seen, from, wm, keep)
	if err != nil {
		return nil, err
	}
	var out []schemas.AlertChange
	if revising {
		revised, err := j.reviseRes(f, prev, sc, alerts)
		if err != nil {
			return nil, err
		}
		out = append(out, sorted(revised)...)
	}
	if crossed {
		changes, err := j.judgeClosed(f, prev, wm)
		if err != nil {
			return nil, err
		}
		out = append(out, changes...)
	}
	return out, nil
}

// frame is what judging needs over a span of periods: the series built from the totals and
// each point's and country's first period.
type frame struct {
	res    surge.Resolution
	set    seriesSet
	firsts map[string]int64
}

// frame reads the totals for judging periods from from on (less the longest baseline, with
// a day of margin for time zones) up to wm; keep are series judged even without totals.
func (j *judge) frame(ctx context.Context, res surge.Resolution, seen []surge.Seen, from time.Time, wm int64, keep []surge.SeriesKey) (*frame, error) {
	from = from.Add(-time.Duration(j.lookback()+1)*span(res) - 24*time.Hour)
	totals, err := j.cfg.Source.Totals(ctx, res, from, time.Unix(wm, 0))
	if err != nil {
		return nil, err
	}
	set := buildSeries(res, totals, j.cfg.Zone, keep)
	return &frame{res: res, set: set, firsts: j.firstIndexes(res, seen)}, nil
}

// verdict judges period i of series k, or says it is not judged: too little observed
// history for a baseline, or a nationality without the volume nor an alert open.
func (j *judge) verdict(f *frame, k surge.SeriesKey, i int64, open bool) (surge.Verdict, bool, error) {
	first, ok := f.firsts[k.PointID+"|"+k.Country]
	if !ok {
		return surge.Verdict{}, false, nil
	}
	d := j.cfg.detector(k)
	need, _ := d.First()
	if i-int64(need) < first {
		return surge.Verdict{}, false, nil
	}
	if k.Kind == surge.KindCorridor {
		v, ok := j.corridor(f, k, i, need)
		return v, ok, nil
	}
	if k.Nationality != "" && !open && !f.set.enough(k, i, need, j.cfg.NationalityMinCount) {
		return surge.Verdict{}, false, nil
	}
	c := f.set[k]
	y := make([]float64, need+1)
	for n := range y {
		y[n] = c[i-int64(need)+int64(n)]
	}
	v, ok, err := d.JudgeLast(y)
	if err != nil {
		return v, false, fmt.Errorf("series %s: %w", k, err)
	}
	return v, ok, nil
}

func (j *judge) band(k surge.SeriesKey, start time.Time, v surge.Verdict) {
	j.bands = append(j.bands, surge.Band{Series: k, PeriodStart: start, Verdict: v, Method: j.method(k), JudgedAt: j.cfg.Now().UTC()})
}

// ordered is one change with the period and series it sorts by.
type ordered struct {
	k surge.SeriesKey
	i int64
	c schemas.AlertChange
}

// sorted are the changes in period order, then by series, so replays give the same sequence.
func sorted(out []ordered) []schemas.AlertChange {
	slices.SortStableFunc(out, func(a, b ordered) int {
		return cmp.Or(cmp.Compare(a.i, b.i), cmp.Compare(a.k.String(), b.k.String()))
	})
	changes := make([]schemas.AlertChange, len(out))
	for n := range out {
		changes[n] = out[n].c
	}
	return changes
}

// judgeClosed judges, with the live tracker, every period that closed between prev and wm.
func (j *judge) judgeClosed(f *frame, prev, wm int64) ([]schemas.AlertChange, error) {
	res := f.res
	var out []ordered
	for k := range f.set {
		zones := j.zones(k)
		for i := lastClosed(res, prev, zones) + 1; i <= lastClosed(res, wm, zones); i++ {
			v, ok, err := j.verdict(f, k, i, j.tracker.IsOpen(k))
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			start, end := bounds(res, i, zones[0])
			j.band(k, start, v)
			if a := j.tracker.Observe(k, start, v); a != nil {
				out = append(out, ordered{k, i, j.change(a, end)})
			}
		}
	}
	return sorted(out), nil
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

func (j *judge) change(a *surge.Alert, end time.Time) schemas.AlertChange {
	k := a.Series
	method := j.method(k)
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
		Factor: a.Factor(), Peak: a.Peak, DetectedLate: a.Late, Reason: a.Reason, Kind: k.Kind, IncidentID: a.Incident}
	if j.cfg.Dashboard != nil {
		c.Dashboard = j.cfg.Dashboard(c)
	}
	return c
}

// method names the detector that judges series k, for bands and changes.
func (j *judge) method(k surge.SeriesKey) string {
	if k.Kind == surge.KindCorridor {
		return surge.KindCorridor
	}
	return cmp.Or(j.cfg.detector(k).Method, surge.DefaultDetector().Method)
}
