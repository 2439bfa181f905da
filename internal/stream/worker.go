package stream

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"github.com/vigia-observatory/vigia/internal/retry"
)

// worker owns one assigned partition for one generation: it reads, hands batches to the
// handler, and commits the handler's delivered offset. It stops when the generation ends
// (revocation or shutdown), after a flush and a last commit.
type worker struct {
	cfg       Config
	h         Handler
	gen       *kafka.Generation
	topic     string
	partition int
	start     int64
	log       zerolog.Logger

	committed  int64
	lastCommit time.Time

	// pending is a record read that did not fit the last batch; it opens the next one.
	pending    *kafka.Message
	batchBytes int   // record bytes in the batch being built
	held       int64 // bytes of the batch taken from cfg.Budget
}

func (w *worker) run(ctx context.Context) {
	r := w.cfg.Kafka.Reader(kafka.ReaderConfig{
		Topic: w.topic, Partition: w.partition,
		MinBytes: 1, MaxBytes: w.cfg.MaxFetchBytes, MaxWait: w.cfg.BatchWait,
		QueueCapacity: w.queueCapacity(),
	})
	defer r.Close()
	if err := r.SetOffset(w.start); err != nil {
		w.log.Error().Err(err).Msg("cannot set start offset")
		return
	}
	w.committed = w.start
	ph := w.open(ctx)
	if ph == nil {
		return
	}
	batch := make([]kafka.Message, 0, w.cfg.BatchSize)
	for ctx.Err() == nil {
		clear(batch) // the last batch's records must not outlive it in the reused array
		batch = w.fetch(ctx, r, batch[:0])
		delivered := w.handle(ctx, ph, batch)
		w.release()
		if !delivered {
			break
		}
	}
	// The generation ended: flush with a fresh deadline and commit what is delivered.
	cctx, cancel := context.WithTimeout(context.Background(), w.cfg.CloseTimeout)
	defer cancel()
	w.commit(ph.Close(cctx), true)
	w.log.Info().Int64("committed", w.committed).Msg("partition released")
}

// open retries until the handler opens or the generation ends.
func (w *worker) open(ctx context.Context) PartitionHandler {
	var ph PartitionHandler
	// Right after a topic is created the broker may still answer "not leader": retried.
	err := retry.Forever(ctx, func() (err error) {
		ph, err = w.h.Open(ctx, w.topic, w.partition, w.start)
		return err
	}, func(err error, wait time.Duration) {
		w.log.Warn().Err(err).Dur("retry_in", wait).Msg("cannot open partition handler; retrying")
	})
	if err != nil {
		return nil // the generation ended first
	}
	return ph
}

// queueCapacity is how many records the reader may hold ahead: as many of the largest
// records as ReadAheadBytes allows, so read-ahead is bounded by bytes, not by a count.
func (w *worker) queueCapacity() int {
	return max(1, min(w.cfg.BatchSize, w.cfg.ReadAheadBytes/w.cfg.MaxRecordBytes))
}

// fetch fills batch with up to BatchSize records and BatchBytes bytes: it waits up to
// BatchWait for the first one, then only BatchLinger for more, so a hop adds milliseconds,
// not a full BatchWait, when records arrive faster than batches fill.
func (w *worker) fetch(ctx context.Context, r *kafka.Reader, batch []kafka.Message) []kafka.Message {
	m, ok := w.first(ctx, r)
	if !ok {
		return batch
	}
	batch = append(batch, m)
	linger, cancel := context.WithTimeout(ctx, w.cfg.BatchLinger)
	defer cancel()
	for len(batch) < w.cfg.BatchSize {
		m, err := r.FetchMessage(linger)
		if err != nil {
			w.logFetchError(err)
			break
		}
		if !w.fits(m) {
			w.pending = &m
			break
		}
		batch = append(batch, m)
	}
	if w.cfg.Metrics != nil {
		last := batch[len(batch)-1]
		w.cfg.Metrics.In.WithLabelValues(w.cfg.Stage, w.topic).Add(float64(len(batch)))
		w.cfg.Metrics.BatchSize.WithLabelValues(w.cfg.Stage).Observe(float64(len(batch)))
		w.cfg.Metrics.Lag.WithLabelValues(w.cfg.Stage, w.topic, strconv.Itoa(w.partition)).Set(float64(last.HighWaterMark - last.Offset - 1))
	}
	return batch
}

// first returns the record that opens a batch (the one left over from the last batch, or the
// next within BatchWait), with its bytes taken from the budget, waiting for them if need be.
func (w *worker) first(ctx context.Context, r *kafka.Reader) (kafka.Message, bool) {
	var m kafka.Message
	if w.pending != nil {
		m, w.pending = *w.pending, nil
	} else if fetched, ok := w.fetchWithin(ctx, r, w.cfg.BatchWait); ok {
		m = fetched
	} else {
		return m, false
	}
	n := recordBytes(m)
	w.batchBytes = n
	if w.cfg.Budget != nil {
		held, err := w.cfg.Budget.acquire(ctx, int64(n))
		if err != nil {
			return m, false // the generation ended; the record is read again after the commit
		}
		w.held = held
	}
	return m, true
}

// fits reports whether m joins the batch without passing BatchBytes or the budget, and if so
// counts its bytes.
func (w *worker) fits(m kafka.Message) bool {
	n := recordBytes(m)
	if w.batchBytes+n > w.cfg.BatchBytes {
		return false
	}
	if w.cfg.Budget != nil {
		held, ok := w.cfg.Budget.tryAcquire(int64(n))
		if !ok {
			return false
		}
		w.held += held
	}
	w.batchBytes += n
	return true
}

// release returns the handled batch's bytes to the budget.
func (w *worker) release() {
	if w.cfg.Budget != nil {
		w.cfg.Budget.release(w.held)
	}
	w.held, w.batchBytes = 0, 0
}

func recordBytes(m kafka.Message) int { return len(m.Key) + len(m.Value) }

func (w *worker) fetchWithin(ctx context.Context, r *kafka.Reader, wait time.Duration) (kafka.Message, bool) {
	c, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	m, err := r.FetchMessage(c)
	if err != nil {
		w.logFetchError(err)
		return m, false
	}
	return m, true
}

// logFetchError reports fetch failures other than the expected ends of a wait or generation.
func (w *worker) logFetchError(err error) {
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) && !errors.Is(err, kafka.ErrGenerationEnded) {
		w.log.Warn().Err(err).Msg("fetch failed")
	}
}

// handle hands the batch over until it succeeds; it returns false when the generation ended
// first. Records are never skipped: a batch that fails is retried with backoff, which is
// also how back-pressure reaches the reader.
func (w *worker) handle(ctx context.Context, ph PartitionHandler, batch []kafka.Message) bool {
	err := retry.Forever(ctx, func() error {
		commit, err := ph.Handle(ctx, batch)
		if err == nil {
			w.commit(commit, false)
		}
		return err
	}, func(err error, wait time.Duration) {
		if w.cfg.Metrics != nil {
			w.cfg.Metrics.Retries.WithLabelValues(w.cfg.Stage, "handle").Inc()
		}
		w.log.Warn().Err(err).Int("records", len(batch)).Dur("retry_in", wait).Msg("batch not delivered; retrying")
	})
	return err == nil
}

// commit records offset as the group's position when it moved forward, at most once per
// CommitInterval unless final.
func (w *worker) commit(offset int64, final bool) {
	if offset <= w.committed || offset < 0 {
		return
	}
	if !final && time.Since(w.lastCommit) < w.cfg.CommitInterval {
		return
	}
	err := w.gen.CommitOffsets(map[string]map[int]int64{w.topic: {w.partition: offset}})
	if err != nil {
		if w.cfg.Metrics != nil {
			w.cfg.Metrics.CommitFails.WithLabelValues(w.cfg.Stage).Inc()
		}
		w.log.Warn().Err(err).Int64("offset", offset).Msg("cannot commit offset; records after the last commit will be replayed")
		return
	}
	w.committed, w.lastCommit = offset, time.Now()
}
