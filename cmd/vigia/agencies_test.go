package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/producers/publish"
)

// agencyCredentials reads what `vigia agencies add --out` wrote into a copy of cfg.
func agencyCredentials(t *testing.T, cfg config.Config, path string) config.Config {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "VIGIA_KAFKA_SASL_USERNAME":
			cfg.Kafka.SASLUsername = v
		case "VIGIA_KAFKA_SASL_PASSWORD":
			cfg.Kafka.SASLPassword = v
		}
	}
	if !strings.HasPrefix(cfg.Kafka.SASLUsername, "agency-") || cfg.Kafka.SASLPassword == "" {
		t.Fatalf("no credentials in %s", path)
	}
	return cfg
}

// publishAs publishes the border post's export with cfg's credentials.
func publishAs(cfg config.Config) (publish.Summary, error) {
	m, err := publish.LoadMapping("../../docs/examples/border-post.mapping.yaml")
	if err != nil {
		return publish.Summary{}, err
	}
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return runPublish(ctx, cfg, "hn-inm", m, []string{"../../docs/examples/border-post.csv"}, &out, &errOut, false)
}

// An agency's life through the administrator's commands, against the secured broker and a
// running pipeline: added, it publishes and is counted; rotated, only the new password
// publishes; removed, it cannot publish, and what it sent stays counted.
func TestAgenciesCommands(t *testing.T) {
	e := newRig(t)
	t.Setenv("VIGIA_KAFKA_TOPIC_PREFIX", e.cfg.Kafka.TopicPrefix)
	stop := e.runInProcess()
	defer stop()
	// A raw topic an administrator created for an agency never registered: its records are
	// refused (not consumed), with a log line and a metric that say so.
	rogue := e.cfg.Kafka.TopicPrefix + ".raw.xx-rogue"
	ctx := context.Background()
	if err := e.kafka.EnsureTopics(ctx, kclient.TopicSpec{Name: rogue, Partitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	w := e.kafka.Writer(kclient.WriterConfig{Topic: rogue, BatchTimeout: time.Millisecond})
	if err := w.WriteMessages(ctx, kafka.Message{Value: []byte(`{"schema_version":1,"event_id":"rogue-1","agency":"xx-rogue","type":"crossing","direction":"entry","occurred_at":"2024-03-01T10:00:00-06:00","point_id":"hnd-corinto","count":5}`)}); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	testenv.Eventually(t, time.Minute, func() error {
		if n := e.metric("vigia_unregistered_raw_topics"); n != 1 {
			return fmt.Errorf("vigia_unregistered_raw_topics = %v, want 1", n)
		}
		if !strings.Contains(e.logs.String(), "not registered") || !strings.Contains(e.logs.String(), rogue) {
			return errors.New("no log line names the unregistered topic")
		}
		return nil
	})
	dir := t.TempDir()
	creds := filepath.Join(dir, "hn-inm.env")
	if out, errs, code := run(t, "agencies", "add", "hn-inm", "--out", creds); code != 0 || !strings.Contains(out, "written to") {
		t.Fatalf("agencies add: %d\n%s%s", code, out, errs)
	}
	if _, errs, code := run(t, "agencies", "add", "hn-inm"); code == 0 || !strings.Contains(errs, "already registered") {
		t.Fatalf("adding it twice: %d %s", code, errs)
	}
	first := agencyCredentials(t, e.cfg, creds)
	if s, err := publishAs(first); s.Sent != 6 || !isExit(err, 1) {
		t.Fatalf("published %d with the agency's credentials (%v), want the 6 good records of the export", s.Sent, err)
	}
	db := e.cfg.ClickHouse.Database
	e.waitFor("the agency's records", "SELECT count() FROM "+db+".events FINAL WHERE agency = 'hn-inm'", 6, 2*time.Minute)

	if _, errs, code := run(t, "agencies", "rotate", "hn-inm", "--out", creds); code == 0 || !strings.Contains(errs, "does not exist") {
		t.Fatalf("rotate --out over an existing credentials file: %d %s; want refused", code, errs)
	}
	creds = filepath.Join(dir, "hn-inm-2.env")
	if out, errs, code := run(t, "agencies", "rotate", "hn-inm", "--out", creds); code != 0 {
		t.Fatalf("agencies rotate: %d\n%s%s", code, out, errs)
	}
	if s, err := publishAs(first); s.Sent != 0 || err == nil || isExit(err, 1) {
		t.Fatalf("the old password after rotate: sent %d, %v; want refused", s.Sent, err)
	}
	if s, err := publishAs(agencyCredentials(t, e.cfg, creds)); s.Sent != 6 || !isExit(err, 1) {
		t.Fatalf("the new password: sent %d, %v", s.Sent, err)
	}
	out, _, code := run(t, "agencies", "list")
	if code != 0 || !strings.Contains(out, "hn-inm") || !strings.Contains(out, "agency-hn-inm") {
		t.Fatalf("agencies list: %d\n%s", code, out)
	}
	if out, errs, code := run(t, "agencies", "remove", "hn-inm"); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("agencies remove: %d\n%s%s", code, out, errs)
	}
	removed := agencyCredentials(t, e.cfg, creds)
	testenv.Eventually(t, 10*time.Second, func() error { // once the broker has applied the removal
		if s, err := publishAs(removed); s.Sent != 0 || err == nil {
			return fmt.Errorf("a removed agency published %d records (%v)", s.Sent, err)
		}
		return nil
	})
	var n uint64
	if err := e.conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".events FINAL WHERE agency = 'hn-inm'").Scan(&n); err != nil || n != 6 {
		t.Fatalf("the removed agency's records: %d stored (%v), want its 6 still counted (the second publish repeated them)", n, err)
	}
	if out, _, _ := run(t, "agencies", "list"); strings.Contains(out, "hn-inm") {
		t.Errorf("a removed agency is still listed:\n%s", out)
	}
	var rogueEvents, rogueDLQ uint64
	_ = e.conn.QueryRow(ctx, "SELECT count() FROM "+db+".events WHERE agency = 'xx-rogue'").Scan(&rogueEvents)
	_ = e.conn.QueryRow(ctx, "SELECT count() FROM "+db+".dlq_records WHERE agency = 'xx-rogue'").Scan(&rogueDLQ)
	if rogueEvents != 0 || rogueDLQ != 0 {
		t.Errorf("the unregistered topic's record was consumed: %d events, %d DLQ rows", rogueEvents, rogueDLQ)
	}
}

func isExit(err error, code int) bool {
	var ee exitError
	return errors.As(err, &ee) && ee.code == code
}
