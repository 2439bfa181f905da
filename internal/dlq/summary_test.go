package dlq

import (
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/schemas"
)

func TestSummarizeAndFilter(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	recs := []Record{
		{Agency: "hn-inm", Reason: schemas.UnknownPoint, Time: t0, Path: "point_id"},
		{Agency: "hn-inm", Reason: schemas.UnknownPoint, Time: t0.Add(time.Hour)},
		{Agency: "gt-igm", Reason: schemas.BadEnum, Time: t0.Add(2 * time.Hour)},
	}
	s := Summarize(recs)
	if len(s) != 2 || s[0].Agency != "hn-inm" || s[0].Count != 2 || !s[0].Last.Equal(t0.Add(time.Hour)) || s[1].Reason != "bad_enum" {
		t.Fatalf("%+v", s)
	}
	f := Filter{Reason: "unknown_point", Since: t0.Add(30 * time.Minute)}
	n := 0
	for _, r := range recs {
		if f.Match(r) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("filter matched %d", n)
	}
}
