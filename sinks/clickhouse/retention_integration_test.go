package clickhouse_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// Row-level data older than the retention goes, month by month; what is newer, and every
// aggregate, stays.
func TestRetention(t *testing.T) {
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := cfg.ClickHouse.Database
	b := runBatcher(t, conn, cfg, chsink.EventsTable{})
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ev := func(id string, at time.Time) wire.CleanEvent {
		return wire.CleanEvent{Agency: "hn-inm", EventID: id, SchemaVersion: 1, Type: schemas.Crossing, PointID: "hnd-corinto",
			PointCountry: "HND", Role: schemas.Transit, Count: 1, OccurredAt: at.Unix(), IngestedAt: at.Unix()}
	}
	if err := b.Store(ctx, []wire.CleanEvent{
		ev("old-1", time.Date(2025, 9, 3, 10, 0, 0, 0, time.UTC)),
		ev("old-2", time.Date(2025, 10, 30, 10, 0, 0, 0, time.UTC)),
		ev("kept-1", time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)),
		ev("kept-2", now.Add(-time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
	insert := func(q string, rows ...[]any) {
		t.Helper()
		batch, err := conn.PrepareBatch(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := batch.Append(r...); err != nil {
				t.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			t.Fatal(err)
		}
	}
	insert("INSERT INTO "+db+".dlq_records (received_at, agency, reason, source_offset)",
		[]any{time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC), "hn-inm", "bad_json", int64(1)}, []any{now, "hn-inm", "bad_json", int64(2)})
	insert("INSERT INTO "+db+".windows (resolution, window_start, point_id, persons)",
		[]any{"day", time.Date(2025, 9, 3, 6, 0, 0, 0, time.UTC), "hnd-corinto", uint64(1)})

	cutoff := chsink.RowCutoff(now, 13)
	if !cutoff.Equal(time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("cutoff %s, want 2025-11-01 (13 whole months before December 2026)", cutoff)
	}
	e, err := chsink.ExpiredRows(ctx, conn, db, "", cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.EventMonths, []string{"202509", "202510"}) || e.EventRows != 2 || e.DLQRows != 1 {
		t.Fatalf("expired %+v, want months 202509 and 202510 (2 events) and 1 DLQ row", e)
	}
	if err := chsink.DropExpired(ctx, conn, db, "", cutoff, e); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() error { // the DLQ delete is a mutation
		after, err := chsink.ExpiredRows(ctx, conn, db, "", cutoff)
		if err != nil || len(after.EventMonths) > 0 || after.DLQRows > 0 {
			return fmt.Errorf("after the drop: %+v %v", after, err)
		}
		return nil
	})
	var events, dlq, windows uint64
	_ = conn.QueryRow(ctx, "SELECT count() FROM "+db+".events").Scan(&events)
	_ = conn.QueryRow(ctx, "SELECT count() FROM "+db+".dlq_records").Scan(&dlq)
	_ = conn.QueryRow(ctx, "SELECT count() FROM "+db+".windows").Scan(&windows)
	if events != 2 || dlq != 1 || windows != 1 {
		t.Errorf("kept %d events, %d DLQ rows, %d windows; want 2, 1 and 1", events, dlq, windows)
	}
}
