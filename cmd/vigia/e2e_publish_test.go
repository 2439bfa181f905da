package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/producers/publish"
)

// TestPublishExamples publishes the two example exports twice through the whole pipeline:
// the good records are stored once, the bad ones are listed with line and reason, and
// nothing is sent for them.
func TestPublishExamples(t *testing.T) {
	e := newRig(t)
	t.Setenv("VIGIA_KAFKA_TOPIC_PREFIX", e.cfg.Kafka.TopicPrefix)
	stop := e.runInProcess()
	defer stop()
	creds := filepath.Join(t.TempDir(), "hn-inm.env")
	if out, errs, code := run(t, "agencies", "add", "hn-inm", "--out", creds); code != 0 {
		t.Fatalf("agencies add: %d\n%s%s", code, out, errs)
	}
	agency := agencyCredentials(t, e.cfg, creds) // an agency publishes as itself
	type file struct{ mapping, csv string }
	files := []file{{"../../docs/examples/border-post.mapping.yaml", "../../docs/examples/border-post.csv"},
		{"../../docs/examples/return-flight.mapping.yaml", "../../docs/examples/return-flight.csv"}}
	wantBad := []string{"border-post.csv:8: point_id: unknown_point", "border-post.csv:9: occurred_at: bad_format",
		"border-post.csv:10: person.document.country: bad_country_code", "return-flight.csv:6: person.age: bad_format",
		"return-flight.csv:7: person.age: age_out_of_range"}
	sent := 0
	for round := range 2 {
		var errOut bytes.Buffer
		for _, f := range files {
			m, err := publish.LoadMapping(f.mapping)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			s, err := runPublish(context.Background(), agency, "hn-inm", m, []string{f.csv}, &out, &errOut, false)
			var ee exitError
			if !errors.As(err, &ee) || ee.code != 1 {
				t.Fatalf("%s: exit %v, want 1 (some records rejected)", f.csv, err)
			}
			sent += s.Sent
		}
		for _, w := range wantBad {
			if !strings.Contains(errOut.String(), w) {
				t.Errorf("round %d: bad records listed:\n%s\nwant a line with %q", round, errOut.String(), w)
			}
		}
	}
	if sent != 2*10 {
		t.Fatalf("%d records sent over two rounds, want 2 x 10 good ones", sent)
	}
	db := e.cfg.ClickHouse.Database
	e.waitFor("the good records", "SELECT count() FROM "+db+".events FINAL WHERE agency = 'hn-inm'", 10, 2*time.Minute)
	// The second round's ten records are all exact repeats: once dedup has dropped them all,
	// nothing more can land.
	testenv.Eventually(t, time.Minute, func() error {
		if n := e.metric(`vigia_duplicates_total{kind="exact"}`); n < 10 {
			return fmt.Errorf("%v of the second round's 10 repeats dropped", n)
		}
		return nil
	})
	var stored, rows, dlq uint64
	_ = e.conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".events FINAL").Scan(&stored)
	_ = e.conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".dlq_records").Scan(&dlq)
	_ = e.conn.QueryRow(context.Background(), "SELECT uniqExact(event_id) FROM "+db+".events").Scan(&rows)
	if stored != 10 || rows != 10 || dlq != 0 {
		t.Fatalf("stored %d events (%d distinct ids), %d in the DLQ; want 10, 10 and none", stored, rows, dlq)
	}
	var unacc uint64
	_ = e.conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".events FINAL WHERE type = 'return' AND unaccompanied = 1 AND mode = 'air'").Scan(&unacc)
	if unacc != 1 {
		t.Errorf("the unaccompanied girl of the return flight: %d events, want 1", unacc)
	}
}
