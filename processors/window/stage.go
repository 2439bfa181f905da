// Package window is the window stage (vigia.clean -> the windows table): it counts clean
// events in event-time windows (lib/windowing), emits changed windows to ClickHouse every
// flush interval, and once their inserts are acknowledged reports the partition's watermark
// to vigia.progress (ProgressTo), where the detect stage waits for every partition.
package window

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vigia-observatory/vigia/lib/windowing"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/stream"
)

// SubmitFunc hands window rows to storage and returns the acknowledgement of their insert.
type SubmitFunc func(ctx context.Context, rows []windowing.Row, source string) (stream.Ticket, error)

// NeedsFunc hands protection-needs rows to storage and returns the acknowledgement.
type NeedsFunc func(ctx context.Context, partition int, rows []windowing.NeedRow, source string) (stream.Ticket, error)

// Config configures the window stage over vigia.clean.
type Config struct {
	// Aggregator configures lateness and time zones.
	Aggregator windowing.Config
	// Submit stores window rows. Required.
	Submit SubmitFunc
	// ReadBack reads a partition's records of offsets [from, to): the RepeatSpan offsets
	// before a new owner's start, so it recognises repeats as the previous owner did
	// (kclient.Client.ReadOffsets). Required.
	ReadBack func(ctx context.Context, topic string, part int, from, to int64, fn func(kafka.Message) error) (int, error)
	// SubmitNeeds stores protection-needs counts (lib/windowing.Needs); Resume reads the
	// stored prefix of a partition's block that a new owner starts inside of. Both or
	// neither; without them needs are not counted (tests of windows alone).
	SubmitNeeds NeedsFunc
	Resume      func(ctx context.Context, partition int, block int64) ([]windowing.NeedRow, error)
	// FlushInterval is how often changed windows are emitted (dashboards see windows fill up
	// live). Default 1s.
	FlushInterval time.Duration
	// MaxInflight bounds emissions awaiting acknowledgement per partition. Default 4.
	MaxInflight int
	// Metrics, when set, counts late and too-late events and state size.
	Metrics *metrics.Metrics
	// Progress, when set, is told a partition's watermark once every window up to it is
	// stored (its insert acknowledged), so the detect stage judges only complete periods. It
	// is called when the watermark moves, and at least every ProgressEvery as a heartbeat
	// for a new detect owner. Default none.
	Progress func(ctx context.Context, partition int, watermark int64) error
	// ProgressEvery is the heartbeat of Progress. Default 10s.
	ProgressEvery time.Duration
	// Log receives notable events.
	Log zerolog.Logger
}

// Stage implements stream.Handler.
type Stage struct{ cfg Config }

// New checks the configuration.
func New(cfg Config) (*Stage, error) {
	if cfg.Submit == nil || cfg.ReadBack == nil {
		return nil, errors.New("window: Submit and ReadBack are required")
	}
	if (cfg.SubmitNeeds == nil) != (cfg.Resume == nil) {
		return nil, errors.New("window: give both SubmitNeeds and Resume, or neither")
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = 4
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 10 * time.Second
	}
	return &Stage{cfg: cfg}, nil
}

// Open starts a partition from the committed offset: the first record of its oldest open
// window, so the windows are rebuilt whole.
func (s *Stage) Open(ctx context.Context, topic string, part int, start int64) (stream.PartitionHandler, error) {
	p := &partition{s: s, topic: topic, part: part, label: strconv.Itoa(part), agg: windowing.New(s.cfg.Aggregator),
		acks: stream.NewAcks(start), next: start, lastFlush: time.Now(), repeats: NewRepeats()}
	if _, err := s.cfg.ReadBack(ctx, topic, part, start-RepeatSpan, start, p.primeRepeats); err != nil {
		return nil, fmt.Errorf("cannot read the records before partition %d's start: %w", part, err)
	}
	if s.cfg.Resume != nil {
		var resumed []windowing.NeedRow
		if b := windowing.BlockOf(start); b != start {
			var err error
			if resumed, err = s.cfg.Resume(ctx, part, b); err != nil {
				return nil, fmt.Errorf("cannot read the protection counts partition %d resumes: %w", part, err)
			}
		}
		p.needs = windowing.NewNeeds(s.cfg.Aggregator, start, resumed)
	}
	return p, nil
}

type partition struct {
	s           *Stage
	topic       string
	part        int
	label       string
	agg         *windowing.Aggregator
	needs       *windowing.Needs // nil when needs are not counted
	acks        *stream.Acks
	next        int64 // offset after the last record added
	lastFlush   time.Time
	ev          wire.CleanEvent
	repeats     *Repeats
	unsent      []windowing.Row     // taken from agg, not yet submitted
	unsentNeeds []windowing.NeedRow // taken from needs, not yet submitted
	dropped     int                 // repeats not counted since the last flush
	reported    [3]int              // too late (hour, day) and late already counted in metrics
	progress    progress
}

// Handle implements stream.PartitionHandler.
func (p *partition) Handle(ctx context.Context, msgs []kafka.Message) (int64, error) {
	for i := range msgs {
		m := &msgs[i]
		if m.Offset < p.next {
			continue // handed again after a failed Handle: counted already
		}
		p.next = m.Offset + 1
		if wm, ok := wire.Marker(m.Value); ok {
			p.agg.Advance(wm)
			p.addNeeds(nil, m.Offset)
			continue
		}
		if err := p.ev.UnmarshalBinary(m.Value); err != nil {
			if m := p.s.cfg.Metrics; m != nil {
				m.Undecodable.WithLabelValues("window").Inc()
			}
			p.s.cfg.Log.Error().Str("topic", p.topic).Int("partition", p.part).Int64("offset", m.Offset).Msg("undecodable clean record not counted")
			continue
		}
		if p.repeats.Seen(p.ev.ExactKey, m.Offset) {
			p.dropped++
			p.addNeeds(nil, m.Offset)
			continue
		}
		p.agg.Add(&p.ev, m.Offset)
		p.addNeeds(&p.ev, m.Offset)
	}
	// A watermark that crossed an hour closes windows: they are flushed and reported at once,
	// so an alert does not wait for the next FlushInterval.
	closed := p.agg.Watermark()/3600 != p.progress.flushedWM/3600
	if closed || time.Since(p.lastFlush) >= p.s.cfg.FlushInterval {
		if err := p.flush(ctx); err != nil {
			return p.acks.Poll(), err
		}
	}
	p.report(ctx, closed)
	if err := p.acks.WaitUntil(ctx, p.s.cfg.MaxInflight); err != nil {
		return p.acks.Poll(), fmt.Errorf("cannot store windows: %w", err)
	}
	return p.acks.Poll(), nil
}

// primeRepeats remembers the key of a record read before the partition's start.
func (p *partition) primeRepeats(m kafka.Message) error {
	if _, ok := wire.Marker(m.Value); !ok && p.ev.UnmarshalBinary(m.Value) == nil { // as Handle reads it
		p.repeats.Seen(p.ev.ExactKey, m.Offset)
	}
	return nil
}

func (p *partition) addNeeds(e *wire.CleanEvent, offset int64) {
	if p.needs != nil {
		p.needs.Add(e, offset)
	}
}

func (p *partition) flush(ctx context.Context) error {
	// Rows stay in unsent until a submit takes them: a batch handed again after a failed
	// submit is not added twice, so nothing else would emit that flush's windows again.
	p.agg.Flush(func(r windowing.Row) { p.unsent = append(p.unsent, r) })
	if p.needs != nil {
		p.needs.Flush(func(r windowing.NeedRow) { p.unsentNeeds = append(p.unsentNeeds, r) })
	}
	source := p.topic + "-" + p.label + "-" + strconv.FormatInt(p.next, 10)
	t, err := p.s.cfg.Submit(ctx, p.unsent, source)
	if err != nil {
		return fmt.Errorf("cannot store windows: %w", err)
	}
	p.unsent = nil // the batcher may still hold the slice
	if len(p.unsentNeeds) > 0 {
		nt, err := p.s.cfg.SubmitNeeds(ctx, p.part, p.unsentNeeds, source)
		if err != nil {
			return fmt.Errorf("cannot store protection counts: %w", err)
		}
		p.unsentNeeds = nil
		// Queued before the windows' ticket and committing nothing by itself: the flush's
		// offset is committed only once both inserts are acknowledged.
		p.acks.Add(nt, p.acks.Poll())
	}
	p.acks.Add(t, p.agg.SafeOffset(p.next))
	p.progress.add(t, p.agg.Watermark())
	p.lastFlush = time.Now()
	if p.dropped > 0 {
		p.s.cfg.Log.Warn().Int("partition", p.part).Int("records", p.dropped).
			Msg("vigia.clean holds records twice (a produce retried after a lost answer); each counted once")
	}
	p.count()
	p.dropped = 0
	return nil
}

func (p *partition) count() {
	m := p.s.cfg.Metrics
	if m == nil {
		return
	}
	now := [3]int{p.agg.TooLate[windowing.Hour], p.agg.TooLate[windowing.Day], p.agg.Late}
	m.TooLate.WithLabelValues("hour").Add(float64(now[0] - p.reported[0]))
	m.TooLate.WithLabelValues("day").Add(float64(now[1] - p.reported[1]))
	m.Late.Add(float64(now[2] - p.reported[2]))
	p.reported = now
	m.Duplicates.WithLabelValues("rewritten").Add(float64(p.dropped))
	m.StateKeys.WithLabelValues("window", p.label).Set(float64(p.agg.Open()))
	m.WMDelay.WithLabelValues("window", p.label).Set(float64(time.Now().Unix() - p.agg.Watermark()))
}

// Close emits every changed window and waits for the inserts; the offset returned keeps the
// open windows' records, which the next owner reads again.
func (p *partition) Close(ctx context.Context) int64 {
	if err := p.flush(ctx); err != nil {
		p.s.cfg.Log.Warn().Err(err).Int("partition", p.part).Msg("final window flush failed; the next owner recounts")
	}
	if err := p.acks.WaitUntil(ctx, 0); err != nil {
		p.s.cfg.Log.Warn().Err(err).Int("partition", p.part).Msg("window inserts not acknowledged before close")
	}
	return p.acks.Poll()
}
