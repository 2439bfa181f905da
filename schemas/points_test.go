package schemas

import (
	"testing"
	"time"
)

// A country's zones are distinct (the detector closes a country's day in each of them once),
// and a point's zone is its registry zone.
func TestPointZones(t *testing.T) {
	t.Parallel()
	ps, err := RegionPoints()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		country string
		want    int
	}{{"GTM", 1}, {"MEX", 5}, {"USA", 5}, {"ATA", 0}} {
		if got := ps.CountryZones(tc.country); len(got) != tc.want {
			t.Errorf("%s: %d zones %v, want %d", tc.country, len(got), got, tc.want)
		}
	}
	if z := ps.Zone("pan-lajas-blancas"); z.String() != "America/Panama" {
		t.Errorf("Lajas Blancas in %s", z)
	}
	if ps.Zone("no-such-point") != time.UTC || ps.Name("no-such-point") != "no-such-point" {
		t.Error("an unknown point is not UTC and named by its id")
	}
}
