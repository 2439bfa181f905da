package detect

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/schemas"
)

// memSource is storage in memory: daily totals per point, and the alert changes published.
type memSource struct {
	totals []surge.Total
	alerts []schemas.AlertChange
}

func (m *memSource) Totals(_ context.Context, _ surge.Resolution, from, to time.Time) ([]surge.Total, error) {
	var out []surge.Total
	for _, t := range m.totals {
		if !t.Start.Before(from) && t.Start.Before(to) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *memSource) FirstSeen(context.Context, surge.Resolution) ([]surge.Seen, error) {
	first := map[string]surge.Seen{}
	for _, t := range m.totals {
		if s, ok := first[t.PointID]; !ok || t.Start.Before(s.First) {
			first[t.PointID] = surge.Seen{PointID: t.PointID, Country: t.Country, First: t.Start}
		}
	}
	var out []surge.Seen
	for _, s := range first {
		out = append(out, s)
	}
	return out, nil
}

// OpenAlerts restores from the published changes, as the alerts table does.
func (m *memSource) OpenAlerts(context.Context) ([]surge.Alert, error) {
	return m.latest(func(a surge.Alert) bool { return a.State != surge.Resolved }), nil
}

// Alerts implements Source as the alerts table does.
func (m *memSource) Alerts(_ context.Context, res surge.Resolution, since time.Time) ([]surge.Alert, error) {
	return m.latest(func(a surge.Alert) bool {
		return a.Series.Resolution == res && (a.State != surge.Resolved || !a.PeriodStart.Before(since) || !a.OpenedAt.Before(since))
	}), nil
}

func (m *memSource) latest(keep func(surge.Alert) bool) []surge.Alert {
	latest := map[string]schemas.AlertChange{}
	for _, c := range m.alerts {
		if c.Version > latest[c.AlertID].Version {
			latest[c.AlertID] = c
		}
	}
	var out []surge.Alert
	for _, c := range latest {
		a := surge.Alert{ID: c.AlertID, Version: c.Version, State: surge.State(c.State), Severity: map[string]surge.Severity{"watch": 1, "warning": 2, "alert": 3}[c.Severity],
			Series: surge.SeriesKey{Resolution: surge.Resolution(c.Resolution), PointID: c.PointID, Country: c.Country, Type: c.Type, Role: c.Role,
				Population: c.Population, Nationality: c.Nationality, Kind: c.Kind}, PeriodStart: c.PeriodStart, OpenedAt: c.OpenedAt, Incident: c.IncidentID,
			Observed: c.Observed, Expected: c.Expected, Upper: c.Upper, Peak: c.Peak, Reason: c.Reason}
		if keep(a) {
			out = append(out, a)
		}
	}
	return out
}

var panama = time.FixedZone("America/Panama", -5*3600)

func testConfig(src Source) *Config {
	cfg := &Config{Source: src, Zone: func(string) *time.Location { return panama },
		CountryZones: func(string) []*time.Location { return []*time.Location{panama} },
		StoreAlerts:  func(context.Context, []schemas.AlertChange) error { return nil }, Producer: nopProducer{}, Kafka: offlineKafka}
	if err := cfg.defaults(); err != nil {
		panic(err)
	}
	return cfg
}

// day0 is the local midnight of the first day of the synthetic streams.
var day0 = time.Date(2026, 1, 5, 0, 0, 0, 0, panama)

// seasonal adds days of a stable stream with a weekly pattern (weekends at 60%) and Poisson
// noise at a point; surge multiplies chosen days.
func seasonal(src *memSource, rng *rand.Rand, point, country, role string, base float64, days int, factors map[int]float64) {
	for d := range days {
		mean := base
		if wd := day0.AddDate(0, 0, d).Weekday(); wd == time.Saturday || wd == time.Sunday {
			mean *= 0.6
		}
		if f, ok := factors[d]; ok {
			mean *= f
		}
		n := poisson(rng, mean)
		src.totals = append(src.totals, surge.Total{Start: day0.AddDate(0, 0, d).UTC(), PointID: point, Country: country, Type: "crossing",
			Role: role, Nationality: "VEN", Persons: n, Minors: poisson(rng, n*0.2), Unaccompanied: poisson(rng, n*0.01)})
	}
}

// poisson draws a Poisson count: Knuth's method in steps of 30, exact for any mean.
func poisson(rng *rand.Rand, mean float64) float64 {
	n := 0.0
	for mean > 0 {
		step := min(mean, 30)
		mean -= step
		l, p := math.Exp(-step), rng.Float64()
		for p > l {
			n++
			p *= rng.Float64()
		}
	}
	return n
}

// runDays judges the stream day by day, as the settled watermark crosses each local midnight.
func runDays(t *testing.T, j *judge, src *memSource, from, to int) []schemas.AlertChange {
	t.Helper()
	var all []schemas.AlertChange
	for d := from; d < to; d++ {
		prev, wm := day0.AddDate(0, 0, d).Unix(), day0.AddDate(0, 0, d+1).Unix()
		cs, err := j.advance(context.Background(), prev, wm, nil)
		if err != nil {
			t.Fatal(err)
		}
		src.alerts = append(src.alerts, cs...)
		all = append(all, cs...)
	}
	return all
}

// A stable seasonal stream of 90 days, weekly pattern and noise, at five points: no alert.
func TestStableSeasonalNoAlert(t *testing.T) {
	t.Parallel()
	for seed := range uint64(5) {
		src := &memSource{}
		rng := rand.New(rand.NewPCG(seed, 1))
		for i, pt := range []string{"pan-lajas-blancas", "pan-san-vicente", "cri-paso-canoas", "hnd-trojes", "gtm-tecun-uman"} {
			seasonal(src, rng, pt, pt[:3], "transit", 40+30*float64(i), 90, nil)
		}
		j := &judge{cfg: testConfig(src), tracker: surge.NewTracker(2)}
		if cs := runDays(t, j, src, 0, 90); len(cs) != 0 {
			for _, c := range cs {
				t.Errorf("seed %d: %s %s %s observed %v expected %.1f upper %.1f", seed, c.Series, c.State, c.PeriodStart.Format("01-02"), c.Observed, c.Expected, c.Upper)
			}
		}
	}
}

// A surge at one transit point: one alert opens on the first surge day, is updated at the
// peak, and resolves after two quiet days; a restart in the middle opens nothing again.
func TestSurgeLifecycleAndRestart(t *testing.T) {
	t.Parallel()
	src := &memSource{}
	rng := rand.New(rand.NewPCG(7, 7))
	// Day 37 is a Wednesday; the surge peaks on Friday 39 and ebbs over the weekend.
	surgeDays := map[int]float64{37: 3, 38: 4, 39: 6, 40: 3}
	seasonal(src, rng, "pan-lajas-blancas", "PAN", "transit", 120, 60, surgeDays)
	seasonal(src, rng, "pan-san-vicente", "PAN", "transit", 60, 60, nil)
	j := &judge{cfg: testConfig(src), tracker: surge.NewTracker(2)}
	before := runDays(t, j, src, 0, 39) // through the second surge day
	// Restart: a new judge restores the open alerts from what was published.
	open, _ := src.OpenAlerts(context.Background())
	tr := surge.NewTracker(2)
	tr.Restore(open)
	j = &judge{cfg: testConfig(src), tracker: tr}
	after := runDays(t, j, src, 38, 60) // re-judges day 38 (the checkpoint lagged), then on
	all := append(before, after...)

	var point []schemas.AlertChange
	for _, c := range all {
		if c.PointID == "pan-lajas-blancas" && c.Population == "all" && c.Nationality == "" {
			point = append(point, c)
		}
		if c.PointID == "pan-san-vicente" {
			t.Errorf("alert at the quiet point: %+v", c)
		}
	}
	if len(point) < 3 {
		t.Fatalf("point series changes: %+v", point)
	}
	opened := point[0]
	if opened.State != "opened" || !opened.PeriodStart.Equal(day0.AddDate(0, 0, 37).UTC()) || opened.Version != 1 || opened.Level != "point" {
		t.Errorf("first change %+v, want opened on day 37", opened)
	}
	var peakSeen bool
	for i, c := range point[1:] {
		if c.AlertID != opened.AlertID || c.Version != i+2 {
			t.Errorf("change %d: id %s version %d, want %s v%d", i+1, c.AlertID, c.Version, opened.AlertID, i+2)
		}
		if c.State == "opened" {
			t.Errorf("a second opened: %+v", c)
		}
		if c.State == "updated" && c.PeriodStart.Equal(day0.AddDate(0, 0, 39).UTC()) {
			peakSeen = true
		}
	}
	last := point[len(point)-1]
	resolvedOn := int(last.PeriodStart.Sub(day0.UTC()).Hours() / 24)
	if !peakSeen || last.State != "resolved" || resolvedOn < 40 || resolvedOn > 43 {
		t.Errorf("want an update at the peak (day 39) and resolved two quiet days after it (day 40-43), got day %d: %+v", resolvedOn, point)
	}
	if last.Peak < opened.Observed*1.5 || last.PeriodEnd.Sub(last.PeriodStart) != 24*time.Hour {
		t.Errorf("resolved change: peak %v (opened at %v), period %v - %v", last.Peak, opened.Observed, last.PeriodStart, last.PeriodEnd)
	}
	var country bool
	for _, c := range all {
		country = country || c.Level == "country" && c.Country == "PAN" && c.Population == "all" && c.Nationality == "" && c.State == "opened"
	}
	if !country {
		t.Error("the country series did not alert")
	}
}

// Periods: a day closes at the local midnight of every zone of the series.
func TestLastClosed(t *testing.T) {
	t.Parallel()
	mex := []*time.Location{time.FixedZone("cst", -6*3600), time.FixedZone("pst", -8*3600)}
	noonUTC := time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC).Unix() // 01:00 CST, 23:00 PST the day before
	got := lastClosed(surge.Daily, noonUTC, mex)
	want := index(surge.Daily, time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC), time.UTC)
	if got != want {
		t.Errorf("lastClosed = %d, want %d (the 8th: the 9th is still open on the Pacific)", got, want)
	}
	if h := lastClosed(surge.Hourly, time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC).Unix(), nil); h != index(surge.Hourly, time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC), nil) {
		t.Errorf("hour: %d", h)
	}
	s, e := bounds(surge.Daily, want, mex[0])
	if !s.Equal(time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC)) || e.Sub(s) != 24*time.Hour {
		t.Errorf("bounds %v %v", s, e)
	}
}

// Judging a stretch of days at once gives the same changes as judging them one by one: a
// replay that settles weeks in one step decides as the live stream did.
func TestJudgingInOneStepOrDayByDay(t *testing.T) {
	t.Parallel()
	build := func() *memSource {
		src := &memSource{}
		rng := rand.New(rand.NewPCG(11, 11))
		seasonal(src, rng, "pan-lajas-blancas", "PAN", "transit", 120, 70, map[int]float64{40: 3, 41: 5, 42: 2})
		seasonal(src, rng, "pan-san-vicente", "PAN", "transit", 60, 70, map[int]float64{55: 4})
		for i := range src.totals { // a second nationality, smaller, then larger than the first
			x := src.totals[i]
			x.Nationality, x.Persons = "HTI", x.Persons/3
			if x.Start.After(day0.AddDate(0, 0, 45)) {
				x.Persons *= 8
			}
			src.totals = append(src.totals, x)
		}
		return src
	}
	key := func(cs []schemas.AlertChange) []string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%s v%d %s %s", c.Series, c.Version, c.State, c.PeriodStart.Format(time.DateOnly)))
		}
		sort.Strings(out)
		return out
	}
	one := func(src Source) *Config { c := testConfig(src); c.NationalityMinCount = 2000; return c } // HTI gets the volume midway
	a := build()
	daily := runDays(t, &judge{cfg: one(a), tracker: surge.NewTracker(2)}, a, 0, 70)
	b := build()
	j := &judge{cfg: one(b), tracker: surge.NewTracker(2)}
	once, err := j.advance(context.Background(), day0.Unix(), day0.AddDate(0, 0, 70).Unix(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := key(once), key(daily); !slices.Equal(got, want) || len(want) == 0 {
		t.Fatalf("in one step:\n%v\nday by day:\n%v", got, want)
	}
}
