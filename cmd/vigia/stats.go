package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// reportStats snapshots this process's counters per stage into <db>.pipeline_stats every
// interval (pipeline.stats_interval) until ctx ends, so the pipeline-health dashboard works from ClickHouse alone.
// Counters are cumulative per instance; rates are differences between snapshots.
func reportStats(ctx context.Context, conn driver.Conn, db string, reg prometheus.Gatherer, stages []string, interval time.Duration) {
	host, _ := os.Hostname()
	instance := fmt.Sprintf("%s-%d", host, os.Getpid())
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rows := snapshot(reg, stages)
		b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".pipeline_stats (ts, stage, instance, records_in, records_out, records_dlq, lag)")
		if err != nil {
			continue // ClickHouse away: the next snapshot carries the totals anyway
		}
		now := time.Now().UTC()
		for _, r := range rows {
			_ = b.Append(now, r.stage, instance, r.in, r.out, r.dlq, r.lag)
		}
		_ = b.Send()
	}
}

type stageStats struct {
	stage        string
	in, out, dlq uint64
	lag          int64
}

func snapshot(reg prometheus.Gatherer, stages []string) []stageStats {
	by := map[string]*stageStats{}
	for _, s := range stages {
		by[s] = &stageStats{stage: s}
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			s := by[label(m, "stage")]
			if s == nil {
				continue
			}
			switch mf.GetName() {
			case "vigia_records_in_total":
				s.in += uint64(m.GetCounter().GetValue())
			case "vigia_records_out_total":
				if label(m, "output") == "dlq" {
					s.dlq += uint64(m.GetCounter().GetValue())
				} else {
					s.out += uint64(m.GetCounter().GetValue())
				}
			case "vigia_consumer_lag":
				s.lag += int64(m.GetGauge().GetValue())
			}
		}
	}
	out := make([]stageStats, 0, len(stages))
	for _, st := range stages {
		out = append(out, *by[st])
	}
	return out
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
