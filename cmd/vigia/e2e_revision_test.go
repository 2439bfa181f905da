package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/schemas"
)

// The revision scenario, at two Panamanian points judged live through day 44:
//   - Lajas Blancas is stable live; a second agency's paper records of a caravan on day 38
//     arrive after the detector judged it: a surge only the late records show.
//   - At Paso Canoas the second agency's feed goes live on day 40: against the first agency's
//     50 a day, its 200 more look like a surge, and an alert opens live. Then the agency sends
//     its backlog of days 0-39: the flow was 250 a day all along, and the alert resolves as
//     revised.
var revDay0 = time.Date(2025, 3, 3, 0, 0, 0, 0, time.FixedZone("America/Panama", -5*3600))

const (
	revCaravanDay = 38
	revLiveFrom   = 40
	revJudged     = 44
)

// revRecords are aggregate records of one agency at one point for days [from, to): a day's
// mean persons split over six hours, with Poisson-like noise.
func revRecords(agency, point string, mean float64, from, to int, tag string) []pub {
	var out []pub
	for d := from; d < to; d++ {
		rng := rand.New(rand.NewPCG(uint64(d), uint64(len(point)+len(agency))))
		total := int(math.Round(mean + rng.NormFloat64()*math.Sqrt(mean)))
		for h := range 6 {
			n := total / 6
			if h < total%6 {
				n++
			}
			at := revDay0.AddDate(0, 0, d).Add(time.Duration(2+4*h) * time.Hour)
			rec := map[string]any{"schema_version": 1, "event_id": fmt.Sprintf("%s-%s-%d-%d", tag, point, d, h), "agency": agency,
				"type": "crossing", "direction": "entry", "occurred_at": at.Format(time.RFC3339), "point_id": point,
				"count": n, "person": map[string]any{"nationality": "VEN"}}
			b, _ := json.Marshal(rec)
			out = append(out, pub{agency, b})
		}
	}
	return out
}

// TestRevisedSurge: a surge that exists only in late records is detected on the revision and
// the alert says so; late records that bring a judged period back to normal resolve its
// alert as revised; a route that asked not to hear retrospective alerts does not.
func TestRevisedSurge(t *testing.T) {
	e := newRig(t, "pa-snm", "pa-senafront")
	e.cfg.Pipeline.AllowedLateness = 2 * time.Hour // the default: the backlog is too late for the stream
	all, live := &hook{keys: map[string]int{}}, &hook{keys: map[string]int{}}
	srvAll, srvLive := httptest.NewServer(all), httptest.NewServer(live)
	defer srvAll.Close()
	defer srvLive.Close()
	routes := filepath.Join(t.TempDir(), "routes.yaml")
	if err := os.WriteFile(routes, []byte(fmt.Sprintf(`routes:
  - name: pa-analistas
    match: {country: [PAN]}
    per_minute: 600
    webhook: {url: "%s", secret_env: HOOK_SECRET}
  - name: pa-ministerio
    match: {country: [PAN], retrospective: false}
    per_minute: 600
    webhook: {url: "%s", secret_env: HOOK_SECRET}
`, srvAll.URL, srvLive.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.cfg.Surge.RoutesFile = routes
	e.env["HOOK_SECRET"] = "hook-secret"
	stop := e.runInProcess()
	defer stop()

	var feed []pub
	for d := 0; d <= revJudged; d++ { // day by day, as a live feed
		feed = append(feed, revRecords("pa-snm", "pan-lajas-blancas", 300, d, d+1, "live")...)
		feed = append(feed, revRecords("pa-snm", "pan-paso-canoas", 50, d, d+1, "live")...)
		if d >= revLiveFrom {
			feed = append(feed, revRecords("pa-senafront", "pan-paso-canoas", 200, d, d+1, "live")...)
		}
	}
	feed = append(feed, revRecords("pa-snm", "pan-lajas-blancas", 300, revJudged+1, revJudged+2, "live")[:1]...) // closes day 44
	e.publish(feed)
	db := e.cfg.ClickHouse.Database
	day := func(d int) string { return revDay0.AddDate(0, 0, d).UTC().Format("2006-01-02 15:04:05") }
	e.waitFor("the live alert at Paso Canoas", "SELECT count() FROM "+db+".alerts WHERE point_id = 'pan-paso-canoas' AND population = 'all' AND nationality = '' AND state = 'opened'", 1, 3*time.Minute)
	e.waitFor("day 44 judged", "SELECT count() FROM "+db+".surge_bands WHERE point_id = 'pan-lajas-blancas' AND population = 'all' AND nationality = '' AND period_start = toDateTime('"+day(revJudged)+"', 'UTC')", 1, 3*time.Minute)

	late := revRecords("pa-senafront", "pan-paso-canoas", 200, 0, revLiveFrom, "backlog")
	late = append(late, revRecords("pa-senafront", "pan-lajas-blancas", 1500, revCaravanDay, revCaravanDay+1, "paper")...)
	rand.New(rand.NewPCG(9, 9)).Shuffle(len(late), func(i, j int) { late[i], late[j] = late[j], late[i] })
	e.publish(late)
	e.waitFor("the surge found late", "SELECT count() FROM "+db+".alerts WHERE point_id = 'pan-lajas-blancas' AND population = 'all' AND nationality = '' AND detected_late = 1 AND state = 'opened'", 1, 3*time.Minute)
	e.waitFor("the surge revised away", "SELECT count() FROM "+db+".alerts WHERE point_id = 'pan-paso-canoas' AND population = 'all' AND nationality = '' AND reason = 'revised'", 1, 3*time.Minute)

	// A busy machine can make a live judgment on partial data (a raw partition idle for
	// pipeline.idle_timeout stops holding the watermark back); revisions then correct it. The
	// caravan's alert is the one opened for its day, and Paso Canoas' the one opened live.
	var caravan, canoas []schemas.AlertChange
	changes := e.alertChanges()
	caravanDay := revDay0.AddDate(0, 0, revCaravanDay).UTC()
	pick := func(point string, first func(c schemas.AlertChange) bool) []schemas.AlertChange {
		var out []schemas.AlertChange
		for _, c := range changes {
			if c.PointID == point && c.Population == "all" && (len(out) > 0 && c.AlertID == out[0].AlertID || len(out) == 0 && first(c)) {
				out = append(out, c)
			}
		}
		return out
	}
	caravan = pick("pan-lajas-blancas", func(c schemas.AlertChange) bool { return c.OpenedAt.Equal(caravanDay) })
	canoas = pick("pan-paso-canoas", func(c schemas.AlertChange) bool { return c.State == "opened" && !c.DetectedLate })
	if len(canoas) == 0 {
		// A machine busy enough judged Paso Canoas' live days before all of them were
		// windowed, and the alert opened on their revision: still the alert the backlog must
		// resolve as revised (seen once in a loaded make test).
		canoas = pick("pan-paso-canoas", func(c schemas.AlertChange) bool { return c.State == "opened" })
	}
	if len(caravan) == 0 || caravan[0].State != "opened" || !caravan[0].DetectedLate || caravan[0].Observed < 1500 {
		t.Fatalf("want the caravan day opened on revised data, for day %d: %s\nall: %s", revCaravanDay, describe(caravan), describe(changes))
	}
	if len(canoas) < 2 {
		t.Fatalf("want the live alert at Paso Canoas and its resolution: %s", describe(canoas))
	}
	last := canoas[len(canoas)-1]
	if canoas[0].State != "opened" || last.State != "resolved" || last.Reason != "revised" || !last.DetectedLate ||
		last.AlertID != canoas[0].AlertID || last.Version != canoas[len(canoas)-2].Version+1 {
		t.Fatalf("want the live alert at Paso Canoas resolved as revised: %s", describe(canoas))
	}
	var wantAll, wantLive int
	for _, c := range changes {
		if c.PointID == "" || c.Population != "all" {
			continue
		}
		wantAll++
		if !c.DetectedLate {
			wantLive++
		}
	}
	e.checkRevisedDeliveries(all, live, wantAll, wantLive)
	e.checkForgedAlertsRefused(all, caravan[0])
	t.Logf("caravan: %s\nPaso Canoas: %s", describe(caravan), describe(canoas))
}

// checkRevisedDeliveries: the route that hears everything got the point changes, late ones
// saying so in both languages; the route that asked for live alerts only got no late one.
func (e *e2e) checkRevisedDeliveries(all, live *hook, wantAll, wantLive int) {
	e.t.Helper()
	points := func(h *hook) []string {
		var out []string
		for _, m := range h.messages() {
			if m.Incident == nil {
				e.t.Errorf("a message without its incident: %+v", m)
				continue
			}
			for _, c := range m.Incident.Changes {
				if c.PointID != "" && c.Population == "all" {
					out = append(out, fmt.Sprintf("%s v%d late=%v", c.AlertID, c.Version, c.DetectedLate))
				}
			}
		}
		return out
	}
	testenv.Eventually(e.t, 30*time.Second, func() error {
		if a, l := len(points(all)), len(points(live)); a < wantAll || l < wantLive {
			return fmt.Errorf("the routes received %d and %d point changes, want %d and %d", a, l, wantAll, wantLive)
		}
		return nil
	})
	if got := points(all); len(got) != wantAll {
		e.t.Errorf("the route of every change got %d point changes, want %d: %v", len(got), wantAll, got)
	}
	for _, m := range all.messages() {
		if m.DetectedLate && !strings.Contains(m.TextEN, "on revised data") && !strings.Contains(m.TextES, "con datos revisados") {
			e.t.Errorf("a late change does not say it was decided on revised data:\n%s\n%s", m.TextES, m.TextEN)
		}
	}
	for _, m := range live.messages() {
		for _, c := range m.Incident.Changes {
			if c.DetectedLate {
				e.t.Errorf("the route with retrospective: false got a late change: %s v%d", c.AlertID, c.Version)
			}
		}
	}
	if got := points(live); len(got) != wantLive {
		e.t.Errorf("the live route got %d point changes, want %d: %v", len(got), wantLive, got)
	}
}

// checkForgedAlertsRefused writes two forged changes to vigia.alerts with the administrator's
// credentials (a compromised producer with every right on the broker): one unsigned, one
// signed with a key the pipeline does not hold. Notify refuses both, on every route.
func (e *e2e) checkForgedAlertsRefused(h *hook, real schemas.AlertChange) {
	e.t.Helper()
	before := len(h.messages())
	forged := real
	forged.AlertID, forged.Observed, forged.Peak = "f0f0f0f0f0f0f0f0", 99999, 99999
	b, _ := json.Marshal(forged)
	topic := e.cfg.Kafka.TopicPrefix + ".alerts"
	other, _ := secrets.ParseKeyRing("a1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)), 32)
	msgs := []kafka.Message{{Topic: topic, Key: []byte(forged.AlertID), Value: b},
		{Topic: topic, Key: []byte(forged.AlertID), Value: b, Headers: secrets.RecordMAC{Ring: other}.Headers(topic, []byte(forged.AlertID), b)}}
	w := e.kafka.Writer(kclient.WriterConfig{BatchTimeout: time.Millisecond})
	defer w.Close()
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		e.t.Fatal(err)
	}
	series := func(route, reason string) string {
		return `vigia_alerts_refused_total{reason="` + reason + `",route="` + route + `"}`
	}
	testenv.Eventually(e.t, 30*time.Second, func() error {
		n := 0.0
		for _, r := range []string{"pa-analistas", "pa-ministerio"} {
			n += e.metric(series(r, "unsigned")) + e.metric(series(r, "bad_signature"))
		}
		if n < 4 {
			return fmt.Errorf("vigia_alerts_refused_total is %v, want 4 (2 forged records x 2 routes)", n)
		}
		return nil
	})
	for _, m := range h.messages()[before:] {
		e.t.Errorf("a forged alert reached the ministry: %s v%d", m.AlertID, m.Version)
	}
}
