package kclient_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// TestKafkaSmoke runs against the real broker: create an agency's raw topic, produce, consume
// in a consumer group, commit half, and check a new member of the group resumes right after
// the committed offset.
func TestKafkaSmoke(t *testing.T) {
	cfg := testenv.Config(t)
	kc := testenv.Kafka(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	topic := names.Raw("hn-inm")
	if err := kc.EnsureTopics(ctx, kclient.TopicSpec{Name: topic, Partitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	// A second Ensure must accept the existing topic.
	if err := kc.EnsureTopics(ctx, kclient.TopicSpec{Name: topic, Partitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatalf("Ensure is not idempotent: %v", err)
	}

	w := kc.Writer(kclient.WriterConfig{Topic: topic, BatchTimeout: 10 * time.Millisecond})
	const n = 10
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("cannot produce to %s: %v", topic, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ from, to, first, n int64 }{{3, 7, 3, 4}, {-5, 2, 0, 2}, {8, 99, 8, 2}, {5, 5, 0, 0}, {12, 20, 0, 0}} {
		var got []int64
		if _, err := kc.ReadOffsets(ctx, topic, 0, c.from, c.to, func(m kafka.Message) error { got = append(got, m.Offset); return nil }); err != nil {
			t.Fatal(err)
		}
		if int64(len(got)) != c.n || (c.n > 0 && (got[0] != c.first || got[len(got)-1] != c.first+c.n-1)) {
			t.Errorf("ReadOffsets [%d, %d) read offsets %v, want %d from %d", c.from, c.to, got, c.n, c.first)
		}
	}

	group := cfg.Kafka.TopicPrefix + "-smoke"
	first := readN(ctx, t, kc, group, topic, 4, true)
	if first[0] != 0 || first[3] != 3 {
		t.Fatalf("first member read offsets %v, want 0..3", first)
	}
	// The second member must start at offset 4: what the first committed, no more, no less.
	second := readN(ctx, t, kc, group, topic, n-4, false)
	if second[0] != 4 || second[len(second)-1] != n-1 {
		t.Fatalf("resumed member read offsets %v, want 4..%d", second, n-1)
	}
}

func readN(ctx context.Context, t *testing.T, kc *kclient.Client, group, topic string, n int, commit bool) []int64 {
	t.Helper()
	r := kc.Reader(kafka.ReaderConfig{
		GroupID: group, Topic: topic,
		StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
	})
	defer r.Close()
	var offsets []int64
	for len(offsets) < n {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("cannot consume %s in group %s: %v", topic, group, err)
		}
		offsets = append(offsets, m.Offset)
		if commit {
			if err := r.CommitMessages(ctx, m); err != nil {
				t.Fatalf("cannot commit offset %d: %v", m.Offset, err)
			}
		}
	}
	return offsets
}
