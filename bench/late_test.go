package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/vigia-observatory/vigia/bench/corpus"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
)

// lateEvents is the size of the 7-day batch of BenchmarkLateBatch.
const lateEvents = 100_000

// BenchmarkLateBatch measures what records out of time order cost: the same 7-day batch of
// distinct records published once in time order and once shuffled (as an agency's export in
// file order), each into a fresh pipeline with the default 2-hour lateness, timed until every
// event is stored and the hourly windows hold every person. Shuffled, most records are too
// late for the stream and their windows are recounted from storage.
func BenchmarkLateBatch(b *testing.B) {
	ordered := corpus.Records(lateEvents)
	shuffled := slices.Clone(ordered)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var persons uint64
	for _, r := range ordered {
		var m struct {
			Count uint64 `json:"count"`
		}
		_ = json.Unmarshal(r, &m)
		persons += max(m.Count, 1)
	}
	for b.Loop() {
		for _, run := range []struct {
			unit string
			recs [][]byte
		}{{"ordered-events/s", ordered}, {"shuffled-events/s", shuffled}} {
			b.StopTimer()
			cfg := testenv.Config(b)
			conn := testenv.ClickHouse(b, cfg)
			ensureRaw(b, cfg)
			proc := startPipeline(b, cfg, "VIGIA_PIPELINE_ALLOWED_LATENESS=2h")
			time.Sleep(3 * time.Second) // let the consumer groups join before the clock starts
			b.StartTimer()
			start := time.Now()
			publish(b, cfg, run.recs)
			db := cfg.ClickHouse.Database
			testenv.Eventually(b, 10*time.Minute, func() error {
				var events, inWindows uint64
				if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".events FINAL").Scan(&events); err != nil {
					return err
				}
				if err := conn.QueryRow(context.Background(), "SELECT sum(persons) FROM "+db+".windows FINAL WHERE resolution = 'hour'").Scan(&inWindows); err != nil {
					return err
				}
				if events < lateEvents || inWindows < persons {
					return fmt.Errorf("still filling: %d of %d events stored, %d of %d persons in hourly windows", events, lateEvents, inWindows, persons)
				}
				return nil
			})
			b.ReportMetric(float64(lateEvents)/time.Since(start).Seconds(), run.unit)
			b.StopTimer()
			_ = proc.Process.Kill()
			_ = proc.Wait()
			b.StartTimer()
		}
	}
}
