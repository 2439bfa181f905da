package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/producers/replay"
)

// TestReplayDarien2023 replays the real months of 2023 of the Darién and of Honduras
// through the whole pipeline: every record lands once; each documented surge
// (data/region/episodes.csv: the Darién from March, peak 81,946 in August; Honduras from July,
// peak 102,008 in October) is one incident that opens before its peak and whose point alert
// resolves only once the flow is back near its level before the surge; and no alert at
// either point opens and resolves within a week (a monthly series spread over days steps
// at every month's first day, which must not make alerts flap).
func TestReplayDarien2023(t *testing.T) {
	e := newRig(t, "pa-snm", "hn-inm")
	stop := e.runInProcess()
	defer stop()
	o := replayOpts{cfg: replay.Config{From: "2023-01", To: "2023-12"}}
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
	defer func() {
		if t.Failed() {
			e.debugDetect()
		}
	}()
	e.waitFor("December judged", "SELECT count() FROM "+db+".surge_bands WHERE point_id = 'hnd-cami-trojes' AND period_start >= toDateTime('2023-12-30 00:00:00', 'UTC')", 1, 3*time.Minute)
	for _, sc := range []struct {
		point, country string
		onset, peak    time.Time
		resolvable     time.Time // from this month on the flow is back near its earlier level
	}{
		{"pan-lajas-blancas", "PAN", month(2023, 3), month(2023, 8), month(2023, 11)},
		{"hnd-cami-trojes", "HND", month(2023, 7), month(2023, 10), month(2024, 6)},
	} {
		e.checkSurgeIncident(sc.point, sc.country, sc.onset, sc.peak, sc.resolvable)
	}
	e.checkNoFlapping("pan-lajas-blancas", "hnd-cami-trojes")
}

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

// checkSurgeIncident: the point's alerts of all persons that opened from a month before the
// documented onset to the peak are one incident, which opened before the peak; none of them
// ends resolved before the flow was back near its earlier level (resolvable).
func (e *e2e) checkSurgeIncident(point, country string, onset, peak, resolvable time.Time) {
	e.t.Helper()
	db := e.cfg.ClickHouse.Database
	rows, err := e.conn.Query(context.Background(), "SELECT alert_id, incident_id, toString(state), opened_at, period_start FROM "+db+".alerts FINAL"+
		" WHERE point_id = ? AND population = 'all' AND nationality = '' AND kind = '' AND opened_at >= ? AND opened_at < ? ORDER BY opened_at, version",
		point, onset.AddDate(0, -1, 0), peak)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	type change struct {
		state          string
		period, opened time.Time
	}
	final := map[string]change{} // each alert's latest version (rows come in version order)
	incidents := map[string]bool{}
	var first time.Time
	var firstID, lastState string
	var lastPeriod time.Time
	n := 0
	for rows.Next() {
		var id, inc, state string
		var opened, period time.Time
		if err := rows.Scan(&id, &inc, &state, &opened, &period); err != nil {
			e.t.Fatal(err)
		}
		n++
		incidents[inc] = true
		if first.IsZero() {
			first, firstID = opened, id
		}
		if id == firstID {
			lastState, lastPeriod = state, period
		}
		final[id] = change{state, period, opened}
	}
	// The lifecycle the data show is each alert's latest version: on a busy machine a day can
	// be judged before all of its records are windowed (a source idle past
	// pipeline.idle_timeout), and the revision that follows corrects the alert, late.
	for id, c := range final {
		if c.state == "resolved" && c.period.Before(resolvable) {
			e.t.Errorf("%s: alert %s (opened %s) resolved on %s, while the flow was still far above its level before the surge%s",
				point, id, c.opened.Format(time.DateOnly), c.period.Format(time.DateOnly), e.alertHistory(id))
		}
	}
	if n == 0 || len(incidents) != 1 {
		e.t.Errorf("%s: the surge of %s is %d incidents (%d alert changes), want one", point, onset.Format("2006-01"), len(incidents), n)
		return
	}
	var members uint64
	for inc := range incidents {
		_ = e.conn.QueryRow(context.Background(), "SELECT uniqExact(alert_id) FROM "+db+".alerts WHERE incident_id = ? AND country = ?", inc, country).Scan(&members)
	}
	e.t.Logf("%s: one incident opened %s (%d days before the peak), %d alerts in it; the point's alert %s on %s",
		point, first.Format(time.DateOnly), int(peak.Sub(first).Hours()/24), members, lastState, lastPeriod.Format(time.DateOnly))
}

// alertHistory is every change of an alert, for a failure's message.
func (e *e2e) alertHistory(id string) string {
	rows, err := e.conn.Query(context.Background(), "SELECT version, toString(state), toString(period_start), observed, expected, upper, detected_late, toString(changed_at) FROM "+
		e.cfg.ClickHouse.Database+".alerts FINAL WHERE alert_id = ? ORDER BY version", id)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var v uint32
		var state, period, changed string
		var o, ex, up float64
		var late uint8
		_ = rows.Scan(&v, &state, &period, &o, &ex, &up, &late, &changed)
		fmt.Fprintf(&b, "\n  v%d %s %s observed %.0f expected %.0f upper %.0f late %d (changed %s)", v, state, period, o, ex, up, late, changed)
	}
	return b.String()
}

// bandsAround is the judged periods of a series from a week before to two weeks after at.
func (e *e2e) bandsAround(series, at string) string {
	rows, err := e.conn.Query(context.Background(), "SELECT toString(period_start), observed, expected, upper, toString(severity) FROM "+e.cfg.ClickHouse.Database+
		".surge_bands FINAL WHERE series = ? AND period_start BETWEEN toDateTime(?) - INTERVAL 7 DAY AND toDateTime(?) + INTERVAL 14 DAY ORDER BY period_start", series, at, at)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var p, sev string
		var o, ex, up float64
		_ = rows.Scan(&p, &o, &ex, &up, &sev)
		fmt.Fprintf(&b, "\n  %s observed %.0f expected %.0f upper %.0f %s", p, o, ex, up, sev)
	}
	return b.String()
}

// checkNoFlapping: no alert of all persons or minors at the points opened and resolved
// within a week while the level stayed high: the mean of the week after the resolution above
// the halfway line between the level before the surge and the bound that opened the alert.
// (A one-day spike that opens an alert and is over two days later is not flapping.)
func (e *e2e) checkNoFlapping(points ...string) {
	e.t.Helper()
	db := e.cfg.ClickHouse.Database
	rows, err := e.conn.Query(context.Background(), "SELECT alert_id, series, toString(opened_at), argMax(period_start, version) AS resolved,"+
		" argMin(expected, version), argMin(upper, version) FROM "+db+".alerts"+
		" WHERE point_id IN ('"+strings.Join(points, "', '")+"') AND population IN ('all', 'minors') AND nationality = '' AND kind = ''"+
		" GROUP BY alert_id, series, opened_at HAVING argMax(toString(state), version) = 'resolved' AND resolved < opened_at + INTERVAL 7 DAY")
	if err != nil {
		e.t.Fatal(err)
	}
	type quick struct {
		id, series, opened string
		resolved           time.Time
		expected, upper    float64
	}
	var quicks []quick
	for rows.Next() {
		var q quick
		if err := rows.Scan(&q.id, &q.series, &q.opened, &q.resolved, &q.expected, &q.upper); err != nil {
			e.t.Fatal(err)
		}
		quicks = append(quicks, q)
	}
	rows.Close()
	for _, q := range quicks {
		var after float64
		if err := e.conn.QueryRow(context.Background(), "SELECT avg(observed) FROM "+db+".surge_bands FINAL WHERE series = ? AND period_start > ? AND period_start <= ? + INTERVAL 7 DAY",
			q.series, q.resolved, q.resolved).Scan(&after); err != nil {
			e.t.Fatal(err)
		}
		if line := q.expected + (q.upper-q.expected)/2; after > line {
			e.t.Errorf("%s opened %s and resolved %s while the level stayed high (%.0f a day the week after, line %.0f): an alert that flapped%s",
				q.series, q.opened, q.resolved.Format(time.DateOnly), after, line, e.alertHistory(q.id))
		}
	}
	e.t.Logf("%d alerts at %v opened and resolved within a week, none while the level stayed high", len(quicks), points)
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
