package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/sinks/notifier"
)

// alertZone is the UTC-6 of Honduras, Guatemala, El Salvador, Nicaragua and Costa Rica.
var alertZone = time.FixedZone("UTC-6", -6*3600)

// BenchmarkAlertLatency measures, at the default settings with the pipeline running, the
// time from the close of the window that shows a surge to the ministry's webhook receiving
// the alert: 35 quiet days are loaded at one point per vigia.clean partition, then three
// surge days (a week apart, at three points) are published; each is closed by one record per partition just
// after the local midnight (the watermark passes the day's end), and the clock runs from
// that publish to the signed webhook request for that day's alert.
func BenchmarkAlertLatency(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		cfg, conn := rig(b)
		hook := &alertHook{at: map[string]time.Time{}}
		srv := httptest.NewServer(hook)
		routes := filepath.Join(b.TempDir(), "routes.yaml")
		// The run compresses weeks into seconds; the route's flood guard (10 a minute by
		// default) would measure itself, so this route allows 600.
		_ = os.WriteFile(routes, []byte("routes:\n  - name: bench\n    per_minute: 600\n    webhook: {url: \""+srv.URL+"\", secret_env: VIGIA_BENCH_HOOK}\n"), 0o600)
		proc := startPipeline(b, cfg, "VIGIA_SURGE_ROUTES_FILE="+routes, "VIGIA_BENCH_HOOK=bench-secret")
		points := onePointPerPartition(cfg.Kafka.Partitions)
		day0 := time.Date(2025, 3, 3, 0, 0, 0, 0, alertZone)
		var recs []kafka.Message
		for d := range 35 {
			recs = append(recs, alertDay(points, day0, d, -1)...)
		}
		send(b, cfg, recs)
		waitDays(b, conn, cfg, day0.AddDate(0, 0, 34), len(points))
		var lat []time.Duration
		for k := range 3 {
			d := 35 + 7*k
			send(b, cfg, alertDay(points, day0, d, k))                 // a different point each time: a surge widens its own baseline
			waitDays(b, conn, cfg, day0.AddDate(0, 0, d), len(points)) // the day's records are in, the day still open
			closing := alertClose(points, day0, d+1)
			b.StartTimer()
			start := time.Now()
			send(b, cfg, closing)
			got := hook.wait(b, day0.AddDate(0, 0, d).UTC(), 2*time.Minute)
			b.StopTimer()
			lat = append(lat, got.Sub(start))
			if os.Getenv("VIGIA_BENCH_VERBOSE") != "" {
				b.Logf("surge %d: alert after %v", k, got.Sub(start))
			}
			for q := d + 1; q < d+7; q++ { // quiet days resolve the alert before the next surge
				send(b, cfg, alertDay(points, day0, q, -1))
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "alert-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "alert-max-ms")
		_ = proc.Process.Signal(os.Interrupt)
		_ = proc.Wait()
		srv.Close()
		b.StartTimer()
	}
}

// onePointPerPartition picks registry points in UTC-6, one per clean partition (the clean
// topic is keyed by point), so closing records move every partition's watermark.
func onePointPerPartition(n int) []string {
	candidates := []string{"hnd-agua-caliente", "hnd-el-florido", "hnd-corinto", "hnd-el-amatillo", "hnd-el-poy", "hnd-las-manos",
		"hnd-guasaule", "gtm-tecun-uman", "gtm-el-carmen", "gtm-pedro-de-alvarado", "slv-la-hachadura", "slv-el-amatillo",
		"nic-penas-blancas", "nic-el-guasaule", "nic-las-manos", "cri-penas-blancas", "cri-paso-canoas"}
	out := make([]string, n)
	for _, p := range candidates {
		if i := stream.PartitionOf([]byte(p), n); out[i] == "" {
			out[i] = p
		}
	}
	for i, p := range out {
		if p == "" {
			panic(fmt.Sprintf("no UTC-6 point for clean partition %d", i))
		}
	}
	return out
}

// alertDay is one day of aggregate records at every point (point surge, if not -1, at six
// times its usual flow), at 02:00, 08:00, 14:00 and 20:00 local time.
func alertDay(points []string, day0 time.Time, d int, surge int) []kafka.Message {
	var out []kafka.Message
	for i, p := range points {
		n := 40 + 5*i + (d*7+i)%9 // a little variation, the same in every run
		if i == surge {
			n *= 6
		}
		for h := range 4 {
			at := day0.AddDate(0, 0, d).Add(time.Duration(2+6*h) * time.Hour)
			out = append(out, alertRecord(fmt.Sprintf("d%d-%s-%d", d, p, h), p, at, n))
		}
	}
	return out
}

// alertClose is one record per point 30 minutes into day d: every partition's watermark
// passes the end of day d-1.
func alertClose(points []string, day0 time.Time, d int) []kafka.Message {
	var out []kafka.Message
	for _, p := range points {
		out = append(out, alertRecord(fmt.Sprintf("close%d-%s", d, p), p, day0.AddDate(0, 0, d).Add(30*time.Minute), 1))
	}
	return out
}

func alertRecord(id, point string, at time.Time, n int) kafka.Message {
	b, _ := json.Marshal(map[string]any{"schema_version": 1, "event_id": id, "agency": "hn-inm", "type": "detention",
		"occurred_at": at.Format(time.RFC3339), "point_id": point, "count": n, "person": map[string]any{"nationality": "HND"}})
	return kafka.Message{Value: b}
}

func send(b *testing.B, cfg config.Config, msgs []kafka.Message) {
	w := publisher(b, cfg).Writer(kclient.WriterConfig{Topic: topics.Names{Prefix: cfg.Kafka.TopicPrefix}.Raw("hn-inm"), BatchTimeout: time.Millisecond})
	defer w.Close()
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		b.Fatal(err)
	}
}

// waitDays waits until every point's daily window of day is stored (open windows are
// written as they fill), then a second for the detector to finish what they settled.
func waitDays(b *testing.B, conn driver.Conn, cfg config.Config, day time.Time, points int) {
	q := "SELECT uniqExact(point_id) FROM " + cfg.ClickHouse.Database + ".windows WHERE resolution = 'day' AND window_start = ?"
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var n uint64
		if err := conn.QueryRow(context.Background(), q, day.UTC()).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if int(n) >= points {
			time.Sleep(time.Second)
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("day %s: %d of %d points stored after 2 minutes", day.Format(time.DateOnly), n, points)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// alertHook is the ministry's webhook: it records when each alert for a period arrived.
type alertHook struct {
	mu sync.Mutex
	at map[string]time.Time // period start (RFC 3339) -> first signed delivery
}

func (h *alertHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, _ := io.ReadAll(r.Body)
	if notifier.VerifySignature([]byte("bench-secret"), r, body, time.Minute, now) != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m notifier.Message
	_ = json.Unmarshal(body, &m)
	h.mu.Lock()
	if _, ok := h.at[m.PeriodStart.Format(time.RFC3339)]; !ok && m.State == "opened" {
		h.at[m.PeriodStart.Format(time.RFC3339)] = now
	}
	h.mu.Unlock()
}

func (h *alertHook) wait(b *testing.B, period time.Time, timeout time.Duration) time.Time {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		t, ok := h.at[period.Format(time.RFC3339)]
		h.mu.Unlock()
		if ok {
			return t
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("no alert for %s within %s", period.Format(time.RFC3339), timeout)
	return time.Time{}
}
