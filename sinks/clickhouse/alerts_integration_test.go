package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/processors/surge"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// An alert's lifecycle lands in the alerts table on the real ClickHouse, and its latest
// version (what a restart restores) reads back whole.
func TestAlertsTable(t *testing.T) {
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := chsink.DetectServer(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	b, err := chsink.NewBatcher[chsink.AlertRow](conn, chsink.AlertsTable{}, chsink.BatcherConfig{
		Database: cfg.ClickHouse.Database, Server: srv, Log: zerolog.Nop(),
		Reject: func(row any, err error) { t.Errorf("row rejected: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	bctx, stop := context.WithCancel(context.Background())
	go b.Run(bctx)
	defer stop()

	tr := surge.NewTracker(1)
	k := surge.SeriesKey{Resolution: surge.Daily, PointID: "pan-lajas-blancas", Country: "PAN", Type: "crossing", Role: "transit", Population: "all"}
	d0 := time.Date(2023, 8, 14, 5, 0, 0, 0, time.UTC)
	var rows []chsink.AlertRow
	for i, v := range []surge.Verdict{
		{Period: surge.Period{Observed: 300, Expected: 100, Upper: 160}, Severity: surge.SeverityWarning},
		{Period: surge.Period{Observed: 450, Expected: 100, Upper: 160}, Severity: surge.SeverityAlert},
		{Period: surge.Period{Observed: 90, Expected: 100, Upper: 160}, Severity: surge.SeverityNone},
	} {
		if c := tr.Observe(k, d0.AddDate(0, 0, i), v); c != nil {
			rows = append(rows, chsink.AlertRow{Alert: *c, Method: "C2", ChangedAt: d0.AddDate(0, 0, i+1)})
		}
	}
	if len(rows) != 3 {
		t.Fatalf("%d lifecycle changes, want opened, updated, resolved", len(rows))
	}
	tk, err := b.Submit(ctx, rows, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	var state, severity string
	var version uint32
	var peak float64
	err = conn.QueryRow(ctx, "SELECT argMax(toString(state), version), argMax(toString(severity), version), max(version), max(peak) FROM "+
		cfg.ClickHouse.Database+".alerts WHERE alert_id = ?", rows[0].ID).Scan(&state, &severity, &version, &peak)
	if err != nil {
		t.Fatal(err)
	}
	if state != "resolved" || severity != "alert" || version != 3 || peak != 450 {
		t.Fatalf("latest: %s %s v%d peak %v", state, severity, version, peak)
	}
}
