package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/schemas"
)

var secret = []byte("ministry-shared-secret")

func msg(id string, version int) Message {
	return Message{AlertChange: schemas.AlertChange{Schema: schemas.AlertSchemaName, AlertID: id, Version: version, State: "opened", Severity: "alert", PointID: "pan-lajas-blancas",
		PointName: "Lajas Blancas", Country: "PAN", Role: "transit", Type: "crossing", Population: "all",
		Resolution: "day", PeriodStart: time.Date(2023, 8, 14, 5, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2023, 8, 15, 5, 0, 0, 0, time.UTC),
		Observed: 3100, Expected: 1200, Upper: 1650, Factor: 2.6, ChangedAt: time.Now(), Dashboard: "https://grafana.example/d/point?var-point=pan-lajas-blancas"}}.WithText()
}

// receiver records verified deliveries; it fails the first `fail` requests.
type receiver struct {
	mu    sync.Mutex
	got   []Message
	keys  []string
	calls atomic.Int32
	fail  int32
	hang  chan struct{} // when set, requests hang until it is closed
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := rc.calls.Add(1)
	if rc.hang != nil {
		select {
		case <-rc.hang:
		case <-r.Context().Done():
		}
		return
	}
	body, _ := io.ReadAll(r.Body)
	if err := VerifySignature(secret, r, body, 5*time.Minute, time.Now()); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if n <= rc.fail {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var m Message
	_ = json.Unmarshal(body, &m)
	rc.mu.Lock()
	rc.got, rc.keys = append(rc.got, m), append(rc.keys, r.Header.Get(HeaderIdempotency))
	rc.mu.Unlock()
}

func TestWebhookSignsAndRetries(t *testing.T) {
	rc := &receiver{fail: 2}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Secret: secret, MinWait: 10 * time.Millisecond, MaxWait: 20 * time.Millisecond}
	if err := w.Send(context.Background(), msg("a1", 1)); err != nil {
		t.Fatal(err)
	}
	if rc.calls.Load() != 3 || len(rc.got) != 1 || rc.keys[0] != "a1-v1" {
		t.Fatalf("%d calls, %d delivered, keys %v", rc.calls.Load(), len(rc.got), rc.keys)
	}
	m := rc.got[0]
	if !strings.Contains(m.TextES, "Lajas Blancas (PAN)") || !strings.Contains(m.TextES, "x2.6") || !strings.Contains(m.TextEN, "transit point") ||
		!strings.Contains(m.TextEN, "Dashboard: https://grafana.example") {
		t.Fatalf("texts:\n%s\n%s", m.TextES, m.TextEN)
	}
	// A forged signature is refused by a receiver that verifies.
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set(HeaderTimestamp, "1700000000")
	req.Header.Set(HeaderSignature, Sign([]byte("other"), "1700000000", []byte("{}")))
	if VerifySignature(secret, req, []byte("{}"), time.Hour, time.Unix(1700000000, 0)) == nil {
		t.Fatal("forged signature accepted")
	}
}

func TestWebhookGivesUp(t *testing.T) {
	rc := &receiver{fail: 100}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Secret: secret, Attempts: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}
	if err := w.Send(context.Background(), msg("a1", 1)); err == nil || rc.calls.Load() != 3 {
		t.Fatalf("err %v after %d calls", err, rc.calls.Load())
	}
}

// A dead route does not hold up a live one (each route is its own stage); a re-read change
// is sent once; routing by country and severity; a stopping stage does not skip a change.
func TestRouteStagesIsolateRoutes(t *testing.T) {
	dead, live := &receiver{hang: make(chan struct{})}, &receiver{}
	ds, ls := httptest.NewServer(dead), httptest.NewServer(live)
	defer ds.Close()
	defer close(dead.hang) // release the hanging requests before the server closes
	defer ls.Close()
	var outcomes sync.Map
	count := func(route, outcome string) {
		n, _ := outcomes.LoadOrStore(route+"/"+outcome, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
	}
	stage := func(r Route) stream.PartitionHandler {
		h, _ := NewRouteStage(r, zerolog.Nop(), count).Open(context.Background(), "vigia.alerts", 0, 0)
		return h
	}
	warn := msg("a2", 1)
	warn.Severity = "warning" // below the live route's minimum
	var records []kafka.Message
	old := msg("a3", 1)
	old.ChangedAt = time.Now().AddDate(0, 0, -30) // history, not news: not sent
	for i, m := range []Message{msg("a1", 1), msg("a1", 1), msg("a1", 2), warn, old} {
		b, _ := json.Marshal(m.AlertChange)
		records = append(records, kafka.Message{Offset: int64(i), Value: b})
	}
	records = append(records, kafka.Message{Offset: 5, Value: []byte("not json")})

	deadCtx, stopDead := context.WithCancel(context.Background())
	deadDone := make(chan int64)
	go func() {
		next, _ := stage(Route{Name: "dead", Match: Match{Country: []string{"PAN"}}, Sender: &Webhook{URL: ds.URL, Secret: secret, Timeout: 30 * time.Second}}).Handle(deadCtx, records)
		deadDone <- next
	}()
	liveNext, err := stage(Route{Name: "live", Match: Match{Country: []string{"PAN"}, MinSeverity: "alert"}, Sender: &Webhook{URL: ls.URL, Secret: secret}}).Handle(context.Background(), records)
	if err != nil || liveNext != 6 {
		t.Fatalf("live route: next %d, err %v", liveNext, err)
	}
	other, _ := stage(Route{Name: "other-country", Match: Match{Country: []string{"HND"}}, Sender: &Webhook{URL: ls.URL, Secret: secret}}).Handle(context.Background(), records)
	live.mu.Lock()
	keys := strings.Join(live.keys, ",")
	live.mu.Unlock()
	if keys != "a1-v1,a1-v2" || other != 6 {
		t.Fatalf("live route got %v while the dead route hangs (other route next %d)", keys, other)
	}
	stopDead()
	if next := <-deadDone; next != 0 {
		t.Errorf("the stopped dead route committed past its undelivered change: next %d", next)
	}
	if n, _ := outcomes.Load("live/sent"); n == nil || n.(*atomic.Int32).Load() != 2 {
		t.Errorf("sent outcomes: %v", n)
	}
}
