package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/pipeline"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// demoView is the demo's live terminal view: events per second per stage, the DLQ by reason,
// the open alerts and each alert change as it fires.
type demoView struct {
	cfg    config.Config
	conn   driver.Conn
	out    io.Writer
	quiet  bool
	prev   map[string]float64
	prevAt time.Time
	seen   map[string]bool
	// incidents are the incidents of the alerts seen.
	incidents map[string]bool
	fired     []string // alert lines, newest last
	rates     map[string]float64
	dlq       map[string]float64
	open      []string
	reach     string // the event time the pipeline has reached
	shown     time.Time
	// until is the last day the detector can judge (the replay's last day is never closed:
	// no later event moves the watermark past it).
	until string
}

func newDemoView(cfg config.Config, conn driver.Conn, out io.Writer, quiet bool) *demoView {
	return &demoView{cfg: cfg, conn: conn, out: out, quiet: quiet, prev: map[string]float64{}, seen: map[string]bool{}, incidents: map[string]bool{}}
}

// run refreshes every second until the replay is done and everything it published is
// stored, or ctx ends.
func (v *demoView) run(ctx context.Context, replayed <-chan replayResult) (replayResult, error) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var res replayResult
	done := false
	var deadline time.Time
	for {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case res = <-replayed:
			done, deadline = true, time.Now().Add(3*time.Minute)
		case <-tick.C:
		}
		v.refresh(ctx)
		v.draw(done)
		if done && (v.stored(ctx) >= uint64(res.records) && v.judged(ctx) >= v.until || time.Now().After(deadline)) {
			v.refresh(ctx) // the changes of the last judgment
			return res, nil
		}
	}
}

func (v *demoView) stored(ctx context.Context) uint64 {
	var n uint64
	_ = v.conn.QueryRow(ctx, "SELECT count() FROM "+v.cfg.ClickHouse.Database+".events FINAL").Scan(&n)
	return n
}

// judged is the last day the detector judged.
func (v *demoView) judged(ctx context.Context) string {
	var day string
	_ = v.conn.QueryRow(ctx, "SELECT toString(toDate(max(period_start))) FROM "+v.cfg.ClickHouse.Database+".surge_bands WHERE resolution = 'day'").Scan(&day)
	return day
}

func (v *demoView) refresh(ctx context.Context) {
	now := time.Now()
	in, dlq := v.scrape()
	v.rates = map[string]float64{}
	if !v.prevAt.IsZero() {
		for stage, n := range in {
			v.rates[stage] = (n - v.prev[stage]) / now.Sub(v.prevAt).Seconds()
		}
	}
	v.prev, v.prevAt, v.dlq = in, now, dlq
	db := v.cfg.ClickHouse.Database
	var reach time.Time
	if v.conn.QueryRow(ctx, "SELECT max(window_start) FROM "+db+".windows WHERE resolution = 'day'").Scan(&reach) == nil && !reach.IsZero() {
		v.reach = reach.Format(time.DateOnly)
	}
	rows, err := v.conn.Query(ctx, `SELECT alert_id, version, toString(state), toString(severity), point_id, country, role, type,
		population, nationality, toString(toDate(period_start)), observed, expected, factor, kind, incident_id
		FROM `+db+`.alerts FINAL ORDER BY changed_at, period_start, alert_id, version`)
	if err != nil {
		return
	}
	defer rows.Close()
	latest := map[string]string{}
	var order []string
	for rows.Next() {
		var id, state, sev, point, country, role, typ, pop, nat, day, kind, incident string
		var version uint32
		var obs, exp, factor float64
		if rows.Scan(&id, &version, &state, &sev, &point, &country, &role, &typ, &pop, &nat, &day, &obs, &exp, &factor, &kind, &incident) != nil {
			continue
		}
		v.incidents[incident] = true
		where := country
		if point != "" {
			where = point + " (" + country + ")"
		}
		what := pop
		if nat != "" {
			what += " " + nat
		}
		if kind != "" {
			what = "new " + kind + " " + nat
		}
		line := fmt.Sprintf("%-8s %-7s %s  %s, %s %s %s: %.0f vs %.0f expected (x%.1f)", strings.ToUpper(state), sev, day, where, role, typ, what, obs, exp, factor)
		key := fmt.Sprintf("%s-v%d", id, version)
		if !v.seen[key] {
			v.seen[key] = true
			v.fired = append(v.fired, line)
			if v.quiet {
				fmt.Fprintln(v.out, "ALERT", line)
			}
		}
		if _, ok := latest[id]; !ok {
			order = append(order, id)
		}
		latest[id] = state + "\x00" + line
	}
	v.open = v.open[:0]
	for _, id := range order {
		if st, line, _ := strings.Cut(latest[id], "\x00"); st != "resolved" {
			v.open = append(v.open, line)
		}
	}
}

// scrape reads the pipeline's /metrics: records in per stage and DLQ records per reason.
func (v *demoView) scrape() (in, dlq map[string]float64) {
	in, dlq = map[string]float64{}, map[string]float64{}
	res, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + v.cfg.Metrics.Listen + "/metrics")
	if err != nil {
		return in, dlq
	}
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		return in, dlq
	}
	sum := func(name, label string, into map[string]float64) {
		if f, ok := fams[name]; ok {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == label {
						into[l.GetValue()] += m.GetCounter().GetValue()
					}
				}
			}
		}
	}
	sum("vigia_records_in_total", "stage", in)
	sum("vigia_dlq_total", "reason", dlq)
	return in, dlq
}

func (v *demoView) draw(done bool) {
	if v.quiet {
		if time.Since(v.shown) >= 5*time.Second {
			v.shown = time.Now()
			fmt.Fprintf(v.out, "[%s] reached %s | events/s %s | DLQ %s | open alerts %d\n", v.shown.Format("15:04:05"), v.reach, v.rateLine(), joinCounts(v.dlq, "%.0f"), len(v.open))
		}
		return
	}
	var b strings.Builder
	b.WriteString("\033[H\033[2J")
	state := "replaying"
	if done {
		state = "replay done, draining"
	}
	fmt.Fprintf(&b, "Vigía demo: the 2023 Darién and Honduras statistics, %s; event time reached %s\n\n", state, v.reach)
	fmt.Fprintf(&b, "events/s   %s\n", v.rateLine())
	fmt.Fprintf(&b, "DLQ        %s\n\n", joinCounts(v.dlq, "%.0f"))
	fmt.Fprintf(&b, "Open alerts (%d):\n", len(v.open))
	for _, l := range tail(v.open, 8) {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	fmt.Fprintf(&b, "\nAlert changes as they fire (%d):\n", len(v.fired))
	for _, l := range tail(v.fired, 12) {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	b.WriteString("\nCtrl-C stops the demo.\n")
	fmt.Fprint(v.out, b.String())
}

func (v *demoView) rateLine() string {
	var parts []string
	for _, s := range pipeline.Stages() {
		if r, ok := v.rates[s]; ok {
			parts = append(parts, fmt.Sprintf("%s %.0f", s, r))
		}
	}
	if len(parts) == 0 {
		return "(starting)"
	}
	return strings.Join(parts, ", ")
}

// joinCounts renders "key n, key n" in key order ("none" when empty).
func joinCounts[V int | float64](m map[string]V, format string) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+" "+fmt.Sprintf(format, m[k]))
	}
	return strings.Join(parts, ", ")
}

func tail(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// finish checks that every replayed record was stored and that an alert fired, and says
// where the results are.
func (v *demoView) finish(ctx context.Context, res replayResult) error {
	stored := v.stored(ctx)
	db := v.cfg.ClickHouse.Database
	fmt.Fprintf(v.out, "\nreplayed %d records (%d persons); stored %d events\n", res.records, res.persons, stored)
	var errs []string
	if stored != uint64(res.records) {
		errs = append(errs, fmt.Sprintf("%d records replayed but %d stored", res.records, stored))
	} else {
		fmt.Fprintln(v.out, "no record lost")
	}
	if len(v.seen) == 0 {
		errs = append(errs, "no alert fired")
	} else {
		fmt.Fprintf(v.out, "%d alert changes in %d incidents, %d alerts still open\n", len(v.seen), len(v.incidents), len(v.open))
	}
	host := strings.Split(v.cfg.ClickHouse.Addr[0], ":")
	fmt.Fprintf(v.out, `
Where the results are (ClickHouse database %[1]s on %[2]s):
  clickhouse-client --port %[3]s --query "SELECT toDate(period_start) AS day, point_id, country, role, population, nationality, toString(state) AS state, round(observed) AS observed, round(expected) AS expected FROM %[1]s.alerts FINAL ORDER BY changed_at"
  clickhouse-client --port %[3]s --query "SELECT toDate(window_start) AS day, point_id, sum(persons) FROM %[1]s.windows FINAL WHERE resolution = 'day' GROUP BY day, point_id ORDER BY day"
  clickhouse-client --port %[3]s --query "SELECT toString(grain) AS grain, count(), sum(suppressed) FROM %[4]s.figures FINAL GROUP BY grain"   # the published, protected figures
  bin/vigia dashboards sql --database %[4]s          # every dashboard panel's query, ready to run
Dashboards read only the published database %[4]s: with Docker, docker compose up shows them at
http://localhost:3000 (on the compose pipeline's own data); on a Grafana of yours:
bin/vigia dashboards push --database %[4]s --url URL --token TOKEN.
The services keep running for these queries: make services-down stops them.
`, db, v.cfg.ClickHouse.Addr[0], host[len(host)-1], chsink.PublicDatabase(db))
	if len(errs) > 0 {
		return fmt.Errorf("demo check failed: %s", strings.Join(errs, "; "))
	}
	return nil
}
