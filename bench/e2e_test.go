package bench

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"github.com/vigia-observatory/vigia/bench/corpus"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/access"
	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/lib/anonymize"
)

// e2eEvents is the size of one sustained run.
const e2eEvents = 200_000

// BenchmarkEndToEnd publishes e2eEvents records as fast as one producer can into a running
// `vigia run` (all stages, one process) and measures sustained events/s until every event is
// queryable in ClickHouse, and the publish-to-queryable latency of probe events sent every
// 50ms during the load (p50, p99; polled every 50ms, so figures are within 50ms).
//
// It runs on the secured broker of `make services` (SASL_SSL, SCRAM-SHA-512, ACLs), as
// production does, and, when `make bench` has started one (scripts/plain-kafka.sh,
// VIGIA_BENCH_PLAIN_BROKERS), on a plaintext broker right after, so the cost of TLS and SCRAM
// is stated beside it; runs of the two alternate, so neither broker is warmer.
func BenchmarkEndToEnd(b *testing.B) {
	b.Run("broker=sasl_ssl", func(b *testing.B) { endToEnd(b, "") })
	if plain := os.Getenv("VIGIA_BENCH_PLAIN_BROKERS"); plain != "" {
		b.Run("broker=plaintext", func(b *testing.B) { endToEnd(b, plain) })
	}
}

func endToEnd(b *testing.B, plainBrokers string) {
	recs := corpus.Records(e2eEvents)
	for b.Loop() {
		b.StopTimer()
		cfg := testenv.Config(b)
		cfg.Kafka.Partitions = 6
		var env []string
		if plainBrokers != "" {
			cfg, env = plaintext(b, cfg, plainBrokers)
		}
		conn := testenv.ClickHouse(b, cfg)
		ensureRaw(b, cfg)
		proc := startPipeline(b, cfg, env...)
		time.Sleep(3 * time.Second) // let the consumer groups join before the clock starts
		b.StartTimer()

		cpu0 := [4]float64{cpuSeconds(bin), cpuSeconds("kafka.Kafka"), cpuSeconds("clickhouse-server"), selfCPUSeconds()}
		start := time.Now()
		probes := newProbes()
		stopProbes := probes.run(b, cfg, conn)
		publish(b, cfg, recs)
		published := time.Since(start)
		count := "SELECT count() FROM " + cfg.ClickHouse.Database + ".events WHERE type = 'crossing'" // the probes are detentions
		for {
			var n uint64
			if err := conn.QueryRow(context.Background(), count).Scan(&n); err != nil {
				b.Fatal(err)
			}
			if n >= e2eEvents {
				break
			}
			if time.Since(start) > 5*time.Minute {
				b.Fatalf("only %d of %d events queryable after 5 minutes", n, e2eEvents)
			}
			time.Sleep(250 * time.Millisecond)
		}
		elapsed := time.Since(start)
		if os.Getenv("VIGIA_BENCH_VERBOSE") != "" {
			b.Logf("published in %v, all queryable after %v", published, elapsed)
		}
		cpu1 := [4]float64{cpuSeconds(bin), cpuSeconds("kafka.Kafka"), cpuSeconds("clickhouse-server"), selfCPUSeconds()}
		stopProbes()
		b.StopTimer()
		_ = proc.Process.Signal(os.Interrupt)
		_ = proc.Wait()
		p50, p99 := probes.percentiles()
		b.ReportMetric(float64(e2eEvents)/elapsed.Seconds(), "events/s")
		b.ReportMetric(p50.Seconds()*1000, "p50-ms")
		b.ReportMetric(p99.Seconds()*1000, "p99-ms")
		// Where the two cores went during the run, in CPU-seconds.
		b.ReportMetric(cpu1[0]-cpu0[0], "vigia-cpu-s")
		b.ReportMetric(cpu1[1]-cpu0[1], "kafka-cpu-s")
		b.ReportMetric(cpu1[2]-cpu0[2], "clickhouse-cpu-s")
		b.ReportMetric(cpu1[3]-cpu0[3], "publisher-cpu-s")
		b.ReportMetric(elapsed.Seconds()*float64(runtime.NumCPU()), "machine-cpu-s")
		b.StartTimer()
	}
}

// BenchmarkBaselineKafkaRoundTrip moves the same records through the same broker with no
// processing (one producer, one consumer): the ceiling the pipeline is compared with.
func BenchmarkBaselineKafkaRoundTrip(b *testing.B) {
	recs := corpus.Records(e2eEvents)
	for b.Loop() {
		b.StopTimer()
		cfg := testenv.Config(b)
		kc := publisher(b, cfg)
		topic := cfg.Kafka.TopicPrefix + ".baseline"
		ctx := context.Background()
		if err := kc.EnsureTopics(ctx, kclient.TopicSpec{Name: topic, Partitions: 1, ReplicationFactor: 1}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := kc.Reader(kafka.ReaderConfig{Topic: topic, Partition: 0, MaxBytes: 8 << 20, MaxWait: 50 * time.Millisecond})
			defer r.Close()
			for i := 0; i < len(recs); i++ {
				if _, err := r.FetchMessage(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		}()
		writeAll(b, kc, topic, recs)
		wg.Wait()
		b.ReportMetric(float64(len(recs))/time.Since(start).Seconds(), "events/s")
	}
}

// writeAll publishes recs to topic in batches of 10,000, as fast as one producer can.
func writeAll(b *testing.B, kc *kclient.Client, topic string, recs [][]byte) {
	w := kc.Writer(kclient.WriterConfig{Topic: topic, BatchSize: 10000, BatchBytes: 16 << 20})
	defer w.Close()
	for i := 0; i < len(recs); i += 10000 {
		msgs := make([]kafka.Message, 0, 10000)
		for _, v := range recs[i:min(i+10000, len(recs))] {
			msgs = append(msgs, kafka.Message{Value: v})
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			b.Fatal(err)
		}
	}
}

// ensureRaw registers the benchmark's agency (registry and raw topic), so ingest consumes it.
func ensureRaw(b *testing.B, cfg config.Config) { testenv.Enroll(b, cfg, "hn-inm") }

// rig is a benchmark run's own topics (six partitions) and database, its agency enrolled.
func rig(b *testing.B) (config.Config, driver.Conn) {
	cfg := testenv.Config(b)
	cfg.Kafka.Partitions = 6
	conn := testenv.ClickHouse(b, cfg)
	ensureRaw(b, cfg)
	return cfg, conn
}

// plaintext points cfg at the plaintext benchmark broker, with the pipeline's topics and the
// registry made there, and returns the environment the pipeline process needs for it.
func plaintext(b *testing.B, cfg config.Config, brokers string) (config.Config, []string) {
	cfg.Kafka.Brokers = strings.Split(brokers, ",")
	cfg.Kafka.SASLMechanism, cfg.Kafka.SASLUsername, cfg.Kafka.SASLPassword, cfg.Kafka.TLS = "none", "", "", false
	cfg.Kafka.Admin = kclient.SASL{}
	kc := testenv.Kafka(b, cfg)
	a := access.Admin{Kafka: kc, Layout: topics.Layout{Names: topics.Names{Prefix: cfg.Kafka.TopicPrefix}, Partitions: 6, ReplicationFactor: 1}}
	if err := a.Setup(context.Background(), ""); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = kc.DeleteTopicsWithPrefix(context.Background(), cfg.Kafka.TopicPrefix) })
	return cfg, []string{"VIGIA_KAFKA_SASL_MECHANISM=none", "VIGIA_KAFKA_TLS=false"}
}

// publish sends recs to the benchmark agency's raw topic as an agency's publisher would (lz4).
func publish(b *testing.B, cfg config.Config, recs [][]byte) {
	writeAll(b, publisher(b, cfg), topics.Names{Prefix: cfg.Kafka.TopicPrefix}.Raw("hn-inm"), recs)
}

var buildOnce sync.Once
var bin string

func startPipeline(b *testing.B, cfg config.Config, env ...string) *exec.Cmd {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigia-bench")
		if err != nil {
			b.Fatal(err)
		}
		bin = filepath.Join(dir, "vigia")
		if out, err := exec.Command("go", "build", "-o", bin, "../cmd/vigia").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	})
	key := func(x byte) string { s := sha256.Sum256([]byte{x}); return base64.StdEncoding.EncodeToString(s[:]) } // accepted keys: not one repeated byte
	cmd := exec.Command(bin, "run")
	cmd.Env = append(os.Environ(),
		"VIGIA_KAFKA_BROKERS="+strings.Join(cfg.Kafka.Brokers, ","), "VIGIA_KAFKA_TOPIC_PREFIX="+cfg.Kafka.TopicPrefix,
		"VIGIA_KAFKA_PARTITIONS=6", "VIGIA_CLICKHOUSE_ADDR="+strings.Join(cfg.ClickHouse.Addr, ","),
		"VIGIA_CLICKHOUSE_DATABASE="+cfg.ClickHouse.Database, "VIGIA_LOG_LEVEL=warn",
		"VIGIA_METRICS_LISTEN="+os.Getenv("VIGIA_BENCH_METRICS"), "VIGIA_METRICS_PPROF=true",
		"VIGIA_PIPELINE_ALLOWED_LATENESS=720h", "VIGIA_KAFKA_COMPRESSION="+envOr("VIGIA_BENCH_COMPRESSION", "none"), "VIGIA_PSEUDONYM_KEYS=p:"+key(1), "VIGIA_DLQ_KEYS=d:"+key(2), "VIGIA_ALERT_KEYS=a:"+key(3), "VIGIA_EVENT_KEYS=e:"+base64.StdEncoding.EncodeToString(benchEventKey))
	cmd.Env = append(cmd.Env, env...)
	// The pipeline's log would interleave with the benchmark lines the report parses.
	cmd.Stderr = io.Discard
	if os.Getenv("VIGIA_BENCH_VERBOSE") != "" {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// benchEventKey keys the event-id references (VIGIA_EVENT_KEYS), so the probes can find
// their records by the reference ingest stores.
var benchEventKey = []byte("the benchmark's event-id key, 32")

// probes measures publish-to-queryable latency with marked events sent during the load.
type probes struct {
	mu   sync.Mutex
	sent map[string]time.Time
	lat  []time.Duration
}

func newProbes() *probes { return &probes{sent: map[string]time.Time{}} }

// run sends a probe every 50ms and polls ClickHouse every 50ms; the returned stop waits (up to
// 30s) for the probes already sent to become queryable.
func (p *probes) run(b *testing.B, cfg config.Config, conn driver.Conn) (stop func()) {
	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	w := publisher(b, cfg).Writer(kclient.WriterConfig{Topic: names.Raw("hn-inm"), BatchTimeout: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sender
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			id := "probe-" + strconv.Itoa(i)
			rec := fmt.Sprintf(`{"schema_version":1,"event_id":%q,"agency":"hn-inm","type":"detention","occurred_at":"2024-03-05T12:00:00Z","point_id":"hnd-corinto","count":1}`, id)
			id = anonymize.EventRef(hmac.New(sha256.New, benchEventKey), "hn-inm", id) // what ingest stores
			sent := time.Now()
			if err := w.WriteMessages(ctx, kafka.Message{Value: []byte(rec)}); err != nil {
				break
			}
			p.mu.Lock()
			p.sent[id] = sent
			p.mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	}()
	pollCtx, stopPoll := context.WithCancel(context.Background())
	polled := make(chan struct{})
	go func() { // poller
		defer close(polled)
		// Probes share point, type and time, so this reads one primary-key range, not the table:
		// the measurement must not take the CPU the pipeline is measured on.
		q := "SELECT event_id FROM " + cfg.ClickHouse.Database + ".events WHERE point_id = 'hnd-corinto' AND type = 'detention' AND occurred_at = toDateTime('2024-03-05 12:00:00', 'UTC')"
		seen := map[string]bool{}
		for pollCtx.Err() == nil {
			rows, err := conn.Query(pollCtx, q)
			if err == nil {
				now := time.Now()
				for rows.Next() {
					var id string
					if rows.Scan(&id) == nil && !seen[id] {
						p.mu.Lock()
						if t, ok := p.sent[id]; ok {
							seen[id] = true
							p.lat = append(p.lat, now.Sub(t))
						}
						p.mu.Unlock()
					}
				}
				rows.Close()
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		w.Close()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			p.mu.Lock()
			done := len(p.lat) >= len(p.sent)
			p.mu.Unlock()
			if done {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		stopPoll()
		<-polled
	}
}

func (p *probes) percentiles() (time.Duration, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.lat) == 0 {
		return 0, 0
	}
	slices.Sort(p.lat)
	return p.lat[len(p.lat)/2], p.lat[(len(p.lat)*99)/100]
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// publisher is the benchmarks' agency-side client: the one client layer, with lz4 as a
// publisher on another machine would use; closed when the benchmark ends.
func publisher(b *testing.B, cfg config.Config) *kclient.Client {
	cfg.Kafka.Compression = "lz4"
	return testenv.Kafka(b, cfg)
}
