package replay

import (
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/vigia-observatory/vigia/schemas"
)

// A flow is one of the brief's replays. Flows are chosen by name like Sources but never by
// default, and are not in Sources: `vigia replay` enrolls the agencies of Sources, and a flow
// publishes for several agencies (Agencies lists them).
type flow struct {
	name     string
	agencies []string
	plan     func(b *builder, from, to time.Time) error
}

var flows = []flow{
	{"guatemala", []string{"gt-igm", "gt-sbs"}, planGuatemala},
	{"consular", []string{"gt-minex", "hn-sreci", "sv-rree"}, planConsular},
}

// Names lists the sources a replay can choose: Sources' first (the default), then the flows.
func Names() []string {
	var out []string
	for _, s := range Sources {
		out = append(out, s.Name)
	}
	for _, f := range flows {
		out = append(out, f.name)
	}
	return out
}

// Agencies lists the agencies whose raw topics a replay of sources (as in Config: none means
// the default) publishes to, sorted.
func Agencies(sources []string) []string {
	var out []string
	for _, s := range Sources {
		if len(sources) == 0 || slices.Contains(sources, s.Name) {
			out = append(out, s.Agency)
		}
	}
	for _, f := range flows {
		if slices.Contains(sources, f.name) {
			out = append(out, f.agencies...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// builder adds a flow's records to the replay's days.
type builder struct {
	days   map[string]*Day
	points *schemas.Points
	until  time.Time // the first day after the last month: nothing is planned from it
}

func newBuilder(days map[string]*Day, to time.Time) (*builder, error) {
	points, err := schemas.RegionPoints()
	if err != nil {
		return nil, err
	}
	return &builder{days: days, points: points, until: time.Date(to.Year(), to.Month()+1, 1, 0, 0, 0, 0, time.UTC)}, nil
}

// zone is a point's time zone (records carry the point's local time).
func (b *builder) zone(point string) *time.Location {
	if p, ok := b.points.Lookup(point); ok && p.Location != nil {
		return p.Location
	}
	return time.UTC
}

// add puts one record on the day of at (its local date), unless that day is after the
// replay's last month or in the future (a case's closing can fall there).
func (b *builder) add(at time.Time, agency string, rec map[string]any) bool {
	date := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	if !date.Before(b.until) || at.After(time.Now()) {
		return false
	}
	rec["schema_version"], rec["agency"], rec["occurred_at"] = 1, agency, at.Format(time.RFC3339)
	v, _ := json.Marshal(rec)
	day := b.days[date.Format(time.DateOnly)]
	if day == nil {
		day = &Day{Date: date}
		b.days[date.Format(time.DateOnly)] = day
	}
	day.Records = append(day.Records, Record{Agency: agency, Value: v})
	count, ok := rec["count"].(int)
	if !ok {
		count = 1
	}
	day.Persons += count
	return true
}

// monthRand is the random source of a flow's month: the same every run, so a re-run
// publishes the same records under the same event ids.
func monthRand(name string, m time.Time) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(m.Year())*100+uint64(m.Month()), h.Sum64()))
}

// person is an aggregate's or a case's person: nationality, a representative age, the sex
// when known, and coded protection needs only for one person (count 1).
func person(nationality, sex string, age int, unaccompanied bool) map[string]any {
	p := map[string]any{"nationality": nationality, "age": age}
	if sex != "" {
		p["sex"] = sex
	}
	if unaccompanied {
		p["unaccompanied"] = true
	}
	return p
}
