package schemas

import (
	"testing"
)

func addSeeds(f *testing.F) {
	for _, name := range []string{"testdata/valid.ndjson", "testdata/invalid.ndjson"} {
		for _, l := range readLines(f, name) {
			f.Add(l)
		}
	}
}

// FuzzDecode: any bytes decode without panicking, and a record is either accepted or
// rejected with at least one known reason.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	var d Decoder
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev Event
		var errs Errors
		d.Decode(b, &ev, &errs)
		for _, e := range errs {
			if e.Reason == ReasonNone || e.Reason >= reasonCount || e.Message == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
	})
}

// FuzzCheck: the validator never panics and an accepted record satisfies the invariants the
// later stages rely on.
func FuzzCheck(f *testing.F) {
	addSeeds(f)
	chk := testChecker(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev Event
		var errs Errors
		chk.Check(b, "", &ev, &errs)
		if len(errs) > 0 {
			return
		}
		if ev.EventID == "" || ev.Agency == "" || ev.Type == TypeUnknown || ev.OccurredAt.IsZero() || ev.Count < 1 {
			t.Fatalf("accepted an incomplete event %+v", ev)
		}
		if _, ok := chk.Validator.Points.Lookup(ev.PointID); !ok {
			t.Fatalf("accepted unknown point")
		}
	})
}
