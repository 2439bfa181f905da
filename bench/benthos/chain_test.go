// Package benthos runs, in a module of its own so that Vigía's go.mod stays clean, the chain
// of BenchmarkChain as Benthos core would: parse, deduplicate on agency and event_id, a keyed
// pseudonym (HMAC-SHA256) of the identity, an age band, the identifying fields removed, and
// the record serialized again, over the same records (bench/corpus). `make bench` prints its
// events per CPU-second beside Vigía's.
package benthos

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/vigia-observatory/vigia/bench/corpus"
)

// chainYAML is the equivalent chain, its two processors. Vigía's also validates every field against the contract
// and the points registry, keys a semantic and an alternate dedup key, assigns roles and
// windows the result; Benthos is given only the steps it has built in, which favours it.
var chainYAML = []string{`
dedupe:
  cache: seen
  key: '${! json("agency") }/${! json("event_id") }'
`, `
mapping: |
  root = this
  let key = "the benchmark's pseudonym key, 32"
  root.person.pseudonym = if this.person.document.number != null {
    (this.person.document.type + ":" + this.person.document.country + ":" + this.person.document.number).hash("hmac_sha256", $key).encode("base64url")
  }
  root.event_ref = (this.agency + "/" + this.event_id).hash("hmac_sha256", $key).encode("base64url")
  root.person.age_band = if this.person.age == null { deleted() } else if this.person.age < 12 { "0-11" } else if this.person.age < 18 { "12-17" } else if this.person.age < 30 { "18-29" } else if this.person.age < 60 { "30-59" } else { "60+" }
  root.person.age = deleted()
  root.person.given_names = deleted()
  root.person.family_names = deleted()
  root.person.document = deleted()
`}

// newStream builds the chain with a producer and a consumer function, one processing thread.
func newStream(b *testing.B, consume service.MessageBatchHandlerFunc) (*service.Stream, service.MessageBatchHandlerFunc) {
	sb := service.NewStreamBuilder()
	sb.SetThreads(1)
	for _, step := range []func() error{
		func() error { return sb.SetLoggerYAML("level: none") },
		func() error { return sb.SetMetricsYAML("none: {}") },
		func() error { return sb.AddCacheYAML("label: seen\nmemory:\n  default_ttl: 168h\n") },
		func() error { return sb.AddProcessorYAML(chainYAML[0]) },
		func() error { return sb.AddProcessorYAML(chainYAML[1]) },
		func() error { return sb.AddBatchConsumerFunc(consume) },
	} {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	produce, err := sb.AddBatchProducerFunc()
	if err != nil {
		b.Fatal(err)
	}
	stream, err := sb.Build()
	if err != nil {
		b.Fatal(err)
	}
	return stream, produce
}

// BenchmarkBenthosChain is one pass of the corpus through the chain; an op is a pass.
func BenchmarkBenthosChain(b *testing.B) {
	recs := corpus.Pass()
	var events, out int
	var elapsed time.Duration
	var cpu float64
	for b.Loop() {
		b.StopTimer()
		var serialized int
		stream, produce := newStream(b, func(_ context.Context, batch service.MessageBatch) error {
			for _, m := range batch {
				v, err := m.AsBytes()
				if err != nil {
					return err
				}
				serialized += len(v)
				out++
			}
			return nil
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- stream.Run(ctx) }()
		b.StartTimer()
		start, cpu0 := time.Now(), selfCPUSeconds()
		// Batches of 1,000, as a Kafka input would hand them; one message per call would
		// measure Benthos's transaction overhead rather than the chain.
		for i := 0; i < len(recs); i += 1000 {
			batch := make(service.MessageBatch, 0, 1000)
			for _, r := range recs[i:min(i+1000, len(recs))] {
				batch = append(batch, service.NewMessage(r))
			}
			if err := produce(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		elapsed += time.Since(start)
		cpu += selfCPUSeconds() - cpu0
		events += len(recs)
		b.StopTimer()
		if err := stream.Stop(context.Background()); err != nil && !strings.Contains(err.Error(), "context canceled") {
			b.Fatal(err)
		}
		cancel()
		<-done
		if serialized == 0 {
			b.Fatal("nothing came out of the chain")
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(events)/cpu, "events/cpu-s")
	b.ReportMetric(100*float64(events-out)/float64(events), "dropped-%")
}

func selfCPUSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
