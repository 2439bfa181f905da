package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/processors/detect"
	"github.com/vigia-observatory/vigia/processors/notify"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
	"github.com/vigia-observatory/vigia/sinks/notifier"
)

// detectStage wires the detector: storage as its source, vigia.alerts and the alerts table
// as its output, and the ministries' routes (when a routes file is configured).
func (p *pipeline) detectStage(s *sinkSet) (stream.Handler, error) {
	sc := p.cfg.Surge
	var classes []detect.Class
	for _, c := range sc.Classes {
		classes = append(classes, detect.Class{Name: c.Name, Level: c.Level, Population: c.Population, Role: c.Role, Type: c.Type, Detector: c.Detector(sc)})
	}
	var res []surge.Resolution
	for _, r := range sc.Resolutions {
		res = append(res, surge.Resolution(r))
	}
	return detect.New(detect.Config{
		Resolutions: res, Default: sc.Detector(), Classes: classes, ResolveAfter: sc.ResolveAfter,
		TopNationalities: sc.TopNationalities,
		Source:           chsink.SeriesSource{Conn: s.conn, Database: p.cfg.ClickHouse.Database},
		Zone:             p.zone, CountryZones: p.countryZones, PointName: p.pointName,
		Dashboard: func(c schemas.AlertChange) string { return dashboardLink(sc.DashboardURL, c) },
		Publish:   func(ctx context.Context, cs []schemas.AlertChange) error { return p.publishAlerts(ctx, s, cs) },
		Bands: func(ctx context.Context, bs []surge.Band) error {
			t, err := s.bands.Submit(ctx, bs, "detect")
			if err != nil {
				return err
			}
			return t.Wait(ctx)
		},
		Topics: p.names, Brokers: p.cfg.Kafka.Brokers, Producer: p.writer, Metrics: p.m, Log: p.log,
	})
}

// publishAlerts writes the changes to vigia.alerts (keyed by alert, so one alert's versions
// stay in order) and to the alerts table, and returns once both hold them.
func (p *pipeline) publishAlerts(ctx context.Context, s *sinkSet, cs []schemas.AlertChange) error {
	msgs := make([]kafka.Message, len(cs))
	for i, c := range cs {
		b, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("cannot encode alert %s: %w", c.AlertID, err)
		}
		msgs[i] = kafka.Message{Topic: p.names.Alerts(), Key: []byte(c.AlertID), Value: b}
	}
	if err := p.writer.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("cannot write to %s: %w", p.names.Alerts(), err)
	}
	t, err := s.alerts.Submit(ctx, cs, "detect")
	if err != nil {
		return err
	}
	return t.Wait(ctx)
}

// windowProgress reports a clean partition's stored watermark to the progress topic.
func (p *pipeline) windowProgress(ctx context.Context, partition int, wm int64) error {
	b, _ := json.Marshal(wire.Progress{Watermark: wm, Partitions: p.cleanParts})
	return p.writer.WriteMessages(ctx, kafka.Message{Topic: p.names.Progress(),
		Key: []byte(wire.WindowProgressKey(partition)), Value: b})
}

func (p *pipeline) countryZones(country string) []*time.Location {
	var out []*time.Location
	seen := map[string]bool{}
	for _, pt := range p.points.All() {
		if pt.Country == country && !seen[pt.TimeZone] {
			seen[pt.TimeZone] = true
			if loc, err := loadZone(pt.TimeZone); err == nil {
				out = append(out, loc)
			}
		}
	}
	return out
}

func (p *pipeline) pointName(id string) string {
	if pt, ok := p.points.Lookup(id); ok {
		return pt.Name
	}
	return id
}

// dashboardLink points at the point detail dashboard (or the alerts dashboard for a
// country series) over the alert's period, a week before it included.
func dashboardLink(base string, c schemas.AlertChange) string {
	if base == "" {
		return ""
	}
	q := url.Values{}
	q.Set("from", strconv.FormatInt(c.PeriodStart.AddDate(0, 0, -7).UnixMilli(), 10))
	q.Set("to", strconv.FormatInt(c.PeriodEnd.UnixMilli(), 10))
	path := "/d/vigia-alerts/surge-alerts"
	if c.PointID != "" {
		path = "/d/vigia-point/point-detail"
		q.Set("var-point", c.PointID)
		q.Set("var-type", c.Type)
		q.Set("var-role", c.Role)
	} else {
		q.Set("var-country", c.Country)
	}
	return base + path + "?" + q.Encode()
}

// notifyStages are one stage per route of the routes file, each its own consumer group
// of vigia.alerts, so a dead route holds up only itself. None without a routes file.
func (p *pipeline) notifyStages() (map[string]stream.Handler, error) {
	if p.cfg.Surge.RoutesFile == "" {
		p.log.Info().Msg("no surge.routes_file: alerts go to vigia.alerts and ClickHouse only")
		return nil, nil
	}
	routes, err := notifier.LoadRoutes(p.cfg.Surge.RoutesFile, p.environ)
	if err != nil {
		return nil, err
	}
	out := map[string]stream.Handler{}
	for _, r := range routes {
		out["notify-"+r.Name] = notify.New(r, p.log, func(route, outcome string) {
			p.m.Notifications.WithLabelValues(route, outcome).Inc()
		})
	}
	return out, nil
}
