package notify

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/lib/disclosure"
	"github.com/vigia-observatory/vigia/schemas"
	"github.com/vigia-observatory/vigia/sinks/notifier"
)

// sender records the idempotency keys it delivered; with hang set it blocks until the
// stage stops, as a ministry endpoint that never answers.
type sender struct {
	mu   sync.Mutex
	keys []string
	got  []notifier.Message
	hang bool
}

func (s *sender) Send(ctx context.Context, m notifier.Message) error {
	if s.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, m.IdempotencyKey())
	s.got = append(s.got, m)
	return nil
}

func change(id string, version int, severity string, changed time.Time) kafka.Message {
	b, _ := json.Marshal(schemas.AlertChange{Schema: schemas.AlertSchemaName, AlertID: id, Version: version,
		State: "opened", Severity: severity, PointID: "pan-lajas-blancas", Country: "PAN", Role: "transit",
		Type: "crossing", Population: "all", Resolution: "day", ChangedAt: changed})
	return kafka.Message{Value: b}
}

// A dead route does not hold up a live one (each route is its own stage); a re-read change
// is sent once; routing by country and severity; history is not news; a stopping stage does
// not skip a change.
func TestRouteStagesIsolateRoutes(t *testing.T) {
	t.Parallel()
	var outcomes sync.Map
	count := func(route, outcome string) {
		n, _ := outcomes.LoadOrStore(route+"/"+outcome, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
	}
	open := func(r notifier.Route) *partition {
		h, _ := New(r, zerolog.Nop(), count, Trust{}, disclosure.Off()).Open(context.Background(), "vigia.alerts", 0, 0)
		return h.(*partition)
	}
	now := time.Now()
	records := []kafka.Message{change("a1", 1, "alert", now), change("a1", 1, "alert", now), change("a1", 2, "alert", now),
		change("a2", 1, "warning", now), change("a3", 1, "alert", now.AddDate(0, 0, -30)), {Value: []byte("not json")}}
	for i := range records {
		records[i].Offset = int64(i)
	}

	dead, live, other := &sender{hang: true}, &sender{}, &sender{}
	deadCtx, stopDead := context.WithCancel(context.Background())
	deadDone := make(chan int64)
	go func() {
		next, _ := open(notifier.Route{Name: "dead", Match: notifier.Match{Country: []string{"PAN"}}, Sender: dead}).Handle(deadCtx, records)
		deadDone <- next
	}()
	liveNext, err := open(notifier.Route{Name: "live", Match: notifier.Match{Country: []string{"PAN"}, MinSeverity: "alert"}, Sender: live}).Handle(context.Background(), records)
	if err != nil || liveNext != 6 {
		t.Fatalf("live route: next %d, err %v", liveNext, err)
	}
	otherNext, _ := open(notifier.Route{Name: "other-country", Match: notifier.Match{Country: []string{"HND"}}, Sender: other}).Handle(context.Background(), records)
	if keys := strings.Join(live.keys, ","); keys != "a1-v1,a1-v2" || otherNext != 6 || len(other.keys) != 0 {
		t.Fatalf("live route got %v while the dead route hangs; other route next %d, got %v", keys, otherNext, other.keys)
	}
	stopDead()
	if next := <-deadDone; next != 0 {
		t.Errorf("the stopped dead route committed past its undelivered change: next %d", next)
	}
	if n, _ := outcomes.Load("live/sent"); n == nil || n.(*atomic.Int32).Load() != 2 {
		t.Errorf("sent outcomes: %v", n)
	}
}

// Only records the detect stage signed are sent: a forged change (written by anyone else
// with access to the topic, even a super user) and an unsigned one are refused and counted.
func TestForgedAlertsRefused(t *testing.T) {
	t.Parallel()
	ring, _ := secrets.ParseKeyRing("k1:"+strings.Repeat("QUFB", 10)+"QUE=", 32)
	forger, _ := secrets.ParseKeyRing("k1:"+strings.Repeat("QkJC", 10)+"QkI=", 32)
	sign := func(m kafka.Message, r *secrets.KeyRing) kafka.Message {
		m.Topic = "vigia.alerts"
		m.Headers = secrets.RecordMAC{Ring: r}.Headers(m.Topic, m.Key, m.Value)
		return m
	}
	now := time.Now()
	unsigned := change("u1", 1, "alert", now)
	unsigned.Topic = "vigia.alerts"
	records := []kafka.Message{sign(change("real", 1, "alert", now), ring), sign(change("forged", 1, "alert", now), forger), unsigned}
	var refused []string
	trust := Trust{Verify: secrets.RecordMAC{Ring: ring}.Verify, Refused: func(_, reason string) { refused = append(refused, reason) }}
	got := &sender{}
	h, _ := New(notifier.Route{Name: "pa", Sender: got}, zerolog.Nop(), nil, trust, disclosure.Off()).Open(context.Background(), "vigia.alerts", 0, 0)
	if _, err := h.Handle(context.Background(), records); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.keys, ",") != "real-v1" || strings.Join(refused, ",") != "bad_signature,unsigned" {
		t.Fatalf("sent %v, refused %v; want real-v1 sent, the forged and the unsigned refused", got.keys, refused)
	}
}

// An incident is one message with its breakdown: the alert changes that belong to it are
// not sent on their own; every count in it is protected (a children's series of 7 persons
// reads <10); an alert change of no incident is still sent alone.
func TestIncidentIsOneMessage(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	point := schemas.AlertChange{Schema: schemas.AlertSchemaName, AlertID: "0000000000000001", Version: 1, State: "opened", Severity: "alert",
		PointID: "pan-lajas-blancas", PointName: "Lajas Blancas", Country: "PAN", Role: "transit", Type: "crossing", Population: "all",
		Resolution: "day", Series: "day|pan-lajas-blancas|PAN|crossing|transit|all|", PeriodStart: now, ChangedAt: now,
		Observed: 2403, Expected: 1000, Peak: 2403, IncidentID: "00000000000000aa"}
	kids := point
	kids.AlertID, kids.PointID, kids.PointName, kids.Population, kids.Severity = "0000000000000002", "", "", "unaccompanied", "warning"
	kids.Series, kids.Observed, kids.Expected, kids.Peak = "day||PAN|crossing|transit|unaccompanied|", 7, 1, 7
	ic := schemas.IncidentChange{Schema: schemas.IncidentSchemaName, IncidentID: "00000000000000aa", Change: "00000000000000bb", State: "opened",
		Severity: "alert", Country: "PAN", Role: "transit", Type: "crossing", Resolution: "day", OpenedAt: now, ChangedAt: now,
		Changes: []schemas.AlertChange{point, kids}}
	var records []kafka.Message
	for i, v := range []any{point, kids, ic} {
		b, _ := json.Marshal(v)
		records = append(records, kafka.Message{Offset: int64(i), Value: b})
	}
	records = append(records, change("lone", 1, "alert", now))
	records[3].Offset = 3
	rule, err := disclosure.FromSecret([]byte("a test secret of at least thirty-two bytes"))
	if err != nil {
		t.Fatal(err)
	}
	got := &sender{}
	h, _ := New(notifier.Route{Name: "pa", Sender: got}, zerolog.Nop(), nil, Trust{}, rule).Open(context.Background(), "vigia.alerts", 0, 0)
	if next, err := h.Handle(context.Background(), records); err != nil || next != 4 {
		t.Fatalf("next %d, err %v", next, err)
	}
	if strings.Join(got.keys, ",") != "incident-00000000000000aa-00000000000000bb,lone-v1" {
		t.Fatalf("sent %v, want the incident once and the lone alert", got.keys)
	}
	m := got.got[0]
	if m.Incident == nil || len(m.Incident.Changes) != 2 || m.AlertID != point.AlertID {
		t.Fatalf("incident message %+v", m)
	}
	if c := m.Incident.Changes[1]; c.ObservedText != "<10" || c.Observed != 0 || strings.Contains(m.TextEN, " 7 ") || !strings.Contains(m.TextEN, "observed <10") {
		t.Errorf("the children's line is not protected: %+v\n%s", c, m.TextEN)
	}
	if c := m.Incident.Changes[0]; int(c.Observed)%5 != 0 || !strings.Contains(m.TextES, "Lajas Blancas") {
		t.Errorf("the point's line: %+v\n%s", c, m.TextES)
	}
}

// A route that asked not to hear retrospective alerts gets an incident's live changes only,
// and nothing when all of them were decided on revised data.
func TestIncidentLiveOnly(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	a := schemas.AlertChange{Schema: schemas.AlertSchemaName, AlertID: "0000000000000001", Version: 1, State: "opened", Severity: "alert",
		Country: "PAN", Role: "transit", Type: "crossing", Population: "all", Resolution: "day", ChangedAt: now, Observed: 100, IncidentID: "00000000000000aa"}
	late := a
	late.AlertID, late.DetectedLate = "0000000000000002", true
	mixed := schemas.IncidentChange{Schema: schemas.IncidentSchemaName, IncidentID: "00000000000000aa", Change: "00000000000000b1", State: "opened",
		Severity: "alert", Country: "PAN", Role: "transit", Type: "crossing", Resolution: "day", ChangedAt: now, Changes: []schemas.AlertChange{a, late}}
	allLate := mixed
	allLate.Change, allLate.Changes, allLate.DetectedLate = "00000000000000b2", []schemas.AlertChange{late}, true
	var records []kafka.Message
	for i, v := range []any{mixed, allLate} {
		b, _ := json.Marshal(v)
		records = append(records, kafka.Message{Offset: int64(i), Value: b})
	}
	no := false
	got := &sender{}
	h, _ := New(notifier.Route{Name: "live", Match: notifier.Match{Retrospective: &no}, Sender: got}, zerolog.Nop(), nil, Trust{}, disclosure.Off()).Open(context.Background(), "vigia.alerts", 0, 0)
	if _, err := h.Handle(context.Background(), records); err != nil {
		t.Fatal(err)
	}
	if len(got.got) != 1 || len(got.got[0].Incident.Changes) != 1 || got.got[0].Incident.Changes[0].DetectedLate || strings.Contains(got.got[0].TextEN, "revised") {
		t.Fatalf("live route got %+v", got.got)
	}
}
