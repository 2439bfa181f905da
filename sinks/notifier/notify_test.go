package notifier

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
	t.Parallel()
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
	t.Parallel()
	rc := &receiver{fail: 100}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Secret: secret, Attempts: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}
	if err := w.Send(context.Background(), msg("a1", 1)); err == nil || rc.calls.Load() != 3 {
		t.Fatalf("err %v after %d calls", err, rc.calls.Load())
	}
}

// A change decided on revised data says so, in both languages; a resolution because revised
// data no longer show the surge says that instead.
func TestRevisedTexts(t *testing.T) {
	t.Parallel()
	m := msg("a", 1)
	m.DetectedLate = true
	m = m.WithText()
	if !strings.Contains(m.TextEN, "detected on revised data") && !strings.Contains(m.TextEN, "Detected on revised data") ||
		!strings.Contains(m.TextES, "Detectada con datos revisados") {
		t.Errorf("late texts:\n%s\n%s", m.TextES, m.TextEN)
	}
	m.State, m.Reason = "resolved", "revised"
	m = m.WithText()
	if !strings.Contains(m.TextEN, "Resolved on revised data") || !strings.Contains(m.TextES, "Resuelta con datos revisados") {
		t.Errorf("revised resolution texts:\n%s\n%s", m.TextES, m.TextEN)
	}
	if plain := msg("b", 1).WithText(); strings.Contains(plain.TextEN, "revised") {
		t.Errorf("a live change says revised: %s", plain.TextEN)
	}
}
