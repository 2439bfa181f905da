// Package stream runs a stage as a Kafka consumer group: one goroutine per assigned
// partition, records handed over in batches, offsets committed only up to what the stage
// says is delivered, and a flush on revocation and shutdown. Stages implement Handler.
package stream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/metrics"
)

// PartitionHandler processes the records of one partition, in order, on one goroutine.
type PartitionHandler interface {
	// Handle processes msgs (empty on an idle tick, at least every Config.BatchWait) and
	// returns the offset up to which every record's outputs are acknowledged (the next
	// offset to read after a restart). On error the same records are handed again, so
	// Handle must be safe to repeat.
	Handle(ctx context.Context, msgs []kafka.Message) (commit int64, err error)
	// Close flushes what the handler holds and returns the offset to commit last.
	Close(ctx context.Context) (commit int64)
}

// Handler opens a PartitionHandler when a partition is assigned; start is the offset the
// group resumes from (kafka.FirstOffset when nothing was committed).
type Handler interface {
	Open(ctx context.Context, topic string, partition int, start int64) (PartitionHandler, error)
}

// Config of a consumer group run.
type Config struct {
	// Stage names the stage in logs and metrics. Required.
	Stage string
	// Kafka is the cluster. Required.
	Kafka *kclient.Client
	// GroupID is the consumer group. Required.
	GroupID string
	// Topics returns the topics to consume; it is called again every TopicsRefresh so that
	// a new agency's topic is picked up. Required.
	Topics func(ctx context.Context) ([]string, error)
	// TopicsRefresh is how often Topics is re-read. Default 30s.
	TopicsRefresh time.Duration
	// BatchSize is the most records handed to Handle at once. Default 2000.
	BatchSize int
	// BatchWait is the longest wait for the first record of a batch, and the idle tick.
	// Default 100ms.
	BatchWait time.Duration
	// BatchLinger is how long a batch that has records waits for more. Default 5ms.
	BatchLinger time.Duration
	// CommitInterval is the least time between two commits of a partition. Default 1s.
	CommitInterval time.Duration
	// MaxFetchBytes bounds one fetch per partition. Default 4 MiB.
	MaxFetchBytes int
	// BatchBytes bounds the record bytes (keys and values) handed to Handle at once: a batch
	// closes when the next record would pass it; a record larger than it is handed alone.
	// Default 8 MiB.
	BatchBytes int
	// MaxRecordBytes is the largest record the consumed topics can hold (their
	// max.message.bytes). Default 1,048,588, Kafka's default.
	MaxRecordBytes int
	// ReadAheadBytes bounds the records a partition's reader holds ahead of the batch being
	// handled: its queue holds ReadAheadBytes/MaxRecordBytes records (at least 1, at most
	// BatchSize), so a flood of the largest records cannot fill memory. Default 4 MiB.
	ReadAheadBytes int
	// Budget, when set, is shared by every worker of the process: the bytes of the batches
	// in hand across all partitions and stages stay within it, and a worker whose next
	// record does not fit waits. Default none (each partition bounded by BatchBytes only).
	Budget *Budget
	// CloseTimeout bounds the flush of a revoked partition. Default 30s.
	CloseTimeout time.Duration
	// SessionTimeout of the group membership. Default 10s.
	SessionTimeout time.Duration
	// Log receives the run's events. Default: disabled.
	Log zerolog.Logger
	// Metrics, when set, receives records in and lag.
	Metrics *metrics.Metrics
}

func (c *Config) defaults() error {
	if c.Stage == "" || c.Kafka == nil || c.GroupID == "" || c.Topics == nil {
		return errors.New("stream: Stage, Kafka, GroupID and Topics are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.TopicsRefresh, 30*time.Second)
	def(&c.BatchWait, 100*time.Millisecond)
	def(&c.BatchLinger, 5*time.Millisecond)
	def(&c.CommitInterval, time.Second)
	def(&c.CloseTimeout, 30*time.Second)
	def(&c.SessionTimeout, 10*time.Second)
	if c.BatchSize <= 0 {
		c.BatchSize = 2000
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	defInt(&c.MaxFetchBytes, 4<<20)
	defInt(&c.BatchBytes, 8<<20)
	defInt(&c.MaxRecordBytes, 1048588)
	defInt(&c.ReadAheadBytes, 4<<20)
	return nil
}

// Run consumes until ctx is done, then flushes and commits what is delivered and returns
// nil. It returns an error only for a configuration that cannot work.
func Run(ctx context.Context, cfg Config, h Handler) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	log := cfg.Log.With().Str("stage", cfg.Stage).Logger()
	for ctx.Err() == nil {
		topics, err := cfg.Topics(ctx)
		if err != nil || len(topics) == 0 {
			log.Warn().Err(err).Int("topics", len(topics)).Msg("no topic to consume yet; retrying")
			sleep(ctx, cfg.TopicsRefresh/6)
			continue
		}
		slices.Sort(topics)
		if err := runGroup(ctx, cfg, h, topics, log); err != nil {
			log.Error().Err(err).Msg("consumer group failed; rejoining")
			sleep(ctx, time.Second)
		}
	}
	return nil
}

// runGroup runs one membership with a fixed topic list until ctx is done or the list changes.
func runGroup(ctx context.Context, cfg Config, h Handler, topics []string, log zerolog.Logger) error {
	cg, err := cfg.Kafka.ConsumerGroup(kafka.ConsumerGroupConfig{
		ID: cfg.GroupID, Topics: topics, StartOffset: kafka.FirstOffset,
		SessionTimeout: cfg.SessionTimeout, HeartbeatInterval: cfg.SessionTimeout / 5,
		RebalanceTimeout: cfg.CloseTimeout + 5*time.Second, JoinGroupBackoff: time.Second,
		WatchPartitionChanges: true, PartitionWatchInterval: 10 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("cannot create consumer group %s: %w", cfg.GroupID, err)
	}
	runCtx, stop := context.WithCancel(ctx)
	closed := make(chan struct{})
	go func() {
		// Closing the group ends the generation; Close returns once every worker has
		// flushed and committed, and only then may runGroup return.
		<-runCtx.Done()
		cg.Close()
		close(closed)
	}()
	defer func() { stop(); <-closed }()
	go watchTopics(runCtx, stop, cfg, topics, log)
	log.Info().Strs("topics", topics).Str("group", cfg.GroupID).Msg("joining consumer group")
	for {
		gen, err := cg.Next(runCtx)
		if err != nil {
			if runCtx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				return nil
			}
			return fmt.Errorf("cannot join consumer group %s: %w", cfg.GroupID, err)
		}
		log.Info().Int32("generation", gen.ID).Str("assigned", assignedString(gen)).Msg("partitions assigned")
		for topic, parts := range gen.Assignments {
			for _, p := range parts {
				w := &worker{cfg: cfg, h: h, gen: gen, topic: topic, partition: p.ID, start: p.Offset,
					log: log.With().Str("topic", topic).Int("partition", p.ID).Logger()}
				gen.Start(w.run)
			}
		}
	}
}

// watchTopics stops the membership when the topic list changes, so Run rejoins with it.
func watchTopics(ctx context.Context, stop func(), cfg Config, topics []string, log zerolog.Logger) {
	t := time.NewTicker(cfg.TopicsRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now, err := cfg.Topics(ctx)
			if err != nil {
				continue
			}
			slices.Sort(now)
			if !slices.Equal(now, topics) {
				log.Info().Strs("topics", now).Msg("topic list changed; rejoining")
				stop()
				return
			}
		}
	}
}

func assignedString(gen *kafka.Generation) string {
	var parts []string
	for topic, ps := range gen.Assignments {
		for _, p := range ps {
			parts = append(parts, fmt.Sprintf("%s[%d]", topic, p.ID))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
