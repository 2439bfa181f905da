package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// An alert's lifecycle lands in the alerts table on the real ClickHouse, and its latest
// version (what a restart restores) reads back whole.
func TestAlertsTable(t *testing.T) {
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := runBatcher(t, conn, cfg, chsink.AlertsTable{})

	tr := surge.NewTracker(1)
	k := surge.SeriesKey{Resolution: surge.Daily, PointID: "pan-lajas-blancas", Country: "PAN", Type: "crossing", Role: "transit", Population: "all"}
	d0 := time.Date(2023, 8, 14, 5, 0, 0, 0, time.UTC)
	var rows []schemas.AlertChange
	row := func(c *surge.Alert, at time.Time) schemas.AlertChange {
		k := c.Series
		return schemas.AlertChange{AlertID: c.ID, Version: c.Version, State: string(c.State), Severity: c.Severity.String(), Method: "C2",
			Series: k.String(), PointID: k.PointID, Country: k.Country, Type: k.Type, Role: k.Role, Population: k.Population,
			Resolution: string(k.Resolution), PeriodStart: c.PeriodStart, OpenedAt: c.OpenedAt, ChangedAt: at,
			Observed: c.Observed, Expected: c.Expected, Upper: c.Upper, Factor: c.Factor(), Peak: c.Peak,
			DetectedLate: c.Late, Reason: c.Reason}
	}
	for i, v := range []surge.Verdict{
		{Period: surge.Period{Observed: 300, Expected: 100, Upper: 160, Alarm: true}, Severity: surge.SeverityWarning},
		{Period: surge.Period{Observed: 450, Expected: 100, Upper: 160, Alarm: true}, Severity: surge.SeverityAlert},
		{Period: surge.Period{Observed: 90, Expected: 100, Upper: 160}, Severity: surge.SeverityNone},
	} {
		if c := tr.Observe(k, d0.AddDate(0, 0, i), v); c != nil {
			rows = append(rows, row(c, d0.AddDate(0, 0, i+1)))
		}
	}
	if len(rows) != 3 {
		t.Fatalf("%d lifecycle changes, want opened, updated, resolved", len(rows))
	}
	// A second series opens and stays open: it is what a restart must restore.
	k2 := k
	k2.PointID, k2.Population = "", "minors"
	open := tr.Observe(k2, d0, surge.Verdict{Period: surge.Period{Observed: 80, Expected: 20, Upper: 40, Alarm: true}, Severity: surge.SeverityWarning})
	rows = append(rows, row(open, d0.AddDate(0, 0, 1)))
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
		cfg.ClickHouse.Database+".alerts WHERE alert_id = ?", rows[0].AlertID).Scan(&state, &severity, &version, &peak)
	if err != nil {
		t.Fatal(err)
	}
	if state != "resolved" || severity != "alert" || version != 3 || peak != 450 {
		t.Fatalf("latest: %s %s v%d peak %v", state, severity, version, peak)
	}
	restored, err := chsink.OpenAlerts(ctx, conn, cfg.ClickHouse.Database)
	if err != nil {
		t.Fatal(err)
	}
	if len(restored) != 1 {
		t.Fatalf("restored %d alerts, want the one still open: %+v", len(restored), restored)
	}
	got := restored[0]
	if got.ID != open.ID || got.Series != k2 || got.Version != 1 || got.State != surge.Opened || got.Severity != surge.SeverityWarning ||
		!got.PeriodStart.Equal(d0) || got.Observed != 80 || got.Peak != 80 {
		t.Fatalf("restored %+v, want %+v", got, *open)
	}
	// A revision compares with the alerts of its span: the resolved one (it resolved after
	// since) and the open one; the reason of a resolution reads back.
	revisable, err := chsink.RevisableAlerts(ctx, conn, cfg.ClickHouse.Database, surge.Daily, d0.AddDate(0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(revisable) != 2 {
		t.Fatalf("revisable %+v, want the resolved alert and the open one", revisable)
	}
	for _, a := range revisable {
		if a.ID == rows[0].AlertID && (a.Reason != surge.ReasonQuiet || a.State != surge.Resolved) {
			t.Errorf("resolved alert reads back as %+v", a)
		}
	}
	if later, err := chsink.RevisableAlerts(ctx, conn, cfg.ClickHouse.Database, surge.Daily, d0.AddDate(0, 0, 5)); err != nil || len(later) != 1 || later[0].ID != open.ID {
		t.Fatalf("revisable after the resolution: %+v, %v; want the open alert only", later, err)
	}
	// A change decided on revised data keeps its mark.
	late := rows[2]
	late.Version, late.Reason, late.DetectedLate = 4, surge.ReasonRevised, true
	if tk, err = b.Submit(ctx, []schemas.AlertChange{late}, "test"); err == nil {
		err = tk.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	var lateFlag uint8
	var reason string
	if err := conn.QueryRow(ctx, "SELECT detected_late, reason FROM "+cfg.ClickHouse.Database+".alerts WHERE alert_id = ? AND version = 4",
		late.AlertID).Scan(&lateFlag, &reason); err != nil || lateFlag != 1 || reason != "revised" {
		t.Fatalf("late change reads back %d %q: %v", lateFlag, reason, err)
	}
}
