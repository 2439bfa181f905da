package notifier

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/lib/disclosure"
	"github.com/vigia-observatory/vigia/schemas"
)

// Ministries read protected figures: a children's count under 10 reads "<10" in both texts
// and the JSON, other counts are multiples of k within k of the truth, and the factor is
// recomputed from them (observed = factor x expected would give the count back).
func TestProtected(t *testing.T) {
	rule, err := disclosure.New([]byte("the notifier test's rounding key"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC)
	kids := Message{AlertChange: schemas.AlertChange{AlertID: "a1", Series: "day|pan-lajas-blancas|crossing|transit|unaccompanied|", State: "opened", Severity: "warning",
		Population: "unaccompanied", PeriodStart: at, PeriodEnd: at.AddDate(0, 0, 1), Observed: 7, Expected: 1.3, Upper: 4.4, Factor: 5.38, Peak: 7}}.Protected(rule).WithText()
	if kids.Observed != 0 || kids.ObservedText != "<10" || kids.PeakText != "<10" || kids.K != 10 || kids.Factor != 0 {
		t.Errorf("7 unaccompanied children: %+v", kids)
	}
	for _, text := range []string{kids.TextES, kids.TextEN} {
		if !strings.Contains(text, " <10 ") || strings.Contains(text, " 7 ") || strings.Contains(text, "5.4") {
			t.Errorf("text shows an unprotected figure: %s", text)
		}
	}
	b, _ := json.Marshal(kids)
	var sent map[string]any
	if err := json.Unmarshal(b, &sent); err != nil || sent["observed"] != 0.0 || sent["observed_text"] != "<10" || sent["peak"] != 0.0 {
		t.Errorf("JSON: %s", b)
	}
	all := Message{AlertChange: schemas.AlertChange{AlertID: "a2", Series: "day|pan-lajas-blancas|crossing|transit|all|", State: "updated", Severity: "alert",
		Population: "all", PeriodStart: at, PeriodEnd: at.AddDate(0, 0, 1), Observed: 3102, Expected: 1200.4, Upper: 1650.7, Factor: 2.58, Peak: 3102}}.Protected(rule).WithText()
	if o := all.Observed; int(o)%5 != 0 || o <= 3097 || o >= 3107 || all.Expected != 1200 || all.Upper != 1651 || all.K != 5 {
		t.Errorf("3102 persons: %+v", all)
	}
	if want := float64(int(10*all.Observed/all.Expected+0.5)) / 10; all.Factor != want {
		t.Errorf("factor %v, want %v from the protected count", all.Factor, want)
	}
	if !strings.Contains(all.TextEN, "Observed "+all.ObservedText+" against 1200") {
		t.Errorf("text: %s", all.TextEN)
	}
}
