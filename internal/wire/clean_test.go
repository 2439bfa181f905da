package wire

import (
	"encoding/binary"
	"testing"

	"github.com/vigia-observatory/vigia/schemas"
)

func sampleClean() CleanEvent {
	return CleanEvent{
		Agency: "hn-inm", EventID: "e-1", SchemaVersion: 1, Type: schemas.Crossing, OccurredAt: 1696256100,
		PointID: "hnd-agua-caliente", PointCountry: "HND", Role: schemas.Transit, Direction: schemas.Entry, Count: 3,
		Nationality: "VEN", Sex: schemas.Female, AgeBand: Age12to17, Minor: true, Unaccompanied: true,
		Category: UnaccompaniedMinor, DestinationCountry: "USA", Mode: schemas.ModeNone,
		FamilyPseudonym: "abc", KeyID: "k1", IngestedAt: 1696256200,
		ExactKey: 1 << 60, SemanticKey: 42, AltKey: 43, Watermark: 1696250000,
	}
}

func TestCleanRoundTrip(t *testing.T) {
	t.Parallel()
	e := sampleClean()
	b := e.AppendBinary(nil)
	var got CleanEvent
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if got != e {
		t.Fatalf("round trip:\n%+v\n%+v", got, e)
	}
	// Every truncation is rejected, never a panic or a half event accepted.
	for i := 0; i < len(b); i++ {
		var x CleanEvent
		if x.UnmarshalBinary(b[:i]) == nil {
			t.Fatalf("truncated to %d bytes accepted", i)
		}
	}
}

func TestPeekAndSetWatermark(t *testing.T) {
	e := sampleClean()
	b := e.AppendBinary(nil)
	p, err := PeekClean(b)
	if err != nil || p.ExactKey != e.ExactKey || p.SemanticKey != e.SemanticKey || p.AltKey != e.AltKey || p.OccurredAt != e.OccurredAt || string(p.PointID) != e.PointID {
		t.Fatalf("peek %+v %v", p, err)
	}
	SetWatermark(b, 1234)
	var got CleanEvent
	if err := got.UnmarshalBinary(b); err != nil || got.Watermark != 1234 {
		t.Fatalf("watermark %d %v", got.Watermark, err)
	}
	got.Watermark = e.Watermark
	if got != e {
		t.Fatal("SetWatermark changed another field")
	}
	if testing.AllocsPerRun(100, func() { _, _ = PeekClean(b) }) != 0 {
		t.Fatal("PeekClean allocates")
	}
}

func FuzzCleanUnmarshal(f *testing.F) {
	e := sampleClean()
	f.Add(e.AppendBinary(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		var x CleanEvent
		if x.UnmarshalBinary(b) != nil {
			return
		}
		// What decodes survives a re-encoding unchanged.
		var y CleanEvent
		if err := y.UnmarshalBinary(x.AppendBinary(nil)); err != nil || y != x {
			t.Fatalf("re-encoding changed the event: %v\n%+v\n%+v", err, x, y)
		}
		if p, err := PeekClean(b); err != nil || p.ExactKey != x.ExactKey || string(p.PointID) != x.PointID || p.OccurredAt != x.OccurredAt {
			t.Fatalf("peek disagrees with the decoder: %+v %v", p, err)
		}
	})
}

func TestBandOf(t *testing.T) {
	t.Parallel()
	for age, want := range map[int]AgeBand{-1: AgeUnknown, 0: Age0to4, 4: Age0to4, 5: Age5to11, 17: Age12to17, 18: Age18to29, 59: Age45to59, 60: Age60plus, 120: Age60plus} {
		if got := BandOf(age); got != want {
			t.Errorf("BandOf(%d) = %v, want %v", age, got, want)
		}
	}
}

func BenchmarkCleanAppend(b *testing.B) {
	e := sampleClean()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = e.AppendBinary(buf[:0])
	}
}

func BenchmarkCleanUnmarshal(b *testing.B) {
	e := sampleClean()
	buf := e.AppendBinary(nil)
	var x CleanEvent
	b.ReportAllocs()
	for b.Loop() {
		if err := x.UnmarshalBinary(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// version4 is e (whose brief details must be empty) encoded as codec version 4 wrote it: the
// version 5 bytes without the empty details' tail (four enum bytes, a zero varint, three empty
// strings).
func version4(t *testing.T, e CleanEvent) []byte {
	t.Helper()
	b := e.AppendBinary(nil)
	tail := b[len(b)-8:]
	for _, c := range tail {
		if c != 0 {
			t.Fatalf("the event has brief details: %v", tail)
		}
	}
	b = b[:len(b)-8]
	b[0] = 4
	return b
}

// The brief's details round-trip, and version 4 records read with none.
func TestBriefDetailsAndVersion4(t *testing.T) {
	t.Parallel()
	e := sampleClean()
	v4 := version4(t, e)
	var got CleanEvent
	if err := got.UnmarshalBinary(v4); err != nil || got != e {
		t.Fatalf("version 4: %v\n%+v\n%+v", err, got, e)
	}
	e.Type, e.CaseType, e.CaseStatus, e.AssistanceCountry = schemas.Assistance, schemas.CaseDetention, schemas.CaseOpened, "MEX"
	e.OriginSubdivision, e.ReceptionPointID, e.Service, e.Outcome = "HN-CR", "hnd-camr-omoa", schemas.ServiceReintegration, schemas.Enrolled
	e.Protection = schemas.Needs(0).With(schemas.NeedPregnancy).With(schemas.NeedOlderPerson)
	b := e.AppendBinary(nil)
	if err := got.UnmarshalBinary(b); err != nil || got != e {
		t.Fatalf("version 5: %v\n%+v\n%+v", err, got, e)
	}
	// An out-of-range code is refused like any other bad byte.
	strs := 3 + len("HN-CR") + len("hnd-camr-omoa") + len("MEX")
	b[len(b)-strs-len(binary.AppendUvarint(nil, uint64(e.Protection)))-4] = 200
	if got.UnmarshalBinary(b) == nil {
		t.Fatal("a case type out of range was accepted")
	}
}

// Version 2 records, written before the alternate key existed, still decode (no AltKey).
func TestReadsCodecVersion2(t *testing.T) {
	t.Parallel()
	e := sampleClean()
	v4 := version4(t, e)
	v2 := append(append([]byte{2}, v4[1:offAlt]...), v4[offVarints:]...)
	var got CleanEvent
	if err := got.UnmarshalBinary(v2); err != nil {
		t.Fatal(err)
	}
	want := e
	want.AltKey, want.PrevKey, want.PrevAlt = 0, 0, 0
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if p, err := PeekClean(v2); err != nil || p.SemanticKey != e.SemanticKey || p.AltKey != 0 || string(p.PointID) != e.PointID {
		t.Fatalf("peek %+v %v", p, err)
	}
}

// Version 3 records (written before a rotation overlap existed) read with no previous keys.
func TestReadsCodecVersion3(t *testing.T) {
	t.Parallel()
	e := sampleClean()
	e.PrevKey, e.PrevAlt = 77, 78
	v4 := version4(t, e)
	v3 := append(append([]byte{3}, v4[1:offPrev]...), v4[offVarints:]...)
	var got CleanEvent
	if err := got.UnmarshalBinary(v3); err != nil {
		t.Fatal(err)
	}
	want := e
	want.PrevKey, want.PrevAlt = 0, 0
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	p, err := PeekClean(v4)
	if err != nil || p.PrevKey != 77 || p.PrevAlt != 78 || p.AltKey != e.AltKey {
		t.Fatalf("peek of version 4: %+v %v", p, err)
	}
}
