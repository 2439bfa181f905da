package detect

import (
	"cmp"
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
)

// counts are one series' totals by period index.
type counts map[int64]float64

// seriesSet is every monitored series built from totals: point x type x role and
// country x type x role, each for all persons, minors and unaccompanied minors, and
// country x type x role x nationality (judged only for the largest nationalities, see
// topNationality).
type seriesSet map[surge.SeriesKey]counts

// buildSeries sums totals into series; zone gives each point's time zone (daily periods are
// local days); keep adds series that must be judged even without totals (open alerts: their
// quiet periods resolve them).
func buildSeries(res surge.Resolution, totals []surge.Total, zone func(string) *time.Location, keep []surge.SeriesKey) seriesSet {
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
		if t.Nationality != "" {
			add(surge.SeriesKey{Resolution: res, Country: t.Country, Type: t.Type, Role: t.Role, Population: "all", Nationality: t.Nationality}, i, t.Persons)
		}
	}
	for _, k := range keep {
		if set[k] == nil {
			set[k] = counts{}
		}
	}
	return set
}

type natKey struct{ country, typ, role string }

// nationalities groups the nationality series by country, type and role.
func (s seriesSet) nationalities() map[natKey][]surge.SeriesKey {
	out := map[natKey][]surge.SeriesKey{}
	for k := range s {
		if k.Nationality != "" {
			g := natKey{k.Country, k.Type, k.Role}
			out[g] = append(out[g], k)
		}
	}
	return out
}

// topNationality reports whether k is among the n largest nationalities of its group over
// the baseline of period i (periods i-need .. i-1; ties by code): decided per period from the
// baseline alone, so a judgment does not depend on how many periods are judged at once.
func (s seriesSet) topNationality(k surge.SeriesKey, group []surge.SeriesKey, i int64, need, n int) bool {
	sum := func(k surge.SeriesKey) float64 {
		var t float64
		for p := i - int64(need); p < i; p++ {
			t += s[k][p]
		}
		return t
	}
	mine := sum(k)
	if mine == 0 {
		return false
	}
	above := 0
	for _, o := range group {
		if o == k {
			continue
		}
		if v := sum(o); v > mine || v == mine && cmp.Compare(o.Nationality, k.Nationality) < 0 {
			above++
		}
	}
	return above < n
}
