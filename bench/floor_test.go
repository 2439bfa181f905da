package bench

import (
	"context"
	"encoding/json"
	"github.com/vigia-observatory/vigia/bench/corpus"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/testenv"
)

// BenchmarkBaselineNoProduct is the floor a user gets with no product: the same records
// through the same broker, read by one plain consumer that decodes their top-level fields with
// encoding/json and inserts them into a MergeTree in clickhouse-go batches of 50,000 rows —
// no validation, anonymization, deduplication, windows or published layer. events/s from the
// first record published to the last row inserted, as BenchmarkEndToEnd counts.
func BenchmarkBaselineNoProduct(b *testing.B) {
	recs := corpus.Records(e2eEvents)
	type row struct {
		Agency     string    `json:"agency"`
		EventID    string    `json:"event_id"`
		Type       string    `json:"type"`
		PointID    string    `json:"point_id"`
		OccurredAt time.Time `json:"occurred_at"`
		Count      uint32    `json:"count"`
	}
	for b.Loop() {
		b.StopTimer()
		cfg := testenv.Config(b)
		conn := testenv.ClickHouseEmpty(b, cfg)
		ctx := context.Background()
		db := cfg.ClickHouse.Database
		for _, q := range []string{"CREATE DATABASE IF NOT EXISTS " + db,
			"CREATE TABLE " + db + ".floor (agency String, event_id String, type String, point_id String, occurred_at DateTime, count UInt32) ENGINE = MergeTree ORDER BY (point_id, occurred_at)"} {
			if err := conn.Exec(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		kc := publisher(b, cfg)
		topic := cfg.Kafka.TopicPrefix + ".floor"
		if err := kc.EnsureTopics(ctx, kclient.TopicSpec{Name: topic, Partitions: 1, ReplicationFactor: 1}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := kc.Reader(kafka.ReaderConfig{Topic: topic, Partition: 0, MaxBytes: 8 << 20, MaxWait: 50 * time.Millisecond})
			defer r.Close()
			for done := 0; done < len(recs); {
				batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".floor (agency, event_id, type, point_id, occurred_at, count)")
				if err != nil {
					b.Error(err)
					return
				}
				for n := 0; n < 50_000 && done < len(recs); n, done = n+1, done+1 {
					m, err := r.FetchMessage(ctx)
					if err != nil {
						b.Error(err)
						return
					}
					var x row
					if err := json.Unmarshal(m.Value, &x); err != nil {
						b.Error(err)
						return
					}
					if err := batch.Append(x.Agency, x.EventID, x.Type, x.PointID, x.OccurredAt, max(x.Count, 1)); err != nil {
						b.Error(err)
						return
					}
				}
				if err := batch.Send(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
		writeAll(b, kc, topic, recs)
		wg.Wait()
		b.ReportMetric(float64(len(recs))/time.Since(start).Seconds(), "events/s")
		var stored uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".floor").Scan(&stored); err != nil || stored != uint64(len(recs)) {
			b.Fatalf("the floor stored %d of %d rows (%v)", stored, len(recs), err)
		}
	}
}
