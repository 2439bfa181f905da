package dlq

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/schemas"
)

// Rejecter sends rows that ClickHouse refused for good to the DLQ with the server's message,
// so the sink goes on and nothing is dropped silently.
type Rejecter struct {
	Sealer   *Sealer
	Producer stream.Producer
	// Topic is the DLQ topic.
	Topic   string
	Metrics *metrics.Metrics
	Log     zerolog.Logger
}

// Reject is the batcher callback of one table.
func (r *Rejecter) Reject(table string) func(row any, err error) {
	return func(row any, cause error) {
		var b []byte
		if e, ok := row.(wire.CleanEvent); ok {
			e.Protection = 0 // the events table never holds them, nor does its DLQ copy
			b = e.AppendBinary(nil)
		} else {
			b, _ = json.Marshal(row)
		}
		src := RowSource(table, b)
		errs := schemas.Errors{{Path: table, Reason: schemas.SinkRejected, Message: fmt.Sprintf("ClickHouse refused the row: %v", cause)}}
		m, err := r.Sealer.Message(r.Topic, "store", "", src, errs, time.Now())
		if err == nil {
			err = r.Producer.WriteMessages(context.Background(), m)
		}
		if err != nil {
			r.Log.Error().Err(err).Str("table", table).Msg("cannot send a rejected row to the DLQ")
		}
		if r.Metrics != nil {
			r.Metrics.DLQ.WithLabelValues("store", "", schemas.SinkRejected.String()).Inc()
		}
	}
}

// RowSource is the position a rejected row is filed under: topic "clickhouse.<table>",
// partition -1, and as offset the first 63 bits of the row's SHA-256, so the same row
// refused twice (a retried batch, a replay) is one record of dlq_records, whose identity is
// the source position, and its sealed bytes are bound to that position like any other.
func RowSource(table string, row []byte) kafka.Message {
	sum := sha256.Sum256(row)
	off := int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
	return kafka.Message{Topic: "clickhouse." + table, Partition: -1, Offset: off, Value: row}
}
