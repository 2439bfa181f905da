package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
)

// TestKeyRotationOverlap rotates the pseudonymization key in the middle of a stream, the
// documented way: the new key is appended to the ring (current), the old one stays for the
// overlap. Forty people crossed under the old key; after the restart another agency reports
// the same forty crossings (repeats) and forty others: the repeats are still caught, so the
// store holds eighty events, not a hundred and twenty.
func TestKeyRotationOverlap(t *testing.T) {
	e := newRig(t, "hn-inm", "gt-igm")
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)
	crossing := func(agency, id string, person int, at time.Time) pub {
		return pub{agency, []byte(fmt.Sprintf(`{"schema_version":1,"event_id":%q,"agency":%q,"type":"crossing","direction":"entry",`+
			`"occurred_at":%q,"point_id":"gtm-tecun-uman","person":{"nationality":"HND","sex":"female","age":30,`+
			`"document":{"type":"passport","number":"ROT%06d","country":"HND"}}}`, id, agency, at.Format(time.RFC3339), person))}
	}
	var before, after []pub
	for i := 0; i < 40; i++ {
		before = append(before, crossing("hn-inm", fmt.Sprintf("a-%d", i), i, at.Add(time.Duration(i)*time.Minute)))
		after = append(after, crossing("gt-igm", fmt.Sprintf("b-%d", i), i, at.Add(time.Duration(i)*time.Minute+20*time.Second)))
		after = append(after, crossing("gt-igm", fmt.Sprintf("c-%d", i), 1000+i, at.Add(time.Duration(i)*time.Minute)))
	}
	stop := e.runInProcess()
	e.publish(before)
	e.waitFor("the crossings before the rotation", e.eventsQuery(), 40, 2*time.Minute)
	stop()

	e.env["VIGIA_PSEUDONYM_KEYS"] += ",p2:" + base64.StdEncoding.EncodeToString([]byte("the rotated pseudonym key, 32 b!"))
	stop = e.runInProcess()
	defer stop()
	e.publish(after)
	// Every record after the rotation is judged: forty new, forty repeats.
	testenv.Eventually(t, 2*time.Minute, func() error {
		var stored uint64
		if err := e.conn.QueryRow(context.Background(), e.eventsQuery()).Scan(&stored); err != nil {
			return err
		}
		repeats := e.metric(`vigia_duplicates_total{kind="semantic"}`)
		if stored != 80 || repeats != 40 {
			return fmt.Errorf("%d events stored and %v repeats dropped after the rotation, want 80 and 40", stored, repeats)
		}
		return nil
	})
}
