package bench

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/bench/corpus"
	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// rateSeconds is how long one fixed-rate run publishes.
const rateSeconds = 20

// BenchmarkLatencyFixedRate publishes at a steady rate, as agencies do, instead of as fast as
// one producer can: publish-to-queryable latency at saturation measures the backlog, not the
// pipeline. Probes are sent every 50ms during the run (see probes); each rate is a sub-run.
func BenchmarkLatencyFixedRate(b *testing.B) {
	for _, rate := range []int{5_000, 10_000} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) { fixedRate(b, rate) })
	}
}

func fixedRate(b *testing.B, rate int) {
	recs := corpus.Records(rate * rateSeconds)
	for b.Loop() {
		b.StopTimer()
		cfg, conn := rig(b)
		proc := startPipeline(b, cfg)
		time.Sleep(3 * time.Second) // let the consumer groups join before the clock starts
		b.StartTimer()
		probes := newProbes()
		stopProbes := probes.run(b, cfg, conn)
		late := publishAtRate(b, cfg, recs, rate)
		stopProbes()
		b.StopTimer()
		_ = proc.Process.Signal(os.Interrupt)
		_ = proc.Wait()
		p50, p99 := probes.percentiles()
		b.ReportMetric(p50.Seconds()*1000, "p50-ms")
		b.ReportMetric(p99.Seconds()*1000, "p99-ms")
		// How far the publisher fell behind its schedule: near zero, or the rate was not held.
		b.ReportMetric(late.Seconds()*1000, "publisher-behind-ms")
		b.StartTimer()
	}
}

// publishAtRate sends recs at rate records a second, a batch every 100ms (a synchronous
// produce takes a few ms, so smaller steps fall behind), and returns how far
// behind its schedule the last batch went out.
func publishAtRate(b *testing.B, cfg config.Config, recs [][]byte, rate int) time.Duration {
	w := publisher(b, cfg).Writer(kclient.WriterConfig{Topic: topics.Names{Prefix: cfg.Kafka.TopicPrefix}.Raw("hn-inm"), BatchTimeout: time.Millisecond})
	defer w.Close()
	per := rate / 10
	start := time.Now()
	var behind time.Duration
	for i := 0; i < len(recs); i += per {
		due := start.Add(time.Duration(i/per) * 100 * time.Millisecond)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		behind = max(0, time.Since(due))
		msgs := make([]kafka.Message, 0, per)
		for _, v := range recs[i:min(i+per, len(recs))] {
			msgs = append(msgs, kafka.Message{Value: v})
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			b.Fatal(err)
		}
	}
	return behind
}
