package anonymize

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/schemas"
)

func ring(t testing.TB, spec string) *secrets.KeyRing {
	kr, err := secrets.ParseKeyRing(spec, 32)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

var k1 = "k1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
var k2 = "k2:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))

// ek is the event-id ring of the tests: 32 varied bytes.
var ek = "e1:" + base64.StdEncoding.EncodeToString([]byte("the event-id key of the anonymizer tests!")[:32])

func newAnon(t testing.TB, spec string) *Anonymizer {
	a, err := New(Config{Keys: ring(t, spec), EventKeys: ring(t, ek), Now: func() int64 { return 1700000000 }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var point = &schemas.Point{ID: "hnd-agua-caliente", Country: "HND"}

func adult() *schemas.Event {
	ev := &schemas.Event{}
	ev.Reset()
	ev.SchemaVersion, ev.EventID, ev.Agency, ev.Type = 1, "e1", "hn-inm", schemas.Crossing
	ev.OccurredAt = time.Date(2023, 10, 2, 14, 0, 0, 0, time.UTC)
	ev.PointID, ev.Direction = point.ID, schemas.Entry
	ev.Person = schemas.Person{Nationality: "VEN", Sex: schemas.Female, Age: -1, BirthDate: "1996-03-09",
		GivenNames: "Zoraida Canary", FamilyNames: "Quintero-Peña",
		Document: schemas.Document{Type: "passport", Number: "CAN-4417-XQ", Country: "VEN"}, FamilyGroupID: "fam-9"}
	ev.DestinationCountry = "USA"
	return ev
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"  José  PÉREZ-Gómez ": "jose perez gomez",
		"jose perez gomez":     "jose perez gomez",
		"Nguyễn Văn Ánh":       "nguyen van anh",
		"O'Brien":              "o brien",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
	if NormalizeDocument("a-123 456") != "A123456" {
		t.Error(NormalizeDocument("a-123 456"))
	}
}

func TestAdultGetsStablePseudonymAndNoPII(t *testing.T) {
	t.Parallel()
	a := newAnon(t, k1)
	var out wire.CleanEvent
	ev := adult()
	a.Apply(ev, point, &out)
	if len(out.PersonPseudonym) != 32 || len(out.FamilyPseudonym) != 32 || out.KeyID != "k1" || out.SemanticKey == 0 {
		t.Fatalf("pseudonyms: %+v", out)
	}
	if out.AgeBand != wire.Age18to29 || out.Minor || out.Category != wire.FamilyUnit || out.Role != schemas.Transit {
		t.Fatalf("derived fields: %+v", out)
	}
	// The same document written differently is the same person.
	ev2 := adult()
	ev2.Person.Document.Number = "can4417xq"
	ev2.EventID = "other-agency-id"
	var out2 wire.CleanEvent
	a.Apply(ev2, point, &out2)
	if out2.PersonPseudonym != out.PersonPseudonym || out2.SemanticKey != out.SemanticKey {
		t.Fatal("normalization does not make the same document the same pseudonym")
	}
	if out2.ExactKey == out.ExactKey {
		t.Fatal("different event ids share an exact key")
	}
	// Nothing of the person's PII is in the encoded record.
	enc := string(out.AppendBinary(nil))
	for _, canary := range []string{"Zoraida", "Canary", "Quintero", "4417", "1996-03-09", "fam-9"} {
		if strings.Contains(enc, canary) {
			t.Errorf("clean record contains %q", canary)
		}
	}
}

func TestKeyRotationChangesPseudonyms(t *testing.T) {
	t.Parallel()
	var o1, o2 wire.CleanEvent
	newAnon(t, k1).Apply(adult(), point, &o1)
	newAnon(t, k1+","+k2).Apply(adult(), point, &o2)
	if o2.KeyID != "k2" || o1.PersonPseudonym == o2.PersonPseudonym {
		t.Fatalf("rotation: %s %s / %s %s", o1.KeyID, o1.PersonPseudonym, o2.KeyID, o2.PersonPseudonym)
	}
}

func TestMinorHasNoPseudonym(t *testing.T) {
	t.Parallel()
	ev := adult()
	ev.Person.BirthDate = "2012-01-01"
	ev.Person.Unaccompanied = schemas.TriTrue
	var out wire.CleanEvent
	newAnon(t, k1).Apply(ev, point, &out)
	if out.PersonPseudonym != "" || out.FamilyPseudonym != "" || !out.Minor || !out.Unaccompanied ||
		out.Category != wire.UnaccompaniedMinor || out.AgeBand != wire.Age5to11 {
		t.Fatalf("minor: %+v", out)
	}
	if out.SemanticKey == 0 {
		t.Fatal("a minor must still be deduplicated")
	}
	a, _ := New(Config{Keys: ring(t, k1), EventKeys: ring(t, ek), PseudonymizeMinors: true})
	a.Apply(ev, point, &out)
	if out.PersonPseudonym == "" {
		t.Fatal("PseudonymizeMinors ignored")
	}
}

func TestRoleTable(t *testing.T) {
	t.Parallel()
	dest := []string{"USA", "CAN"}
	for _, tc := range []struct {
		name, nat, destination, pointCountry string
		explicit                             schemas.Role
		want                                 schemas.Role
	}{
		{"explicit wins", "HND", "", "HND", schemas.Destination, schemas.Destination},
		{"national at home", "HND", "USA", "HND", 0, schemas.Origin},
		{"returnee received at home", "GTM", "", "GTM", 0, schemas.Origin},
		{"declared destination", "VEN", "MEX", "MEX", 0, schemas.Destination},
		{"presumed destination", "VEN", "", "USA", 0, schemas.Destination},
		{"declared elsewhere", "VEN", "CAN", "USA", 0, schemas.Transit},
		{"transit", "VEN", "USA", "PAN", 0, schemas.Transit},
		{"unknown nationality in transit", "", "", "PAN", 0, schemas.Transit},
	} {
		ev := &schemas.Event{Role: tc.explicit, DestinationCountry: tc.destination}
		ev.Person.Nationality = tc.nat
		if got := Role(ev, tc.pointCountry, dest); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCategoryTable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		age    int
		known  bool
		unacc  schemas.Tri
		family string
		want   wire.Category
	}{
		{10, true, schemas.TriTrue, "", wire.UnaccompaniedMinor},
		{0, false, schemas.TriTrue, "", wire.UnaccompaniedMinor},
		{10, true, schemas.TriFalse, "f", wire.FamilyUnit},
		{40, true, schemas.TriUnset, "f", wire.FamilyUnit},
		{10, true, schemas.TriUnset, "", wire.AccompaniedMinor},
		{40, true, schemas.TriUnset, "", wire.SingleAdult},
		{0, false, schemas.TriUnset, "", wire.CategoryUnknown},
	} {
		ev := &schemas.Event{}
		ev.Person.Unaccompanied, ev.Person.FamilyGroupID = tc.unacc, tc.family
		if got := Category(ev, tc.age, tc.known); got != tc.want {
			t.Errorf("%+v: %v", tc, got)
		}
	}
}

func BenchmarkApply(b *testing.B) {
	a := newAnon(b, k1)
	ev := adult()
	var out wire.CleanEvent
	b.ReportAllocs()
	for b.Loop() {
		a.Apply(ev, point, &out)
	}
}

// A record with a document and names carries both fingerprints; another agency's record of the
// same crossing with names and birth date only (written differently) matches the second.
func TestBothIdentityForms(t *testing.T) {
	t.Parallel()
	a := newAnon(t, k1)
	var full, namesOnly, docOnly wire.CleanEvent
	a.Apply(adult(), point, &full)
	ev := adult()
	ev.Agency, ev.EventID = "gt-igm", "g-1"
	ev.Person.Document = schemas.Document{}
	ev.Person.GivenNames, ev.Person.FamilyNames = "ZORAIDA canary", "Quintero Pena"
	a.Apply(ev, point, &namesOnly)
	ev = adult()
	ev.Person.GivenNames, ev.Person.FamilyNames = "", ""
	a.Apply(ev, point, &docOnly)
	if full.SemanticKey == 0 || full.AltKey == 0 || full.SemanticKey == full.AltKey {
		t.Fatalf("document and names: keys %x %x", full.SemanticKey, full.AltKey)
	}
	if namesOnly.SemanticKey != full.AltKey || namesOnly.AltKey != 0 {
		t.Fatalf("names only: %x %x, want %x 0", namesOnly.SemanticKey, namesOnly.AltKey, full.AltKey)
	}
	if docOnly.SemanticKey != full.SemanticKey || docOnly.AltKey != 0 {
		t.Fatalf("document only: %x %x, want %x 0", docOnly.SemanticKey, docOnly.AltKey, full.SemanticKey)
	}
}

// The rune-by-rune folding gives exactly what the full Unicode transform gives (the keys and
// pseudonyms of names made before it must not change), on the region's names and on random
// Latin text.
func TestAppendNameMatchesTransform(t *testing.T) {
	t.Parallel()
	cases := append(append([]string{"  José  PÉREZ-Gómez", "Zoraida Canary", "Quintero-Peña", "ÑANDÚ  o'Brien", "Ærøskøbing ß",
		"ǅemal ǈubić", "Ḿaría", "", " - ", "José\u0301", "Straße 12"}, commonGiven...), commonFamily...)
	r := rand.New(rand.NewPCG(8, 9))
	for range 2000 {
		var b strings.Builder
		for range 1 + r.IntN(20) {
			b.WriteRune(rune(0x20 + r.IntN(0x250-0x20)))
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		if got, want := NormalizeName(s), appendFolded(nil, transformName(s)); got != string(want) {
			t.Errorf("%q: %q, the transform gives %q", s, got, want)
		}
	}
}

// Two records of one person at one point and hour are two events when a consular case opens
// and closes, or a returnee is referred to two services; protection needs change no key and
// travel only as the coded set.
func TestBriefDetailsInKeys(t *testing.T) {
	t.Parallel()
	a := newAnon(t, k1)
	consulate := &schemas.Point{ID: "hnd-cons-houston", Country: "USA"}
	key := func(edit func(*schemas.Event)) wire.CleanEvent {
		ev := adult()
		ev.Type, ev.PointID, ev.Direction = schemas.Assistance, consulate.ID, schemas.DirectionNone
		ev.CaseType, ev.CaseStatus = schemas.CaseDetention, schemas.CaseOpened
		edit(ev)
		var out wire.CleanEvent
		a.Apply(ev, consulate, &out)
		return out
	}
	opened := key(func(*schemas.Event) {})
	closed := key(func(ev *schemas.Event) { ev.CaseStatus = schemas.CaseClosed })
	flagged := key(func(ev *schemas.Event) { ev.Person.Protection = schemas.Needs(0).With(schemas.NeedMedical) })
	if opened.SemanticKey == closed.SemanticKey || opened.AltKey == closed.AltKey {
		t.Fatal("opening and closing a case share a key: the closing would be dropped as a repeat")
	}
	if flagged.SemanticKey != opened.SemanticKey || flagged.AltKey != opened.AltKey || flagged.PersonPseudonym != opened.PersonPseudonym {
		t.Fatal("a protection need changed a key or the pseudonym")
	}
	if opened.AssistanceCountry != "USA" || flagged.Protection != schemas.Needs(0).With(schemas.NeedMedical) {
		t.Fatalf("assistance country %q (want the consulate's), needs %v", opened.AssistanceCountry, flagged.Protection)
	}
	ev := adult()
	var crossing wire.CleanEvent
	a.Apply(ev, point, &crossing)
	ev.Person.Protection = schemas.Needs(0).With(schemas.NeedPregnancy)
	var again wire.CleanEvent
	a.Apply(ev, point, &again)
	if crossing.SemanticKey != again.SemanticKey {
		t.Fatal("a crossing's key changed with its protection needs")
	}
}
