package detect

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/schemas"
)

// A nationality that was rare at a point and becomes a tenth of its flow raises one new
// corridor alert; a stable minority (a fifth of the flow all along), a rare one that stays
// rare, and a nationality whose share grows but stays under the share raise none.
func TestNewCorridor(t *testing.T) {
	t.Parallel()
	src := &memSource{}
	rng := rand.New(rand.NewPCG(3, 3))
	seasonal(src, rng, "pan-lajas-blancas", "PAN", "transit", 400, 80, nil) // VEN, the bulk
	for d := range 80 {
		at := day0.AddDate(0, 0, d).UTC()
		add := func(nat string, mean float64) {
			src.totals = append(src.totals, surge.Total{Start: at, PointID: "pan-lajas-blancas", Country: "PAN", Type: "crossing",
				Role: "transit", Nationality: nat, Persons: poisson(rng, mean)})
		}
		add("HTI", 100) // stable minority
		add("ECU", 3)   // rare, stays rare
		if d >= 50 {
			add("CHN", 90) // new corridor from day 50
			add("COL", 30) // grows from 3 to 30: below a tenth of the flow
		} else {
			add("CHN", 1)
			add("COL", 3)
		}
	}
	j := &judge{cfg: testConfig(src), tracker: surge.NewTracker(2)}
	all := runDays(t, j, src, 0, 80)
	var corridors []schemas.AlertChange
	for _, c := range all {
		if c.Kind == surge.KindCorridor {
			corridors = append(corridors, c)
		}
	}
	if len(corridors) == 0 {
		t.Fatal("no new-corridor alert for CHN")
	}
	first := corridors[0]
	if first.Nationality != "CHN" || first.State != "opened" || first.Method != surge.KindCorridor ||
		!first.PeriodStart.Equal(day0.AddDate(0, 0, 50).UTC()) || first.PointID != "pan-lajas-blancas" {
		t.Errorf("first corridor change %+v, want CHN opened on day 50 at the point", first)
	}
	for _, c := range corridors {
		if c.Nationality != "CHN" || c.AlertID != first.AlertID {
			t.Errorf("corridor change of another nationality or alert: %s %s %s", c.Nationality, c.State, c.PeriodStart.Format(time.DateOnly))
		}
		if c.State == "resolved" {
			t.Errorf("the corridor resolved while it holds: %+v", c)
		}
	}
}
