package publish

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/lib/disclosure"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// BenchmarkPublishTurn is the cost of keeping the published layer up to date per window
// change: each iteration writes a new day of 2,000 distinct window rows (20 points x 100
// breakdowns, day and hour rows) and times one turn that republishes their point hours, point
// days and the countries' days, weeks and months. The insert of those windows, timed apart,
// is the baseline: publish-ns/window against insert-ns/window.
func BenchmarkPublishTurn(b *testing.B) {
	cfg := testenv.Config(b)
	conn := testenv.ClickHouse(b, cfg)
	db := cfg.ClickHouse.Database
	rule, _ := disclosure.New([]byte("the publish benchmark's key!!!!!"))
	st, err := New(Config{Store: chsink.Published{Conn: conn, Database: db}, Rule: &rule, Overlap: time.Nanosecond})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	h, err := st.Open(ctx, "", 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	p := h.(*partition)
	const points, breakdowns = 20, 50
	rows := 2 * points * breakdowns
	var insert, publish time.Duration
	day0 := time.Date(2025, 1, 1, 6, 0, 0, 0, time.UTC)
	clock := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		clock = clock.Add(time.Second)
		start := time.Now()
		batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".windows (resolution, window_start, point_id, point_country, type, role, nationality, sex, age_band, minor, unaccompanied, category, persons, events, version, computed_at)")
		if err != nil {
			b.Fatal(err)
		}
		day := day0.AddDate(0, 0, i)
		for pt := 0; pt < points; pt++ {
			for k := 0; k < breakdowns; k++ {
				n := uint64(1 + (i+pt+k)%40)
				for _, w := range []struct {
					res string
					at  time.Time
				}{{"day", day}, {"hour", day.Add(time.Duration(k%24) * time.Hour)}} {
					if err := batch.Append(w.res, w.at, fmt.Sprintf("p-%02d", pt), fmt.Sprintf("C%d", pt%4), "crossing", "transit",
						fmt.Sprintf("N%02d", k%25), "unknown", "", uint8(k%2), uint8(0), "single_adult", n, n, n, clock); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		if err := batch.Send(); err != nil {
			b.Fatal(err)
		}
		insert += time.Since(start)
		b.StartTimer()
		start = time.Now()
		if err := p.Turn(ctx, clock); err != nil {
			b.Fatal(err)
		}
		publish += time.Since(start)
	}
	b.ReportMetric(float64(publish.Nanoseconds())/float64(b.N*rows), "publish-ns/window")
	b.ReportMetric(float64(insert.Nanoseconds())/float64(b.N*rows), "insert-ns/window")
}
