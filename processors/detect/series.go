package detect

import (
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
)

// counts are one series' totals by period index.
type counts map[int64]float64

// seriesSet is every monitored series built from totals: point x type x role and
// country x type x role, each for all persons, minors and unaccompanied minors; point and
// country x type x role x nationality (judged when the nationality has the volume, see
// enough); and a new-corridor series per point and nationality.
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
			k := surge.SeriesKey{Resolution: res, PointID: t.PointID, Country: t.Country, Type: t.Type, Role: t.Role, Population: "all", Nationality: t.Nationality}
			add(k, i, t.Persons)
			k.Kind = surge.KindCorridor
			add(k, i, t.Persons)
			k.PointID, k.Kind = "", ""
			add(k, i, t.Persons)
		}
	}
	for _, k := range keep {
		if set[k] == nil {
			set[k] = counts{}
		}
	}
	return set
}

// enough reports whether series k counted at least min over the baseline of period i
// (periods i-need .. i-1): a nationality is judged as its own series once it has the volume
// at the point or in the country, whichever its rank, so a corridor growing from a few
// persons is watched as soon as it matters.
func (s seriesSet) enough(k surge.SeriesKey, i int64, need int, min float64) bool {
	var sum float64
	for p := i - int64(need); p < i; p++ {
		sum += s[k][p]
	}
	return sum >= min && sum > 0
}
