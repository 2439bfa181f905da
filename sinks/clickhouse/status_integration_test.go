package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// Completeness on the real ClickHouse: a live agency and one that sends a month-old export;
// the point both report at is complete only up to the slower one.
func TestStatus(t *testing.T) {
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := runBatcher(t, conn, cfg, chsink.EventsTable{})

	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	ev := func(agency, id, point string, at time.Time, delay time.Duration) wire.CleanEvent {
		return wire.CleanEvent{Agency: agency, EventID: id, SchemaVersion: 1, Type: schemas.Crossing, PointID: point,
			PointCountry: "HND", Role: schemas.Transit, Count: 1, OccurredAt: at.Unix(), IngestedAt: at.Add(delay).Unix()}
	}
	rows := []wire.CleanEvent{
		// Live: minutes after the event, newest at noon of the 10th.
		ev("hn-inm", "a", "hnd-agua-caliente", now.Add(-time.Hour), 5*time.Minute),
		ev("hn-inm", "b", "hnd-agua-caliente", now, 5*time.Minute),
		ev("hn-inm", "c", "hnd-corinto", now, 5*time.Minute),
		// A month-old export published on the 10th: newest event the 8th at 06:00 UTC.
		ev("gt-igm", "x", "hnd-agua-caliente", now.AddDate(0, 0, -30), 30*24*time.Hour),
		ev("gt-igm", "y", "hnd-agua-caliente", now.AddDate(0, 0, -2).Add(-6*time.Hour), 2*24*time.Hour+6*time.Hour),
	}
	if err := b.Store(ctx, rows); err != nil {
		t.Fatal(err)
	}
	agencies, points, err := chsink.Status(ctx, conn, cfg.ClickHouse.Database, 2*time.Hour+10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(agencies) != 2 || agencies[0].Agency != "gt-igm" || agencies[1].Agency != "hn-inm" {
		t.Fatalf("agencies %+v", agencies)
	}
	gt, hn := agencies[0], agencies[1]
	if !gt.Newest.Equal(now.AddDate(0, 0, -2).Add(-6*time.Hour)) || gt.Records != 2 || gt.Late != 2 || gt.LateMax != 30*24*time.Hour {
		t.Errorf("gt-igm %+v", gt)
	}
	if !hn.Newest.Equal(now) || hn.Records != 3 || hn.Late != 0 || hn.LateMedian != 0 {
		t.Errorf("hn-inm %+v", hn)
	}
	want := map[string]time.Time{"hnd-agua-caliente": gt.Newest, "hnd-corinto": now}
	if len(points) != 2 {
		t.Fatalf("points %+v", points)
	}
	for _, p := range points {
		if !p.CompleteUpTo.Equal(want[p.PointID]) {
			t.Errorf("%s complete up to %s, want %s (agencies %v)", p.PointID, p.CompleteUpTo, want[p.PointID], p.Agencies)
		}
	}
}
