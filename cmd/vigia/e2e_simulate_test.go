package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/producers/simulate"
)

// TestSimulateThroughPipeline runs ten seconds of the simulator (fifty minutes of event
// time, the Darién surge on) through the pipeline: every record ends once in ClickHouse or
// the DLQ, repeats are dropped.
func TestSimulateThroughPipeline(t *testing.T) {
	e := newRig(t, simulate.Agencies()...)
	stop := e.runInProcess()
	defer stop()
	st, err := runSimulate(context.Background(), e.cfg, simulateOpts{rate: 400, seconds: 10, speed: 300,
		sim: simulate.Config{Scenario: "darien", Seed: 9}}, io.Discard)
	// Hundreds, not the 4,000 the rate allows: under the race detector beside the other
	// integration tests the producer sends what the machine lets it (100 in 4 s seen once the
	// brief's agencies were added); this is a test of where records end, not of speed (make
	// bench measures that).
	t.Logf("simulated %+v", st)
	if err != nil || st.sent < 150 || st.malformed == 0 || st.repeats == 0 {
		t.Fatalf("%+v %v: want hundreds of records, some malformed and some repeats", st, err)
	}
	db := e.cfg.ClickHouse.Database
	e.waitFor("the simulated events", "SELECT count() FROM "+db+".events FINAL", uint64(st.sent-st.malformed-st.repeats), 2*time.Minute)
	e.waitFor("the malformed records", "SELECT count() FROM "+db+".dlq_records", uint64(st.malformed), time.Minute)
	var stored uint64
	_ = e.conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".events FINAL").Scan(&stored)
	if stored != uint64(st.sent-st.malformed-st.repeats) {
		t.Fatalf("stored %d, want %d (sent %d - malformed %d - repeats %d)", stored, st.sent-st.malformed-st.repeats, st.sent, st.malformed, st.repeats)
	}
}
