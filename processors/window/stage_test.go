package window

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/lib/windowing"
	"github.com/vigia-observatory/vigia/schemas"
)

// record is a clean event of one person at one point and hour; key is its exact key.
func record(t *testing.T, key uint64, offset int64) kafka.Message {
	t.Helper()
	ev := wire.CleanEvent{Agency: "hn-inm", EventID: "e", SchemaVersion: 1, Type: schemas.Crossing,
		OccurredAt: 1_709_290_800, PointID: "hnd-agua-caliente", PointCountry: "HND", Count: 1,
		ExactKey: key, Watermark: 1_709_290_000}
	return kafka.Message{Offset: offset, Value: ev.AppendBinary(nil)}
}

// TestStageCountsRepeatsOnce: a record the partition holds twice is counted once, whether its
// first copy came in the same batch or before the owner's start; and a batch handed again after
// a failed submit (the worker retries it whole) adds nothing more, while the failed submit's
// windows are still stored.
func TestStageCountsRepeatsOnce(t *testing.T) {
	for _, c := range []struct {
		name     string
		start    int64
		before   []kafka.Message // what ReadBack finds before start
		batch    []kafka.Message
		failOnce bool
		persons  uint64 // in the hourly window
		dropped  float64
	}{
		{"a batch written twice", 0, nil, []kafka.Message{record(t, 1, 0), record(t, 2, 1), record(t, 1, 2), record(t, 2, 3)}, false, 2, 2},
		{"first copy before the start", 6, []kafka.Message{record(t, 1, 5)}, []kafka.Message{record(t, 1, 6), record(t, 3, 7)}, false, 1, 1},
		{"a batch handed again", 0, nil, []kafka.Message{record(t, 1, 0), record(t, 2, 1), record(t, 1, 2)}, true, 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := metrics.New(prometheus.NewRegistry())
			persons := map[windowing.Key]uint64{}
			submits := 0
			s, err := New(Config{FlushInterval: time.Nanosecond, Metrics: m,
				Submit: func(_ context.Context, rows []windowing.Row, _ string) (stream.Ticket, error) {
					if submits++; c.failOnce && submits == 1 {
						return nil, errors.New("the batcher is closing")
					}
					for _, r := range rows {
						persons[r.Key] = r.Persons
					}
					return stream.Completed(), nil
				},
				ReadBack: func(_ context.Context, _ string, _ int, from, to int64, fn func(kafka.Message) error) (int, error) {
					if from != c.start-RepeatSpan || to != c.start {
						t.Errorf("read back [%d, %d), want [%d, %d)", from, to, c.start-RepeatSpan, c.start)
					}
					for _, r := range c.before {
						if err := fn(r); err != nil {
							return 0, err
						}
					}
					return len(c.before), nil
				}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			p, err := s.Open(ctx, "vigia.clean", 0, c.start)
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Handle(ctx, c.batch)
			if c.failOnce {
				if err == nil {
					t.Fatal("the failed insert was not reported")
				}
				_, err = p.Handle(ctx, c.batch)
			}
			if err != nil {
				t.Fatal(err)
			}
			p.Close(ctx)
			if len(persons) == 0 {
				t.Fatal("no window stored")
			}
			for k, n := range persons {
				if k.Resolution == windowing.Hour && n != c.persons {
					t.Errorf("hourly window counts %d persons, want %d", n, c.persons)
				}
			}
			var got dto.Metric
			if err := m.Duplicates.WithLabelValues("rewritten").Write(&got); err != nil {
				t.Fatal(err)
			}
			if got := got.GetCounter().GetValue(); got != c.dropped {
				t.Errorf("%v repeats counted, want %v", got, c.dropped)
			}
		})
	}
}
