package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
	"github.com/vigia-observatory/vigia/sinks/notifier"
)

// The brief scenario: 42 days of the observatory's brief. Honduras' consulate in Tapachula
// opens detention cases of Hondurans (40 a day, closing most a few days later) that rise
// fourfold on days 33 to 36; Guatemala's opens a steady 30 a day; Hondurans are returned by
// air to San Pedro Sula and received at the CAMR from three departments; the CAMR refers
// returnees to services, some with protection needs.
var (
	briefDay0    = time.Date(2025, 3, 3, 0, 0, 0, 0, time.FixedZone("America/Mexico_City", -6*3600)) // a Monday
	briefDays    = 42
	briefSurge   = map[int]int{33: 4, 34: 4, 35: 4, 36: 3}
	briefNeeds   = []string{"pregnancy", "separated_child", "survivor_of_violence", "serious_medical_condition"}
	briefSubdivs = []string{"HN-CR", "HN-FM", "HN-YO"}
)

// briefTruth is what the scenario holds, to compare the run with.
type briefTruth struct {
	persons map[string]uint64            // by type
	opened  uint64                       // assistance persons counted in windows
	needs   map[string]uint64            // persons by protection need
	funnel  map[string]map[string]uint64 // measure -> subdivision -> persons (every month)
	hnMEX   map[time.Time]uint64         // HND detention cases opened in MEX, by local month
}

func briefRecords() ([]pub, briefTruth) {
	tr := briefTruth{persons: map[string]uint64{}, needs: map[string]uint64{}, funnel: map[string]map[string]uint64{}, hnMEX: map[time.Time]uint64{}}
	for _, m := range []string{"returned", "received", "referred", "enrolled"} {
		tr.funnel[m] = map[string]uint64{}
	}
	var out []pub
	seq := 0
	add := func(agency string, rec map[string]any, count int) {
		seq++
		rec["schema_version"], rec["agency"], rec["event_id"] = 1, agency, fmt.Sprintf("brief-%d", seq)
		if count > 1 {
			rec["count"] = count
		}
		b, _ := json.Marshal(rec)
		out = append(out, pub{agency, b})
		tr.persons[rec["type"].(string)] += uint64(count)
	}
	services := []string{"health", "psychosocial", "legal", "reintegration_programme", "employment"}
	for d := range briefDays {
		day := briefDay0.AddDate(0, 0, d)
		month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		hn := 40 * max(1, briefSurge[d])
		for h, n := range []int{hn / 2, hn - hn/2} {
			at := day.Add(time.Duration(9+4*h) * time.Hour).Format(time.RFC3339)
			add("hn-sre", map[string]any{"type": "assistance", "occurred_at": at, "point_id": "hnd-cons-tapachula",
				"person": map[string]any{"nationality": "HND"}, "case_type": "detention", "case_status": "opened"}, n)
			tr.opened += uint64(n)
			tr.hnMEX[month] += uint64(n)
			add("gt-minex", map[string]any{"type": "assistance", "occurred_at": at, "point_id": "gtm-cons-tapachula",
				"person": map[string]any{"nationality": "GTM"}, "case_type": "detention", "case_status": "opened"}, 15)
			tr.opened += 15
		}
		add("hn-sre", map[string]any{"type": "assistance", "occurred_at": day.Add(17 * time.Hour).Format(time.RFC3339), "point_id": "hnd-cons-tapachula",
			"person": map[string]any{"nationality": "HND"}, "case_type": "detention", "case_status": "closed"}, 30)
		// Returns: one flight a day, received at the CAMR, by department of origin.
		flight := day.Add(11 * time.Hour).Format(time.RFC3339)
		for i, sub := range briefSubdivs {
			n := []int{60, 35, 25}[i]
			rec := map[string]any{"type": "return", "occurred_at": flight, "point_id": "hnd-sap-ramon-villeda-morales", "returning_country": "USA",
				"mode": "air", "origin_subdivision": sub, "person": map[string]any{"nationality": "HND"}}
			if i < 2 { // the third department's returnees are not received at the centre
				rec["reception_point_id"] = "hnd-camr-san-pedro-sula"
				tr.funnel["received"][sub] += uint64(n)
			}
			add("hn-inm", rec, n)
			tr.funnel["returned"][sub] += uint64(n)
		}
		// Referrals, one person each: 24 a day from the two received departments.
		for i := range 24 {
			sub := briefSubdivs[i%2]
			service := services[i%len(services)]
			p := map[string]any{"nationality": "HND", "age": 19 + i, "sex": []string{"female", "male"}[i%2]}
			if i%6 == 5 {
				p["age"] = 15
			}
			var needs []string
			switch {
			case i%6 == 5:
				needs = []string{"separated_child"}
			case i%4 == 0:
				needs = []string{"pregnancy", "survivor_of_violence"}
			case i%7 == 3:
				needs = []string{"serious_medical_condition"}
			}
			if len(needs) > 0 {
				p["protection_needs"] = needs
			}
			rec := map[string]any{"type": "referral", "occurred_at": day.Add(time.Duration(12+i%8) * time.Hour).Format(time.RFC3339),
				"point_id": "hnd-camr-san-pedro-sula", "service": service, "origin_subdivision": sub, "person": p}
			if service == "reintegration_programme" {
				rec["outcome"] = "enrolled"
				tr.funnel["enrolled"][sub]++
			}
			add("hn-camr", rec, 1)
			tr.funnel["referred"][sub]++
			for _, n := range needs {
				tr.needs[n]++
			}
		}
	}
	return out, tr
}

// TestBriefEndToEnd runs the pipeline over the brief scenario: consular cases and referrals
// reach their windows, the published brief (protected, children and protection needs with
// k=10), the brief's dashboards and the alerts; a rise in Hondurans' detentions in Mexico
// reaches Honduras' foreign ministry and not Guatemala's; protection needs are stored only as
// counts.
func TestBriefEndToEnd(t *testing.T) {
	e := newRig(t, "hn-sre", "gt-minex", "hn-inm", "hn-camr")
	e.cfg.Pipeline.IdleTimeout = 2 * time.Second
	hn, gt := &hook{keys: map[string]int{}}, &hook{keys: map[string]int{}}
	mail := testenv.SMTP(t)
	hnSrv, gtSrv := httptest.NewServer(hn), httptest.NewServer(gt)
	defer hnSrv.Close()
	defer gtSrv.Close()
	routes := filepath.Join(t.TempDir(), "routes.yaml")
	if err := os.WriteFile(routes, []byte(fmt.Sprintf(`routes:
  - name: hn-cancilleria
    match: {nationality: [HND], type: [detention, return, assistance]}
    per_minute: 600
    webhook: {url: "%s", secret_env: HOOK_SECRET}
  - name: gt-minex
    match: {nationality: [GTM], type: [detention, return, assistance]}
    per_minute: 600
    webhook: {url: "%s", secret_env: HOOK_SECRET}
  - name: sv-rree-boletin
    match: {nationality: [SLV], min_severity: alert}
    bulletin: true
    email: {host: 127.0.0.1, port: %d, tls: none, from: vigia@observatorio.example, to: [boletin@rree.example]}
`, hnSrv.URL, gtSrv.URL, mail.Port)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfg.Surge.RoutesFile = routes
	e.env["HOOK_SECRET"] = "hook-secret"
	recs, tr := briefRecords()
	stop := e.runInProcess()
	defer stop()
	e.publish(recs)
	db := e.cfg.ClickHouse.Database
	var total uint64
	for _, n := range tr.persons {
		total += n
	}
	e.waitFor("every brief event stored", "SELECT sum(count) FROM "+db+".events FINAL", total, 3*time.Minute)
	e.waitFor("assistance opened in windows", "SELECT sum(persons) FROM "+db+".windows FINAL WHERE resolution = 'day' AND type = 'assistance'", tr.opened, time.Minute)
	e.waitFor("referrals in windows", "SELECT sum(persons) FROM "+db+".windows FINAL WHERE resolution = 'day' AND type = 'referral'", tr.persons["referral"], time.Minute)
	for need, n := range tr.needs {
		e.waitFor("persons with "+need, "SELECT sum(persons) FROM "+db+".protection_counts FINAL WHERE need = '"+need+"'", n, time.Minute)
	}
	e.waitFor("Hondurans' detentions in Mexico alerted", "SELECT count() FROM "+db+".alerts FINAL WHERE country = 'MEX' AND type = 'assistance' AND nationality = 'HND' AND point_id = ''", 1, 3*time.Minute)
	testenv.Eventually(t, time.Minute, func() error {
		if len(hn.messages()) == 0 {
			return fmt.Errorf("Honduras' foreign ministry heard nothing")
		}
		return nil
	})
	e.checkBriefPublished(tr)
	d, paths := e.checkBulletin("2025-03")
	if len(d.Funnel) == 0 || len(d.Centres) == 0 {
		t.Errorf("the bulletin of March 2025 shows no reception funnel: %+v %+v", d.Funnel, d.Centres)
	}
	e.checkBulletinSent(mail, paths)
	e.checkDashboards(briefDashboard, briefDay0.AddDate(0, 0, -1), briefDay0.AddDate(0, 0, briefDays+1))
	stop()
	for _, m := range hn.messages() {
		if !concerns(m, "HND") {
			t.Errorf("Honduras' route got a message about none of its nationals: %s %s", m.Series, m.State)
		}
	}
	if got := gt.messages(); len(got) > 0 {
		t.Errorf("Guatemala's route got %d messages, though Guatemalans' cases stayed level: first %s", len(got), got[0].Series)
	}
	e.checkNeedsNotPerRow()
	t.Logf("%d records; HND route %d messages, GTM route 0", len(recs), len(hn.messages()))
}

// checkBulletinSent sends the bulletin (vigia bulletin --send) and checks the e-mail the
// route that asks for it received: both languages attached, and the dashboards' link.
func (e *e2e) checkBulletinSent(mail *testenv.SMTPServer, paths []string) {
	e.t.Helper()
	var out strings.Builder
	if err := sendBulletins(context.Background(), e.cfg, e.env, bulletinOpts{month: "2025-03"}, paths, &out); err != nil {
		e.t.Fatal(err)
	}
	msgs, rcpt := mail.Messages()
	if len(msgs) != 1 || len(rcpt) != 1 || rcpt[0] != "boletin@rree.example" {
		e.t.Fatalf("the bulletin's route got %d e-mails for %v, want one for boletin@rree.example (%s)", len(msgs), rcpt, out.String())
	}
	for _, want := range []string{"vigia-bulletin-2025-03-es.html", "vigia-bulletin-2025-03-en.html", "attachment", "/d/vigia-overview"} {
		if !strings.Contains(msgs[0], want) {
			e.t.Errorf("the bulletin's e-mail lacks %q", want)
		}
	}
}

// concerns reports whether a message's lead alert or an alert of its incident is about
// nationality nat.
func concerns(m notifier.Message, nat string) bool {
	if m.Nationality == nat {
		return true
	}
	if m.Incident != nil {
		for _, c := range append(append([]notifier.Message(nil), m.Incident.Changes...), m.Incident.Open...) {
			if c.Nationality == nat {
				return true
			}
		}
	}
	return false
}

// checkBriefPublished waits for the published brief: the Hondurans' opened detention cases in
// Mexico by month, and the returns funnel by department, each the truth protected (k 5),
// and every protection-need cell with k 10.
func (e *e2e) checkBriefPublished(tr briefTruth) {
	e.t.Helper()
	pub := chsink.PublicDatabase(e.cfg.ClickHouse.Database)
	near := func(what string, truth uint64, row []string) error {
		v, _ := strconv.ParseUint(row[0], 10, 64)
		k, _ := strconv.ParseUint(row[2], 10, 64)
		switch {
		case truth < k && (row[1] != "1" || v != 0):
			return fmt.Errorf("%s: %d persons under k %d published as %v", what, truth, k, row)
		case truth >= k && (row[1] != "0" || v%k != 0 || v+k <= truth || v >= truth+k):
			return fmt.Errorf("%s: %d persons published as %v, want a multiple of %d within %d", what, truth, row, k, k)
		}
		return nil
	}
	testenv.Eventually(e.t, 2*time.Minute, func() error {
		for month, n := range tr.hnMEX {
			_, rows, err := e.queryStrings(fmt.Sprintf(`SELECT persons, suppressed, k FROM %s.brief FINAL WHERE grain = 'consular_month'
				AND nationality = 'HND' AND country = 'MEX' AND code = 'detention' AND status = 'opened' AND period_start = '%s'`, pub, month.Format("2006-01-02 15:04:05")))
			if err != nil || len(rows) != 1 {
				return fmt.Errorf("Hondurans' cases of %s: %d cells, %v", month.Format("2006-01"), len(rows), err)
			}
			if err := near("Hondurans' cases of "+month.Format("2006-01"), n, rows[0]); err != nil {
				return err
			}
		}
		for measure, bySub := range tr.funnel {
			for sub, n := range bySub {
				_, rows, err := e.queryStrings(fmt.Sprintf(`SELECT sum(persons), sum(k), count() FROM %s.brief FINAL
					WHERE grain = 'subdivision_month' AND measure = '%s' AND subdivision = '%s'`, pub, measure, sub))
				if err != nil || len(rows) != 1 {
					return fmt.Errorf("%s from %s: %v", measure, sub, err)
				}
				// Each cell (month, category, minor) is protected alone: the sum is within the
				// sum of the cells' k of the truth, and a multiple of 5.
				v, _ := strconv.ParseUint(rows[0][0], 10, 64)
				slack, _ := strconv.ParseUint(rows[0][1], 10, 64)
				if rows[0][2] == "0" || v%5 != 0 || v+slack <= n || v >= n+slack {
					return fmt.Errorf("%s from %s: %d persons published as %v (sum, sum of k, cells)", measure, sub, n, rows[0])
				}
			}
		}
		_, rows, err := e.queryStrings("SELECT code, persons, suppressed, k FROM " + pub + ".brief FINAL WHERE grain = 'protection_month'")
		if err != nil || len(rows) == 0 {
			return fmt.Errorf("no protection cells published: %v", err)
		}
		for _, r := range rows {
			if v, _ := strconv.ParseUint(r[1], 10, 64); r[3] != "10" || v%10 != 0 {
				return fmt.Errorf("protection cell %v: want k 10 and a multiple of 10", r)
			}
		}
		return nil
	})
}

// checkNeedsNotPerRow: the protection needs' codes are in no stored row, no topic key and no
// log; the only tables that name them hold counts.
func (e *e2e) checkNeedsNotPerRow() {
	e.t.Helper()
	db := e.cfg.ClickHouse.Database
	pub := chsink.PublicDatabase(db)
	_, cols, err := e.queryStrings("SELECT table, name FROM system.columns WHERE database IN ('" + db + "', '" + pub + "') AND (name LIKE '%need%' OR name LIKE '%protection%')")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range cols {
		if c[0] != "protection_counts" {
			e.t.Errorf("column %s.%s could hold protection needs per row", c[0], c[1])
		}
	}
	blobs := map[string]string{"logs": e.logs.String()}
	for _, table := range []string{"events", "windows", "alerts", "surge_bands", "dlq_records"} {
		blobs[table] = e.dumpTable(table)
	}
	for _, table := range []string{"figures", "alerts", "surge_bands"} {
		blobs[pub+"."+table] = e.dumpTable(pub + "." + table)
	}
	if !strings.Contains(blobs["events"], "reintegration_programme") {
		e.t.Error("the events table does not hold the referrals' services: the check would prove nothing")
	}
	for where, text := range blobs {
		for _, need := range briefNeeds {
			if strings.Contains(text, need) {
				e.t.Errorf("protection need %q found in %s", need, where)
			}
		}
	}
}

// briefDashboard reports whether a dashboard file shows the brief (checked against this
// scenario; the surge scenario checks the others).
func briefDashboard(file string) bool { return briefDashboards[file] }

var briefDashboards = map[string]bool{"consular.json": true, "reintegration.json": true, "protection.json": true}
