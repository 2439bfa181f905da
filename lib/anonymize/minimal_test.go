package anonymize

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"
)

// What is kept of a record is the least the analyses need: the event id as a keyed
// reference, the time to the minute, and a pseudonym that follows a person only within one
// agency and one period.
func TestMinimalRow(t *testing.T) {
	t.Parallel()
	a := newAnon(t, k1)
	ev := adult()
	ev.EventID = "AV-628 seat 14C V12345678"
	ev.OccurredAt = time.Date(2023, 10, 2, 14, 7, 41, 0, time.UTC)
	var out wire.CleanEvent
	a.Apply(ev, point, &out)
	if strings.Contains(out.EventID, "AV-628") || strings.Contains(out.EventID, "V12345678") || len(out.EventID) != 31 || out.EventID[0] != 'e' {
		t.Errorf("event id kept as %q", out.EventID)
	}
	if want := EventRef(hmac.New(sha256.New, mustKey(t, ek)), ev.Agency, ev.EventID); out.EventID != want {
		t.Errorf("reference %q, but a lookup with the key computes %q", out.EventID, want)
	}
	if got := time.Unix(out.OccurredAt, 0).UTC(); !got.Equal(time.Date(2023, 10, 2, 14, 7, 0, 0, time.UTC)) {
		t.Errorf("occurred_at kept as %s, want the minute", got)
	}
	again := out
	a.Apply(ev, point, &again)
	if again.EventID != out.EventID || again.ExactKey != out.ExactKey {
		t.Error("the same record twice got two references: exact repeats would pass")
	}

	// The same person told by another agency, and by the same agency two periods later:
	// the stream still knows them for one (dedup), the stored rows do not.
	other := adult()
	other.Agency, other.EventID = "gt-igm", "x-1"
	var o wire.CleanEvent
	a.Apply(other, point, &o)
	if o.PersonPseudonym == out.PersonPseudonym || o.FamilyPseudonym == out.FamilyPseudonym {
		t.Error("two agencies store one pseudonym for a person: their rows join")
	}
	if o.SemanticKey != out.SemanticKey {
		t.Error("the stream no longer recognizes the cross-agency repeat")
	}
	later := adult()
	later.OccurredAt = ev.OccurredAt.Add(15 * 24 * time.Hour)
	var l wire.CleanEvent
	a.Apply(later, point, &l)
	if l.PersonPseudonym == out.PersonPseudonym {
		t.Error("one agency's pseudonym links a person over more than the dedup horizon")
	}
	sameWeek := adult()
	sameWeek.OccurredAt = ev.OccurredAt.Add(2 * time.Hour)
	var w wire.CleanEvent
	a.Apply(sameWeek, point, &w)
	if w.PersonPseudonym != out.PersonPseudonym {
		t.Error("within one period one agency's repeats of a person must share a pseudonym")
	}
}

// A person of unknown age may be a child: no stored pseudonym, unless told otherwise.
func TestUnknownAgeAsMinor(t *testing.T) {
	t.Parallel()
	ev := adult()
	ev.Person.BirthDate, ev.Person.Age = "", -1
	ev.Person.GivenNames, ev.Person.FamilyNames = "", ""
	var out wire.CleanEvent
	newAnon(t, k1).Apply(ev, point, &out)
	if out.PersonPseudonym != "" || out.FamilyPseudonym != "" || out.SemanticKey == 0 {
		t.Errorf("a child with a document and no age: %+v", out)
	}
	no := false
	a, err := New(Config{Keys: ring(t, k1), EventKeys: ring(t, ek), UnknownAgeAsMinor: &no})
	if err != nil {
		t.Fatal(err)
	}
	a.Apply(ev, point, &out)
	if out.PersonPseudonym == "" {
		t.Error("UnknownAgeAsMinor false ignored")
	}
}

func mustKey(t *testing.T, spec string) []byte {
	t.Helper()
	_, k := ring(t, spec).Current()
	return k
}

// During a rotation's overlap (the old key still in the ring before the new current one) a
// record carries its fingerprints under the old key too, so it matches what was fingerprinted
// before the rotation; once the old key leaves the ring, it does not.
func TestRotationOverlapFingerprints(t *testing.T) {
	t.Parallel()
	var before, during, after wire.CleanEvent
	newAnon(t, k1).Apply(adult(), point, &before)
	newAnon(t, k1+","+k2).Apply(adult(), point, &during)
	newAnon(t, k2).Apply(adult(), point, &after)
	if during.SemanticKey == before.SemanticKey || during.SemanticKey != after.SemanticKey {
		t.Fatal("the new key must fingerprint records from the rotation on")
	}
	if during.PrevKey != before.SemanticKey || during.PrevAlt != before.AltKey || before.AltKey == 0 {
		t.Errorf("overlap: previous fingerprints %x/%x, want the old key's %x/%x", during.PrevKey, during.PrevAlt, before.SemanticKey, before.AltKey)
	}
	if after.PrevKey != 0 || before.PrevKey != 0 {
		t.Error("previous fingerprints outside an overlap")
	}
}
