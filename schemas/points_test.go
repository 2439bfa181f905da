package schemas

import (
	"strings"
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

// A consulate's id names the country it represents and its country is the host country; the
// children's reception centres are in the countries of return.
func TestPointConsulates(t *testing.T) {
	t.Parallel()
	ps, err := RegionPoints()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, p := range ps.All() {
		kinds[p.Kind]++
		switch p.Kind {
		case "consulate":
			if p.Country != "MEX" && p.Country != "USA" {
				t.Errorf("consulate %s is in %s, want its host country MEX or USA", p.ID, p.Country)
			}
			if prefix, _, _ := strings.Cut(p.ID, "-cons-"); prefix != "hnd" && prefix != "gtm" && prefix != "slv" {
				t.Errorf("consulate %s: id must start with hnd-cons-, gtm-cons- or slv-cons-", p.ID)
			}
		case "child_reception_centre":
			if p.Country != "HND" && p.Country != "GTM" && p.Country != "SLV" {
				t.Errorf("children's reception centre %s is in %s", p.ID, p.Country)
			}
		}
	}
	if kinds["consulate"] == 0 || kinds["child_reception_centre"] == 0 {
		t.Errorf("kinds %v: the registry has no consulate or no children's reception centre", kinds)
	}
	if p, ok := ps.Lookup("hnd-cons-houston"); !ok || p.Country != "USA" || p.TimeZone != "America/Chicago" {
		t.Errorf("hnd-cons-houston: %+v", p)
	}
}
