package replay

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigia-observatory/vigia/schemas"
)

// The replay keeps every month's figure exactly, and every record passes the contract.
func TestPlanKeepsTheFigures(t *testing.T) {
	t.Parallel()
	days, err := Plan(Config{From: "2023-07", To: "2023-08", Sources: []string{"darien"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 62 {
		t.Fatalf("%d days, want 62", len(days))
	}
	points, _ := schemas.RegionPoints()
	chk := schemas.Checker{Validator: &schemas.Validator{Points: points}}
	perMonth := map[string]int{}
	ids := map[string]bool{}
	for _, d := range days {
		for _, r := range d.Records {
			var ev schemas.Event
			var errs schemas.Errors
			chk.Check(r.Value, r.Agency, &ev, &errs)
			if len(errs) > 0 {
				t.Fatalf("%s: %v", r.Value, errs)
			}
			var m map[string]any
			_ = json.Unmarshal(r.Value, &m)
			id := m["event_id"].(string)
			if ids[id] {
				t.Fatalf("event id %s twice", id)
			}
			ids[id] = true
			perMonth[d.Date.Format("2006-01")] += int(m["count"].(float64))
		}
	}
	// The shared data's README: 81,946 crossed the Darién in August 2023; 55,387 in July.
	if perMonth["2023-08"] != 81946 || perMonth["2023-07"] != 55387 {
		t.Fatalf("monthly totals %v", perMonth)
	}
	again, _ := Plan(Config{From: "2023-07", To: "2023-08", Sources: []string{"darien"}})
	if string(again[10].Records[3].Value) != string(days[10].Records[3].Value) {
		t.Fatal("two plans differ: a re-run would not be idempotent")
	}
	for _, bad := range []Config{{From: "2019-01", To: "2019-02"}, {From: "2023-05", To: "2023-01"}, {From: "2023-01", To: "2023-02", Sources: []string{"mars"}}} {
		if _, err := Plan(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := Plan(Config{From: "July", To: "2023-02"}); err == nil || !strings.Contains(err.Error(), "YYYY-MM") {
		t.Errorf("bad month: %v", err)
	}
}
