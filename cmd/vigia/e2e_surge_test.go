package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/schemas"
	"github.com/vigia-observatory/vigia/sinks/notifier"
)

// The surge scenario: 90 days of daily flows with a weekly pattern and noise at three
// points; at Lajas Blancas (a Darién transit point) a surge starts on day 51 (a Wednesday),
// peaks on day 53 and ebbs from day 55.
var (
	surgeDay0   = time.Date(2025, 6, 2, 0, 0, 0, 0, time.FixedZone("America/Panama", -5*3600)) // a Monday
	surgeOnset  = 51
	surgePeak   = 53
	surgeFactor = map[int]float64{51: 3, 52: 4, 53: 6, 54: 3, 88: 5, 89: 5} // the last one is still open at the end
	surgePoints = []struct {
		agency, point string
		base          float64
	}{{"pa-snm", "pan-lajas-blancas", 300}, {"pa-snm", "pan-paso-canoas", 150}, {"gt-igm", "gtm-tecun-uman", 200}}
)

// surgeRecords are aggregate records (counts, no identity) for days [from, to): each point's
// day split over six hours.
func surgeRecords(from, to int) []pub {
	var out []pub
	for d := from; d < to; d++ {
		for i, sp := range surgePoints {
			rng := rand.New(rand.NewPCG(uint64(d), uint64(i)))
			mean := sp.base
			if wd := surgeDay0.AddDate(0, 0, d).Weekday(); wd == time.Saturday || wd == time.Sunday {
				mean *= 0.6
			}
			if f, ok := surgeFactor[d]; ok && sp.point == "pan-lajas-blancas" {
				mean *= f
			}
			total := int(math.Round(mean + rng.NormFloat64()*math.Sqrt(mean)))
			for h := range 6 {
				n := total / 6
				if h < total%6 {
					n++
				}
				at := surgeDay0.AddDate(0, 0, d).Add(time.Duration(2+4*h) * time.Hour)
				nat := []string{"VEN", "VEN", "HTI", "ECU", "VEN", "COL"}[h]
				rec := map[string]any{"schema_version": 1, "event_id": fmt.Sprintf("%s-%d-%d", sp.point, d, h), "agency": sp.agency,
					"type": "crossing", "direction": "entry", "occurred_at": at.Format(time.RFC3339), "point_id": sp.point,
					"count": n, "person": map[string]any{"nationality": nat}}
				b, _ := json.Marshal(rec)
				out = append(out, pub{sp.agency, b})
			}
		}
	}
	return out
}

// hook is the ministry's webhook receiver: it verifies every delivery's signature.
type hook struct {
	mu   sync.Mutex
	got  []notifier.Message
	bad  []string
	keys map[string]int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := notifier.VerifySignature([]byte("hook-secret"), r, body, time.Minute, time.Now()); err != nil {
		h.bad = append(h.bad, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var m notifier.Message
	_ = json.Unmarshal(body, &m)
	h.got = append(h.got, m)
	h.keys[r.Header.Get(notifier.HeaderIdempotency)]++
}

func (h *hook) messages() []notifier.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]notifier.Message(nil), h.got...)
}

// TestSurgeAlerts runs the whole pipeline over the surge scenario, restarting it in the
// middle of the surge: one alert opens on the onset day, is updated at the peak and resolves
// after it, never opened twice; the webhook and the SMTP server receive it; the stable
// points raise nothing.
func TestSurgeAlerts(t *testing.T) {
	e := newRig(t, "pa-snm", "gt-igm", "hn-inm")
	e.cfg.Pipeline.IdleTimeout = 2 * time.Second
	e.cfg.Pipeline.StatsInterval = 500 * time.Millisecond // the health dashboard's counters, within the run
	h := &hook{keys: map[string]int{}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	mail := testenv.SMTP(t)
	routes := filepath.Join(t.TempDir(), "routes.yaml")
	if err := os.WriteFile(routes, []byte(fmt.Sprintf(`routes:
  - name: pa-ministerio-seguridad
    match: {country: [PAN], min_severity: warning}
    per_minute: 600  # 90 days pass in seconds here; the default flood guard is 10 a minute
    webhook: {url: "%s", secret_env: HOOK_SECRET}
  - name: pa-migracion-correo
    match: {country: [PAN], role: [transit]}
    per_minute: 600
    email: {host: 127.0.0.1, port: %d, tls: none, from: vigia@observatorio.example, to: [alertas@migracion.example]}
`, srv.URL, mail.Port)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfg.Surge.RoutesFile = routes
	e.env["HOOK_SECRET"] = "hook-secret"

	stop := e.runInProcess()
	defer func() {
		if t.Failed() {
			e.debugDetect()
		}
	}()
	e.publish(surgeRecords(0, surgePeak))
	e.publish(surgeRecords(surgePeak, surgePeak+1)[:1]) // the peak day's first hours: day 52 closes
	e.waitFor("the alert opened and updated", e.alertsQuery("pan-lajas-blancas", "all", ""), 2, 3*time.Minute)
	stop() // a restart in the middle of the open surge
	stop = e.runInProcess()
	defer stop()
	e.publish(append(surgeRecords(surgePeak, 90), plantRecords()...))
	e.waitFor("the alert resolved", e.alertsQuery("pan-lajas-blancas", "all", "resolved"), 1, 3*time.Minute)
	e.waitFor("the second surge opened", e.alertsQuery("pan-lajas-blancas", "all", "opened"), 2, 2*time.Minute)
	e.waitFor("the planted records", "SELECT count() FROM "+e.cfg.ClickHouse.Database+".events FINAL WHERE event_id IN ("+plantedRefs()+")", 6, time.Minute)
	e.waitFor("the malformed plants", "SELECT count() FROM "+e.cfg.ClickHouse.Database+".dlq_records", 2, time.Minute)
	e.waitFor("the last day judged", "SELECT count() FROM "+e.cfg.ClickHouse.Database+".windows WHERE resolution = 'day'", 1, time.Second)

	// The peak is reached live, or on revised data when a busy machine judged the peak day
	// before all of it was windowed (a source idle past pipeline.idle_timeout): the revision
	// comes once the late records have gone quiet (detect.Config.RevisionQuiet), so wait for it.
	onset, peak := surgeDay0.AddDate(0, 0, surgeOnset).UTC(), surgeDay0.AddDate(0, 0, surgePeak).UTC()
	var changes, point []schemas.AlertChange
	surgeLifecycle := func() error {
		changes, point = e.alertChanges(), nil
		for _, c := range changes {
			if c.PointID == "pan-lajas-blancas" && c.Population == "all" && c.Nationality == "" && (len(point) == 0 || c.AlertID == point[0].AlertID) {
				point = append(point, c)
			}
		}
		if len(point) < 3 || point[0].State != "opened" || !point[0].PeriodStart.Equal(onset) {
			return fmt.Errorf("want the alert opened for the onset day %s, then updated and resolved: %s", onset, describe(point))
		}
		var atPeak bool
		for _, c := range point {
			atPeak = atPeak || c.State == "updated" && c.PeriodStart.Equal(peak) || c.DetectedLate && c.Peak >= 1500
		}
		if last := point[len(point)-1]; !atPeak || last.State != "resolved" || last.Peak < 5*150 {
			return fmt.Errorf("want an update at the peak %s and a resolution with the peak count: %s", peak, describe(point))
		}
		return nil
	}
	testenv.Eventually(t, time.Minute, surgeLifecycle)
	for i, c := range point {
		if c.AlertID != point[0].AlertID || c.Version != i+1 || i > 0 && c.State == "opened" {
			t.Errorf("change %d: %s v%d %s, want %s v%d and no second opened", i, c.AlertID, c.Version, c.State, point[0].AlertID, i+1)
		}
	}
	for _, c := range changes {
		switch {
		case c.Kind != "":
			t.Errorf("a new corridor where every nationality keeps its share: %s %s", c.Series, c.State)
		case c.PointID != "" && (c.PointID != "pan-lajas-blancas" || c.Population != "all"):
			t.Errorf("alert at a stable point: %s %s on %s (observed %v, expected %.0f, upper %.0f)", c.Series, c.State, c.PeriodStart, c.Observed, c.Expected, c.Upper)
		case c.PointID == "" && c.Country != "PAN":
			t.Errorf("alert for a stable country: %s %s", c.Series, c.State)
		}
	}
	e.checkAlertDeliveries(h, mail, changes)
	e.checkDashboards(func(f string) bool { return !briefDashboard(f) }, surgeDay0.AddDate(0, 0, -1), surgeDay0.AddDate(0, 0, 95))
	e.checkAudit()
	if d, _ := e.checkBulletin("2025-07"); len(d.Incidents) == 0 {
		t.Error("the bulletin of July 2025 shows no incident, though the surge was then")
	}
	t.Logf("%d alert changes in all; the surge point's: %s", len(changes), describe(point))
}

func (e *e2e) alertsQuery(point, population, state string) string {
	q := "SELECT count() FROM " + e.cfg.ClickHouse.Database + ".alerts FINAL WHERE point_id = '" + point + "' AND population = '" + population + "' AND nationality = '' AND kind = ''"
	if state != "" {
		q += " AND state = '" + state + "'"
	}
	return q
}

// alertChanges reads vigia.alerts, checks every record against its published JSON Schema
// (alert or incident), and checks the alerts table holds the same alert changes.
func (e *e2e) alertChanges() []schemas.AlertChange {
	out, _ := e.alertsTopic()
	return out
}

// alertsTopic is every alert change and incident change of vigia.alerts, checked.
func (e *e2e) alertsTopic() ([]schemas.AlertChange, []schemas.IncidentChange) {
	e.t.Helper()
	const base = "https://vigia-observatory.github.io/schemas/"
	c := jsonschema.NewCompiler()
	for name, b := range map[string][]byte{"alert.v1.schema.json": schemas.AlertV1Schema, "incident.v1.schema.json": schemas.IncidentV1Schema} {
		doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		_ = c.AddResource(base+name, doc)
	}
	alertSch, err := c.Compile(base + "alert.v1.schema.json")
	if err != nil {
		e.t.Fatal(err)
	}
	incSch, err := c.Compile(base + "incident.v1.schema.json")
	if err != nil {
		e.t.Fatal(err)
	}
	var out []schemas.AlertChange
	var incs []schemas.IncidentChange
	for _, m := range e.readTopic(e.cfg.Kafka.TopicPrefix + ".alerts") {
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(m.Value))
		if bytes.Contains(m.Value, []byte(`"schema":"`+schemas.IncidentSchemaName+`"`)) {
			if err := incSch.Validate(v); err != nil {
				e.t.Errorf("vigia.alerts record does not match incident.v1.schema.json: %v\n%s", err, m.Value)
			}
			var ic schemas.IncidentChange
			if err := json.Unmarshal(m.Value, &ic); err != nil || string(m.Key) != ic.IncidentID {
				e.t.Errorf("record key %q, incident %q: %v", m.Key, ic.IncidentID, err)
			}
			incs = append(incs, ic)
			continue
		}
		if err := alertSch.Validate(v); err != nil {
			e.t.Errorf("vigia.alerts record does not match alert.v1.schema.json: %v\n%s", err, m.Value)
		}
		var a schemas.AlertChange
		if err := json.Unmarshal(m.Value, &a); err != nil || string(m.Key) != a.AlertID {
			e.t.Errorf("record key %q, alert %q: %v", m.Key, a.AlertID, err)
		}
		out = append(out, a)
	}
	var stored uint64
	if err := e.conn.QueryRow(context.Background(), "SELECT count() FROM (SELECT DISTINCT alert_id, version FROM "+e.cfg.ClickHouse.Database+".alerts)").Scan(&stored); err != nil {
		e.t.Fatal(err)
	}
	distinct := map[string]bool{}
	for _, a := range out {
		distinct[fmt.Sprintf("%s-v%d", a.AlertID, a.Version)] = true
		if a.IncidentID == "" {
			e.t.Errorf("alert change %s v%d without an incident", a.AlertID, a.Version)
		}
	}
	if int(stored) != len(distinct) || len(distinct) != len(out) {
		e.t.Errorf("vigia.alerts has %d records (%d distinct changes), the alerts table %d", len(out), len(distinct), stored)
	}
	inIncident := map[string]int{}
	for _, ic := range incs {
		for _, a := range ic.Changes {
			inIncident[fmt.Sprintf("%s-v%d", a.AlertID, a.Version)]++
		}
	}
	for k := range distinct {
		if inIncident[k] == 0 {
			e.t.Errorf("alert change %s is in no incident change", k)
		}
	}
	return out, incs
}

// checkAlertDeliveries: every PAN incident change reached the webhook once, signed, with
// every PAN alert change in one message's breakdown, and the SMTP server holds them; nothing
// else was sent.
func (e *e2e) checkAlertDeliveries(h *hook, mail *testenv.SMTPServer, changes []schemas.AlertChange) {
	e.t.Helper()
	_, incs := e.alertsTopic()
	var want []string
	seen := map[string]bool{}
	for _, ic := range incs {
		if key := "incident-" + ic.IncidentID + "-" + ic.Change; ic.Country == "PAN" && !seen[key] {
			want, seen[key] = append(want, key), true
		}
	}
	testenv.Eventually(e.t, 30*time.Second, func() error {
		if n := len(h.messages()); n < len(want) {
			return fmt.Errorf("the webhook received %d of %d incident changes", n, len(want))
		}
		return nil
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.bad) > 0 {
		e.t.Errorf("deliveries with a bad signature: %v", h.bad)
	}
	for _, k := range want {
		if h.keys[k] != 1 {
			e.t.Errorf("webhook got %s %d times, want once", k, h.keys[k])
		}
	}
	if len(h.got) != len(want) {
		e.t.Errorf("webhook got %d messages, want %d", len(h.got), len(want))
	}
	delivered := map[string]int{}
	for _, m := range h.got {
		if m.TextES == "" || m.TextEN == "" || !strings.Contains(m.Dashboard, "/d/vigia-") || m.Incident == nil {
			e.t.Errorf("message without texts, dashboard link or incident: %+v", m)
			continue
		}
		for _, c := range m.Incident.Changes {
			delivered[fmt.Sprintf("%s-v%d", c.AlertID, c.Version)]++
		}
	}
	for _, c := range changes {
		if k := fmt.Sprintf("%s-v%d", c.AlertID, c.Version); c.Country == "PAN" && delivered[k] != 1 {
			e.t.Errorf("PAN change %s is in %d delivered messages, want 1", k, delivered[k])
		}
	}
	msgs, rcpt := mail.Messages()
	if len(msgs) != len(want) || len(rcpt) == 0 || rcpt[0] != "alertas@migracion.example" {
		e.t.Errorf("SMTP server holds %d messages for %v, want %d", len(msgs), rcpt, len(want))
	}
	for _, m := range msgs {
		if !strings.Contains(m, "Lajas Blancas") && !strings.Contains(m, "PAN") {
			e.t.Errorf("e-mail names neither the point nor the country:\n%s", m)
		}
	}
}

func describe(cs []schemas.AlertChange) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "\n  %s v%d %s %s %s observed %.0f expected %.0f upper %.0f", c.AlertID, c.Version, c.State, c.Severity,
			c.PeriodStart.Format("2006-01-02"), c.Observed, c.Expected, c.Upper)
	}
	return b.String()
}

// plantRecords are the records the dashboards' checks need: a breakdown of 3 people (NIC
// at Tecún Umán) and 3 unaccompanied children (at Corinto) that no panel may show, children
// and returns for their dashboards, and two malformed records for the DLQ panel. Their
// points are new on day 60, so the detector does not judge them (no baseline yet).
func plantRecords() []pub {
	day := surgeDay0.AddDate(0, 0, 60).Add(10 * time.Hour).Format(time.RFC3339)
	rec := func(agency, id, point, typ string, count int, person string, extra string) pub {
		return pub{agency, []byte(`{"schema_version":1,"event_id":"plant-` + id + `","agency":"` + agency + `","type":"` + typ + `",` + extra +
			`"occurred_at":"` + day + `","point_id":"` + point + `","count":` + fmt.Sprint(count) + `,"person":` + person + `}`)}
	}
	return []pub{
		rec("gt-igm", "nic", "gtm-tecun-uman", "crossing", 3, `{"nationality":"NIC","age":30}`, `"direction":"entry",`),
		rec("hn-inm", "unacc", "hnd-corinto", "crossing", 3, `{"nationality":"HND","age":15,"unaccompanied":true}`, `"direction":"exit",`),
		rec("pa-snm", "minors", "cri-paso-canoas", "crossing", 25, `{"nationality":"VEN","age":12}`, `"direction":"entry",`),
		rec("pa-snm", "adults", "cri-paso-canoas", "crossing", 30, `{"nationality":"VEN","age":30}`, `"direction":"entry",`),
		rec("hn-inm", "ret", "hnd-sap-ramon-villeda-morales", "return", 40, `{"nationality":"HND","age":35}`, `"returning_country":"USA","mode":"air",`),
		rec("hn-inm", "ret-min", "hnd-sap-ramon-villeda-morales", "return", 12, `{"nationality":"HND","age":10}`, `"returning_country":"USA","mode":"air",`),
		{"hn-inm", []byte(`{not json`)},
		{"hn-inm", []byte(`{"schema_version":1,"event_id":"plant-bad","agency":"hn-inm","type":"crossing","occurred_at":"` + day + `","point_id":"nowhere"}`)},
	}
}

// plantedRefs lists, for SQL, the stored references of the six good planted records.
func plantedRefs() string {
	var out []string
	for _, p := range [][2]string{{"gt-igm", "nic"}, {"hn-inm", "unacc"}, {"pa-snm", "minors"}, {"pa-snm", "adults"}, {"hn-inm", "ret"}, {"hn-inm", "ret-min"}} {
		out = append(out, "'"+ref(p[0], "plant-"+p[1])+"'")
	}
	return strings.Join(out, ", ")
}
