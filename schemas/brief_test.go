package schemas

import (
	"strings"
	"testing"
)

// A refused record's messages travel in clear DLQ headers: they never name a protection need.
func TestMessagesNameNoProtectionNeed(t *testing.T) {
	t.Parallel()
	chk := testChecker(t)
	for _, rec := range []string{
		`{"schema_version":1,"event_id":"x","agency":"hn-inm","type":"crossing","direction":"entry","occurred_at":"2023-10-02T08:15:00-06:00","point_id":"hnd-agua-caliente","person":{"age":30,"protection_needs":["separated_child"]}}`,
		`{"schema_version":1,"event_id":"x","agency":"hn-inm","type":"crossing","direction":"entry","occurred_at":"2023-10-02T08:15:00-06:00","point_id":"hnd-agua-caliente","count":4,"person":{"protection_needs":["pregnancy"]}}`,
		`{"schema_version":1,"event_id":"x","agency":"hn-inm","type":"crossing","direction":"entry","occurred_at":"2023-10-02T08:15:00-06:00","point_id":"hnd-agua-caliente","person":{"protection_needs":["pregnant"]}}`,
	} {
		var ev Event
		var errs Errors
		chk.Check([]byte(rec), "", &ev, &errs)
		if len(errs) == 0 {
			t.Fatalf("accepted: %s", rec)
		}
		for _, e := range errs {
			for _, n := range AllNeeds() {
				if e.Path == "person.protection_needs" && strings.Contains(e.Message, n.String()) {
					t.Errorf("message %q names the need %s", e.Message, n)
				}
			}
		}
	}
}
