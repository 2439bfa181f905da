package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/pipeline"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/lib/anonymize"
)

// e2e is one end-to-end run against the real Kafka and ClickHouse: its own topic prefix,
// database, keys and logs.
type e2e struct {
	t        *testing.T
	cfg      config.Config
	env      map[string]string
	ds       *dataset
	conn     driver.Conn
	kafka    *kclient.Client
	logs     *syncBuffer
	metrics  []string               // /metrics addresses of the processes started
	procLogs map[string]*syncBuffer // each process's own log
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newE2E(t *testing.T) *e2e {
	e := newRig(t, "hn-inm", "gt-igm", "pa-snm")
	e.ds = buildDataset(t)
	return e
}

// newRig prepares a run's configuration, keys, database and raw topics, without a dataset.
func newRig(t *testing.T, agencies ...string) *e2e {
	cfg := testenv.Config(t)
	cfg.Pipeline.AllowedLateness = 30 * 24 * time.Hour
	cfg.Pipeline.WindowFlush = 500 * time.Millisecond
	cfg.Pipeline.InsertWait = 300 * time.Millisecond
	cfg.Pipeline.IdleTimeout = 5 * time.Second
	key := testKey
	e := &e2e{t: t, cfg: cfg, logs: &syncBuffer{}, procLogs: map[string]*syncBuffer{},
		env: map[string]string{"VIGIA_PSEUDONYM_KEYS": "p1:" + key(3), "VIGIA_DLQ_KEYS": "d1:" + key(4), "VIGIA_ALERT_KEYS": "a1:" + key(5), "VIGIA_EVENT_KEYS": "e1:" + base64.StdEncoding.EncodeToString(testEventKey)}}
	e.kafka = testenv.Kafka(t, cfg)
	e.conn = testenv.ClickHouse(t, cfg)
	testenv.Enroll(t, cfg, agencies...)
	return e
}

// freeAddr returns a loopback address for a /metrics endpoint.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// testEventKey keys the event-id references of the end-to-end runs (VIGIA_EVENT_KEYS).
var testEventKey = []byte("event-id key of the e2e tests 32")

// ref is what ingest stores for an agency's event id.
func ref(agency, id string) string {
	return anonymize.EventRef(hmac.New(sha256.New, testEventKey), agency, id)
}

// runInProcess runs the whole pipeline in this process until the returned stop is called.
func (e *e2e) runInProcess() (stop func()) {
	cfg := e.cfg
	cfg.Metrics.Listen = freeAddr(e.t)
	e.metrics = append(e.metrics, cfg.Metrics.Listen)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- pipeline.Run(ctx, pipeline.Options{Config: cfg, Environ: e.env, Log: newLogger("info", e.logs)})
	}()
	var once sync.Once
	return func() {
		once.Do(func() { e.stopInProcess(cancel, done) })
	}
}

func (e *e2e) stopInProcess(cancel context.CancelFunc, done chan error) {
	cancel()
	select {
	case err := <-done:
		if err != nil {
			e.t.Errorf("pipeline: %v", err)
		}
	case <-time.After(60 * time.Second):
		e.t.Error("pipeline did not stop within 60s")
	}
}

var buildOnce sync.Once
var binPath string
var buildErr error

// binary builds the vigia command once for the tests that run it as a process.
func binary(t *testing.T) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigia-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "vigia")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// start runs `vigia run` as a separate process with this run's configuration.
func (e *e2e) start(name string) *exec.Cmd {
	addr := freeAddr(e.t)
	e.metrics = append(e.metrics, addr)
	cmd := exec.Command(binary(e.t), "run")
	cmd.Env = append(os.Environ(),
		"VIGIA_KAFKA_BROKERS="+strings.Join(e.cfg.Kafka.Brokers, ","),
		"VIGIA_KAFKA_TOPIC_PREFIX="+e.cfg.Kafka.TopicPrefix,
		"VIGIA_KAFKA_PARTITIONS="+strconv.Itoa(e.cfg.Kafka.Partitions),
		"VIGIA_CLICKHOUSE_ADDR="+strings.Join(e.cfg.ClickHouse.Addr, ","),
		"VIGIA_CLICKHOUSE_DATABASE="+e.cfg.ClickHouse.Database,
		"VIGIA_METRICS_LISTEN="+addr,
		"VIGIA_PIPELINE_ALLOWED_LATENESS=720h", "VIGIA_PIPELINE_WINDOW_FLUSH=500ms",
		"VIGIA_PIPELINE_INSERT_WAIT=300ms", "VIGIA_PIPELINE_IDLE_TIMEOUT=5s",
		"VIGIA_PSEUDONYM_KEYS="+e.env["VIGIA_PSEUDONYM_KEYS"], "VIGIA_DLQ_KEYS="+e.env["VIGIA_DLQ_KEYS"],
		"VIGIA_ALERT_KEYS="+e.env["VIGIA_ALERT_KEYS"], "VIGIA_EVENT_KEYS="+e.env["VIGIA_EVENT_KEYS"])
	cmd.Stdout = io.Discard
	own := &syncBuffer{}
	e.procLogs[name] = own
	cmd.Stderr = io.MultiWriter(e.logs, own, prefixWriter{name})
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// rebuiltRecords sums the records a process read back from vigia.clean to rebuild its dedup
// state, from its logs: proof that a restart or a handover really recovered state.
func rebuiltRecords(logs string) int {
	n := 0
	for _, l := range strings.Split(logs, "\n") {
		if !strings.Contains(l, "dedup state rebuilt") {
			continue
		}
		var v struct{ Records int }
		if json.Unmarshal([]byte(l), &v) == nil {
			n += v.Records
		}
	}
	return n
}

// prefixWriter drops process logs unless VIGIA_E2E_VERBOSE is set.
type prefixWriter struct{ name string }

func (p prefixWriter) Write(b []byte) (int, error) {
	if os.Getenv("VIGIA_E2E_VERBOSE") != "" {
		fmt.Fprintf(os.Stderr, "[%s] %s", p.name, b)
	}
	return len(b), nil
}

func (e *e2e) publish(pubs []pub) {
	e.t.Helper()
	w := e.kafka.Writer(kclient.WriterConfig{BatchTimeout: 5 * time.Millisecond})
	defer w.Close()
	names := topics.Names{Prefix: e.cfg.Kafka.TopicPrefix}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := 0; i < len(pubs); i += 1000 {
		var msgs []kafka.Message
		for _, p := range pubs[i:min(i+1000, len(pubs))] {
			msgs = append(msgs, kafka.Message{Topic: names.Raw(p.agency), Value: p.value})
		}
		e.write(ctx, w, msgs)
	}
}

// write produces msgs, producing again only those that failed, as an agency's publisher
// would while a broker is down and its partitions move to another (TestClusterBrokerKilled).
func (e *e2e) write(ctx context.Context, w *kafka.Writer, msgs []kafka.Message) {
	e.t.Helper()
	for {
		err := w.WriteMessages(ctx, msgs...)
		var failed kafka.WriteErrors
		if err == nil {
			return
		}
		if !errors.As(err, &failed) || ctx.Err() != nil {
			e.t.Fatalf("cannot publish: %v", err)
		}
		var again []kafka.Message
		for i, werr := range failed {
			if werr != nil {
				again = append(again, msgs[i])
			}
		}
		e.t.Logf("%d of %d records not acknowledged (%v); producing them again", len(again), len(msgs), failed[slices.IndexFunc(failed, func(err error) bool { return err != nil })])
		msgs = again
		time.Sleep(time.Second)
	}
}

// waitFor polls a ClickHouse count until it reaches want.
func (e *e2e) waitFor(what, query string, want uint64, timeout time.Duration) {
	e.t.Helper()
	testenv.Eventually(e.t, timeout, func() error {
		var got uint64
		if err := e.conn.QueryRow(context.Background(), query).Scan(&got); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if got < want {
			return fmt.Errorf("%s: %d, want %d", what, got, want)
		}
		return nil
	})
}

func (e *e2e) eventsQuery() string {
	return "SELECT count() FROM " + e.cfg.ClickHouse.Database + ".events FINAL"
}

// expectedEvents is the number of events ClickHouse must hold after both phases.
func (e *e2e) expectedEvents(phase int) uint64 {
	n := uint64(len(e.ds.unique))
	if phase == 1 {
		n -= uint64(len(e.ds.phase2))
	}
	return n
}

// readTopic returns every record of a topic.
func (e *e2e) readTopic(name string) []kafka.Message {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := e.kafka.Partitions(ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []kafka.Message
	for p := 0; p < n; p++ {
		if _, err := e.kafka.ReadRange(ctx, name, p, time.Unix(0, 0), func(m kafka.Message) error {
			out = append(out, m)
			return nil
		}); err != nil {
			e.t.Fatal(err)
		}
	}
	return out
}

// metric sums a counter over the processes started, e.g. vigia_window_too_late_total{resolution="hour"}.
func (e *e2e) metric(series string) float64 {
	total := 0.0
	for _, addr := range e.metrics {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, series+" ") {
				v, _ := strconv.ParseFloat(strings.TrimPrefix(l, series+" "), 64)
				total += v
			}
		}
	}
	return total
}
