package detect

import (
	"cmp"
	"slices"
	"time"

	"github.com/vigia-observatory/vigia/processors/surge"
)

// Total is what storage holds for one window period of one point, type, role and
// nationality (all demographies summed).
type Total struct {
	Start         time.Time
	PointID       string
	Country       string
	Type          string
	Role          string
	Nationality   string
	Persons       float64
	Minors        float64
	Unaccompanied float64
}

// counts are one series' totals by period index.
type counts map[int64]float64

// seriesSet is every monitored series built from totals: point x type x role and
// country x type x role, each for all persons, minors and unaccompanied minors, and
// country x type x role x nationality for the largest nationalities.
type seriesSet map[surge.SeriesKey]counts

// buildSeries sums totals into series; zone gives each point's time zone (daily periods are
// local days), keep adds the nationality series that must be followed whatever their rank
// (those with an open alert).
func buildSeries(res surge.Resolution, totals []Total, zone func(string) *time.Location, topNationalities int, keep []surge.SeriesKey) seriesSet {
	top := largestNationalities(totals, topNationalities)
	for _, k := range keep {
		if k.Nationality != "" {
			top[natKey{k.Country, k.Type, k.Role, k.Nationality}] = true
		}
	}
	set := seriesSet{}
	add := func(k surge.SeriesKey, i int64, n float64) {
		c := set[k]
		if c == nil {
			c = counts{}
			set[k] = c
		}
		c[i] += n
	}
	for _, t := range totals {
		i := index(res, t.Start, zone(t.PointID))
		for _, pop := range []struct {
			name string
			n    float64
		}{{"all", t.Persons}, {"minors", t.Minors}, {"unaccompanied", t.Unaccompanied}} {
			k := surge.SeriesKey{Resolution: res, PointID: t.PointID, Country: t.Country, Type: t.Type, Role: t.Role, Population: pop.name}
			add(k, i, pop.n)
			k.PointID = ""
			add(k, i, pop.n)
		}
		if top[natKey{t.Country, t.Type, t.Role, t.Nationality}] {
			add(surge.SeriesKey{Resolution: res, Country: t.Country, Type: t.Type, Role: t.Role, Population: "all", Nationality: t.Nationality}, i, t.Persons)
		}
	}
	for _, k := range keep {
		if set[k] == nil {
			set[k] = counts{} // quiet since: its zeros count towards resolution
		}
	}
	return set
}

type natKey struct{ country, typ, role, nat string }

// largestNationalities picks, per country x type x role, the n nationalities with the most
// persons in the totals (ties by code, so the choice is stable).
func largestNationalities(totals []Total, n int) map[natKey]bool {
	sums := map[natKey]float64{}
	for _, t := range totals {
		if t.Nationality != "" {
			sums[natKey{t.Country, t.Type, t.Role, t.Nationality}] += t.Persons
		}
	}
	groups := map[natKey][]natKey{}
	for k := range sums {
		g := natKey{k.country, k.typ, k.role, ""}
		groups[g] = append(groups[g], k)
	}
	top := map[natKey]bool{}
	for _, ks := range groups {
		slices.SortFunc(ks, func(a, b natKey) int {
			if c := cmp.Compare(sums[b], sums[a]); c != 0 {
				return c
			}
			return cmp.Compare(a.nat, b.nat)
		})
		for _, k := range ks[:min(n, len(ks))] {
			top[k] = true
		}
	}
	return top
}
