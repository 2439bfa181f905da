package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/lib/disclosure/audit"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// checkPublished waits until the publish stage has caught up with the run: every point-day
// cell of the windows is in <db>_public.figures, protected (suppressed under k, 10 for
// children, else a multiple of k within k of the truth), no published cell lacks a window,
// and every alert's latest version is published.
func (e *e2e) checkPublished() {
	e.t.Helper()
	db, pub := e.cfg.ClickHouse.Database, chsink.PublicDatabase(e.cfg.ClickHouse.Database)
	cellQuery := `SELECT concat(point_id, '|', toString(toDate(window_start + 43200)), '|', toString(type), '|', toString(role), '|', toString(category), '|', toString(minor)) AS cell,
		sum(persons) FROM ` + db + `.windows FINAL WHERE resolution = 'day' GROUP BY cell`
	pubQuery := `SELECT concat(point_id, '|', toString(toDate(period_start)), '|', toString(type), '|', toString(role), '|', toString(category), '|', toString(minor)) AS cell,
		persons, suppressed, k FROM ` + pub + `.figures FINAL WHERE grain = 'point_day'`
	testenv.Eventually(e.t, 2*time.Minute, func() error {
		_, truth, err := e.queryStrings(cellQuery)
		if err != nil {
			return err
		}
		_, published, err := e.queryStrings(pubQuery)
		if err != nil {
			return err
		}
		shown := map[string][]string{}
		for _, r := range published {
			shown[r[0]] = r[1:]
		}
		if len(published) != len(truth) {
			return fmt.Errorf("%d point-day cells published, %d in the windows", len(published), len(truth))
		}
		for _, r := range truth {
			n, _ := strconv.ParseUint(r[1], 10, 64)
			p, ok := shown[r[0]]
			if !ok {
				return fmt.Errorf("cell %s (%d persons) not published", r[0], n)
			}
			v, _ := strconv.ParseUint(p[0], 10, 64)
			k, _ := strconv.ParseUint(p[2], 10, 64)
			minor := r[0][len(r[0])-1] == '1'
			switch {
			case minor && k != 10 || !minor && k != 5:
				return fmt.Errorf("cell %s published with k %d", r[0], k)
			case n < k && (p[1] != "1" || v != 0):
				return fmt.Errorf("cell %s: %d persons under k %d published as %v", r[0], n, k, p)
			case n >= k && (p[1] != "0" || v%k != 0 || v+k <= n || v >= n+k):
				return fmt.Errorf("cell %s: %d persons published as %v, want a multiple of %d within %d", r[0], n, p, k, k)
			}
		}
		var want, have uint64
		if err := e.conn.QueryRow(context.Background(), "SELECT uniqExact(alert_id, version) FROM "+db+".alerts").Scan(&want); err != nil {
			return err
		}
		if err := e.conn.QueryRow(context.Background(), "SELECT uniqExact(alert_id, version) FROM "+pub+".alerts").Scan(&have); err != nil {
			return err
		}
		if have != want {
			return fmt.Errorf("%d alert versions published, %d stored", have, want)
		}
		if err := e.conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".points FINAL").Scan(&want); err != nil {
			return err
		}
		if err := e.conn.QueryRow(context.Background(), "SELECT count() FROM "+pub+".points FINAL").Scan(&have); err != nil {
			return err
		}
		if have != want {
			return fmt.Errorf("%d points published, %d in the registry", have, want)
		}
		return nil
	})
}

// checkAudit plays the attacker against the published layer the run filled: no dashboard
// query, range or panel difference gives a count under k. (lib/disclosure/audit's own test
// proves that it finds them with the protection off.)
func (e *e2e) checkAudit() {
	e.t.Helper()
	start := time.Now()
	r, err := audit.Run(context.Background(), audit.Config{Conn: e.conn, Database: chsink.PublicDatabase(e.cfg.ClickHouse.Database),
		From: surgeDay0.AddDate(0, 0, -1), To: surgeDay0.AddDate(0, 0, 92), MaxRanges: 24})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, f := range r.Findings {
		if i < 20 {
			e.t.Errorf("disclosure audit: %s", f)
		}
	}
	e.t.Logf("disclosure audit: %d queries in %s, %d counts under k derived", r.Queries, time.Since(start).Round(time.Second), len(r.Findings))
}
