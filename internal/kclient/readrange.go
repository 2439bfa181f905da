package kclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/retry"
)

// ReadRange reads one partition from the first record written at or after since, up to the
// end of the partition as it is when ReadRange starts, and calls fn for each record in order.
// Stages rebuild their state with it from the topic they write.
func (c *Client) ReadRange(ctx context.Context, topic string, partition int, since time.Time, fn func(kafka.Message) error) (int, error) {
	// The admin transport: the shared one caches metadata and could route to a stale leader.
	client, done := c.admin()
	defer done()
	from, err := offsetOf(ctx, client, topic, kafka.TimeOffsetOf(partition, since))
	if err != nil {
		return 0, err
	}
	end, err := offsetOf(ctx, client, topic, kafka.LastOffsetOf(partition))
	if err != nil {
		return 0, err
	}
	if from < 0 || from >= end {
		return 0, nil
	}
	return c.read(ctx, topic, partition, from, end, fn)
}

// ReadOffsets reads one partition's records of offsets [from, to) in order (fewer when the
// partition holds fewer) and calls fn for each.
func (c *Client) ReadOffsets(ctx context.Context, topic string, partition int, from, to int64, fn func(kafka.Message) error) (int, error) {
	client, done := c.admin()
	defer done()
	first, err := offsetOf(ctx, client, topic, kafka.FirstOffsetOf(partition))
	if err != nil {
		return 0, err
	}
	end, err := offsetOf(ctx, client, topic, kafka.LastOffsetOf(partition))
	if err != nil {
		return 0, err
	}
	from, to = max(from, first), min(to, end)
	if from >= to {
		return 0, nil
	}
	return c.read(ctx, topic, partition, from, to, fn)
}

// read calls fn for the records of offsets [from, end), from < end.
func (c *Client) read(ctx context.Context, topic string, partition int, from, end int64, fn func(kafka.Message) error) (int, error) {
	r := c.Reader(kafka.ReaderConfig{Topic: topic, Partition: partition,
		MinBytes: 1, MaxBytes: 8 << 20, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(from); err != nil {
		return 0, fmt.Errorf("cannot seek %s[%d] to %d: %w", topic, partition, from, err)
	}
	n := 0
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return n, fmt.Errorf("cannot read %s[%d] at %d: %w", topic, partition, from+int64(n), err)
		}
		if m.Offset >= end {
			return n, nil
		}
		if err := fn(m); err != nil {
			return n, err
		}
		n++
		if m.Offset >= end-1 {
			return n, nil
		}
	}
}

// offsetOf asks the partition's leader for one offset. A partition just created, or whose
// broker just restarted, answers "not leader" or "leader not available" for a moment: those
// errors are retried while ctx lives; any other error is returned at once (a missing topic
// too, which kafka-go also calls temporary: retried, it would hang its caller silently).
func offsetOf(ctx context.Context, client *kafka.Client, topic string, req kafka.OffsetRequest) (int64, error) {
	var off int64
	err := retry.Forever(ctx, func() error {
		var err error
		off, err = offsetOnce(ctx, client, topic, req)
		if err != nil && !temporary(err) {
			return retry.Permanent(err)
		}
		return err
	}, nil)
	return off, err
}

func temporary(err error) bool {
	return errors.Is(err, kafka.NotLeaderForPartition) || errors.Is(err, kafka.LeaderNotAvailable) ||
		errors.Is(err, kafka.NotController)
}

func offsetOnce(ctx context.Context, client *kafka.Client, topic string, req kafka.OffsetRequest) (int64, error) {
	res, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {req}}})
	if err != nil {
		return 0, fmt.Errorf("cannot list offsets of %s: %w", topic, err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			return 0, fmt.Errorf("cannot list offsets of %s[%d]: %w", topic, p.Partition, p.Error)
		}
		switch req.Timestamp {
		case kafka.LastOffset:
			return p.LastOffset, nil
		case kafka.FirstOffset:
			return p.FirstOffset, nil
		}
		for off := range p.Offsets {
			return off, nil
		}
		return -1, nil // no record at or after that time
	}
	return 0, fmt.Errorf("cannot list offsets of %s[%d]: no answer for the partition", topic, req.Partition)
}
