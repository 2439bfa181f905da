package clickhouse

import (
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/metrics"
)

// StatsRow is one stage's counters of one process at one time.
type StatsRow struct {
	TS       time.Time
	Instance string
	metrics.StageStats
}

// StatsTable writes <db>.pipeline_stats, which the pipeline-health dashboard reads, so it
// works from ClickHouse alone. Counters are cumulative per instance; rates are differences
// between snapshots.
type StatsTable struct{}

func (StatsTable) Name() string { return "pipeline_stats" }

func (StatsTable) Columns() []string {
	return []string{"ts", "stage", "instance", "records_in", "records_out", "records_dlq", "lag"}
}

func (StatsTable) AppendColumns(b driver.Batch, rows []StatsRow) error {
	for _, r := range rows {
		if err := b.Append(r.TS.UTC(), r.Stage, r.Instance, r.In, r.Out, r.DLQ, r.Lag); err != nil {
			return err
		}
	}
	return nil
}
