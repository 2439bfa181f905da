// Package store is the store stage: it lands vigia.clean in the events table and the clear
// part of vigia.dlq in dlq_records, and commits a partition's offsets only once ClickHouse has
// acknowledged the inserts that carry them.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

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
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = 8
	}
	return &Store{cfg: cfg}, nil
}

// Open implements stream.Handler.
func (s *Store) Open(_ context.Context, topic string, part int, start int64) (stream.PartitionHandler, error) {
	p := &partition{s: s, topic: topic, label: strconv.Itoa(part), acks: stream.NewAcks(start)}
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
	label  string
	acks   *stream.Acks
	decode func(ctx context.Context, msgs []kafka.Message) (stream.Ticket, error)
}

// Handle implements stream.PartitionHandler: the rows of a batch are submitted and its
// offset is committed once their insert is acknowledged.
func (p *partition) Handle(ctx context.Context, msgs []kafka.Message) (int64, error) {
	if len(msgs) > 0 {
		t, err := p.decode(ctx, msgs)
		if err != nil {
			return p.acks.Poll(), err
		}
		p.acks.Add(t, msgs[len(msgs)-1].Offset+1)
	}
	if err := p.acks.WaitUntil(ctx, p.s.cfg.MaxInflight); err != nil {
		return p.acks.Poll(), fmt.Errorf("cannot store %s: %w", p.topic, err)
	}
	return p.acks.Poll(), nil
}

func (p *partition) source(msgs []kafka.Message) string {
	return p.topic + "-" + p.label + "-" + strconv.FormatInt(msgs[0].Offset, 10) + "-" + strconv.FormatInt(msgs[len(msgs)-1].Offset, 10)
}

func (p *partition) decodeEvent(ctx context.Context, msgs []kafka.Message) (stream.Ticket, error) {
	rows := make([]wire.CleanEvent, 0, len(msgs))
	for i := range msgs {
		if _, ok := wire.Marker(msgs[i].Value); ok {
			continue
		}
		rows = append(rows, wire.CleanEvent{})
		if err := rows[len(rows)-1].UnmarshalBinary(msgs[i].Value); err != nil {
			rows = rows[:len(rows)-1]
			if m := p.s.cfg.Metrics; m != nil {
				m.Undecodable.WithLabelValues("store").Inc()
			}
			p.s.cfg.Log.Error().Str("topic", p.topic).Int64("offset", msgs[i].Offset).Msg("undecodable clean record not stored")
		}
	}
	if m := p.s.cfg.Metrics; m != nil {
		m.Out.WithLabelValues("store", "events").Add(float64(len(rows)))
	}
	return p.s.cfg.Events.Submit(ctx, rows, p.source(msgs))
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
