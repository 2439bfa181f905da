package clickhouse

import (
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/dlq"
)

// DLQTable writes the clear part of DLQ records (reason, path, source position; never the
// sealed bytes) to <db>.dlq_records, for the pipeline-health dashboard.
type DLQTable struct{}

func (DLQTable) Name() string { return "dlq_records" }

func (DLQTable) Columns() []string {
	return []string{"received_at", "agency", "stage", "reason", "path", "message", "source_topic", "source_partition", "source_offset"}
}

func (DLQTable) AppendColumns(b driver.Batch, rows []dlq.Record) error {
	n := len(rows)
	at := make([]time.Time, n)
	agency, stage, reason, path, msg, topic := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	part, off := make([]int32, n), make([]int64, n)
	for i := range rows {
		r := &rows[i]
		at[i], agency[i], stage[i], reason[i], path[i], msg[i], topic[i] = r.Time.UTC(), r.Agency, r.Stage, r.Reason.String(), r.Path, r.Message, r.Topic
		part[i], off[i] = int32(r.Partition), r.Offset
	}
	for i, col := range []any{at, agency, stage, reason, path, msg, topic, part, off} {
		if err := b.Column(i).Append(col); err != nil {
			return err
		}
	}
	return nil
}
