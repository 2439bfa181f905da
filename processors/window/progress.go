package window

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/wire"
)

// progress tracks the watermarks of flushes whose inserts are in flight, to report a
// partition's watermark only once the windows behind it are stored.
type progress struct {
	pending   []flushed
	flushedWM int64 // watermark at the last flush
	sent      int64
	sentAt    time.Time
}

type flushed struct {
	t  stream.Ticket
	wm int64
}

func (g *progress) add(t stream.Ticket, wm int64) {
	g.pending = append(g.pending, flushed{t, wm})
	g.flushedWM = wm
}

// stored pops the acknowledged flushes at the head, waiting for all of them when wait is
// set, and returns the newest stored watermark; a failed insert stops it (nothing after it
// is stored as far as readers of the progress can tell).
func (g *progress) stored(ctx context.Context, wait bool) int64 {
	newest := g.sent
	for len(g.pending) > 0 {
		h := g.pending[0]
		if wait {
			select {
			case <-h.t.Done():
			case <-ctx.Done():
				return newest
			}
		}
		select {
		case <-h.t.Done():
		default:
			return newest
		}
		if h.t.Err() != nil {
			return newest
		}
		newest = max(newest, h.wm)
		g.pending = g.pending[1:]
	}
	return newest
}

// report tells Progress the stored watermark when it moved, or as a heartbeat.
func (p *partition) report(ctx context.Context, wait bool) {
	cfg := &p.s.cfg
	if cfg.Progress == nil {
		return
	}
	wm := p.progress.stored(ctx, wait)
	if wm == 0 || wm == p.progress.sent && time.Since(p.progress.sentAt) < cfg.ProgressEvery {
		return
	}
	if err := cfg.Progress(ctx, p.part, wm); err != nil {
		cfg.Log.Warn().Err(err).Int("partition", p.part).Msg("cannot report window progress; retried with the next flush")
		return
	}
	p.progress.sent, p.progress.sentAt = wm, time.Now()
}

// ProgressTo is the Progress of a window stage over a vigia.clean of partitions partitions:
// it writes the stored watermark of each partition to the compacted progress topic (key
// "window/<n>"), where the detect stage waits for every partition to pass a period.
func ProgressTo(p stream.Producer, topic string, partitions int) func(ctx context.Context, partition int, wm int64) error {
	return func(ctx context.Context, partition int, wm int64) error {
		b, err := json.Marshal(wire.Progress{Watermark: wm, Partitions: partitions})
		if err != nil {
			return fmt.Errorf("cannot encode progress: %w", err)
		}
		return p.WriteMessages(ctx, kafka.Message{Topic: topic, Key: []byte(wire.WindowProgressKey(partition)), Value: b})
	}
}
