package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/producers/replay"
)

// TestReplayDarien2023 replays the real months of 2023 of the Darién and of Honduras
// through the whole pipeline: every record lands once, an alert opens for the Darién
// reception station before the August 2023 peak (81,946 people), and one for the CAMI of
// Trojes before the Honduran peak of October 2023 (102,008).
func TestReplayDarien2023(t *testing.T) {
	e := newRig(t, "pa-snm", "hn-inm")
	stop := e.runInProcess()
	defer stop()
	o := replayOpts{cfg: replay.Config{From: "2023-01", To: "2023-10"}}
	res, err := runReplay(context.Background(), e.cfg, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	db := e.cfg.ClickHouse.Database
	e.waitFor("every replayed record stored", "SELECT count() FROM "+db+".events FINAL", uint64(res.records), 3*time.Minute)
	var persons uint64
	if err := e.conn.QueryRow(context.Background(), "SELECT sum(toUInt64(count)) FROM "+db+".events FINAL").Scan(&persons); err != nil || int(persons) != res.persons {
		t.Fatalf("persons stored %d, published %d (%v)", persons, res.persons, err)
	}
	peak := time.Date(2023, 8, 1, 0, 0, 0, 0, time.UTC)
	defer func() {
		if t.Failed() {
			e.debugDetect()
		}
	}()
	e.waitFor("an alert for the Darién before the peak", "SELECT count() FROM "+db+".alerts WHERE point_id = 'pan-lajas-blancas' AND state = 'opened' AND population = 'all' AND period_start < toDateTime('2023-08-01 00:00:00', 'UTC')", 1, 2*time.Minute)
	e.waitFor("an alert for Honduras before its peak", "SELECT count() FROM "+db+".alerts WHERE point_id = 'hnd-cami-trojes' AND state = 'opened' AND population = 'all' AND period_start < toDateTime('2023-10-01 00:00:00', 'UTC')", 1, 2*time.Minute)
	var first, firstHN time.Time
	_ = e.conn.QueryRow(context.Background(), "SELECT min(period_start) FROM "+db+".alerts WHERE point_id = 'pan-lajas-blancas' AND state = 'opened' AND population = 'all'").Scan(&first)
	_ = e.conn.QueryRow(context.Background(), "SELECT min(period_start) FROM "+db+".alerts WHERE point_id = 'hnd-cami-trojes' AND state = 'opened' AND population = 'all'").Scan(&firstHN)
	t.Logf("%d records, %d persons replayed; first Darién alert for %s (%d days before the August 2023 peak), first Honduras alert for %s",
		res.records, res.persons, first.Format(time.DateOnly), int(peak.Sub(first).Hours()/24), firstHN.Format(time.DateOnly))
}

func (e *e2e) debugDetect() {
	db := e.cfg.ClickHouse.Database
	for _, q := range []string{"SELECT count() FROM " + db + ".surge_bands", "SELECT count() FROM " + db + ".windows WHERE resolution='day'",
		"SELECT toString(max(period_start)) FROM " + db + ".surge_bands", "SELECT toString(max(severity)) FROM " + db + ".surge_bands",
		"SELECT toString(max(observed)) FROM " + db + ".surge_bands"} {
		var s string
		var n uint64
		if err := e.conn.QueryRow(context.Background(), q).Scan(&n); err == nil {
			e.t.Logf("%s = %d", q, n)
		} else if err := e.conn.QueryRow(context.Background(), q).Scan(&s); err == nil {
			e.t.Logf("%s = %s", q, s)
		} else {
			e.t.Logf("%s: %v", q, err)
		}
	}
	rows, err := e.conn.Query(context.Background(), "SELECT toString(period_start), observed, expected, upper, toString(severity) FROM "+db+".surge_bands FINAL WHERE point_id = 'pan-lajas-blancas' AND population = 'all' AND period_start >= '2023-02-25 00:00:00' AND period_start < '2023-03-05 00:00:00' OR point_id = 'pan-lajas-blancas' AND population = 'all' AND period_start >= '2023-06-27 00:00:00' AND period_start < '2023-07-04 00:00:00' ORDER BY period_start")
	if err == nil {
		for rows.Next() {
			var ps, sev string
			var o, ex, up float64
			_ = rows.Scan(&ps, &o, &ex, &up, &sev)
			e.t.Logf("band %s observed %v expected %.0f upper %.0f %s", ps, o, ex, up, sev)
		}
	}
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(l, "detect") || strings.Contains(l, "error") || strings.Contains(l, "warn") {
			e.t.Log(l)
		}
	}
}
