// Package store is the store stage: it lands vigia.clean in the events table and the clear
// part of vigia.dlq in dlq_records, and commits a partition's offsets only once ClickHouse has
// acknowledged the inserts that carry them.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/vigia-observatory/vigia/lib/windowing"
	"github.com/vigia-observatory/vigia/sinks/clickhouse"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// Config configures the store stage, which lands vigia.clean in the events table and
// the clear part of vigia.dlq in dlq_records.
type Config struct {
	// Topics names the topics. Required.
	Topics topics.Names
	// Events and DLQ submit rows to their batchers. Required.
	Events *clickhouse.Batcher[wire.CleanEvent]
	DLQ    *clickhouse.Batcher[dlq.Record]
	// Windows is how the window stage counts (lateness, zones): the store stage finds with it
	// the events the stream did not count, too late for their windows. Used with Recount.
	Windows windowing.Config
	// Recount, when set, counts a point's hourly windows over [from, to) again from the events
	// table; the store stage calls it for the windows that received events too late for the
	// stream, once those events and all before them are stored, and stores the rows (days
	// rolled up from hours) with StoreWindows, so every stored event is counted whatever its
	// delay. Both or neither.
	Recount      func(ctx context.Context, pointID string, from, to int64) ([]windowing.Row, error)
	StoreWindows func(ctx context.Context, rows []windowing.Row) error
	// Revised, when set, is told of the recounted windows once they are stored, before the
	// batch's offset may be committed, so the detector judges their periods again (see
	// RevisionsTo); a retried batch tells the same again, under the same partition and offset.
	Revised func(ctx context.Context, partition int, offset int64, r wire.Revision) error
	// MaxInflight bounds inserts awaiting acknowledgement per partition. Default 8.
	MaxInflight int
	// Metrics and Log, optional.
	Metrics *metrics.Metrics
	Log     zerolog.Logger
}

// Store implements stream.Handler.
type Store struct{ cfg Config }

// New checks the configuration.
func New(cfg Config) (*Store, error) {
	if cfg.Topics.Prefix == "" || cfg.Events == nil || cfg.DLQ == nil {
		return nil, errors.New("store: Topics, Events and DLQ are required")
	}
	if (cfg.Recount == nil) != (cfg.StoreWindows == nil) {
		return nil, errors.New("store: Recount and StoreWindows go together")
	}
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = 8
	}
	cfg.Windows.Defaults()
	return &Store{cfg: cfg}, nil
}

// Open implements stream.Handler.
func (s *Store) Open(_ context.Context, topic string, part int, start int64) (stream.PartitionHandler, error) {
	p := &partition{s: s, topic: topic, part: part, label: strconv.Itoa(part), acks: stream.NewAcks(start)}
	switch topic {
	case s.cfg.Topics.Clean():
		p.decode = p.decodeEvent
	case s.cfg.Topics.DLQ():
		p.decode = p.decodeDLQ
	default:
		return nil, fmt.Errorf("store: no table for topic %s", topic)
	}
	return p, nil
}

type partition struct {
	s      *Store
	topic  string
	part   int
	label  string
	acks   *stream.Acks
	decode func(ctx context.Context, msgs []kafka.Message) (stream.Ticket, error)
	wm     int64                                // the partition's watermark, from the stamps and markers read
	late   map[string]map[windowing.Window]bool // point -> windows that got events too late for the stream
	closed []windowing.Window                   // scratch of markLate
}

// Handle implements stream.PartitionHandler: the rows of a batch are submitted and its
// offset is committed once their insert is acknowledged. A batch that holds events too late
// for their windows is stored synchronously after everything before it, and those windows
// are then recounted from storage before its offset may be committed.
func (p *partition) Handle(ctx context.Context, msgs []kafka.Message) (int64, error) {
	if len(msgs) > 0 {
		t, err := p.decode(ctx, msgs)
		if err != nil {
			return p.acks.Poll(), err
		}
		if len(p.late) > 0 {
			if t, err = p.recount(ctx, t, msgs[0].Offset); err != nil {
				return p.acks.Poll(), err
			}
		}
		p.acks.Add(t, msgs[len(msgs)-1].Offset+1)
	}
	if err := p.acks.WaitUntil(ctx, p.s.cfg.MaxInflight); err != nil {
		return p.acks.Poll(), fmt.Errorf("cannot store %s: %w", p.topic, err)
	}
	return p.acks.Poll(), nil
}

// recount waits until every insert of the partition so far is acknowledged (t, the batch's,
// included), so the events table holds every event of the late windows that came before,
// then rewrites those windows from it. The rows carry version = events counted, at least the
// stream's, so they replace its rows; a retry or a replay recounts to the same rows.
func (p *partition) recount(ctx context.Context, t stream.Ticket, offset int64) (stream.Ticket, error) {
	p.acks.Add(t, -1) // waited for below, committed with the batch
	if err := p.acks.WaitUntil(ctx, 0); err != nil {
		return nil, fmt.Errorf("cannot store %s: %w", p.topic, err)
	}
	var rows []windowing.Row
	var rev wire.Revision
	for point, wins := range p.late {
		from, to := int64(math.MaxInt64), int64(math.MinInt64)
		for w := range wins {
			from, to = min(from, w.Start), max(to, w.End)
		}
		hours, err := p.s.cfg.Recount(ctx, point, from, to)
		if err != nil {
			return nil, err
		}
		rows = append(rows, p.s.cfg.Windows.Rollup(hours, wins)...)
		rev.Spans = append(rev.Spans, wire.Span{PointID: point, From: from, To: to})
	}
	if err := p.s.cfg.StoreWindows(ctx, rows); err != nil {
		return nil, fmt.Errorf("cannot store recounted windows: %w", err)
	}
	if p.s.cfg.Revised != nil {
		if err := p.s.cfg.Revised(ctx, p.part, offset, rev); err != nil {
			return nil, fmt.Errorf("cannot report recounted windows to the detector: %w", err)
		}
	}
	if m := p.s.cfg.Metrics; m != nil {
		for _, wins := range p.late {
			m.Recounted.Add(float64(len(wins)))
		}
	}
	clear(p.late)
	return stream.Completed(), nil
}

func (p *partition) source(msgs []kafka.Message) string {
	return p.topic + "-" + p.label + "-" + strconv.FormatInt(msgs[0].Offset, 10) + "-" + strconv.FormatInt(msgs[len(msgs)-1].Offset, 10)
}

func (p *partition) decodeEvent(ctx context.Context, msgs []kafka.Message) (stream.Ticket, error) {
	rows := make([]wire.CleanEvent, 0, len(msgs))
	for i := range msgs {
		if wm, ok := wire.Marker(msgs[i].Value); ok {
			p.wm = max(p.wm, wm)
			continue
		}
		rows = append(rows, wire.CleanEvent{})
		e := &rows[len(rows)-1]
		if err := e.UnmarshalBinary(msgs[i].Value); err != nil {
			rows = rows[:len(rows)-1]
			if m := p.s.cfg.Metrics; m != nil {
				m.Undecodable.WithLabelValues("store").Inc()
			}
			p.s.cfg.Log.Error().Str("topic", p.topic).Int64("offset", msgs[i].Offset).Msg("undecodable clean record not stored")
			continue
		}
		p.markLate(e)
	}
	if m := p.s.cfg.Metrics; m != nil {
		m.Out.WithLabelValues("store", "events").Add(float64(len(rows)))
	}
	return p.s.cfg.Events.Submit(ctx, rows, p.source(msgs))
}

// markLate notes the windows of e that the window stage, deciding from the same stamps, did
// not count it in.
func (p *partition) markLate(e *wire.CleanEvent) {
	p.wm = max(p.wm, e.Watermark)
	if p.s.cfg.Recount == nil {
		return
	}
	p.closed = p.s.cfg.Windows.ClosedWindows(p.closed[:0], e.PointID, e.OccurredAt, p.wm)
	for _, w := range p.closed {
		if p.late == nil {
			p.late = map[string]map[windowing.Window]bool{}
		}
		if p.late[e.PointID] == nil {
			p.late[e.PointID] = map[windowing.Window]bool{}
		}
		p.late[e.PointID][w] = true
	}
}

func (p *partition) decodeDLQ(ctx context.Context, msgs []kafka.Message) (stream.Ticket, error) {
	rows := make([]dlq.Record, 0, len(msgs))
	for i := range msgs {
		r, err := dlq.Parse(msgs[i])
		if err != nil {
			p.s.cfg.Log.Error().Err(err).Msg("DLQ record without readable headers not summarized")
			continue
		}
		r.Sealed = nil
		rows = append(rows, r)
	}
	if m := p.s.cfg.Metrics; m != nil {
		m.Out.WithLabelValues("store", "dlq_records").Add(float64(len(rows)))
	}
	return p.s.cfg.DLQ.Submit(ctx, rows, p.source(msgs))
}

// Close waits for the partition's inserts; nothing else is held.
func (p *partition) Close(ctx context.Context) int64 {
	if err := p.acks.WaitUntil(ctx, 0); err != nil {
		p.s.cfg.Log.Warn().Err(err).Str("topic", p.topic).Msg("inserts not acknowledged before close; they will be replayed")
	}
	return p.acks.Poll()
}

// RevisionsTo is the Revised of a store stage: it writes each revision to the compacted
// progress topic under key "revision/<partition>/<offset>-<digest of its spans>", where the detect stage picks it
// up and, once it has judged the periods again, writes a tombstone for it.
func RevisionsTo(p stream.Producer, topic string) func(ctx context.Context, partition int, offset int64, r wire.Revision) error {
	return func(ctx context.Context, partition int, offset int64, r wire.Revision) error {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("cannot encode revision: %w", err)
		}
		return p.WriteMessages(ctx, kafka.Message{Topic: topic, Key: []byte(wire.RevisionKey(partition, offset, r)), Value: b})
	}
}
