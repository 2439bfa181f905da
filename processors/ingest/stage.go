// Package ingest is the first stage: it consumes every agency's raw topic, decodes and
// validates each record, rejects a record whose agency differs from its topic's, anonymizes
// the rest and produces them to vigia.anon keyed by the deduplication fingerprint. Every
// consumed record ends in exactly one of vigia.anon or vigia.dlq.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/lib/anonymize"
	"github.com/vigia-observatory/vigia/schemas"
)

// Config of the ingest stage.
type Config struct {
	// Topics names the topics. Required (the prefix).
	Topics topics.Names
	// Validator checks records; its Points is the registry. Required.
	Validator *schemas.Validator
	// Anonymize configures pseudonymization. Required (its key ring).
	Anonymize anonymize.Config
	// Sealer encrypts rejected records for the DLQ. Required.
	Sealer *dlq.Sealer
	// Producer writes vigia.anon and vigia.dlq. Required.
	Producer stream.Producer
	// AnonPartitions is the partition count of vigia.anon, each of which is told this
	// stage's progress per raw partition. Required.
	AnonPartitions int
	// Metrics, when set, counts records out and DLQ reasons.
	Metrics *metrics.Metrics
	// Log receives notable events; records' content is never logged.
	Log zerolog.Logger
	// Now is the clock for DLQ timestamps. Default time.Now.
	Now func() time.Time
}

// Stage is the ingest stage; it implements stream.Handler.
type Stage struct {
	cfg Config
}

// New checks the configuration.
func New(cfg Config) (*Stage, error) {
	if cfg.Topics.Prefix == "" || cfg.Validator == nil || cfg.Validator.Points == nil || cfg.Sealer == nil || cfg.Producer == nil || cfg.AnonPartitions <= 0 {
		return nil, errors.New("ingest: Topics, Validator (with Points), Sealer, Producer and AnonPartitions are required")
	}
	if err := cfg.Anonymize.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Stage{cfg: cfg}, nil
}

// Open implements stream.Handler for one raw topic partition.
func (s *Stage) Open(_ context.Context, topic string, part int, start int64) (stream.PartitionHandler, error) {
	m := s.cfg.Topics.RawPattern().FindStringSubmatch(topic)
	if m == nil {
		return nil, fmt.Errorf("cannot ingest %s: not a raw agency topic (%s.raw.<agency>)", topic, s.cfg.Topics.Prefix)
	}
	a, err := anonymize.New(s.cfg.Anonymize)
	if err != nil {
		return nil, err
	}
	src := []kafka.Header{{Key: stream.SourceHeader, Value: []byte(topic + ":" + strconv.Itoa(part))}}
	return &partition{s: s, agency: m[1], chk: schemas.Checker{Validator: s.cfg.Validator}, anon: a, delivered: start, src: src}, nil
}

// partition handles one raw partition; its buffers are reused from batch to batch.
type partition struct {
	s         *Stage
	agency    string
	chk       schemas.Checker
	anon      *anonymize.Anonymizer
	delivered int64
	src       []kafka.Header // names this raw partition on every anon record, for dedup's watermark
	progress  sourceProgress

	ev    schemas.Event
	clean wire.CleanEvent
	errs  schemas.Errors
	buf   []byte
	spans []span
	out   []kafka.Message
	dlqs  map[schemas.Reason]int
}

// span locates a message's key and value in buf (buf may grow while a batch is built).
type span struct{ key0, key1, val1 int }

// Handle implements stream.PartitionHandler.
func (p *partition) Handle(ctx context.Context, msgs []kafka.Message) (int64, error) {
	if len(msgs) == 0 {
		return p.delivered, p.after(ctx, msgs)
	}
	if err := p.before(ctx, msgs); err != nil {
		return p.delivered, err
	}
	cfg := &p.s.cfg
	p.buf, p.spans, p.out = p.buf[:0], p.spans[:0], p.out[:0]
	if p.dlqs == nil {
		p.dlqs = map[schemas.Reason]int{}
	}
	clear(p.dlqs)
	anonTopic, dlqTopic := cfg.Topics.Anon(), cfg.Topics.DLQ()
	for i := range msgs {
		p.errs = p.errs[:0]
		p.chk.Check(msgs[i].Value, p.agency, &p.ev, &p.errs)
		if len(p.errs) > 0 {
			dm, err := cfg.Sealer.Message(dlqTopic, "ingest", p.agency, msgs[i], p.errs, cfg.Now())
			if err != nil {
				return p.delivered, err
			}
			p.out = append(p.out, dm)
			p.spans = append(p.spans, span{-1, -1, -1})
			p.dlqs[p.errs[0].Reason]++
			continue
		}
		pt, _ := cfg.Validator.Points.Lookup(p.ev.PointID)
		p.anon.Apply(&p.ev, pt, &p.clean)
		p.progress.newest = max(p.progress.newest, p.clean.OccurredAt)
		p.spans = append(p.spans, p.appendAnon(pt.ID))
		p.out = append(p.out, kafka.Message{Topic: anonTopic, Headers: p.src})
	}
	for i, sp := range p.spans {
		if sp.key0 >= 0 {
			p.out[i].Key, p.out[i].Value = p.buf[sp.key0:sp.key1], p.buf[sp.key1:sp.val1]
		}
	}
	if err := cfg.Producer.WriteMessages(ctx, p.out...); err != nil {
		return p.delivered, fmt.Errorf("cannot produce ingest output: %w", err)
	}
	p.delivered = msgs[len(msgs)-1].Offset + 1
	p.count(len(msgs))
	return p.delivered, p.after(ctx, msgs)
}

// appendAnon writes the key "<point>/<fingerprint>" and the clean event's bytes into buf.
func (p *partition) appendAnon(point string) span {
	fp := p.clean.SemanticKey
	if fp == 0 {
		fp = p.clean.ExactKey
	}
	k0 := len(p.buf)
	p.buf = append(p.buf, point...)
	p.buf = append(p.buf, '/')
	p.buf = strconv.AppendUint(p.buf, fp, 16)
	k1 := len(p.buf)
	p.buf = p.clean.AppendBinary(p.buf)
	return span{k0, k1, len(p.buf)}
}

func (p *partition) count(n int) {
	m := p.s.cfg.Metrics
	if m == nil {
		return
	}
	bad := 0
	for r, c := range p.dlqs {
		m.DLQ.WithLabelValues("ingest", p.agency, r.String()).Add(float64(c))
		bad += c
	}
	m.Out.WithLabelValues("ingest", "dlq").Add(float64(bad))
	m.Out.WithLabelValues("ingest", "anon").Add(float64(n - bad))
}

// Close implements stream.PartitionHandler: nothing is held between batches.
func (p *partition) Close(context.Context) int64 { return p.delivered }
