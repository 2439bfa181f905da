package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/pipeline"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// The operator's DLQ commands against the real broker: rejected records are listed by agency
// and reason, one is decrypted, and replay sends them back through ingest (where, the registry
// being unchanged, they are rejected again: the DLQ grows by exactly the replayed count).
func TestDLQCommands(t *testing.T) {
	cfg := testenv.Config(t)
	kc := testenv.Kafka(t, cfg)
	env := map[string]string{"VIGIA_PSEUDONYM_KEYS": "p:" + testKey(1), "VIGIA_DLQ_KEYS": "d:" + testKey(2)}
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("VIGIA_KAFKA_TOPIC_PREFIX", cfg.Kafka.TopicPrefix)
	t.Setenv("VIGIA_KAFKA_BROKERS", strings.Join(cfg.Kafka.Brokers, ","))
	testenv.Enroll(t, cfg, "hn-inm")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- pipeline.Run(ctx, pipeline.Options{Config: cfg, Stages: []string{"ingest"}, Environ: env, Log: newLogger("error", &syncBuffer{})})
	}()
	defer func() { cancel(); <-done }()

	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	testenv.Eventually(t, 30*time.Second, func() error { _, err := kc.Partitions(context.Background(), names.Raw("hn-inm")); return err })
	w := kc.Writer(kclient.WriterConfig{Topic: names.Raw("hn-inm"), BatchTimeout: time.Millisecond})
	defer w.Close()
	rec := func(id, point, typ string) kafka.Message {
		return kafka.Message{Value: []byte(`{"schema_version":1,"event_id":"` + id + `","agency":"hn-inm","type":"` + typ +
			`","occurred_at":"2024-03-01T10:00:00-06:00","point_id":"` + point + `","person":{"given_names":"Dlqcanary"}}`)}
	}
	if err := w.WriteMessages(context.Background(), rec("a", "hnd-new-post", "detention"), rec("b", "hnd-new-post", "detention"), rec("c", "hnd-corinto", "arrival")); err != nil {
		t.Fatal(err)
	}
	dlqCount := func(want int) []kafka.Message {
		e := &e2e{t: t, cfg: cfg, kafka: kc}
		var msgs []kafka.Message
		testenv.Eventually(t, 60*time.Second, func() error {
			if msgs = e.readTopic(names.DLQ()); len(msgs) < want {
				return fmt.Errorf("DLQ holds %d records, want %d", len(msgs), want)
			}
			return nil
		})
		if len(msgs) != want {
			t.Fatalf("DLQ holds %d records, want %d", len(msgs), want)
		}
		return msgs
	}
	msgs := dlqCount(3)

	out, errs, code := run(t, "dlq", "list")
	if code != 0 || !regexpMatch(out, `hn-inm\s+unknown_point\s+2`) || !regexpMatch(out, `hn-inm\s+bad_enum\s+1`) || strings.Contains(out, "Dlqcanary") {
		t.Fatalf("dlq list: %d\n%s%s", code, out, errs)
	}
	m := msgs[0]
	out, errs, code = run(t, "dlq", "show", "--partition", strconv.Itoa(m.Partition), "--offset", strconv.FormatInt(m.Offset, 10))
	if code != 0 || !strings.Contains(out, "Dlqcanary") || !strings.Contains(out, "reason:") {
		t.Fatalf("dlq show: %d\n%s%s", code, out, errs)
	}
	out, _, code = run(t, "dlq", "replay", "--reason", "unknown_point", "--dry-run")
	if code != 0 || !strings.Contains(out, "would replay 2 record(s)") {
		t.Fatalf("dlq replay --dry-run: %s", out)
	}
	out, _, code = run(t, "dlq", "replay", "--reason", "unknown_point")
	if code != 0 || !strings.Contains(out, "replayed 2 record(s)") {
		t.Fatalf("dlq replay: %s", out)
	}
	dlqCount(5)
	if _, errs, code := run(t, "dlq", "list", "--reason", "nonsense"); code != 2 || !strings.Contains(errs, "not a reason code") {
		t.Fatalf("bad --reason: %d %s", code, errs)
	}
}

func regexpMatch(s, re string) bool { return regexp.MustCompile(re).MatchString(s) }
