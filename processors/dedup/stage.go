// Package dedup is the dedup stage (vigia.anon -> vigia.clean): it drops exact repeats of
// (agency, event_id) and semantic repeats (the same pseudonymous person, type and point within
// a tolerance, whoever reports it), stamps each partition's watermark, and rebuilds its state
// from the output it wrote, so a key is known exactly when the record that carries it was
// delivered.
package dedup

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/vigia-observatory/vigia/lib/dedupstate"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// Config of the dedup stage.
type Config struct {
	// Topics names the topics. Required.
	Topics topics.Names
	// Kafka reads vigia.clean back to rebuild the state. Required.
	Kafka *kclient.Client
	// State bounds the state of each partition.
	State dedupstate.Config
	// WatermarkDelay is how far the watermark trails the newest event time of a partition's
	// slowest active source (the out-of-orderness within a source that is not yet "late").
	// Default 10 minutes.
	WatermarkDelay time.Duration
	// IdleTimeout: a source (raw partition) silent this long no longer holds the watermark
	// back, nor does one never heard from this long after a partition opened. Default 30s.
	IdleTimeout time.Duration
	// Sources lists every raw partition ("<topic>:<partition>") that may feed vigia.anon, so
	// a partition waits for the ones not heard from yet. Optional: without it, only the
	// sources seen count.
	Sources func(ctx context.Context) ([]string, error)
	// RebuildWindow is how far back (wall clock) vigia.clean is read to rebuild a partition's
	// state when it is assigned. Default State.Horizon + 1 day.
	RebuildWindow time.Duration
	// Producer writes vigia.clean. Required.
	Producer stream.Producer
	// Metrics, when set, counts duplicates and state size.
	Metrics *metrics.Metrics
	// Log receives notable events.
	Log zerolog.Logger
}

// Stage is the dedup stage; it implements stream.Handler over vigia.anon.
type Stage struct {
	cfg Config

	mu      sync.Mutex
	known   []string  // Sources' last answer
	knownAt time.Time // when it was asked
}

// New checks the configuration.
func New(cfg Config) (*Stage, error) {
	if cfg.Topics.Prefix == "" || cfg.Kafka == nil || cfg.Producer == nil {
		return nil, errors.New("dedup: Topics, Kafka and Producer are required")
	}
	cfg.State.Defaults()
	if cfg.WatermarkDelay <= 0 {
		cfg.WatermarkDelay = 10 * time.Minute
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 30 * time.Second
	}
	if cfg.RebuildWindow <= 0 {
		cfg.RebuildWindow = cfg.State.Horizon + 24*time.Hour
	}
	return &Stage{cfg: cfg}, nil
}

// Open rebuilds the partition's state from the clean partition of the same number (the
// PointBalancer aligns them), so a repeat that arrives after a restart or a rebalance is
// still dropped, and only what was delivered is remembered.
func (s *Stage) Open(ctx context.Context, _ string, part int, start int64) (stream.PartitionHandler, error) {
	p := &partition{s: s, part: part, delivered: start, state: dedupstate.New(s.cfg.State),
		label: strconv.Itoa(part), srcs: newSources(s.cfg.IdleTimeout, time.Now())}
	began := time.Now()
	n, err := s.cfg.Kafka.ReadRange(ctx, s.cfg.Topics.Clean(), part, began.Add(-s.cfg.RebuildWindow), p.replay)
	if err != nil {
		return nil, fmt.Errorf("cannot rebuild dedup state of partition %d: %w", part, err)
	}
	s.cfg.Log.Info().Int("partition", part).Int("records", n).Int("keys", p.state.Len()).
		Dur("took", time.Since(began)).Msg("dedup state rebuilt from vigia.clean")
	return p, nil
}

// knownSources is the cluster's raw partitions, asked at most every 30 seconds (a new
// agency's topic joins without a restart); the last answer stands when asking fails.
func (s *Stage) knownSources(ctx context.Context) []string {
	if s.cfg.Sources == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.knownAt) >= 30*time.Second {
		if known, err := s.cfg.Sources(ctx); err == nil {
			s.known, s.knownAt = known, time.Now()
		} else {
			s.cfg.Log.Warn().Err(err).Msg("cannot list the raw partitions; the last list stands")
		}
	}
	return s.known
}

// partition deduplicates one anon partition into the clean partition of the same number.
type partition struct {
	s         *Stage
	part      int
	label     string
	state     *dedupstate.State
	wm        int64 // watermark stamped on the last delivered record
	delivered int64
	srcs      sources

	evicted int // evictions already counted in metrics
	ev      wire.CleanEvent
	pending pendingKeys
	out     []kafka.Message
}

// pendingKeys are the keys accepted in the batch being delivered: they join the state only
// once the batch is acknowledged, so a failed delivery forgets them.
type pendingKeys struct {
	exact    map[uint64]struct{}
	semantic map[uint64]int64
	alt      map[uint64]int64
	accepted [][6]int64 // exact, semantic, alternate, previous, previous alternate, occurred_at, in order
}

func (p *partition) replay(m kafka.Message) error {
	if wm, ok := wire.Marker(m.Value); ok {
		p.wm = max(p.wm, wm)
		return nil
	}
	if err := p.ev.UnmarshalBinary(m.Value); err != nil {
		return nil // not ours to judge here; the window stage reports it
	}
	p.state.Add(p.ev.ExactKey, p.ev.SemanticKey, p.ev.AltKey, p.ev.OccurredAt)
	p.state.AddSemantic(p.ev.PrevKey, p.ev.PrevAlt, p.ev.OccurredAt)
	p.wm = max(p.wm, p.ev.Watermark)
	return nil
}

// Handle implements stream.PartitionHandler. Records are not decoded: their keys are peeked
// and the watermark is stamped into the fetched bytes, which become the output as they are.
// Source markers move the watermark; when nothing carries its newest value, a watermark
// marker does, so quiet points' windows close downstream.
func (p *partition) Handle(ctx context.Context, msgs []kafka.Message) (int64, error) {
	cfg := &p.s.cfg
	p.pending.reset()
	p.out = p.out[:0]
	now := time.Now()
	p.srcs.known = p.s.knownSources(ctx)
	wm, stamped := p.wm, p.wm
	delay := int64(cfg.WatermarkDelay / time.Second)
	advance := func() {
		if low, ok := p.srcs.low(now); ok {
			wm = max(wm, low-delay)
		}
	}
	var exact, semantic, corrupt int
	for i := range msgs {
		if newest, caughtUp, ok := wire.SourceMarker(msgs[i].Value); ok {
			p.srcs.marker(&msgs[i], newest, caughtUp, now)
			continue
		}
		pk, err := wire.PeekClean(msgs[i].Value)
		if err != nil {
			corrupt++
			cfg.Log.Error().Int("partition", p.part).Int64("offset", msgs[i].Offset).Msg("undecodable anon record skipped; it stays in vigia.anon")
			continue
		}
		p.srcs.event(&msgs[i], pk.OccurredAt, now)
		switch p.verdict(&pk) {
		case dedupstate.ExactDuplicate:
			exact++
			continue
		case dedupstate.SemanticDuplicate:
			semantic++
			continue
		}
		p.pending.add(&pk)
		advance()
		wire.SetWatermark(msgs[i].Value, wm)
		stamped = wm
		p.out = append(p.out, kafka.Message{Topic: cfg.Topics.Clean(), Key: pk.PointID, Value: msgs[i].Value})
	}
	advance()
	if wm > stamped {
		p.out = append(p.out, kafka.Message{Topic: cfg.Topics.Clean(), Key: stream.PartitionKey(p.part), Value: wire.AppendMarker(nil, wm)})
	}
	if err := cfg.Producer.WriteMessages(ctx, p.out...); err != nil {
		p.keepDelivered(err)
		return p.delivered, fmt.Errorf("cannot produce dedup output: %w", err)
	}
	for i := range p.pending.accepted {
		p.remember(i)
	}
	p.wm = wm
	if len(msgs) > 0 {
		p.delivered = msgs[len(msgs)-1].Offset + 1
	}
	p.count(len(p.pending.accepted), exact, semantic, corrupt)
	return p.delivered, nil
}

// remember adds the keys of the batch's i-th accepted record to the state.
func (p *partition) remember(i int) {
	a := p.pending.accepted[i]
	p.state.Add(uint64(a[0]), uint64(a[1]), uint64(a[2]), a[5])
	p.state.AddSemantic(uint64(a[3]), uint64(a[4]), a[5])
}

// keepDelivered remembers the records a failed produce delivered all the same: when a broker
// is lost in the middle of a batch, the partitions it did not lead acknowledge theirs. The
// batch is handed again, and those records must then be repeats, not events counted twice
// downstream (found by killing a broker of three: TestClusterBrokerKilled).
func (p *partition) keepDelivered(err error) {
	var failed kafka.WriteErrors
	if !errors.As(err, &failed) || len(failed) != len(p.out) {
		return // nothing says which were delivered: all are handed again, as before
	}
	for i := range p.pending.accepted { // out[i] is accepted[i]; a marker may follow them
		if failed[i] == nil {
			p.remember(i)
		}
	}
}

func (p *partition) verdict(e *wire.CleanPeek) dedupstate.Verdict {
	tol := int64(p.s.cfg.State.Tolerance / time.Second)
	if v := p.state.Check(e.ExactKey, e.SemanticKey, e.AltKey, e.OccurredAt); v != dedupstate.Unique && v != dedupstate.BeyondHorizon {
		return v
	}
	if v := p.pending.check(e.ExactKey, e.SemanticKey, e.AltKey, e.OccurredAt, tol); v != dedupstate.Unique {
		return v
	}
	// A rotation's overlap: the record's fingerprints under the previous key match what was
	// fingerprinted before the rotation.
	if e.PrevKey == 0 && e.PrevAlt == 0 {
		return dedupstate.Unique
	}
	if v := p.state.CheckSemantic(e.PrevKey, e.PrevAlt, e.OccurredAt); v == dedupstate.SemanticDuplicate {
		return v
	}
	return p.pending.checkSemantic(e.PrevKey, e.PrevAlt, e.OccurredAt, tol)
}

func (p *partition) count(out, exact, semantic, corrupt int) {
	m := p.s.cfg.Metrics
	if m == nil {
		return
	}
	m.Out.WithLabelValues("dedup", "clean").Add(float64(out))
	m.Duplicates.WithLabelValues("exact").Add(float64(exact))
	m.Duplicates.WithLabelValues("semantic").Add(float64(semantic))
	m.Undecodable.WithLabelValues("dedup").Add(float64(corrupt))
	m.Evictions.WithLabelValues("dedup").Add(float64(p.state.Evictions - p.evicted))
	p.evicted = p.state.Evictions
	m.StateKeys.WithLabelValues("dedup", p.label).Set(float64(p.state.Len()))
	m.StateBytes.WithLabelValues("dedup", p.label).Set(float64(p.state.ApproxBytes()))
	m.WMDelay.WithLabelValues("dedup", p.label).Set(float64(time.Now().Unix() - p.wm))
}

// Close implements stream.PartitionHandler: the state is rebuilt by the next owner.
func (p *partition) Close(context.Context) int64 { return p.delivered }

func (k *pendingKeys) reset() {
	if k.exact == nil {
		k.exact, k.semantic, k.alt = map[uint64]struct{}{}, map[uint64]int64{}, map[uint64]int64{}
	}
	clear(k.exact)
	clear(k.semantic)
	clear(k.alt)
	k.accepted = k.accepted[:0]
}

func (k *pendingKeys) add(e *wire.CleanPeek) {
	k.exact[e.ExactKey] = struct{}{}
	for _, s := range [2]uint64{e.SemanticKey, e.PrevKey} {
		if s != 0 {
			k.semantic[s] = max(k.semantic[s], e.OccurredAt)
		}
	}
	for _, a := range [2]uint64{e.AltKey, e.PrevAlt} {
		if a != 0 {
			k.alt[a] = max(k.alt[a], e.OccurredAt)
		}
	}
	k.accepted = append(k.accepted, [6]int64{int64(e.ExactKey), int64(e.SemanticKey), int64(e.AltKey), int64(e.PrevKey), int64(e.PrevAlt), e.OccurredAt})
}

// check matches identity forms as dedupstate.State.Check does.
func (k *pendingKeys) check(exact, semantic, alt uint64, at, tolerance int64) dedupstate.Verdict {
	if _, ok := k.exact[exact]; ok {
		return dedupstate.ExactDuplicate
	}
	return k.checkSemantic(semantic, alt, at, tolerance)
}

// checkSemantic matches the person fingerprints only.
func (k *pendingKeys) checkSemantic(semantic, alt uint64, at, tolerance int64) dedupstate.Verdict {
	near := func(m map[uint64]int64, key uint64) bool {
		last, ok := m[key]
		return key != 0 && ok && max(last-at, at-last) <= tolerance
	}
	if near(k.semantic, semantic) || (alt != 0 && near(k.semantic, alt)) || (alt == 0 && near(k.alt, semantic)) {
		return dedupstate.SemanticDuplicate
	}
	return dedupstate.Unique
}
