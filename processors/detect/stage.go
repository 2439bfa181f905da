package detect

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/schemas"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/lib/surge"
)

// Stage implements stream.Handler over the progress topic. The topic has one partition, so
// the consumer group makes exactly one process the detector at a time.
type Stage struct{ cfg Config }

// New checks the configuration.
func New(cfg Config) (*Stage, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Stage{cfg: cfg}, nil
}

// Open reads the whole (compacted) progress topic to learn every partition's watermark and
// the last judged one, and restores the open alerts.
func (s *Stage) Open(ctx context.Context, topic string, part int, _ int64) (stream.PartitionHandler, error) {
	p := &partition{s: s, clock: clock{wm: map[int]int64{}}, judged: -1, revisions: map[string]wire.Revision{}}
	_, err := s.cfg.Kafka.ReadRange(ctx, topic, part, time.Unix(0, 0), func(m kafka.Message) error {
		p.apply(m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read progress: %w", err)
	}
	if err := p.restore(ctx); err != nil {
		return nil, err
	}
	s.cfg.Log.Info().Int("partitions_known", len(p.clock.wm)).Int64("judged_through", p.judged).
		Int("open_alerts", len(p.judge.tracker.Open())).Msg("detector ready")
	return p, nil
}

type partition struct {
	s      *Stage
	clock  clock
	judged int64 // the watermark judged through; -1 when never
	judge  judge
	// incidents groups the alert changes of each judgment into incidents.
	incidents *incidents
	stale     bool // a judgment failed half-way: the tracker and incidents are reloaded from storage
	next      int64
	// revisions not judged again yet, by key: the store stage recounted windows of periods
	// that may have been judged. Each is deleted with a tombstone once judged again.
	revisions map[string]wire.Revision
	// revFirst and revLast are when the pending revisions began to arrive and when the last
	// one did (this process's clock): they are judged once quiet (Config.RevisionQuiet).
	revFirst, revLast time.Time
}

// restore rebuilds the tracker from the alerts storage holds.
func (p *partition) restore(ctx context.Context) error {
	open, err := p.s.cfg.Source.OpenAlerts(ctx)
	if err != nil {
		return err
	}
	tr := surge.NewTracker(p.s.cfg.ResolveAfter)
	tr.Hysteresis = p.s.cfg.Hysteresis
	tr.Restore(open)
	p.judge = judge{cfg: &p.s.cfg, tracker: tr}
	p.incidents = restoreIncidents(open, func(a *surge.Alert) schemas.AlertChange {
		return p.judge.change(a, a.PeriodStart.Add(span(a.Series.Resolution)))
	})
	p.stale = false
	return nil
}

func (p *partition) apply(m kafka.Message) {
	r, err := wire.ParseProgress(m.Key, m.Value)
	switch {
	case err != nil:
		p.s.cfg.Log.Error().Err(err).Int64("offset", m.Offset).Msg("progress record ignored")
	case r.Kind == wire.DetectProgress:
		p.judged = max(p.judged, r.Progress.Watermark)
	case r.Kind == wire.RevisionProgress && r.Done:
		delete(p.revisions, r.Key)
	case r.Kind == wire.RevisionProgress:
		if len(p.revisions) == 0 {
			p.revFirst = p.s.cfg.Now()
		}
		p.revisions[r.Key] = r.Revision
		p.revLast = p.s.cfg.Now()
	default:
		p.clock.set(r.Partition, r.Progress.Watermark, r.Progress.Partitions)
	}
	p.next = m.Offset + 1
}

// revisionsDue reports whether the pending revisions are to be judged now: none has arrived
// for RevisionQuiet, or they have been arriving for 12 times that.
func (p *partition) revisionsDue() bool {
	if len(p.revisions) == 0 {
		return false
	}
	now, q := p.s.cfg.Now(), p.s.cfg.RevisionQuiet
	return now.Sub(p.revLast) >= q || now.Sub(p.revFirst) >= 12*q
}

// revised is the earliest revised window start of each point in the pending revisions.
func (p *partition) revised() map[string]int64 {
	if len(p.revisions) == 0 {
		return nil
	}
	out := map[string]int64{}
	for _, r := range p.revisions {
		for _, s := range r.Spans {
			if t, ok := out[s.PointID]; !ok || s.From < t {
				out[s.PointID] = s.From
			}
		}
	}
	return out
}

// Handle implements stream.PartitionHandler.
func (p *partition) Handle(ctx context.Context, msgs []kafka.Message) (int64, error) {
	for i := range msgs {
		p.apply(msgs[i])
	}
	wm, ok := p.clock.settled()
	if !ok || wm <= p.judged && !p.revisionsDue() {
		return p.next, nil
	}
	if p.stale {
		if err := p.restore(ctx); err != nil {
			return p.next, err
		}
	}
	if p.judged < 0 {
		start, err := p.dataStart(ctx, wm)
		if err != nil {
			return p.next, err
		}
		p.judged = start
	}
	if err := p.run(ctx, max(wm, p.judged)); err != nil {
		p.stale = true
		return p.next, err
	}
	return p.next, nil
}

// dataStart is where a detector that never judged begins: the first window in storage, so
// a history loaded before the detector first ran is judged once, in order.
func (p *partition) dataStart(ctx context.Context, wm int64) (int64, error) {
	start := wm
	for _, res := range p.s.cfg.Resolutions {
		seen, err := p.s.cfg.Source.FirstSeen(ctx, res)
		if err != nil {
			return 0, err
		}
		for _, s := range seen {
			start = min(start, s.First.Unix()-1)
		}
	}
	return start, nil
}

func (p *partition) run(ctx context.Context, wm int64) error {
	cfg := &p.s.cfg
	due := p.revisionsDue()
	var revised map[string]int64
	if due {
		revised = p.revised()
	}
	changes, err := p.judge.advance(ctx, p.judged, wm, revised)
	if err != nil {
		return fmt.Errorf("cannot judge periods up to %s: %w", time.Unix(wm, 0).UTC().Format(time.RFC3339), err)
	}
	if len(changes) > 0 {
		if err := p.publish(ctx, changes, p.incidents.assign(changes, cfg.Now())); err != nil {
			return fmt.Errorf("cannot publish %d alert changes: %w", len(changes), err)
		}
		for _, c := range changes {
			cfg.Log.Info().Str("alert", c.AlertID).Bool("detected_late", c.DetectedLate).Int("version", c.Version).Str("state", c.State).Str("severity", c.Severity).
				Str("series", c.Series).Float64("observed", c.Observed).Float64("expected", c.Expected).Msg("surge alert")
			if cfg.Metrics != nil {
				cfg.Metrics.AlertChanges.WithLabelValues(c.State, c.Severity).Inc()
			}
		}
	}
	if cfg.Bands != nil && len(p.judge.bands) > 0 {
		if err := cfg.Bands(ctx, p.judge.bands); err != nil {
			return fmt.Errorf("cannot store %d judged periods: %w", len(p.judge.bands), err)
		}
	}
	// The checkpoint, and a tombstone for each revision judged again: a crash before them
	// judges the same again, which publishes nothing new.
	b, _ := json.Marshal(wire.Progress{Watermark: wm})
	msgs := []kafka.Message{{Topic: cfg.Topics.Progress(), Key: []byte(wire.DetectProgressKey), Value: b}}
	if due {
		for key := range p.revisions {
			msgs = append(msgs, kafka.Message{Topic: cfg.Topics.Progress(), Key: []byte(key)})
		}
	}
	if err := cfg.Producer.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("cannot write the detector's checkpoint: %w", err)
	}
	p.judged = wm
	if due {
		clear(p.revisions)
	}
	return nil
}

// publish writes the alert changes (keyed by alert, so one alert's versions stay in order)
// and what they did to their incidents (keyed by incident) to vigia.alerts, and the alert
// changes to the alerts table, and returns once both hold them.
func (p *partition) publish(ctx context.Context, cs []schemas.AlertChange, incs []schemas.IncidentChange) error {
	cfg := &p.s.cfg
	msgs := make([]kafka.Message, 0, len(cs)+len(incs))
	add := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("cannot encode %s: %w", key, err)
		}
		m := kafka.Message{Topic: cfg.Topics.Alerts(), Key: []byte(key), Value: b}
		if cfg.Sign != nil {
			m.Headers = cfg.Sign(m.Topic, m.Key, m.Value)
		}
		msgs = append(msgs, m)
		return nil
	}
	for _, c := range cs {
		if err := add(c.AlertID, c); err != nil {
			return err
		}
	}
	for _, ic := range incs {
		if err := add(ic.IncidentID, ic); err != nil {
			return err
		}
	}
	if err := cfg.Producer.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("cannot write to %s: %w", cfg.Topics.Alerts(), err)
	}
	return cfg.StoreAlerts(ctx, cs)
}

// Close implements stream.PartitionHandler.
func (p *partition) Close(context.Context) int64 { return p.next }

// clock is the settled watermark: the least of every clean partition's stored watermark,
// known once every partition has reported.
type clock struct {
	wm map[int]int64
	n  int
}

func (c *clock) set(part int, wm int64, partitions int) {
	c.wm[part] = max(c.wm[part], wm)
	if partitions > 0 {
		c.n = partitions
	}
}

func (c *clock) settled() (int64, bool) {
	if c.n == 0 || len(c.wm) < c.n {
		return 0, false
	}
	low := int64(1 << 62)
	for part, wm := range c.wm {
		if part < c.n {
			low = min(low, wm)
		}
	}
	return low, true
}
