package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestSnapshotSumsPerStage(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := New(reg)
	m.In.WithLabelValues("ingest", "vigia.raw.a").Add(10)
	m.In.WithLabelValues("ingest", "vigia.raw.b").Add(5)
	m.Out.WithLabelValues("ingest", "anon").Add(12)
	m.Out.WithLabelValues("ingest", "dlq").Add(3)
	m.Lag.WithLabelValues("ingest", "vigia.raw.a", "0").Set(7)
	m.Out.WithLabelValues("store", "events").Add(12)
	got := m.Snapshot([]string{"ingest", "store"})
	want := []StageStats{{"ingest", 15, 12, 3, 7}, {"store", 0, 12, 0, 0}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
