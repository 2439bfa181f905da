package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
)

// sourceProgress tells every anon partition how far this raw partition has got (the newest
// event time delivered) and whether it has caught up with its log, so that dedup holds each
// partition's watermark to the slowest source still reading: when weeks of history are
// published at once, raw partitions are read at different speeds, and a watermark taken
// from the fastest would make the others' events late.
type sourceProgress struct {
	newest     int64
	caughtUp   bool
	sent       bool // a marker has been sent since Open
	sentAt     time.Time
	sentNewest int64 // the newest event time the last marker carried
	msgs       []kafka.Message
}

// Markers are sent at once when the state changes (caught up or reading), at most every
// second while the newest event time moves, and every ten seconds otherwise (so a restarted
// dedup learns of every source). Not per batch: that doubled the produce calls of a busy
// ingest worker and cost the pipeline 15% of its throughput.
const (
	markEvery      = time.Second
	heartbeatEvery = 10 * time.Second
)

// before is called with a batch before its records are produced: a source that had caught
// up and now reads a backlog says so first, so no partition runs ahead of what it is about
// to send.
func (p *partition) before(ctx context.Context, msgs []kafka.Message) error {
	if len(msgs) == 0 || !p.progress.caughtUp || caughtUp(msgs) {
		return nil
	}
	p.progress.caughtUp = false
	return p.mark(ctx)
}

// after is called once a batch's records are produced. A marker that cannot be sent is
// logged and sent again on the next tick: the records are delivered either way.
func (p *partition) after(ctx context.Context, msgs []kafka.Message) error {
	g := &p.progress
	now := caughtUp(msgs)
	due := heartbeatEvery
	if g.newest != g.sentNewest {
		due = markEvery
	}
	if g.sent && now == g.caughtUp && time.Since(g.sentAt) < due {
		return nil
	}
	g.caughtUp = now
	if err := p.mark(ctx); err != nil {
		p.s.cfg.Log.Warn().Err(err).Msg("source progress not sent; retried on the next tick")
	}
	return nil
}

func (p *partition) mark(ctx context.Context) error {
	g := &p.progress
	value := wire.AppendSourceMarker(nil, g.newest, g.caughtUp)
	g.msgs = g.msgs[:0]
	for n := range p.s.cfg.AnonPartitions {
		g.msgs = append(g.msgs, kafka.Message{Topic: p.s.cfg.Topics.Anon(), Key: stream.PartitionKey(n), Value: value, Headers: p.src})
	}
	if err := p.s.cfg.Producer.WriteMessages(ctx, g.msgs...); err != nil {
		return fmt.Errorf("cannot send source progress: %w", err)
	}
	g.sent, g.sentAt, g.sentNewest = true, time.Now(), g.newest
	return nil
}

// caughtUp: an idle tick, or the batch ends at the partition's high watermark.
func caughtUp(msgs []kafka.Message) bool {
	if len(msgs) == 0 {
		return true
	}
	last := msgs[len(msgs)-1]
	return last.HighWaterMark > 0 && last.Offset+1 >= last.HighWaterMark
}
