package detect

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/schemas"
)

// addLate adds totals for day d at a point, as late records recounted by the store stage do.
func addLate(src *memSource, point string, d int, persons float64) {
	src.totals = append(src.totals, surge.Total{Start: day0.AddDate(0, 0, d).UTC(), PointID: point, Country: "PAN", Type: "crossing",
		Role: "transit", Nationality: "COL", Persons: persons})
}

// revise judges a revision of point's windows from day from on, with the watermark where
// the detector stands (judged through day judged), and publishes the changes.
func revise(t *testing.T, j *judge, src *memSource, point string, from, judged int) []schemas.AlertChange {
	t.Helper()
	wm := day0.AddDate(0, 0, judged+1).Unix()
	cs, err := j.advance(context.Background(), wm, wm, map[string]int64{point: day0.AddDate(0, 0, from).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	src.alerts = append(src.alerts, cs...)
	return cs
}

// pointChanges are the changes of the point's series of all persons (not its nationalities').
func pointChanges(cs []schemas.AlertChange, point string) []schemas.AlertChange {
	var out []schemas.AlertChange
	for _, c := range cs {
		if c.PointID == point && c.Population == "all" && c.Nationality == "" {
			out = append(out, c)
		}
	}
	return out
}

// Late records reaching judged periods: a surge only they show is detected on the revision,
// marked late, with its past period; late records that raise the baseline of a live surge
// resolve it as revised; the same revision judged twice publishes nothing more; records
// within the lateness are judged again at the next hour.
func TestRevisions(t *testing.T) {
	t.Parallel()
	build := func() (*memSource, *judge) {
		src := &memSource{}
		rng := rand.New(rand.NewPCG(5, 5))
		seasonal(src, rng, "pan-lajas-blancas", "PAN", "transit", 120, 60, nil)
		seasonal(src, rng, "pan-san-vicente", "PAN", "transit", 40, 60, map[int]float64{50: 4, 51: 4, 52: 4, 53: 4, 54: 4, 55: 4, 56: 4, 57: 4, 58: 4, 59: 4})
		j := &judge{cfg: testConfig(src), tracker: surge.NewTracker(2)}
		return src, j
	}

	t.Run("a surge only in late records", func(t *testing.T) {
		t.Parallel()
		src, j := build()
		if cs := pointChanges(runDays(t, j, src, 0, 60), "pan-lajas-blancas"); len(cs) != 0 {
			t.Fatalf("live changes at the stable point: %+v", cs)
		}
		addLate(src, "pan-lajas-blancas", 45, 600)
		cs := pointChanges(revise(t, j, src, "pan-lajas-blancas", 45, 59), "pan-lajas-blancas")
		if len(cs) != 2 || cs[0].State != "opened" || !cs[0].DetectedLate || !cs[0].PeriodStart.Equal(day0.AddDate(0, 0, 45).UTC()) ||
			cs[1].State != "resolved" || cs[1].Reason != surge.ReasonQuiet || !cs[1].DetectedLate || cs[1].Version != 2 {
			t.Fatalf("want opened (late) on day 45, then resolved (late, quiet): %+v", cs)
		}
		if again := revise(t, j, src, "pan-lajas-blancas", 45, 59); len(again) != 0 {
			t.Fatalf("the same revision judged twice publishes %+v", again)
		}
	})

	t.Run("late records bring a surge back to normal", func(t *testing.T) {
		t.Parallel()
		src, j := build()
		live := pointChanges(runDays(t, j, src, 0, 53), "pan-san-vicente")
		if len(live) == 0 || live[0].State != "opened" || live[len(live)-1].State == "resolved" {
			t.Fatalf("want the live surge at San Vicente open at the end: %+v", live)
		}
		for d := 10; d < 50; d++ { // a second agency's backlog: the flow was that high all along
			addLate(src, "pan-san-vicente", d, 120)
		}
		cs := pointChanges(revise(t, j, src, "pan-san-vicente", 10, 52), "pan-san-vicente")
		if len(cs) != 1 || cs[0].AlertID != live[0].AlertID || cs[0].State != "resolved" || cs[0].Reason != surge.ReasonRevised ||
			!cs[0].DetectedLate || cs[0].Version != live[len(live)-1].Version+1 {
			t.Fatalf("want the live alert resolved as revised: %+v", cs)
		}
		k := surge.SeriesKey{Resolution: surge.Daily, PointID: "pan-san-vicente", Country: "PAN", Type: "crossing", Role: "transit", Population: "all"}
		if j.tracker.IsOpen(k) {
			t.Error("the tracker still holds the alert revised away")
		}
		if again := revise(t, j, src, "pan-san-vicente", 10, 52); len(again) != 0 {
			t.Fatalf("the same revision judged twice publishes %+v", again)
		}
	})

	t.Run("late records within the lateness", func(t *testing.T) {
		t.Parallel()
		src, j := build()
		runDays(t, j, src, 0, 46) // day 45 judged at its midnight
		addLate(src, "pan-lajas-blancas", 45, 600)
		midnight := day0.AddDate(0, 0, 46)
		cs, err := j.advance(context.Background(), midnight.Unix(), midnight.Add(time.Hour).Unix(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if cs = pointChanges(cs, "pan-lajas-blancas"); len(cs) != 1 || cs[0].State != "opened" || !cs[0].DetectedLate {
			t.Fatalf("want the day judged again an hour later, and the surge opened late: %+v", cs)
		}
	})
}

// A backfill sent in many batches is judged once it has gone quiet, or after 12 quiet
// periods of steady revisions, not once per batch.
func TestRevisionsWaitForQuiet(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	cfg := testConfig(&memSource{})
	cfg.Now = func() time.Time { return now }
	p := &partition{s: &Stage{cfg: *cfg}, revisions: map[string]wire.Revision{}}
	rev := func(key string) {
		b, _ := json.Marshal(wire.Revision{Spans: []wire.Span{{PointID: "pan-lajas-blancas", From: 0, To: 3600}}})
		p.apply(kafka.Message{Key: []byte(key), Value: b})
	}
	if p.revisionsDue() {
		t.Fatal("due with nothing pending")
	}
	rev("revision/0/1")
	for i := range 11 { // a batch every 9 s for 99 s: never quiet for 10 s, not yet 120 s
		now = now.Add(9 * time.Second)
		if p.revisionsDue() {
			t.Fatalf("due %d s after a batch, while batches keep coming", 9)
		}
		rev("revision/0/" + strconv.Itoa(i+2))
	}
	now = now.Add(9 * time.Second)
	if p.revisionsDue() {
		t.Fatal("due before 12 quiet periods of steady revisions")
	}
	now = now.Add(12 * time.Second) // 120 s since the first
	if !p.revisionsDue() {
		t.Fatal("a steady stream of revisions is never judged")
	}
	p.revisions, p.revFirst = map[string]wire.Revision{}, now
	rev("revision/1/1")
	now = now.Add(10 * time.Second)
	if !p.revisionsDue() {
		t.Fatal("not due after 10 quiet seconds")
	}
	p.apply(kafka.Message{Key: []byte("revision/1/1")}) // its tombstone
	if p.revisionsDue() {
		t.Fatal("a judged revision is still pending")
	}
}

// A restart before the detector wrote its checkpoint: the alert a judgment past the
// checkpoint published is restored, and a revision of earlier periods (judged through the
// checkpoint only) neither resolves it as revised away nor lets the forward judgment open it
// a second time.
func TestRevisionBehindAnAlertPastTheCheckpoint(t *testing.T) {
	t.Parallel()
	src := &memSource{}
	rng := rand.New(rand.NewPCG(5, 5))
	seasonal(src, rng, "pan-lajas-blancas", "PAN", "transit", 120, 60, map[int]float64{45: 5, 46: 5, 47: 5})
	j := &judge{cfg: testConfig(src), tracker: surge.NewTracker(2)}
	live := pointChanges(runDays(t, j, src, 0, 47), "pan-lajas-blancas") // published through day 46...
	if len(live) == 0 || live[0].State != "opened" {
		t.Fatalf("no live alert: %+v", live)
	}
	// ...but the checkpoint says day 44: the restarted detector restores the alert, judges a
	// revision from day 40 through its checkpoint, then goes on from day 45.
	open, _ := src.OpenAlerts(context.Background())
	tr := surge.NewTracker(2)
	tr.Restore(open)
	j = &judge{cfg: testConfig(src), tracker: tr}
	addLate(src, "pan-lajas-blancas", 40, 3) // a late record of an ordinary day
	if cs := pointChanges(revise(t, j, src, "pan-lajas-blancas", 40, 44), "pan-lajas-blancas"); len(cs) != 0 {
		t.Fatalf("the revision behind the checkpoint changed the alert: %+v", cs)
	}
	for _, c := range pointChanges(runDays(t, j, src, 45, 60), "pan-lajas-blancas") {
		if c.State == "opened" || c.AlertID != live[0].AlertID {
			t.Errorf("after the restart: %s v%d %s, want only the restored alert's updates", c.AlertID, c.Version, c.State)
		}
	}
}
