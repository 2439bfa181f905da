// Package publish maintains the published layer (<database>_public): the only figures
// analysts, Grafana and exports read. At every turn it finds the windows written since its
// last one (a window stage emission, a recount of late data), counts their cells again at the
// published granularities, protects each with lib/disclosure and writes it with a newer
// version; alerts and judged periods follow with their counts protected. Its position is
// the newest version it wrote, so a restart goes on from storage, and a turn repeated after a
// crash writes the same figures again (same count, same draw).
package publish

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/lib/disclosure"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// Store is the storage the stage reads and writes (chsink.Published).
type Store interface {
	Through(ctx context.Context) (time.Time, error)
	Changed(ctx context.Context, since time.Time) ([]chsink.WindowKey, error)
	PointCells(ctx context.Context, res string, keys []chsink.WindowKey) ([]chsink.Cell, error)
	CountryDays(ctx context.Context, country string, from, to time.Time) ([]chsink.Cell, error)
	WriteFigures(ctx context.Context, cells []chsink.PublishedCell, at time.Time) error
	CopyPublic(ctx context.Context, since, at time.Time) error
	CopyPoints(ctx context.Context) error
	PublicAlerts(ctx context.Context, since time.Time, rule disclosure.Rule) (int, error)
	PublicBands(ctx context.Context, since time.Time, rule disclosure.Rule) (int, error)
	BriefMonths(ctx context.Context, since time.Time) ([]time.Time, error)
	BriefCells(ctx context.Context, month time.Time, zone func(string) *time.Location) ([]chsink.BriefCell, error)
	WriteBrief(ctx context.Context, cells []chsink.PublishedBrief, at time.Time) error
	CopySubdivisions(ctx context.Context, list *schemas.Subdivisions) error
}

// Config of the publish stage.
type Config struct {
	// Store is the internal and the published database. Required.
	Store Store
	// Rule protects every count. Required (disclosure.New).
	Rule *disclosure.Rule
	// Interval is the least time between two turns. Default 30s: dashboards refresh every
	// minute, and a turn recounts the whole weeks and months its changes touch, so during a
	// backfill a longer interval recounts each of them fewer times.
	Interval time.Duration
	// Overlap is how far before the last turn a turn looks again, so a window written by a
	// process whose clock is behind, or committed while the last turn read, is not missed
	// (publishing a cell again writes the same figure). Default 2m.
	Overlap time.Duration
	// Zone is a point's time zone: the brief is counted by the points' local months. Default
	// UTC for all.
	Zone func(pointID string) *time.Location
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log. Default: a disabled logger.
	Log zerolog.Logger
}

func (c *Config) defaults() error {
	if c.Store == nil || c.Rule == nil {
		return errors.New("cannot start the publish stage: Store and Rule are required")
	}
	if c.Interval == 0 {
		c.Interval = 30 * time.Second
	}
	if c.Overlap == 0 {
		c.Overlap = 2 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Zone == nil {
		c.Zone = func(string) *time.Location { return time.UTC }
	}
	return nil
}

// Stage implements stream.Handler over the progress topic (one partition, so one process
// publishes at a time): its records say that windows changed, and its idle ticks pace turns.
type Stage struct{ cfg Config }

// New checks the configuration.
func New(cfg Config) (*Stage, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Stage{cfg: cfg}, nil
}

// Open resumes from the newest published version.
func (s *Stage) Open(ctx context.Context, _ string, _ int, _ int64) (stream.PartitionHandler, error) {
	through, err := s.cfg.Store.Through(ctx)
	if err != nil {
		return nil, err
	}
	return &partition{cfg: &s.cfg, since: through.Add(-s.cfg.Overlap)}, nil
}

type partition struct {
	cfg   *Config
	since time.Time // windows written from here on are published at the next turn
	last  time.Time // when the last turn ran (this process's clock)
	next  int64
}

// Handle implements stream.PartitionHandler: the progress records themselves carry nothing
// the stage needs (storage does), so every offset is done once read.
func (p *partition) Handle(ctx context.Context, msgs []kafka.Message) (int64, error) {
	if len(msgs) > 0 {
		p.next = msgs[len(msgs)-1].Offset + 1
	}
	if now := p.cfg.Now(); now.Sub(p.last) >= p.cfg.Interval {
		if err := p.Turn(ctx, now); err != nil {
			return p.next, err
		}
		p.last = now
	}
	return p.next, nil
}

// Close implements stream.PartitionHandler.
func (p *partition) Close(context.Context) int64 { return p.next }

// Turn publishes what changed since the last turn, at time now.
func (p *partition) Turn(ctx context.Context, now time.Time) error {
	st, rule := p.cfg.Store, p.cfg.Rule
	changed, err := st.Changed(ctx, p.since)
	if err != nil {
		return err
	}
	cells, err := p.cells(ctx, changed)
	if err != nil {
		return err
	}
	out := make([]chsink.PublishedCell, len(cells))
	for i, c := range cells {
		f := rule.Protect(c.Key(), c.Persons, c.Minor == 1)
		out[i] = chsink.PublishedCell{Cell: c, Value: f.Value, Suppressed: f.Suppressed, K: uint8(f.K)}
	}
	if err := st.WriteFigures(ctx, out, now); err != nil {
		return err
	}
	if _, err := st.PublicAlerts(ctx, p.since, *rule); err != nil {
		return err
	}
	if _, err := st.PublicBands(ctx, p.since, *rule); err != nil {
		return err
	}
	if err := st.CopyPoints(ctx); err != nil {
		return err
	}
	if err := p.brief(ctx, changed, now); err != nil {
		return err
	}
	if len(changed) > 0 {
		if err := st.CopyPublic(ctx, p.since, now); err != nil {
			return err
		}
	}
	p.cfg.Log.Debug().Int("windows", len(changed)).Int("figures", len(out)).Msg("published")
	// Everything written before the turn began is published; what is written during it
	// is looked at again next turn.
	p.since = now.Add(-p.cfg.Overlap)
	return nil
}

// brief publishes the observatory's brief (consular cases, the returns funnel, services and
// protection needs) of every local month a changed day window, protection count or brief
// event touches (BriefMonths): whole months recounted, as the country months are.
func (p *partition) brief(ctx context.Context, changed []chsink.WindowKey, now time.Time) error {
	st, rule := p.cfg.Store, p.cfg.Rule
	months, err := st.BriefMonths(ctx, p.since)
	if err != nil {
		return err
	}
	seen := map[time.Time]bool{}
	for _, m := range months {
		seen[m] = true
	}
	for _, k := range changed {
		if m := chsink.MonthOf(k.Start); k.Resolution == "day" && !seen[m] {
			seen[m] = true
			months = append(months, m)
		}
	}
	if len(months) == 0 {
		return nil
	}
	if list, err := schemas.RegionSubdivisions(); err != nil {
		return err
	} else if err := st.CopySubdivisions(ctx, list); err != nil {
		return err
	}
	for _, m := range months {
		cells, err := st.BriefCells(ctx, m, p.cfg.Zone)
		if err != nil {
			return err
		}
		out := make([]chsink.PublishedBrief, len(cells))
		for i, c := range cells {
			f := rule.Protect(c.Key(), c.Persons, c.Children())
			out[i] = chsink.PublishedBrief{BriefCell: c, Value: f.Value, Suppressed: f.Suppressed, K: uint8(f.K)}
		}
		if err := st.WriteBrief(ctx, out, now); err != nil {
			return err
		}
	}
	return nil
}

// cells counts the published cells that the changed windows belong to.
func (p *partition) cells(ctx context.Context, changed []chsink.WindowKey) ([]chsink.Cell, error) {
	var hours, days []chsink.WindowKey
	countries := map[string]map[time.Time]bool{}
	for _, k := range changed {
		if k.Resolution == "hour" {
			hours = append(hours, k)
			continue
		}
		days = append(days, k)
		if countries[k.Country] == nil {
			countries[k.Country] = map[time.Time]bool{}
		}
		countries[k.Country][LocalDate(k.Start)] = true
	}
	var out []chsink.Cell
	for _, b := range []struct {
		res  string
		keys []chsink.WindowKey
	}{{"hour", hours}, {"day", days}} {
		for len(b.keys) > 0 {
			n := min(len(b.keys), 500)
			cs, err := p.cfg.Store.PointCells(ctx, b.res, b.keys[:n])
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				if b.res == "hour" {
					c.Grain = "point_hour"
				} else {
					c.Grain, c.Period = "point_day", LocalDate(c.Period)
				}
				out = append(out, c)
			}
			b.keys = b.keys[n:]
		}
	}
	for country, dates := range countries {
		cs, err := p.countryCells(ctx, country, dates)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// countryCells counts the day, week and month cells of country that hold dates: whole
// weeks and months, read from every day window of the country in their span.
func (p *partition) countryCells(ctx context.Context, country string, dates map[time.Time]bool) ([]chsink.Cell, error) {
	want := map[string]map[time.Time]bool{"country_day": {}, "country_week": {}, "country_month": {}}
	var from, to time.Time
	for d := range dates {
		for grain, start := range Periods(d) {
			want[grain][start] = true
			end := PeriodEnd(grain, start)
			if from.IsZero() || start.Before(from) {
				from = start
			}
			if end.After(to) {
				to = end
			}
		}
	}
	// A local day's window starts at its midnight in UTC: up to 14 hours either side.
	days, err := p.cfg.Store.CountryDays(ctx, country, from.Add(-14*time.Hour), to.Add(14*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("cannot publish the figures of %s: %w", country, err)
	}
	sums := map[chsink.Cell]uint64{}
	for _, c := range days {
		n := c.Persons
		c.Persons = 0
		for grain, start := range Periods(LocalDate(c.Period)) {
			if want[grain][start] {
				k := c
				k.Grain, k.Period = grain, start
				sums[k] += n
			}
		}
	}
	out := make([]chsink.Cell, 0, len(sums))
	for k, n := range sums {
		k.Persons = n
		out = append(out, k)
	}
	return out, nil
}

// LocalDate labels a day window by its local date, at 00:00 UTC: the window starts at the
// point's local midnight, and noon after it falls on that date in UTC for every zone from
// UTC-11 to UTC+11 (the region is UTC-3 to UTC-8).
func LocalDate(windowStart time.Time) time.Time {
	return windowStart.UTC().Add(12 * time.Hour).Truncate(24 * time.Hour)
}

// Periods are the country periods a local date belongs to: the date, its week (from
// Monday) and its month.
func Periods(date time.Time) map[string]time.Time {
	wd := (int(date.Weekday()) + 6) % 7
	return map[string]time.Time{
		"country_day":   date,
		"country_week":  date.AddDate(0, 0, -wd),
		"country_month": time.Date(date.Year(), date.Month(), 1, 0, 0, 0, 0, time.UTC),
	}
}

// PeriodEnd is the end of the period of grain starting at start.
func PeriodEnd(grain string, start time.Time) time.Time {
	switch grain {
	case "country_week":
		return start.AddDate(0, 0, 7)
	case "country_month":
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}

// Once runs one turn outside the stream: what changed since the newest published version
// (with the overlap) is published at now. Tests and the audit's scenarios use it.
func (s *Stage) Once(ctx context.Context, now time.Time) error {
	h, err := s.Open(ctx, "", 0, 0)
	if err != nil {
		return err
	}
	return h.(*partition).Turn(ctx, now)
}
